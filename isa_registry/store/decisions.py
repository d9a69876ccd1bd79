"""Deciding on findings: recording, withdrawing and importing decisions, and assigning actions.

Every write takes the session, the actor's e-mail and whether the actor is an admin (never the
Flask request); it checks what it is given (:func:`isa_registry.core.decisions.decision_problems`),
then commits the rows together with their audit entries, one transaction each, or rolls back and
raises :class:`~isa_registry.store.errors.InvalidRecord` (a message per field) or
:class:`NotAllowed`. Decisions are never deleted: withdrawing one sets its ``withdrawn_on``.
Each is an entry in the audit chain, which moves the registry revision, so every process sees it.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Iterator, Sequence
from dataclasses import dataclass, fields, replace
from datetime import date
from typing import Any, TypeVar

from sqlalchemy import insert, select
from sqlalchemy.exc import IntegrityError

from ..core.decisions import (
    Action,
    Decision,
    FindingId,
    action_problems,
    decision_in_force,
    decision_problems,
    needs_admin,
)
from ..core.domain import Finding
from ..core.exchange import decision_to_dict, fields_of, plain_dict
from . import audit
from .db import Session
from .errors import InvalidRecord, ServiceError
from .models import Agreement as AgreementModel
from .models import FindingAction, FindingDecision
from .models import Flow as FlowModel
from .models import Organisation as OrganisationModel

__all__ = [
    "ImportedDecisions",
    "NotAllowed",
    "action_to_dict",
    "apply_decisions",
    "assign",
    "decide",
    "decide_many",
    "load_actions",
    "load_decisions",
    "withdraw",
]

T = TypeVar("T")


class NotAllowed(ServiceError):
    """The actor's role does not allow what was asked; ``message`` says who may do it."""


#: Why an editor cannot accept an error, as the form shows it.
ADMIN_ONLY = (
    "Only an admin (the Data Protection Officer or the Senior Information Risk Owner) can accept "
    "the risk of an error. Ask one of them, or record that the rule does not apply here."
)

_MODELS: dict[str, Any] = {"organisation": OrganisationModel, "agreement": AgreementModel, "flow": FlowModel}


#: The fields of a :class:`Decision`, in their order; its row names its columns so.
_DECISION_FIELDS = tuple(f.name for f in fields(Decision))
_DECISION_COLUMNS = tuple(FindingDecision.__table__.c[name] for name in _DECISION_FIELDS)
#: An action's columns, in the order of its fields.
_ACTION_COLUMNS = tuple(FindingAction.__table__.c[f.name] for f in fields(Action))


def _decision_from_row(row: Any) -> Decision:
    return Decision(*(getattr(row, name) for name in _DECISION_FIELDS))


def load_decisions(session: Session) -> list[Decision]:
    """Every decision ever taken, withdrawn ones too, oldest first; one statement reading only the
    columns a :class:`Decision` holds."""
    t = FindingDecision.__table__
    rows = session.execute(select(*_DECISION_COLUMNS).order_by(t.c.decided_on, t.c.id))
    return [Decision(*row) for row in rows]


def load_actions(session: Session) -> list[Action]:
    """Every action assigned, oldest first; one statement."""
    t = FindingAction.__table__
    rows = session.execute(select(*_ACTION_COLUMNS).order_by(t.c.assigned_on, t.c.id))
    return [Action(*row) for row in rows]


def action_to_dict(a: Action) -> dict[str, Any]:
    """An action as its audit entry records it."""
    return plain_dict(a)


#: At most this many keys in one ``IN (...)`` (below SQLite's oldest limit on bound parameters).
_IN_CHUNK = 900


def _chunks(keys: Iterable[str]) -> Iterator[list[str]]:
    listed = sorted(set(keys))
    for start in range(0, len(listed), _IN_CHUNK):
        yield listed[start : start + _IN_CHUNK]


def _by_type(pairs: Iterable[tuple[str, str]]) -> dict[str, set[str]]:
    grouped: dict[str, set[str]] = {}
    for subject_type, key in pairs:
        grouped.setdefault(subject_type, set()).add(key)
    return grouped


