"""schemas/asyncapi.yaml describes every topic, stays in sync, and the real AsyncAPI CLI accepts it.

- sync: the committed file is what `schemas.asyncapi.render()` makes today;
- coverage: every `schemas/json/*.schema.json` file is the payload of a channel, and every
  `*_topic` setting is a channel whose address is the setting's default — so a new contract or
  topic cannot ship undocumented;
- the payload schemas stay within the keywords Draft 07 and Draft 2020-12 read alike, which is
  what makes the parser's Draft 07 check of them meaningful;
- `asyncapi validate` (the pinned @asyncapi/cli from deploy/asyncapi/, run through
  deploy/asyncapi/asyncapi.sh, which installs it on first use) accepts the document, and
  refuses a copy with a broken payload schema, so the check is not hollow. Without Node.js or
  npm these skip locally; under CI (CI set) they fail instead, because CI must run them.
"""

from __future__ import annotations

import json
import os
import shutil
import subprocess
from pathlib import Path
from typing import Any

import pytest
import yaml

from agents.settings import Settings
from schemas import asyncapi
from schemas.export import JSON_DIR

ROOT = Path(__file__).resolve().parents[3]
SCRIPT = ROOT / "deploy" / "asyncapi" / "asyncapi.sh"

# Keywords added after Draft 07 (2019-09 and 2020-12): a Draft 07 reader ignores them, so a
# payload schema using one would be checked less than it says. `$defs` is not here: `$ref`
# reaches it by JSON pointer in both drafts.
POST_DRAFT_07 = {
    "prefixItems",
    "unevaluatedProperties",
    "unevaluatedItems",
    "dependentRequired",
    "dependentSchemas",
    "minContains",
    "maxContains",
    "$anchor",
    "$dynamicRef",
    "$dynamicAnchor",
    "$recursiveRef",
    "$recursiveAnchor",
    "$vocabulary",
}


def load_document() -> dict[str, Any]:
    document: dict[str, Any] = yaml.safe_load(asyncapi.ASYNCAPI_PATH.read_text(encoding="utf-8"))
    return document


def test_committed_document_is_in_sync_with_the_topic_registry() -> None:
    assert asyncapi.ASYNCAPI_PATH.read_text(encoding="utf-8") == asyncapi.render(), (
        "schemas/asyncapi.yaml is stale: run `python -m schemas.export` and commit the result"
    )


def test_every_schema_file_is_the_payload_of_a_channel() -> None:
    document = load_document()
    referenced = {
        Path(message["payload"]["schema"]["$ref"]).name
        for message in document["components"]["messages"].values()
        if "schemaFormat" in message["payload"]
    }
    files = {path.name for path in JSON_DIR.glob("*.schema.json")}
    missing = sorted(files - referenced)
    assert not missing, (
        f"{missing} have no channel in schemas/asyncapi.yaml: add a Topic(...) for their topic "
        "to schemas/asyncapi.py TOPICS (or define the model in the module a Topic names as "
        "payload_module), then run `python -m schemas.export`"
    )
    assert referenced <= files, f"the document references missing files: {referenced - files}"


def test_every_topic_setting_is_a_channel_with_the_settings_default_address() -> None:
    document = load_document()
    by_setting = {topic.setting: topic for topic in asyncapi.TOPICS if asyncapi.included(topic)}
    topic_settings = {name for name in Settings.model_fields if name.endswith("_topic")}
    missing = sorted(topic_settings - set(by_setting))
    assert not missing, (
        f"settings {missing} name topics with no channel in schemas/asyncapi.yaml: add a "
        "Topic(...) to schemas/asyncapi.py TOPICS (and export its contract)"
    )
    for setting, topic in by_setting.items():
        assert setting in Settings.model_fields, f"{topic.key}: no setting {setting!r}"
        assert Settings.model_fields[setting].default == topic.address, setting
        assert document["channels"][topic.key]["address"] == topic.address


def test_operations_say_what_the_worker_reads_and_writes() -> None:
    operations = load_document()["operations"]
    actions = {(op["channel"]["$ref"].split("/")[-1], op["action"]) for op in operations.values()}
    assert {("articles", "receive"), ("posts", "receive")} <= actions
    assert {("narratives", "send"), ("deadLetters", "send"), ("state", "send")} <= actions
    for operation in operations.values():
        channel = operation["channel"]["$ref"].split("/")[-1]
        for message in operation["messages"]:
            assert message["$ref"].startswith(f"#/channels/{channel}/messages/")


def _keywords(node: Any) -> set[str]:
    if isinstance(node, dict):
        found = set(node)
        for key, value in node.items():
            # property names and $defs names are data, not keywords
            if key in ("properties", "$defs", "definitions", "patternProperties"):
                for sub in value.values():
                    found |= _keywords(sub)
            else:
                found |= _keywords(value)
        return found
    if isinstance(node, list):
        return set().union(*(_keywords(item) for item in node)) if node else set()
    return set()


@pytest.mark.parametrize("path", sorted(JSON_DIR.glob("*.schema.json")), ids=lambda p: p.name)
def test_payload_schemas_use_only_keywords_draft_07_also_reads(path: Path) -> None:
    used = _keywords(json.loads(path.read_text(encoding="utf-8"))) & POST_DRAFT_07
    assert not used, (
        f"{path.name} uses {sorted(used)}, which the AsyncAPI parser's Draft 07 check ignores"
    )


# --- the real AsyncAPI CLI -------------------------------------------------------------------


def _cli_or_skip() -> None:
    missing = [tool for tool in ("node", "npm") if shutil.which(tool) is None]
    if not missing:
        return
    reason = f"{' and '.join(missing)} not installed (Debian: apt-get install nodejs npm)"
    if os.environ.get("CI"):
        pytest.fail(f"CI must validate schemas/asyncapi.yaml, but {reason}")
    pytest.skip(f"{reason}; CI installs them and runs `asyncapi validate`")


def _validate(path: Path) -> subprocess.CompletedProcess[str]:
    result = subprocess.run(
        ["bash", str(SCRIPT), "validate", str(path), "--fail-severity", "warn"],
        cwd=ROOT,
        capture_output=True,
        text=True,
        timeout=600,  # the first call installs the pinned CLI
        check=False,
    )
    print(result.stdout, result.stderr)
    return result


def test_asyncapi_cli_validates_the_document() -> None:
    _cli_or_skip()
    result = _validate(asyncapi.ASYNCAPI_PATH)
    assert result.returncode == 0, result.stdout + result.stderr
    assert " is valid" in result.stdout


def test_asyncapi_cli_refuses_a_broken_payload_schema(tmp_path: Path) -> None:
    """The same document with one payload schema made invalid: the CLI must say so."""
    _cli_or_skip()
    shutil.copytree(JSON_DIR, tmp_path / "json")
    shutil.copy(asyncapi.ASYNCAPI_PATH, tmp_path / "asyncapi.yaml")
    broken = tmp_path / "json" / "narrative-event.schema.json"
    schema = json.loads(broken.read_text(encoding="utf-8"))
    schema["properties"]["version"]["type"] = "counter"  # not a JSON Schema type
    broken.write_text(json.dumps(schema), encoding="utf-8")
    result = _validate(tmp_path / "asyncapi.yaml")
    assert result.returncode != 0, result.stdout + result.stderr
    assert "narrative-event.schema.json" in result.stdout + result.stderr
