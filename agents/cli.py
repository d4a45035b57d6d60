"""The `narratives` command: worker, produce, tail, replay, demo, config.

Every option can also come from the environment (`NARRATIVES_*`, see `narratives config`);
flags given on the command line win.
"""

from __future__ import annotations

import json
import os
import sys
import time
from pathlib import Path
from typing import Any

import click

from agents.settings import Settings


def _settings(**overrides: Any) -> Settings:
    given = {key: value for key, value in overrides.items() if value is not None}
    return Settings(**given)


@click.group()
@click.version_option(package_name="narrative-detector")
def main() -> None:
    """narrative-detector: find emerging narratives in articles and posts on Kafka."""


@main.command()
@click.option("--broker", help="Kafka bootstrap servers [NARRATIVES_BROKER].")
@click.option("--web-port", type=int, help="Port of /metrics, /healthz [NARRATIVES_WEB_PORT].")
def worker(broker: str | None, web_port: int | None) -> None:
    """Run the detection worker: consume articles and posts, publish narrative events."""
    from agents import logs
    from agents.worker import run_worker

    settings = _settings(broker=broker, web_port=web_port)
    logs.configure(settings.log_level, settings.log_format)
    run_worker(settings)


@main.command()
@click.argument("file", type=click.Path(exists=True, dir_okay=False, path_type=Path))
@click.option("--broker", help="Kafka bootstrap servers [NARRATIVES_BROKER].")
@click.option("--rate", type=float, default=0.0, help="Records per second (0 = unthrottled).")
@click.option("--limit", type=int, default=0, help="Stop after this many records (0 = all).")
def produce(file: Path, broker: str | None, rate: float, limit: int) -> None:
    """Send a JSONL file's records to the articles/posts topics (by each record's kind)."""
    from agents.produce import produce_file

    settings = _settings(broker=broker)
    sent = produce_file(settings, file, rate=rate, limit=limit)
    click.echo(json.dumps({"produced": sent, "file": str(file)}))


@main.command()
@click.option("--broker", help="Kafka bootstrap servers [NARRATIVES_BROKER].")
@click.option("--from-beginning/--from-now", default=True, help="Start at the earliest event.")
@click.option("--json", "as_json", is_flag=True, help="Print raw event JSON, one per line.")
@click.option("--max-events", type=int, default=0, help="Exit after this many (0 = forever).")
@click.option("--idle-timeout", type=float, default=0.0, help="Exit after this long idle (s).")
def tail(
    broker: str | None, from_beginning: bool, as_json: bool, max_events: int, idle_timeout: float
) -> None:
    """Follow the narratives topic as a downstream consumer would."""
    from agents.tail import format_event, iter_events

    settings = _settings(broker=broker)
    for count, event in enumerate(
        iter_events(settings, from_beginning=from_beginning, idle_timeout=idle_timeout), 1
    ):
        click.echo(event.model_dump_json() if as_json else format_event(event))
        if max_events and count >= max_events:
            break


@main.command()
@click.option(
    "--input",
    "input_path",
    required=True,
    type=click.Path(exists=True, dir_okay=False, path_type=Path),
    help="JSONL stream of articles/posts, in published_at order.",
)
@click.option(
    "--events",
    "events_path",
    required=True,
    type=click.Path(path_type=Path),
    help="Where to write narrative events (JSONL).",
)
@click.option(
    "--assignments",
    "assignments_path",
    type=click.Path(path_type=Path),
    help='Where to write {"doc_id", "narrative_id"} per input document (JSONL).',
)
@click.option(
    "--dead-letters",
    "dead_letters_path",
    type=click.Path(path_type=Path),
    help="Where to write refused records (JSONL).",
)
@click.option("--window-length", type=float, help="Window length, s [NARRATIVES_WINDOW_LENGTH_S].")
@click.option("--slide", type=float, help="Slide, s [NARRATIVES_WINDOW_SLIDE_S].")
def replay(
    input_path: Path,
    events_path: Path,
    assignments_path: Path | None,
    dead_letters_path: Path | None,
    window_length: float | None,
    slide: float | None,
) -> None:
    """Run the detector offline over a JSONL file, deterministically, with no Kafka."""
    from agents import logs
    from agents.replay import replay_file

    settings = _settings(window_length_s=window_length, window_slide_s=slide)
    logs.configure(settings.log_level, settings.log_format)
    started = time.perf_counter()
    summary = replay_file(settings, input_path, events_path, assignments_path, dead_letters_path)
    elapsed = time.perf_counter() - started
    report = {
        **summary.__dict__,
        "seconds": round(elapsed, 2),
        "docs_per_s": round(summary.documents / elapsed, 1) if elapsed else None,
    }
    click.echo(json.dumps(report))


@main.command("eval")
@click.option(
    "--input",
    "input_path",
    required=True,
    type=click.Path(exists=True, dir_okay=False, path_type=Path),
    help="Labeled JSONL stream (format of ../shared/data/README.md).",
)
@click.option("--window-length", type=float, help="Window length, s [NARRATIVES_WINDOW_LENGTH_S].")
@click.option("--slide", type=float, help="Slide, s [NARRATIVES_WINDOW_SLIDE_S].")
@click.option(
    "--out",
    "out_dir",
    type=click.Path(file_okay=False, path_type=Path),
    help="Keep events and assignments in this directory.",
)
def evaluate_command(
    input_path: Path, window_length: float | None, slide: float | None, out_dir: Path | None
) -> None:
    """Replay a labeled stream and print B-cubed, AMI, ARI, noise, ids and delays as JSON."""
    from agents import logs
    from agents.evaluate import evaluate

    settings = _settings(window_length_s=window_length, window_slide_s=slide)
    logs.configure(settings.log_level, settings.log_format)
    click.echo(json.dumps(evaluate(settings, input_path, keep_dir=out_dir)))


@main.command()
@click.option("--docs", type=int, default=3000, help="Documents in the generated sample.")
@click.option("--rate", type=float, default=150.0, help="Records per second to produce.")
@click.option("--port", type=int, default=0, help="Broker port (0 = a free one).")
@click.option("--keep-running", is_flag=True, help="Leave broker and worker up at the end.")
def demo(docs: int, rate: float, port: int, keep_running: bool) -> None:
    """Start a local broker and a worker, stream a sample, show narratives as they appear."""
    from agents.demo import run_demo

    sys.exit(run_demo(n_docs=docs, rate=rate, port=port, keep_running=keep_running))


@main.command()
def config() -> None:
    """Print the effective settings (secrets masked) and their environment variables."""
    settings = Settings()
    click.echo(json.dumps(settings.public_view(), indent=2, default=str))


@main.command("sample")
@click.argument("out", type=click.Path(dir_okay=False, path_type=Path))
@click.option("--docs", type=int, default=3000)
@click.option("--seed", type=int, default=7)
def sample(out: Path, docs: int, seed: int) -> None:
    """Write the deterministic English/Turkish demo stream to OUT (JSONL)."""
    from agents.sample_stream import write_sample

    count = write_sample(out, docs, seed=seed)
    click.echo(json.dumps({"written": count, "file": str(out)}))


if __name__ == "__main__":  # pragma: no cover
    os.environ.setdefault("PYTHONUNBUFFERED", "1")
    main()
