"""Rules about organisations: dissolved partners and data protection officers."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import date

from ..domain import Agreement, Finding, Registry
from ._common import AGREEMENTS, SUCCESSORS, agreement_label, depends, finding, listing, plural, successor_of

__all__ = ["organisation_dissolved_in_agreement", "organisation_no_dpo"]


@depends(AGREEMENTS, SUCCESSORS)
def organisation_dissolved_in_agreement(registry: Registry, as_of: date) -> Iterator[Finding]:
    """A body that no longer exists is not a party to an active agreement.

    Its duties under the agreement passed to its successor, who must be a party in its place
    (UK GDPR Art 5(2), 24, 26). One finding per organisation, naming every active agreement.
    """
    # Each organisation's active agreements, in agreement key order, found in one pass.
    active: dict[str, list[Agreement]] = {}
    for k in sorted(registry.agreements):
        agreement = registry.agreements[k]
        if agreement.status == "active":
            for party in agreement.party_keys():
                active.setdefault(party, []).append(agreement)
    for key in sorted(registry.organisations):
        organisation = registry.organisations[key]
        if organisation.status != "dissolved":
            continue
        agreements = active.get(key, [])
        if not agreements:
            continue
        labels = listing(agreement_label(a) for a in agreements)
        keys = listing(a.key for a in agreements)
        successor = successor_of(registry, organisation)
        if successor is not None:
            remedy = (
                f"Replace {organisation.name} with its successor, {successor.name}, as a party to {keys}."
            )
        else:
            which = plural(len(agreements), "the agreement", "the agreements")
            remedy = (
                f"Record which body took over from {organisation.name} and make it a party to {keys} in its "
                f"place, or remove {organisation.name} from {which}."
            )
        yield finding(
            "ORGANISATION_DISSOLVED_IN_AGREEMENT",
            "organisation",
            key,
            f"{organisation.name} has been dissolved but is still a party to active "
            f"{plural(len(agreements), 'agreement', 'agreements')} {labels}.",
            remedy,
            "UK GDPR Art 5(2), 24, 26",
        )


@depends()
def organisation_no_dpo(registry: Registry, as_of: date) -> Iterator[Finding]:
    """A public authority has a data protection officer, and the registry records how to reach them.

    Added by this project. UK GDPR Art 37(1)(a): a public authority (DPA 2018 s7) must designate a
    DPO, except courts acting in their judicial capacity (so ``courts`` bodies are not checked);
    Art 37(7) and 13(1)(b), 14(1)(b): the DPO's contact details are published and given to data
    subjects. Dissolved bodies are not checked. Info, not a warning: a registry entry may stand for a
    group of bodies (the GP practices or schools of an area) with no single mailbox, and a contact
    missing from the registry does not show that no DPO was designated.
    """
    for key in sorted(registry.organisations):
        organisation = registry.organisations[key]
        if organisation.status == "dissolved" or not organisation.public_authority:
            continue
        if organisation.kind == "courts" or (organisation.dpo_contact or "").strip():
            continue
        yield finding(
            "ORGANISATION_NO_DPO",
            "organisation",
            key,
            f"{organisation.name} is a public authority but no data protection officer contact is recorded.",
            f"Record the role mailbox of {organisation.name}'s data protection officer.",
            "UK GDPR Art 37(1)(a), 37(7)",
        )
