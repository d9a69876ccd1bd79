"""What a write refuses, as typed errors, and the table of differences a conflict shows.

Every write either commits or rolls back and raises one of these; nothing is half-written:

* :class:`InvalidRecord`: bad input; ``errors`` maps each form field name to a message naming it;
* :class:`StaleRecord`: someone saved the record since the caller read it; carries the record as
  it is now, so that the caller can show the :func:`differences` and nothing is overwritten;
* :class:`ArchiveBlocked`: live records still depend on the one being archived; lists them;
* :class:`NotFound`: no record has that key.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

__all__ = [
    "ArchiveBlocked",
    "Difference",
    "InvalidRecord",
    "NotFound",
    "ServiceError",
    "StaleRecord",
    "differences",
]


class ServiceError(Exception):
    """Something the caller asked for was not done; nothing was written."""


class NotFound(ServiceError):
    """No record of that type has that key."""

    def __init__(self, subject_type: str, key: str):
        self.subject_type, self.key = subject_type, key
        super().__init__(f"There is no {subject_type} with key {key}")


class InvalidRecord(ServiceError):
    """Bad input: ``errors`` maps form field names to messages that name the field."""

    def __init__(self, errors: dict[str, str]):
        self.errors = errors
        super().__init__("; ".join(errors.values()))


class StaleRecord(ServiceError):
    """The record changed since the caller read it: ``current`` is how it is now."""

    def __init__(self, subject_type: str, key: str, current: dict[str, Any] | None, version_id: int | None):
        self.subject_type, self.key = subject_type, key
        self.current, self.version_id = current, version_id
        super().__init__(f"{subject_type.capitalize()} {key} was changed by someone else after you opened it")


class ArchiveBlocked(ServiceError):
    """Live records depend on the record: ``reasons`` says which, one plain sentence each."""

    def __init__(self, subject_type: str, key: str, reasons: list[str]):
        self.subject_type, self.key, self.reasons = subject_type, key, reasons
        super().__init__(f"{subject_type.capitalize()} {key} cannot be archived: " + " ".join(reasons))


@dataclass(frozen=True)
class Difference:
    """One field whose value differs: what the editor submitted and what is saved now."""

    field: str
    theirs: Any
    current: Any


def differences(theirs: dict[str, Any], current: dict[str, Any]) -> list[Difference]:
    """The fields of two exchange dicts that differ, in the current record's field order."""
    names = list(current) + [k for k in theirs if k not in current]
    return [Difference(n, theirs.get(n), current.get(n)) for n in names if theirs.get(n) != current.get(n)]
