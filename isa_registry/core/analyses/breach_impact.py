"""What a personal data breach at one organisation touches on a date.

What it received and from whom, what it sent on and to whom, the special category and criminal
offence data among them, and the agreements engaged. A flow counts when it shares personal data on
the date (:func:`~isa_registry.core.scope.flow_shares_personal_data_on`); planned flows are listed
apart.

Who must tell whom follows the organisation's role. The duty to report a breach to the ICO is the
controller's: without undue delay and, where feasible, within 72 hours (UK GDPR Art 33(1); DPA 2018
s67 for law enforcement processing), and to tell the people affected when the risk to them is high
(Art 34; DPA 2018 s68). A processor tells its controller, without undue delay (Art 33(2); DPA 2018
s67). So for each organisation it received data from, the answer says whether the breached
organisation holds that data as its processor (a processor party to the flow's agreement: it must
tell it) or as a controller in its own right (it reports itself, and tells the organisation that
disclosed the data as their agreement provides).

Examples
--------
>>> from datetime import date
>>> from isa_registry.core.domain import Agreement, Flow, Organisation, Party, Registry
>>> orgs = [Organisation(k, k.title(), "other", False) for k in ("council", "supplier", "school")]
>>> parties = [Party("council"), Party("supplier", "processor")]
>>> dpa = Agreement("DPA-1", "Case system", "active", parties=parties)
>>> flows = [
...     Flow("F1", "Case records", "council", "supplier", "identifiable", agreement="DPA-1",
...          data_categories=["social_care", "health"]),
...     Flow("F2", "Attendance", "supplier", "school", "identifiable", data_categories=["education"]),
... ]
>>> impact = breach_impact(Registry.of(orgs, [dpa], flows), "supplier", date(2026, 11, 23))
>>> [(t.key, t.duty) for t in impact.to_tell], [f.key for f in impact.sent], impact.special_categories
([('council', 'processor')], ['F2'], ['health'])
"""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass
from datetime import date
from operator import attrgetter
from typing import Any

from ..domain import Registry
from ..law import category_label
from ..scope import agreement_in_force, flow_shares_personal_data_on
from ..vocabulary import AGREEMENT_STATUS, PARTY_ROLE
from ._common import FlowLine, Reached, check_organisation, fields_as_json, flow_line, planned_on, reached

__all__ = ["CONTROLLER_DUTY", "PROCESSOR_DUTY", "BreachImpact", "EngagedAgreement", "ToTell", "breach_impact"]

#: What a controller must do about a breach, and where the law says so.
CONTROLLER_DUTY = (
    "A controller reports a personal data breach to the ICO without undue delay and, where "
    "feasible, within 72 hours of becoming aware of it, unless it is unlikely to result in a risk to "
    "people's rights and freedoms (UK GDPR Art 33(1); DPA 2018 s67 for law enforcement processing), "
    "and tells the people affected without undue delay when the risk to them is high (UK GDPR Art "
    "34; DPA 2018 s68)."
)
#: What a processor must do about a breach, and where the law says so.
PROCESSOR_DUTY = (
    "A processor tells the controller it processes the data for without undue delay after becoming "
    "aware of a breach (UK GDPR Art 33(2); DPA 2018 s67); the controller then decides on reporting."
)


@dataclass(frozen=True)
class ToTell:
    """An organisation the breached one received data from, and why to tell it.

    ``duty`` is ``processor`` when the breached organisation is a processor party to the agreement
    of one of these flows (it must tell this controller: UK GDPR Art 33(2)), else ``controller``
    (it holds the data as a controller, reports to the ICO itself, and tells this organisation as
    their agreement provides).
    """

    key: str
    name: str
    dpo_contact: str | None
    flows: tuple[str, ...]
    duty: str

    @property
    def reference(self) -> str:
        """Where the duty comes from."""
        if self.duty == "processor":
            return "UK GDPR Art 33(2); DPA 2018 s67"
        return "UK GDPR Art 33(1) (the breached organisation reports); the agreement's terms"

    @property
    def duty_text(self) -> str:
        """The duty in words."""
        if self.duty == "processor":
            return "Must be told without undue delay: its data is processed for it as a processor"
        return "Disclosed the data: tell it as your agreement provides"

    def as_dict(self) -> dict[str, Any]:
        """The organisation to tell, as JSON."""
        return {**fields_as_json(self), "duty_text": self.duty_text, "reference": self.reference}


