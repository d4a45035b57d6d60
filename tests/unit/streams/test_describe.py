"""Unit tests for streams.describe: representatives, keywords and facet counts of clusters."""

from __future__ import annotations

from datetime import UTC, datetime

import numpy as np
import numpy.typing as npt

from streams.describe import DescribeConfig, describe_clusters, representatives
from streams.documents import Document
from streams.window import Entry

START = datetime(2023, 5, 11, tzinfo=UTC).timestamp()


def unit(*weights: float) -> npt.NDArray[np.float32]:
    v = np.zeros(4, dtype=np.float64)
    v[: len(weights)] = weights
    return (v / np.linalg.norm(v)).astype(np.float32)


def entry(
    doc_id: str,
    text: str,
    vector: npt.NDArray[np.float32],
    *,
    kind: str = "post",
    source: str | None = "twitter",
    lang: str = "en",
) -> Entry:
    doc = Document(doc_id=doc_id, kind=kind, text=text, time=START, source=source, lang=lang)
    return Entry(doc, vector.astype(np.float16))


def test_representatives_are_the_members_closest_to_the_centroid() -> None:
    centroid = unit(1)
    entries = [
        entry("far", "far away text", unit(0, 1)),
        entry("near", "near text", unit(4, 1)),
        entry("exact", "exact text", unit(1)),
        entry("mid", "mid text", unit(1, 1)),
    ]
    picked = representatives(entries, centroid, 3)
    assert [(e.doc.doc_id, sim) for e, sim in picked] == [
        ("exact", 1.0),
        ("near", round(float(entries[1].vector.astype(np.float32) @ centroid), 4)),
        ("mid", round(float(entries[3].vector.astype(np.float32) @ centroid), 4)),
    ]


def test_representatives_break_similarity_ties_by_doc_id() -> None:
    entries = [entry(i, f"text {i}", unit(1)) for i in ("c", "a", "b")]
    assert [e.doc.doc_id for e, _ in representatives(entries, unit(1), 3)] == ["a", "b", "c"]


def test_representatives_skip_near_verbatim_repeats() -> None:
    entries = [
        entry("orig", "Dam breach near the river, evacuate now", unit(1)),
        entry("repost", "dam breach near the river... EVACUATE NOW!", unit(1)),
        entry("other", "Rescue boats reach the flooded village", unit(3, 1)),
    ]
    picked = representatives(entries, unit(1), 2)
    assert [e.doc.doc_id for e, _ in picked] == ["orig", "other"]


def test_representatives_skip_articles_that_repeat_a_headline() -> None:
    """Wire copies: one headline, bodies reshuffled by each outlet. Posts are keyed on their
    whole text, so two posts that open alike are both shown."""
    headline = "Viral ballot video is old footage, election board says"
    entries = [
        entry(
            "wire-a",
            f"{headline}\nFact-checkers traced the video to 2019.",
            unit(1),
            kind="article",
        ),
        entry(
            "wire-b",
            f"{headline}\nOfficials urged voters not to share it.",
            unit(1),
            kind="article",
        ),
        entry("post-a", f"{headline}\nWorth reading.", unit(2, 1), kind="post"),
        entry("post-b", f"{headline}\nHere we go again.", unit(2, 1), kind="post"),
    ]
    picked = representatives(entries, unit(1), 4)
    assert [e.doc.doc_id for e, _ in picked] == ["wire-a", "post-a", "post-b"]


def test_representatives_of_no_entries_is_empty() -> None:
    assert representatives([], unit(1), 5) == ()


def test_describe_clusters_counts_facets_by_frequency_then_name() -> None:
    members = [
        entry("1", "flood dam river", unit(1), kind="post", source="twitter", lang="en"),
        entry("2", "flood dam levee", unit(1), kind="article", source="bbc", lang="en"),
        entry("3", "flood river levee", unit(1), kind="post", source=None, lang="tr"),
        entry("4", "flood levee dam", unit(1), kind="post", source="bbc", lang="tr"),
        entry("5", "flood river dam", unit(1), kind="article", source="aaa", lang="und"),
    ]
    desc = describe_clusters({"c": members}, {"c": unit(1)}, background=[])["c"]
    assert list(desc.by_kind.items()) == [("post", 3), ("article", 2)]
    assert list(desc.by_source.items()) == [("bbc", 2), ("aaa", 1), ("twitter", 1), ("unknown", 1)]
    assert list(desc.by_lang.items()) == [("en", 2), ("tr", 2), ("und", 1)]


