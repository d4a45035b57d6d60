"""Is a new version of a contract's JSON Schema compatible with a released one?

The rules are docs/schema-evolution.md's: within a major version, a contract may only gain
optional fields and enum values (and change its annotations); everything else — removing or
renaming a field, making a field required or no longer required, changing a type, a bound,
a pattern, a format, a constant or a default, closing an object to unknown fields — needs a
new major version. A released version never changes at all.

Why a structural check of the schema files rather than sample data alone: samples only show
the cases someone thought of, while the schema is the whole promise; the tests run both.
The checker understands what `pydantic` emits (local `$ref`s into `$defs`, `anyOf` with
`null` for optional values, discriminated `oneOf`), and says "changed" for what it does not
understand, so an unfamiliar construct fails safe.

    python -m schemas.compat RELEASED.schema.json CURRENT.schema.json   # exit 1 if breaking
"""

from __future__ import annotations

import json
import sys
from collections.abc import Iterator
from pathlib import Path
from typing import Any

Schema = dict[str, Any]

#: Keywords that document but do not constrain: free to change, even in a released version.
ANNOTATIONS = frozenset({"title", "description", "examples", "$comment"})
#: Bounds a new version may not move, in either direction.
BOUNDS = (
    "minimum",
    "exclusiveMinimum",
    "maximum",
    "exclusiveMaximum",
    "multipleOf",
    "minLength",
    "maxLength",
    "minItems",
    "maxItems",
    "minProperties",
    "maxProperties",
    "uniqueItems",
)
#: Value rules a new version may not change.
EXACT = ("pattern", "format", "const", "contentEncoding", "contentMediaType")
#: Compared by hand below; anything else a schema says is compared for equality.
HANDLED = frozenset(
    {*ANNOTATIONS, *BOUNDS, *EXACT}
    | {"$schema", "$id", "$defs", "$ref", "x-version", "type", "enum", "default"}
    | {"properties", "required", "additionalProperties", "items", "anyOf", "oneOf"}
    | {"discriminator"}
)
JSON_TYPES = ("array", "boolean", "integer", "null", "number", "object", "string")


def version_of(schema: Schema) -> tuple[int, int]:
    """(major, minor) from the schema's `x-version`."""
    major, minor = str(schema["x-version"]).split(".")[:2]
    return int(major), int(minor)


def strip_annotations(node: Any) -> Any:
    """The schema without annotation keywords: what it constrains, and nothing else."""
    if isinstance(node, dict):
        out: dict[str, Any] = {}
        for key, value in node.items():
            if key in ("properties", "$defs", "patternProperties"):
                out[key] = {name: strip_annotations(sub) for name, sub in value.items()}
            elif key not in ANNOTATIONS:
                out[key] = strip_annotations(value)
        return out
    if isinstance(node, list):
        return [strip_annotations(item) for item in node]
    return node


