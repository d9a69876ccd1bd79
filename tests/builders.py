"""Builders for test registries: plain domain objects, no app, no database.

``clean_registry()`` is a small Dudley partnership that breaks no rule as of :data:`AS_OF`: three
public-authority safeguarding partners, a charity and a research body, one signed MASH agreement
in force, and one MASH flow from the police to the council. A test changes one thing and checks
the one finding that change should (or should not) bring::

    registry = clean_registry(flow={"article6": None})
    registry = clean_registry(agreement={"status": "draft"})
    registry = clean_registry(orgs={"wmp": {"appropriate_policy_document": None}})

``organisation()``, ``agreement()`` and ``flow()`` build single records with the same defaults
for tests that need more than one.
"""

from __future__ import annotations

from dataclasses import replace
from datetime import date, timedelta
from typing import Any

from isa_registry.core.domain import Agreement, Basis, Flow, Organisation, Party, Registry, Transfer

__all__ = [
    "AS_OF",
    "ORGANISATIONS",
    "agreement",
    "basis",
    "clean_registry",
    "days",
    "flow",
    "organisation",
    "party",
    "registry",
    "transfer",
]

#: The date the clean registry is clean on (the project's "today").
AS_OF = date(2026, 11, 23)


def days(n: int) -> date:
    """The date ``n`` days after :data:`AS_OF` (before it when ``n`` is negative)."""
    return AS_OF + timedelta(days=n)


#: The partners of the clean registry, by key.
ORGANISATIONS: dict[str, dict[str, Any]] = {
    "dudley": {
        "name": "Dudley Metropolitan Borough Council",
        "kind": "local_authority",
        "public_authority": True,
    },
    "wmp": {"name": "West Midlands Police", "kind": "police", "public_authority": True},
    "bcicb": {"name": "Black Country Integrated Care Board", "kind": "health", "public_authority": True},
    "family-action": {"name": "Family Action", "kind": "voluntary", "public_authority": False},
    "evaluators": {"name": "Evaluation Partners Ltd", "kind": "research", "public_authority": False},
}


def organisation(key: str = "dudley", **overrides: Any) -> Organisation:
    """An active organisation with a DPO and an appropriate policy document.

    ``key`` picks the name, kind and public-authority flag from :data:`ORGANISATIONS` when it is
    one of them; ``overrides`` set any field.
    """
    values: dict[str, Any] = {
        "name": key,
        "kind": "other",
        "public_authority": False,
        "ico_registration": f"ZA{len(key):06d}",
        "dpo_contact": f"dpo@{key}.example",
        "appropriate_policy_document": f"https://{key}.example/apd",
    }
    values.update(ORGANISATIONS.get(key, {}))
    values.update(overrides)
    return Organisation(key=key, **values)


def party(organisation_key: str, signed_on: date | None = days(-200), **overrides: Any) -> Party:
    """A controller party that signed 200 days before :data:`AS_OF`."""
    return Party(organisation=organisation_key, signed_on=signed_on, **overrides)


def agreement(
    key: str = "DSPP-ISA-001", parties: tuple[str, ...] = ("dudley", "wmp"), **overrides: Any
) -> Agreement:
    """An active, signed MASH agreement in force on :data:`AS_OF`, reviewed in six months."""
    values: dict[str, Any] = {
        "title": "MASH information sharing",
        "status": "active",
        "purpose": "Multi-agency safeguarding hub referrals and enquiries",
        "version": "2.0",
        "owner": parties[0] if parties else None,
        "start_date": days(-200),
        "review_date": days(180),
        "end_date": days(900),
        "parties": [party(k) for k in parties],
        "data_categories": [
            "identity_contact",
            "family_relationships",
            "household",
            "social_care",
            "referral",
            "health",
            "criminal_offence",
        ],
        "document_url": f"https://dudley.example/isa/{key}.pdf",
        "dpia_reference": "DPIA-2026-007",
    }
    values.update(overrides)
    return Agreement(key=key, **values)


def basis(**overrides: Any) -> Basis:
    """The council's own basis for a MASH referral it receives: public task under Children Act 1989
    s47 (its duty to make enquiries)."""
    values: dict[str, Any] = {
        "regime": "uk_gdpr",
        "article6": "e",
        "legislation": ["ukpga/1989/41/section/47"],
    }
    values.update(overrides)
    return Basis(**values)


def flow(
    key: str = "FLOW-012",
    source: str = "wmp",
    recipient: str = "dudley",
    agreement_key: str | None = "DSPP-ISA-001",
    **overrides: Any,
) -> Flow:
    """An active, identifiable UK GDPR flow on a public task under Children Act 1989 s47, with the
    recipient's own basis recorded (:func:`basis`)."""
    values: dict[str, Any] = {
        "name": "MASH referrals",
        "identifiability": "identifiable",
        "purpose": "Referral of children at risk of significant harm",
        "status": "active",
        "start_date": days(-100),
        "regime": "uk_gdpr",
        "data_subjects": ["children", "parents_carers"],
        "data_categories": ["identity_contact", "family_relationships", "referral"],
        "article6": "e",
        "legislation": ["ukpga/1989/41/section/47"],
        "retention": "Until the child's 25th birthday",
        "frequency": "daily",
        "method": "secure email",
        "recipient_basis": basis(),
    }
    values.update(overrides)
    return Flow(key=key, source=source, recipient=recipient, agreement=agreement_key, **values)


def transfer(country: str = "US", safeguard: str | None = "idta") -> Transfer:
    """A transfer outside the UK."""
    return Transfer(country=country, safeguard=safeguard)


def registry(
    organisations: list[Organisation] | None = None,
    agreements: list[Agreement] | None = None,
    flows: list[Flow] | None = None,
) -> Registry:
    """A registry of the given records; the default partners when no organisations are given."""
    if organisations is None:
        organisations = [organisation(key) for key in ORGANISATIONS]
    return Registry.of(organisations, agreements or [], flows or [])


def _clean() -> Registry:
    return registry(agreements=[agreement()], flows=[flow()])


def clean_registry(
    *,
    flow: dict[str, Any] | None = None,
    agreement: dict[str, Any] | None = None,
    orgs: dict[str, dict[str, Any]] | None = None,
) -> Registry:
    """The clean partnership, with the flow, the agreement or any organisation changed."""
    base = _clean()
    for key, changes in (orgs or {}).items():
        base.organisations[key] = replace(base.organisations[key], **changes)
    if agreement:
        base.agreements["DSPP-ISA-001"] = replace(base.agreements["DSPP-ISA-001"], **agreement)
    if flow:
        base.flows["FLOW-012"] = replace(base.flows["FLOW-012"], **flow)
    return base
