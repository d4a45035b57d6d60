"""Each document's home: the narrative that has held it in most slides.

A document stays in the window for many slides (24 on a dense 24 h / 1 h profile) and each
slide clusters it again. Most slides agree, but near the edges of a narrative's life they do
not: a post that sat in the Colorado wildfire's narrative for twenty hours can, in its last
three, fall into a neighbouring wildfire's cluster once its own story has thinned out of the
window. Reporting every slide's grouping as it comes makes the document's *last* report (what
consumers keep, and what the evaluation protocol scores) the grouping of the slide in which
it had the least context around it.

Evolutionary clustering (Chakrabarti, Kumar & Tomkins, KDD 2006) answers this by weighing a
snapshot's fit against its history. Here the history is the document's own: every slide that
puts it in a narrative, as a member or an attached document, is one vote for that narrative;
its home is the narrative with the most votes (ties go to the most recent holder, so a
document that moved once and stayed moves on the tie). A narrative's events list only the
documents at home in it. A document therefore moves to another narrative when that narrative
has held it longer than its old one did, not at the first slide that disagrees.

Votes stay with the narrative that earned them whatever the tracker does next: after it merged
the narrative into another or let it fade (the document was reported under it for most of its
life, and the `merged` event's `parent_ids` tell consumers where it went), and after it split
a child off (the child lists the documents it was born of once it has held them longer; until
then its `size` and `elsewhere_size` say how many it holds). Handing votes along with the
tracker's merges or splits, or dropping a faded narrative's, was measured and is worse
(docs/measurements.md): it moves documents onto whichever cluster took them last, which is
what votes are for avoiding. An analyst's merge or split is different: a person decided where
the documents belong, so their votes move with them (`reassign`).

The tracker's matching, the clusterer's seeds and the descriptions still see each slide's own
clusters: homes decide only where a document is *reported*.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from typing import Any


@dataclass(frozen=True, slots=True)
class HomeConfig:
    """Whether documents are reported at home (by votes) or under each slide's grouping."""

    enabled: bool = True


class Homes:
    """Votes per document and narrative, for the documents in the window.

    `votes[doc]` is a flat tuple of (narrative id, slides held, end of the last slide that held
    it) triples, one triple per narrative that held the document. The end breaks ties toward
    the most recent holder. Flat tuples because most documents only ever have one holder: that
    is one 64-byte tuple per window document, its strings and floats shared with the window
    and the slide (a dict of dicts cost 268 bytes per document; docs/measurements.md).
    """

    def __init__(self) -> None:
        self.votes: dict[str, tuple[str | int | float, ...]] = {}

    def vote(self, slide_end: float, holders: Mapping[str, str]) -> None:
        """One slide's grouping: `holders[doc_id]` is the narrative that held the document."""
        votes = self.votes
        for doc_id, narrative_id in holders.items():
            flat = votes.get(doc_id, ())
            if len(flat) == 3 and flat[0] == narrative_id:  # hot path: the one holder again
                votes[doc_id] = (narrative_id, int(flat[1]) + 1, slide_end)
                continue
            for i in range(0, len(flat), 3):
                if flat[i] == narrative_id:
                    count = flat[i + 1]
                    assert isinstance(count, int)
                    votes[doc_id] = (*flat[:i], narrative_id, count + 1, slide_end, *flat[i + 3 :])
                    break
            else:
                votes[doc_id] = (*flat, narrative_id, 1, slide_end)

    def tally(self, doc_id: str) -> dict[str, tuple[int, float]]:
        """`{narrative id: (slides held, end of the last slide that held it)}`."""
        flat = self.votes.get(doc_id, ())
        return {
            str(flat[i]): (int(flat[i + 1]), float(flat[i + 2])) for i in range(0, len(flat), 3)
        }

    def home(self, doc_id: str) -> str | None:
        """The narrative with the most votes for `doc_id` (the latest holder on a tie)."""
        flat = self.votes.get(doc_id)
        return _home_of(flat) if flat else None

    def at_home(self, narrative_id: str, doc_ids: Iterable[str]) -> tuple[str, ...]:
        """`doc_ids` whose home is `narrative_id`, in the order given."""
        votes = self.votes
        return tuple(
            d for d in doc_ids if (flat := votes.get(d)) and _home_of(flat) == narrative_id
        )

    def reassign(self, old: str, new: str, doc_ids: Iterable[str] | None = None) -> None:
        """Move `old`'s votes to `new`, for `doc_ids` or every document: an analyst's merge
        (all of the absorbed narrative's) or split (the members moved to the child). An
        analyst decided where the documents belong; their history goes with them."""
        docs = list(self.votes) if doc_ids is None else [d for d in doc_ids if d in self.votes]
        for doc_id in docs:
            tally = self.tally(doc_id)
            moved = tally.pop(old, None)
            if moved is None:
                continue
            count, last = tally.get(new, (0, moved[1]))
            tally[new] = (count + moved[0], max(last, moved[1]))
            self.votes[doc_id] = _flat(tally)

    def prune(self, window_ids: frozenset[str]) -> None:
        """Forget the documents that left the window (they are never reported again)."""
        for doc_id in [d for d in self.votes if d not in window_ids]:
            del self.votes[doc_id]

    def snapshot(self) -> dict[str, Any]:
        """JSON-able state for checkpoints (sorted, so equal state gives equal bytes)."""
        return {
            doc_id: {n: [count, last] for n, (count, last) in sorted(self.tally(doc_id).items())}
            for doc_id in sorted(self.votes)
        }

    def restore(self, data: Mapping[str, Mapping[str, Any]] | None) -> None:
        self.votes = {
            str(doc_id): _flat({str(n): (int(c), float(t)) for n, (c, t) in tally.items()})
            for doc_id, tally in (data or {}).items()
        }


def _flat(tally: Mapping[str, tuple[int, float]]) -> tuple[str | int | float, ...]:
    """`{narrative: (slides, last end)}` as the flat triples `Homes.votes` holds."""
    return tuple(x for n, (count, last) in tally.items() for x in (n, count, last))


def _home_of(flat: tuple[str | int | float, ...]) -> str:
    """Most slides, then the latest slide, then the id (a total order: no ties left)."""
    if len(flat) == 3:  # hot path: most documents only ever have one holder
        return str(flat[0])
    best = max(range(0, len(flat), 3), key=lambda i: (flat[i + 1], flat[i + 2], flat[i]))
    return str(flat[best])
