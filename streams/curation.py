"""Analyst curation inside the detector: corrections that stick as new data arrives.

A correction that the next slide's clustering silently undoes is worse than none, so each
command leaves a durable effect in `CurationState`, which the detector consults every slide:

- `rename`: a label per narrative id, carried on every event however the keywords drift;
- `merge`: the first narrative absorbs the others at once; afterwards a *must-link*
  constraint folds every cluster of a slide that belongs to any of the merged parts (centroid
  within the tracker's match similarity of a part, or mostly made of the narrative's members)
  into one cluster before tracking, so the parts cannot drift apart again;
- `split`: the given members become a new narrative at once; afterwards a *cannot-link*
  constraint cuts any cluster holding members of both into two, by nearest centroid;
- `pin`: the narrative never fades (`Narrative.pinned`);
- `suppress`: its events stop; a new narrative emerging close to a suppressed one (the same
  spam coming back under a new id) is suppressed too;
- `link`: the narrative's story id is the analyst's, not the automatic grouping's.

Commands are applied in (due slide, command id) order when a slide closes, before it is
clustered. Everything is a pure function of the commands and the slides, so a replay with the
same commands gives the same events, and a command id is applied at most once. Commands that
change nothing (a second identical rename, a merge of narratives already one) are `no_op`:
applying a command twice changes nothing.
"""

from __future__ import annotations

import base64
import hashlib
import math
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

import numpy as np
import numpy.typing as npt

from schemas.audit import AuditRecord, AuditStatus
from schemas.commands import (
    COMMANDS,
    CommandRef,
    CurationCommand,
    LinkCommand,
    MergeCommand,
    PinCommand,
    RenameCommand,
    SplitCommand,
    SuppressCommand,
)
from schemas.events import EventType
from streams.track import Narrative, NarrativeTracker, Transition
from streams.window import Entry

Vector = npt.NDArray[np.float32]


@dataclass(frozen=True, slots=True)
class Touch:
    """What commands did to one narrative in this slide: they force an event of this kind."""

    refs: tuple[CommandRef, ...]
    kind: EventType = "updated"
    parent_ids: tuple[str, ...] = ()
    child_ids: tuple[str, ...] = ()

    def combine(self, other: Touch) -> Touch:
        """Two commands on one narrative in one slide make one event naming both."""
        return Touch(
            refs=self.refs + tuple(r for r in other.refs if r not in self.refs),
            kind=other.kind if other.kind != "updated" else self.kind,
            parent_ids=self.parent_ids
            + tuple(p for p in other.parent_ids if p not in self.parent_ids),
            child_ids=self.child_ids + tuple(c for c in other.child_ids if c not in self.child_ids),
        )

    def has(self, kind: str) -> bool:
        return any(r.type == kind for r in self.refs)


@dataclass(slots=True)
class Outcome:
    """The result of one command, for the audit log (the detector adds the event ids)."""

    command: CurationCommand
    status: AuditStatus
    detail: str
    slide_end: float
    late: bool
    narrative_ids: list[str] = field(default_factory=list)


@dataclass(slots=True)
class _Pending:
    due_end: float  # the first slide end at which it applies
    command: CurationCommand


#: The mark of a rejection because this detector holds no such live narrative.
NOT_HELD = "is not live"


def not_held(record: AuditRecord) -> bool:
    """A rejection only because the narrative is not this detector's (with several scopes,
    every detector sees every command; the one holding the narrative reports on it)."""
    return record.status == "rejected" and NOT_HELD in record.detail


def parse_time(stamp: str) -> float:
    """RFC 3339 (validated by the command schema) to UTC epoch seconds."""
    return datetime.fromisoformat(stamp.replace("Z", "+00:00")).timestamp()


def _unit(matrix: npt.NDArray[Any]) -> Vector:
    centroid = np.asarray(matrix, dtype=np.float32).mean(axis=0)
    norm = float(np.linalg.norm(centroid))
    unit: Vector = (centroid / (norm or 1.0)).astype(np.float32)
    return unit


def _vec_out(v: Vector) -> str:
    return base64.b64encode(np.asarray(v, dtype="<f4").tobytes()).decode("ascii")


def _vec_in(s: str) -> Vector:
    return np.frombuffer(base64.b64decode(s), dtype="<f4").astype(np.float32)


