"""Signing in and out, sessions that end, who may see what, and the security headers on every response.

Every endpoint needs a signed-in user except signing in, the health check, static files and the
views marked :func:`public` (``require_login``). Viewers may read everything; ``editor_required``
and ``admin_required`` guard the views that change data or manage accounts. A partner may open only
the pages listed in :data:`.visible.PARTNER_ENDPOINTS`, each narrowed to what its organisation is a
party to.

A session holds the account's ``session_generation`` (see :mod:`isa_registry.store.users`), when it
started and when it was last used. On every request it is checked: a session whose account has
since signed out, been deactivated or been given a new role or password, or that has been idle for
``SESSION_IDLE_MINUTES`` or open for ``SESSION_MAX_HOURS``, is signed out, and the sign-in page
says why. No "remember me" cookie is issued, and one made some other way cannot bring a session
back: it carries no generation, so the check refuses it.

Sign-in attempts are throttled in the database, so every worker and host counts the same failures,
per account (``LOGIN_MAX_FAILURES`` in a row before waits begin, default 5) and per client address
(``LOGIN_IP_MAX_FAILURES``, default 30). After that each attempt must wait twice as long as the one
before, up to ``LOGIN_MAX_DELAY_MINUTES`` (default 15), and is answered 429 with ``Retry-After``
while it waits. Behind a reverse proxy, wrap the app in Werkzeug's ``ProxyFix`` so that
``request.remote_addr`` is the client's address, not the proxy's.

Every failure gets the same message, whether the email is unknown or the password wrong, and
unknown emails are throttled like known ones, so the page never tells which accounts exist.

Single sign-on with OpenID Connect (:mod:`.oidc`) signs in through the same session code
(:func:`start_session`) as a password. When it is set up, ``PASSWORD_LOGIN=0`` switches password
sign-in off: the sign-in page shows only the single sign-on button and a posted password is refused.

The time comes from ``app.config["CLOCK"]`` (a function returning an aware datetime), so tests
can move it.
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import UTC, datetime, timedelta
from functools import wraps
from typing import Any, TypeVar
from urllib.parse import urlsplit

from flask import (
    Blueprint,
    abort,
    current_app,
    flash,
    g,
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
from . import oidc, visible
from .auth_forms import LoginForm
from .extensions import login_manager

__all__ = [
    "SIGN_IN_ERROR",
    "admin_required",
    "bp",
    "editor_required",
    "now",
    "public",
    "safe_next",
    "start_session",
]

bp = Blueprint("auth", __name__)

F = TypeVar("F", bound=Callable[..., Any])

#: Endpoints anyone may reach without signing in (besides static files).
PUBLIC_ENDPOINTS = frozenset({"auth.login", "auth.oidc_start", "auth.oidc_callback", "health.healthz"})
#: Where the JSON API lives: it authenticates every request by bearer token, never by session.
API_PREFIX = "/api/v1/"

SIGN_IN_ERROR = "The email address or password is not right, or the account cannot sign in"
TOO_MANY_ATTEMPTS = "Too many failed attempts to sign in. Wait {wait}, then try again"
SSO_ONLY = (
    "Signing in with a password is switched off for this service. Use the single sign-on button instead"
)
SSO_FAILED = (
    "Single sign-on did not finish, so you have not been signed in. Try again; if it happens again, "
    "tell your information governance lead"
)
SSO_UNREACHABLE = (
    "The single sign-on service could not be reached, so you have not been signed in. "
    "Try again in a few minutes"
)
SSO_REFUSED = {
    "disabled": (
        "This account has been switched off, so it cannot sign in. Ask an administrator of the registry "
        "to switch it back on"
    ),
    "unknown": (
        "There is no account in the registry for the account you signed in with. Ask an administrator "
        "of the registry to create one for your email address"
    ),
    "linked_elsewhere": (
        "The registry account with your email address signs in with a different single sign-on account. "
        "Ask an administrator of the registry to check it"
    ),
}
#: Where the page goes after single sign-on, kept in the session while the provider is visited.
SSO_NEXT = "isa_sso_next"

#: What the session holds besides Flask-Login's keys.
SESSION_GENERATION, SESSION_STARTED, SESSION_SEEN = "isa_generation", "isa_started", "isa_seen"

ENDED_REVOKED = (
    "You have been signed out because this account signed out, or an administrator changed it. "
    "Sign in again to continue."
)
ENDED_IDLE = (
    "You have been signed out because you had not used the service for {minutes} minutes. "
    "Sign in again to continue."
)
ENDED_TOO_LONG = (
    "You have been signed out because you signed in more than {hours} hours ago. Sign in again to continue."
)

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
    app.config.setdefault("LOGIN_IP_MAX_FAILURES", 30)
    app.config.setdefault("LOGIN_MAX_DELAY_MINUTES", 15)
    app.config.setdefault("LOGIN_FORGET_MINUTES", 60)
    app.config.setdefault("CLOCK", _utcnow)
    login_manager.login_view = "auth.login"
    login_manager.session_protection = "strong"
    login_manager.user_loader(_load_user)
    login_manager.unauthorized_handler(_unauthorized)


def _utcnow() -> datetime:
    return datetime.now(UTC)


def now() -> datetime:
    """The time, from the app's ``CLOCK``."""
    moment: datetime = current_app.config["CLOCK"]()
    return moment.astimezone(UTC)


