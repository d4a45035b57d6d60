"""Wire contracts of narrative-detector: input records, narrative events, dead letters.

The JSON Schema files under `schemas/json/` are generated from these models by
`python -m schemas.export` and kept in sync by a test, so consumers in any language can
validate what they read.
"""

from schemas.codec import DecodeError, dead_letter, decode_record
from schemas.dead_letter import DeadLetter
from schemas.events import EVENT_SCHEMA_VERSION, NarrativeEvent
from schemas.records import INPUT_SCHEMA_VERSION, Article, InputRecord, Post

__all__ = [
    "EVENT_SCHEMA_VERSION",
    "INPUT_SCHEMA_VERSION",
    "Article",
    "DeadLetter",
    "DecodeError",
    "InputRecord",
    "NarrativeEvent",
    "Post",
    "dead_letter",
    "decode_record",
]
