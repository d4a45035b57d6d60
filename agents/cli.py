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
from typing import Any, cast

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
@click.option(
    "--ordered",
    is_flag=True,
    help="Wait for each record's acknowledgement: file order across topics, for a live run "
    "that a Kafka replay must reproduce exactly (slower).",
)
def produce(file: Path, broker: str | None, rate: float, limit: int, ordered: bool) -> None:
    """Send a JSONL file's records to the articles/posts topics (by each record's kind)."""
    from agents.produce import produce_file

    settings = _settings(broker=broker)
    sent = produce_file(settings, file, rate=rate, limit=limit, ordered=ordered)
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
    help="Close the last, still open slides at the end (always done for files); the last "
    "lists what no event listed (NARRATIVES_LIST_HELD_AT_END). Without it the events match "
    "the live run's.",
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
@click.option(
    "--alerts",
    "alerts_path",
    type=click.Path(path_type=Path),
    help="File replay: where to write emerging-narrative alerts (JSONL).",
)
@click.option(
    "--commands",
    "commands_path",
    type=click.Path(exists=True, dir_okay=False, path_type=Path),
    help="File replay: curation commands (JSONL) to apply in their slides.",
)
@click.option(
    "--audit",
    "audit_path",
    type=click.Path(path_type=Path),
    help="File replay: where to write the commands' audit records (JSONL).",
)
@click.option(
    "--ignore-commands",
    is_flag=True,
    help="Kafka replay: do not apply the commands topic (what the machine alone says).",
)
@click.option(
    "--warmup",
    type=click.Choice(["auto", "checkpoint", "full", "window"]),
    default="auto",
    help="Kafka replay with --start: restore the live run's checkpoint from the history "
    "(exact), read from the topics' beginning (exact, slow), or only the preceding window "
    "(cheap; ids of narratives alive at --start differ). auto: checkpoint, else full.",
)
@click.option(
    "--set",
    "overrides",
    multiple=True,
    metavar="KEY=VALUE",
    help="What-if: override a setting (field or NARRATIVES_* name), e.g. --set "
    "min_cluster_size=8. Repeatable; changes params_version.",
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
    alerts_path: Path | None,
    commands_path: Path | None,
    audit_path: Path | None,
    ignore_commands: bool,
    warmup: str,
    overrides: tuple[str, ...],
    window_length: float | None,
    slide: float | None,
    broker: str | None,
) -> None:
    """Re-run history deterministically: a JSONL file offline, or a range of Kafka topics.

    With --kafka the replay has its own consumer (no group, no commits) and output topic, so
    the live detector is not disturbed; what-if runs take other NARRATIVES_* parameters or
    --set overrides.
    """
    from agents import logs
    from agents.kafka_replay import apply_overrides

    try:
        settings = apply_overrides(
            _settings(window_length_s=window_length, window_slide_s=slide, broker=broker),
            overrides,
        )
    except ValueError as exc:
        raise click.BadParameter(str(exc), param_hint="--set") from exc
    logs.configure(settings.log_level, settings.log_format)
    started = time.perf_counter()
    if kafka_name:
        from agents.kafka_replay import (
            KafkaReplayRequest,
            Warmup,
            WarmupUnavailable,
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
            warmup=cast(Warmup, warmup),
            commands=not ignore_commands,
        )
        try:
            result = run_kafka_replay(settings, request)
        except WarmupUnavailable as exc:
            raise click.ClickException(str(exc)) from exc
        if events_path is not None:
            write_events(events_path, result.events)
        report: dict[str, Any] = summary(result)
    else:
        from agents.replay import replay_file

        if input_path is None or events_path is None:
            raise click.UsageError("give --input and --events, or --kafka NAME")
        replayed = replay_file(
            settings,
            input_path,
            events_path,
            assignments_path,
            dead_letters_path,
            alerts_path=alerts_path,
            commands_path=commands_path,
            audit_path=audit_path,
        )
        report = dataclasses.asdict(replayed)
        report["docs_per_s"] = round(
            replayed.documents / max(time.perf_counter() - started, 1e-9), 1
        )
    report["seconds"] = round(time.perf_counter() - started, 2)
    click.echo(json.dumps(report))


@main.command("export")
@click.option(
    "--events",
    "events_path",
    type=click.Path(exists=True, dir_okay=False, path_type=Path),
    help="Narrative events (JSONL), e.g. written by `narratives replay --events`.",
)
@click.option(
    "--topic",
    help="Or read a topic of narrative events from its start to its end now "
    "(e.g. narratives, narratives.replay.NAME).",
)
@click.option(
    "--out",
    "out_dir",
    required=True,
    type=click.Path(file_okay=False, path_type=Path),
    help="Directory for narratives/assignments/volume .jsonl/.csv/.parquet and timeline.png/html.",
)
@click.option("--top", type=int, default=8, help="Narratives with their own timeline series.")
@click.option("--title", default="", help="Title of the timeline pictures.")
@click.option("--broker", help="Kafka bootstrap servers [NARRATIVES_BROKER].")
def export_command(
    events_path: Path | None,
    topic: str | None,
    out_dir: Path,
    top: int,
    title: str,
    broker: str | None,
) -> None:
    """Export narratives and assignments (JSONL, CSV, Parquet) and a volume timeline (PNG, HTML)."""
    from agents.export import export, read_events_file, read_events_topic

    if (events_path is None) == (topic is None):
        raise click.UsageError("give exactly one of --events FILE or --topic NAME")
    if events_path is not None:
        events = read_events_file(events_path)
    else:
        assert topic is not None
        events = read_events_topic(_settings(broker=broker), topic)
    click.echo(json.dumps(export(events, out_dir, top=top, title=title)))


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
    """Replay a labeled stream; print B³, AMI, ARI, noise, ids (both levels), delays as JSON."""
    from agents import logs
    from agents.evaluate import evaluate, load_gold
    from streams.profile import choose_profile

    if profile == "auto" and window_length is None and slide is None:
        chosen = choose_profile(
            (g.time for g in load_gold(input_path)), _settings().min_cluster_size
        )
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


