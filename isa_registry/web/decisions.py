"""Deciding on findings: the decision form, withdrawal, actions, deciding several at once, my actions.

Editors and admins only (viewers get 403 and never see the links). Accepting the risk of an error
needs an admin; the form tells an editor why. A finding is decided as it stands today.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import date
from typing import Any

from flask import Blueprint, abort, flash, redirect, render_template, request, url_for
from flask_login import current_user
from markupsafe import Markup
from werkzeug.wrappers import Response

from ..core.decisions import Reviewed, needs_admin
from ..core.domain import Finding
from ..core.rules import sort_key
from ..core.vocabulary import DECISION, FINDING_STATE
from ..store import decisions as service
from ..store.db import db
from ..store.errors import InvalidRecord
from ..store.queries import CheckedRegistry, checked_registry
from .auth import editor_required
from .findings import record_label

bp = Blueprint("decisions", __name__)

#: The colour of each finding state's tag: open red, decided green, lapsed orange.
STATE_COLOURS = {"open": "govuk-tag--red", "decided": "govuk-tag--green", "lapsed": "govuk-tag--orange"}


@bp.app_template_global()
def state_tag(state: str) -> Markup:
    """A finding's state (open, decided, lapsed) as a tag."""
    return Markup('<strong class="govuk-tag {} app-state-tag">{}</strong>').format(
        STATE_COLOURS.get(state, ""), FINDING_STATE[state].label if state in FINDING_STATE else state
    )


@bp.app_template_global()
def overdue_tag() -> Markup:
    """A red "Overdue" tag, for an action past its due date."""
    return Markup('<strong class="govuk-tag govuk-tag--red">Overdue</strong>')


_PARTS = ("day", "month", "year")


@dataclass
class Answers:
    """What the decision form was given, and what is wrong with it (field id -> message)."""

    decision: str = ""
    reason: str = ""
    review_by: date | None = None
    review_by_parts: dict[str, str] = field(default_factory=lambda: dict.fromkeys(_PARTS, ""))
    errors: dict[str, str] = field(default_factory=dict)

    def error_list(self) -> list[dict[str, str]]:
        """The errors as GOV.UK error summary items, linking to their fields."""
        anchors = {"decision": "decision", "reason": "reason", "review_by": "review_by-day"}
        return [{"text": m, "href": f"#{anchors.get(k, k)}"} for k, m in self.errors.items()]


def date_from_boxes(
    form: Mapping[str, str], prefix: str, what: str
) -> tuple[date | None, dict[str, str], str | None]:
    """The date typed in a GOV.UK date input's boxes, what to show in them again, and an error."""
    parts = {p: (form.get(f"{prefix}-{p}") or "").strip() for p in _PARTS}
    if not any(parts.values()):
        return None, parts, None
    try:
        return date(int(parts["year"]), int(parts["month"]), int(parts["day"])), parts, None
    except ValueError:
        return None, parts, f"{what} must be a real date, for example 23 11 2027"


def read_answers(form: Mapping[str, str], severity: str, is_admin: bool) -> Answers:
    """The decision form's answers, checked as the page words its errors."""
    answers = Answers(
        decision=(form.get("decision") or "").strip(), reason=(form.get("reason") or "").strip()
    )
    answers.review_by, answers.review_by_parts, date_error = date_from_boxes(
        form, "review_by", "Review-by date"
    )
    if answers.decision not in DECISION:
        answers.errors["decision"] = "Select whether the risk is accepted or the rule does not apply here"
    elif needs_admin(answers.decision, severity) and not is_admin:
        answers.errors["decision"] = service.ADMIN_ONLY
    if not answers.reason:
        answers.errors["reason"] = "Enter the reason for the decision"
    if date_error:
        answers.errors["review_by"] = date_error
    elif answers.decision == "accepted" and severity == "error" and answers.review_by is None:
        answers.errors["review_by"] = "Enter the date by which the accepted risk is to be reviewed"
    elif answers.review_by is not None and answers.review_by < date.today():
        answers.errors["review_by"] = "Review-by date must be today or in the future"
    return answers


def _finding(subject_type: str, key: str, code: str) -> tuple[CheckedRegistry, Reviewed]:
    checked = checked_registry(date.today())
    reviewed = checked.reviewed_by_id.get((subject_type, key, code))
    if reviewed is None:
        abort(404)
    return checked, reviewed


def _page(
    checked: CheckedRegistry,
    reviewed: Reviewed,
    answers: Answers | None = None,
    action_errors: Mapping[str, str] | None = None,
    action_values: Mapping[str, Any] | None = None,
) -> str:
    f = reviewed.finding
    return render_template(
        "decisions/show.html",
        r=reviewed,
        f=f,
        label=record_label(checked.full, f.subject_type, f.subject_key),
        history=checked.decisions_on(*reviewed.id),
        answers=answers or Answers(),
        action_errors=dict(action_errors or {}),
        action_values=dict(action_values or {}),
        decisions=DECISION,
        today_date=date.today(),
        admin_only=service.ADMIN_ONLY if f.severity == "error" and not current_user.is_admin else None,
    )


def _decided(findings: list[Finding], answers: Answers) -> bool:
    """Record the answered decision on ``findings``, as the signed-in user, today; False, with why
    among the answers' errors, when the service refuses it."""
    try:
        service.decide_many(
            db.session,
            current_user.email,
            current_user.is_admin,
            findings,
            answers.decision,
            answers.reason,
            answers.review_by,
            date.today(),
        )
    except (InvalidRecord, service.NotAllowed) as exc:
        answers.errors.update(exc.errors if isinstance(exc, InvalidRecord) else {"decision": str(exc)})
        return False
    return True


