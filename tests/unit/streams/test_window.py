"""Unit tests for streams.window, bytewax-style: fixed event times and a drawn timeline.

Unless a test says otherwise the window is 3 h long, slides every hour and allows 10 minutes
of lateness. Times are minutes after 2023-05-11T00:00Z; in the timelines `|` marks a slide
boundary, letters are documents at their event time and `W` is the watermark.
"""

from __future__ import annotations

import copy
from datetime import UTC, datetime, timedelta
from typing import Any

import numpy as np
import pytest

from streams.documents import Document
from streams.window import Admission, Slide, SlidingWindow, WindowConfig, WindowState

START = datetime(2023, 5, 11, tzinfo=UTC)
HOUR = 3600.0
CONFIG = WindowConfig(length_s=3 * HOUR, slide_s=HOUR, allowed_lateness_s=600.0, max_docs=1000)
VECTOR = np.full(4, 0.5, dtype=np.float32)


def at(hours: int = 0, minutes: int = 0, seconds: int = 0, *, days: int = 0) -> float:
    """Epoch seconds of START + the given offset."""
    return (START + timedelta(days=days, hours=hours, minutes=minutes, seconds=seconds)).timestamp()


def doc(doc_id: str, time: float, text: str = "text") -> Document:
    return Document(doc_id=doc_id, kind="post", text=text, time=time)


def ids(slide: Slide) -> list[str]:
    return [entry.doc.doc_id for entry in slide.entries]


def window_with(*docs: Document, config: WindowConfig = CONFIG) -> SlidingWindow:
    window = SlidingWindow(config)
    for d in docs:
        window.add(d, VECTOR)
    return window


def test_slide_boundaries_are_multiples_of_the_slide_not_of_the_first_document() -> None:
    #  00:00     01:00     02:00
    #    |   a     |     b   |       a = 00:25, b = 01:40 → W = 01:30
    #    slide ending 01:00 closes; its window is [22:00 the day before, 01:00) = {a}
    window = window_with(doc("a", at(0, 25)), doc("b", at(1, 40)))
    slides = list(window.due())
    assert [(s.start, s.end) for s in slides] == [(at(-2), at(1))]
    assert ids(slides[0]) == ["a"]
    assert slides[0].end % CONFIG.slide_s == 0


def test_watermark_is_max_event_time_minus_allowed_lateness() -> None:
    window = SlidingWindow(CONFIG)
    assert window.watermark == -np.inf
    window.add(doc("a", at(1, 5)), VECTOR)
    assert window.watermark == at(0, 55)
    # An older document does not move the watermark back.
    window.add(doc("b", at(0, 30)), VECTOR)
    assert window.watermark == at(0, 55)
    window.add(doc("c", at(2, 0)), VECTOR)
    assert window.watermark == at(1, 50)


def test_slide_closes_only_once_the_watermark_reaches_its_end() -> None:
    #  00:00          01:00
    #    |  a           |  b       a = 00:30, b = 01:09:59 → W = 00:59:59 < 01:00: nothing due
    #    |  a           |   c      c = 01:10             → W = 01:00: slide 01:00 closes
    window = window_with(doc("a", at(0, 30)), doc("b", at(1, 9, 59)))
    assert list(window.due()) == []
    window.add(doc("c", at(1, 10)), VECTOR)
    slides = list(window.due())
    assert [s.end for s in slides] == [at(1)]
    assert ids(slides[0]) == ["a"]
    # Closed once: asking again yields nothing until the watermark passes 02:00.
    assert list(window.due()) == []


def test_late_document_inside_a_future_window_is_kept_as_late_and_in_the_next_slide() -> None:
    #  00:00     01:00     02:00
    #    | a  b    |  c      |         a = 00:05, b = 00:30, c = 01:15 → W = 01:05: 01:00 closes
    #    |      L  |         |         L = 00:50 arrives after: behind W, inside [23:00, 02:00)
    window = window_with(doc("a", at(0, 5)), doc("b", at(0, 30)), doc("c", at(1, 15)))
    assert [ids(s) for s in window.due()] == [["a", "b"]]
    assert window.add(doc("late", at(0, 50)), VECTOR) is Admission.LATE
    window.add(doc("d", at(2, 20)), VECTOR)  # W = 02:10: slide 02:00 closes
    assert [ids(s) for s in window.due()] == [["a", "b", "late", "c"]]


def test_document_behind_watermark_before_any_slide_closed_is_late_not_refused() -> None:
    window = window_with(doc("a", at(2, 0)))
    assert window.add(doc("b", at(1, 30)), VECTOR) is Admission.LATE
    assert window.add(doc("c", at(2, 5)), VECTOR) is Admission.ADDED
    assert len(window) == 3


