"""The findings page: every rule's findings as of a date, filtered and grouped by record."""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field, fields, replace
from datetime import date
from typing import Any

from flask import Blueprint, render_template, request, url_for

from ..core.decisions import DECIDED, OPEN, FindingId, Reviewed
from ..core.domain import SEVERITIES, Finding, Registry
from ..core.rules import CODES, summarise, worst_severity
from ..core.vocabulary import FINDING_STATE
from ..store.queries import CheckedRegistry, per_revision
from ..store.services import RECORD_TYPES, RecordType, slice_page
from . import visible
from ._options import Options
from ._records import can_edit
from .as_of import parse_as_of_boxes

bp = Blueprint("findings", __name__)


@dataclass(frozen=True)
class Filters:
    """What the user asked to see; an empty value means any."""

    code: str = ""
    severity: str = ""
    state: str = ""
    owner: str = ""
    organisation: str = ""
    agreement: str = ""
    programme: str = ""

    @classmethod
    def from_args(cls, args: Mapping[str, str]) -> Filters:
        return cls(**{f.name: (args.get(f.name) or "").strip() for f in fields(cls)})

    def active(self) -> dict[str, str]:
        return {f.name: getattr(self, f.name) for f in fields(self) if getattr(self, f.name)}


def _record(finding: Finding, registry: Registry) -> tuple[RecordType[Any], Any] | tuple[None, None]:
    """The finding's record type and record, or (None, None) when the registry has no such record."""
    rt = RECORD_TYPES.get(finding.subject_type)
    record = rt.records(registry).get(finding.subject_key) if rt else None
    return (rt, record) if rt and record is not None else (None, None)


def about_organisation(finding: Finding, registry: Registry, key: str) -> bool:
    """Whether the finding is about the organisation, an agreement it is party to or owns, or a flow
    it sends or receives."""
    rt, record = _record(finding, registry)
    return rt is not None and key in rt.organisations(record)


def about_agreement(finding: Finding, registry: Registry, key: str) -> bool:
    """Whether the finding is about the agreement or a flow it covers."""
    rt, record = _record(finding, registry)
    return rt is not None and key in rt.agreements(record)


def about_programme(finding: Finding, registry: Registry, programme: str) -> bool:
    """Whether the finding is about a flow of the programme."""
    rt, record = _record(finding, registry)
    return rt is not None and programme in rt.programmes(record)


def apply_filters(
    findings: Iterable[Finding],
    registry: Registry,
    filters: Filters,
    reviewed: Mapping[FindingId, Reviewed] | None = None,
) -> list[Finding]:
    """The findings that match every filter given; ``reviewed`` gives each one's state and owner."""
    states = reviewed or {}

    def review_of(f: Finding) -> Reviewed | None:
        return states.get((f.subject_type, f.subject_key, f.code))

    def state_matches(f: Finding) -> bool:
        r = review_of(f)
        return (r.state if r else OPEN) == filters.state

    def owner_matches(f: Finding) -> bool:
        r = review_of(f)
        return r is not None and r.action is not None and r.action.owner == filters.owner.lower()

    return [
        f
        for f in findings
        if (not filters.code or f.code == filters.code)
        and (not filters.severity or f.severity == filters.severity)
        and (not filters.state or state_matches(f))
        and (not filters.owner or owner_matches(f))
        and (not filters.organisation or about_organisation(f, registry, filters.organisation))
        and (not filters.agreement or about_agreement(f, registry, filters.agreement))
        and (not filters.programme or about_programme(f, registry, filters.programme))
    ]


@dataclass(frozen=True)
class Group:
    """The findings about one record."""

    subject_type: str
    subject_key: str
    label: str
    findings: list[Finding]

    @property
    def worst(self) -> str | None:
        return worst_severity(self.findings)


def record_label(registry: Registry, subject_type: str, key: str) -> str:
    """A record's name as people know it: the organisation's name, the agreement's title, the
    flow's name with who sends and who receives."""
    rt = RECORD_TYPES.get(subject_type)
    record = rt.records(registry).get(key) if rt else None
    return rt.describe(record, registry) if rt and record is not None else key


