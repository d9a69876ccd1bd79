"""Flows: the list, a page per flow with the law it relies on in words and its findings, and the forms
to create, edit and archive.

The form guides the editor through the law without needing JavaScript: every question is on the
page, and those that apply only sometimes say when (the Art 9 condition "if you chose special
category data"; the law-enforcement basis under that regime). ``static/js/flow-form.js`` shows and
hides them as the answers change. A flow may be saved with gaps: its page then shows the findings.
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from datetime import date
from typing import Any

from flask import Blueprint, render_template, request
from sqlalchemy import select

from ..core.domain import BasisOf, Flow
from ..core.law import ANNEX1, ARTICLE6, ARTICLE9, ARTICLE9_NEEDS_SCHEDULE1, CATEGORIES, SCHEDULE1, SCHEDULE8
from ..core.law.adequacy import adequacy_status
from ..store import services
from ..store.db import db
from ..store.models import Agreement as AgreementModel
from ..store.queries import per_revision
from ..store.services import FLOW, ListParams, Page
from . import visible
from ._options import Options
from ._records import (
    FormPages,
    ListPage,
    add_record_routes,
    can_edit,
    record_context,
)
from .forms import (
    HINTS,
    LABELS,
    FlowForm,
    annex1_label,
    article6_label,
    article9_label,
    category_groups,
    field_labels,
    flow_data,
    legislation_entry,
    legislation_groups,
    schedule1_groups,
    schedule1_hint,
    schedule1_label,
    schedule8_label,
)

bp = Blueprint("flows", __name__, url_prefix="/flows")

FIELD_LABELS = {
    **field_labels(FlowForm),
    "international_transfer": "International transfer",
    "security_measures": "Security measures",
    "recipient_basis": "The recipient's basis",
}


def _list(params: ListParams) -> Page:
    """A page of flows. The severity filter needs the rules, so only then is the registry loaded
    and checked (once); everything else is done in SQL."""
    return services.list_flows_by_severity(db.session, params, lambda: visible.checked(date.today()).findings)


def _list_context() -> dict[str, object]:
    return {
        **filter_options(),
        "status_options": STATUS_OPTIONS,
        "category_options": CATEGORY_OPTIONS,
        "severity_options": SEVERITY_OPTIONS,
    }


#: The filters whose options do not depend on the registry.
STATUS_OPTIONS = Options.of([("", "Any status"), *LABELS["flow_status"].items()])
CATEGORY_OPTIONS = Options.of(
    [("", "Any data"), *(pair for _, _, choices in category_groups() for pair in choices)]
)
SEVERITY_OPTIONS = Options.of(
    [
        ("", "Any"),
        ("error", "With errors"),
        ("warning", "With warnings"),
        ("info", "With information"),
        ("none", "With no findings"),
    ]
)


def filter_options() -> dict[str, object]:
    """The options of the flows list's organisation, agreement and programme filters, written out
    once per registry revision."""

    def options() -> dict[str, object]:
        organisations = visible.organisation_choices()
        agreements = visible.agreement_choices()
        return {
            "organisation_options": Options.of([("", "Any organisation"), *organisations]),
            "agreement_options": Options.of(
                [("", "Any agreement"), ("none", "No agreement"), *((k, f"{k} {t}") for k, t in agreements)]
            ),
            "programme_options": Options.of([("", "Any programme"), *((p, p) for p in visible.programmes())]),
        }

    return per_revision(visible.revision(), "flows-filters", None, options)


@dataclass(frozen=True)
class Provision:
    """A provision as a record page shows it."""

    label: str
    url: str
    summary: str


def law_in_words(flow: BasisOf, categories: list[str]) -> dict[str, object]:
    """The law a basis relies on (the flow's own, or its recipient's), in words with links, and the
    data ``categories``, for the flow's page."""

    def provision(catalogue: dict, code: str | None, label: str) -> Provision | None:
        if not code:
            return None
        entry = catalogue.get(code)
        return Provision(label, entry.url if entry else "", entry.summary if entry else "")

    return {
        "article6": provision(ARTICLE6, flow.article6, article6_label(flow.article6)),
        "recognised_interest": provision(
            ANNEX1, flow.recognised_interest, annex1_label(flow.recognised_interest)
        ),
        "article9": provision(ARTICLE9, flow.article9, article9_label(flow.article9)),
        "schedule1": [provision(SCHEDULE1, p, schedule1_label(p)) for p in flow.schedule1],
        "schedule8": [provision(SCHEDULE8, p, schedule8_label(p)) for p in flow.schedule8],
        "legislation": [legislation_entry(i) for i in flow.legislation],
        "categories": [
            (
                CATEGORIES[c].label if c in CATEGORIES else c,
                CATEGORIES[c].kind if c in CATEGORIES else "unknown",
            )
            for c in categories
        ],
    }


