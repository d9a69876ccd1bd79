"""docs/security.md names the tests that hold each promise: every test it names exists."""

from __future__ import annotations

import re
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent


def test_every_test_the_security_page_names_exists() -> None:
    text = (ROOT / "docs" / "security.md").read_text(encoding="utf-8")
    text = re.sub(r"[\w/]*\.py", "", text)  # file names, not tests
    named = set(re.findall(r"\b(test_\w+)\b", text))
    defined = set()
    for path in (ROOT / "tests").rglob("test_*.py"):
        defined |= set(re.findall(r"^def (test_\w+)\(", path.read_text(encoding="utf-8"), re.M))
    assert len(named) > 40
    assert sorted(named - defined) == []
