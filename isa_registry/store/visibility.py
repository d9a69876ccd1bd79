"""What an account may see: the whole registry, or a partner's part of it.

Decided here once, for every page, download, map, list, search and API response:

* viewers, editors and admins see the whole registry;
* a **partner** (an account of one partner organisation, ``User.role == "partner"``) sees the
  agreements its organisation is a party to, the flows under them (and the flows its organisation
  sends or receives under no agreement), the organisations those name, and the findings, decisions
  and actions on those records. An agreement its organisation is not a party to is never shown,
  nor a flow under one; a partner whose account names no organisation sees nothing.

:func:`narrow` does it to a registry held in memory, :func:`visible_registry` to a checked registry
(kept once per revision, organisation and date), and :func:`agreement_clause`,
:func:`flow_clause` and :func:`organisation_clause` to the SQL of the lists, so that searching,
filtering, counting and paging never see a hidden record. ``tests/test_visibility.py`` holds the
SQL and the Python to the same answer.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, replace
from typing import Any

from sqlalchemy import and_, false, or_, select, union

from ..core.domain import Finding, Registry
from .models import Agreement as AgreementModel
from .models import AgreementParty, User
from .models import Flow as FlowModel
from .models import Organisation as OrganisationModel
from .queries import CheckedRegistry, per_revision

__all__ = [
    "Scope",
    "Visible",
    "agreement_clause",
    "flow_clause",
    "narrow",
    "organisation_clause",
    "scope_of",
    "scoped_revision",
    "visible_keys",
    "visible_registry",
]


@dataclass(frozen=True)
class Scope:
    """A partner's view: the key of its organisation (None when the account names none: it sees
    nothing)."""

    organisation: str | None

    @property
    def label(self) -> str:
        """What keys what is kept for this scope (never a key an organisation could have: keys
        start with a letter or digit)."""
        return f"~partner:{self.organisation or ''}"


def scope_of(user: Any) -> Scope | None:
    """The scope of a signed-in account: None when it sees the whole registry (not a partner)."""
    if getattr(user, "role", None) != "partner":
        return None
    organisation = user.organisation.key if isinstance(user, User) and user.organisation else None
    return Scope(organisation)


def scoped_revision(revision: tuple[int, str], scope: Scope | None) -> tuple[int, str]:
    """The revision under which what is derived for ``scope`` is kept: the registry revision
    itself for the whole registry, and one of its own for each partner, so that a picture of the
    map or a count drawn for one is never served to another."""
    if scope is None:
        return revision
    return revision[0], f"{revision[1]}{scope.label}"


@dataclass(frozen=True)
class Visible:
    """The keys a scope may see."""

    organisations: frozenset[str]
    agreements: frozenset[str]
    flows: frozenset[str]


def visible_keys(registry: Registry, scope: Scope) -> Visible:
    """The keys of the records of ``registry`` that ``scope`` may see."""
    org = scope.organisation
    if org is None:
        return Visible(frozenset(), frozenset(), frozenset())
    agreements = {k for k, a in registry.agreements.items() if org in a.party_keys()}
    flows = {
        k
        for k, f in registry.flows.items()
        if (f.agreement in agreements if f.agreement else org in (f.source, f.recipient))
    }
    organisations = {org} if org in registry.organisations else set()
    for key in agreements:
        a = registry.agreements[key]
        organisations |= a.party_keys()
        if a.owner:
            organisations.add(a.owner)
    for key in flows:
        organisations |= {registry.flows[key].source, registry.flows[key].recipient}
    return Visible(
        frozenset(organisations & registry.organisations.keys()), frozenset(agreements), frozenset(flows)
    )


def narrow(registry: Registry, scope: Scope | None) -> Registry:
    """``registry`` as ``scope`` sees it (the registry itself when ``scope`` is None). A successor
    it may not see is left out of an organisation it may."""
    if scope is None:
        return registry
    seen = visible_keys(registry, scope)
    organisations = {}
    for key in sorted(seen.organisations):
        o = registry.organisations[key]
        organisations[key] = (
            o if o.successor in seen.organisations or o.successor is None else replace(o, successor=None)
        )
    return Registry(
        organisations=organisations,
        agreements={k: registry.agreements[k] for k in sorted(seen.agreements)},
        flows={k: registry.flows[k] for k in sorted(seen.flows)},
    )


_KEYLIKE = re.compile(r"[A-Za-z0-9][A-Za-z0-9._-]*")


def _mentions(text: str, keys: frozenset[str]) -> bool:
    """Whether ``text`` names one of ``keys`` as a word (a full stop ending a sentence aside)."""
    for word in _KEYLIKE.findall(text):
        if word in keys or word.rstrip(".") in keys:
            return True
    return False


def _finding_visible(f: Finding, seen: Visible, hidden: frozenset[str]) -> bool:
    kept = {"organisation": seen.organisations, "agreement": seen.agreements, "flow": seen.flows}
    if f.subject_key not in kept.get(f.subject_type, frozenset()):
        return False
    return not _mentions(f.message, hidden) and not _mentions(f.remedy, hidden)


def visible_registry(checked: CheckedRegistry, scope: Scope | None) -> CheckedRegistry:
    """``checked`` as ``scope`` sees it: its records narrowed (:func:`narrow`), and the findings,
    decisions and actions on records it may see; a finding whose words name an agreement or flow
    it may not see is left out too. Kept once per revision, scope and date; the answer's
    ``revision`` is :func:`scoped_revision`, so what pages derive from it is kept apart."""
    if scope is None:
        return checked

    def work() -> CheckedRegistry:
        full = narrow(checked.full, scope)
        seen = visible_keys(checked.full, scope)
        hidden = frozenset(
            (checked.full.agreements.keys() - seen.agreements) | (checked.full.flows.keys() - seen.flows)
        )
        live = Registry(
            organisations={k: o for k, o in full.organisations.items() if k in checked.live.organisations},
            agreements={k: a for k, a in full.agreements.items() if k in checked.live.agreements},
            flows={k: f for k, f in full.flows.items() if k in checked.live.flows},
        )
        findings = [f for f in checked.findings if _finding_visible(f, seen, hidden)]
        ids = {(f.subject_type, f.subject_key, f.code) for f in findings}
        kept = {"organisation": seen.organisations, "agreement": seen.agreements, "flow": seen.flows}
        return CheckedRegistry(
            scoped_revision(checked.revision, scope),
            checked.as_of,
            full,
            live,
            findings,
            tuple(d for d in checked.decisions if d.subject_key in kept.get(d.subject_type, ())),
            tuple(a for a in checked.actions if a.subject_key in kept.get(a.subject_type, ())),
            [r for r in checked.reviewed if r.id in ids],
        )

    return per_revision(checked.revision, "visible-registry", (checked.as_of, scope), work)


# --- The same in SQL, for the lists ------------------------------------------------------------


def _organisation_id(scope: Scope) -> Any:
    o = OrganisationModel.__table__
    return select(o.c.id).where(o.c.key == scope.organisation).scalar_subquery()


def _agreement_ids(scope: Scope) -> Any:
    """The ids of the agreements ``scope``'s organisation is a party to."""
    p = AgreementParty.__table__
    return select(p.c.agreement_id).where(p.c.organisation_id == _organisation_id(scope))