@dataclass(frozen=True)
class EngagedAgreement:
    """An agreement that governs a flow in or out of the breached organisation, with its role in it
    (None when it is not a party) and whether the agreement is in force on the date."""

    key: str
    title: str
    status: str
    in_force: bool
    role: str | None
    flows: tuple[str, ...]

    @property
    def status_label(self) -> str:
        """The agreement's status, in words."""
        return AGREEMENT_STATUS[self.status].label if self.status in AGREEMENT_STATUS else self.status

    @property
    def role_label(self) -> str:
        """The breached organisation's role, in words."""
        return (
            PARTY_ROLE[self.role].label
            if self.role is not None and self.role in PARTY_ROLE
            else "Not a party"
        )

    def as_dict(self) -> dict[str, Any]:
        """The agreement as JSON."""
        return fields_as_json(self)


@dataclass(frozen=True)
class BreachImpact:
    """The answer: what the organisation received (``received``) and from whom (``to_tell``), what
    it sent (``sent``), every partner on either side (``organisations``), the agreements engaged,
    and the planned flows, apart."""

    as_of: date
    organisation: str
    name: str
    dpo_contact: str | None
    received: tuple[FlowLine, ...]
    sent: tuple[FlowLine, ...]
    to_tell: tuple[ToTell, ...]
    organisations: tuple[Reached, ...]
    agreements: tuple[EngagedAgreement, ...]
    planned: tuple[FlowLine, ...]

    @property
    def flows(self) -> tuple[FlowLine, ...]:
        """Every flow that counts, received then sent."""
        return self.received + self.sent

    @property
    def special(self) -> tuple[FlowLine, ...]:
        """The flows that carry special category data (UK GDPR Art 9(1))."""
        return tuple(f for f in self.flows if f.special)

    @property
    def criminal(self) -> tuple[FlowLine, ...]:
        """The flows that carry criminal offence data (UK GDPR Art 10)."""
        return tuple(f for f in self.flows if f.criminal)

    @property
    def special_categories(self) -> list[str]:
        """The special categories among the flows, sorted."""
        return sorted({c for f in self.flows for c in f.special})

    @property
    def criminal_categories(self) -> list[str]:
        """The criminal offence data categories among the flows, sorted."""
        return sorted({c for f in self.flows for c in f.criminal})

    @property
    def special_category_labels(self) -> list[str]:
        """The special categories among the flows, in words."""
        return [category_label(c) for c in self.special_categories]

    @property
    def criminal_category_labels(self) -> list[str]:
        """The criminal offence data categories among the flows, in words."""
        return [category_label(c) for c in self.criminal_categories]

    @property
    def is_processor(self) -> bool:
        """Whether it holds some of the data it received as a processor."""
        return any(t.duty == "processor" for t in self.to_tell)

    def query(self) -> dict[str, Any]:
        """What was asked, as JSON."""
        return {"organisation": self.organisation, "organisation_name": self.name}

    def as_dict(self) -> dict[str, Any]:
        """The answer as JSON: ``as_of``, ``query``, ``organisations``, ``flows`` (keys), and the
        rest by name."""
        return {
            "as_of": self.as_of.isoformat(),
            "query": self.query(),
            "organisation": {"key": self.organisation, "name": self.name, "dpo_contact": self.dpo_contact},
            "organisations": [o.as_dict() for o in self.organisations],
            "flows": [f.key for f in self.flows],
            "received": [f.key for f in self.received],
            "sent": [f.key for f in self.sent],
            "to_tell": [t.as_dict() for t in self.to_tell],
            "special_category_flows": [f.key for f in self.special],
            "special_categories": self.special_categories,
            "criminal_offence_flows": [f.key for f in self.criminal],
            "criminal_categories": self.criminal_categories,
            "agreements": [a.as_dict() for a in self.agreements],
            "planned": [f.key for f in self.planned],
            "duties": {"controller": CONTROLLER_DUTY, "processor": PROCESSOR_DUTY},
            "flow_details": [f.as_dict() for f in self.flows],
            "planned_details": [f.as_dict() for f in self.planned],
        }


def _role(registry: Registry, agreement_key: str | None, organisation: str) -> str | None:
    """The organisation's role in the agreement (its first entry as a party), None if none."""
    agreement = registry.agreements.get(agreement_key) if agreement_key else None
    if agreement is None:
        return None
    return next((p.role for p in agreement.parties if p.organisation == organisation), None)


