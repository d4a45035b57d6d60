"""The time view beside the dense one: documents far apart in the window sit further apart.

Crises of one kind overlap in a dense stream (two floods, three earthquakes in one day's window)
and a sentence model places their posts close together, so a window's HDBSCAN can join them.
Their posts do differ in when they were written: each crisis has its own burst. Published
news-clustering systems gain from time beside the text for this reason (Miranda et al., EMNLP
2018: a document-cluster time similarity beside the TF-IDF and dense ones). This module adds
time to what the clusterer sees, in the same form as the lexical view (`streams.lexical`):

    the clusterer's input is `[sqrt(1 − w) · dense, sqrt(w) · (cos θ, sin θ)]`,
    θ = (π / 2) · (t − slide_end) / window_length,

so a document's age in the window turns a quarter circle. Every row stays unit length, as the
lexical view's rows do, so the squared Euclidean distance the clusterer works on is the blend
`2 (1 − w)(1 − cos_dense) + 2 w (1 − cos Δθ)`: two posts of the same hour pay nearly nothing,
two posts a window apart pay `2w`. The angle
is scaled by the window's length, so one weight means the same in a day's window of a dense
stream and a month's window of a slow one (`streams.profile`).

Only the clusterer sees the view, and only where a window is clustered whole: the incremental
regime (`streams.incremental`) admits a new document by its similarity to a cluster's centroid
against the members', and a new document always sits at its cluster's newest edge in time, so
the view would turn continuing documents away there. Centroids, tracking, attachment, stories
and events stay on the dense vectors, so the narratives' identity and the event contract are
unchanged.
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np
import numpy.typing as npt


@dataclass(frozen=True, slots=True)
class TimeViewConfig:
    """`weight` 0 turns the time view off (the clusterer sees the vectors only). Off by
    default: over the reshaped streams of `bench/variants.py`, 0.2 gained on crisis layouts
    about what it lost on claim layouts (docs/measurements.md, "The time view on reshaped
    streams")."""

    weight: float = 0.0

    def __post_init__(self) -> None:
        if not (0.0 <= self.weight < 1.0):
            raise ValueError(
                f"time view weight must be in [0, 1): 0 is off, 1 would leave meaning out; "
                f"got {self.weight}"
            )

    @property
    def enabled(self) -> bool:
        return self.weight > 0.0


def with_time(
    matrix: npt.NDArray[np.float32],
    times: Sequence[float],
    end: float,
    length_s: float,
    config: TimeViewConfig,
) -> npt.NDArray[np.float32]:
    """The clusterer's input with the time view: `matrix` itself when the view is off.

    `times` are the rows' event times in seconds, `end` the slide's end and `length_s` the
    window's length, all as the window holds them, so the view is a function of the input and
    replays agree."""
    if not config.enabled or len(matrix) == 0:
        return matrix
    if len(times) != len(matrix):
        raise ValueError(f"one time per row: {len(times)} times for {len(matrix)} rows")
    if length_s <= 0:
        raise ValueError(f"window length must be > 0, got {length_s}")
    theta = (math.pi / 2) * (np.asarray(times, dtype=np.float64) - end) / length_s
    w = config.weight
    out = np.hstack(
        [
            matrix.astype(np.float64) * math.sqrt(1.0 - w),
            math.sqrt(w) * np.cos(theta)[:, None],
            math.sqrt(w) * np.sin(theta)[:, None],
        ]
    )
    return out.astype(np.float32)
