"""The test tree itself: pytest imports test modules by basename (no packages here, "rootdir"
import mode), so two test files with one name in different folders break collection of the
whole suite. Caught here, in the unit run, with the names to change."""

from __future__ import annotations

from collections import Counter
from pathlib import Path

TESTS = Path(__file__).resolve().parents[1]


def test_every_test_module_has_a_unique_basename() -> None:
    names = Counter(p.name for p in TESTS.rglob("test_*.py"))
    clashes = sorted(name for name, count in names.items() if count > 1)
    assert not clashes, f"rename one of each: {clashes}"
