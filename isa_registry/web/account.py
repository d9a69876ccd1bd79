"""Your account: who you are signed in as, and your personal API tokens (create, list, revoke).

A new token's text is shown once, on the page that answers the form, and never put in the session
or a flash message: only its hash is stored.
"""

from __future__ import annotations

from datetime import date

from flask import Blueprint, abort, flash, redirect, render_template, request, url_for
from flask_login import current_user
from flask_wtf import FlaskForm
from werkzeug.wrappers import Response
from wtforms import StringField

from ..store import tokens
from ..store.db import db
from ..store.errors import InvalidRecord, NotFound

bp = Blueprint("account", __name__)

EXPIRY_ERROR = "The expiry date must be a real date, like 23 11 2026"


class TokenForm(FlaskForm):
    """A new API token: its name, and the last day it works (optional, as day, month and year)."""

    name = StringField("Name")


class RevokeForm(FlaskForm):
    """Nothing but the CSRF token."""


def _expiry(form: dict[str, str]) -> tuple[date | None, dict[str, str], str | None]:
    """The expiry date from the ``expires-day``/``-month``/``-year`` boxes, what was typed, and an
    error when it is not a date."""
    parts = {p: (form.get(f"expires-{p}") or "").strip() for p in ("day", "month", "year")}
    if not any(parts.values()):
        return None, parts, None
    try:
        return date(int(parts["year"]), int(parts["month"]), int(parts["day"])), parts, None
    except (ValueError, OverflowError):
        return None, parts, EXPIRY_ERROR


def _page(
    form: TokenForm,
    status: int = 200,
    new_token: str | None = None,
    expiry_parts: dict[str, str] | None = None,
    expiry_error: str | None = None,
) -> tuple[str, int]:
    return (
        render_template(
            "account/index.html",
            form=form,
            tokens=tokens.list_tokens(db.session, current_user),
            new_token=new_token,
            expiry_parts=expiry_parts or {"day": "", "month": "", "year": ""},
            expiry_error=expiry_error,
            revoke_form=RevokeForm(),
        ),
        status,
    )


@bp.get("/account")
def index() -> tuple[str, int]:
    """Your account and your API tokens."""
    return _page(TokenForm())


@bp.post("/account/tokens")
def create_token() -> tuple[str, int]:
    """Create an API token and show it, once."""
    form = TokenForm()
    expires, parts, error = _expiry(request.form)
    if not form.validate_on_submit():
        return _page(form, 400, expiry_parts=parts, expiry_error=error)
    if error:
        if not (form.name.data or "").strip():
            form.name.errors = [tokens.NAME_MISSING]
        return _page(form, 400, expiry_parts=parts, expiry_error=error)
    try:
        _, text = tokens.create(db.session, current_user.email, current_user, form.name.data or "", expires)
    except InvalidRecord as exc:
        if "name" in exc.errors:
            form.name.errors = [exc.errors["name"]]
        return _page(form, 400, expiry_parts=parts, expiry_error=exc.errors.get("expires"))
    return _page(TokenForm(formdata=None), 201, new_token=text)


@bp.post("/account/tokens/<int:token_id>/revoke")
def revoke_token(token_id: int) -> Response:
    """Revoke one of your API tokens."""
    if not RevokeForm().validate_on_submit():
        abort(400)
    try:
        token = tokens.revoke(db.session, current_user.email, current_user, token_id)
    except NotFound:
        abort(404)
    flash(f"API token {token.name} revoked", "success")
    return redirect(url_for("account.index"))
