"""Agreements: the list, a page per agreement with its parties' sign-offs and lifecycle, and the forms
to create, edit, sign, change status and archive.

Lifecycle (see :mod:`isa_registry.store.services`): an agreement starts as draft or under review; each
party's sign-off is recorded on its own page; it can be activated only once every party has signed;
signing never activates it by itself.
"""

from __future__ import annotations

from datetime import date
from typing import Any

from flask import Blueprint, abort, current_app, flash, redirect, render_template, request, url_for
from flask_login import current_user
from werkzeug.wrappers import Response

from ..core.domain import Agreement
from ..core.exchange import agreement_to_dict
from ..store import services
from ..store.db import db
from ..store.queries import per_revision
from ..store.services import AGREEMENT, TRANSITIONS, InvalidRecord, NotFound, StaleRecord, unsigned_parties
from . import documents, visible
from ._options import Options
from ._records import (
    FormPages,
    ListPage,
    actor,
    add_record_routes,
    can_edit,
    record_context,
    record_or_404,
)
from .auth import editor_required
from .forms import (
    LABELS,
    AgreementForm,
    DpoReviewForm,
    SignForm,
    StatusForm,
    agreement_data,
    category_groups,
    category_label,
    field_labels,
)

bp = Blueprint("agreements", __name__, url_prefix="/agreements")

FIELD_LABELS = {**field_labels(AgreementForm), "parties": "Parties"}

#: A party's sign-off: what only the sign-off pages record, never the edit form.
SIGN_OFF_FIELDS = (
    "signed_on",
    "signed_by",
    "signatory_role",
    "signed_by_account",
    "recorded_by",
    "signed_at",
)

#: The words of each lifecycle action, by the status it moves to.
ACTIONS = {
    "under_review": "Send for review",
    "active": "Activate",
    "draft": "Return to draft",
    "expired": "Mark as expired",
    "terminated": "Terminate",
}


def filter_options() -> dict[str, Options]:
    """The options of the list's owner and party filters, written out once per registry revision."""

    def options() -> dict[str, Options]:
        organisations = visible.organisation_choices()
        return {
            "owner_options": Options.of([("", "Any owner"), *organisations]),
            "party_options": Options.of([("", "Any party"), *organisations]),
        }

    return per_revision(visible.revision(), "agreements-filters", None, options)


def _show(
    key: str,
    errors: list[dict[str, str | None]] | None = None,
    status: int = 200,
    upload_error: str | None = None,
) -> tuple[str, int]:
    ctx = record_context(AGREEMENT, key)
    registry = ctx.registry
    agreement = registry.agreements[key]
    actions = [
        (target, ACTIONS[target])
        for target in ("under_review", "active", "draft", "expired", "terminated")
        if target in TRANSITIONS[agreement.status]
    ]
    return (
        render_template(
            "agreements/show.html",
            agreement=agreement,
            registry=registry,
            findings=ctx.findings,
            reviewed=ctx.reviewed,
            flows=sorted((f for f in registry.flows.values() if f.agreement == key), key=lambda f: f.key),
            unsigned=unsigned_parties(agreement),
            actions=actions,
            category_label=category_label,
            history=services.history(db.session, AGREEMENT.subject_type, key),
            labels=LABELS,
            errors=errors or [],
            can_edit=can_edit(),
            can_sign=agreement.status not in ("expired", "terminated") and not agreement.archived,
            **documents.page_context(key, upload_error),
            sign_as=_signs_for(),
            **_dpo_review(agreement),
        ),
        status,
    )


def _signs_for() -> str | None:
    """The organisation a partner signs for (None for everyone else)."""
    scope = visible.scope()
    return scope.organisation if scope else None


def _dpo_review(agreement: Agreement) -> dict[str, Any]:
    """What the agreement's page says of its DPO review: nothing unless ``DPO_REVIEW`` is on."""
    if not current_app.config["DPO_REVIEW"]:
        return {"dpo_review": False}
    return {
        "dpo_review": True,
        "dpo_reviews": services.dpo_reviews(db.session, agreement.key),
        "dpo_approved": services.dpo_approved(db.session, agreement.key),
        "may_review": _may_review(agreement),
    }


