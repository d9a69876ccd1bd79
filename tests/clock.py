"""A clock the tests move by hand, given to the app as ``CLOCK`` instead of patching ``datetime``."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from datetime import UTC, datetime, timedelta

from flask import Flask

#: 9am on a December morning: UK time is UTC, so pages show "9:00am".
START = datetime(2026, 12, 2, 9, 0, tzinfo=UTC)


class Clock:
    """Stands still until moved: ``clock.advance(minutes=30)``."""

    def __init__(self, start: datetime = START) -> None:
        self.now = start

    def __call__(self) -> datetime:
        return self.now

    def advance(self, **delta: float) -> datetime:
        self.now += timedelta(**delta)
        return self.now


@contextmanager
def clock_of(app: Flask, clock: Clock | None = None) -> Iterator[Clock]:
    """``app`` reads the time from a hand-moved clock inside the block."""
    clock = clock or Clock()
    previous = app.config["CLOCK"]
    app.config["CLOCK"] = clock
    try:
        yield clock
    finally:
        app.config["CLOCK"] = previous
