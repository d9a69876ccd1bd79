"""The API's blueprint and what every request to it goes through: a bearer token (never the
session cookie), the body size limit, the per-token rate limit, the token user's role, and errors
as RFC 9457 ``application/problem+json``.

The blueprint is exempt from CSRF protection: a bearer token is sent deliberately by its holder,
never by a browser on its own, which is what CSRF exploits.
"""

from __future__ import annotations

import json
import math
import time
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from datetime import date
from functools import wraps
from typing import Any, TypeVar

from flask import Blueprint, current_app, g, request
from flask.sansio.blueprints import BlueprintSetupState
from werkzeug.exceptions import HTTPException
from werkzeug.wrappers import Response

from ...store import tokens
from ...store.db import db
from ...store.models import User
from ...store.queries import CheckedRegistry, checked_registry
from ...store.visibility import Scope, scope_of, visible_registry
from ..extensions import csrf

__all__ = [
    "PREFIX",
    "ApiError",
    "Caller",
    "bp",
    "caller",
    "checked",
    "json_body",
    "json_response",
    "problem",
    "requires",
    "scope",
]

PREFIX = "/api/v1"
PROBLEM_JSON = "application/problem+json"

bp = Blueprint("api", __name__, url_prefix=PREFIX)
csrf.exempt(bp)

F = TypeVar("F", bound=Callable[..., Any])

#: What each role may do through the API.
ROLE_RANK = {"partner": 0, "viewer": 0, "editor": 1, "admin": 2}

TITLES = {
    400: "Your request could not be read",
    401: "An API token is needed",
    403: "Your role does not allow this",
    404: "Not found",
    405: "This address does not take that method",
    409: "The request conflicts with the register",
    412: "The record was changed by someone else",
    413: "The request body is too large",
    415: "The request body must be JSON",
    422: "The record is not valid",
    428: "An If-Match header is needed",
    429: "Too many requests",
    500: "Sorry, there is a problem with the service",
    503: "The service cannot do this now",
}


@bp.record_once
def _configure(state: BlueprintSetupState) -> None:
    config = state.app.config
    config.setdefault("API_RATE_LIMIT", "600 per minute")
    config.setdefault("API_MAX_BODY", 1024 * 1024)
    config.setdefault("API_MAX_IMPORT_BODY", 64 * 1024 * 1024)


class ApiError(Exception):
    """An API request that is refused: its status, detail and the fields at fault."""

    def __init__(
        self,
        status: int,
        detail: str,
        errors: list[dict[str, str]] | None = None,
        headers: Mapping[str, str] | None = None,
        **extra: Any,
    ) -> None:
        super().__init__(detail)
        self.status, self.detail, self.errors = status, detail, errors
        self.headers, self.extra = dict(headers or {}), extra


def json_response(body: Any, status: int = 200, headers: Mapping[str, str] | None = None) -> Response:
    """``body`` as JSON."""
    text = json.dumps(body, ensure_ascii=False, separators=(",", ":"))
    return Response(text, status=status, headers=dict(headers or {}), mimetype="application/json")


def problem(
    status: int,
    detail: str,
    errors: list[dict[str, str]] | None = None,
    headers: Mapping[str, str] | None = None,
    **extra: Any,
) -> Response:
    """An RFC 9457 problem: ``title`` says what kind, ``detail`` what happened, ``errors`` each
    field at fault (``{"field": "start_date", "message": "..."}``)."""
    body: dict[str, Any] = {
        "type": "about:blank",
        "title": TITLES.get(status, "Error"),
        "status": status,
        "detail": detail,
    }
    if errors is not None:
        body["errors"] = errors
    body.update(extra)
    response = json_response(body, status, headers)
    response.mimetype = PROBLEM_JSON
    return response


@bp.errorhandler(ApiError)
def _api_error(error: ApiError) -> Response:
    return problem(error.status, error.detail, error.errors, error.headers, **error.extra)


def http_problem(error: Exception) -> Response:
    """An HTTP error (raised by Flask or Werkzeug, or unexpected) under the API, as a problem."""
    code = error.code if isinstance(error, HTTPException) and error.code else 500
    if code >= 500:
        db.session.rollback()
        current_app.logger.exception("API error", exc_info=error)
    detail = {
        404: "There is nothing at this address",
        405: f"{request.path} does not take {request.method}",
        413: "The request body is larger than the API accepts",
        500: "Something went wrong on our side: nothing was changed",
    }.get(code, error.description if isinstance(error, HTTPException) and error.description else "")
    headers: dict[str, str] = {}
    if code == 405 and isinstance(error, HTTPException):
        allow = error.get_headers().__iter__()
        headers = {k: v for k, v in allow if k == "Allow"}
    return problem(code, detail or TITLES.get(code, "Error"), headers=headers)


def is_api_request() -> bool:
    """Whether the request is addressed to the API (matched or not)."""
    return request.path == PREFIX or request.path.startswith(PREFIX + "/")


# --- Who is calling ----------------------------------------------------------------------------


@dataclass(frozen=True)
class Caller:
    """The token's user and the token's name."""

    user: User
    token_id: int
    token_name: str

    @property
    def actor(self) -> str:
        """Who the audit log says made a change: the user, through which token."""
        return f"{self.user.email} (API token {self.token_name})"


def caller() -> Caller:
    """The authenticated caller of this request."""
    found: Caller = g.api_caller
    return found


