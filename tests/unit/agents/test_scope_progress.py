"""Unit tests for how a worker's scope tells a source's backlog from none (agents.app).

The watermark follows the slowest source that still has something to read. A scope restored
from a checkpoint (a takeover) has processed nothing of its sources yet, while Faust may
already have fetched a source's whole backlog into its buffers: the consumer's position then
equals the highwater. Judged by that position the source looked caught up, the watermark
followed the other source alone and the backlog arrived after its slides had closed.
"""

from __future__ import annotations

from typing import Any, cast

from faust.types import TP

from agents.app import _Scope, source_state

POSTS = TP("posts", 1)
ARTICLES = TP("articles", 1)


def restored_scope() -> _Scope:
    scope = _Scope(1, cast(Any, None), cast(Any, None))
    scope.positions.update({"posts:1": 8, "articles:1": 8})  # the checkpoint's positions
    return scope


def test_a_restored_source_not_processed_yet_resumes_at_the_checkpoint_not_the_buffer() -> None:
    scope = restored_scope()
    highwater = 173  # what a consumer that prefetched the whole backlog would report as position
    assert scope.resume_offset(POSTS) == 8
    assert source_state(scope.resume_offset(POSTS), highwater) == "pending"


def test_records_processed_move_the_resume_point_past_the_checkpoint() -> None:
    scope = restored_scope()
    scope.next_offset[ARTICLES] = 47
    assert scope.resume_offset(ARTICLES) == 47
    assert source_state(scope.resume_offset(ARTICLES), 47) == "caught_up"
    assert scope.resume_offset(POSTS) == 8  # the other source is untouched


def test_an_unplaced_source_has_no_resume_point() -> None:
    scope = _Scope(2, cast(Any, None), cast(Any, None))
    assert scope.resume_offset(TP("posts", 2)) is None


def test_only_a_known_resume_point_at_a_known_end_counts_as_caught_up() -> None:
    assert source_state(10, 10) == "caught_up"
    assert source_state(11, 10) == "caught_up"  # a compacted or truncated end
    assert source_state(9, 10) == "pending"
    assert source_state(None, 10) == "pending"
    assert source_state(10, None) == "pending"
    assert source_state(0, 0) == "caught_up"  # an empty partition holds nothing back
