"""Stories: the second level above narratives, grouping live narratives that tell one story.

A slide's clustering often splits one real-world story (a crisis, a campaign) into several
narratives — its casualty reports, its donation appeals, its rumours — because each is denser
than the story as a whole. The tracker keeps those narratives apart (they are different claims);
this module groups them, slide by slide, into *stories*:

- grouping: average-linkage agglomerative clustering of the live narratives' unit centroids,
  cut at cosine distance `1 - min_similarity` (average linkage: a narrative joins a story when
  it is close to the story's narratives on average, not merely to one of them, which keeps
  chains of loosely related narratives apart);
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

from collections import Counter
from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np
from scipy.cluster.hierarchy import fcluster, linkage

from streams.track import Narrative


@dataclass(frozen=True, slots=True)
class StoryConfig:
    """Narratives whose centroids are, on average, at least this cosine-similar share a story.

    `min_similarity` >= 1 disables grouping (every narrative is its own story).
    """

    min_similarity: float = 0.6


def group_narratives(
    narratives: Sequence[Narrative], config: StoryConfig = StoryConfig()
) -> list[list[int]]:
    """Indices of `narratives` grouped into stories; groups and members in input order."""
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
    upper = np.triu_indices(n, k=1)
    condensed = np.round(1.0 - sims[upper], 9)
    tree = linkage(condensed, method="average")
    labels = fcluster(tree, t=1.0 - config.min_similarity, criterion="distance")
    groups: dict[int, list[int]] = {}
    for i, label in enumerate(labels.tolist()):
        groups.setdefault(int(label), []).append(i)
    return sorted(groups.values(), key=lambda g: g[0])


def assign_stories(
    narratives: Sequence[Narrative], config: StoryConfig = StoryConfig()
) -> dict[str, str]:
    """Narrative id -> story id for the live narratives; sets each narrative's `story_id`.

    `narratives` must be in a deterministic order (the tracker's birth order).
    """
    groups = group_narratives(narratives, config)

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