def _load_user(user_id: str) -> User | None:
    """The signed-in account, if the session is still good; else None, and ``g`` says why."""
    try:
        user = db.session.get(User, int(user_id))
    except ValueError:
        return None
    ended = _session_ended(user, now())
    if ended:
        g.isa_session_ended = ended
        return None
    return user


def _session_ended(user: User | None, moment: datetime) -> str | None:
    """Why this session may no longer act for ``user``, or None while it may."""
    if user is None or not user.active or session.get(SESSION_GENERATION) != user.session_generation:
        return ENDED_REVOKED
    started, seen = session.get(SESSION_STARTED), session.get(SESSION_SEEN)
    if not isinstance(started, int) or not isinstance(seen, int):
        return ENDED_REVOKED
    config = current_app.config
    stamp = moment.timestamp()
    if stamp - started > config["SESSION_MAX_HOURS"] * 3600:
        return ENDED_TOO_LONG.format(hours=config["SESSION_MAX_HOURS"])
    if stamp - seen > config["SESSION_IDLE_MINUTES"] * 60:
        return ENDED_IDLE.format(minutes=config["SESSION_IDLE_MINUTES"])
    return None


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
    """Every endpoint but sign-in, the health check and static files needs a signed-in user whose
    session is still good; an ended session is cleared, and the sign-in page says why."""
    endpoint = request.endpoint or ""
    if endpoint in ("static", "health.healthz") or endpoint.endswith(".static"):
        return None
    if getattr(current_app.view_functions.get(endpoint), "public", False):
        return None
    if request.path.startswith(API_PREFIX):  # bearer tokens only: the API checks its own (web/api)
        return None
    signed_in = current_user.is_authenticated  # loads the account and checks the session
    ended = g.pop("isa_session_ended", None)
    if ended:
        logout_user()
        session.clear()
        flash(ended, "important")
    if signed_in:
        session[SESSION_SEEN] = int(now().timestamp())
        visible.refuse_partners()  # a partner opens only the pages listed for it
        return None
    if endpoint in PUBLIC_ENDPOINTS:
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


def _throttle() -> users.Throttle:
    config = current_app.config
    return users.Throttle(
        account_free=config["LOGIN_MAX_FAILURES"],
        address_free=config["LOGIN_IP_MAX_FAILURES"],
        max_delay=timedelta(minutes=config["LOGIN_MAX_DELAY_MINUTES"]),
        forget=timedelta(minutes=config["LOGIN_FORGET_MINUTES"]),
    )


