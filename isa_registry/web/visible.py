"""What the signed-in account may see, for the views: the registry narrowed to a partner's part
(:mod:`isa_registry.store.visibility`), and the pages a partner may open at all.

Every view reads the registry through :func:`checked` (never ``checked_registry`` itself) and
keys what it keeps by :func:`revision`; a list passes :func:`scope` in its ``ListParams``. A
partner may open only the pages in :data:`PARTNER_ENDPOINTS`: any other (the users, the audit
log, the edit forms, and any page added later until it is listed here) answers 403, checked
before the view runs (:func:`refuse_partners`).
"""

from __future__ import annotations

from datetime import date

from flask import abort, has_request_context, request
from flask_login import current_user

from ..store import services
from ..store.db import db
from ..store.queries import CheckedRegistry, checked_registry, registry_revision
from ..store.visibility import Scope, scope_of, scoped_revision, visible_registry

__all__ = [
    "PARTNER_ENDPOINTS",
    "agreement_choices",
    "checked",
    "is_partner",
    "organisation_choices",
    "partner_may_open",
    "programmes",
    "refuse_partners",
    "revision",
    "scope",
]

#: The pages a partner may open; each shows only what its organisation is a party to.
PARTNER_ENDPOINTS = frozenset(
    {
        "dashboard.index",
        "organisations.index",
        "organisations.show",
        "agreements.index",
        "agreements.show",
        "agreements.sign",
        "agreements.dpo_review",
        "flows.index",
        "flows.show",
        "findings.index",
        "map.index",
        "map.download",
        "ropa.index",
        "ropa.download_csv",
        "ropa.download_xlsx",
        "ropa.import_template",
        "analyses.index",
        "analyses.who_receives",
        "analyses.who_receives_download",
        "analyses.breach_impact",
        "analyses.breach_impact_download",
        "account.index",
        "account.create_token",
        "account.revoke_token",
        "auth.login",
        "auth.logout",
        "auth.oidc_start",
        "auth.oidc_callback",
        "api_docs.index",
        "api_docs.download",
        "health.healthz",
        "static",
    }
)


def scope() -> Scope | None:
    """The signed-in account's scope: None when it sees the whole registry (and outside a request:
    the warm-up works out what everyone else sees)."""
    if not has_request_context() or not current_user.is_authenticated:
        return None
    return scope_of(current_user)


def is_partner() -> bool:
    """Whether the signed-in account is a partner's."""
    return scope() is not None


def checked(as_of: date) -> CheckedRegistry:
    """The registry and its findings on ``as_of``, as the signed-in account may see them."""
    return visible_registry(checked_registry(as_of), scope())


def revision() -> tuple[int, str]:
    """The registry revision, kept apart for each partner's scope (for what views keep)."""
    return scoped_revision(registry_revision(), scope())


def partner_may_open(endpoint: str) -> bool:
    """Whether a partner may open the page of ``endpoint`` (static files of a blueprint too)."""
    return endpoint in PARTNER_ENDPOINTS or endpoint.endswith(".static")


def refuse_partners() -> None:
    """403 for a partner asking for a page not in :data:`PARTNER_ENDPOINTS` (the API checks its
    tokens' scope itself)."""
    endpoint = request.endpoint or ""
    if endpoint.startswith("api.") or not is_partner():
        return
    if not partner_may_open(endpoint):
        abort(403)


def organisation_choices() -> list[tuple[str, str]]:
    """(key, name) of the organisations a list's filter offers: a partner's only those it may see."""
    if scope() is None:
        return services.organisation_choices(db.session)
    live = checked(date.today()).live
    return sorted(((k, o.name) for k, o in live.organisations.items()), key=lambda c: (c[1], c[0]))


def agreement_choices() -> list[tuple[str, str]]:
    """(key, title) of the agreements a list's filter offers: a partner's only its own."""
    if scope() is None:
        return services.agreement_choices(db.session)
    return sorted((k, a.title) for k, a in checked(date.today()).live.agreements.items())


def programmes() -> list[str]:
    """The programmes a list's filter offers: a partner's only those of the flows it may see."""
    if scope() is None:
        return services.programmes(db.session)
    return sorted({f.programme for f in checked(date.today()).full.flows.values() if f.programme})
