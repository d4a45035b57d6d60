"""Unit tests for streams.home: a document's home is the narrative that held it in most slides."""

from __future__ import annotations

import json

from streams.home import Homes

HOUR = 3600.0


def test_home_is_the_narrative_with_most_slides_and_the_latest_holder_on_a_tie() -> None:
    homes = Homes()
    homes.vote(1 * HOUR, {"d": "A", "e": "A"})
    homes.vote(2 * HOUR, {"d": "A", "e": "B"})
    assert homes.home("d") == "A"
    assert homes.home("e") == "B"  # one slide each: the latest holder
    homes.vote(3 * HOUR, {"d": "B", "e": "A"})
    assert homes.home("d") == "A"  # two slides against one: the first slide's grouping holds
    assert homes.home("e") == "A"
    homes.vote(4 * HOUR, {"d": "B"})
    assert homes.home("d") == "B"  # two each, B the latest: it moves on the tie
    assert homes.home("unknown") is None


def test_at_home_keeps_the_given_order_and_only_the_documents_at_home() -> None:
    homes = Homes()
    homes.vote(HOUR, {"c": "A", "a": "A", "b": "B"})
    homes.vote(2 * HOUR, {"c": "A", "a": "A", "b": "A"})
    assert homes.at_home("A", ["c", "b", "a", "never-held"]) == ("c", "b", "a")
    homes.vote(3 * HOUR, {"b": "B"})
    assert homes.at_home("A", ["c", "b", "a"]) == ("c", "a")
    assert homes.at_home("B", ["b"]) == ("b",)


def test_votes_outlive_their_narrative_and_leave_with_their_document() -> None:
    # A narrative that merged or faded keeps the votes it earned (its documents stay listed
    # under it); only a document leaving the window forgets its votes.
    homes = Homes()
    for end in (HOUR, 2 * HOUR, 3 * HOUR):
        homes.vote(end, {"d": "gone", "e": "live"})
    homes.vote(4 * HOUR, {"d": "live"})
    homes.prune(frozenset({"d"}))
    assert homes.home("d") == "gone"
    assert homes.home("e") is None and "e" not in homes.votes


def test_snapshot_round_trips_through_json_and_is_ordered() -> None:
    homes = Homes()
    homes.vote(HOUR, {"z": "B", "a": "A"})
    homes.vote(2 * HOUR, {"z": "A"})
    data = json.loads(json.dumps(homes.snapshot()))
    assert list(data) == ["a", "z"] and list(data["z"]) == ["A", "B"]
    twin = Homes()
    twin.restore(data)
    assert twin.snapshot() == homes.snapshot()
    assert twin.home("z") == homes.home("z") == "A"
    empty = Homes()
    empty.restore(None)
    assert empty.votes == {}


def test_reassign_moves_one_narratives_votes_for_all_or_some_documents() -> None:
    homes = Homes()
    for end in (HOUR, 2 * HOUR):
        homes.vote(end, {"d": "A", "e": "A", "f": "B"})
    homes.vote(3 * HOUR, {"d": "C", "e": "C"})
    homes.reassign("A", "C", ["d"])  # an analyst's split: "d" moved to C
    assert homes.tally("d") == {"C": (3, 3 * HOUR)}
    assert homes.home("e") == "A"  # not named: stays
    homes.reassign("A", "Z")  # an analyst's merge of A into Z: every document
    assert homes.tally("e") == {"C": (1, 3 * HOUR), "Z": (2, 2 * HOUR)}
    assert homes.home("e") == "Z" and homes.home("f") == "B"
