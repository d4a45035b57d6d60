"""`narratives tail`: follow the narratives topic like any downstream consumer would."""

from __future__ import annotations

import time
from collections.abc import Callable, Iterator
from typing import Any

from agents.settings import Settings
from schemas.events import NarrativeEvent

_MARK = {"emerged": "+", "updated": "~", "merged": "&", "split": "/", "faded": "-", "resumed": "^"}


def iter_events(
    settings: Settings,
    *,
    from_beginning: bool = True,
    idle_timeout: float = 0.0,
    keep_going: Callable[[], bool] | None = None,
) -> Iterator[NarrativeEvent]:
    """Yield events from the narratives topic.

    Stops once `idle_timeout` seconds pass without an event (0 = never) and `keep_going`,
    if given, returns False.
    """
    from kafka import KafkaConsumer

    consumer: Any = KafkaConsumer(
        settings.narratives_topic,
        group_id=None,
        auto_offset_reset="earliest" if from_beginning else "latest",
        enable_auto_commit=False,
        **settings.kafka_python_config(),
    )
    last = time.monotonic()
    try:
        while True:
            batches = consumer.poll(timeout_ms=500)
            for records in batches.values():
                for message in records:
                    last = time.monotonic()
                    yield NarrativeEvent.model_validate_json(message.value)
            idle = time.monotonic() - last
            if idle_timeout and idle >= idle_timeout and (keep_going is None or not keep_going()):
                return
    finally:
        consumer.close()


def format_event(event: NarrativeEvent) -> str:
    """One line a person can scan: time, change, id, size (+ attached), languages, keywords,
    and the story it belongs to when that is another narrative's.

    Why the story: a claim's sides (an allegation, its denial, a counter-claim) and the pieces
    a burst of copies splits off are separate narratives of one story; without the story id a
    reader of the line cannot see that they belong together. A narrative that is its own
    story (it founded it) shows none, so a stream of unrelated stories reads as before."""
    size = f"{event.size}+{event.attached_size}" if event.attached_size else str(event.size)
    langs = " ".join(f"{lang}:{n}" for lang, n in list(event.counts.by_lang.items())[:3])
    words = ", ".join(k.term for k in event.keywords[:6])
    links = ""
    if event.parent_ids:
        links = f" from {','.join(event.parent_ids)}"
    if event.child_ids:
        links = f" into {','.join(event.child_ids)}"
    if event.story_id and event.story_id != event.narrative_id:
        links += f"  (story {event.story_id})"
    return (
        f"{event.window.end[:16]} {_MARK[event.type]} {event.type:<7} {event.narrative_id} "
        f"v{event.version:<3} size={size:<8} {langs:<16} {words}{links}"
    )
