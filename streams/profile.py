"""Window profiles: how long a window should be for how dense a stream is.

A window must hold enough documents for a narrative to reach HDBSCAN's minimum cluster size
while it is still emerging. Dense social streams (thousands of posts a day) reach that in
hours; slow misinformation streams (a handful of posts on a typical day, claims living for
weeks) need weeks. The rule picks the profile from the stream's median daily volume, so the
choice is made by the data's density, never by which dataset it is:

- dense (a median active day of at least `DENSE_DOCS_PER_DAY`): 24 h window, 1 h slide. A day
  holds thousands of posts, and a day is the cycle of attention such streams follow;
- slow: 1 day slide, and a window of as many whole days as it takes the median active day's
  volume to fill `CLUSTERS_PER_WINDOW` minimum clusters' worth of documents (one week at
  least, `SLOW_MAX_DAYS` at most).
  A fixed week was too short where a typical day brings four posts: the median window then
  held 21 documents (one in ten held two), barely two minimum clusters, so a claim was seen
  only while it burst, and a claim quiet for longer than the window came back under a new
  id. Sizing the window by documents rather than by the clock also makes the profile follow
  the stream's own pace: a stream played faster gets a shorter window (mide22 four times
  faster: 10 days, not 25).
"""

from __future__ import annotations

import math
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

#: Median documents per active day at or above which a stream is "dense".
DENSE_DOCS_PER_DAY = 500.0
#: Minimum clusters' worth of documents a slow stream's window should hold at its median pace
#: (100 documents at NARRATIVES_MIN_CLUSTER_SIZE = 10): room for several claims to reach the
#: minimum size beside the noise, rather than one burst at a time.
CLUSTERS_PER_WINDOW = 10
#: The slow window's bounds in days: at least a week (a week's cycle of attention), at most a
#: quarter of a year, past which a "live" narrative is mostly history.
SLOW_MIN_DAYS = 7
SLOW_MAX_DAYS = 91


def slow_profile(median_per_day: float, min_cluster_size: int = 10) -> WindowProfile:
    """The slow profile for a stream whose median active day holds `median_per_day` documents,
    clustered with HDBSCAN's `min_cluster_size`."""
    wanted = CLUSTERS_PER_WINDOW * min_cluster_size
    days = math.ceil(wanted / max(median_per_day, 1e-9) - 1e-9)
    days = min(max(days, SLOW_MIN_DAYS), SLOW_MAX_DAYS)
    return WindowProfile("slow", length_s=days * DAY, slide_s=DAY)


def choose_profile(times: Iterable[float], min_cluster_size: int = 10) -> WindowProfile:
    """DENSE when the median day with documents has at least `DENSE_DOCS_PER_DAY`, else the
    slow profile sized to that median (`slow_profile`)."""
    per_day = Counter(int(t // DAY) for t in times)
    if not per_day:
        return DENSE
    median = float(statistics.median(per_day.values()))
    return DENSE if median >= DENSE_DOCS_PER_DAY else slow_profile(median, min_cluster_size)
