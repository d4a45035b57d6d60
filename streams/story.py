"""Stories: the second level above narratives, grouping live narratives that tell one story.

A slide's clustering often splits one real-world story (a crisis, a campaign) into several
narratives — its casualty reports, its donation appeals, its rumours — because each is denser
than the story as a whole. The tracker keeps those narratives apart (they are different claims);
this module groups them, slide by slide, into *stories*:

- similarity: what the narratives mean and what they name. A story's narratives are often far
  apart in embedding space (a casualty count and a donation appeal for the same flood) yet name
  the same places, hashtags and actors; and two floods in different countries are close in
  embedding space but name different places. So the similarity of two narratives is a blend:
  `(1 - keyword_weight)` times the cosine of their centroids plus `keyword_weight` times the
  cosine of their keyword profiles — class-based TF-IDF over the slide's live narratives
  (each narrative one class: a term's weight is its document share in the narrative times
  `log(1 + K / k_t)`, with K live narratives of which k_t use the term), so terms every
  narrative uses ("help", "news") weigh little and a shared place name weighs much;
- time: a story's narratives rise and fall together (a flood's reports, appeals and prayers
  all peak in the hours after it), while two stories of one kind that overlap in a window
  usually do not (one flood's tail beside the next one's onset). Without a time signal the
  second flood joins the first one's story and inherits its id, and the id then chains from
  crisis to crisis. So the blended similarity is damped by how far apart the two narratives'
  activity lies: it is multiplied by `(1 - time_weight) + time_weight * a`, with `a` the cosine
  of their activity profiles (documents in the window per slide). A signal that only damps:
  narratives active at the same time are not pulled together by it, since several unrelated
  stories are always active at once;
- hysteresis: grouping is decided afresh each slide, and a story's narratives hover around the
  cut as they grow and shrink, so without memory a crisis's story flickers between one and
  several ids from slide to slide (and each document keeps whichever id its narrative's last
  event named). Narratives that shared a story in the previous slide therefore stay together
  until their similarity falls below `stay_ratio` times the cut, not at the cut itself: the
  same two-threshold rule that keeps a thermostat from chattering. Joining still needs the
  full cut, so a wrong grouping is not made more likely, only a right one kept;
- grouping: average-linkage agglomerative clustering on that similarity, cut at distance
  `1 - min_similarity` (average linkage: a narrative joins a story when it is close to the
  story's narratives on average, not merely to one of them, which keeps chains of loosely
  related narratives apart);
- identity: a story keeps its id while its narratives persist. Groups are visited oldest first
  (by their oldest narrative's first document time, then id); story ids go to groups by their
  strongest claim first (the id held by most of a group's narratives; ties: the older group,
  then the id held by the older narrative), and a group left without an id is a new story
  named after its oldest narrative's id. So a story
  that gains or loses a narrative keeps its id, one that splits keeps it on its larger part
  (by narratives), and a singleton story's id is its narrative's id.

Pure and deterministic: the result depends only on the narratives, in their given order.
"""

from __future__ import annotations

import math
from collections import Counter
from collections.abc import Mapping, Sequence
from dataclasses import dataclass

import numpy as np
import numpy.typing as npt
from scipy.cluster.hierarchy import fcluster, linkage
from scipy.sparse import csr_matrix

from streams.track import Narrative


@dataclass(frozen=True, slots=True)
class StoryConfig:
    """Narratives at least `min_similarity` similar on average share a story.

    Similarity blends centroid cosine and keyword-profile cosine, the latter weighted by
    `keyword_weight` (0 = centroids only; keyword profiles count only when the caller gives
    them). Both signals count equally by default: neither is known to be the better judge of
    a story on an unseen stream, and each corrects the other's typical error (see the module
    docstring). `min_similarity` >= 1 disables grouping (every narrative is its own story).
    """

    min_similarity: float = 0.25
    keyword_weight: float = 0.5
    #: A term must occur in this many of a narrative's documents to enter its profile, so one
    #: document's words cannot tie two narratives together.
    min_term_docs: int = 2
    #: How much of the similarity rests on the narratives being active at the same time:
    #: two narratives whose activity never overlaps keep `1 - time_weight` of it (0 = time
    #: ignored). Half, as with the keyword weight: time alone never decides a story.
    time_weight: float = 0.5
    #: Narratives that shared a story in the previous slide leave it only below
    #: `stay_ratio * min_similarity` (1 = no hysteresis).
    stay_ratio: float = 0.6
    #: Profiles count words by their accent-folded first `term_prefix` characters
    #: (`streams.keywords.pseudo_stem`), so a story's words agree across inflections and
    #: languages ("terremoto" / "terremoti", "mégantic" / "megantic"); 0 = whole words.
    term_prefix: int = 5

    def __post_init__(self) -> None:
        if not 0.0 < self.min_similarity <= 1.0:
            raise ValueError(f"story min_similarity must be in (0, 1], got {self.min_similarity}")
        if not 0.0 <= self.keyword_weight <= 1.0:
            raise ValueError(f"story keyword_weight must be in [0, 1], got {self.keyword_weight}")
        if not 0.0 <= self.time_weight <= 1.0:
            raise ValueError(f"story time_weight must be in [0, 1], got {self.time_weight}")
        if not 0.0 < self.stay_ratio <= 1.0:
            raise ValueError(f"story stay_ratio must be in (0, 1], got {self.stay_ratio}")
        if self.term_prefix < 0:
            raise ValueError(f"story term_prefix must be >= 0, got {self.term_prefix}")
        if self.min_term_docs < 1:
            raise ValueError(f"story min_term_docs must be >= 1, got {self.min_term_docs}")


