"""User accounts (admins only): list, create, change role, deactivate and reactivate.

Every change is written to the audit log as a ``user`` record keyed by email, with the account's
email, role and whether it is active: never its password hash.
"""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

from flask import Blueprint, abort, flash, redirect, render_template, url_for
from flask_login import current_user
from sqlalchemy import select
from sqlalchemy.exc import IntegrityError
from werkzeug.wrappers import Response

from ..store import audit
from ..store.db import db
from ..store.models import User
from ..store.passwords import hash_password
from .auth import admin_required
from .auth_forms import ConfirmForm, NewUserForm, RoleForm

bp = Blueprint("users", __name__)

EMAIL_TAKEN = "An account with this email address already exists"


def snapshot(user: User) -> dict[str, Any]:
    """What the audit log records of an account."""
    return {"email": user.email, "role": user.role, "active": user.active}


def _record(action: str, user: User, before: dict[str, Any] | None) -> None:
    audit.append(
        db.session, current_user.email, [audit.Change(action, "user", user.email, before, snapshot(user))]
    )


def _user(user_id: int) -> User:
    user = db.session.get(User, user_id)
    if user is None:
        abort(404)
    return user


def _locked(user: User) -> bool:
    if user.locked_until is None:
        return False
    until = user.locked_until if user.locked_until.tzinfo else user.locked_until.replace(tzinfo=UTC)
    return until > datetime.now(UTC)


@bp.get("/users")
@admin_required
def index() -> str:
    """Every account, by email."""
    users = db.session.scalars(select(User).order_by(User.email)).all()
    return render_template("users/index.html", users=users, locked={u.id for u in users if _locked(u)})


@bp.route("/users/new", methods=["GET", "POST"])
@admin_required
def new() -> str | Response:
    """Create an account with a first password."""
    form = NewUserForm()
    if form.validate_on_submit():
        if db.session.scalar(select(User.id).where(User.email == form.email.data)) is not None:
            form.email.errors.append(EMAIL_TAKEN)
        else:
            user = User(
                email=form.email.data,
                role=form.role.data,
                active=True,
                password_hash=hash_password(form.password.data),
            )
            db.session.add(user)
            try:
                db.session.flush()
            except IntegrityError:
                db.session.rollback()
                form.email.errors.append(EMAIL_TAKEN)
            else:
                _record("create", user, None)
                db.session.commit()
                flash(f"Account created for {user.email} ({user.role}).", "success")
                return redirect(url_for("users.index"))
    return render_template("users/new.html", form=form)


@bp.get("/users/<int:user_id>")
@admin_required
def show(user_id: int) -> str:
    """One account: change its role, deactivate or reactivate it."""
    user = _user(user_id)
    form = RoleForm(role=user.role)
    return render_template(
        "users/show.html", user=user, form=form, confirm=ConfirmForm(), locked=_locked(user)
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
        return render_template(
            "users/show.html", user=user, form=form, confirm=ConfirmForm(), locked=_locked(user)
        ), 400
    if form.role.data != user.role:
        before = snapshot(user)
        user.role = form.role.data
        _record("change_role", user, before)
        db.session.commit()
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
    if ConfirmForm().validate_on_submit() and user.active:
        before = snapshot(user)
        user.active = False
        _record("deactivate", user, before)
        db.session.commit()
        flash(f"{user.email} can no longer sign in.", "success")
    return redirect(url_for("users.index"))


@bp.post("/users/<int:user_id>/reactivate")
@admin_required
def reactivate(user_id: int) -> Response:
    """Let the account sign in again, and lift any lock after wrong passwords."""
    user = _user(user_id)
    if ConfirmForm().validate_on_submit():
        before = snapshot(user)
        was_locked = _locked(user)
        user.active, user.failed_logins, user.locked_until = True, 0, None
        if before["active"] is False:
            _record("reactivate", user, before)
        elif was_locked:
            _record("unlock", user, before)
        db.session.commit()
        flash(f"{user.email} can sign in again.", "success")
    return redirect(url_for("users.index"))