class _Comparison:
    """One walk over a released schema (`old`) and a candidate (`new`), collecting problems."""

    def __init__(self, old_root: Schema, new_root: Schema) -> None:
        self.old_root = old_root
        self.new_root = new_root
        self.problems: list[str] = []
        self._seen: set[tuple[str, str]] = set()

    def _resolve(self, root: Schema, node: Schema) -> Schema:
        while "$ref" in node:
            ref = node["$ref"]
            if not ref.startswith("#/"):
                raise ValueError(f"only local $refs are supported, got {ref!r}")
            target: Any = root
            for part in ref[2:].split("/"):
                target = target[part.replace("~1", "/").replace("~0", "~")]
            extra = {k: v for k, v in node.items() if k != "$ref" and k not in ANNOTATIONS}
            node = {**target, **extra}
        return node

    def _types(self, root: Schema, node: Schema) -> frozenset[str] | None:
        """The JSON types a schema admits; None when it admits any."""
        node = self._resolve(root, node)
        if "type" in node:
            declared = node["type"]
            return frozenset([declared] if isinstance(declared, str) else declared)
        for combinator in ("anyOf", "oneOf"):
            if combinator in node:
                branches = [self._types(root, branch) for branch in node[combinator]]
                if any(b is None for b in branches):
                    return None
                return frozenset().union(*(b for b in branches if b is not None))
        values = [node["const"]] if "const" in node else node.get("enum")
        if values is not None:
            return frozenset(_json_type(v) for v in values)
        return None

    def add(self, path: str, what: str) -> None:
        self.problems.append(f"{path or '/'}: {what}")

    def compare(self, old: Schema, new: Schema, path: str) -> None:
        if "$ref" in old and "$ref" in new:  # each pair of definitions once (and no cycles)
            pair = (old["$ref"], new["$ref"])
            if pair in self._seen:
                return
            self._seen.add(pair)
        old = self._resolve(self.old_root, old)
        new = self._resolve(self.new_root, new)

        old_types = self._types(self.old_root, old)
        new_types = self._types(self.new_root, new)
        if old_types != new_types:
            self.add(path, f"type changed from {_show(old_types)} to {_show(new_types)}")
            return
        self._values(old, new, path)
        self._combinators(old, new, path)
        if old_types is not None and "object" in old_types:
            self._object(old, new, path)
        if old_types is not None and "array" in old_types:
            self._array(old, new, path)
        for key in sorted((set(old) | set(new)) - HANDLED):
            if old.get(key) != new.get(key):
                self.add(path, f"{key!r} changed (not a change this checker can prove safe)")

    def _values(self, old: Schema, new: Schema, path: str) -> None:
        if "enum" in old or "enum" in new:
            if "enum" not in old:
                self.add(path, f"now restricted to {new['enum']}")
            elif "enum" not in new:
                pass  # any value of the type: a growth of the enum to everything
            else:
                removed = [v for v in old["enum"] if v not in new["enum"]]
                if removed:
                    self.add(path, f"enum values removed: {removed}")
        for key in (*BOUNDS, *EXACT):
            if old.get(key) != new.get(key):
                self.add(path, f"{key} changed from {old.get(key)!r} to {new.get(key)!r}")
        if old.get("default") != new.get("default") and not path.endswith("/schema_version"):
            self.add(path, f"default changed from {old.get('default')!r} to {new.get('default')!r}")

    def _combinators(self, old: Schema, new: Schema, path: str) -> None:
        for combinator in ("anyOf", "oneOf"):
            if combinator not in old and combinator not in new:
                continue
            if combinator not in old or combinator not in new:
                self.add(path, f"{combinator} added or removed")
                continue
            if "discriminator" in old or "discriminator" in new:
                self._discriminated(old, new, f"{path}/{combinator}")
                continue
            # Pair branches by the types they admit (`X | None` is [X, null]); branches of
            # equal types pair in order.
            new_by_types: dict[frozenset[str] | None, list[Schema]] = {}
            for branch in new[combinator]:
                new_by_types.setdefault(self._types(self.new_root, branch), []).append(branch)
            for index, branch in enumerate(old[combinator]):
                candidates = new_by_types.get(self._types(self.old_root, branch), [])
                if not candidates:
                    self.add(f"{path}/{combinator}/{index}", "branch removed")
                    continue
                self.compare(branch, candidates.pop(0), f"{path}/{combinator}/{index}")
            for leftover in new_by_types.values():
                for _ in leftover:
                    self.add(path, f"{combinator} branch added")

    def _discriminated(self, old: Schema, new: Schema, path: str) -> None:
        """Tagged unions: every old tag is still there with a compatible branch; new tags may
        appear (a new kind of record, like a new enum value)."""
        old_d, new_d = old.get("discriminator", {}), new.get("discriminator", {})
        if old_d.get("propertyName") != new_d.get("propertyName"):
            self.add(path, "discriminator property changed")
            return
        old_map, new_map = old_d.get("mapping", {}), new_d.get("mapping", {})
        for tag, ref in old_map.items():
            if tag not in new_map:
                self.add(f"{path}[{tag}]", "tagged branch removed")
            else:
                self.compare({"$ref": ref}, {"$ref": new_map[tag]}, f"{path}[{tag}]")

    def _object(self, old: Schema, new: Schema, path: str) -> None:
        old_props: dict[str, Schema] = old.get("properties", {})
        new_props: dict[str, Schema] = new.get("properties", {})
        old_required, new_required = set(old.get("required", [])), set(new.get("required", []))
        for name in old_props:
            if name not in new_props:
                self.add(f"{path}/{name}", "field removed (or renamed)")
        for name in sorted(old_required - new_required):
            self.add(f"{path}/{name}", "no longer required (readers rely on it)")
        for name in sorted(new_required - old_required):
            self.add(f"{path}/{name}", "newly required (records of the old version lack it)")
        for name, schema in old_props.items():
            if name in new_props:
                self.compare(schema, new_props[name], f"{path}/{name}")
        old_extra = old.get("additionalProperties", True)
        new_extra = new.get("additionalProperties", True)
        if new_extra is False and old_extra is not False:
            self.add(path, "closed to unknown fields")
        elif isinstance(old_extra, dict) and isinstance(new_extra, dict):
            self.compare(old_extra, new_extra, f"{path}/*")
        elif isinstance(new_extra, dict) and old_extra is True:
            self.add(path, "unknown fields now constrained")
        # old False -> new open: writers of the old version never sent unknown fields, so
        # nothing they wrote is refused; readers ignore what they do not know.

    def _array(self, old: Schema, new: Schema, path: str) -> None:
        old_items, new_items = old.get("items"), new.get("items")
        if isinstance(old_items, dict) and isinstance(new_items, dict):
            self.compare(old_items, new_items, f"{path}/[]")
        elif old_items != new_items:
            self.add(path, "items changed")