def _known_records(session: Session, records: Iterable[tuple[str, str]]) -> set[tuple[str, str]]:
    """Which of ``records`` (type, key) the registry holds, archived ones too: one statement per
    record type (per 900 keys)."""
    known: set[tuple[str, str]] = set()
    for subject_type, keys in _by_type(records).items():
        model = _MODELS.get(subject_type)
        if model is None:
            continue
        column = model.__table__.c.key
        for chunk in _chunks(keys):
            found = session.execute(select(column).where(column.in_(chunk))).scalars().all()
            known.update((subject_type, key) for key in found)
    return known


def _decided_on(session: Session, day: date, findings: Iterable[FindingId]) -> set[FindingId]:
    """Which of ``findings`` already took a decision on ``day``: one statement per record type and
    code, reading that code's decisions of the day (few, and no list of keys to send)."""
    t = FindingDecision.__table__
    wanted = set(findings)
    decided: set[FindingId] = set()
    for subject_type, code in {(subject_type, code) for subject_type, _, code in wanted}:
        keys = session.execute(
            select(t.c.subject_key).where(
                t.c.subject_type == subject_type, t.c.code == code, t.c.decided_on == day
            )
        ).scalars()
        decided.update(fid for key in keys.all() if (fid := (subject_type, key, code)) in wanted)
    return decided


def _by_field(problems: list[tuple[str, str]]) -> dict[str, str]:
    """The first problem of each field, as :class:`InvalidRecord` takes them."""
    out: dict[str, str] = {}
    for field, message in problems:
        out.setdefault(field, message[:1].upper() + message[1:])
    return out


def _insert(session: Session, decisions: Sequence[Decision]) -> None:
    """The decisions' rows, in one ``executemany`` INSERT in the session's transaction."""
    session.execute(insert(FindingDecision.__table__), [fields_of(d) for d in decisions])


def _transaction(session: Session, work: Callable[[], T]) -> T:
    """Run ``work`` and commit, or roll back everything and raise."""
    try:
        result = work()
        session.commit()
    except IntegrityError as exc:
        session.rollback()
        raise InvalidRecord(
            {"decision": "A decision on this finding was recorded today already; withdraw it first."}
        ) from exc
    except BaseException:
        session.rollback()
        raise
    return result


def _check(session: Session, is_admin: bool, findings: Sequence[Finding], taken: list[Decision]) -> None:
    """Check the decisions ``taken`` on ``findings`` (one each, in order, taken the same day);
    raises on the first finding refused.

    Set-based: one statement says which of the records exist and one which of the findings took
    a decision that day already, whatever the number of findings.
    """
    today = taken[0].decided_on
    known = _known_records(session, ((d.subject_type, d.subject_key) for d in taken))
    already = _decided_on(session, today, (d.finding_id for d in taken))

    def is_known(subject_type: str, key: str) -> bool:
        return (subject_type, key) in known

    for f, d in zip(findings, taken, strict=True):
        problems = _by_field(decision_problems(d, is_known))
        if problems:
            raise InvalidRecord(problems)
        if needs_admin(d.decision, f.severity) and not is_admin:
            raise NotAllowed(ADMIN_ONLY)
        if d.finding_id in already:
            raise InvalidRecord(
                {
                    "decision": f"A decision on this finding was recorded today ({today.isoformat()}) "
                    "already; a finding takes one decision a day."
                }
            )


def decide(
    session: Session,
    actor: str,
    is_admin: bool,
    finding: Finding,
    decision: str,
    reason: str,
    review_by: date | None,
    today: date,
) -> Decision:
    """Record ``decision`` on ``finding`` as taken by ``actor`` on ``today``; one transaction."""
    return decide_many(session, actor, is_admin, [finding], decision, reason, review_by, today)[0]