@bp.get("/findings/<subject_type>/<key>/<code>")
@editor_required
def show(subject_type: str, key: str, code: str) -> str:
    """A finding: its state, the decision form, its action and the history of decisions on it."""
    checked, reviewed = _finding(subject_type, key, code)
    return _page(checked, reviewed)


@bp.post("/findings/<subject_type>/<key>/<code>")
@editor_required
def decide(subject_type: str, key: str, code: str) -> Response | tuple[str, int]:
    """Record a decision on the finding."""
    checked, reviewed = _finding(subject_type, key, code)
    answers = read_answers(request.form, reviewed.finding.severity, current_user.is_admin)
    if not answers.errors and _decided([reviewed.finding], answers):
        flash(f"Decision recorded: {DECISION[answers.decision].label.lower()}.", "success")
        return redirect(url_for("decisions.show", subject_type=subject_type, key=key, code=code))
    status = 403 if answers.errors.get("decision") == service.ADMIN_ONLY else 400
    return _page(checked, reviewed, answers), status


@bp.post("/findings/<subject_type>/<key>/<code>/withdraw")
@editor_required
def withdraw(subject_type: str, key: str, code: str) -> Response | tuple[str, int]:
    """Withdraw the decision in force: the finding is open again; the decision is kept."""
    checked, reviewed = _finding(subject_type, key, code)
    try:
        service.withdraw(db.session, current_user.email, reviewed.finding, date.today())
    except InvalidRecord as exc:
        return _page(checked, reviewed, Answers(errors=exc.errors)), 400
    flash("Decision withdrawn: the finding is open again.", "success")
    return redirect(url_for("decisions.show", subject_type=subject_type, key=key, code=code))


@bp.post("/findings/<subject_type>/<key>/<code>/action")
@editor_required
def assign(subject_type: str, key: str, code: str) -> Response | tuple[str, int]:
    """Give the finding an owner and a due date."""
    checked, reviewed = _finding(subject_type, key, code)
    owner = (request.form.get("owner") or "").strip()
    due_on, parts, date_error = date_from_boxes(request.form, "due_on", "Due date")
    errors: dict[str, str] = {}
    if not owner:
        errors["owner"] = "Enter the owner's e-mail address, or a team's mailbox"
    if date_error:
        errors["due_on"] = date_error
    if not errors:
        try:
            service.assign(db.session, current_user.email, reviewed.finding, owner, due_on, date.today())
        except InvalidRecord as exc:
            errors.update(exc.errors)
        else:
            flash(f"Action assigned to {owner.lower()}.", "success")
            return redirect(url_for("decisions.show", subject_type=subject_type, key=key, code=code))
    return _page(
        checked, reviewed, action_errors=errors, action_values={"owner": owner, "due_on": parts}
    ), 400


def _selected(checked: CheckedRegistry, values: list[str]) -> list[Reviewed]:
    """The findings named ``type|key|code`` that are findings today, once each, in the findings' order."""
    by_id = checked.reviewed_by_id
    wanted = {(t, k, c) for t, k, c in (v.split("|", 2) for v in values if v.count("|") == 2)}
    chosen = [r for fid in wanted if (r := by_id.get(fid)) is not None]
    return sorted(chosen, key=lambda r: sort_key(r.finding))


@bp.route("/findings/decide", methods=["GET", "POST"])
@editor_required
def decide_many() -> Response | str | tuple[str, int]:
    """Decide several findings of one code together, with one reason."""
    checked = checked_registry(date.today())
    source = request.form if request.method == "POST" else request.args
    chosen = _selected(checked, source.getlist("finding"))
    codes = sorted({r.finding.code for r in chosen})
    errors: dict[str, str] = {}
    if not chosen:
        errors["finding"] = "Select at least one finding to decide on"
    elif len(codes) > 1:
        errors["finding"] = (
            "Select findings of one code to decide on together (you selected " + ", ".join(codes) + ")"
        )
    severity = chosen[0].finding.severity if chosen else "info"
    answers = Answers()
    if request.method == "POST" and not errors:
        answers = read_answers(request.form, severity, current_user.is_admin)
        if not answers.errors and _decided([r.finding for r in chosen], answers):
            flash(f"Decision recorded on {len(chosen)} findings.", "success")
            return redirect(url_for("findings.index", code=codes[0]))
    page = render_template(
        "decisions/many.html",
        chosen=chosen,
        labels={
            r.id: record_label(checked.full, r.finding.subject_type, r.finding.subject_key) for r in chosen
        },
        errors=errors,
        answers=answers,
        decisions=DECISION,
        admin_only=service.ADMIN_ONLY if severity == "error" and not current_user.is_admin else None,
    )
    if errors or answers.errors:
        return page, 403 if answers.errors.get("decision") == service.ADMIN_ONLY else 400
    return page


@bp.get("/my-actions")
@editor_required
def my_actions() -> str:
    """The actions the signed-in user owns on findings still open, overdue first."""
    today = date.today()
    checked = checked_registry(today)
    mine = [
        r
        for r in checked.reviewed
        if r.is_open and r.action is not None and r.action.owner == current_user.email.lower()
    ]
    mine.sort(key=lambda r: (r.action.due_on if r.action else today, r.id))
    return render_template(
        "decisions/my_actions.html",
        today=today,
        mine=mine,
        labels={
            r.id: record_label(checked.full, r.finding.subject_type, r.finding.subject_key) for r in mine
        },
    )
