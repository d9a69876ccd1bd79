"""The record lists: search, filters, sorting and pages, done in SQL, and paging of a list held in
memory.

Each list issues a bounded number of statements whatever the registry's size.
"""

from __future__ import annotations

import math
from collections.abc import Callable, Iterable, Iterator, Sequence
from dataclasses import dataclass, field
from datetime import date
from typing import Any

from sqlalchemy import String, cast, exists, func, or_, select

from ..core.domain import SEVERITIES, Finding
from .db import Session
from .models import Agreement as AgreementModel
from .models import AgreementParty
from .models import Flow as FlowModel
from .models import Organisation as OrganisationModel
from .queries import per_revision, registry_revision
from .validation import known_categories
from .visibility import Scope, agreement_clause, flow_clause, organisation_clause

__all__ = [
    "LISTINGS",
    "PER_PAGE",
    "ListParams",
    "Listing",
    "Page",
    "list_agreements",
    "list_flows",
    "list_organisations",
    "slice_page",
]

PER_PAGE = 50


@dataclass
class ListParams:
    """What a list page asks for: search text, filters, sort column and direction, page."""

    q: str = ""
    filters: dict[str, str] = field(default_factory=dict)
    sort: str = ""
    dir: str = "asc"
    page: int = 1
    include_archived: bool = False
    #: Rows on a page: the pages show :data:`PER_PAGE`; the API lets its callers choose.
    per_page: int = PER_PAGE
    #: A partner's scope: only the records it may see are searched, counted and listed
    #: (:mod:`~isa_registry.store.visibility`); None for the whole registry.
    visible_to: Scope | None = None


@dataclass
class Page:
    """One page of a list: the rows (plain dicts, or what a list held in memory holds) and where
    it is in the whole."""

    items: list[Any]
    total: int
    page: int
    per_page: int = PER_PAGE

    @property
    def pages(self) -> int:
        return max(1, math.ceil(self.total / self.per_page))

    @property
    def first(self) -> int:
        return 0 if not self.total else (self.page - 1) * self.per_page + 1

    @property
    def last(self) -> int:
        return min(self.total, self.page * self.per_page)

    # What the shared pagination macro reads (the Flask-SQLAlchemy Pagination interface).
    @property
    def has_prev(self) -> bool:
        return self.page > 1

    @property
    def has_next(self) -> bool:
        return self.page < self.pages

    @property
    def prev_num(self) -> int | None:
        return self.page - 1 if self.has_prev else None

    @property
    def next_num(self) -> int | None:
        return self.page + 1 if self.has_next else None

    def iter_pages(
        self, left_edge: int = 1, left_current: int = 2, right_current: int = 3, right_edge: int = 1
    ) -> Iterator[int | None]:
        """Page numbers to link, with None where a run of numbers is left out: the first
        ``left_edge``, those from ``left_current`` before this page to ``right_current - 1`` after
        it, and the last ``right_edge`` (worked out from the runs, not by looking at every one of
        400 pages)."""
        pages = self.pages
        runs = (
            range(1, min(left_edge, pages) + 1),
            range(max(1, self.page - left_current), min(pages, self.page + right_current - 1) + 1),
            range(max(1, pages - right_edge + 1), pages + 1),
        )
        last = 0
        for number in sorted({n for run in runs for n in run}):
            if last + 1 != number:
                yield None
            yield number
            last = number


def slice_page(items: Sequence[Any], page: int, per_page: int) -> Page:
    """Page ``page`` (kept between the first and the last) of a list held in memory: findings
    grouped by record, a map's connections."""
    pages = max(1, math.ceil(len(items) / per_page))
    page = min(max(page, 1), pages)
    return Page(
        items=list(items[(page - 1) * per_page : page * per_page]),
        total=len(items),
        page=page,
        per_page=per_page,
    )


def _like(text: str) -> str:
    escaped = text.replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_")
    return f"%{escaped.lower()}%"


def _checked(params: ListParams) -> ListParams:
    """``params``, refused (ValueError) when the search or a filter holds a null character, which
    PostgreSQL cannot compare (and SQLite would silently search for). The pages refuse it before."""
    if any("\x00" in text for text in (params.q, params.sort, *params.filters.values())):
        raise ValueError("a list's search or filter holds a null character")
    return params


def _search(q: str, *columns: Any) -> Any:
    pattern = _like(q.strip())
    return or_(*(func.lower(c).like(pattern, escape="\\") for c in columns))


