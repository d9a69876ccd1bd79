"""What a process keeps between requests (isa_registry.store.cache): bounded, and dropped by clear()."""

from __future__ import annotations

from datetime import date

from flask import Flask

from isa_registry.store import cache
from isa_registry.store.queries import checked_registry, per_revision


def test_the_least_recently_used_value_is_dropped_first() -> None:
    kept: cache.Kept[str, int] = cache.Kept(size=2)
    kept.put("a", 1)
    kept.put("b", 2)
    assert kept.get("a") == 1  # now "b" is the least recently used
    kept.put("c", 3)
    assert kept.get("b") is None
    assert kept.newest_first() == [("c", 3), ("a", 1)]


def test_a_missing_key_gives_the_default() -> None:
    kept: cache.Kept[str, int | None] = cache.Kept(size=2)
    marker = object()
    kept.put("none", None)
    assert kept.get("none", marker) is None
    assert kept.get("absent", marker) is marker


def test_clear_drops_the_registries_and_the_derived_values(app: Flask) -> None:
    with app.app_context():
        checked_registry(date(2026, 11, 23))
        per_revision((0, "x"), "test", "key", lambda: "value")
        assert cache.REGISTRIES.newest_first() and cache.DERIVED.newest_first()
        cache.clear()
        assert cache.REGISTRIES.newest_first() == [] and cache.DERIVED.newest_first() == []


def test_a_value_of_none_is_worked_out_once(app: Flask) -> None:
    calls: list[int] = []
    with app.app_context():
        for _ in range(2):
            assert per_revision((1, "a"), "test", "none", lambda: calls.append(1)) is None
    assert calls == [1]
