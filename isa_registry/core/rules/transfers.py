"""Rules about transfers outside the UK (UK GDPR Chapter V): adequacy and derogations.

``FLOW_TRANSFER_NO_SAFEGUARD`` (in :mod:`.flows`) asks whether a transfer rests on anything; these
ask whether what it rests on covers it. The countries the UK's adequacy regulations cover are in
:mod:`isa_registry.core.law.adequacy`.
"""

from __future__ import annotations

from collections.abc import Iterator
from datetime import date

from ..domain import Finding, Flow, Registry
from ..law.adequacy import UK_NAMES, Adequacy, adequacy_for, normalise_country
from ._common import (
    ENDS,
    depends,
    flow_finding,
    flows_in_scope,
    frequency_regularity,
    run_cache,
)

__all__ = [
    "flow_transfer_adequacy_partial",
    "flow_transfer_derogation_repeated",
    "flow_transfer_not_adequate",
]


def _adequacy_flows(registry: Registry, as_of: date) -> Iterator[tuple[Flow, str, Adequacy | None]]:
    """The in-scope flows whose transfer rests on adequacy, each with its country's regulations.

    A "country" that is the UK itself is no transfer, so neither rule looks at it.
    """
    looked_up = run_cache("adequacy")
    for flow in flows_in_scope(registry, as_of):
        transfer = flow.international_transfer
        if transfer is None or transfer.safeguard != "adequacy":
            continue
        country = transfer.country.strip()
        key = normalise_country(country)
        if not key or key in UK_NAMES:
            continue
        if key not in looked_up:
            looked_up[key] = adequacy_for(key)
        yield flow, country, looked_up[key]


@depends(ENDS)
def flow_transfer_not_adequate(registry: Registry, as_of: date) -> Iterator[Finding]:
    """A transfer said to rest on adequacy goes to a country the UK's adequacy regulations cover.

    UK GDPR Art 45A (inserted by the Data (Use and Access) Act 2025): a transfer is approved by
    regulations only for the countries they name; DPA 2018 Sch 21 paras 4 and 5 carried over the
    EEA states, Gibraltar and the countries of the EU's adequacy decisions, and the regulations made
    since cover the Republic of Korea (SI 2022/1213) and, in part, the United States (SI 2023/1028).
    Any other country needs an Art 46 safeguard (the IDTA or the Addendum), binding corporate rules
    (Art 47) or an Art 49 derogation. The country is matched by name or ISO code
    (:func:`isa_registry.core.law.adequacy.adequacy_for`); a country the catalogue does not know
    fires too, so that a person checks it.
    """
    for flow, country, adequacy in _adequacy_flows(registry, as_of):
        if adequacy is not None:
            continue
        yield flow_finding(
            "FLOW_TRANSFER_NOT_ADEQUATE",
            registry,
            flow,
            f"the transfer to {country} is recorded as resting on UK adequacy regulations, but none cover "
            f"{country}.",
            "Put an international data transfer agreement (IDTA) or the Addendum to the EU standard "
            "contractual clauses in place, with a transfer risk assessment, and record it as the safeguard; "
            "or stop the transfer. If adequacy regulations for the country have been made, check the "
            "country's name and ask for it to be added to the registry's catalogue.",
            "UK GDPR Art 44, 45A, 46; DPA 2018 Sch 21 paras 4, 5",
        )


@depends(ENDS)
def flow_transfer_adequacy_partial(registry: Registry, as_of: date) -> Iterator[Finding]:
    """Adequacy regulations that cover only some recipients in a country cover this one.

    UK GDPR Art 45A: regulations may approve transfers to a country, or only to some recipients or
    sectors there; for those countries the transfer rests on adequacy only if the recipient is one of them:
    in the United States an organisation certified to the UK Extension to the EU-US Data Privacy
    Framework (SI 2023/1028), in Canada one subject to PIPEDA, in Japan the private sector. The
    registry cannot tell, so it asks.
    """
    for flow, country, adequacy in _adequacy_flows(registry, as_of):
        if adequacy is None or adequacy.scope != "partial":
            continue
        recipient = registry.organisation_name(flow.recipient)
        yield flow_finding(
            "FLOW_TRANSFER_ADEQUACY_PARTIAL",
            registry,
            flow,
            f"the UK adequacy regulations for {adequacy.phrase} cover only some recipients there: "
            f"{adequacy.note}",
            f"Check that the organisation receiving the data in {country} for {recipient} is covered "
            "and record how you checked; otherwise use an IDTA or the Addendum as the safeguard.",
            f"UK GDPR Art 45A; {adequacy.instrument}",
        )


@depends(ENDS)
def flow_transfer_derogation_repeated(registry: Registry, as_of: date) -> Iterator[Finding]:
    """A derogation carries only occasional transfers, not regular ones.

    UK GDPR Art 49(1) allows a transfer with no adequacy or safeguard only in specific situations,
    and Recital 111 says the derogations are for transfers that are occasional; the ICO's guidance
    on international transfers says a derogation is not for regular or repeated transfers, which
    need an Art 46 safeguard. Fires when the flow's frequency is recorded and is regular (anything
    but ad hoc, occasional or one-off: :func:`._common.frequency_regularity`); a flow with no
    frequency recorded gets nothing.
    """
    for flow in flows_in_scope(registry, as_of):
        transfer = flow.international_transfer
        if transfer is None or transfer.safeguard != "derogation":
            continue
        if frequency_regularity(flow.frequency) != "regular":
            continue
        yield flow_finding(
            "FLOW_TRANSFER_DEROGATION_REPEATED",
            registry,
            flow,
            f"the transfer to {transfer.country} relies on an Article 49 derogation but happens "
            f"{(flow.frequency or '').strip()}; derogations are for occasional transfers.",
            "Put an international data transfer agreement (IDTA) or the Addendum in place for regular "
            "transfers, or correct the recorded frequency if the transfers are in fact occasional.",
            "UK GDPR Art 49(1), Recital 111; ICO guidance on international transfers",
        )