def _paginate(session: Session, stmt: Any, order: list[Any], params: ListParams, kind: str) -> Page:
    """One page of ``stmt`` in ``order``. The number of matching records is counted once per
    registry revision for each search (:func:`~isa_registry.store.queries.per_revision`): counting
    20,000 joined rows costs more than fetching a page of them. The search is the text, the
    filters (a severity filter stands for the findings on today's date, hence the date), and
    whether archived records are included."""
    revision = registry_revision(session)
    search = (
        params.q.strip(),
        tuple(sorted(params.filters.items())),
        params.include_archived,
        date.today(),
        params.visible_to,
    )
    total = per_revision(
        revision,
        f"{kind}-count",
        search,
        lambda: session.scalar(select(func.count()).select_from(stmt.order_by(None).subquery())) or 0,
        session,
    )
    per_page = params.per_page
    pages = max(1, math.ceil(total / per_page))
    page = min(max(1, params.page), pages)
    rows = (
        session.execute(stmt.order_by(*order).limit(per_page).offset((page - 1) * per_page)).mappings().all()
    )
    return Page(items=[dict(r) for r in rows], total=total, page=page, per_page=per_page)


@dataclass(frozen=True)
class Listing:
    """One list of records, declared once for its SQL, its page and the API.

    ``searched`` are the columns its search looks in; ``filters`` the filters the query may
    name, in order, each with the column an equality filter compares (None for one its list
    function applies itself); ``sorts`` the columns it sorts by, the first when none is asked for,
    ties broken by the ``key`` sort; ``archived`` the column that marks an archived record, and ``visible``
    what a partner may see of it (:mod:`~isa_registry.store.visibility`).
    """

    section: str
    searched: tuple[Any, ...]
    filters: dict[str, Any]
    sorts: dict[str, Any]
    archived: Any
    visible: Callable[[Scope], Any]

    @property
    def default_sort(self) -> str:
        """The column the list is sorted by when none is asked for."""
        return next(iter(self.sorts))

    def narrowed(self, stmt: Any, params: ListParams) -> Any:
        """``stmt`` narrowed as every list narrows: ``q`` over the searched columns, each equality
        filter given a value to its column, the archived records left out unless asked for, and
        only what the partner who asks may see. Refuses a null character (:func:`_checked`)."""
        _checked(params)
        if params.q.strip():
            stmt = stmt.where(_search(params.q, *self.searched))
        for name, column in self.filters.items():
            if column is not None and params.filters.get(name):
                stmt = stmt.where(column == params.filters[name])
        if not params.include_archived:
            stmt = stmt.where(self.archived.is_(False))
        if params.visible_to is not None:
            stmt = stmt.where(self.visible(params.visible_to))
        return stmt

    def order(self, params: ListParams) -> list[Any]:
        """The ORDER BY of ``params``' sort and direction (the default sort for an unknown one)."""
        column = self.sorts.get(params.sort, self.sorts[self.default_sort])
        direction = column.desc() if params.dir == "desc" else column.asc()
        tiebreak = self.sorts["key"].asc()
        return [direction.nulls_last() if params.dir != "desc" else direction.nulls_first(), tiebreak]

    def page(self, session: Session, stmt: Any, params: ListParams) -> Page:
        """The page of ``stmt`` that ``params`` asks for, in its order (:func:`_paginate`)."""
        return _paginate(session, stmt, self.order(params), params, self.section)


#: The organisations table as an agreement's owner, and as a flow's source and its recipient (made
#: once: an alias builds its columns again each time it is made).
_OWNERS = OrganisationModel.__table__.alias("owner")
_SOURCES = OrganisationModel.__table__.alias("src")
_RECIPIENTS = OrganisationModel.__table__.alias("dst")

_o, _a, _f = OrganisationModel.__table__, AgreementModel.__table__, FlowModel.__table__

#: Each list, by section.
LISTINGS: dict[str, Listing] = {
    listing.section: listing
    for listing in (
        Listing(
            "organisations",
            searched=(_o.c.key, _o.c.name),
            filters={"kind": _o.c.kind, "status": _o.c.status, "public_authority": None},
            sorts={
                "name": _o.c.name,
                "key": _o.c.key,
                "kind": _o.c.kind,
                "public_authority": _o.c.public_authority,
                "status": _o.c.status,
            },
            archived=_o.c.archived,
            visible=organisation_clause,
        ),
        Listing(
            "agreements",
            searched=(_a.c.key, _a.c.title),
            filters={"status": _a.c.status, "owner": _OWNERS.c.key, "party": None},
            sorts={
                "key": _a.c.key,
                "title": _a.c.title,
                "status": _a.c.status,
                "owner": _OWNERS.c.name,
                "start_date": _a.c.start_date,
                "review_date": _a.c.review_date,
                "end_date": _a.c.end_date,
            },
            archived=_a.c.archived,
            visible=agreement_clause,
        ),
        Listing(
            "flows",
            searched=(_f.c.key, _f.c.name),
            filters={
                "source": _SOURCES.c.key,
                "recipient": _RECIPIENTS.c.key,
                "agreement": None,
                "programme": _f.c.programme,
                "status": _f.c.status,
                "category": None,
                "severity": None,
            },
            sorts={
                "key": _f.c.key,
                "name": _f.c.name,
                "source": _SOURCES.c.name,
                "recipient": _RECIPIENTS.c.name,
                "agreement": _a.c.key,
                "programme": _f.c.programme,
                "status": _f.c.status,
                "start_date": _f.c.start_date,
            },
            archived=_f.c.archived,
            visible=lambda partner: flow_clause(partner, _f),
        ),
    )
}