def group_by_record(findings: Iterable[Finding], registry: Registry, labelled: bool = True) -> list[Group]:
    """Findings grouped by their record, in the order the records first appear (worst first, as
    the rules sort them). With ``labelled`` false the labels are left empty, for :func:`label`
    to fill in on the page shown only."""
    groups: dict[tuple[str, str], list[Finding]] = {}
    for f in findings:
        groups.setdefault((f.subject_type, f.subject_key), []).append(f)
    return [
        Group(subject_type, key, record_label(registry, subject_type, key) if labelled else "", items)
        for (subject_type, key), items in groups.items()
    ]


def label(groups: Iterable[Group], registry: Registry) -> list[Group]:
    """The groups with their records' labels."""
    return [replace(g, label=record_label(registry, g.subject_type, g.subject_key)) for g in groups]


#: Records shown on one page of findings.
RECORDS_PER_PAGE = 50


def filter_options(checked: CheckedRegistry) -> dict[str, Options]:
    """:func:`filter_choices` of the checked registry, written out once per revision."""
    owners = sorted({a.owner for a in checked.actions})
    return per_revision(
        checked.revision, "findings-filters", None, lambda: filter_choices(checked.live, owners)
    )


def filter_choices(registry: Registry, owners: Iterable[str] = ()) -> dict[str, Options]:
    """The options of each filter's select, each starting with "any"."""
    organisations = sorted(registry.organisations.values(), key=lambda o: o.name.lower())
    agreements = sorted(registry.agreements.values(), key=lambda a: a.key)
    programmes = sorted({f.programme for f in registry.flows.values() if f.programme})
    pairs = {
        "code": [("", "Any code"), *((code, code) for code in sorted(CODES))],
        "severity": [("", "Any severity"), *((s, s.capitalize()) for s in SEVERITIES)],
        "state": [("", "Any state"), *FINDING_STATE.choices().items()],
        "owner": [("", "Any owner"), *((o, o) for o in owners)],
        "organisation": [("", "Any organisation"), *((o.key, o.name) for o in organisations)],
        "agreement": [("", "Any agreement"), *((a.key, f"{a.title} ({a.key})") for a in agreements)],
        "programme": [("", "Any programme"), *((p, p) for p in programmes)],
    }
    return {name: Options.of(options) for name, options in pairs.items()}


@dataclass(frozen=True)
class Selection:
    """The findings that match a set of filters, counted and grouped by record (labels left out)."""

    shown: list[Finding]
    summary: dict[str, int]
    groups: list[Group]
    #: Of ``summary``, how many of each severity are decided (the rest are open or lapsed).
    decided: dict[str, int] = field(default_factory=dict)


def selection_for(checked: CheckedRegistry, filters: Filters) -> Selection:
    """The findings ``filters`` select from a checked registry, worked out once per revision, date
    and filters (:func:`~isa_registry.store.queries.per_revision`)."""

    def work() -> Selection:
        reviewed = checked.reviewed_by_id
        shown = apply_filters(checked.findings, checked.live, filters, reviewed)
        decided = summarise(
            f
            for f in shown
            if (r := reviewed.get((f.subject_type, f.subject_key, f.code))) and r.state == DECIDED
        )
        return Selection(
            shown, summarise(shown), group_by_record(shown, checked.live, labelled=False), dict(decided)
        )

    return per_revision(checked.revision, "findings", (checked.as_of, filters), work)


@bp.get("/findings")
def index() -> tuple[str, int]:
    """Every finding as of a date, with filters, grouped by record (400 when the date is not one)."""
    today = date.today()
    as_of, date_parts, date_error = parse_as_of_boxes(request.args, today)
    filters = Filters.from_args(request.args)
    checked = visible.checked(as_of)
    registry = checked.live
    selection = selection_for(checked, filters)
    keep: dict[str, Any] = {k: v for k, v in request.args.items() if k not in ("severity", "page") and v}
    page = slice_page(selection.groups, request.args.get("page", 1, type=int), RECORDS_PER_PAGE)
    return render_template(
        "findings/index.html",
        as_of=as_of,
        today=today,
        date_parts=date_parts,
        date_error=date_error,
        filters=filters,
        choices=filter_options(checked),
        total=len(checked.findings),
        summary=selection.summary,
        severities=SEVERITIES,
        severity_urls={s: url_for("findings.index", **keep, severity=s) for s in SEVERITIES},
        groups=label(page.items, registry),
        page=page,
        shown=len(selection.shown),
        decided=selection.decided,
        reviewed=checked.reviewed_by_id,
        can_decide=can_edit(),
    ), 400 if date_error else 200