def split_child_id(first_doc_id: str, slide_end: float, command_id: str) -> str:
    """Id of a narrative made by a split command: distinct from any clustering-born id."""
    raw = f"{first_doc_id}|{slide_end:.3f}|split|{command_id}".encode()
    return f"nar-{hashlib.blake2b(raw, digest_size=8).hexdigest()}"


class Curator:
    """Holds the commands not yet due and the durable effects of those applied."""

    def __init__(self, slide_s: float, match_similarity: float, match_overlap: float) -> None:
        self.slide_s = slide_s
        self.match_similarity = match_similarity
        self.match_overlap = match_overlap
        self.labels: dict[str, str] = {}
        self.suppressed: set[str] = set()
        #: Centroids of suppressed narratives: new narratives this close are suppressed too.
        self.suppressed_centroids: dict[str, Vector] = {}
        self.links: dict[str, str] = {}
        #: Merged survivors -> centroids of every part merged into them (must-link).
        self.components: dict[str, list[Vector]] = {}
        #: (parent, child) pairs a split command separated (cannot-link).
        self.splits: list[tuple[str, str]] = []
        #: Absorbed narrative id -> the survivor, so commands naming an old id still land.
        self.aliases: dict[str, str] = {}
        self.applied: set[str] = set()
        self.pending: dict[str, _Pending] = {}

    # -- intake -----------------------------------------------------------------------------
    def boundary_after(self, t: float) -> float:
        return (math.floor(t / self.slide_s) + 1) * self.slide_s

    def submit(self, command: CurationCommand, due_end: float | None = None) -> bool:
        """Queue a command; False when its id was seen before (it is then ignored).

        `due_end` forces the slide it applies in (a replay reproducing the live run's audit
        log); by default it is the first slide ending after its `issued_at`.
        """
        if command.command_id in self.applied or command.command_id in self.pending:
            return False
        due = due_end if due_end is not None else self.boundary_after(parse_time(command.issued_at))
        self.pending[command.command_id] = _Pending(due, command)
        return True

    def due(self, slide_end: float) -> list[CurationCommand]:
        """Commands to apply when the slide ending at `slide_end` closes, in apply order."""
        ready = sorted(
            (p for p in self.pending.values() if p.due_end <= slide_end),
            key=lambda p: (p.due_end, parse_time(p.command.issued_at), p.command.command_id),
        )
        for p in ready:
            del self.pending[p.command.command_id]
            self.applied.add(p.command.command_id)
        return [p.command for p in ready]

    def resolve(self, narrative_id: str) -> str:
        seen = set()
        while narrative_id in self.aliases and narrative_id not in seen:
            seen.add(narrative_id)
            narrative_id = self.aliases[narrative_id]
        return narrative_id

    # -- applying one command ---------------------------------------------------------------
    def apply(
        self,
        command: CurationCommand,
        tracker: NarrativeTracker,
        entries: Sequence[Entry],
        slide_end: float,
    ) -> tuple[Outcome, dict[str, Touch]]:
        """Apply one due command to the tracker's narratives; returns its outcome and touches."""
        late = slide_end > self.boundary_after(parse_time(command.issued_at))
        ref = CommandRef(command_id=command.command_id, type=command.type, author=command.author)

        def done(status: AuditStatus, detail: str, ids: Iterable[str] = ()) -> Outcome:
            return Outcome(command, status, detail, slide_end, late, list(ids))

        if isinstance(command, MergeCommand):
            return self._merge(command, tracker, ref, done)
        nid = self.resolve(command.narrative_id)
        narrative = tracker.narratives.get(nid)
        if narrative is None:
            return done(
                "rejected",
                f"narrative {command.narrative_id} {NOT_HELD} (faded or "
                "never seen); check the id with `narratives tail`",
            ), {}
        moved = f" (now {nid})" if nid != command.narrative_id else ""
        if isinstance(command, RenameCommand):
            if self.labels.get(nid) == command.label:
                return done("no_op", f"already labelled {command.label!r}{moved}", [nid]), {}
            self.labels[nid] = command.label
            return done("applied", f"labelled {command.label!r}{moved}", [nid]), {
                nid: Touch((ref,))
            }
        if isinstance(command, PinCommand):
            if narrative.pinned == command.pinned:
                return done("no_op", f"pinned is already {command.pinned}{moved}", [nid]), {}
            narrative.pinned = command.pinned
            return done("applied", f"pinned={command.pinned}{moved}", [nid]), {nid: Touch((ref,))}
        if isinstance(command, SuppressCommand):
            if (nid in self.suppressed) == command.suppressed:
                return done(
                    "no_op", f"suppressed is already {command.suppressed}{moved}", [nid]
                ), {}
            if command.suppressed:
                self.suppressed.add(nid)
                self.suppressed_centroids[nid] = narrative.centroid
            else:
                self.suppressed.discard(nid)
                self.suppressed_centroids.pop(nid, None)
            return (
                done("applied", f"suppressed={command.suppressed}{moved}", [nid]),
                {nid: Touch((ref,))},
            )
        if isinstance(command, LinkCommand):
            if self.links.get(nid) == command.story_id:
                return done("no_op", f"already under story {command.story_id}{moved}", [nid]), {}
            self.links[nid] = command.story_id
            narrative.story_id = command.story_id
            return (
                done("applied", f"placed under story {command.story_id}{moved}", [nid]),
                {nid: Touch((ref,))},
            )
        assert isinstance(command, SplitCommand)
        return self._split(command, tracker, narrative, entries, slide_end, ref, done)

    def _merge(
        self, command: MergeCommand, tracker: NarrativeTracker, ref: CommandRef, done: Any
    ) -> tuple[Outcome, dict[str, Touch]]:
        ids: list[str] = []
        for raw in command.narrative_ids:
            nid = self.resolve(raw)
            if nid not in tracker.narratives:
                return done("rejected", f"narrative {raw} {NOT_HELD} (faded or never seen)"), {}
            if nid not in ids:
                ids.append(nid)
        if len(ids) < 2:
            return done("no_op", f"already one narrative: {ids[0]}", ids), {}
        survivor = tracker.narratives[ids[0]]
        absorbed = [tracker.narratives[nid] for nid in ids[1:]]
        parts = self.components.get(survivor.narrative_id, [survivor.centroid])
        weights = [max(len(survivor.members), 1)]
        centroids = [survivor.centroid]
        for other in absorbed:
            parts = parts + self.components.pop(other.narrative_id, [other.centroid])
            weights.append(max(len(other.members), 1))
            centroids.append(other.centroid)
            self._fold(survivor, other, tracker)
        self.components[survivor.narrative_id] = parts
        mixed = np.average(np.vstack(centroids), axis=0, weights=weights)
        survivor.centroid = _unit(mixed[None, :])
        others = tuple(n.narrative_id for n in absorbed)
        detail = f"merged {', '.join(others)} into {survivor.narrative_id}"
        touch = Touch((ref,), "merged", parent_ids=others)
        return done("applied", detail, ids), {survivor.narrative_id: touch}

    def _fold(self, survivor: Narrative, other: Narrative, tracker: NarrativeTracker) -> None:
        """Move everything of `other` into `survivor` and forget `other` (merge, either way)."""
        survivor.members = survivor.members | other.members
        if other.first_seen < survivor.first_seen:
            survivor.first_seen = other.first_seen
            survivor.first_doc_id = other.first_doc_id
        survivor.last_seen = max(survivor.last_seen, other.last_seen)
        survivor.last_matched_end = max(survivor.last_matched_end, other.last_matched_end)
        tracker.narratives.pop(other.narrative_id, None)
        self.inherit(survivor, other.narrative_id, other.pinned)

    def inherit(self, survivor: Narrative, old: str, old_pinned: bool) -> None:
        """Carry an absorbed narrative's curation over to its survivor."""
        new = survivor.narrative_id
        self.aliases[old] = new
        for alias, target in list(self.aliases.items()):
            if target == old:
                self.aliases[alias] = new
        if old in self.labels:
            label = self.labels.pop(old)
            self.labels.setdefault(new, label)
        if old in self.links:
            story = self.links.pop(old)
            self.links.setdefault(new, story)
        survivor.pinned = survivor.pinned or old_pinned
        if old in self.components:
            self.components[new] = self.components.get(new, [survivor.centroid]) + (
                self.components.pop(old)
            )
        self.suppressed.discard(old)
        self.splits = [(new if p == old else p, new if c == old else c) for p, c in self.splits]
        self.splits = [(p, c) for p, c in self.splits if p != c]

    def _split(
        self,
        command: SplitCommand,
        tracker: NarrativeTracker,
        parent: Narrative,
        entries: Sequence[Entry],
        slide_end: float,
        ref: CommandRef,
        done: Any,
    ) -> tuple[Outcome, dict[str, Touch]]:
        by_id = {e.doc.doc_id: e for e in entries}
        alive = {d for d in parent.members if d in by_id}
        wanted = set(command.member_ids) & alive
        pid = parent.narrative_id
        if not wanted:
            elsewhere = sorted(
                n.narrative_id
                for n in tracker.narratives.values()
                if n.narrative_id != pid and n.members & set(command.member_ids)
            )
            if elsewhere:
                return done("no_op", f"members already in {', '.join(elsewhere)}", elsewhere), {}
            return done("rejected", f"none of the members is in narrative {pid}'s window"), {}
        remaining = alive - wanted
        if not remaining:
            return done(
                "rejected",
                f"the members are all of narrative {pid}: rename or suppress it instead",
            ), {}
        moved = sorted((by_id[d] for d in wanted), key=lambda e: (e.doc.time, e.doc.doc_id))
        kept = [by_id[d] for d in sorted(remaining)]
        child_id = split_child_id(moved[0].doc.doc_id, slide_end, command.command_id)
        child = Narrative(
            narrative_id=child_id,
            centroid=_unit(np.vstack([e.vector for e in moved])),
            members=frozenset(wanted),
            first_seen=moved[0].doc.time,
            first_doc_id=moved[0].doc.doc_id,
            last_seen=moved[-1].doc.time,
            last_matched_end=slide_end,
        )
        parent.members = parent.members - wanted
        parent.centroid = _unit(np.vstack([e.vector for e in kept]))
        tracker.narratives[child_id] = child
        self.splits.append((pid, child_id))
        if pid in self.suppressed:
            self.suppressed.add(child_id)
        detail = f"split {len(wanted)} members of {pid} into {child_id}"
        touches = {
            pid: Touch((ref,), "split", child_ids=(child_id,)),
            child_id: Touch((ref,), "emerged", parent_ids=(pid,)),
        }
        return done("applied", detail, [pid, child_id]), touches

    # -- constraints on a slide's clusters --------------------------------------------------
    def constrain(
        self,
        groups: list[list[int]],
        entries: Sequence[Entry],
        matrix: npt.NDArray[np.float32],
        tracker: NarrativeTracker,
    ) -> list[list[int]]:
        """Fold clusters of a merged narrative together, cut clusters a split separated."""
        live = tracker.narratives
        ids = [[entries[r].doc.doc_id for r in rows] for rows in groups]
        merged = {s: parts for s, parts in self.components.items() if s in live}
        if merged and groups:
            owner: dict[int, str] = {}
            for g, rows in enumerate(groups):
                centroid = _unit(matrix[rows])
                best: tuple[float, str] | None = None
                for s, parts in sorted(merged.items()):
                    sim = max(float(p @ centroid) for p in parts)
                    share = sum(1 for d in ids[g] if d in live[s].members) / len(rows)
                    if sim >= self.match_similarity or share >= self.match_overlap:
                        score = sim + share
                        if best is None or score > best[0]:
                            best = (score, s)
                if best is not None:
                    owner[g] = best[1]
            folded: dict[str, list[int]] = {}
            out: list[list[int]] = []
            for g, rows in enumerate(groups):
                s_id = owner.get(g)
                if s_id is None:
                    out.append(rows)
                else:
                    folded.setdefault(s_id, []).extend(rows)
            out.extend(sorted(rows) for rows in folded.values())
            groups = out
        for parent_id, child_id in self.splits:
            if parent_id not in live or child_id not in live:
                continue
            parent, child = live[parent_id], live[child_id]
            cut: list[list[int]] = []
            for rows in groups:
                docs = [entries[r].doc.doc_id for r in rows]
                if any(d in parent.members for d in docs) and any(d in child.members for d in docs):
                    to_child = matrix[rows] @ child.centroid > matrix[rows] @ parent.centroid
                    a = [r for r, c in zip(rows, to_child.tolist(), strict=True) if not c]
                    b = [r for r, c in zip(rows, to_child.tolist(), strict=True) if c]
                    cut.extend(part for part in (a, b) if part)
                else:
                    cut.append(rows)
            groups = cut
        return sorted(groups, key=lambda rows: rows[0])

    # -- after tracking ---------------------------------------------------------------------
    def after_step(
        self,
        transitions: Sequence[Transition],
        pinned_before: frozenset[str],
    ) -> None:
        """Follow the tracker's own merges and splits with the curation state.

        `pinned_before` names the narratives pinned before the step (the tracker has already
        forgotten those it merged away, and their pin moves to the survivor).
        """
        for t in transitions:
            nid = t.narrative.narrative_id
            if t.kind == "resumed":
                # Back under its own id: commands naming it address it again, not its survivor.
                # What it carried over at the merge (label, pin) stays with the survivor.
                self.aliases.pop(nid, None)
                if any(p in self.suppressed for p in t.parent_ids):
                    self.suppressed.add(nid)
            elif t.kind == "emerged":
                if any(p in self.suppressed for p in t.parent_ids):
                    self.suppressed.add(nid)
                elif self.suppressed_centroids and not t.parent_ids:
                    sims = [
                        float(c @ t.narrative.centroid) for c in self.suppressed_centroids.values()
                    ]
                    if max(sims) >= self.match_similarity:
                        self.suppressed.add(nid)
            elif t.kind != "faded":  # a faded one is forgotten after its last event
                for parent_id in t.parent_ids:
                    self.inherit(t.narrative, parent_id, parent_id in pinned_before)

    def rekey(self, touches: dict[str, Touch]) -> dict[str, Touch]:
        """Touches of narratives merged away since (by a command or the tracker) go to the
        survivor, so the command still shows on an event."""
        out: dict[str, Touch] = {}
        for nid, touch in touches.items():
            key = self.resolve(nid)
            out[key] = out[key].combine(touch) if key in out else touch
        return out

    def sweep(self, known: set[str]) -> None:
        """Forget the curation of narratives neither live nor revivable any more."""
        held = set(self.labels) | set(self.links) | set(self.components) | self.suppressed
        held |= {nid for pair in self.splits for nid in pair}
        for nid in sorted(held - known):
            self.forget(nid)

    def forget(self, nid: str) -> None:
        """Drop the curation of a narrative that is gone for good."""
        self.labels.pop(nid, None)
        self.links.pop(nid, None)
        self.components.pop(nid, None)
        self.suppressed.discard(nid)  # its centroid stays: the spam may come back
        self.splits = [(p, c) for p, c in self.splits if nid not in (p, c)]
        for alias, target in list(self.aliases.items()):
            if target == nid:
                del self.aliases[alias]

    # -- checkpoints ------------------------------------------------------------------------
    def snapshot(self) -> dict[str, Any]:
        return {
            "labels": dict(sorted(self.labels.items())),
            "suppressed": sorted(self.suppressed),
            "suppressed_centroids": {
                k: _vec_out(v) for k, v in sorted(self.suppressed_centroids.items())
            },
            "links": dict(sorted(self.links.items())),
            "components": {
                k: [_vec_out(v) for v in parts] for k, parts in sorted(self.components.items())
            },
            "splits": [list(pair) for pair in self.splits],
            "aliases": dict(sorted(self.aliases.items())),
            "applied": sorted(self.applied),
            "pending": [
                {"due_end": p.due_end, "command": p.command.model_dump(mode="json")}
                for p in sorted(self.pending.values(), key=lambda p: p.command.command_id)
            ],
        }

    def restore(self, data: dict[str, Any] | None) -> None:
        if not data:
            return
        self.labels = dict(data["labels"])
        self.suppressed = set(data["suppressed"])
        self.suppressed_centroids = {k: _vec_in(v) for k, v in data["suppressed_centroids"].items()}
        self.links = dict(data["links"])
        self.components = {
            k: [_vec_in(v) for v in parts] for k, parts in data["components"].items()
        }
        self.splits = [(p, c) for p, c in data["splits"]]
        self.aliases = dict(data["aliases"])
        self.applied = set(data["applied"])
        self.pending = {}
        for item in data["pending"]:
            command = COMMANDS.validate_python(item["command"])
            self.pending[command.command_id] = _Pending(float(item["due_end"]), command)