def list_organisations(session: Session, params: ListParams) -> Page:
    """Organisations matching ``params``: q over key and name; filters kind, status, public_authority."""
    listing, o = LISTINGS["organisations"], _o
    stmt = listing.narrowed(
        select(o.c.key, o.c.name, o.c.kind, o.c.public_authority, o.c.status, o.c.archived), params
    )
    if params.filters.get("public_authority") in ("yes", "no"):
        stmt = stmt.where(o.c.public_authority.is_(params.filters["public_authority"] == "yes"))
    return listing.page(session, stmt, params)


def list_agreements(session: Session, params: ListParams) -> Page:
    """Agreements matching ``params``: q over key and title; filters status, owner, party."""
    listing, a, o, p = LISTINGS["agreements"], _a, _OWNERS, AgreementParty.__table__
    party_org = OrganisationModel.__table__.alias("party_org")
    parties = (
        select(func.count()).select_from(p).where(p.c.agreement_id == a.c.id).correlate(a).scalar_subquery()
    )
    unsigned = (
        select(func.count())
        .select_from(p)
        .where(p.c.agreement_id == a.c.id, p.c.signed_on.is_(None))
        .correlate(a)
        .scalar_subquery()
    )
    stmt = select(
        a.c.key,
        a.c.title,
        a.c.status,
        a.c.start_date,
        a.c.review_date,
        a.c.end_date,
        a.c.archived,
        o.c.key.label("owner"),
        o.c.name.label("owner_name"),
        parties.label("parties"),
        unsigned.label("unsigned"),
    ).select_from(a.outerjoin(o, o.c.id == a.c.owner_id))
    stmt = listing.narrowed(stmt, params)
    if params.filters.get("party"):
        stmt = stmt.where(
            exists(
                select(p.c.id)
                .join(party_org, party_org.c.id == p.c.organisation_id)
                .where(p.c.agreement_id == a.c.id, party_org.c.key == params.filters["party"])
            )
        )
    return listing.page(session, stmt, params)


def list_flows_by_severity(
    session: Session, params: ListParams, findings: Callable[[], Iterable[Finding]]
) -> Page:
    """:func:`list_flows`, with the ``severity`` filter: the flows with a finding of that severity,
    or (``none``) with no finding. Only that filter needs the rules' ``findings``, so they are asked
    for only then."""
    keys = exclude = None
    severity = params.filters.get("severity", "")
    if severity in SEVERITIES or severity == "none":
        flagged: dict[str, set[str]] = {s: set() for s in SEVERITIES}
        for finding in findings():
            if finding.subject_type == "flow":
                flagged[finding.severity].add(finding.subject_key)
        if severity == "none":
            exclude = set().union(*flagged.values())
        else:
            keys = flagged[severity]
    return list_flows(session, params, keys=keys, exclude=exclude)


def list_flows(
    session: Session, params: ListParams, keys: set[str] | None = None, exclude: set[str] | None = None
) -> Page:
    """Flows matching ``params``: q over key and name; filters source, recipient, agreement,
    programme, status and category. ``keys`` keeps only those flows and ``exclude`` leaves those
    out (the view's severity filter, which needs the rules)."""
    listing, f, a, src, dst = LISTINGS["flows"], _f, _a, _SOURCES, _RECIPIENTS
    stmt = select(
        f.c.key,
        f.c.name,
        f.c.status,
        f.c.programme,
        f.c.identifiability,
        f.c.start_date,
        f.c.archived,
        src.c.key.label("source"),
        src.c.name.label("source_name"),
        dst.c.key.label("recipient"),
        dst.c.name.label("recipient_name"),
        a.c.key.label("agreement"),
    ).select_from(
        f.join(src, src.c.id == f.c.source_id)
        .join(dst, dst.c.id == f.c.recipient_id)
        .outerjoin(a, a.c.id == f.c.agreement_id)
    )
    stmt = listing.narrowed(stmt, params)
    flt = params.filters
    if flt.get("agreement") == "none":
        stmt = stmt.where(f.c.agreement_id.is_(None))
    elif flt.get("agreement"):
        stmt = stmt.where(a.c.key == flt["agreement"])
    if flt.get("category") and flt["category"] in known_categories():
        # Category codes are plain identifiers, so the quoted code matches exactly one JSON element.
        stmt = stmt.where(cast(f.c.data_categories, String).like(f'%"{flt["category"]}"%'))
    if keys is not None:
        stmt = stmt.where(f.c.key.in_(sorted(keys)) if keys else f.c.key.is_(None))
    if exclude:
        stmt = stmt.where(f.c.key.not_in(sorted(exclude)))
    return listing.page(session, stmt, params)
