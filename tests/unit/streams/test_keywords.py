"""Unit tests for streams.keywords: the tokenizer and class-based TF-IDF, with hand-worked sums."""

from __future__ import annotations

import math

import pytest

from streams.keywords import (
    class_tfidf,
    keyword_form,
    pseudo_stem,
    readable_keywords,
    spelling_key,
    tokenize,
)

# --- tokenize --------------------------------------------------------------------------------


def test_tokenize_lowercases_and_keeps_words_of_three_or_more_letters() -> None:
    assert tokenize("Flood WARNING issued by Mayor Li") == ["flood", "warning", "issued", "mayor"]


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        pytest.param("the dam and the river", ["dam", "river"], id="english-stopwords"),
        pytest.param("deprem için yardım ile gelecek", ["deprem", "yardım", "gelecek"], id="tr"),
        # "before" beside "after", and "etmek", the verb that makes verbs of nouns ("iddia
        # ediyor": "claims"), which the demo's Turkish narratives published as a keyword.
        pytest.param(
            "Seçimden önce sahte video olduğunu iddia ediyor",
            ["seçimden", "sahte", "video", "iddia"],
            id="tr-light-verb",
        ),
        # "still" and "yet", stopwords in English, which the demo published as a keyword.
        pytest.param(
            "Depremzedeler hâlâ çadırda, konutlar henüz bitmedi, halen bekliyorlar",
            ["depremzedeler", "çadırda", "konutlar", "bitmedi", "bekliyorlar"],
            id="tr-still-yet",
        ),
        pytest.param(
            "incêndio na boate que matou muitas pessoas",
            ["incêndio", "boate", "matou", "pessoas"],
            id="pt",
        ),
        pytest.param(
            "incendio en la refinería de Amuay", ["incendio", "refinería", "amuay"], id="es"
        ),
        # "al menos ... tras las": the crisis reports' "at least ... after the".
        pytest.param(
            "Al menos 30 muertos tras las inundaciones",
            ["muertos", "inundaciones"],
            id="es-at-least-after",
        ),
        pytest.param(
            "il terremoto come ogni anno senza preavviso",
            ["terremoto", "anno", "preavviso"],
            id="it-come",
        ),
        pytest.param(
            "déraillement du train dans la ville", ["déraillement", "train", "ville"], id="fr"
        ),
        pytest.param(
            "alluvione nella provincia della Sardegna",
            ["alluvione", "provincia", "sardegna"],
            id="it",
        ),
        pytest.param(
            "Hochwasser in der Stadt und auf dem Land", ["hochwasser", "stadt", "land"], id="de"
        ),
        # Listed languages share one list, so content words of English that are function
        # words elsewhere (German "die", "war") are not on it.
        pytest.param(
            "they die in the war, her son wrote",
            ["die", "war", "son", "wrote"],
            id="cross-language",
        ),
        pytest.param(
            "Everyone already knows: another video called fake, see it",
            ["video", "fake"],
            id="english-words-of-no-topic",
        ),
        pytest.param(
            "At least 12 dead, according to police; they need help, especially water",
            ["dead", "police", "help", "water"],
            id="english-least-according",
        ),
        pytest.param("RT breaking news via twitter", ["twitter"], id="social-filler"),
        pytest.param(
            "#Flood #SelDeprem warnings", ["flood", "seldeprem", "warnings"], id="hashtags"
        ),
        pytest.param(
            "@mayor_office orders evacuation @ab", ["orders", "evacuation"], id="mentions"
        ),
        pytest.param("2023 covid-19 x1 42nd", ["covid-19"], id="numbers-dropped"),
        pytest.param("co-op well-known", ["co-op", "well-known"], id="hyphenated-kept-whole"),
        pytest.param("'quoted' --dash-- end.", ["quoted", "dash", "end"], id="edge-punctuation"),
        # Words with an apostrophe: dropped when the word they are about is a stopword, else
        # kept whole (the keyword display folds them: test_readable_keywords_*).
        pytest.param("İstanbul'da DEPREM", ["istanbul'da", "deprem"], id="turkish-suffix"),
        pytest.param(
            "Obama's and Obama’s birth certificate",
            ["obama's", "obama's", "birth", "certificate"],
            id="one-apostrophe-for-all",
        ),
        pytest.param("it’s, I'm, let's, we'll, they've, c'est", [], id="clitics-of-stopwords"),
        pytest.param("didn't, can’t, haven't: tax haven", ["tax", "haven"], id="negations"),
        pytest.param("a L'Aquila, dell'Aquila", ["l'aquila", "dell'aquila"], id="elisions"),
        pytest.param(
            "Korban ledakan dari Boston akan lebih banyak",
            ["korban", "ledakan", "boston", "banyak"],
            id="id-ms",
        ),
        pytest.param("Ang mga biktima ng baha sa Maynila", ["biktima", "baha", "maynila"], id="tl"),
    ],
)
def test_tokenize_cases(text: str, expected: list[str]) -> None:
    assert tokenize(text) == expected