def agreement_clause(scope: Scope) -> Any:
    """Where an ``agreement`` row is one ``scope`` may see."""
    if scope.organisation is None:
        return false()
    a = AgreementModel.__table__
    return a.c.id.in_(_agreement_ids(scope))


def flow_clause(scope: Scope, table: Any = None) -> Any:
    """Where a ``flow`` row (of ``table``, an alias of it, or the table itself) is one ``scope``
    may see."""
    if scope.organisation is None:
        return false()
    f = FlowModel.__table__ if table is None else table
    org = _organisation_id(scope)
    return or_(
        f.c.agreement_id.in_(_agreement_ids(scope)),
        and_(f.c.agreement_id.is_(None), or_(f.c.source_id == org, f.c.recipient_id == org)),
    )


def organisation_clause(scope: Scope) -> Any:
    """Where an ``organisation`` row is one ``scope`` may see."""
    if scope.organisation is None:
        return false()
    o, a, p = OrganisationModel.__table__, AgreementModel.__table__, AgreementParty.__table__
    f = FlowModel.__table__
    agreements = _agreement_ids(scope)
    flows = select(f.c.source_id, f.c.recipient_id).where(flow_clause(scope, f)).subquery()
    named = union(
        select(p.c.organisation_id).where(p.c.agreement_id.in_(agreements)),
        select(a.c.owner_id).where(a.c.id.in_(agreements), a.c.owner_id.is_not(None)),
        select(flows.c.source_id),
        select(flows.c.recipient_id),
    )
    return or_(o.c.key == scope.organisation, o.c.id.in_(named))
