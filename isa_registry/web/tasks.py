"""My tasks: what is waiting for the signed-in user, with the dates the reminders use.

Agreements to sign or review (the user is the owning organisation's DPO contact, a party's DPO
contact, or a signatory), the actions on findings given to them, and their decisions about to
lapse. What is due comes from :func:`isa_registry.core.reminders.standing`, the rules
``send-reminders`` e-mails by, matched on the user's e-mail; a party that has not signed is shown
from the day the agreement was created, not 14 days later as the reminder is sent.
"""

from __future__ import annotations

from datetime import date

from flask import Blueprint, render_template
from flask_login import current_user

from ..core.reminders import action_due_soon, standing
from ..store import reminders as reminder_store
from ..store.db import db
from ..store.queries import checked_registry
from .findings import record_label

bp = Blueprint("tasks", __name__)


@bp.get("/my-tasks")
def index() -> str:
    """Agreements to sign or review, actions given to me and my decisions about to lapse."""
    today = date.today()
    checked = checked_registry(today)
    email = current_user.email.lower()
    notices = [
        n
        for n in standing(
            checked.live,
            today,
            findings=checked.findings,
            decisions=checked.decisions,
            actions=checked.actions,
            created=reminder_store.agreements_created(db.session),
            accounts={email},
            unsigned_after=0,
        )
        if email in n.recipients
    ]
    actions = [r for r in checked.reviewed if r.is_open and r.action is not None and r.action.owner == email]
    actions.sort(key=lambda r: (r.action.due_on if r.action else today, r.id))
    return render_template(
        "tasks/index.html",
        today=today,
        agreements=[
            n
            for n in notices
            if n.subject_type == "agreement" and n.kind.startswith(("review", "end", "unsigned"))
        ],
        decisions=[n for n in notices if n.kind == "decision-lapse"],
        actions=actions,
        due_soon={r.id for r in actions if r.action and action_due_soon(r.action, today)},
        labels={
            r.id: record_label(checked.full, r.finding.subject_type, r.finding.subject_key) for r in actions
        },
        can_edit=current_user.can_edit,
    )