@pytest.mark.parametrize(
    ("token", "form"),
    [
        ("obama's", "obama"),
        ("istanbul'da", "istanbul"),
        ("kılıçdaroğlu'nun", "kılıçdaroğlu"),
        ("l'aquila", "aquila"),
        ("dell'aquila", "aquila"),
        ("jusqu'au", "au"),
        ("o'brien", "brien"),
        ("flood", "flood"),
    ],
)
def test_keyword_form_is_the_word_the_token_is_about(token: str, form: str) -> None:
    assert keyword_form(token) == form


@pytest.mark.parametrize(
    ("token", "length", "stem"),
    [
        ("terremoto", 4, "terr"),
        ("terremoti", 4, "terr"),
        ("sardegna", 4, "sard"),
        ("sardinia", 4, "sard"),
        ("mégantic", 4, "mega"),
        ("lacmégantic", 5, "lacme"),
        ("inondations", 5, "inond"),
        ("şehir", 4, "sehi"),  # Turkish: the cedilla is an accent here
        ("ola", 4, "ola"),  # shorter than the stem: whole, accents folded
        ("mégantic", 0, "mégantic"),  # 0 = the token as it is, accents kept
    ],
)
def test_pseudo_stem_is_the_accent_folded_prefix(token: str, length: int, stem: str) -> None:
    assert pseudo_stem(token, length) == stem


def test_pseudo_stem_joins_spellings_that_whole_words_keep_apart() -> None:
    forms = ["sardegna", "sardinia", "Sardaigne".casefold()]
    assert len(set(forms)) == 3
    assert {pseudo_stem(f, 4) for f in forms} == {"sard"}
    # A longer stem tells them apart again: the prefix length is the trade-off.
    assert len({pseudo_stem(f, 5) for f in forms}) == 3


def test_readable_keywords_merge_the_forms_of_one_word_and_sum_their_scores() -> None:
    keywords = [("obama", 0.3), ("birth", 0.2), ("obama's", 0.15), ("l'aquila", 0.1)]
    keywords += [("aquila", 0.05), ("certificate", 0.15)]
    assert readable_keywords(keywords) == [
        ("obama", 0.45),
        ("birth", 0.2),
        ("aquila", 0.15),
        ("certificate", 0.15),
    ]
    assert readable_keywords([]) == []


def test_readable_keywords_merge_a_word_and_its_plural_under_the_base_form() -> None:
    keywords = [("floods", 0.3), ("flood", 0.2), ("church", 0.1), ("churches", 0.15)]
    keywords += [("news", 0.12), ("bus", 0.05)]
    assert readable_keywords(keywords) == [
        ("flood", 0.5),
        ("church", 0.25),
        ("news", 0.12),  # "new" is not in the list: nothing to merge with
        ("bus", 0.05),
    ]