def _may_review(agreement: Agreement) -> bool:
    """Whether the signed-in account is the DPO of the organisation that owns ``agreement``."""
    if not (current_app.config["DPO_REVIEW"] and current_user.is_dpo):
        return False
    own = current_user.organisation
    return bool(
        own is not None
        and agreement.owner == own.key
        and agreement.status not in ("expired", "terminated")
        and not agreement.archived
    )


@bp.get("/<key>")
def show(key: str) -> tuple[str, int]:
    """One agreement: details, parties and their sign-off, findings, the flows it covers, history."""
    return _show(key)


def _status_choices(current: str | None) -> list[tuple[str, str]]:
    allowed = services.INITIAL_STATUSES if current is None else (current, *sorted(TRANSITIONS[current]))
    return [(s, LABELS["agreement_status"][s]) for s in LABELS["agreement_status"] if s in allowed]


def _form_context(form: AgreementForm, key: str | None, current: Agreement | None) -> dict[str, Any]:
    """The status choices for where the agreement is in its lifecycle, and the data categories."""
    _prepare(form, current)
    return {"category_groups": category_groups()}


def _prepare(form: AgreementForm, current: Agreement | None) -> None:
    """Set the choices the form validates against, before validation."""
    keep = [form.owner.data, *(e.form.organisation.data for e in form.parties)]
    form.set_organisations(services.organisation_choices(db.session, keep=keep))
    form.status.choices = _status_choices(current.status if current else None)


def _add_party(form: AgreementForm) -> bool:
    """A POST of the form's "Add another party" button: a row for one more party, nothing saved."""
    if "add_party" not in request.form:
        return False
    form.parties.append_entry()
    return True


def _with_saved_sign_offs(submitted: Agreement, stale: StaleRecord) -> dict[str, Any]:
    """The submission as an exchange dict, compared like with like: the sign-offs are not on the
    edit form, so they are taken from the saved record."""
    signed = {p["organisation"]: p for p in (stale.current or {}).get("parties", [])}
    theirs = agreement_to_dict(submitted)
    theirs["parties"] = [
        {**p, **{k: signed[p["organisation"]][k] for k in SIGN_OFF_FIELDS}}
        if p["organisation"] in signed
        else p
        for p in theirs["parties"]
    ]
    return theirs


@bp.route("/<key>/parties/<org_key>/sign", methods=["GET", "POST"])
def sign(key: str, org_key: str) -> Response | tuple[str, int]:
    """Sign for one's own organisation (a partner), or record a signature made on paper (an editor):
    who signed, their role, and the date."""
    partner_of = _signs_for() if visible.is_partner() else None
    if not can_edit() and not (partner_of and partner_of == org_key):
        abort(403 if partner_of is None or _party_visible(key) else 404)
    agreement, version_id = record_or_404(AGREEMENT, key)
    party = next((p for p in agreement.parties if p.organisation == org_key), None)
    if party is None:
        abort(404)
    form = SignForm(
        data={
            "signed_by": party.signed_by,
            "signatory_role": party.signatory_role,
            "signed_on": party.signed_on,
            "version_id": version_id,
        }
    )
    if partner_of:
        del form.signed_on  # signed today, by the person at the keyboard
    status, stale_message, refusal = 200, None, None
    if partner_of and (party.signed_on is not None or agreement.status in ("expired", "terminated")):
        state = LABELS["agreement_status"][agreement.status].lower()
        refusal = (
            f"{services.organisation_name(db.session, org_key)} signed agreement {key} on "
            f"{party.signed_on:%-d %B %Y}. To change a sign-off, ask the business unit."
            if party.signed_on
            else f"Agreement {key} is {state}: it cannot be signed."
        )
    if request.method == "POST":
        status = 409 if refusal else 400
        if refusal is None and form.validate():
            try:
                services.sign_agreement(
                    db.session,
                    actor(),
                    key,
                    org_key,
                    form.signed_by.data or "",
                    form.signatory_role.data or "",
                    date.today() if partner_of else form.signed_on.data,
                    form.loaded_version(),
                    as_partner_of=partner_of,
                )
            except InvalidRecord as exc:
                form.add_errors(exc.errors)
            except StaleRecord as stale:
                form.version_id.data = str(stale.version_id)
                status = 409
                stale_message = (
                    f"Agreement {key} was changed by someone else while you had this page open. "
                    "Your sign-off has not been saved: check the details and save again."
                )
            else:
                org_name = services.organisation_name(db.session, org_key)
                if partner_of:
                    flash(f"You have signed agreement {key} for {org_name}", "success")
                else:
                    flash(f"Sign-off by {org_name} recorded for agreement {key}", "success")
                return redirect(url_for(".show", key=key, _anchor="parties"))
    return _step_page(
        "agreements/sign.html",
        form,
        agreement,
        status,
        party=party,
        organisation_name=services.organisation_name(db.session, org_key),
        stale_message=stale_message,
        partner=bool(partner_of),
        refusal=refusal,
    )


