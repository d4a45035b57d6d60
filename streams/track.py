"""Narrative identity across slides: match each slide's clusters to the narratives already known.

A slide's clustering knows nothing of the previous one; the tracker is what makes a narrative
keep one id from its first post to its last. Each cluster is matched one-to-one (Hungarian
assignment, deterministic) to a known narrative by two signals:
- member overlap: the share of the narrative's documents still in the window that fell into
  the cluster (robust: the same documents are seen by consecutive slides), counted against at
  least `overlap_floor` documents so that a fading narrative's last two or three cannot hand
  its id to whatever cluster happens to take one of them, and
- centroid similarity, for a narrative whose old documents left the window. While at least
  `overlap_floor` of them are still there, they alone say where it went (`anchor_by_members`):
  a neighbouring claim that bursts while they fall outside every cluster does not take its id.
What is left unmatched becomes a lifecycle transition: a known narrative whose documents went
mostly into another narrative's cluster is *merged* into it; a new cluster made mostly of a
matched narrative's documents is a *split* child of it; otherwise a new cluster *emerged*; a
narrative unmatched for `fade_after_s` of event time *faded*.

A merge is not always final. A slide that lumps two narratives (a burst of one claim joining the
last posts of another) ends the smaller one, and when a later slide separates them again its
documents come back as a cluster of their own. Without memory that cluster would get a new id,
and the narrative would have two ids for one life. So the tracker remembers the narratives it
merged away while any of their documents is still in the window. A new cluster that matches
one of them by the live narratives' test (member overlap or centroid similarity, one-to-one)
*resumes* it: the narrative takes back its id, version and history.

Nor is a fade always final. A narrative whose documents fell outside every cluster for
`fade_after_s` has faded, yet its documents may gather again a few slides later, with new
posts of the same claim: a claim that resurfaces. The tracker remembers faded narratives
the same way, while any of their documents is in the window, and a new cluster takes back the
id of one whose documents it holds (`resume_faded`). Only member overlap can do that, never
centroid similarity alone: a faded narrative's neighbours in meaning are often the next crisis
of the same kind (another flood, another earthquake), and its own documents are the evidence
that it is the one that came back.
"""

from __future__ import annotations

import hashlib
from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import Any, Literal

import numpy as np
import numpy.typing as npt
from scipy.optimize import linear_sum_assignment

TransitionKind = Literal["emerged", "continued", "merged", "split", "faded", "resumed"]


@dataclass(frozen=True, slots=True)
class TrackerConfig:
    """Thresholds for identity matching and lifecycle, in shares, cosine and seconds."""

    min_overlap: float = 0.3
    #: Overlap is measured against at least this many documents: a narrative with 3 documents
    #: left in the window would otherwise claim a 270-document cluster of another story by
    #: sharing one of them (1/3 >= `min_overlap`). The settings set it to HDBSCAN's minimum
    #: cluster size, the least evidence a narrative needed to exist at all.
    overlap_floor: int = 10
    min_similarity: float = 0.8
    merge_overlap: float = 0.5
    #: A merge also needs the absorbed narrative's centroid this close to the survivor's new
    #: one: a coarse slide that lumps two distinct narratives together does not end either.
    merge_similarity: float = 0.0
    split_share: float = 0.5
    fade_after_s: float = 6 * 3600.0
    #: Remember narratives merged away while their documents are in the window, so that a
    #: cluster of them resumes the old id (see the module docstring). False: a merge is final.
    resume_absorbed: bool = True
    #: Cut a slide's cluster that holds two established narratives whose centroids are less
    #: similar than `min_similarity` (see `keep_apart`): claims of one debate that burst in
    #: the same week stay two narratives.
    keep_apart: bool = True
    #: ... and only when their published keywords have little in common: a crisis's casualty
    #: reports and its donation appeals are as far apart in meaning as two claims of one
    #: debate, but they share the crisis's place names and hashtags (docs/measurements.md,
    #: "Keeping apart what shares no word"). False: by centroids alone, the setting's
    #: behaviour before the twenty-fourth session, which cuts a crisis's sub-narratives too.
    keep_apart_by_words: bool = True
    #: ... and "in common" means at least this many of their published keywords. One shared
    #: word is what two claims of one debate have (its topic: "vaccine", "border", "war"); a
    #: story's sides share its name, where and what ("boulder", "flood", "#coflood"). 1: any
    #: shared keyword keeps them whole, as in the twenty-fourth session (docs/measurements.md,
    #: "Two words in common").
    keep_apart_shared_words: int = 2
    #: A narrative with at least `overlap_floor` documents still in the window is matched
    #: through them (member overlap) and never by centroid similarity alone: its documents
    #: say where it went. Centroid similarity is for narratives whose documents left the
    #: window. False lets any similar enough new cluster take the id (see `step`), as before
    #: the sixteenth session (docs/measurements.md, "Ids that stay with their claim").
    anchor_by_members: bool = True
    #: Remember faded narratives while their documents are in the window, so that a cluster
    #: holding enough of them (member overlap only) resumes the old id (see the module
    #: docstring). False: a fade is final, as before the twenty-third session.
    resume_faded: bool = True


