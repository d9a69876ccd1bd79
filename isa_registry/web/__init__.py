"""The web views, one blueprint per area, and what every page shares (templates, navigation, errors)."""

from __future__ import annotations

import functools
from collections.abc import Mapping
from datetime import UTC, date, datetime
from typing import Any
from urllib.parse import quote
from zoneinfo import ZoneInfo

from flask import Flask, current_app, g, render_template, request, url_for
from flask_login import AnonymousUserMixin, current_user
from flask_wtf.csrf import CSRFError
from jinja2 import ChoiceLoader, PackageLoader, PrefixLoader
from markupsafe import Markup
from sqlalchemy import inspect
from werkzeug.exceptions import BadRequest, HTTPException, RequestEntityTooLarge
from werkzeug.wrappers import Response

from ..core.records import CONTROL_CHARACTERS, LONG_TEXT_LIMIT
from ..store.db import db
from ..store.models import User
from . import visible
from .components import component

#: The service navigation: (blueprint, label, who sees it). A blueprint that is not installed, or
#: has no page without URL variables, is left out.
NAVIGATION = (
    ("dashboard", "Dashboard", "any"),
    ("organisations", "Organisations", "any"),
    ("agreements", "Agreements", "any"),
    ("flows", "Flows", "any"),
    ("findings", "Findings", "any"),
    ("map", "Map", "any"),
    ("ropa", "ROPA", "any"),
    ("analyses", "Analyses", "any"),
    ("audit_log", "Audit log", "any"),
    ("users", "Users", "admin"),
    ("tasks", "My tasks", "any"),
    ("account", "Your account", "any"),
)

UK_TIME = ZoneInfo("Europe/London")

#: Where a finding's or audit entry's subject lives: /organisations/<key> and so on.
RECORD_PATHS = {"organisation": "organisations", "agreement": "agreements", "flow": "flows"}

ERROR_PAGES = {
    400: "Your request could not be handled",
    403: "You do not have permission to see or do this",
    404: "Page not found",
    405: "This page cannot be used that way",
    413: "What you sent is too large",
    429: "Too many requests",
    500: "Sorry, there is a problem with the service",
}


def register(app: Flask) -> None:
    """Register every blueprint, the shared templates and the error pages."""
    from . import (
        account,
        agreements,
        audit_log,
        auth,
        dashboard,
        decisions,
        findings,
        flows,
        health,
        organisations,
        public_register,
        ropa,
        tasks,
        users,
    )
    from . import analyses as analyses_area
    from . import api as api_area
    from . import documents as documents_area
    from . import map as map_area

    areas = (
        health,
        auth,
        dashboard,
        organisations,
        agreements,
        documents_area,
        public_register,
        flows,
        findings,
        decisions,
        map_area,
        ropa,
        analyses_area,
        audit_log,
        users,
        tasks,
        account,
        api_area,
    )
    for area in areas:
        app.register_blueprint(area.bp)
    app.register_blueprint(api_area.docs_bp)
    register_templates(app)
    register_error_handlers(app)
    # First of all (before CSRF protection reads the form): a streamed body cut off at the limit.
    app.before_request_funcs.setdefault(None, []).insert(0, refuse_streamed_body_too_large)
    app.before_request(refuse_control_characters)


# --- Templates ---------------------------------------------------------------------------------


def register_templates(app: Flask) -> None:
    """The GOV.UK Frontend macros beside our templates, and the globals every page uses."""
    own = app.jinja_loader
    assert own is not None  # Flask makes one from template_folder
    app.jinja_loader = ChoiceLoader(
        [
            own,
            PrefixLoader({"govuk_frontend_jinja": PackageLoader("govuk_frontend_jinja")}),
        ]
    )
    app.add_template_global(component)
    app.add_template_global(record_url)
    app.add_template_global(page_url)
    app.add_template_global(field_error)
    app.add_template_global(area_url)
    app.add_template_global(status_tag)
    app.add_template_global(archived_tag)
    app.add_template_global(severity_tag)
    app.add_template_filter(format_date, "govuk_date")
    app.add_template_filter(format_datetime, "govuk_datetime")
    app.context_processor(_page_context)


def format_date(value: date | None) -> str:
    """``23 November 2026`` (the GOV.UK style), or an empty string."""
    if value is None:
        return ""
    return f"{value.day} {value:%B %Y}"


def format_datetime(value: datetime | None) -> str:
    """``23 November 2026 at 6:35pm`` in UK time; naive values are taken as UTC (SQLite)."""
    if value is None:
        return ""
    if value.tzinfo is None:
        value = value.replace(tzinfo=UTC)
    local = value.astimezone(UK_TIME)
    hour = local.hour % 12 or 12
    return f"{format_date(local.date())} at {hour}:{local:%M}{'am' if local.hour < 12 else 'pm'}"


