"""Signing in and out, who may see what, and the security headers on every response.

Every endpoint needs a signed-in user except signing in, the health check, static files and the
views marked :func:`public` (``require_login``). Viewers may read everything; ``editor_required``
and ``admin_required`` guard the views that change data or manage accounts.

Sign-in attempts are throttled twice over:

* per account, in the database, so every worker sees it: after ``LOGIN_MAX_FAILURES`` wrong
  passwords in a row the account is locked for ``LOGIN_LOCK_MINUTES``;
* per client address, in each worker's memory: after ``LOGIN_IP_MAX_FAILURES`` failed attempts
  within ``LOGIN_LOCK_MINUTES`` that address gets no further answer until the window passes. With
  N gunicorn workers an address may get up to N times the limit before every worker refuses it;
  the per-account lock is the hard limit. Behind a reverse proxy, wrap the app in Werkzeug's
  ``ProxyFix`` so that ``request.remote_addr`` is the client's address, not the proxy's.

Every failure gets the same message, whether the email is unknown, the password wrong or the
account locked, so the page never tells which accounts exist.
"""

from __future__ import annotations

import threading
import time
from collections import deque
from collections.abc import Callable
from datetime import timedelta
from functools import wraps
from typing import Any, TypeVar
from urllib.parse import urlsplit

from flask import (
    Blueprint,
    abort,
    current_app,
    flash,
    redirect,
    render_template,
    request,
    session,
    url_for,
)
from flask.sansio.blueprints import BlueprintSetupState
from flask_login import current_user, login_user, logout_user
from werkzeug.wrappers import Response

from ..store import users
from ..store.db import db
from ..store.models import User
from .auth_forms import LoginForm
from .extensions import login_manager

__all__ = ["SIGN_IN_ERROR", "admin_required", "bp", "editor_required", "public", "safe_next"]

bp = Blueprint("auth", __name__)

F = TypeVar("F", bound=Callable[..., Any])

#: Endpoints anyone may reach without signing in (besides static files).
PUBLIC_ENDPOINTS = frozenset({"auth.login", "health.healthz"})

SIGN_IN_ERROR = (
    "The email address or password is not right, or the account is locked for a while after "
    "too many wrong attempts"
)
TOO_MANY_ATTEMPTS = "Too many failed attempts from this network. Wait 15 minutes, then try again"

CONTENT_SECURITY_POLICY = "; ".join(
    [
        "default-src 'self'",
        "script-src 'self'",
        "style-src 'self'",
        "img-src 'self' data:",
        "font-src 'self'",
        "connect-src 'self'",
        "object-src 'none'",
        "base-uri 'self'",
        "form-action 'self'",
        "frame-ancestors 'none'",
    ]
)
SECURITY_HEADERS = {
    "Content-Security-Policy": CONTENT_SECURITY_POLICY,
    "X-Content-Type-Options": "nosniff",
    "X-Frame-Options": "DENY",
    "Referrer-Policy": "same-origin",
    "Permissions-Policy": (
        "accelerometer=(), camera=(), geolocation=(), gyroscope=(), magnetometer=(), "
        "microphone=(), payment=(), usb=()"
    ),
    "Cross-Origin-Opener-Policy": "same-origin",
}


@bp.record_once
def _configure(state: BlueprintSetupState) -> None:
    app = state.app
    app.config.setdefault("LOGIN_MAX_FAILURES", 5)
    app.config.setdefault("LOGIN_LOCK_MINUTES", 15)
    app.config.setdefault("LOGIN_IP_MAX_FAILURES", 30)
    app.extensions["isa_login_throttle"] = AddressThrottle()
    login_manager.login_view = "auth.login"
    login_manager.session_protection = "strong"
    login_manager.user_loader(_load_user)
    login_manager.unauthorized_handler(_unauthorized)


def _load_user(user_id: str) -> User | None:
    try:
        user = db.session.get(User, int(user_id))
    except ValueError:
        return None
    return user if user is not None and user.active else None


def _unauthorized() -> Response:
    """Send an anonymous user to the sign-in page, remembering where they were going."""
    target = None
    if request.method == "GET" and request.endpoint is not None:
        target = safe_next(request.full_path.rstrip("?"))
    return redirect(url_for("auth.login", next=target))


# --- Who may do what ---------------------------------------------------------------------------


def _role_required(allowed: Callable[[User], bool]) -> Callable[[F], F]:
    def decorator(view: F) -> F:
        @wraps(view)
        def wrapped(*args: Any, **kwargs: Any) -> Any:
            if not current_user.is_authenticated:
                return login_manager.unauthorized()
            if not allowed(current_user):
                abort(403)
            return view(*args, **kwargs)

        return wrapped  # type: ignore[return-value]

    return decorator