@bp.get("/<key>")
def show(key: str) -> str:
    """One flow: its details and the law in words, its findings and its history."""
    ctx = record_context(FLOW, key)
    registry = ctx.registry
    flow = registry.flows[key]
    return render_template(
        "flows/show.html",
        flow=flow,
        registry=registry,
        agreement=registry.agreements.get(flow.agreement) if flow.agreement else None,
        findings=ctx.findings,
        reviewed=ctx.reviewed,
        law=law_in_words(flow, flow.data_categories),
        recipient_law=law_in_words(flow.recipient_basis, []) if flow.recipient_basis else None,
        adequacy=adequacy_status(flow.international_transfer.country)
        if flow.international_transfer
        else None,
        history=services.history(db.session, FLOW.subject_type, key),
        labels=LABELS,
        data_subjects=[LABELS["data_subject"].get(s, s) for s in flow.data_subjects],
        can_edit=can_edit(),
    )


def _form_context(form: FlowForm, key: str | None, current: Flow | None) -> dict[str, Any]:
    """What a flow's form shows besides its fields: the law's hints and groups, the programmes in
    use, whether a transfer's country is adequate, and the draft agreements (a new flow only). The
    form's choices were set before it was validated (``prepare``)."""
    needs = {code: sorted(paras, key=int) for code, paras in ARTICLE9_NEEDS_SCHEDULE1.items()}
    return {
        "hints": HINTS,
        "article6_hints": {c: p.summary for c, p in ARTICLE6.items()},
        "article9_hints": {c: p.summary for c, p in ARTICLE9.items()},
        "category_groups": category_groups(),
        "schedule1_groups": schedule1_groups(),
        "schedule1_hint": schedule1_hint(form.article9.data, form.criminal_chosen()),
        "schedule1_summaries": {c: s.summary for c, s in SCHEDULE1.items()},
        "schedule8_summaries": {c: s.summary for c, s in SCHEDULE8.items()},
        "article9_needs": json.dumps(needs),
        "legislation_groups": legislation_groups(),
        "programmes": services.programmes(db.session),
        "special_chosen": form.special_chosen(),
        "adequacy": adequacy_status(form.international_transfer.form.country.data),
        "draft_agreements": " ".join(_draft_agreements()) if key is None else "",
    }


def _draft_agreements() -> list[str]:
    """The keys of the draft agreements: a flow recorded under one is planned until it is signed."""
    a = AgreementModel.__table__
    return list(
        db.session.scalars(
            select(a.c.key).where(a.c.status == "draft", a.c.archived.is_(False)).order_by(a.c.key)
        )
    )


def _prepare(form: FlowForm) -> None:
    """Offer current organisations and agreements (and keep those the flow already names)."""
    organisations = services.organisation_choices(db.session, keep=[form.source.data, form.recipient.data])
    agreements = services.agreement_choices(db.session, keep=[form.agreement.data])
    form.set_choices(organisations, [(k, f"{k} {t}") for k, t in agreements])


def _start() -> dict[str, str]:
    """What a new flow's form shows first: the ends and agreement the link it came from names
    (planned when that agreement is a draft), under UK GDPR."""
    start = {
        name: value for name in ("source", "recipient", "agreement") if (value := request.args.get(name))
    }
    status = "planned" if start.get("agreement") in _draft_agreements() else "active"
    return {"status": status, "regime": "uk_gdpr", **start}


add_record_routes(
    bp,
    ListPage(
        (
            ("key", "Key"),
            ("name", "Name"),
            ("source", "From"),
            ("recipient", "To"),
            ("agreement", "Agreement"),
            ("programme", "Programme"),
            ("status", "Status"),
        ),
        _list,
        "flows/index.html",
        _list_context,
    ),
    FormPages(
        FLOW,
        FlowForm,
        flow_data,
        "flows/form.html",
        _form_context,
        FIELD_LABELS,
        prepare=lambda form, _: _prepare(form),
        start=_start,
    ),
)