@dataclass(frozen=True, slots=True)
class Observation:
    """One cluster of one slide: its members in (time, id) order and its unit centroid."""

    members: tuple[str, ...]
    centroid: npt.NDArray[np.float32]
    first_time: float
    last_time: float

    @property
    def first_doc_id(self) -> str:
        return self.members[0]


@dataclass(slots=True)
class Narrative:
    """What the tracker remembers of a live narrative."""

    narrative_id: str
    centroid: npt.NDArray[np.float32]
    members: frozenset[str]
    first_seen: float
    first_doc_id: str
    last_seen: float
    last_matched_end: float
    version: int = 0
    reported_members: frozenset[str] = frozenset()
    #: Attached documents listed on the last event (`streams.attach`), beside its members.
    reported_attached: frozenset[str] = frozenset()
    reported_keywords: tuple[str, ...] = ()
    reported_sources: frozenset[str] = frozenset()
    story_id: str | None = None
    reported_story_id: str | None = None
    #: Kept alive by an analyst's `pin` command: never fades while pinned.
    pinned: bool = False
    #: While merged away by the tracker and remembered for resumption: the survivor's id.
    absorbed_into: str | None = None


@dataclass(slots=True)
class Transition:
    """What happened to one narrative in one slide."""

    kind: TransitionKind
    narrative: Narrative
    observation: Observation | None = None
    parent_ids: list[str] = field(default_factory=list)
    child_ids: list[str] = field(default_factory=list)


def keep_apart(
    groups: Sequence[list[int]],
    doc_ids: Sequence[str],
    matrix: npt.NDArray[np.float32],
    narratives: Sequence[Narrative],
    config: TrackerConfig,
) -> list[list[int]]:
    """Cut every cluster that lumps established narratives the tracker tells apart.

    A slide's clustering can join two narratives that are each well established: a week in
    which two claims of one debate burst together gives HDBSCAN's excess of mass one parent
    cluster for both. The tracker then reports a merge, and the smaller claim's posts are
    listed under the other. Here a cluster holding at least `overlap_floor` documents of each
    of two or more live narratives is cut when no two of those narratives are alike by the
    tracker's own test for "the same narrative" (centroid cosine >= `min_similarity`) and,
    with `keep_apart_by_words`, no two share `keep_apart_shared_words` (2) of their published
    keywords: each row goes to the narrative whose centroid is nearest to it. When some of
    them have converged, the lump may be a real convergence, and the cluster is left for the
    tracker to merge; a cluster holding one narrative and a burst of new documents is left
    alone too.

    Why words too: centroids below the match similarity do not tell two claims from two sides
    of one story. A flood's casualty reports and its donation appeals are often less than 0.8
    alike, yet both name the flood, its places and its hashtags, and cutting them costs the
    story grouping that must unite them again; two claims of one debate ("HIV in the vaccine",
    "a PCR test vaccinates you") share at most the debate's topic among their keywords
    ("vaccine"), while a story's sides share its name: where and what. Meaning and words must
    both say "two narratives", the rule of attachment by words as well. Keywords are those
    last published (`Narrative.reported_keywords`), so a consumer can see why two narratives
    were kept apart, and a replay or a restored checkpoint cuts the same clusters.

    `groups` are row lists into `matrix` (unit rows) and `doc_ids`; the result keeps their
    order, each cut cluster replaced by its parts ordered by first row, so replays stay
    deterministic.
    """
    if not config.keep_apart or len(narratives) < 2:
        return list(groups)
    floor = max(config.overlap_floor, 1)
    holders: dict[str, list[int]] = {}
    for k, narrative in enumerate(narratives):
        for doc_id in narrative.members:
            holders.setdefault(doc_id, []).append(k)
    out: list[list[int]] = []
    for rows in groups:
        counts: dict[int, int] = {}
        for r in rows:
            for k in holders.get(doc_ids[r], ()):
                counts[k] = counts.get(k, 0) + 1
        held = sorted(k for k, n in counts.items() if n >= floor)
        if len(held) < 2:
            out.append(list(rows))
            continue
        centroids = np.array([narratives[k].centroid for k in held], dtype=np.float32)
        sims = centroids @ centroids.T
        np.fill_diagonal(sims, -1.0)
        if float(sims.max()) >= config.min_similarity:
            out.append(list(rows))  # some of them converged: the tracker's merge to make
            continue
        if config.keep_apart_by_words and _share_keywords(
            [narratives[k] for k in held], config.keep_apart_shared_words
        ):
            out.append(list(rows))  # one story's sides, told in its words: one cluster
            continue
        nearest = np.argmax(matrix[list(rows)] @ centroids.T, axis=1)
        pieces: dict[int, list[int]] = {}
        for r, k in zip(rows, nearest.tolist(), strict=True):
            pieces.setdefault(int(k), []).append(r)
        out.extend(sorted(pieces.values(), key=lambda piece: piece[0]))
    return out


