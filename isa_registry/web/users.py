"""User accounts (admins only): list, create, change role, deactivate and reactivate.

Every change is written to the audit log by :mod:`isa_registry.store.users`, as a ``user`` record
keyed by email, with the account's email, role and whether it is active: never its password hash.
"""

from __future__ import annotations

from datetime import datetime

from flask import Blueprint, abort, flash, redirect, render_template, request, url_for
from flask_login import current_user
from werkzeug.wrappers import Response

from ..store import users
from ..store.db import db
from ..store.errors import InvalidRecord
from ..store.models import User
from . import format_datetime
from .auth import admin_required, now
from .auth_forms import ConfirmForm, NewUserForm, RoleForm

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
    if form.validate_on_submit():
        assert form.email.data is not None and form.password.data is not None  # both required
        try:
            user = users.create_user(
                db.session, current_user.email, form.email.data, form.role.data, form.password.data
            )
        except InvalidRecord as refused:
            form.email.errors = [*form.email.errors, refused.errors["email"]]
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


def _show(user: User, form: RoleForm) -> str:
    return render_template(
        "users/show.html", user=user, form=form, confirm=ConfirmForm(), delayed=_delayed([user]).get(user.id)
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
    if users.change_role(db.session, current_user.email, user, form.role.data):
        flash(f"{user.email} is now {'an' if user.role == 'admin' else 'a'} {user.role}.", "success")
    return redirect(url_for("users.index"))


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