def public(view: F) -> F:
    """Mark a view as open to everyone, signed in or not (the public register's pages)."""
    view.public = True  # type: ignore[attr-defined]
    return view


#: The view changes the registry: editors and admins only (viewers get 403).
editor_required = _role_required(lambda user: user.can_edit)
#: The view manages accounts: admins only.
admin_required = _role_required(lambda user: user.is_admin)


@bp.before_app_request
def require_login() -> Response | None:
    """Every endpoint but sign-in, the health check and static files needs a signed-in user."""
    endpoint = request.endpoint or ""
    if endpoint in PUBLIC_ENDPOINTS or endpoint == "static" or endpoint.endswith(".static"):
        return None
    if getattr(current_app.view_functions.get(endpoint), "public", False):
        return None
    if current_user.is_authenticated:
        return None
    return login_manager.unauthorized()


@bp.after_app_request
def security_headers(response: Response) -> Response:
    """Add the security headers; pages (not static files) are never stored by caches."""
    for name, value in SECURITY_HEADERS.items():
        response.headers.setdefault(name, value)
    if request.is_secure:
        response.headers.setdefault("Strict-Transport-Security", "max-age=31536000; includeSubDomains")
    endpoint = request.endpoint or ""
    if endpoint != "static" and not endpoint.endswith(".static"):
        response.headers["Cache-Control"] = "no-store"
        response.headers["Pragma"] = "no-cache"
    return response


# --- Signing in --------------------------------------------------------------------------------


def safe_next(target: str | None) -> str | None:
    """``target`` if it is a path on this site (``/flows?x=1``), else None."""
    if not target:
        return None
    if not target.startswith("/") or target.startswith("//") or "\\" in target:
        return None
    if any(ord(ch) < 32 or ord(ch) == 127 for ch in target):
        return None
    parts = urlsplit(target)
    if parts.scheme or parts.netloc:
        return None
    return target


class AddressThrottle:
    """Failed sign-in attempts per client address within a sliding window, in this process."""

    def __init__(self) -> None:
        self._failures: dict[str, deque[float]] = {}
        self._lock = threading.Lock()

    def _recent(self, address: str, window: float, now: float) -> deque[float]:
        stamps = self._failures.setdefault(address, deque())
        while stamps and stamps[0] <= now - window:
            stamps.popleft()
        return stamps

    def blocked(self, address: str, limit: int, window: float) -> bool:
        with self._lock:
            now = time.monotonic()
            stamps = self._recent(address, window, now)
            if not stamps:
                del self._failures[address]
            return len(stamps) >= limit

    def fail(self, address: str, window: float) -> None:
        with self._lock:
            now = time.monotonic()
            self._recent(address, window, now).append(now)

    def clear(self) -> None:
        with self._lock:
            self._failures.clear()


def authenticate(email: str, password: str) -> User | None:
    """The active, unlocked user with this email and password, or None; counts failures."""
    attempt = users.authenticate(
        db.session,
        email,
        password,
        current_app.config["LOGIN_MAX_FAILURES"],
        timedelta(minutes=current_app.config["LOGIN_LOCK_MINUTES"]),
    )
    if attempt.locked_id is not None:
        current_app.logger.warning(
            "Account %s locked after %s failed sign-ins", attempt.locked_id, attempt.failures
        )
    return attempt.user


def _address() -> str:
    return request.remote_addr or "unknown"


@bp.route("/login", methods=["GET", "POST"])
def login() -> Response | str | tuple[str, int]:
    """Sign in with an email address and password."""
    target = safe_next(request.args.get("next"))
    if current_user.is_authenticated:
        return redirect(target or url_for("dashboard.index"))
    form = LoginForm()
    error, status = None, 200
    if form.validate_on_submit():
        throttle: AddressThrottle = current_app.extensions["isa_login_throttle"]
        window = current_app.config["LOGIN_LOCK_MINUTES"] * 60
        if throttle.blocked(_address(), current_app.config["LOGIN_IP_MAX_FAILURES"], window):
            error, status = TOO_MANY_ATTEMPTS, 429
        else:
            assert form.email.data is not None and form.password.data is not None  # both required
            user = authenticate(form.email.data, form.password.data)
            if user is None:
                throttle.fail(_address(), window)
                error = SIGN_IN_ERROR
            else:
                session.clear()  # a fresh session on sign-in: no fixation
                login_user(user)
                return redirect(target or url_for("dashboard.index"))
    return render_template("auth/login.html", form=form, error=error, next=target), status


@bp.post("/logout")
def logout() -> Response:
    """Sign out (a POST with a CSRF token, so no other site can sign anyone out)."""
    logout_user()
    session.clear()
    flash("You have signed out.", "success")
    return redirect(url_for("auth.login"))