def _bearer() -> str | None:
    header = request.headers.get("Authorization", "")
    scheme, _, value = header.partition(" ")
    if scheme.lower() != "bearer" or not value.strip():
        return None
    return value.strip()


@bp.before_request
def _authenticate() -> None:
    """Bearer token only: a session cookie is never looked at. Then the body limit and the rate limit."""
    presented = _bearer()
    challenge = {"WWW-Authenticate": 'Bearer realm="isa-registry"'}
    if presented is None:
        raise ApiError(401, "Send an API token as 'Authorization: Bearer <token>'", headers=challenge)
    found = tokens.authenticate(db.session, presented)
    if found is None:
        raise ApiError(
            401,
            "The API token is not known, has been revoked or has expired",
            headers={"WWW-Authenticate": 'Bearer realm="isa-registry", error="invalid_token"'},
        )
    g.api_caller = Caller(found.user, found.token_id, found.token_name)
    _refuse_nul_in_query()
    big = request.endpoint == "api.import_registry"
    request.max_content_length = current_app.config["API_MAX_IMPORT_BODY" if big else "API_MAX_BODY"]
    _rate_limit(found.token_id)


def _refuse_nul_in_query() -> None:
    """No text may hold a NUL character (PostgreSQL refuses one in any text): 400 naming where."""
    for name, value in request.args.items(multi=True):
        if "\x00" in name or "\x00" in value:
            where = name.replace("\x00", "") or "query"
            message = "must not contain a NUL character"
            raise ApiError(400, f"{where} {message}", [{"field": where, "message": message}])


def _nul_path(value: Any, path: str = "") -> str | None:
    """Where a JSON value holds a string with a NUL character (``parties.0.role``), or None."""
    if isinstance(value, str):
        return path if "\x00" in value else None
    items = value.items() if isinstance(value, dict) else enumerate(value) if isinstance(value, list) else ()
    for name, item in items:
        if isinstance(name, str) and "\x00" in name:
            return path or "body"
        found = _nul_path(item, f"{path}.{name}" if path else str(name))
        if found is not None:
            return found
    return None


def _rate_limit(token_id: int) -> None:
    """Count the request against its token's limit (``API_RATE_LIMIT``, such as "600 per minute"),
    in the limiter's storage, shared by every worker (:mod:`isa_registry.store.rate_limits`)."""
    from limits import parse as parse_limit

    from ...store.rate_limits import limiter_of

    item = parse_limit(current_app.config["API_RATE_LIMIT"])
    strategy = limiter_of(current_app)
    if not strategy.hit(item, "api-token", str(token_id)):
        reset = strategy.get_window_stats(item, "api-token", str(token_id)).reset_time
        wait = max(1, math.ceil(reset - time.time()))
        raise ApiError(
            429,
            f"This token may make {item.amount} requests per {item.multiples} {item.GRANULARITY.name}"
            f"{'s' if item.multiples > 1 else ''}: try again in {wait} seconds",
            headers={"Retry-After": str(wait)},
        )


def requires(role: str) -> Callable[[F], F]:
    """The view needs the token's user to have ``role`` or a higher one (viewer < editor < admin)."""

    def decorator(view: F) -> F:
        @wraps(view)
        def wrapped(*args: Any, **kwargs: Any) -> Any:
            if ROLE_RANK[caller().user.role] < ROLE_RANK[role]:
                needed = "an editor or admin" if role == "editor" else "an admin"
                role_now = caller().user.role
                article = "an" if role_now[0] in "aeiou" else "a"
                raise ApiError(403, f"Only {needed} may do this; this token acts for {article} {role_now}")
            return view(*args, **kwargs)

        return wrapped  # type: ignore[return-value]

    return decorator


def scope() -> Scope | None:
    """The token's scope: a partner's token reads only what its organisation is a party to
    (:mod:`isa_registry.store.visibility`); None for the whole registry."""
    return scope_of(caller().user)


def checked(as_of: date) -> CheckedRegistry:
    """The registry and its findings on ``as_of``, as the token's user may see them."""
    return visible_registry(checked_registry(as_of), scope())


def json_body() -> Any:
    """The request's JSON body; 415 when it is not declared JSON, 400 when it is not JSON."""
    mimetype = request.mimetype
    if mimetype not in ("application/json", "application/merge-patch+json") and not mimetype.endswith(
        "+json"
    ):
        raise ApiError(415, "Send the body as JSON, with 'Content-Type: application/json'")
    data = request.get_data(cache=True)
    try:
        body = json.loads(data)
    except (UnicodeDecodeError, json.JSONDecodeError) as exc:
        where = f" at line {exc.lineno}, column {exc.colno}" if isinstance(exc, json.JSONDecodeError) else ""
        raise ApiError(
            400, f"The body is not valid JSON{where}", [{"field": "", "message": str(exc)}]
        ) from exc
    except RecursionError as exc:
        raise ApiError(400, "The body is nested too deeply") from exc
    holder = _nul_path(body)
    if holder is not None:
        message = "must not contain a NUL character"
        raise ApiError(400, f"{holder} {message}", [{"field": holder, "message": message}])
    return body


@bp.errorhandler(HTTPException)
def _http_error(error: HTTPException) -> Response:
    return http_problem(error)


@bp.errorhandler(500)
def _server_error(error: Exception) -> Response:
    return http_problem(error)