def test_document_older_than_every_future_window_is_too_late_and_not_kept() -> None:
    #  01:00     02:00     03:00     04:00     05:00
    #    |    x    |         |         |  d   |        d = 04:20 → W = 04:10: slides up to
    #    open window of the next slide (05:00) = [02:00, 05:00)         04:00 have closed
    #    x = 01:59 → too late;  y = 02:00 → late but kept
    window = window_with(doc("a", at(1, 30)), doc("d", at(4, 20)))
    assert [s.end for s in window.due()] == [at(2), at(3), at(4)]
    assert window.open_window_start == at(2)
    assert window.add(doc("x", at(1, 59)), VECTOR) is Admission.TOO_LATE
    assert "x" not in window.state.entries
    assert window.add(doc("y", at(2, 0)), VECTOR) is Admission.LATE
    assert "y" in window.state.entries


def test_duplicate_id_is_reported_and_the_first_copy_is_kept() -> None:
    window = window_with(doc("a", at(0, 10), "first"))
    assert window.add(doc("a", at(0, 10), "first"), VECTOR) is Admission.DUPLICATE
    assert window.add(doc("a", at(0, 40), "redelivered edit"), VECTOR) is Admission.DUPLICATE
    assert len(window) == 1
    assert window.state.entries["a"].doc.text == "first"
    assert window.watermark == at(0, 0)  # the duplicate's later time did not count


def test_documents_are_evicted_once_they_leave_every_future_window() -> None:
    #  00:00     01:00     02:00     03:00     04:00
    #    | a       | b       |         |       e |     e = 03:55 → W = 03:45
    #    slides 01:00, 02:00, 03:00 close; the next window is [01:00, 04:00): a leaves
    window = window_with(doc("a", at(0, 10)), doc("b", at(1, 10)), doc("e", at(3, 55)))
    slides = list(window.due())
    assert [(s.end, ids(s)) for s in slides] == [
        (at(1), ["a"]),
        (at(2), ["a", "b"]),
        (at(3), ["a", "b"]),
    ]
    assert sorted(window.state.entries) == ["b", "e"]
    window.add(doc("f", at(5, 0)), VECTOR)  # W = 04:50: slide 04:00 = [01:00, 04:00)
    assert [ids(s) for s in window.due()] == [["b", "e"]]
    assert sorted(window.state.entries) == ["e", "f"]


def test_max_docs_cap_drops_the_oldest_and_counts_them() -> None:
    config = WindowConfig(length_s=3 * HOUR, slide_s=HOUR, allowed_lateness_s=600.0, max_docs=3)
    window = SlidingWindow(config)
    # Same time for c1/c2: ties break by id, so c1 goes before c2.
    for d in [doc("c2", at(0, 20)), doc("c1", at(0, 20)), doc("a", at(0, 5)), doc("d", at(0, 30))]:
        window.add(d, VECTOR)
    assert sorted(window.state.entries) == ["c1", "c2", "d"]
    assert window.state.evicted_by_cap == 1
    window.add(doc("e", at(0, 40)), VECTOR)
    assert sorted(window.state.entries) == ["c2", "d", "e"]
    assert window.state.evicted_by_cap == 2
    assert len(window) == config.max_docs


def test_gap_of_days_yields_a_few_slides_not_one_per_hour_and_then_resumes() -> None:
    #  day 0: 00:00     01:00     02:00     03:00     04:00
    #           | a  b    |         |         |         |   ... five quiet days ...
    #  day 5: 00:00     01:00     02:00
    #           |   c  d  |    e    |                      c = 00:30, d = 00:45, e = 01:20
    window = window_with(doc("a", at(0, 10)), doc("b", at(0, 20)))
    window.add(doc("c", at(0, 30, days=5)), VECTOR)  # W = day 5 00:20
    slides = list(window.due())
    # The three slides holding a and b, then one empty slide, then a jump over the gap
    # (instead of 5 × 24 = 120 empty slides).
    assert [ids(s) for s in slides] == [["a", "b"], ["a", "b"], ["a", "b"], []]
    assert [s.end for s in slides] == [at(1), at(2), at(3), at(4)]
    assert window.state.next_end == at(1, days=5)
    assert sorted(window.state.entries) == ["c"]
    window.add(doc("d", at(0, 45, days=5)), VECTOR)
    window.add(doc("e", at(1, 20, days=5)), VECTOR)  # W = day 5 01:10
    resumed = list(window.due())
    assert [(s.end, ids(s)) for s in resumed] == [(at(1, days=5), ["c", "d"])]


