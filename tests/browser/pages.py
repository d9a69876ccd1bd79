"""The main pages of the app, found in its URL map so that pages colleagues add are found too."""

from __future__ import annotations

from flask import Flask
from sqlalchemy import select
from werkzeug.routing import Rule

from isa_registry.store.db import db
from isa_registry.store.models import Agreement, Flow, Organisation

RECORD_AREAS = {"organisations": Organisation, "agreements": Agreement, "flows": Flow}

#: Every main page by name: (blueprint, which page). "list" is the area's page without URL
#: variables, "record" its page for one record, "new" its form for a new record.
MAIN_PAGES = {
    "dashboard": ("dashboard", "list"),
    "organisations": ("organisations", "list"),
    "organisation": ("organisations", "record"),
    "new organisation": ("organisations", "new"),
    "agreements": ("agreements", "list"),
    "agreement": ("agreements", "record"),
    "new agreement": ("agreements", "new"),
    "flows": ("flows", "list"),
    "flow": ("flows", "record"),
    "new flow": ("flows", "new"),
    "findings": ("findings", "list"),
    "map": ("map", "list"),
    "ropa": ("ropa", "list"),
    "analyses": ("analyses", "list"),
    "audit log": ("audit_log", "list"),
    "users": ("users", "list"),
    "my tasks": ("tasks", "list"),
    "your account": ("account", "list"),
    "api docs": ("api_docs", "list"),
}


#: Pages that answer a query, by name: their URL on the demo partnership, and the status they answer
#: with (400 for a page showing its error summary).
QUERY_PAGES = {
    "who receives, from an organisation": (
        "/analyses/who-receives?subjects=children&category=criminal&from=wmp",
        200,
    ),
    "who receives, across the partnership": (
        "/analyses/who-receives?subjects=children&category=special",
        200,
    ),
    "who receives, with errors": (
        "/analyses/who-receives?subjects=&category=gossip&as_of-day=31&as_of-month=2",
        400,
    ),
    "breach impact": ("/analyses/breach-impact?organisation=dudley-mbc", 200),
    "breach impact, with errors": ("/analyses/breach-impact?organisation=nobody", 400),
    "privacy-notice sections": ("/organisations/dudley-mbc/privacy-notice?as_of=2026-11-23", 200),
}


def _get_rules(app: Flask, blueprint: str) -> list[Rule]:
    return sorted(
        (
            r
            for r in app.url_map.iter_rules()
            if r.endpoint.startswith(blueprint + ".")
            and "GET" in (r.methods or ())
            and not r.endpoint.endswith(".static")
        ),
        key=lambda r: (len(r.rule), r.rule),
    )


def first_key(app: Flask, blueprint: str) -> str | None:
    """The first key (in key order) of the area's records, or None."""
    model = RECORD_AREAS.get(blueprint)
    if model is None:
        return None
    with app.app_context():
        return db.session.scalar(
            select(model.key).where(model.archived.is_(False)).order_by(model.key).limit(1)
        )


def url_of(app: Flask, name: str) -> str | None:
    """The URL of the named main page, or None when the app has no such page (yet)."""
    blueprint, kind = MAIN_PAGES[name]
    rules = _get_rules(app, blueprint)
    if kind == "list":
        found = next((r for r in rules if not r.arguments), None)
        return found.rule if found else None
    if kind == "new":
        found = next((r for r in rules if not r.arguments and r.rule.rstrip("/").endswith("/new")), None)
        return found.rule if found else None
    key = first_key(app, blueprint)
    found = next((r for r in rules if len(r.arguments) == 1 and r.rule.strip("/").count("/") == 1), None)
    if found is None or key is None:
        return None
    [argument] = found.arguments
    return found.build({argument: key}, append_unknown=False)[1]