def test_readable_keywords_merge_the_spellings_of_one_word_under_the_most_written() -> None:
    # Crisis posts spell the place three ways: one keyword, named with its hyphen and accent.
    keywords = [("lacmegantic", 0.3), ("train", 0.25), ("lacmégantic", 0.2)]
    keywords += [("lac-mégantic", 0.1), ("mexico", 0.12), ("méxico", 0.02), ("secim", 0.05)]
    keywords += [("seçim", 0.04), ("wifi", 0.03), ("wi-fi", 0.01)]
    assert readable_keywords(keywords) == [
        ("lac-mégantic", 0.6),
        ("train", 0.25),
        ("méxico", 0.14),  # named by the accented form even where it scores less
        ("seçim", 0.09),  # Turkish typed without its letters
        ("wi-fi", 0.04),
    ]
    # The name does not depend on which spelling scores more.
    assert readable_keywords([("méxico", 0.3), ("mexico", 0.1)])[0][0] == "méxico"
    # Kana voicing marks are part of the word: "ガス" (gas) and "カス" (dregs) stay apart.
    assert readable_keywords([("ガス", 0.3), ("カス", 0.2)]) == [("ガス", 0.3), ("カス", 0.2)]


def test_spelling_key_drops_accents_hyphens_and_apostrophes() -> None:
    assert spelling_key("lac-mégantic") == spelling_key("lacmegantic") == "lacmegantic"
    assert spelling_key("refinería") == "refineria"
    assert spelling_key("地震") == "地震"
    # Letters without a decomposition are typed as their base letter.
    assert spelling_key("ışık") == spelling_key("isik") == "isik"
    assert spelling_key("straße") == "strasse"
    assert spelling_key("łódź") == "lodz"


def test_tokenize_folds_turkish_dotted_capital_i() -> None:
    # "İ".casefold() is "i" + a combining dot; without folding it, "İçin" would escape the
    # stopword list and "İSTANBUL" would be a different keyword from "istanbul".
    assert tokenize("İçin İSTANBUL istanbul İzmir") == ["istanbul", "istanbul", "izmir"]


def test_tokenize_accepts_custom_stopwords() -> None:
    assert tokenize("the flood and the dam", frozenset({"flood"})) == ["the", "and", "the", "dam"]


def test_tokenize_of_empty_or_junk_text_is_empty() -> None:
    assert tokenize("") == []
    assert tokenize("!!! 123 -- ... @a") == []


# --- class_tfidf -----------------------------------------------------------------------------

CLASSES = {
    "a": [["flood", "river"], ["flood", "dam"]],
    "b": [["vote", "fraud"], ["vote", "flood"]],
}
BACKGROUND = [["flood", "misc"]]


def test_class_tfidf_matches_a_hand_computed_example() -> None:
    # Totals over classes and background: flood 4, vote 2, river/dam/fraud/misc 1 → 10 words,
    # 3 classes (the background counts as one) → A = 10/3.
    # a: flood tf 2/4 → 0.5·ln(1 + A/4);  river, dam tf 1/4 → 0.25·ln(1 + A/1)
    # b: vote tf 2/4 → 0.5·ln(1 + A/2);   fraud, flood tf 1/4 → 0.25·ln(1 + A/1), 0.25·ln(1 + A/4)
    mean = 10 / 3
    got = class_tfidf(CLASSES, BACKGROUND, min_df=1)
    rare = round(0.25 * math.log(1 + mean), 6)
    assert got == {
        "a": [("dam", rare), ("river", rare), ("flood", round(0.5 * math.log(1 + mean / 4), 6))],
        "b": [
            ("vote", round(0.5 * math.log(1 + mean / 2), 6)),
            ("fraud", rare),
            ("flood", round(0.25 * math.log(1 + mean / 4), 6)),
        ],
    }


def test_class_tfidf_min_df_keeps_only_terms_shared_by_several_documents() -> None:
    got = class_tfidf(CLASSES, BACKGROUND, min_df=2)
    assert [t for t, _ in got["a"]] == ["flood"]
    assert [t for t, _ in got["b"]] == ["vote"]


