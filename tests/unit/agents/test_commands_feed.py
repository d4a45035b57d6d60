"""Unit tests for agents.commands_feed: a poll never raises, whatever the client does.

The worker polls the commands topic every second from a Faust timer, and an exception there
crashes the whole app: with the broker gone, a feed that had to (re)connect raised kafka-python's
"Unable to bootstrap" and the worker died. The client here is a stand-in (these tests are about
the feed's error handling); the real broker's outage is in tests/integration.
"""

from __future__ import annotations

from typing import Any

import kafka
import pytest
from kafka.errors import KafkaTimeoutError

from agents.commands_feed import CommandFeed
from agents.settings import Settings


class Record:
    def __init__(self, offset: int) -> None:
        self.value = b'{"command": "pin"}'
        self.topic = "narratives.commands"
        self.partition = 0
        self.offset = offset


class Reachable:
    """A consumer of a broker that answers: one record per poll."""

    opened = 0

    def __init__(self, **_: Any) -> None:
        type(self).opened += 1
        self.closed = False
        self.offset = 0

    def partitions_for_topic(self, topic: str) -> set[int]:
        return {0}

    def assign(self, partitions: list[Any]) -> None:
        self.partitions = partitions

    def seek_to_beginning(self) -> None:
        self.offset = 0

    def poll(self, **_: Any) -> dict[Any, list[Record]]:
        self.offset += 1
        return {self.partitions[0]: [Record(self.offset - 1)]}

    def close(self) -> None:
        self.closed = True


class Unreachable:
    def __init__(self, **_: Any) -> None:
        raise KafkaTimeoutError("Unable to bootstrap from ['127.0.0.1:9']")


class FailingPoll(Reachable):
    def poll(self, **_: Any) -> dict[Any, list[Record]]:
        raise KafkaTimeoutError("Failed to update metadata")


def test_a_poll_without_a_broker_returns_nothing_and_warns_once(
    monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    monkeypatch.setattr(kafka, "KafkaConsumer", Unreachable)
    feed = CommandFeed(Settings())
    assert feed.poll(10) == []
    assert feed.poll(10) == []
    out = capsys.readouterr().out + capsys.readouterr().err
    assert out.count("commands_unreachable") == 1
    assert "Unable to bootstrap" in out and "NARRATIVES_BROKER" in out

    # The broker is back: the next poll reconnects, reads, and says so.
    Reachable.opened = 0
    monkeypatch.setattr(kafka, "KafkaConsumer", Reachable)
    records = feed.poll(10)
    assert [r.offset for r in records] == [0]
    assert Reachable.opened == 1
    assert "commands_reachable" in capsys.readouterr().out


def test_a_failing_poll_drops_the_consumer_and_the_next_one_reconnects(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.setattr(kafka, "KafkaConsumer", FailingPoll)
    feed = CommandFeed(Settings())
    assert feed.poll(10) == []
    assert feed._consumer is None  # closed and forgotten, not reused in a broken state
    FailingPoll.opened = 0
    assert feed.poll(10) == []
    assert FailingPoll.opened == 1  # a fresh consumer each try