def record_url(subject_type: str, key: str) -> str | None:
    """The page of a registry record (``/flows/FLOW-001``), or None for other subjects."""
    area = RECORD_PATHS.get(subject_type)
    if area is None:
        return None
    return f"{request.script_root}/{area}/{quote(key, safe='')}"


#: The colour of each record status's tag.
STATUS_COLOURS = {
    "active": "govuk-tag--green",
    "draft": "govuk-tag--grey",
    "under_review": "govuk-tag--yellow",
    "expired": "govuk-tag--red",
    "terminated": "govuk-tag--red",
    "planned": "govuk-tag--blue",
    "ceased": "govuk-tag--grey",
    "dissolved": "govuk-tag--red",
}


#: The colour of each finding severity's tag (information keeps the default blue).
SEVERITY_COLOURS = {"error": "govuk-tag--red", "warning": "govuk-tag--orange"}


def _tag(colour: str | None, text: str) -> Markup:
    """A tag as GOV.UK Frontend's govukTag writes it, in ``colour`` (a ``govuk-tag--`` class) or the
    default. Tags are written by functions rather than macros: lists show one per row, and a macro
    call costs more than the rest of the row."""
    return _tag_opening(colour) + text + _TAG_CLOSE  # Markup + str escapes the str: text stays text


@functools.cache
def _tag_opening(colour: str | None) -> Markup:
    return (
        Markup('<strong class="govuk-tag {}">').format(colour)
        if colour
        else Markup('<strong class="govuk-tag">')
    )


_TAG_CLOSE = Markup("</strong>")


def status_tag(value: str, labels: dict[str, str]) -> Markup:
    """A record's status as a coloured tag; ``labels`` maps the value to its words."""
    return _tag(STATUS_COLOURS.get(value), labels.get(value, value))


def severity_tag(severity: str) -> Markup:
    """A finding's severity as a tag: error red, warning orange, info blue."""
    return _tag(SEVERITY_COLOURS.get(severity), severity.capitalize())


def archived_tag(record: Any) -> Markup:
    """A grey "Archived" tag, with a space before it, for an archived record (an object or a list's
    row mapping); else nothing."""
    archived = record.get("archived") if isinstance(record, Mapping) else record.archived
    return _ARCHIVED if archived else Markup("")


_ARCHIVED = Markup(' <strong class="govuk-tag govuk-tag--grey app-archived-tag">Archived</strong>')


def field_error(field: Any) -> dict[str, str] | None:
    """A WTForms field's first error as a GOV.UK ``errorMessage``, or None."""
    return {"text": str(field.errors[0])} if field.errors else None


def page_url(number: int) -> str:
    """This page's URL with ``page=number``, keeping every other query argument."""
    args = request.args.to_dict(flat=False)
    args["page"] = [str(number)]
    return url_for(request.endpoint or "dashboard.index", **(request.view_args or {}), **args)  # type: ignore[arg-type]


def _area_urls(app: Flask) -> dict[str, str]:
    """Each blueprint's landing page: its shortest GET route without URL variables."""
    cached: dict[str, str] | None = app.extensions.get("isa_area_urls")
    if cached is not None:
        return cached
    found: dict[str, str] = {}
    for rule in sorted(app.url_map.iter_rules(), key=lambda r: len(r.rule)):
        blueprint = rule.endpoint.rpartition(".")[0]
        if blueprint and blueprint not in found and not rule.arguments and "GET" in (rule.methods or ()):
            found[blueprint] = rule.endpoint
    urls = {name: url_for(endpoint) for name, endpoint in found.items() if not endpoint.endswith(".static")}
    app.extensions["isa_area_urls"] = urls
    return urls


def area_url(blueprint: str) -> str | None:
    """The landing page of an area (``area_url("flows")`` is ``/flows/``), or None if not installed."""
    return _area_urls(current_app).get(blueprint)


def navigation() -> list[dict[str, Any]]:
    """The service navigation items for the signed-in user, the current area marked."""
    if not current_user.is_authenticated:
        return []
    urls = _area_urls(current_app)
    items = []
    for blueprint, label, audience in NAVIGATION:
        if blueprint not in urls or (audience == "admin" and not current_user.is_admin):
            continue
        if current_user.role == "partner" and not visible.partner_may_open(f"{blueprint}.index"):
            continue
        href = urls[blueprint]
        items.append(
            {
                "text": label,
                "href": href,
                "current": request.path == href,
                "active": request.blueprint == blueprint,
            }
        )
    return items


