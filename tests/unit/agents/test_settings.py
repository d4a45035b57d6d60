"""Settings: every field documented by its environment variable, secrets never shown."""

from __future__ import annotations

import json
from typing import Any

import pytest

from agents import pipeline
from agents.settings import Settings


def test_every_field_names_its_environment_variable() -> None:
    for name, field in Settings.model_fields.items():
        assert field.description, name
        assert field.description.startswith(f"NARRATIVES_{name.upper()}"), name


def test_environment_variables_are_read(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("NARRATIVES_BROKER", "kafka-1:9093,kafka-2:9093")
    monkeypatch.setenv("NARRATIVES_WINDOW_SLIDE_S", "900")
    settings = Settings()
    assert settings.kafka_python_config()["bootstrap_servers"] == ["kafka-1:9093", "kafka-2:9093"]
    assert settings.detector_params.window.slide_s == 900


def test_secrets_are_masked_in_what_gets_printed_or_logged() -> None:
    settings = Settings(
        security_protocol="SASL_SSL", sasl_username="svc", sasl_password="hunter2-secret"
    )
    shown = json.dumps(settings.public_view(), default=str)
    assert "hunter2-secret" not in shown and "**********" in shown
    assert "hunter2-secret" not in repr(settings) and "hunter2-secret" not in str(settings)
    # ...but the Kafka client does get it.
    assert settings.kafka_python_config()["sasl_plain_password"] == "hunter2-secret"


def test_fading_survives_at_least_three_slides() -> None:
    settings = Settings(window_slide_s=86400, fade_after_s=3600)
    assert settings.detector_params.tracker.fade_after_s == 3 * 86400


def test_the_tracker_anchor_follows_its_environment_variable(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.setenv("NARRATIVES_MIN_CLUSTER_SIZE", "15")
    for value, expected in (("true", True), ("false", False)):
        monkeypatch.setenv("NARRATIVES_ANCHOR_BY_MEMBERS", value)
        tracker = Settings().detector_params.tracker
        # The anchor counts the documents left in the window against the overlap floor.
        assert (tracker.anchor_by_members, tracker.overlap_floor) == (expected, 15)


def test_faded_resumption_follows_its_environment_variable(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    assert Settings().detector_params.tracker.resume_faded  # on unless turned off
    monkeypatch.setenv("NARRATIVES_RESUME_FADED", "false")
    params = Settings().detector_params
    assert not params.tracker.resume_faded
    assert params.version("m") != Settings(resume_faded=True).detector_params.version("m")


def test_the_copy_cap_follows_its_environment_variable(monkeypatch: pytest.MonkeyPatch) -> None:
    assert Settings().detector_params.hdbscan.cap_copies  # on unless turned off
    monkeypatch.setenv("NARRATIVES_CAP_COPIES", "false")
    params = Settings().detector_params
    assert not params.hdbscan.cap_copies
    assert params.version("m") != Settings(cap_copies=True).detector_params.version("m")


def test_keeping_apart_follows_its_environment_variables(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    tracker = Settings().detector_params.tracker
    assert (tracker.keep_apart, tracker.keep_apart_by_words) == (True, True)  # the defaults
    versions = set()
    for apart, by_words in (("true", "true"), ("true", "false"), ("false", "true")):
        monkeypatch.setenv("NARRATIVES_KEEP_APART", apart)
        monkeypatch.setenv("NARRATIVES_KEEP_APART_BY_WORDS", by_words)
        params = Settings().detector_params
        assert (params.tracker.keep_apart, params.tracker.keep_apart_by_words) == (
            apart == "true",
            by_words == "true",
        )
        versions.add(params.version("m"))
    assert len(versions) == 3  # each behaviour has its own version
    monkeypatch.setenv("NARRATIVES_KEEP_APART_BY_WORDS", "false")  # moot while never cutting
    assert Settings().detector_params.version("m") in versions


def test_the_words_that_keep_a_lump_whole_follow_their_environment_variable(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    assert Settings().detector_params.tracker.keep_apart_shared_words == 2  # the default
    two = Settings().detector_params.version("m")
    monkeypatch.setenv("NARRATIVES_KEEP_APART_SHARED_WORDS", "1")
    assert Settings().detector_params.tracker.keep_apart_shared_words == 1
    assert Settings().detector_params.version("m") != two
    monkeypatch.setenv("NARRATIVES_KEEP_APART_SHARED_WORDS", "0")  # nothing would be cut
    with pytest.raises(ValueError, match="keep_apart_shared_words"):
        Settings()


def test_the_lone_story_cold_start_follows_its_environment_variable(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    assert Settings().detector_params.lone.cold_start  # the default
    on = Settings().detector_params.version("m")
    monkeypatch.setenv("NARRATIVES_LONE_COLD_START", "false")
    assert not Settings().detector_params.lone.cold_start
    assert Settings().detector_params.version("m") != on


def test_counting_attached_documents_as_growth_follows_its_environment_variable(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    assert Settings().detector_params.events.update_counts_attached  # the default
    monkeypatch.setenv("NARRATIVES_UPDATE_COUNTS_ATTACHED", "false")
    assert not Settings().detector_params.events.update_counts_attached


def test_the_word_an_attached_document_must_share_follows_its_environment_variable(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    assert Settings().detector_params.attach.extent_terms == 1  # the default
    monkeypatch.setenv("NARRATIVES_ATTACH_EXTENT_TERMS", "0")
    assert Settings().detector_params.attach.extent_terms == 0
    monkeypatch.setenv("NARRATIVES_ATTACH_EXTENT_TERMS", "-1")
    with pytest.raises(ValueError, match="attach_extent_terms"):
        Settings()


def test_the_last_word_of_a_replay_follows_its_environment_variable(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    assert Settings().detector_params.events.list_held_at_end  # the default
    monkeypatch.setenv("NARRATIVES_LIST_HELD_AT_END", "false")
    assert not Settings().detector_params.events.list_held_at_end


def test_the_time_view_follows_its_environment_variable(monkeypatch: pytest.MonkeyPatch) -> None:
    assert not Settings().detector_params.time_view.enabled  # off unless asked for
    monkeypatch.setenv("NARRATIVES_TIME_WEIGHT", "0.15")
    assert Settings().detector_params.time_view.weight == 0.15
    monkeypatch.setenv("NARRATIVES_TIME_WEIGHT", "1")  # would leave meaning out
    with pytest.raises(ValueError, match="time_weight"):
        Settings()


def test_invalid_values_are_refused_with_the_field_named() -> None:
    with pytest.raises(ValueError, match="batch_size"):
        Settings(batch_size=0)


@pytest.mark.parametrize(("value", "expected"), [("256", 256), ("4096", 4096), ("0", None)])
def test_the_encoder_product_rows_reach_the_embedder(
    monkeypatch: pytest.MonkeyPatch, value: str, expected: int | None
) -> None:
    seen: dict[str, Any] = {}

    class Recording:
        def __init__(self, model: str | None, **kwargs: Any) -> None:
            seen.update(kwargs, model=model)

    monkeypatch.setattr(pipeline, "SentenceTransformerEmbedder", Recording)
    monkeypatch.setenv("NARRATIVES_EMBED_GEMM_ROWS", value)
    pipeline.build_embedder(Settings(embed_cache_size=0))
    assert seen["gemm_rows"] == expected  # 0 = the library's free shapes
    assert seen["model"] == "all-MiniLM-L6-v2"