def breach_impact(registry: Registry, organisation: str, as_of: date) -> BreachImpact:
    """What a breach at ``organisation`` on ``as_of`` touches.

    Parameters
    ----------
    registry : Registry
        The registry (archived records left out).
    organisation : str
        The key of the organisation where the breach happened.
    as_of : date
        The day of the breach.

    Returns
    -------
    BreachImpact
        The flows that count into and out of it, in key order; the organisations it received
        from, each with its duty (``processor``: UK GDPR Art 33(2)); every partner, at depth 1 with
        the flows between them as paths; the agreements engaged; the planned flows.

    Raises
    ------
    UnknownOrganisation
        When no organisation has the key ``organisation``.

    Examples
    --------
    >>> from isa_registry.core.domain import Flow, Organisation, Registry
    >>> orgs = [Organisation(k, k, "other", False) for k in "abc"]
    >>> flows = [Flow("F1", "x", "a", "b", "identifiable", data_categories=["criminal_offence"]),
    ...          Flow("F2", "y", "b", "c", "anonymised"),
    ...          Flow("F3", "z", "c", "b", "identifiable", status="planned")]
    >>> impact = breach_impact(Registry.of(orgs, [], flows), "b", date(2026, 1, 1))
    >>> [f.key for f in impact.flows], [f.key for f in impact.criminal], [f.key for f in impact.planned]
    (['F1'], ['F1'], ['F3'])
    >>> [(t.key, t.duty) for t in impact.to_tell]
    [('a', 'controller')]
    """
    check_organisation(registry, organisation)
    flows = sorted(registry.flows.values(), key=attrgetter("key"))
    touching = [f for f in flows if organisation in (f.source, f.recipient) and f.source != f.recipient]
    counted = [f for f in touching if flow_shares_personal_data_on(f, as_of)]
    received = [f for f in counted if f.recipient == organisation]
    sent = [f for f in counted if f.source == organisation]

    from_source: dict[str, list[str]] = defaultdict(list)
    processor_for: set[str] = set()
    for f in received:
        from_source[f.source].append(f.key)
        if _role(registry, f.agreement, organisation) == "processor":
            processor_for.add(f.source)
    to_tell = sorted(
        (
            ToTell(
                key=key,
                name=registry.organisation_name(key),
                dpo_contact=_dpo(registry, key),
                flows=tuple(keys),
                duty="processor" if key in processor_for else "controller",
            )
            for key, keys in from_source.items()
        ),
        key=lambda t: (t.duty != "processor", t.name.casefold(), t.key),
    )

    partners: dict[str, tuple[list[tuple[str, ...]], set[str]]] = {}
    for f in received + sent:
        other, relation = (f.source, "source") if f.recipient == organisation else (f.recipient, "recipient")
        paths, relations = partners.setdefault(other, ([], set()))
        paths.append((f.key,))
        relations.add(relation)
    organisations = sorted(
        (
            reached(registry, key, 1, paths, len(paths), tuple(sorted(relations, reverse=True)))
            for key, (paths, relations) in partners.items()
        ),
        key=lambda o: (o.name.casefold(), o.key),
    )

    by_agreement: dict[str, list[str]] = defaultdict(list)
    for f in counted:
        if f.agreement:
            by_agreement[f.agreement].append(f.key)
    agreements = []
    for key in sorted(by_agreement):
        agreement = registry.agreements.get(key)
        agreements.append(
            EngagedAgreement(
                key=key,
                title=agreement.title if agreement else key,
                status=agreement.status if agreement else "unknown",
                in_force=agreement is not None and agreement_in_force(agreement, as_of),
                role=_role(registry, key, organisation),
                flows=tuple(by_agreement[key]),
            )
        )

    org = registry.organisations[organisation]
    return BreachImpact(
        as_of=as_of,
        organisation=organisation,
        name=org.name,
        dpo_contact=org.dpo_contact,
        received=tuple(flow_line(registry, f) for f in received),
        sent=tuple(flow_line(registry, f) for f in sent),
        to_tell=tuple(to_tell),
        organisations=tuple(organisations),
        agreements=tuple(agreements),
        planned=tuple(flow_line(registry, f) for f in touching if planned_on(f, as_of)),
    )


def _dpo(registry: Registry, key: str) -> str | None:
    org = registry.organisations.get(key)
    return org.dpo_contact if org else None