def _page_context() -> dict[str, Any]:
    return {
        "service_name": current_app.config["SERVICE_NAME"],
        "navigation_items": navigation(),
    }


# --- Errors ------------------------------------------------------------------------------------


class BadInput(BadRequest):
    """A request whose input cannot be used: the 400 page lists ``problems`` in its error summary."""

    def __init__(self, problems: list[str]):
        super().__init__(description=" ".join(problems))
        self.problems = problems


def refuse_streamed_body_too_large() -> None:
    """Refuse (413) a body sent without a length (chunked) that reaches ``MAX_CONTENT_LENGTH``.

    A body with a length over the limit is refused by Werkzeug before it is read. One streamed
    without a length is read only up to the limit, but Werkzeug then parses what it read as if it
    were the whole body; reading it here (at most the limit) tells whether there was more.
    """
    limit = request.max_content_length
    if limit is None or request.content_length is not None or "wsgi.input_terminated" not in request.environ:
        return
    request.get_data(cache=True)  # at most ``limit`` bytes; the form is parsed from this copy
    stream = request.stream
    if getattr(stream, "is_exhausted", False):
        raise RequestEntityTooLarge()


def refuse_control_characters() -> None:
    """Refuse (400) a query argument holding a control character, and a form value holding a null
    character, before any view reads them.

    No address the pages make holds one, and a null character cannot be stored or searched for in
    PostgreSQL. The record forms refuse the other control characters field by field
    (:mod:`isa_registry.web.forms`); a null character is refused here, for every form.
    """
    problems = [
        f"The address has a control character in '{_shown_name(name)}', which is not allowed. "
        "Remove it and try again."
        for name, value in request.args.items(multi=True)
        if CONTROL_CHARACTERS.search(name) or CONTROL_CHARACTERS.search(value)
    ]
    if request.method in ("POST", "PUT", "PATCH") and request.mimetype in (
        "application/x-www-form-urlencoded",
        "multipart/form-data",
    ):
        problems += [
            f"The form's field '{_shown_name(name)}' has a null character in it, which cannot be "
            "stored. Go back, remove it and try again."
            for name, value in request.form.items(multi=True)
            if "\x00" in name or "\x00" in value
        ]
    if problems:
        raise BadInput(list(dict.fromkeys(problems)))


def _shown_name(name: str) -> str:
    """A query or form field's name with its control characters shown as ``?``."""
    return CONTROL_CHARACTERS.sub("?", name)[:100]


def register_error_handlers(app: Flask) -> None:
    """Render errors as GOV.UK pages."""
    app.register_error_handler(CSRFError, _csrf_error)
    for code in ERROR_PAGES:
        app.register_error_handler(code, _http_error)


def _csrf_error(error: CSRFError) -> tuple[str, int]:
    return render_template("errors/csrf.html", reason=error.description), 400


def _http_error(error: Exception) -> tuple[str, int] | Response:
    from .api import http_problem, is_api_request

    if is_api_request():  # an address under /api/v1 that matched no route, or a method it lacks
        return http_problem(error)
    code = error.code if isinstance(error, HTTPException) and error.code else 500
    if code >= 500:
        _leave_the_database()
    template = f"errors/{code}.html" if code in (403, 404, 413, 500) else "errors/generic.html"
    return render_template(
        template,
        code=code,
        title=ERROR_PAGES.get(code, "Error"),
        problems=[{"text": problem} for problem in _problems(error)],
        long_text_limit=LONG_TEXT_LIMIT,
    ), code


def _problems(error: Exception) -> list[str]:
    """What a 400 page lists in its error summary: a :class:`BadInput`'s problems, or the
    description a view gave ``abort(400, description=...)``; nothing for other errors."""
    if isinstance(error, BadInput):
        return error.problems
    if isinstance(error, BadRequest) and error.description != BadRequest.description:
        return [str(error.description)]
    return []


def _leave_the_database() -> None:
    """After a server error the database may be unreachable or the transaction broken: roll back,
    and keep the signed-in account only if what the page shows of it (email, role) is already in
    memory, detached, so that rendering the error page never touches the database; else show the
    page as to someone signed out."""
    user = g.get("_login_user")  # Flask-Login's account for this request, if it was loaded
    state = inspect(user) if isinstance(user, User) else None
    if state is not None and {"id", "email", "role"} <= state.dict.keys():
        if state.session is not None:
            state.session.expunge(user)
    else:
        g._login_user = AnonymousUserMixin()
    try:
        db.session.rollback()
    except Exception:  # noqa: BLE001 - the database is what failed; the page must still be shown
        current_app.logger.warning("Could not roll back after a server error", exc_info=True)