def _step_page(
    template: str, form: Any, agreement: Agreement, status: int, **context: Any
) -> tuple[str, int]:
    """The page of a step in an agreement's life (a party signing, its DPO's review): the step's
    form and its errors, the agreement, and what else the step shows."""
    return (
        render_template(
            template, form=form, agreement=agreement, labels=LABELS, error_list=form.error_list(), **context
        ),
        status,
    )


def _party_visible(key: str) -> bool:
    """Whether the signed-in partner may see agreement ``key`` (else it is not found, for it)."""
    return key in visible.checked(date.today()).full.agreements


@bp.route("/<key>/dpo-review", methods=["GET", "POST"])
def dpo_review(key: str) -> Response | tuple[str, int]:
    """The owning organisation's DPO approves the agreement, or returns it with comments
    (``DPO_REVIEW`` on; 404 otherwise)."""
    if not current_user.is_dpo:
        abort(403)
    if not current_app.config["DPO_REVIEW"]:
        abort(404)
    if visible.is_partner() and not _party_visible(key):
        abort(404)
    agreement, _ = record_or_404(AGREEMENT, key)
    if not _may_review(agreement):
        abort(403)
    form = DpoReviewForm()
    status = 200
    if request.method == "POST":
        status = 400
        if form.validate():
            try:
                services.review_agreement(
                    db.session,
                    actor(),
                    key,
                    current_user.organisation.key,
                    form.outcome.data or "",
                    form.comments.data or "",
                )
            except InvalidRecord as exc:
                form.add_errors(exc.errors)
            else:
                words = "approved" if form.outcome.data == "approved" else "returned with your comments"
                flash(f"Agreement {key} {words}", "success")
                return redirect(url_for(".show", key=key, _anchor="dpo-review"))
    return _step_page(
        "agreements/dpo_review.html", form, agreement, status, reviews=services.dpo_reviews(db.session, key)
    )


@bp.post("/<key>/status")
@editor_required
def change_status(key: str) -> Response | tuple[str, int]:
    """Move the agreement through its lifecycle; activation needs every party's sign-off."""
    form = StatusForm()
    if not form.validate():
        return _show(key, errors=form.error_list(), status=400)
    try:
        services.set_agreement_status(
            db.session,
            actor(),
            key,
            form.status.data or "",
            form.loaded_version(),
            dpo_review=current_app.config["DPO_REVIEW"],
        )
    except NotFound:
        abort(404)
    except InvalidRecord as exc:
        return _show(key, errors=[{"text": m, "href": "#lifecycle"} for m in exc.errors.values()], status=409)
    except StaleRecord:
        message = f"Agreement {key} was changed by someone else: check it, then try again"
        return _show(key, errors=[{"text": message, "href": "#details"}], status=409)
    flash(f"Agreement {key} is now {LABELS['agreement_status'][form.status.data or ''].lower()}", "success")
    return redirect(url_for(".show", key=key))


add_record_routes(
    bp,
    ListPage(
        (
            ("key", "Reference"),
            ("title", "Title"),
            ("status", "Status"),
            ("owner", "Owner"),
            ("review_date", "Review date"),
            ("end_date", "End date"),
            ("signed", "Signed"),
        ),
        lambda params: services.list_agreements(db.session, params),
        "agreements/index.html",
        filter_options,
    ),
    FormPages(
        AGREEMENT,
        AgreementForm,
        agreement_data,
        "agreements/form.html",
        _form_context,
        FIELD_LABELS,
        _prepare,
        start=lambda: {"status": "draft"},
        theirs=_with_saved_sign_offs,
        interim=_add_party,
    ),
)
