"""Organisations: the list, a page per organisation, and the forms to create, edit and archive."""

from __future__ import annotations

from typing import Any

from flask import Blueprint, render_template

from ..core.domain import Organisation
from ..store import services
from ..store.db import db
from ..store.services import ORGANISATION
from ._records import (
    FormPages,
    ListPage,
    add_record_routes,
    can_edit,
    record_context,
)
from .forms import LABELS, OrganisationForm, field_labels, organisation_data

bp = Blueprint("organisations", __name__, url_prefix="/organisations")

FIELD_LABELS = field_labels(OrganisationForm)


#: How many flows in and out an organisation's page lists; the flows list has them all.
FLOWS_SHOWN = 100


@bp.get("/<key>")
def show(key: str) -> str:
    """One organisation: its details, findings, flows out and in, agreements and history."""
    ctx = record_context(ORGANISATION, key)
    registry = ctx.registry
    org = registry.organisations[key]
    flows_out, flows_in = [], []
    for f in registry.flows.values():
        if f.source == key:
            flows_out.append(f)
        elif f.recipient == key:
            flows_in.append(f)
    agreements = sorted(
        (a for a in registry.agreements.values() if key in a.party_keys() or a.owner == key),
        key=lambda a: a.key,
    )
    return render_template(
        "organisations/show.html",
        org=org,
        registry=registry,
        findings=ctx.findings,
        reviewed=ctx.reviewed,
        flows_out=sorted(flows_out, key=lambda f: f.key),
        flows_in=sorted(flows_in, key=lambda f: f.key),
        agreements=agreements,
        successor_of=[o for o in registry.organisations.values() if o.successor == key],
        history=services.history(db.session, ORGANISATION.subject_type, key),
        flows_shown=FLOWS_SHOWN,
        labels=LABELS,
        can_edit=can_edit(),
    )


def _prepare(form: OrganisationForm, current: Organisation | None) -> None:
    """Offer the current organisations as a successor (and keep the one the record names)."""
    keep = [current.successor] if current else []
    form.successor.choices = services.organisation_choices(db.session, keep=keep)


def _form_context(form: OrganisationForm, key: str | None, current: Organisation | None) -> dict[str, Any]:
    """Offer every other organisation as a successor (and keep the one chosen)."""
    form.successor.choices = [
        (k, n) for k, n in services.organisation_choices(db.session, keep=[form.successor.data]) if k != key
    ]
    return {}


add_record_routes(
    bp,
    ListPage(
        (
            ("key", "Key"),
            ("name", "Name"),
            ("kind", "Kind"),
            ("public_authority", "Public authority"),
            ("status", "Status"),
        ),
        lambda params: services.list_organisations(db.session, params),
        "organisations/index.html",
    ),
    FormPages(
        ORGANISATION,
        OrganisationForm,
        organisation_data,
        "organisations/form.html",
        _form_context,
        FIELD_LABELS,
        _prepare,
    ),
)