def test_class_tfidf_min_df_is_capped_by_the_class_size() -> None:
    got = class_tfidf({"solo": [["word", "word", "solo"]]}, min_df=2)
    assert [t for t, _ in got["solo"]] == ["word", "solo"]


def test_class_tfidf_term_distinctive_of_a_class_beats_one_common_to_all() -> None:
    # "election" is in every document of every class; "deepfake" only in class x.
    classes = {
        "x": [["election", "deepfake"], ["election", "deepfake", "video"]],
        "y": [["election", "turnout"], ["election", "turnout"]],
    }
    background = [["election", "debate"]] * 5
    top_x = class_tfidf(classes, background)["x"]
    assert top_x[0][0] == "deepfake"
    assert dict(top_x)["deepfake"] > dict(top_x)["election"]


def test_class_tfidf_background_lowers_the_weight_of_its_terms() -> None:
    classes = {"x": [["flood", "dam"], ["flood", "dam"]]}
    alone = dict(class_tfidf(classes)["x"])
    with_background = dict(class_tfidf(classes, [["flood"]] * 10)["x"])
    assert alone["flood"] == alone["dam"]
    assert with_background["flood"] < with_background["dam"]


def test_class_tfidf_top_k_and_alphabetical_ties() -> None:
    docs = [["delta", "alpha", "charlie", "bravo"]] * 2
    got = class_tfidf({"x": docs}, top_k=3)["x"]
    assert [t for t, _ in got] == ["alpha", "bravo", "charlie"]
    assert len({score for _, score in got}) == 1


def test_class_tfidf_handles_empty_input() -> None:
    assert class_tfidf({}) == {}
    assert class_tfidf({"x": []}) == {"x": []}
    assert class_tfidf({"x": [[], []]}, [[]]) == {"x": []}


# --- Chinese and Japanese: words cut by script ------------------------------------------------


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        # Kanji runs are cut into pairs, a change of script is a word edge, hiragana (the
        # particles "で", "が" and the ending "しました") is left out.
        pytest.param("東京で大きな地震が発生しました", ["東京", "地震", "発生"], id="ja-kanji"),
        # A katakana run is one word (a loanword or a name).
        pytest.param(
            "ニュースでテロ事件が報道された", ["ニュース", "テロ", "事件", "報道"], id="ja-katakana"
        ),
        # A lone kanji between kana is a word ("雨", rain)...
        pytest.param("雨が降っています", ["雨", "降"], id="ja-lone-kanji"),
        # ...unless it names nothing ("人", "日", "今": `CJK_SINGLE`).
        pytest.param("今日は人が多い", ["今日"], id="ja-lone-stopword"),
        # Chinese: overlapping pairs, without those holding a function character ("生了",
        # "了大", "很多"); pairs across other word edges ("京发", "多房") stay.
        pytest.param(
            "北京发生了大地震，很多房屋倒塌",
            ["北京", "京发", "发生", "大地", "地震", "多房", "房屋", "屋倒", "倒塌"],
            id="zh-pairs",
        ),
        # Latin letters glued to CJK text keep the rules of spaced scripts; hashtags lose '#'.
        pytest.param("iPhone発売 #地震 M7", ["iphone", "発売", "地震"], id="mixed-scripts"),
        # A mention is dropped whole, whatever its script.
        pytest.param("@東京新聞 津波", ["津波"], id="cjk-mention"),
    ],
)
def test_tokenize_cuts_chinese_and_japanese_by_script(text: str, expected: list[str]) -> None:
    assert tokenize(text) == expected


def test_tokenize_keeps_spaced_text_as_before_beside_cjk() -> None:
    # The same English words, alone or beside Japanese, give the same tokens.
    english = "Flood warning issued by the mayor"
    assert tokenize(english) == ["flood", "warning", "issued", "mayor"]
    assert tokenize(f"{english} 洪水警報") == [
        "flood",
        "warning",
        "issued",
        "mayor",
        "洪水",
        "水警",
        "警報",
    ]
