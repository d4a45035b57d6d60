"""`narratives produce` hands its options to `produce_file` (the sending is integration-tested)."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest
from click.testing import CliRunner

from agents import produce
from agents.cli import main


@pytest.mark.parametrize(("flags", "ordered"), [([], False), (["--ordered"], True)])
def test_ordered_sending_is_chosen_on_the_command_line(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, flags: list[str], ordered: bool
) -> None:
    calls: list[dict[str, Any]] = []

    def fake_produce_file(settings: Any, path: Path, **options: Any) -> int:
        calls.append({"path": path, **options})
        return 2

    monkeypatch.setattr(produce, "produce_file", fake_produce_file)
    source = tmp_path / "in.jsonl"
    source.write_text('{"id": "a"}\n{"id": "b"}\n')
    result = CliRunner().invoke(main, ["produce", str(source), "--limit", "5", *flags])
    assert result.exit_code == 0, result.output
    assert calls == [{"path": source, "rate": 0.0, "limit": 5, "ordered": ordered}]
    assert '"produced": 2' in result.output