def _share_keywords(narratives: Sequence[Narrative], at_least: int) -> bool:
    """Whether any two of these narratives have `at_least` published keywords in common."""
    words = [set(narrative.reported_keywords) for narrative in narratives]
    return any(
        len(words[i] & words[j]) >= at_least
        for i in range(len(words))
        for j in range(i + 1, len(words))
    )


def narrative_id_for(first_doc_id: str, slide_end: float) -> str:
    """Deterministic id: a function of the narrative's first document and birth slide."""
    digest = hashlib.blake2b(f"{first_doc_id}|{slide_end:.3f}".encode(), digest_size=8)
    return f"nar-{digest.hexdigest()}"


class NarrativeTracker:
    """Keeps the live narratives and turns each slide's clusters into transitions."""

    def __init__(self, config: TrackerConfig = TrackerConfig()) -> None:
        self.config = config
        self.narratives: dict[str, Narrative] = {}  # insertion order = birth order
        #: Narratives the tracker merged away, kept while any of their documents is in the
        #: window (`TrackerConfig.resume_absorbed`); insertion order = order of absorption.
        self.absorbed: dict[str, Narrative] = {}
        #: Narratives that faded, kept while any of their documents is in the window
        #: (`TrackerConfig.resume_faded`); insertion order = order of fading.
        self.faded: dict[str, Narrative] = {}

    def remembered(self) -> set[str]:
        """Ids of the live narratives and of those that may still resume: state keyed by
        narrative id (first documents, alert cool-downs) is kept for all of them."""
        return set(self.narratives) | set(self.absorbed) | set(self.faded)

    def step(
        self,
        slide_end: float,
        observations: Sequence[Observation],
        window_ids: frozenset[str],
    ) -> list[Transition]:
        cfg = self.config
        # Narratives absorbed or faded in earlier slides, whose documents are still in the
        # window, are the candidates for resumption; those absorbed or faded in this slide
        # were just judged so.
        for memory in (self.absorbed, self.faded):
            for nid in [k for k, n in memory.items() if not n.members & window_ids]:
                del memory[nid]
        resumable = [*self.absorbed.values(), *self.faded.values()]
        known = list(self.narratives.values())
        alive = [n.members & window_ids for n in known]
        member_sets = [frozenset(o.members) for o in observations]
        inter = np.array(
            [[len(a & m) for m in member_sets] for a in alive], dtype=np.float64
        ).reshape(len(known), len(observations))
        floor = max(cfg.overlap_floor, 1)
        alive_sizes = np.array([max(len(a), floor) for a in alive], dtype=np.float64)
        overlap = inter / alive_sizes[:, None] if known else inter
        sims = (
            np.array([n.centroid for n in known], dtype=np.float32)
            @ np.array([o.centroid for o in observations], dtype=np.float32).T
            if known and observations
            else np.zeros((len(known), len(observations)))
        )
        # A narrative whose documents are still in the window but fell outside every cluster
        # (a burst of a neighbouring claim reshaped the density) must not lend its id to that
        # claim's cluster on topic similarity alone: anchored rows match by overlap only.
        anchored = np.array(
            [cfg.anchor_by_members and len(a) >= floor for a in alive], dtype=np.bool_
        )
        matched = self._assign(overlap, sims, anchored)  # observation index -> narrative index
        matched_narratives = set(matched.values())
        owner_of_obs = {c: known[r] for c, r in matched.items()}

        transitions: list[Transition] = []
        by_id: dict[str, Transition] = {}
        for c, r in sorted(matched.items()):
            narrative = known[r]
            self._absorb(narrative, observations[c], slide_end)
            t = Transition("continued", narrative, observations[c])
            transitions.append(t)
            by_id[narrative.narrative_id] = t

        # Known narratives that found no cluster of their own: merged, waiting, or faded.
        for r, narrative in enumerate(known):
            if r in matched_narratives:
                continue
            best = int(inter[r].argmax()) if observations else -1
            if (
                best >= 0
                and overlap[r, best] >= cfg.merge_overlap
                and best in owner_of_obs
                and sims[r, best] >= cfg.merge_similarity
            ):
                survivor = owner_of_obs[best]
                if narrative.first_seen < survivor.first_seen:
                    # The survivor's history now starts with the absorbed one's first document.
                    survivor.first_seen = narrative.first_seen
                    survivor.first_doc_id = narrative.first_doc_id
                by_id[survivor.narrative_id].parent_ids.append(narrative.narrative_id)
                by_id[survivor.narrative_id].kind = "merged"
                del self.narratives[narrative.narrative_id]
                if cfg.resume_absorbed:
                    narrative.absorbed_into = survivor.narrative_id
                    self.absorbed[narrative.narrative_id] = narrative
            elif (
                slide_end - narrative.last_matched_end >= cfg.fade_after_s and not narrative.pinned
            ):
                transitions.append(Transition("faded", narrative))
                del self.narratives[narrative.narrative_id]
                if cfg.resume_faded:
                    self.faded[narrative.narrative_id] = narrative

        free = [c for c in range(len(observations)) if c not in matched]
        resumed = self._resumptions(
            resumable, [(c, member_sets[c]) for c in free], observations, window_ids
        )

        # New clusters: resumed, split children of a matched narrative, or newly emerged.
        for c, obs in enumerate(observations):
            if c in matched:
                continue
            if c in resumed:
                narrative = resumed[c]
                self.absorbed.pop(narrative.narrative_id, None)
                self.faded.pop(narrative.narrative_id, None)
                narrative.absorbed_into = None
                self._absorb(narrative, obs, slide_end)
                t = Transition("resumed", narrative, obs)
            else:
                narrative = Narrative(
                    narrative_id=narrative_id_for(obs.first_doc_id, slide_end),
                    centroid=obs.centroid,
                    members=frozenset(obs.members),
                    first_seen=obs.first_time,
                    first_doc_id=obs.first_doc_id,
                    last_seen=obs.last_time,
                    last_matched_end=slide_end,
                )
                t = Transition("emerged", narrative, obs)
            if known:
                share = inter[:, c] / max(len(obs.members), 1)
                parent = int(share.argmax())
                if share[parent] >= cfg.split_share and parent in matched_narratives:
                    parent_id = known[parent].narrative_id
                    t.parent_ids.append(parent_id)
                    parent_t = by_id[parent_id]
                    parent_t.child_ids.append(narrative.narrative_id)
                    if parent_t.kind == "continued":
                        parent_t.kind = "split"
            self.narratives[narrative.narrative_id] = narrative
            transitions.append(t)
        return transitions

    def _assign(
        self,
        overlap: npt.NDArray[np.float64],
        sims: npt.NDArray[np.floating[Any]],
        anchored: npt.NDArray[np.bool_] | None = None,
    ) -> dict[int, int]:
        """The matching test, one-to-one: {observation column: narrative row} for the pairs of
        the Hungarian assignment on overlap + similarity that pass member overlap >=
        `min_overlap` or centroid similarity >= `min_similarity`; rows flagged `anchored`
        pass by overlap only."""
        cfg = self.config
        by_centroid = sims >= cfg.min_similarity
        if anchored is not None:
            by_centroid &= ~anchored[:, None]
        eligible = (overlap >= cfg.min_overlap) | by_centroid
        if not eligible.size or not eligible.any():
            return {}
        rows, cols = linear_sum_assignment(np.where(eligible, overlap + sims, -1e6), maximize=True)
        return {c: r for r, c in zip(rows.tolist(), cols.tolist(), strict=True) if eligible[r, c]}

    def _resumptions(
        self,
        candidates: Sequence[Narrative],
        free: Sequence[tuple[int, frozenset[str]]],
        observations: Sequence[Observation],
        window_ids: frozenset[str],
    ) -> dict[int, Narrative]:
        """Which unmatched clusters resume which remembered narratives: the live narratives'
        test (`_assign`, overlap counted against at least `overlap_floor` documents), by
        member overlap alone for the faded ones."""
        cfg = self.config
        if not (candidates and free):
            return {}
        floor = max(cfg.overlap_floor, 1)
        alive = [n.members & window_ids for n in candidates]
        overlap = np.array(
            [[len(a & m) / max(len(a), floor) for _, m in free] for a in alive],
            dtype=np.float64,
        )
        sims = (
            np.array([n.centroid for n in candidates], dtype=np.float32)
            @ np.array([observations[c].centroid for c, _ in free], dtype=np.float32).T
        )
        by_members_only = np.array([n.narrative_id in self.faded for n in candidates])
        return {
            free[c][0]: candidates[r]
            for c, r in self._assign(overlap, sims, by_members_only).items()
        }

    @staticmethod
    def _absorb(narrative: Narrative, obs: Observation, slide_end: float) -> None:
        narrative.centroid = obs.centroid
        narrative.members = frozenset(obs.members)
        if obs.first_time < narrative.first_seen:
            narrative.first_seen = obs.first_time
            narrative.first_doc_id = obs.first_doc_id
        narrative.last_seen = max(narrative.last_seen, obs.last_time)
        narrative.last_matched_end = slide_end
