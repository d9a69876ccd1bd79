"""The whole registry in and out as an ``isa-registry/1`` document: what the command line's
``import-registry`` and ``export-registry`` and the API's ``/api/v1/registry`` share.

A document is checked against what the registry already holds (:func:`known`), read into records
and decisions (:func:`parse`), then written in one transaction (:func:`apply`): any problem raises
:class:`~isa_registry.core.exchange.InvalidDocument` and nothing is written.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from sqlalchemy import select

from ..core import exchange
from ..core.collector import collector_paused
from ..core.decisions import Decision
from ..core.domain import Registry
from . import decisions as store_decisions
from . import persist
from .attachments import load_attachments
from .db import Session
from .models import Flow as FlowModel
from .models import Organisation as OrganisationModel
from .queries import load_registry

__all__ = ["Known", "apply", "export", "known", "parse"]


@dataclass(frozen=True)
class Known:
    """What the registry holds that a document may refer to without holding it: organisations
    (by key, with their names, which a spreadsheet may use instead), agreements and flows."""

    organisations: dict[str, str]
    agreements: set[str]
    flows: set[str]


def known(session: Session) -> Known:
    """The keys (and organisations' names) the registry holds now."""
    org_table = OrganisationModel.__table__
    organisations: dict[str, str] = dict(
        session.execute(select(org_table.c.key, org_table.c.name)).tuples().all()
    )
    return Known(
        organisations,
        set(persist.agreement_ids(session)),
        set(session.scalars(select(FlowModel.key))),
    )


def parse(doc: Any, held: Known) -> tuple[Registry, list[Decision]]:
    """The records and decisions of ``doc``, checked whole; raises ``InvalidDocument``."""
    with collector_paused():
        registry = exchange.parse_document(doc, held.organisations, held.agreements, held.flows)
        return registry, exchange.decisions_of(doc)


def apply(
    session: Session,
    registry: Registry,
    decisions: list[Decision],
    actor: str,
    dry_run: bool = False,
    progress: Callable[[str, int, int], None] | None = None,
) -> persist.ImportReport:
    """Write the records and decisions in one transaction (rolled back for a dry run)."""
    with collector_paused():
        return _apply(session, registry, decisions, actor, dry_run, progress)


def _apply(
    session: Session,
    registry: Registry,
    decisions: list[Decision],
    actor: str,
    dry_run: bool,
    progress: Callable[[str, int, int], None] | None,
) -> persist.ImportReport:
    try:
        report = persist.apply_registry(session, registry, actor, progress=progress)
        report.decisions = store_decisions.apply_decisions(session, decisions, actor)
        if dry_run:
            session.rollback()
        else:
            session.commit()
    except Exception:
        session.rollback()
        raise
    return report


def export(session: Session, attachments: bool = True) -> tuple[Registry, dict[str, Any]]:
    """The whole registry, archived records, decisions and signed copies included, and its document
    (without ``attachments``, the copies' contents are left out and the document says so)."""
    registry = load_registry(session, include_archived=True)
    registry.attachments = load_attachments(session, with_content=attachments)
    decisions = store_decisions.load_decisions(session)
    return registry, exchange.to_document(registry, decisions=decisions, attachments=attachments)