#: A narrative's term profile: term -> number of its documents (in the window) that use it.
TermCounts = Mapping[str, int]
#: A narrative's activity: for each of its documents in the window, the index of the slide it
#: arrived in (0 = the newest slide). Any non-negative integer bins work; the caller picks them.
SlideBins = Sequence[int]


def activity_similarity(activity: Sequence[SlideBins]) -> npt.NDArray[np.float64]:
    """Cosine of the narratives' activity profiles (document counts per slide bin).

    1 when two narratives gained their documents in the same proportions over the same slides,
    0 when they never gained documents in the same slide. A narrative with no document in the
    window has no profile and is similar to none (its diagonal stays 1).
    """
    k = len(activity)
    width = 1 + max((max(bins) for bins in activity if len(bins)), default=0)
    counts = np.zeros((k, width), dtype=np.float64)
    for i, bins in enumerate(activity):
        if len(bins) and min(bins) < 0:
            raise ValueError(f"activity bins must be >= 0, got {min(bins)} for narrative {i}")
        np.add.at(counts[i], np.asarray(bins, dtype=np.int64), 1.0)
    norms = np.linalg.norm(counts, axis=1)
    counts /= np.where(norms > 0, norms, 1.0)[:, None]
    sims = counts @ counts.T
    np.fill_diagonal(sims, 1.0)
    return sims


def keyword_similarity(
    profiles: Sequence[TermCounts], sizes: Sequence[int], min_term_docs: int = 2
) -> npt.NDArray[np.float64]:
    """Cosine similarity of the narratives' class-based TF-IDF keyword profiles.

    `profiles[i]` counts the documents of narrative i that use each term; `sizes[i]` is its
    document count. Terms are visited in sorted order so rounding never depends on dict order.
    A narrative without a profile term is similar to none (a zero row; its diagonal stays 1).
    """
    k = len(profiles)
    used = Counter(term for profile in profiles for term in profile)
    vocabulary = sorted(
        {t for profile in profiles for t, c in profile.items() if c >= min_term_docs}
    )
    column = {term: col for col, term in enumerate(vocabulary)}
    data: list[float] = []
    columns: list[int] = []
    starts = [0]
    for profile, size in zip(profiles, sizes, strict=True):
        row = [
            (column[term], (count / max(size, 1)) * math.log(1.0 + k / used[term]))
            for term, count in sorted(profile.items())
            if count >= min_term_docs
        ]
        norm = math.sqrt(sum(w * w for _, w in row)) or 1.0
        columns.extend(col for col, _ in row)
        data.extend(w / norm for _, w in row)
        starts.append(len(columns))
    # Sparse rows: hundreds of narratives with tens of thousands of terms cost one product.
    matrix = csr_matrix(
        (np.array(data, dtype=np.float64), np.array(columns, dtype=np.int64), np.array(starts)),
        shape=(k, len(vocabulary)),
    )
    sims = np.asarray((matrix @ matrix.T).todense(), dtype=np.float64)
    np.fill_diagonal(sims, 1.0)
    return sims