def decide_many(
    session: Session,
    actor: str,
    is_admin: bool,
    findings: Sequence[Finding],
    decision: str,
    reason: str,
    review_by: date | None,
    today: date,
) -> list[Decision]:
    """Record one decision, with one reason, on several findings of one code; all or nothing."""
    if not findings:
        raise InvalidRecord({"findings": "Select at least one finding to decide on."})
    codes = {f.code for f in findings}
    if len(codes) > 1:
        raise InvalidRecord(
            {"findings": "Select findings of one code to decide on together: " + ", ".join(sorted(codes))}
        )

    def work() -> list[Decision]:
        taken = [
            Decision(
                subject_type=f.subject_type,
                subject_key=f.subject_key,
                code=f.code,
                decision=decision,
                reason=reason.strip(),
                decided_by=actor,
                decided_on=today,
                review_by=review_by,
                message=f.message,
            )
            for f in findings
        ]
        _check(session, is_admin, findings, taken)
        _insert(session, taken)
        audit.append(
            session,
            actor,
            [audit.Change("decide", "decision", d.subject_key, None, decision_to_dict(d)) for d in taken],
        )
        return taken

    return _transaction(session, work)


def withdraw(session: Session, actor: str, finding: Finding, today: date) -> Decision:
    """Withdraw the decision in force on ``finding``: it is kept, with ``withdrawn_on`` set."""

    def work() -> Decision:
        rows = session.scalars(
            select(FindingDecision).where(
                FindingDecision.subject_type == finding.subject_type,
                FindingDecision.subject_key == finding.subject_key,
                FindingDecision.code == finding.code,
            )
        ).all()
        current = decision_in_force(_decision_from_row(r) for r in rows)
        if current is None:
            raise InvalidRecord({"decision": "This finding has no decision in force to withdraw."})
        row = next(r for r in rows if r.decided_on == current.decided_on)
        row.withdrawn_on = today
        after = replace(current, withdrawn_on=today)
        audit.append(
            session,
            actor,
            [
                audit.Change(
                    "withdraw",
                    "decision",
                    finding.subject_key,
                    decision_to_dict(current),
                    decision_to_dict(after),
                )
            ],
        )
        return after

    return _transaction(session, work)


def assign(
    session: Session, actor: str, finding: Finding, owner: str, due_on: date | None, today: date
) -> Action:
    """Give ``finding`` an owner (an e-mail or a team's mailbox) and a due date; one transaction."""
    if due_on is None:
        raise InvalidRecord({"due_on": "Enter the date the action is due"})
    action = Action(
        finding.subject_type, finding.subject_key, finding.code, owner.strip().lower(), due_on, actor, today
    )
    problems = _by_field(action_problems(action))
    if due_on < today:
        problems.setdefault("due_on", "The due date must be today or later")
    if problems:
        raise InvalidRecord(problems)

    def work() -> Action:
        session.add(FindingAction(**fields_of(action)))
        session.flush()
        audit.append(
            session,
            actor,
            [audit.Change("assign", "action", action.subject_key, None, action_to_dict(action))],
        )
        return action

    return _transaction(session, work)


@dataclass
class ImportedDecisions:
    """What an import did with the document's decisions."""

    created: int = 0
    unchanged: int = 0

    def line(self) -> str:
        """One plain line, as the import reports each record type."""
        return f"decisions: {self.created} created, {self.unchanged} already recorded (left as they were)"


def apply_decisions(session: Session, decisions: Iterable[Decision], actor: str) -> ImportedDecisions:
    """Record the decisions not yet recorded, in the caller's transaction (no commit).

    A decision is identified by its finding and ``decided_on``: one already recorded is left as it
    is, so importing the same document twice changes nothing. The decisions must have been
    validated with the document (:func:`isa_registry.core.exchange.validate_document`).
    """
    report = ImportedDecisions()
    existing = {d.identity for d in load_decisions(session)}
    new = []
    for d in decisions:
        if d.identity in existing:
            report.unchanged += 1
            continue
        existing.add(d.identity)
        new.append(d)
    if new:
        _insert(session, new)
        audit.append(
            session,
            actor,
            [audit.Change("import", "decision", d.subject_key, None, decision_to_dict(d)) for d in new],
        )
    report.created = len(new)
    return report
