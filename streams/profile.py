"""Window profiles: how long a window should be for how dense a stream is.

A window must hold enough documents for a narrative to reach HDBSCAN's minimum cluster size
while it is still emerging. Dense social streams (thousands of posts a day) reach that in
hours; slow misinformation streams (tens of posts a day, claims living for weeks) need days.
The rule picks between two documented profiles from the stream's median daily volume, so
the choice is made by the data's density, never by which dataset it is.
"""

from __future__ import annotations

import statistics
from collections import Counter
from collections.abc import Iterable
from dataclasses import dataclass

DAY = 86_400.0


@dataclass(frozen=True, slots=True)
class WindowProfile:
    name: str
    length_s: float
    slide_s: float


DENSE = WindowProfile("dense", length_s=DAY, slide_s=3600.0)
SLOW = WindowProfile("slow", length_s=7 * DAY, slide_s=DAY)

#: Median documents per active day at or above which a stream is "dense".
DENSE_DOCS_PER_DAY = 500.0


def choose_profile(times: Iterable[float]) -> WindowProfile:
    """DENSE when the median day with documents has at least `DENSE_DOCS_PER_DAY`, else SLOW."""
    per_day = Counter(int(t // DAY) for t in times)
    if not per_day:
        return DENSE
    return DENSE if statistics.median(per_day.values()) >= DENSE_DOCS_PER_DAY else SLOW