def _json_type(value: Any) -> str:
    if value is None:
        return "null"
    if isinstance(value, bool):
        return "boolean"
    if isinstance(value, int):
        return "integer"
    if isinstance(value, float):
        return "number"
    if isinstance(value, str):
        return "string"
    return "array" if isinstance(value, list) else "object"


def _show(types: frozenset[str] | None) -> str:
    return "any" if types is None else "|".join(sorted(types))


def breaking_changes(old: Schema, new: Schema) -> list[str]:
    """Every difference from `old` to `new` that a minor version may not make, as 'path: what'.

    Empty means: a record valid under `old` is valid under `new` (new readers read old
    records), and a record valid under `new`, with the fields `old` does not know dropped, is
    valid under `old` apart from enum values added since (old readers read new records).
    """
    comparison = _Comparison(old, new)
    comparison.compare(old, new, "")
    return comparison.problems


def evolution_problems(released: Schema, current: Schema) -> list[str]:
    """What is wrong with `current` as a successor of the `released` version of a contract."""
    old_version, new_version = version_of(released), version_of(current)
    if new_version < old_version:
        return [f"version went back from {released['x-version']} to {current['x-version']}"]
    if new_version[0] > old_version[0]:
        return []  # a new major version may break anything; consumers check the major
    problems = []
    if released.get("$id") != current.get("$id"):
        problems.append(f"$id changed within major {new_version[0]}: {current.get('$id')}")
    if new_version == old_version and strip_annotations(released) != strip_annotations(current):
        problems.append(
            f"released version {current['x-version']} changed: bump the minor version (and "
            "keep the change compatible) or the major version"
        )
    return problems + breaking_changes(released, current)


def project(instance: Any, schema: Schema, root: Schema | None = None) -> Any:
    """`instance` with every field `schema` does not declare dropped, at any depth.

    This is what a reader of an older version does with a newer record ("ignore unknown
    fields"), so the tests check that the result is a valid record of the older version.
    """
    root = schema if root is None else root
    comparison = _Comparison(root, root)
    schema = comparison._resolve(root, schema)
    if isinstance(instance, dict) and "properties" in schema:
        extra = schema.get("additionalProperties", True)
        out: dict[str, Any] = {}
        for key, value in instance.items():
            if key in schema["properties"]:
                out[key] = project(value, schema["properties"][key], root)
            elif extra is not False:
                out[key] = value
        return out
    if isinstance(instance, dict) and isinstance(schema.get("additionalProperties"), dict):
        sub = schema["additionalProperties"]
        return {key: project(value, sub, root) for key, value in instance.items()}
    if isinstance(instance, list) and isinstance(schema.get("items"), dict):
        return [project(item, schema["items"], root) for item in instance]
    tag = schema.get("discriminator", {}).get("propertyName")
    if isinstance(instance, dict) and tag in instance:
        ref = schema["discriminator"].get("mapping", {}).get(instance[tag])
        if ref is not None:
            return project(instance, {"$ref": ref}, root)
    for combinator in ("anyOf", "oneOf"):
        for branch in schema.get(combinator, []):
            types = comparison._types(root, branch)
            if (
                types is None
                or _json_type(instance) in types
                or (_json_type(instance) == "integer" and "number" in types)
            ):
                return project(instance, branch, root)
    return instance


def iter_frozen(directory: Path) -> Iterator[tuple[str, str, Path]]:
    """(contract name, version, path) of every `NAME-MAJOR.MINOR.schema.json` in `directory`."""
    for path in sorted(directory.glob("*.schema.json")):
        stem = path.name.removesuffix(".schema.json")
        name, _, version = stem.rpartition("-")
        yield name, version, path


def main(argv: list[str]) -> int:
    if len(argv) != 2:
        print("usage: python -m schemas.compat RELEASED.schema.json CURRENT.schema.json")
        return 2
    released, current = (json.loads(Path(p).read_text(encoding="utf-8")) for p in argv)
    problems = evolution_problems(released, current)
    for problem in problems:
        print(problem)
    if not problems:
        print(f"{current['x-version']} is compatible with {released['x-version']}")
    return 1 if problems else 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
