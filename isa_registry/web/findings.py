"""The findings page: every rule's findings as of a date, filtered and grouped by record."""

from __future__ import annotations

import bisect
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field, fields, replace
from datetime import date
from typing import Any

from flask import Blueprint, render_template, request, url_for

from ..core.decisions import DECIDED, OPEN, FindingId, Reviewed
from ..core.domain import SEVERITIES, Finding, Registry
from ..core.rules import CODES, summarise, worst_severity
from ..core.rules._common import agreement_label, flow_label, organisation_label
from ..core.rules.incremental import about_subjects, with_inserted, without_subjects
from ..core.scope import SEVERITY_RANK
from ..core.vocabulary import FINDING_STATE
from ..store.queries import CheckedRegistry, Since, per_revision
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


def subject_label(registry: Registry, subject_type: str, key: str) -> str | None:
    """How the rules' messages name a record at their start (:mod:`isa_registry.core.rules`), or
    None when the record is not in the registry."""
    if subject_type == "flow" and key in registry.flows:
        return flow_label(registry, registry.flows[key])
    if subject_type == "agreement" and key in registry.agreements:
        return agreement_label(registry.agreements[key])
    if subject_type == "organisation" and key in registry.organisations:
        return organisation_label(registry.organisations[key])
    return None


def without_subject(finding: Finding, registry: Registry) -> str:
    """A finding's message under its record's heading: without the record's name at its start.

    "FLOW-012 'MASH' ...: no retention is recorded." reads "No retention is recorded."; an
    agreement's "DSPP-ISA-005 'Youth justice' is active but has no review date." reads "This
    agreement is active but has no review date.". A message that does not start with the name is
    shown as it is. The stored message (what ``check`` prints, what decisions compare) is unchanged.
    """
    message = finding.message
    name = subject_label(registry, finding.subject_type, finding.subject_key)
    if not name or not message.startswith(name):
        return message
    rest = message[len(name) :]
    if rest.startswith(": ") and len(rest) > 2:
        return rest[2].upper() + rest[3:]
    if rest.startswith(" ") and len(rest) > 1:
        return f"This {finding.subject_type} {rest[1:]}"
    return message


def short_messages(groups: Iterable[Group], registry: Registry) -> dict[str, str]:
    """Each message of the groups' findings -> how the page shows it (:func:`without_subject`)."""
    return {f.message: without_subject(f, registry) for g in groups for f in g.findings}


#: Records shown on one page of findings.
RECORDS_PER_PAGE = 50


def filter_options(checked: CheckedRegistry) -> dict[str, Options]:
    """:func:`filter_choices` of the checked registry, written out once per revision (and kept
    from the revision before when neither an organisation nor an agreement changed since)."""
    owners = sorted({a.owner for a in checked.actions})
    return per_revision(
        checked.revision,
        "findings-filters",
        tuple(owners),
        lambda: filter_choices(checked.live, owners),
        since=checked.since,
        update=lambda old, since: old
        if _same_choices(checked.live, since)
        else filter_choices(checked.live, owners),
    )


def _same_choices(registry: Registry, since: Since) -> bool:
    """Whether the organisations, agreements and programmes to choose from are as they were."""

    def programme(flow: Any) -> str | None:
        return flow.programme if flow is not None else None

    return all(
        t == "flow" and programme(since.before.get((t, k))) == programme(registry.flows.get(k))
        for t, k in since.changed
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
    #: Each record's group, and how many of its findings shown of each severity are decided.
    index: dict[tuple[str, str], Group] = field(default_factory=dict)
    decided_by_record: dict[tuple[str, str], dict[str, int]] = field(default_factory=dict)


def _group_order(group: Group) -> tuple[int, str, str]:
    """Where a group comes: the order in which records first appear among findings sorted as the
    rules sort them (worst severity first, then subject type and key)."""
    return (SEVERITY_RANK[group.worst or "info"], group.subject_type, group.subject_key)


def _select(checked: CheckedRegistry, findings: list[Finding], filters: Filters) -> Selection:
    reviewed = checked.reviewed_by_id
    shown = apply_filters(findings, checked.live, filters, reviewed)
    groups = group_by_record(shown, checked.live, labelled=False)
    decided_by_record: dict[tuple[str, str], dict[str, int]] = {}
    for f in shown:
        r = reviewed.get((f.subject_type, f.subject_key, f.code))
        if r is not None and r.state == DECIDED:
            counts = decided_by_record.setdefault(
                (f.subject_type, f.subject_key), dict.fromkeys(SEVERITIES, 0)
            )
            counts[f.severity] += 1
    decided = {s: sum(c[s] for c in decided_by_record.values()) for s in SEVERITIES}
    index = {(g.subject_type, g.subject_key): g for g in groups}
    return Selection(shown, summarise(shown), groups, decided, index, decided_by_record)


def _update_selection(old: Selection, checked: CheckedRegistry, filters: Filters, since: Since) -> Selection:
    """``old`` (the selection of the registry ``since`` was brought up to date from) with the records
    ``since`` touched selected again: the findings about every other record, their reviews and
    the registry's records they are filtered by are the same."""
    touched = since.touched
    again = _select(checked, about_subjects(checked.findings, touched), filters)
    shown = with_inserted(without_subjects(old.shown, touched), again.shown)
    gone = [old.index[r] for r in touched if r in old.index]
    before = summarise(f for g in gone for f in g.findings)
    summary = {s: n - before[s] + again.summary[s] for s, n in old.summary.items()}
    decided_by_record = {r: c for r, c in old.decided_by_record.items() if r not in touched}
    decided_by_record.update(again.decided_by_record)
    decided = {s: sum(c[s] for c in decided_by_record.values()) for s in SEVERITIES}
    groups = list(old.groups)
    for g in gone:
        at = bisect.bisect_left(groups, _group_order(g), key=_group_order)
        del groups[at]
    for g in again.groups:
        bisect.insort_right(groups, g, key=_group_order)
    index = dict(old.index)
    for g in gone:
        del index[(g.subject_type, g.subject_key)]
    index.update(again.index)
    return Selection(shown, summary, groups, decided, index, decided_by_record)


def selection_for(checked: CheckedRegistry, filters: Filters) -> Selection:
    """The findings ``filters`` select from a checked registry, worked out once per revision, date
    and filters (:func:`~isa_registry.store.queries.per_revision`); after a change, the selection
    of the revision before is updated for the records the change touched."""
    return per_revision(
        checked.revision,
        "findings",
        (checked.as_of, filters),
        lambda: _select(checked, checked.findings, filters),
        since=checked.since,
        update=lambda old, since: _update_selection(old, checked, filters, since),
    )


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
    groups = label(page.items, registry)
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
        groups=groups,
        messages=short_messages(groups, registry),
        page=page,
        shown=len(selection.shown),
        decided=selection.decided,
        reviewed=checked.reviewed_by_id,
        can_decide=can_edit(),
    ), 400 if date_error else 200
