"""User accounts (admins only): list, create, change role and organisation, deactivate and
reactivate.

Every change is written to the audit log by :mod:`isa_registry.store.users`, as a ``user`` record
keyed by email, with the account's email, role, whether it is active and, when it has them, its
organisation and whether it is the organisation's DPO: never its password hash. A partner account
must belong to an organisation.
"""

from __future__ import annotations

from datetime import datetime

from flask import Blueprint, abort, flash, redirect, render_template, request, url_for
from flask_login import current_user
from werkzeug.wrappers import Response

from ..store import services, users
from ..store.db import db
from ..store.errors import InvalidRecord
from ..store.models import User
from . import format_datetime
from .auth import admin_required, now
from .auth_forms import NEEDS_ORGANISATION, ConfirmForm, MembershipForm, NewUserForm, RoleForm

bp = Blueprint("users", __name__)


def _delayed(accounts: list[User]) -> dict[int, str]:
    """Account id -> when its sign-in may be tried again (``6:35pm``, or with the date when that is
    not today), for the accounts whose sign-in is delayed after wrong passwords."""
    moment = now()
    until = users.delays(db.session, [u.email for u in accounts], moment)
    return {u.id: _when(until[u.email], moment) for u in accounts if u.email in until}


def _when(until: datetime, moment: datetime) -> str:
    full, today = format_datetime(until), format_datetime(moment)
    day, _, time = full.partition(" at ")
    return time if day == today.partition(" at ")[0] else full


def _user(user_id: int) -> User:
    user = db.session.get(User, user_id)
    if user is None:
        abort(404)
    return user


def _organisations(form: NewUserForm | MembershipForm, keep: str | None = None) -> None:
    """Offer every organisation not archived (and the account's own) as the form's choices."""
    form.organisation.choices = [
        ("", "None"),
        *services.organisation_choices(db.session, keep=[keep, form.organisation.data]),
    ]


@bp.get("/users")
@admin_required
def index() -> str:
    """Every account, by email."""
    accounts = list(users.list_users(db.session))
    return render_template("users/index.html", users=accounts, delayed=_delayed(accounts))


@bp.route("/users/new", methods=["GET", "POST"])
@admin_required
def new() -> str | Response | tuple[str, int]:
    """Create an account with a first password."""
    form = NewUserForm()
    _organisations(form)
    if form.is_submitted() and (form.validate() & form.membership_errors(form.role.data)):
        assert form.email.data is not None and form.password.data is not None  # both required
        try:
            account = users.NewAccount(
                form.email.data,
                form.role.data,
                form.password.data,
                organisation=form.organisation.data or None,
                dpo=bool(form.dpo.data),
            )
            user = users.create_user(db.session, current_user.email, account)
        except InvalidRecord as refused:
            for name, message in refused.errors.items():
                form[name].errors = [*form[name].errors, message]
        else:
            flash(f"Account created for {user.email} ({user.role}).", "success")
            return redirect(url_for("users.index"))
    return render_template("users/new.html", form=form), 400 if request.method == "POST" else 200


@bp.get("/users/<int:user_id>")
@admin_required
def show(user_id: int) -> str:
    """One account: change its role, deactivate or reactivate it."""
    user = _user(user_id)
    form = RoleForm(role=user.role)
    return _show(user, form)


def _show(user: User, form: RoleForm, membership: MembershipForm | None = None) -> str:
    if membership is None:
        membership = MembershipForm(
            organisation=user.organisation.key if user.organisation else "", dpo=user.is_dpo
        )
    _organisations(membership, user.organisation.key if user.organisation else None)
    return render_template(
        "users/show.html",
        user=user,
        form=form,
        membership=membership,
        confirm=ConfirmForm(),
        delayed=_delayed([user]).get(user.id),
    )


def _not_yourself(user: User) -> Response | None:
    if user.id == current_user.id:
        flash("You cannot change your own role or deactivate your own account. Ask another admin.", "error")
        return redirect(url_for("users.show", user_id=user.id))
    return None


@bp.post("/users/<int:user_id>/role")
@admin_required
def change_role(user_id: int) -> str | Response | tuple[str, int]:
    """Give the account another role."""
    user = _user(user_id)
    refused = _not_yourself(user)
    if refused:
        return refused
    form = RoleForm()
    if not form.validate_on_submit():
        return _show(user, form), 400
    if form.role.data == "partner" and user.organisation_id is None:
        form.role.errors = [*form.role.errors, f"{NEEDS_ORGANISATION} first, under Organisation"]
        return _show(user, form), 400
    if users.change_role(db.session, current_user.email, user, form.role.data):
        flash(f"{user.email} is now {'an' if user.role == 'admin' else 'a'} {user.role}.", "success")
    return redirect(url_for("users.index"))


@bp.post("/users/<int:user_id>/organisation")
@admin_required
def change_organisation(user_id: int) -> str | Response | tuple[str, int]:
    """Set the organisation the account belongs to, and whether it is that organisation's DPO."""
    user = _user(user_id)
    membership = MembershipForm()
    _organisations(membership, user.organisation.key if user.organisation else None)
    if not (membership.validate_on_submit() & membership.membership_errors(user.role)):
        return _show(user, RoleForm(role=user.role), membership), 400
    try:
        changed = users.set_organisation(
            db.session,
            current_user.email,
            user,
            membership.organisation.data or None,
            bool(membership.dpo.data),
        )
    except InvalidRecord as refused:
        membership.organisation.errors = [refused.errors["organisation"]]
        return _show(user, RoleForm(role=user.role), membership), 400
    if changed:
        organisation = membership.organisation.data
        flash(
            f"{user.email} now belongs to {services.organisation_name(db.session, organisation)}"
            + (" as its data protection officer." if membership.dpo.data else ".")
            if organisation
            else f"{user.email} now belongs to no organisation.",
            "success",
        )
    return redirect(url_for("users.show", user_id=user.id))


@bp.post("/users/<int:user_id>/deactivate")
@admin_required
def deactivate(user_id: int) -> Response:
    """Stop the account signing in (it stays in the audit log)."""
    user = _user(user_id)
    refused = _not_yourself(user)
    if refused:
        return refused
    if ConfirmForm().validate_on_submit() and users.deactivate(db.session, current_user.email, user):
        flash(f"{user.email} can no longer sign in.", "success")
    return redirect(url_for("users.index"))


@bp.post("/users/<int:user_id>/reactivate")
@admin_required
def reactivate(user_id: int) -> Response:
    """Let the account sign in again, and lift any delay after wrong passwords."""
    user = _user(user_id)
    if ConfirmForm().validate_on_submit():
        users.activate(db.session, current_user.email, user, now())
        flash(f"{user.email} can sign in again.", "success")
    return redirect(url_for("users.index"))
