"""Input contracts: the `Article` and `Post` records producers write to `articles` and `posts`.

Why pydantic: one declaration gives validation with precise, per-field error messages (which
become dead-letter reasons) and the JSON Schema that producers in other languages validate
against. Unknown fields are ignored so that producers may send richer records (the shared
evaluation streams carry labels and provenance) without breaking the contract.
"""

from __future__ import annotations

from datetime import datetime
from typing import Annotated, Literal

from pydantic import (
    AwareDatetime,
    BaseModel,
    ConfigDict,
    Field,
    StringConstraints,
    field_validator,
    model_validator,
)

#: Major version of the input contract this build accepts. A record may carry
#: ``schema_version`` "1" or "1.x"; any other major version is rejected to the DLQ.
INPUT_SCHEMA_VERSION = "1.0"

DocId = Annotated[str, StringConstraints(min_length=1, max_length=512, strip_whitespace=True)]
ShortStr = Annotated[str, StringConstraints(max_length=2048)]
LangCode = Annotated[str, StringConstraints(pattern=r"^[A-Za-z]{2,3}([-_][A-Za-z0-9]{2,8})*$")]


class _RecordBase(BaseModel):
    """Fields shared by articles and posts."""

    model_config = ConfigDict(extra="ignore", frozen=True, str_strip_whitespace=False)

    schema_version: str | None = Field(
        default=None,
        description='Contract version the producer wrote, "1" or "1.x". Absent means 1.',
    )
    id: DocId = Field(description="Producer-unique document id; duplicates are de-duplicated.")
    published_at: AwareDatetime = Field(
        description="Event time, RFC 3339 with an offset (e.g. 2023-05-11T18:04:05Z)."
    )
    source: ShortStr | None = Field(default=None, description="Site or platform, e.g. twitter.")
    url: ShortStr | None = Field(default=None, description="Canonical URL of the document.")
    author: ShortStr | None = Field(default=None, description="Author name or handle.")
    lang: LangCode | None = Field(
        default=None, description="ISO 639-1/-3 language code; detected when absent."
    )

    @field_validator("published_at", mode="before")
    @classmethod
    def _rfc3339_string(cls, value: object) -> object:
        # pydantic would read numbers as epoch seconds *or* milliseconds by magnitude; the
        # contract says RFC 3339, and guessing units is how events land in 1970 or 2500.
        if not isinstance(value, str):
            raise ValueError(f"must be an RFC 3339 string, got {type(value).__name__}")
        return value

    @field_validator("schema_version")
    @classmethod
    def _known_major(cls, value: str | None) -> str | None:
        if value is None:
            return value
        major = value.split(".", 1)[0]
        if major != INPUT_SCHEMA_VERSION.split(".", 1)[0]:
            raise ValueError(
                f"unsupported schema_version {value!r}: this detector reads version "
                f"{INPUT_SCHEMA_VERSION.split('.')[0]}.x; "
                "upgrade the detector or downgrade the producer"
            )
        return value


class Post(_RecordBase):
    """A social post (tweet, Telegram message, Facebook post...)."""

    kind: Literal["post"] = "post"
    text: str = Field(min_length=1, description="Post text as collected.")


class Article(_RecordBase):
    """A news article: either `text`, or `title` and/or `body`."""

    kind: Literal["article"] = "article"
    text: str | None = Field(default=None, description="Full text, when not split in parts.")
    title: str | None = Field(default=None, description="Headline.")
    body: str | None = Field(default=None, description="Article body.")

    @model_validator(mode="after")
    def _has_text(self) -> Article:
        if not any(part and part.strip() for part in (self.text, self.title, self.body)):
            raise ValueError("an article needs a non-empty text, title or body")
        return self

    def full_text(self) -> str:
        """Title and body joined, the way the embedder should read an article."""
        if self.text and self.text.strip():
            return self.text
        return "\n".join(part for part in (self.title, self.body) if part and part.strip())


InputRecord = Article | Post


def published_epoch(record: InputRecord) -> float:
    """Event time of a record as UTC epoch seconds (what the pure core works with)."""
    stamp: datetime = record.published_at
    return stamp.timestamp()