def group_narratives(
    narratives: Sequence[Narrative],
    config: StoryConfig = StoryConfig(),
    profiles: Sequence[TermCounts] | None = None,
    sizes: Sequence[int] | None = None,
    activity: Sequence[SlideBins] | None = None,
) -> list[list[int]]:
    """Indices of `narratives` grouped into stories; groups and members in input order.

    `profiles`/`sizes` (one per narrative) bring the keyword signal; without them the
    grouping uses centroids alone. `activity` (one per narrative) brings the time signal;
    without it time is ignored.
    """
    n = len(narratives)
    if n == 0:
        return []
    if n == 1 or config.min_similarity >= 1.0:
        return [[i] for i in range(n)]
    centroids = np.array([nar.centroid for nar in narratives], dtype=np.float64)
    norms = np.linalg.norm(centroids, axis=1, keepdims=True)
    centroids = centroids / np.where(norms > 0, norms, 1.0)
    # Condensed cosine distances, computed here so rounding is the same on every platform.
    sims = np.clip(centroids @ centroids.T, -1.0, 1.0)
    if profiles is not None and config.keyword_weight > 0:
        if len(profiles) != n or sizes is None or len(sizes) != n:
            raise ValueError("story grouping needs one keyword profile and size per narrative")
        lexical = keyword_similarity(profiles, sizes, config.min_term_docs)
        sims = (1.0 - config.keyword_weight) * sims + config.keyword_weight * lexical
    if activity is not None and config.time_weight > 0:
        if len(activity) != n:
            raise ValueError("story grouping needs one activity profile per narrative")
        together = activity_similarity(activity)
        sims = sims * ((1.0 - config.time_weight) + config.time_weight * together)
    if config.stay_ratio < 1.0:
        # Pairs that shared a story last slide: the cut they must fall below is lowered by
        # raising their similarity by the same amount (average linkage sees the raised value).
        codes: dict[str, int] = {}
        held = np.array(
            [
                -1 if nar.story_id is None else codes.setdefault(nar.story_id, len(codes))
                for nar in narratives
            ]
        )
        shared = (held[:, None] == held[None, :]) & (held[:, None] >= 0)
        bonus = (1.0 - config.stay_ratio) * config.min_similarity
        sims = np.minimum(np.where(shared, sims + bonus, sims), 1.0)
    upper = np.triu_indices(n, k=1)
    condensed = np.round(1.0 - sims[upper], 9)
    tree = linkage(condensed, method="average")
    labels = fcluster(tree, t=1.0 - config.min_similarity, criterion="distance")
    groups: dict[int, list[int]] = {}
    for i, label in enumerate(labels.tolist()):
        groups.setdefault(int(label), []).append(i)
    return sorted(groups.values(), key=lambda g: g[0])


def assign_stories(
    narratives: Sequence[Narrative],
    config: StoryConfig = StoryConfig(),
    profiles: Sequence[TermCounts] | None = None,
    sizes: Sequence[int] | None = None,
    activity: Sequence[SlideBins] | None = None,
) -> dict[str, str]:
    """Narrative id -> story id for the live narratives; sets each narrative's `story_id`.

    `narratives` must be in a deterministic order (the tracker's birth order).
    """
    groups = group_narratives(narratives, config, profiles, sizes, activity)

    def oldest(group: list[int]) -> tuple[float, str]:
        first = min(group, key=lambda i: (narratives[i].first_seen, narratives[i].narrative_id))
        return narratives[first].first_seen, narratives[first].narrative_id

    ordered = sorted(groups, key=oldest)
    # Every (group, story id its narratives hold) claim, strongest first: most holders, then
    # the older group, then the id held by the group's older narrative.
    claims: list[tuple[int, tuple[float, str], int, str, int]] = []
    for g, group in enumerate(ordered):
        held: Counter[str] = Counter()
        rank: dict[str, int] = {}
        for i in sorted(
            group, key=lambda i: (narratives[i].first_seen, narratives[i].narrative_id)
        ):
            sid = narratives[i].story_id
            if sid is not None:
                held[sid] += 1
                rank.setdefault(sid, len(rank))
        claims.extend((-count, oldest(group), rank[sid], sid, g) for sid, count in held.items())
    names: dict[int, str] = {}
    taken: set[str] = set()
    for _, _, _, sid, g in sorted(claims):
        if g not in names and sid not in taken:
            names[g] = sid
            taken.add(sid)
    result: dict[str, str] = {}
    for g, group in enumerate(ordered):
        story_id = names.get(g)
        if story_id is None:
            story_id = oldest(group)[1]
            if story_id in taken:  # the id of a story this narrative has left: derive one
                story_id = f"{story_id}~{g}"
            taken.add(story_id)
        for i in group:
            narratives[i].story_id = story_id
            result[narratives[i].narrative_id] = story_id
    return result
