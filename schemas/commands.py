"""Curation commands: how analysts correct the detector, on the `narratives.commands` topic.

Every command is typed, versioned and carries who issued it, when and why, so that the audit
log can answer "why does this narrative look like this?" and a replay can reapply the same
corrections. Commands are keyed by `command_id` on the topic; the detector applies a command
id at most once, so redelivery and replays are harmless.

`issued_at` is *event time*: the detector applies a command when it closes the first slide
ending at or after it (or at the next slide, when that slide is already closed), so a
replay applies it to the same slide as the live run did.
"""

from __future__ import annotations

from typing import Annotated, Literal

from pydantic import BaseModel, ConfigDict, Field, TypeAdapter

#: Semantic version of the command contract. Minor versions only add optional fields.
COMMAND_SCHEMA_VERSION = "1.0"

CommandType = Literal["rename", "merge", "split", "pin", "suppress", "link"]

_NarrativeId = Annotated[str, Field(min_length=1, max_length=200)]


class _Command(BaseModel):
    model_config = ConfigDict(frozen=True, extra="forbid")

    schema_version: str = Field(default=COMMAND_SCHEMA_VERSION, pattern=r"^1\.\d+$")
    command_id: str = Field(
        min_length=1, max_length=200, description="Unique id; the topic key and idempotency key."
    )
    issued_at: str = Field(
        description="Event time the command takes effect from, RFC 3339 with a zone.",
        pattern=r"^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}(\.\d+)?(Z|[+-]\d{2}:\d{2})$",
    )
    author: str = Field(min_length=1, max_length=200, description="Who issued the command.")
    reason: str = Field(min_length=1, max_length=2000, description="Why, for the audit log.")


class RenameCommand(_Command):
    """Give a narrative a human label; it keeps the label however its keywords drift."""

    type: Literal["rename"] = "rename"
    narrative_id: _NarrativeId
    label: str = Field(min_length=1, max_length=200)


class MergeCommand(_Command):
    """These narratives are one: the first id survives and absorbs the others, for good."""

    type: Literal["merge"] = "merge"
    narrative_ids: list[_NarrativeId] = Field(min_length=2, max_length=50)


class SplitCommand(_Command):
    """These member documents form a separate narrative, and stay separate."""

    type: Literal["split"] = "split"
    narrative_id: _NarrativeId
    member_ids: list[str] = Field(min_length=1, max_length=100_000)


class PinCommand(_Command):
    """Keep a narrative alive (it never fades) or, with `pinned: false`, release it."""

    type: Literal["pin"] = "pin"
    narrative_id: _NarrativeId
    pinned: bool = True


class SuppressCommand(_Command):
    """Not a narrative (spam, noise): stop emitting its events, or resume with `false`."""

    type: Literal["suppress"] = "suppress"
    narrative_id: _NarrativeId
    suppressed: bool = True


class LinkCommand(_Command):
    """Place a narrative under a story id of the analyst's choosing, overriding grouping."""

    type: Literal["link"] = "link"
    narrative_id: _NarrativeId
    story_id: str = Field(min_length=1, max_length=200)


CurationCommand = Annotated[
    RenameCommand | MergeCommand | SplitCommand | PinCommand | SuppressCommand | LinkCommand,
    Field(discriminator="type"),
]

#: Parses and validates any command from JSON (`COMMANDS.validate_json(raw)`).
COMMANDS: TypeAdapter[CurationCommand] = TypeAdapter(CurationCommand)


class CommandRef(BaseModel):
    """Which command caused an event: carried by the events a command produces."""

    model_config = ConfigDict(frozen=True, extra="forbid")

    command_id: str
    type: CommandType
    author: str
