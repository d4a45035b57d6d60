"""The `narratives` command: worker, produce, tail, replay, demo, config.

Every option can also come from the environment (`NARRATIVES_*`, see `narratives config`);
flags given on the command line win.
"""

from __future__ import annotations

import dataclasses
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
    type=click.Path(exists=True, dir_okay=False, path_type=Path),
    help="JSONL stream of articles/posts, in published_at order.",
)
@click.option(
    "--kafka",
    "kafka_name",
    help="Replay the input topics from Kafka instead; output to narratives.replay.NAME.",
)
@click.option("--start", help="Kafka replay: report from this moment (RFC 3339).")
@click.option("--end", help="Kafka replay: read records up to this moment (RFC 3339).")
@click.option("--topics", help="Kafka replay: input topics, comma-separated (default: both).")
@click.option("--publish/--no-publish", default=True, help="Kafka replay: write its topic.")
@click.option(
    "--flush",
    is_flag=True,
    help="Close the last, still open slides at the end (always done for files).",
)
@click.option(
    "--events",
    "events_path",
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
@click.option("--broker", help="Kafka bootstrap servers [NARRATIVES_BROKER].")
def replay(
    input_path: Path | None,
    kafka_name: str | None,
    start: str | None,
    end: str | None,
    topics: str | None,
    publish: bool,
    flush: bool,
    events_path: Path | None,
    assignments_path: Path | None,
    dead_letters_path: Path | None,
    window_length: float | None,
    slide: float | None,
    broker: str | None,
) -> None:
    """Re-run history deterministically: a JSONL file offline, or a range of Kafka topics.

    With --kafka the replay has its own consumer (no group, no commits) and output topic, so
    the live detector is not disturbed; what-if runs take other NARRATIVES_* parameters.
    """
    from agents import logs

    settings = _settings(window_length_s=window_length, window_slide_s=slide, broker=broker)
    logs.configure(settings.log_level, settings.log_format)
    started = time.perf_counter()
    if kafka_name:
        from agents.kafka_replay import (
            KafkaReplayRequest,
            parse_time,
            run_kafka_replay,
            summary,
            write_events,
        )

        request = KafkaReplayRequest(
            name=kafka_name,
            start=parse_time(start),
            end=parse_time(end),
            topics=tuple(t.strip() for t in (topics or "").split(",") if t.strip()),
            publish=publish,
            flush=flush,
        )
        result = run_kafka_replay(settings, request)
        if events_path is not None:
            write_events(events_path, result.events)
        report: dict[str, Any] = summary(result)
    else:
        from agents.replay import replay_file

        if input_path is None or events_path is None:
            raise click.UsageError("give --input and --events, or --kafka NAME")
        replayed = replay_file(
            settings, input_path, events_path, assignments_path, dead_letters_path
        )
        report = dataclasses.asdict(replayed)
        report["docs_per_s"] = round(
            replayed.documents / max(time.perf_counter() - started, 1e-9), 1
        )
    report["seconds"] = round(time.perf_counter() - started, 2)
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
    "--profile",
    type=click.Choice(["auto", "settings"]),
    default="auto",
    help="auto: window from the stream's density (streams.profile) unless --window-length/"
    "--slide are given; settings: NARRATIVES_WINDOW_* as they are.",
)
@click.option(
    "--out",
    "out_dir",
    type=click.Path(file_okay=False, path_type=Path),
    help="Keep events and assignments in this directory.",
)
def evaluate_command(
    input_path: Path,
    window_length: float | None,
    slide: float | None,
    profile: str,
    out_dir: Path | None,
) -> None:
    """Replay a labeled stream and print B-cubed, AMI, ARI, noise, ids and delays as JSON."""
    from agents import logs
    from agents.evaluate import evaluate, load_gold
    from streams.profile import choose_profile

    if profile == "auto" and window_length is None and slide is None:
        chosen = choose_profile(g.time for g in load_gold(input_path))
        window_length, slide = chosen.length_s, chosen.slide_s

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
