"""A storage for the ``limits`` library (and so Flask-Limiter) that keeps its counters in our own
database: ``RATELIMIT_STORAGE_URI = "isa-database://"``.

Why our own: ``limits`` keeps counters in memory (one per process: with four gunicorn workers a
client gets four times the limit), Redis, Memcached or MongoDB. The registry already has one
shared store that every worker and host reaches, its database; counting there needs nothing more
to run. Each hit is one statement (an upsert that starts a new window when the old one has ended)
on its own connection and transaction, so it never mixes with the request's session. On PostgreSQL
that transaction commits without waiting for its write to reach the disk (``synchronous_commit``
off, for it alone): every request of a token updates the same row, which stays locked until the
commit, so waiting for the disk there made the token's requests queue one behind another; a crash
can lose at most the last fraction of a second of counts, which only ever lets a client a few
requests more. Only the
fixed-window strategy is supported (the ``limits`` default), which needs no more than
``incr``/``get``/``get_expiry``. Redis stays available through its own URI (``redis://...``) for
a deployment that runs one.

The API counts each token's requests itself (:func:`isa_registry.web.api.base`'s ``_rate_limit``)
with the ``limits`` library's fixed-window strategy, the engine Flask-Limiter is built on. Flask-
Limiter's own layer (per-route decorators, default limits, response headers, its ``flask limiter``
command, Rich for that command's output) had nothing to do here and cost every command and worker
about a tenth of a second to start, so the limiter is made from ``limits`` directly, on the API's
first request (:func:`limiter_of`), and this module is imported only then.
"""

from __future__ import annotations

import time
from typing import TYPE_CHECKING, Any

from limits.storage import Storage, storage_from_string
from limits.strategies import FixedWindowRateLimiter
from sqlalchemy import delete, select, text
from sqlalchemy.engine import Engine
from sqlalchemy.exc import SQLAlchemyError

from .db import db
from .models import RateLimitCounter

if TYPE_CHECKING:
    from flask import Flask

__all__ = ["DatabaseStorage", "limiter_of"]

SCHEME = "isa-database"

#: The count's upsert (written out: SQLAlchemy's ``on_conflict_do_update`` has no cache key, so it was
#: compiled again on every request), in the SQL that SQLite and PostgreSQL both take: a new window of
#: ``amount`` when there is none or the old one has ended, else ``amount`` more.
_HIT = text(
    "INSERT INTO rate_limit_counter (key, count, expires_at) VALUES (:key, :amount, :ends) "
    "ON CONFLICT (key) DO UPDATE SET "
    "count = CASE WHEN rate_limit_counter.expires_at <= :now THEN :amount "
    "ELSE rate_limit_counter.count + :amount END, "
    "expires_at = CASE WHEN rate_limit_counter.expires_at <= :now THEN :ends "
    "ELSE rate_limit_counter.expires_at END "
    "RETURNING count"
)


class DatabaseStorage(Storage):
    """Fixed-window counters in the ``rate_limit_counter`` table (see the module's docstring)."""

    STORAGE_SCHEME = [SCHEME]

    def __init__(self, uri: str | None = None, wrap_exceptions: bool = False, **options: Any) -> None:
        super().__init__(uri, wrap_exceptions=wrap_exceptions, **options)

    @property
    def base_exceptions(self) -> type[Exception] | tuple[type[Exception], ...]:
        return SQLAlchemyError

    @staticmethod
    def _engine() -> Engine:
        # Flask-SQLAlchemy's engine for the current app (the limiter runs inside requests).
        return db.engine

    def incr(self, key: str, expiry: int, amount: int = 1) -> int:
        """Add ``amount`` to the key's count, starting a new window of ``expiry`` seconds when there
        is none or it has ended; returns the count."""
        now = time.time()
        with self._engine().begin() as conn:
            if conn.dialect.name == "postgresql":
                conn.exec_driver_sql("SET LOCAL synchronous_commit TO OFF")
            row = conn.execute(_HIT, {"key": key, "amount": amount, "ends": now + expiry, "now": now})
            return int(row.scalar_one())

    def _row(self, key: str) -> tuple[int, float] | None:
        table = RateLimitCounter.__table__
        with self._engine().connect() as conn:
            row = conn.execute(select(table.c.count, table.c.expires_at).where(table.c.key == key)).first()
        if row is None or row[1] <= time.time():
            return None
        return int(row[0]), float(row[1])

    def get(self, key: str) -> int:
        """The key's count in its current window (0 when there is none)."""
        row = self._row(key)
        return row[0] if row else 0

    def get_expiry(self, key: str) -> float:
        """When the key's window ends, in seconds since the epoch."""
        row = self._row(key)
        return row[1] if row else time.time()

    def check(self) -> bool:
        """Whether the database answers."""
        try:
            with self._engine().connect() as conn:
                conn.execute(select(1))
        except SQLAlchemyError:
            return False
        return True

    def reset(self) -> int | None:
        """Forget every counter; returns how many there were."""
        with self._engine().begin() as conn:
            return conn.execute(delete(RateLimitCounter.__table__)).rowcount

    def clear(self, key: str) -> None:
        """Forget one key's counter."""
        table = RateLimitCounter.__table__
        with self._engine().begin() as conn:
            conn.execute(delete(table).where(table.c.key == key))


def limiter_of(app: Flask) -> FixedWindowRateLimiter:
    """The app's rate limiter, counting in the storage ``RATELIMIT_STORAGE_URI`` names; made on first
    use and kept in ``app.extensions`` (the counts themselves live in that storage, so every worker
    and host shares them)."""
    limiter = app.extensions.get("isa-rate-limiter")
    if limiter is None:
        limiter = FixedWindowRateLimiter(storage_from_string(app.config["RATELIMIT_STORAGE_URI"]))
        app.extensions["isa-rate-limiter"] = limiter
    return limiter