# -- curation -------------------------------------------------------------------------------


def _curation_options(fn: Any) -> Any:
    for option in reversed(
        [
            click.option(
                "--author",
                default=lambda: os.environ.get("USER") or "unknown",
                show_default="$USER",
                help="Who issues the command (audit log).",
            ),
            click.option("--reason", required=True, help="Why, for the audit log."),
            click.option("--at", help="Event time it takes effect from (RFC 3339; default: now)."),
            click.option("--id", "command_id", help="Command id (default: a new unique one)."),
            click.option("--dry-run", is_flag=True, help="Print the command, send nothing."),
            click.option("--broker", help="Kafka bootstrap servers [NARRATIVES_BROKER]."),
        ]
    ):
        fn = option(fn)
    return fn


def _issue(kind: str, options: dict[str, Any], **fields: Any) -> None:
    from pydantic import ValidationError

    from agents.curate import build_command, dump, send_command

    try:
        command = build_command(
            kind,
            author=options["author"],
            reason=options["reason"],
            at=options["at"],
            command_id=options["command_id"],
            **fields,
        )
    except ValidationError as exc:
        first = exc.errors(include_url=False)[0]
        where = ".".join(str(p) for p in first.get("loc", ()))
        raise click.BadParameter(f"{where}: {first.get('msg')}") from exc
    if not options["dry_run"]:
        send_command(_settings(broker=options["broker"]), command)
    click.echo(dump(command))


@main.group()
def curate() -> None:
    """Correct the detector live: rename, merge, split, pin, suppress, link; read the audit.

    Each command goes to the commands topic and takes effect in the slide its --at time
    falls in (the next slide to close, for now); every worker and replay applies it.
    """


@curate.command("rename")
@click.argument("narrative_id")
@click.option("--label", required=True, help="The human label, e.g. 'Deepfake video of X'.")
@_curation_options
def curate_rename(narrative_id: str, label: str, **options: Any) -> None:
    """Give a narrative a label it keeps however its keywords drift."""
    _issue("rename", options, narrative_id=narrative_id, label=label)


@curate.command("merge")
@click.argument("narrative_ids", nargs=-1, required=True)
@_curation_options
def curate_merge(narrative_ids: tuple[str, ...], **options: Any) -> None:
    """These narratives are one: the first id survives and keeps the others' documents."""
    _issue("merge", options, narrative_ids=list(narrative_ids))


@curate.command("split")
@click.argument("narrative_id")
@click.option(
    "--members", required=True, help="Comma-separated document ids that form the new narrative."
)
@_curation_options
def curate_split(narrative_id: str, members: str, **options: Any) -> None:
    """These members form a separate narrative, and stay separate."""
    ids = [m.strip() for m in members.split(",") if m.strip()]
    _issue("split", options, narrative_id=narrative_id, member_ids=ids)


@curate.command("pin")
@click.argument("narrative_id")
@click.option("--off", is_flag=True, help="Release the pin.")
@_curation_options
def curate_pin(narrative_id: str, off: bool, **options: Any) -> None:
    """Keep a narrative alive: it never fades while pinned."""
    _issue("pin", options, narrative_id=narrative_id, pinned=not off)


@curate.command("suppress")
@click.argument("narrative_id")
@click.option("--off", is_flag=True, help="Lift the suppression.")
@_curation_options
def curate_suppress(narrative_id: str, off: bool, **options: Any) -> None:
    """Not a narrative (spam, noise): stop its events, and those of its look-alikes."""
    _issue("suppress", options, narrative_id=narrative_id, suppressed=not off)


@curate.command("link")
@click.argument("narrative_id")
@click.option("--story", "story_id", required=True, help="The story id to place it under.")
@_curation_options
def curate_link(narrative_id: str, story_id: str, **options: Any) -> None:
    """Place a narrative under a story of your choosing."""
    _issue("link", options, narrative_id=narrative_id, story_id=story_id)


@curate.command("audit")
@click.option("--json", "as_json", is_flag=True, help="Print raw audit records, one per line.")
@click.option("--broker", help="Kafka bootstrap servers [NARRATIVES_BROKER].")
def curate_audit(as_json: bool, broker: str | None) -> None:
    """Print the audit log: every command taken, who, what, when, why, and what it caused."""
    from agents.curate import format_audit, read_audit

    for record in read_audit(_settings(broker=broker)):
        click.echo(record.model_dump_json() if as_json else format_audit(record))


if __name__ == "__main__":  # pragma: no cover
    os.environ.setdefault("PYTHONUNBUFFERED", "1")
    main()