def _wait_words(seconds: int) -> str:
    """``1 second``, ``8 seconds``, ``3 minutes`` (rounded up)."""
    if seconds < 60:
        return f"{seconds} second{'s' if seconds != 1 else ''}"
    minutes = -(-seconds // 60)
    return f"{minutes} minute{'s' if minutes != 1 else ''}"


def _address() -> str:
    return request.remote_addr or "unknown"


@bp.route("/login", methods=["GET", "POST"])
def login() -> Response | tuple[str, int] | tuple[str, int, dict[str, str]]:
    """Sign in with an email address and password."""
    target = safe_next(request.args.get("next"))
    if current_user.is_authenticated:
        return redirect(target or url_for("dashboard.index"))
    form = LoginForm()
    error, status, headers = None, 200, {}
    if request.method == "POST" and not current_app.config["PASSWORD_LOGIN"]:
        return _login_page(form, SSO_ONLY, target, "#sso"), 403
    if form.validate_on_submit():
        assert form.email.data is not None and form.password.data is not None  # both required
        moment, throttle = now(), _throttle()
        attempt = users.authenticate(
            db.session, form.email.data, form.password.data, _address(), throttle, moment
        )
        if attempt.retry_after:
            error, status = TOO_MANY_ATTEMPTS.format(wait=_wait_words(attempt.retry_after)), 429
            headers["Retry-After"] = str(attempt.retry_after)
        elif attempt.user is None:
            error = SIGN_IN_ERROR
            if attempt.failures == throttle.account_free:
                current_app.logger.warning(
                    "Sign-ins to one account are delayed after %s failures in a row (last from %s)",
                    attempt.failures,
                    _address(),
                )
        else:
            start_session(attempt.user, moment)
            return redirect(target or url_for("dashboard.index"))
    page = _login_page(form, error, target)
    return (page, status, headers) if headers else (page, status)


def start_session(user: User, moment: datetime) -> None:
    """Sign ``user`` in: a fresh session (no fixation) holding the account's generation and when
    it started; every way of signing in goes through here."""
    session.clear()
    login_user(user)
    stamp = int(moment.timestamp())
    session[SESSION_GENERATION] = user.session_generation
    session[SESSION_STARTED] = session[SESSION_SEEN] = stamp


def _login_page(form: LoginForm, error: str | None, target: str | None, error_href: str = "#email") -> str:
    config = current_app.config
    return render_template(
        "auth/login.html",
        form=form,
        error=error,
        error_href=error_href,
        next=target,
        password_login=config["PASSWORD_LOGIN"],
        sso_label=oidc.button_label(config) if oidc.enabled() else None,
    )


@bp.post("/logout")
def logout() -> Response:
    """Sign out, ending every session of this account (a POST with a CSRF token, so no other site
    can sign anyone out)."""
    if current_user.is_authenticated:
        users.end_sessions(db.session, current_user._get_current_object())
    logout_user()
    session.clear()
    flash("You have signed out.", "success")
    return redirect(url_for("auth.login"))


# --- Single sign-on ----------------------------------------------------------------------------


@bp.get("/login/oidc")
def oidc_start() -> Response | tuple[str, int]:
    """Go to the OpenID provider to sign in. A link, not a form: the page's CSP ``form-action``
    would stop a form's redirect to the provider; and starting a sign-in for someone gains nothing,
    since the ``state`` check stops a callback this browser did not start."""
    from requests import RequestException  # with Authlib, only where single sign-on is used

    if not oidc.enabled():
        abort(404)
    target = safe_next(request.args.get("next"))
    if current_user.is_authenticated:
        return redirect(target or url_for("dashboard.index"))
    session[SSO_NEXT] = target
    try:
        response: Response = oidc.client().authorize_redirect(url_for("auth.oidc_callback", _external=True))
    except RequestException as exc:
        current_app.logger.error("The OpenID provider could not be reached: %s", exc)
        return _sso_refused(SSO_UNREACHABLE, 503)
    return response


@bp.get("/login/oidc/callback")
def oidc_callback() -> Response | tuple[str, int]:
    """Back from the OpenID provider: Authlib checks the state, swaps the code (with the PKCE
    verifier) for tokens and checks the ID token; then the account is found and signed in."""
    from authlib.common.errors import AuthlibBaseError
    from joserfc.errors import JoseError
    from requests import RequestException

    if not oidc.enabled():
        abort(404)
    config = current_app.config
    try:
        token = oidc.client().authorize_access_token(
            leeway=config["OIDC_CLOCK_LEEWAY"], claims_options=oidc.claims_options()
        )
    except RequestException as exc:
        current_app.logger.error("The OpenID provider could not be reached: %s", exc)
        return _sso_refused(SSO_UNREACHABLE, 503)
    except (AuthlibBaseError, JoseError) as exc:
        current_app.logger.warning("Single sign-on refused from %s: %r", _address(), exc)
        return _sso_refused(SSO_FAILED, 400)
    claims = token.get("userinfo")
    if not claims:  # no ID token came back: nobody was authenticated
        current_app.logger.warning("Single sign-on refused from %s: no ID token", _address())
        return _sso_refused(SSO_FAILED, 400)
    outcome = users.sign_in_with_provider(
        db.session, oidc.identity(claims, config), auto_create=config["OIDC_AUTO_CREATE"]
    )
    if outcome.user is None:
        assert outcome.refused is not None
        current_app.logger.warning("Single sign-on refused (%s) from %s", outcome.refused, _address())
        return _sso_refused(SSO_REFUSED[outcome.refused], 403)
    target = safe_next(session.get(SSO_NEXT))
    start_session(outcome.user, now())
    return redirect(target or url_for("dashboard.index"))


def _sso_refused(error: str, status: int) -> tuple[str, int]:
    session.pop(SSO_NEXT, None)
    return _login_page(LoginForm(formdata=None), error, None, "#sso"), status
