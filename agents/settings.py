"""All configuration in one typed object, read from `NARRATIVES_*` environment variables.

Every field's description names its environment variable (the prefix plus the field name in
upper case), and `narratives config` prints the effective values with secrets masked.
"""

from __future__ import annotations

from functools import cached_property
from typing import Literal

from pydantic import Field, SecretStr
from pydantic_settings import BaseSettings, SettingsConfigDict

from streams.alerts import AlertPolicy
from streams.amplification import AmplificationConfig
from streams.attach import AttachConfig
from streams.cluster import HdbscanParams
from streams.describe import DescribeConfig
from streams.detector import DetectorParams
from streams.events import EventConfig
from streams.home import HomeConfig
from streams.incremental import IncrementalParams
from streams.lexical import LexicalConfig
from streams.lone import LoneConfig
from streams.normalise import NormaliseConfig
from streams.story import StoryConfig
from streams.time_view import TimeViewConfig
from streams.track import TrackerConfig
from streams.window import WindowConfig


class Settings(BaseSettings):
    """narrative-detector settings. Environment variable = NARRATIVES_ + field name, upper case."""

    model_config = SettingsConfigDict(env_prefix="NARRATIVES_", frozen=True, extra="ignore")

    # -- Kafka --------------------------------------------------------------------------------
    broker: str = Field(
        "127.0.0.1:9092", description="NARRATIVES_BROKER: Kafka bootstrap servers, comma-separated."
    )
    security_protocol: Literal["PLAINTEXT", "SSL", "SASL_PLAINTEXT", "SASL_SSL"] = Field(
        "PLAINTEXT", description="NARRATIVES_SECURITY_PROTOCOL: Kafka security protocol."
    )
    ssl_cafile: str | None = Field(None, description="NARRATIVES_SSL_CAFILE: CA bundle (PEM).")
    ssl_certfile: str | None = Field(None, description="NARRATIVES_SSL_CERTFILE: client cert.")
    ssl_keyfile: str | None = Field(None, description="NARRATIVES_SSL_KEYFILE: client key.")
    sasl_mechanism: Literal["PLAIN", "SCRAM-SHA-256", "SCRAM-SHA-512"] = Field(
        "PLAIN", description="NARRATIVES_SASL_MECHANISM: SASL mechanism."
    )
    sasl_username: str | None = Field(None, description="NARRATIVES_SASL_USERNAME.")
    sasl_password: SecretStr | None = Field(None, description="NARRATIVES_SASL_PASSWORD.")
    app_id: str = Field(
        "narrative-detector",
        description="NARRATIVES_APP_ID: Faust app id, also the consumer group id.",
    )
    articles_topic: str = Field("articles", description="NARRATIVES_ARTICLES_TOPIC.")
    posts_topic: str = Field("posts", description="NARRATIVES_POSTS_TOPIC.")
    narratives_topic: str = Field("narratives", description="NARRATIVES_NARRATIVES_TOPIC.")
    dlq_topic: str = Field("narratives.dlq", description="NARRATIVES_DLQ_TOPIC.")
    alerts_topic: str = Field(
        "narratives.alerts",
        description="NARRATIVES_ALERTS_TOPIC: emerging-narrative alerts, keyed by narrative id.",
    )
    commands_topic: str = Field(
        "narratives.commands",
        description="NARRATIVES_COMMANDS_TOPIC: analysts' curation commands (compacted, keyed "
        "by command id; `narratives curate` writes it).",
    )
    audit_topic: str = Field(
        "narratives.audit",
        description="NARRATIVES_AUDIT_TOPIC: one audit record per command taken, keyed by "
        "command id (compacted).",
    )
    commands_poll_s: float = Field(
        1.0,
        gt=0,
        description="NARRATIVES_COMMANDS_POLL_S: how often the worker reads new commands.",
    )
    apply_commands: bool = Field(
        True,
        description="NARRATIVES_APPLY_COMMANDS: apply curation commands; false shows what the "
        "machine alone says.",
    )
    state_topic: str = Field(
        "narratives.state",
        description="NARRATIVES_STATE_TOPIC: compacted topic of detector checkpoints.",
    )
    checkpoints: bool = Field(
        True, description="NARRATIVES_CHECKPOINTS: write checkpoints and recover from them."
    )
    state_history_topic: str = Field(
        "narratives.state.history",
        description="NARRATIVES_STATE_HISTORY_TOPIC: every checkpoint is also appended here "
        "(time-retained, not compacted), so a Kafka replay from the middle of history can "
        "restore the tracker state the live run had and match its events exactly; empty = off.",
    )
    state_history_retention_s: float = Field(
        30 * 86400.0,
        gt=0,
        description="NARRATIVES_STATE_HISTORY_RETENTION_S: how long checkpoint history is kept "
        "(retention.ms of the history topic when the worker creates it).",
    )
    topic_partitions: int = Field(
        1, ge=1, description="NARRATIVES_TOPIC_PARTITIONS: partitions of topics we create."
    )
    replication_factor: int = Field(
        1, ge=1, description="NARRATIVES_REPLICATION_FACTOR: of topics we create."
    )
    max_record_bytes: int = Field(
        1_048_576, ge=1024, description="NARRATIVES_MAX_RECORD_BYTES: larger inputs are refused."
    )
    max_future_skew_s: float = Field(
        3600.0,
        gt=0,
        description="NARRATIVES_MAX_FUTURE_SKEW_S: live records dated further ahead of the "
        "wall clock are refused (bad_timestamp); one would otherwise drag the watermark ahead.",
    )
    # -- worker ---------------------------------------------------------------------------------
    batch_size: int = Field(
        256, ge=1, description="NARRATIVES_BATCH_SIZE: documents per embedding batch."
    )
    batch_timeout_s: float = Field(
        1.0, gt=0, description="NARRATIVES_BATCH_TIMEOUT_S: flush a partial batch after this."
    )
    web_host: str = Field(
        "127.0.0.1", description="NARRATIVES_WEB_HOST: bind address of /metrics and health."
    )
    web_port: int = Field(6066, description="NARRATIVES_WEB_PORT: port of /metrics and health.")
    data_dir: str = Field(
        "/tmp/narrative-detector", description="NARRATIVES_DATA_DIR: Faust's local state."
    )
    log_level: str = Field("info", description="NARRATIVES_LOG_LEVEL: debug, info, warning.")
    log_format: Literal["json", "console"] = Field(
        "json", description="NARRATIVES_LOG_FORMAT: json for machines, console for people."
    )
    # -- model ----------------------------------------------------------------------------------
    model: str = Field(
        "all-MiniLM-L6-v2",
        description="NARRATIVES_MODEL: sentence-transformers model directory or cached name.",
    )
    device: str = Field("cpu", description="NARRATIVES_DEVICE: torch device (cpu, cuda).")
    embed_batch_size: int = Field(
        64,
        ge=1,
        description="NARRATIVES_EMBED_BATCH_SIZE: most texts per encoder forward pass. Batches "
        "are shape-stable (a text is padded to its own token-count bucket, and every linear "
        "layer multiplies a fixed number of rows at a time), so a vector never depends on its "
        "batch: replays, restarts and partition takeovers stay bit-identical.",
    )
    embed_gemm_rows: int = Field(
        256,
        ge=0,
        description="NARRATIVES_EMBED_GEMM_ROWS: token rows per linear-layer product in the "
        "encoder (a fixed product shape keeps a text's vector independent of its batch on a "
        "multi-threaded BLAS or a GPU); 0 = the library's free shapes (faster, but vectors "
        "then move by ~1e-7 with their batch). A GPU wants larger blocks, e.g. 4096.",
    )
    embed_cache_size: int = Field(
        50_000, ge=0, description="NARRATIVES_EMBED_CACHE_SIZE: texts remembered (0 = off)."
    )
    languages: str = Field(
        "", description="NARRATIVES_LANGUAGES: comma-separated candidate languages for detection."
    )
    # -- detector -------------------------------------------------------------------------------
    window_length_s: float = Field(
        24 * 3600.0, gt=0, description="NARRATIVES_WINDOW_LENGTH_S: sliding window length."
    )
    window_slide_s: float = Field(
        3600.0, gt=0, description="NARRATIVES_WINDOW_SLIDE_S: how often slides close."
    )
    allowed_lateness_s: float = Field(
        600.0, ge=0, description="NARRATIVES_ALLOWED_LATENESS_S: watermark lag behind max time."
    )
    window_max_docs: int = Field(
        200_000, ge=1, description="NARRATIVES_WINDOW_MAX_DOCS: hard cap; oldest dropped first."
    )
    min_cluster_size: int = Field(10, ge=2, description="NARRATIVES_MIN_CLUSTER_SIZE.")
    min_cluster_share: float = Field(
        0.0, ge=0, lt=1, description="NARRATIVES_MIN_CLUSTER_SHARE: of the window, raises size."
    )
    min_samples: int = Field(5, ge=1, description="NARRATIVES_MIN_SAMPLES: HDBSCAN min_samples.")
    pca_dim: int = Field(32, ge=0, description="NARRATIVES_PCA_DIM: 0 disables PCA.")
    cluster_selection_method: Literal["eom", "leaf"] = Field(
        "eom",
        description="NARRATIVES_CLUSTER_SELECTION_METHOD: HDBSCAN's flat-cut rule; eom prefers "
        "large stable clusters, leaf the finest dense ones.",
    )
    cluster_selection_epsilon: float = Field(
        0.0,
        ge=0,
        description="NARRATIVES_CLUSTER_SELECTION_EPSILON: HDBSCAN merges clusters closer than "
        "this (Euclidean, in PCA space).",
    )
    cap_copies: bool = Field(
        True,
        description="NARRATIVES_CAP_COPIES: at most MIN_SAMPLES - 1 exact copies of one vector "
        "(retweets, copy-paste) enter HDBSCAN, the rest take their original's label, so a "
        "copied post cannot make a cluster apart from its story; false counts every copy.",
    )
    lexical_weight: float = Field(
        0.0,
        ge=0,
        le=1,
        description="NARRATIVES_LEXICAL_WEIGHT: share of the clusterer's distance taken from "
        "the words (TF-IDF/LSA of the slide, streams.lexical); 0 clusters by meaning alone.",
    )
    lexical_dim: int = Field(
        100, ge=1, description="NARRATIVES_LEXICAL_DIM: LSA dimensions of the lexical view."
    )
    time_weight: float = Field(
        0.0,
        ge=0,
        lt=1,
        description="NARRATIVES_TIME_WEIGHT: share of the clusterer's distance taken from the "
        "documents' times, scaled by the window's length (streams.time_view); 0 leaves time out.",
    )
    cluster_whole_max: int = Field(
        8000,
        ge=0,
        description="NARRATIVES_CLUSTER_WHOLE_MAX: windows up to this many documents are "
        "clustered whole each slide; above it only new documents are (streams.incremental).",
    )
    cluster_max_points: int = Field(
        4000,
        ge=4,
        description="NARRATIVES_CLUSTER_MAX_POINTS: above the whole-window size, no HDBSCAN "
        "run sees more points than this. Bounds the cost of a slide.",
    )
    cluster_accept_quantile: float = Field(
        0.5,
        ge=0,
        le=1,
        description="NARRATIVES_CLUSTER_ACCEPT_QUANTILE: in the incremental regime a new "
        "document joins a narrative outright when at least as close to its centroid as this "
        "quantile of its members.",
    )
    update_min_new: int = Field(
        5,
        ge=1,
        description="NARRATIVES_UPDATE_MIN_NEW: an `updated` event needs at least this many new "
        "members (and the growth share below), or new keywords, sources or story.",
    )
    update_min_growth: float = Field(
        0.2,
        ge=0,
        description="NARRATIVES_UPDATE_MIN_GROWTH: ... and growth by this share of the members "
        "last reported. 1 and 0 report every slide in which a narrative gains a document "
        "(lowest latency per document, most events).",
    )
    update_counts_attached: bool = Field(
        True,
        description="NARRATIVES_UPDATE_COUNTS_ATTACHED: growth towards an `updated` event "
        "counts the documents attached around a narrative's core as well as its members, so "
        "a narrative growing by its tail lists those posts on an event; false counts members "
        "only (the release before, which could hold posts it never listed).",
    )
    list_held_at_end: bool = Field(
        True,
        description="NARRATIVES_LIST_HELD_AT_END: at the end of a finite replay (flush), the "
        "last slide lists every narrative holding documents no event listed, growth bar or "
        "not, so the replay's events and assignments hold everything the detector holds; "
        "false leaves them unlisted (the release before). A live worker never flushes.",
    )
    fade_after_s: float = Field(
        6 * 3600.0, gt=0, description="NARRATIVES_FADE_AFTER_S: unmatched this long = faded."
    )
    resume_absorbed: bool = Field(
        True,
        description="NARRATIVES_RESUME_ABSORBED: a narrative merged away by the detector takes "
        "back its id (a `resumed` event) when its documents form a cluster of their own again "
        "while still in the window; false makes every merge final.",
    )
    resume_faded: bool = Field(
        True,
        description="NARRATIVES_RESUME_FADED: a narrative that faded is remembered while any of "
        "its documents is in the window, and takes back its id (a `resumed` event) when a "
        "later cluster holds enough of them (member overlap, never similarity alone): a claim "
        "that resurfaces keeps its id; false makes every fade final.",
    )
    keep_apart: bool = Field(
        True,
        description="NARRATIVES_KEEP_APART: a slide's cluster holding at least a minimum "
        "cluster's worth of documents of each of two live narratives whose centroids are less "
        "similar than the tracker's match similarity (and, by default, whose published "
        "keywords have fewer than two in common) is cut between them "
        "(streams.track.keep_apart): claims of one debate that burst together stay two "
        "narratives; false = never cut, the "
        "behaviour and params_version of the release before.",
    )
    keep_apart_by_words: bool = Field(
        True,
        description="NARRATIVES_KEEP_APART_BY_WORDS: keep apart only narratives that share "
        "fewer than KEEP_APART_SHARED_WORDS of their published keywords, so the sides of one "
        "story (a flood's casualty reports and its appeals, which name the same places) are "
        "left together; false = "
        "by centroids alone, which also cuts a crisis's sub-narratives (for claim tracking).",
    )
    keep_apart_shared_words: int = Field(
        2,
        ge=1,
        description="NARRATIVES_KEEP_APART_SHARED_WORDS: how many published keywords two "
        "narratives must have in common to count as one story's sides and stay together: a "
        "story's sides share its name, where and what; two claims of one debate share its "
        "topic, one word. 1 = any shared keyword, the behaviour and params_version of the "
        "release before.",
    )
    anchor_by_members: bool = Field(
        True,
        description="NARRATIVES_ANCHOR_BY_MEMBERS: a narrative with at least a minimum "
        "cluster's worth of documents still in the window is matched to a slide's cluster "
        "through them (member overlap) only, never by centroid similarity alone: a "
        "neighbouring claim that bursts while the narrative's documents fall outside every "
        "cluster gets an id of its own instead of taking the narrative's.",
    )
    merge_min_similarity: float = Field(
        0.0,
        ge=0,
        le=1,
        description="NARRATIVES_MERGE_MIN_SIMILARITY: a narrative whose documents fell into "
        "another's cluster is merged into it only if their centroids are at least this "
        "cosine-similar; otherwise it waits (and may be matched again, or fade).",
    )
    story_min_similarity: float = Field(
        0.25,
        gt=0,
        le=1,
        description="NARRATIVES_STORY_MIN_SIMILARITY: live narratives at least this similar on "
        "average (average linkage; similarity blends centroid cosine and keyword-profile "
        "cosine, see NARRATIVES_STORY_KEYWORD_WEIGHT, damped when their activity does not "
        "overlap in time, see NARRATIVES_STORY_TIME_WEIGHT) are grouped under one story_id; "
        "1 = every narrative its own story.",
    )
    story_keyword_weight: float = Field(
        0.5,
        ge=0,
        le=1,
        description="NARRATIVES_STORY_KEYWORD_WEIGHT: weight of the keyword-profile cosine "
        "(class-based TF-IDF over the live narratives) in story similarity; the centroid "
        "cosine gets the rest. 0 = centroids only.",
    )
    story_time_weight: float = Field(
        0.5,
        ge=0,
        le=1,
        description="NARRATIVES_STORY_TIME_WEIGHT: share of story similarity that rests on "
        "two narratives being active in the same slides (cosine of their per-slide document "
        "counts in the window); narratives never active together keep 1 - w of their "
        "similarity. Keeps two stories of one kind that overlap in a window (one flood's "
        "tail, the next one's onset) apart. 0 = time ignored.",
    )
    story_stay_ratio: float = Field(
        0.6,
        gt=0,
        le=1,
        description="NARRATIVES_STORY_STAY_RATIO: narratives that shared a story in the "
        "previous slide stay in it until their similarity falls below this share of "
        "NARRATIVES_STORY_MIN_SIMILARITY (hysteresis: a story does not flicker between one "
        "and several ids as its narratives hover around the cut). 1 = no hysteresis.",
    )
    story_term_prefix: int = Field(
        5,
        ge=0,
        description="NARRATIVES_STORY_TERM_PREFIX: story keyword profiles count each word by "
        "its accent-folded first N characters (a language-neutral stemmer), so a story's "
        "words agree across inflections and spellings (terremoto / terremoti, mégantic / "
        "megantic); 0 = whole words. Published keywords are always whole words.",
    )
    lone_story: bool = Field(
        True,
        description="NARRATIVES_LONE_STORY: a slide whose clustering found nothing is searched "
        "for one story reaching as far as nine in ten members of the stream's typical "
        "narrative (streams/lone.py); HDBSCAN "
        "alone never reports a window that holds a single story.",
    )
    lone_cold_start: bool = Field(
        True,
        description="NARRATIVES_LONE_COLD_START: until a slide has found clusters (no "
        "typical narrative yet), a slide that found none asks HDBSCAN, allowed a single "
        "cluster, for the scale of its one story and searches at it, once the proposal beats "
        "19 column-shuffled copies of the window (streams/lone.py); false waits for the first "
        "clustered slide.",
    )
    attach_noise: bool = Field(
        True,
        description="NARRATIVES_ATTACH_NOISE: report the window documents that clustering left "
        "as noise but that lie inside a narrative's extent as its attached_ids "
        "(streams/attach.py). Never changes narratives or their ids.",
    )
    attach_fence: float = Field(
        3.0,
        ge=0,
        description="NARRATIVES_ATTACH_FENCE: a noise document is attached to its nearest "
        "narrative when at least as close to the centroid as the narrative's least similar "
        "member, but members below Q1 - fence x IQR of the members' cosines are strays that "
        "do not widen that radius (3 = Tukey's far-out fence).",
    )
    attach_keyword_terms: int = Field(
        2,
        ge=0,
        description="NARRATIVES_ATTACH_KEYWORD_TERMS: a noise document outside every extent is "
        "attached to its nearest narrative when it uses at least this many of that narrative's "
        "top keywords, more than of any other's (words and meaning agree); 0 = off.",
    )
    attach_extent_terms: int = Field(
        1,
        ge=0,
        description="NARRATIVES_ATTACH_EXTENT_TERMS: a noise document inside a narrative's "
        "extent is attached to it only when it uses at least this many of the narrative's top "
        "keywords (a link with 'GOOD!' lies near a claim in meaning but names nothing of it); "
        "0 = meaning alone decides.",
    )
    report_at_home: bool = Field(
        True,
        description="NARRATIVES_REPORT_AT_HOME: list each document on the narrative that has "
        "held it in most slides (streams/home.py), not on whichever cluster the latest slide "
        "put it in; the others count it in elsewhere_size. Never changes narratives or ids.",
    )
    assignment_level: Literal["story", "narrative"] = Field(
        "story",
        description="NARRATIVES_ASSIGNMENT_LEVEL: what replay/eval assignments name for each "
        "document: its story_id (story) or its narrative_id (narrative).",
    )
    max_text_chars: int = Field(
        2000, ge=100, description="NARRATIVES_MAX_TEXT_CHARS: normalised text length cap."
    )
    # -- amplification and alerts (streams/amplification.py, streams/alerts.py) ----------------
    amplification_min_similarity: float = Field(
        0.7,
        gt=0,
        le=1,
        description="NARRATIVES_AMPLIFICATION_MIN_SIMILARITY: word-3-shingle Jaccard at which "
        "two posts are near-identical.",
    )
    amplification_span_s: float = Field(
        900.0,
        gt=0,
        description="NARRATIVES_AMPLIFICATION_SPAN_S: near-identical posts further apart than "
        "this (consecutively) are not one coordinated group.",
    )
    amplification_min_authors: int = Field(
        3,
        ge=2,
        description="NARRATIVES_AMPLIFICATION_MIN_AUTHORS: distinct known authors a group needs.",
    )
    alerts_enabled: bool = Field(
        True, description="NARRATIVES_ALERTS_ENABLED: raise and publish emerging-narrative alerts."
    )
    alert_min_size: int = Field(
        20, ge=1, description="NARRATIVES_ALERT_MIN_SIZE: gate: members in the window."
    )
    alert_min_sources: int = Field(
        1, ge=1, description="NARRATIVES_ALERT_MIN_SOURCES: gate: distinct sources."
    )
    alert_min_kinds: int = Field(
        1, ge=1, description="NARRATIVES_ALERT_MIN_KINDS: gate: distinct kinds (posts, articles)."
    )
    alert_min_langs: int = Field(
        1, ge=1, description="NARRATIVES_ALERT_MIN_LANGS: gate: distinct languages."
    )
    alert_on_emergence: bool = Field(
        True,
        description="NARRATIVES_ALERT_ON_EMERGENCE: alert once when a narrative first passes "
        "the gates (reason emerged).",
    )
    alert_min_burst_score: float = Field(
        4.0, description="NARRATIVES_ALERT_MIN_BURST_SCORE: trigger: burst score."
    )
    alert_min_velocity_per_h: float = Field(
        20.0,
        description="NARRATIVES_ALERT_MIN_VELOCITY_PER_H: trigger: rise of the arrivals "
        "per hour over the previous slide.",
    )
    alert_min_amplification_share: float = Field(
        0.3,
        ge=0,
        le=1,
        description="NARRATIVES_ALERT_MIN_AMPLIFICATION_SHARE: trigger: share of members in "
        "coordinated groups.",
    )
    alert_cooldown_s: float = Field(
        6 * 3600.0,
        ge=0,
        description="NARRATIVES_ALERT_COOLDOWN_S: event time before a narrative may alert again.",
    )
    alert_per_story: bool = Field(
        True,
        description="NARRATIVES_ALERT_PER_STORY: a narrative whose story alerted within the "
        "cool-down does not alert for merely emerging (its surges still do).",
    )

    @cached_property
    def detector_params(self) -> DetectorParams:
        """The pure core's parameters (the core never reads the environment itself)."""
        return DetectorParams(
            window=WindowConfig(
                length_s=self.window_length_s,
                slide_s=self.window_slide_s,
                allowed_lateness_s=self.allowed_lateness_s,
                max_docs=self.window_max_docs,
            ),
            hdbscan=HdbscanParams(
                min_cluster_size=self.min_cluster_size,
                min_cluster_share=self.min_cluster_share,
                min_samples=self.min_samples,
                pca_dim=self.pca_dim,
                cluster_selection_method=self.cluster_selection_method,
                cluster_selection_epsilon=self.cluster_selection_epsilon,
                cap_copies=self.cap_copies,
            ),
            lexical=LexicalConfig(weight=self.lexical_weight, dim=self.lexical_dim),
            time_view=TimeViewConfig(weight=self.time_weight),
            incremental=IncrementalParams(
                whole_max=self.cluster_whole_max,
                max_points=self.cluster_max_points,
                accept_quantile=self.cluster_accept_quantile,
            ),
            # A narrative survives at least three missed slides, whatever the slide length.
            tracker=TrackerConfig(
                fade_after_s=max(self.fade_after_s, 3 * self.window_slide_s),
                merge_similarity=self.merge_min_similarity,
                resume_absorbed=self.resume_absorbed,
                keep_apart=self.keep_apart,
                keep_apart_by_words=self.keep_apart_by_words,
                keep_apart_shared_words=self.keep_apart_shared_words,
                anchor_by_members=self.anchor_by_members,
                resume_faded=self.resume_faded,
                overlap_floor=self.min_cluster_size,
            ),
            story=StoryConfig(
                min_similarity=self.story_min_similarity,
                keyword_weight=self.story_keyword_weight,
                time_weight=self.story_time_weight,
                stay_ratio=self.story_stay_ratio,
                term_prefix=self.story_term_prefix,
            ),
            attach=AttachConfig(
                enabled=self.attach_noise,
                fence=self.attach_fence,
                keyword_terms=self.attach_keyword_terms,
                extent_terms=self.attach_extent_terms,
            ),
            home=HomeConfig(enabled=self.report_at_home),
            lone=LoneConfig(
                enabled=self.lone_story,
                max_rows=self.cluster_max_points,
                cold_start=self.lone_cold_start,
            ),
            describe=DescribeConfig(),
            events=EventConfig(
                update_min_new=self.update_min_new,
                update_min_growth=self.update_min_growth,
                update_counts_attached=self.update_counts_attached,
                list_held_at_end=self.list_held_at_end,
            ),
            normalise=NormaliseConfig(max_chars=self.max_text_chars),
            amplification=AmplificationConfig(
                min_similarity=self.amplification_min_similarity,
                span_s=self.amplification_span_s,
                min_authors=self.amplification_min_authors,
            ),
        )

    @cached_property
    def alert_policy(self) -> AlertPolicy:
        """Thresholds and cool-down of emerging-narrative alerts (not part of params_version:
        changing them changes alerts, never events)."""
        return AlertPolicy(
            enabled=self.alerts_enabled,
            min_size=self.alert_min_size,
            min_sources=self.alert_min_sources,
            min_kinds=self.alert_min_kinds,
            min_langs=self.alert_min_langs,
            on_emergence=self.alert_on_emergence,
            min_burst_score=self.alert_min_burst_score,
            min_velocity_per_h=self.alert_min_velocity_per_h,
            min_amplification_share=self.alert_min_amplification_share,
            cooldown_s=self.alert_cooldown_s,
            per_story=self.alert_per_story,
        )

    @property
    def language_candidates(self) -> list[str]:
        return [code.strip() for code in self.languages.split(",") if code.strip()]

    def kafka_python_config(self) -> dict[str, object]:
        """Connection settings for kafka-python clients (CLI producer, tail, tests)."""
        config: dict[str, object] = {
            "bootstrap_servers": self.broker.split(","),
            "security_protocol": self.security_protocol,
        }
        if self.security_protocol in ("SSL", "SASL_SSL"):
            config.update(
                ssl_cafile=self.ssl_cafile,
                ssl_certfile=self.ssl_certfile,
                ssl_keyfile=self.ssl_keyfile,
            )
        if self.security_protocol.startswith("SASL"):
            config.update(
                sasl_mechanism=self.sasl_mechanism,
                sasl_plain_username=self.sasl_username,
                sasl_plain_password=(
                    self.sasl_password.get_secret_value() if self.sasl_password else None
                ),
            )
        return config

    def public_view(self) -> dict[str, object]:
        """Settings as a dict safe to log or print: secrets stay masked."""
        return {k: (str(v) if isinstance(v, SecretStr) else v) for k, v in self}
