"""Decoding raw Kafka values (or JSONL lines) into validated input records.

Every failure is turned into a `DecodeError` with one reason from a bounded set, so the
agents can route it to the dead-letter topic and count it by reason, and a hostile or broken
record never raises anything else.
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from typing import Any, Literal

from pydantic import ValidationError

from schemas.commands import COMMANDS, CurationCommand
from schemas.dead_letter import DeadLetter, Reason
from schemas.records import Article, InputRecord, Post

#: Records larger than this are refused before parsing (Kafka's default max is 1 MiB).
DEFAULT_MAX_RECORD_BYTES = 1_048_576
RAW_PREVIEW_BYTES = 4096

Kind = Literal["article", "post"]


@dataclass(frozen=True, slots=True)
class DecodeError(Exception):
    """A record that cannot enter the detector, with a reason from `schemas.dead_letter`."""

    reason: Reason
    message: str
    doc_id: str | None = None

    def __str__(self) -> str:
        return f"{self.reason}: {self.message}"


def _reason_for(error: ValidationError) -> tuple[Reason, str]:
    first = error.errors(include_url=False)[0]
    where = ".".join(str(part) for part in first.get("loc", ())) or "record"
    kind = first.get("type", "")
    msg = first.get("msg", "invalid")
    if kind == "missing":
        return "missing_field", f"field {where!r} is required"
    if where == "schema_version":
        return "unsupported_schema_version", f"{where}: {msg}"
    if where == "published_at" or kind.startswith(("datetime", "timezone")):
        return "bad_timestamp", (
            f"field 'published_at': {msg}; send RFC 3339 with an offset, e.g. 2023-05-11T18:04:05Z"
        )
    if kind in {"string_too_short"} and where in {"text", "id"}:
        return "empty_text" if where == "text" else "invalid_value", f"field {where!r} is empty"
    if kind.endswith("_type") or kind in {"string_type", "int_type", "dict_type"}:
        return "wrong_type", f"field {where!r}: {msg}"
    if "non-empty text" in msg:
        return "empty_text", msg.removeprefix("Value error, ")
    return "invalid_value", f"field {where!r}: {msg}"


def _load_object(raw: bytes | str, max_bytes: int) -> dict[str, Any]:
    """Size, UTF-8 and JSON-object checks shared by every input contract."""
    size = len(raw.encode("utf-8", "surrogatepass") if isinstance(raw, str) else raw)
    if size > max_bytes:
        raise DecodeError(
            "too_large",
            f"record is {size} bytes, over the {max_bytes}-byte limit; "
            "truncate the text at the producer or raise NARRATIVES_MAX_RECORD_BYTES",
        )
    if isinstance(raw, bytes):
        try:
            text = raw.decode("utf-8")
        except UnicodeDecodeError as exc:
            raise DecodeError(
                "invalid_utf8", f"record is not valid UTF-8 at byte {exc.start}; encode as UTF-8"
            ) from None
    else:
        text = raw
    try:
        data: Any = json.loads(text)
    except (ValueError, RecursionError) as exc:
        # ValueError beyond JSONDecodeError: an integer literal over Python's digit limit.
        if isinstance(exc, json.JSONDecodeError):
            detail = exc.msg
        elif isinstance(exc, RecursionError):
            detail = "nesting too deep"
        else:
            detail = "a number is too long"
        raise DecodeError(
            "not_json", f"record is not JSON ({detail}); send one JSON object"
        ) from None
    if not isinstance(data, dict):
        raise DecodeError("not_an_object", f"record is a JSON {type(data).__name__}, not an object")
    return data


def decode_command(raw: bytes | str, *, max_bytes: int = 1024 * 1024) -> CurationCommand:
    """Parse and validate one curation command. Raises `DecodeError` and nothing else."""
    data = _load_object(raw, max_bytes)
    cid = data.get("command_id") if isinstance(data.get("command_id"), str) else None
    try:
        return COMMANDS.validate_python(data)
    except ValidationError as exc:
        reason, message = _reason_for(exc)
        if "tag" in exc.errors(include_url=False)[0].get("type", ""):
            reason = "invalid_value"
            message = "field 'type' must be one of rename, merge, split, pin, suppress, link"
        raise DecodeError(reason, message, cid) from None
    except (RecursionError, ValueError, TypeError) as exc:  # defensive: never escape
        raise DecodeError("invalid_value", f"command could not be validated: {exc}", cid) from None


def decode_record(
    raw: bytes | str,
    default_kind: Kind,
    *,
    max_bytes: int = DEFAULT_MAX_RECORD_BYTES,
) -> InputRecord:
    """Parse and validate one record.

    `default_kind` is the kind implied by the topic (`articles` → article, `posts` → post);
    a record's own `kind` field wins. Raises `DecodeError` and nothing else.
    """
    data = _load_object(raw, max_bytes)
    doc_id = data.get("id") if isinstance(data.get("id"), str) else None
    kind = data.get("kind", default_kind)
    if kind not in ("article", "post"):
        raise DecodeError(
            "invalid_value", f"field 'kind' is {kind!r}; expected 'article' or 'post'", doc_id
        )
    model: type[Article] | type[Post] = Article if kind == "article" else Post
    try:
        return model.model_validate(data)
    except ValidationError as exc:
        reason, message = _reason_for(exc)
        raise DecodeError(reason, message, doc_id) from None
    except (RecursionError, ValueError, TypeError) as exc:  # defensive: never escape
        raise DecodeError(
            "invalid_value", f"record could not be validated: {exc}", doc_id
        ) from None


def dead_letter(
    raw: bytes | str,
    error: DecodeError,
    *,
    topic: str,
    partition: int | None = None,
    offset: int | None = None,
) -> DeadLetter:
    """Build the DLQ record for a refused input."""
    data = raw if isinstance(raw, bytes) else raw.encode("utf-8", "surrogatepass")
    return DeadLetter(
        reason=error.reason,
        error=error.message,
        topic=topic,
        partition=partition,
        offset=offset,
        doc_id=error.doc_id,
        raw=data[:RAW_PREVIEW_BYTES].decode("utf-8", "replace"),
        raw_bytes=len(data),
    )