def test_flush_closes_through_the_slide_holding_the_last_document() -> None:
    #  00:00     01:00     02:00     03:00
    #    | a       |   b     |      c  |      c = 02:45 → W = 02:35: 01:00 and 02:00 are due;
    #                                         flush also closes 03:00, which holds c
    window = window_with(doc("a", at(0, 10)), doc("b", at(1, 30)), doc("c", at(2, 45)))
    assert [s.end for s in window.due()] == [at(1), at(2)]
    flushed = list(window.due(flush=True))
    assert [(s.end, ids(s)) for s in flushed] == [(at(3), ["a", "b", "c"])]
    assert list(window.due(flush=True)) == []


def test_flush_without_a_watermark_advance_still_clusters_every_document() -> None:
    window = window_with(doc("b", at(0, 50)), doc("a", at(0, 40)))
    assert list(window.due()) == []
    slides = list(window.due(flush=True))
    assert [(s.end, ids(s)) for s in slides] == [(at(1), ["a", "b"])]


def test_empty_window_yields_nothing_even_on_flush() -> None:
    window = SlidingWindow(CONFIG)
    assert list(window.due()) == []
    assert list(window.due(flush=True)) == []
    assert window.earliest_time() is None
    assert window.open_window_start == -np.inf


def test_each_document_appears_in_every_slide_whose_window_holds_it() -> None:
    # One document every 20 minutes for 10 hours, no lateness: a 3 h window sliding by 1 h puts
    # each document in exactly the slides ending in (t, t + 3 h] that were closed.
    config = WindowConfig(length_s=3 * HOUR, slide_s=HOUR, allowed_lateness_s=0.0)
    window = SlidingWindow(config)
    docs = [doc(f"d{i:02d}", at(0, 20 * i + 5)) for i in range(30)]
    slides: list[Slide] = []
    for d in docs:
        assert window.add(d, VECTOR) is Admission.ADDED
        slides.extend(window.due())
    slides.extend(window.due(flush=True))
    ends = [s.end for s in slides]
    assert ends == [at(h) for h in range(1, 11)]
    for d in docs:
        holding = [s.end for s in slides if d.doc_id in ids(s)]
        expected = [e for e in ends if d.time < e <= d.time + config.length_s]
        assert holding == expected, d.doc_id
    for s in slides:
        assert all(s.start <= e.doc.time < s.end for e in s.entries)


def test_slide_entries_are_ordered_by_time_then_id_and_stack_to_float32() -> None:
    window = SlidingWindow(CONFIG)
    window.add(doc("b", at(0, 30)), np.array([0.0, 1.0, 0.0, 0.0]))
    window.add(doc("a", at(0, 30)), np.array([1.0, 0.0, 0.0, 0.0]))
    window.add(doc("c", at(0, 10)), np.array([0.0, 0.0, 1.0, 0.0]))
    assert window.state.entries["a"].vector.dtype == np.float16
    (slide,) = window.due(flush=True)
    assert ids(slide) == ["c", "a", "b"]
    matrix = slide.matrix()
    assert matrix.dtype == np.float32
    np.testing.assert_array_equal(matrix, np.eye(4, dtype=np.float32)[[2, 0, 1]])
    assert Slide(start=0.0, end=1.0, entries=()).matrix().shape == (0, 0)


def test_restored_state_continues_exactly_like_the_original() -> None:
    original = window_with(doc("a", at(0, 10)), doc("b", at(1, 30)), doc("c", at(2, 45)))
    list(original.due())
    restored = SlidingWindow(CONFIG, copy.deepcopy(original.state))
    assert isinstance(restored.state, WindowState)
    for window in (original, restored):
        window.add(doc("late", at(1, 0)), VECTOR)
        window.add(doc("d", at(4, 30)), VECTOR)
    got = [[(s.start, s.end, ids(s)) for s in w.due(flush=True)] for w in (original, restored)]
    assert got[0] == got[1]
    # Slide 03:00 = [00:00, 03:00) still holds a, and takes the late document.
    assert got[0][0] == (at(0), at(3), ["a", "late", "b", "c"])


@pytest.mark.parametrize(
    "kwargs",
    [
        {"slide_s": 0.0},
        {"slide_s": -1.0},
        {"length_s": 1800.0, "slide_s": 3600.0},
        {"allowed_lateness_s": -1.0},
        {"max_docs": 0},
    ],
)
def test_window_config_rejects_impossible_geometry(kwargs: dict[str, Any]) -> None:
    with pytest.raises(ValueError):
        WindowConfig(**kwargs)