def test_describe_clusters_keywords_are_relative_to_other_clusters_and_noise() -> None:
    flood = [entry(f"f{i}", f"flood warning dam river update{i}", unit(1)) for i in range(4)]
    vote = [entry(f"v{i}", f"vote warning fraud ballot extra{i}", unit(0, 1)) for i in range(4)]
    noise = [entry(f"n{i}", f"warning misc{i}", unit(0, 0, 1)) for i in range(4)]
    config = DescribeConfig(top_keywords=3, representatives=2)
    out = describe_clusters(
        {"flood": flood, "vote": vote}, {"flood": unit(1), "vote": unit(0, 1)}, noise, config
    )
    flood_terms = [t for t, _ in out["flood"].keywords]
    vote_terms = [t for t, _ in out["vote"].keywords]
    assert flood_terms == ["dam", "flood", "river"]
    assert vote_terms == ["ballot", "fraud", "vote"]
    # "warning" is everywhere, so it does not describe either cluster; "update0" is in one
    # document only (min_df), so it is not a keyword either.
    assert "warning" not in flood_terms + vote_terms
    assert len(out["flood"].representatives) == 2


def test_describe_clusters_publish_one_keyword_for_the_forms_of_a_name() -> None:
    texts = ["Obama's birth certificate", "Obama’s certificate again", "Obama birth fake"]
    texts += ["obama certificate", "Obama's birth"]
    members = [entry(f"o{i}", text, unit(1)) for i, text in enumerate(texts)]
    noise = [entry(f"n{i}", f"weather misc{i}", unit(0, 1)) for i in range(3)]
    out = describe_clusters({"o": members}, {"o": unit(1)}, noise, DescribeConfig())
    terms = [t for t, _ in out["o"].keywords]
    assert terms.count("obama") == 1 and not [t for t in terms if "'" in t or "’" in t]
    scores = dict(out["o"].keywords)
    # "obama" (2 documents) and "obama's" (3, whichever apostrophe) are one keyword, scoring
    # both forms together: above "birth" and "certificate" (3 documents each).
    assert scores["obama"] > scores["birth"] and scores["obama"] > scores["certificate"]


def test_describe_clusters_fill_the_keyword_list_after_folding_forms() -> None:
    # Four terms in every document, two of them forms of one word: with top_keywords=3 the
    # folded list still holds three keywords, not the two left of the first three terms.
    texts = ["flood floods dam levee", "floods flood dam levee", "flood floods levee dam"]
    members = [entry(f"f{i}", text, unit(1)) for i, text in enumerate(texts)]
    noise = [entry(f"n{i}", f"weather misc{i}", unit(0, 1)) for i in range(3)]
    out = describe_clusters({"f": members}, {"f": unit(1)}, noise, DescribeConfig(top_keywords=3))
    assert [t for t, _ in out["f"].keywords] == ["flood", "dam", "levee"]
    config = DescribeConfig(top_keywords=2)
    assert len(describe_clusters({"f": members}, {"f": unit(1)}, noise, config)["f"].keywords) == 2


def test_describe_clusters_of_no_clusters_is_empty() -> None:
    assert describe_clusters({}, {}, background=[entry("n", "noise", unit(1))]) == {}


def test_describe_clusters_name_a_japanese_narrative_by_its_words() -> None:
    # Four posts on one earthquake, each phrased differently: read as whole clauses they
    # share no token and the narrative had no keyword at all. Cut by script, the words they
    # share ("地震", "津波", "東京") name it, and the words of the background do not.
    texts = [
        "東京で大きな地震が発生しました。津波に注意してください",
        "地震のあと津波警報が出ています",
        "東京の地震、揺れがとても強かった",
        "また地震です。東京湾に津波が来るかも",
    ]
    quake = [entry(f"q{i}", text, unit(1), lang="ja") for i, text in enumerate(texts)]
    other = [
        entry(f"o{i}", text, unit(0, 1), lang="ja")
        for i, text in enumerate(["新しいカメラを買いました", "カメラの写真がきれいです"])
    ]
    out = describe_clusters({"q": quake}, {"q": unit(1)}, other, DescribeConfig(top_keywords=3))
    # "地震" is in all four posts; "東京" and "津波" in three each, tied, alphabetical.
    assert [t for t, _ in out["q"].keywords] == ["地震", "東京", "津波"]
