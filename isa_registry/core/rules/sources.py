"""Rules that turn on who the disclosing organisation is: conditions and gateways meant for others.

A condition or a statutory gateway is not open to every body. Health and social care purposes
(UK GDPR Art 9(2)(h), DPA 2018 Sch 1 para 2) are for health and social care bodies and their
professionals; many gateways place their duty or power to disclose on bodies they name. The
organisation kinds are coarse (:data:`isa_registry.core.vocabulary.ORGANISATION_KIND`), so each
rule says, kind by kind, when the kind decides and when it cannot, and fires only when it can.
"""

from __future__ import annotations

from collections.abc import Iterator
from datetime import date

from ..domain import Finding, Organisation, Registry
from ..law import Legislation, lookup_legislation
from ..law.types import Bodies
from ..vocabulary import ORGANISATION_KIND
from ._common import (
    ENDS,
    clauses,
    depends,
    flow_finding,
    flows_having,
    gdpr_flows,
    listing,
    plural,
    run_cache,
    schedule1_conditions,
)

__all__ = [
    "NOT_HEALTH_OR_SOCIAL_CARE_KINDS",
    "flow_gateway_not_for_source",
    "flow_health_condition_not_professional",
]


#: The organisation kinds that are not health or social care bodies, so cannot rely on the health
#: and social care condition (see :func:`flow_health_condition_not_professional` for each kind).
NOT_HEALTH_OR_SOCIAL_CARE_KINDS = frozenset({"police", "education", "probation", "courts", "research"})


@depends(ENDS)
def flow_health_condition_not_professional(registry: Registry, as_of: date) -> Iterator[Finding]:
    """The health and social care condition is relied on only by a health or social care body.

    UK GDPR Art 9(2)(h) and DPA 2018 Sch 1 para 2: the processing must be necessary for one of the
    health or social care purposes in para 2(2) (preventive or occupational medicine, assessing
    working capacity, medical diagnosis, health care or treatment, social care, managing health or
    social care systems or services), and DPA 2018 s11(1) adds that it must be carried out by or
    under the responsibility of a health professional or a social work professional (both defined
    in s204), or another person who owes a duty of confidentiality under an enactment or rule of
    law. Fires for an in-scope UK GDPR flow whose ``article9`` is ``h`` or which relies on Sch 1
    para 2, when the source is of a kind that is not a health or social care body:

    - ``police``: policing is not a para 2(2) purpose and police officers are not health or social
      work professionals (the clear case, with schools).
    - ``education``: a school's purposes are education and welfare, not health or social care; a
      school nurse is usually employed by an NHS trust, which is then the discloser.
    - ``probation``: managing offenders is not a para 2(2) purpose and probation practitioners are
      not registered social workers; the health care a probation order requires is the treating
      health body's processing.
    - ``courts``: the court's purposes are judicial.
    - ``research``: research relies on Art 9(2)(j) and Sch 1 para 4, not on (h).

    It does not fire for these kinds, because they are, or the kind is too coarse to tell:

    - ``health`` and ``local_authority``: health bodies and councils' social care services are the
      bodies the condition is for (social workers are social work professionals, s204(1)).
    - ``youth_justice``: a youth offending team must include a social worker and a person nominated
      by the health body (Crime and Disorder Act 1998 s39(5)), who may process for health or
      social care purposes.
    - ``cafcass``: its family court advisers are registered social workers (social work
      professionals), although advising the court is not plainly "social care"; a person decides.
    - ``voluntary``: some charities employ social workers or provide health or social care (a
      hospice, a counselling service), others do not.
    - ``government`` and ``other``: a government body may manage health or social care systems
      (para 2(2)(f)); the kind says nothing either way.
    """
    for flow in gdpr_flows(registry, as_of):
        relies = flow.article9 == "h" or "2" in schedule1_conditions(flow)
        if not relies:
            continue
        source = registry.organisations.get(flow.source)
        if source is None or source.kind not in NOT_HEALTH_OR_SOCIAL_CARE_KINDS:
            continue
        kind = ORGANISATION_KIND[source.kind].phrase or source.kind
        yield flow_finding(
            "FLOW_HEALTH_CONDITION_NOT_PROFESSIONAL",
            registry,
            flow,
            f"{source.name} ({kind}) relies on the health and social care condition (Art 9(2)(h), "
            "Schedule 1 paragraph 2), which is for processing for health or social care purposes by or "
            "under the responsibility of a health or social work professional.",
            f"Record the condition {source.name} itself can rely on; for safeguarding usually Art 9(2)(g) "
            "with Schedule 1 paragraph 18 (safeguarding of children and individuals at risk).",
            "UK GDPR Art 9(2)(h), 9(3); DPA 2018 s11(1), s204, Sch 1 para 2(2)",
        )


def _kind_plural(kind: str) -> str:
    return (ORGANISATION_KIND[kind].plural or kind).lower()


def _gateway_entries(identifiers: list[str]) -> list[tuple[str, Legislation]]:
    """The flow's named provisions that the catalogue knows, once each, with their entries."""
    entries = run_cache("gateway_entry")
    found = []
    for identifier in dict.fromkeys(identifiers):
        if identifier not in entries:
            entries[identifier] = lookup_legislation(identifier)
        entry = entries[identifier]
        if entry is not None:
            found.append((identifier, entry))
    return found


@depends(ENDS)
def flow_gateway_not_for_source(registry: Registry, as_of: date) -> Iterator[Finding]:
    """A statutory gateway a flow names gives its duty or power to disclose to the flow's source.

    UK GDPR Art 6(3) (DPA 2018 s35(1) under Part 3): the basis of a disclosure under Art 6(1)(c)
    or (e) is laid down by law for the controller that discloses. Many gateways name the bodies
    they bind: Children Act 2004 s11(1), Children Act 1989 s47(1) and (9)-(11), Education Act 2002
    s175(1)-(2), Health and Social Care Act 2012 s251B(1) and others, as the legislation catalogue
    records for each (:class:`isa_registry.core.law.Bodies`, with the subsection that says so).
    Provisions whose power falls on any person (Crime and Disorder Act 1998 s115(1), Children Act
    2004 s16H, Care Act 2014 s45) never fire it, nor do provisions whose bodies the catalogue does
    not record.

    Fires for each named provision whose bodies cannot include the source's kind, unless the
    recipient is of a kind whose enquiry or request the provision sets up (``serves``: the local
    authority under Children Act 1989 s47 and s27, and its Channel panel under Counter-Terrorism
    and Security Act 2015 s36). Where the kind is too coarse (a maintained school, named in
    Education Act 2002 s175(2), and an academy, which is not, are both ``education``; an NHS trust
    and a GP practice are both ``health``), the catalogue records it among ``some_kinds`` and the
    rule does not fire; nor for ``other``. A duty on a role any kind may hold (a regulated activity
    provider, Safeguarding Vulnerable Groups Act 2006 s35) has every kind among ``some_kinds``, so
    it never fires.

    Where the law and the spec's wording part: a flow often names the recipient's function beside
    the source's own gateway (a police referral to a Children Act 1989 s47 enquiry, naming s47 and
    Children Act 2004 s11). The source then has a gateway in law, and naming the recipient's
    function as well is not wrong, so the rule does not fire when another provision the flow names
    does bind the source (or any person). And a disclosure to the local authority for its s47
    enquiry names s47 for the purpose the recipient receives it for; the duty to assist in
    s47(9)-(11) does not bind the police, schools or charities, but nothing in s47 stops them
    assisting under powers of their own, so naming s47 on such a disclosure is not flagged (a DPO
    may still ask which power the source uses: the catalogue's note on s47 says so).

    One finding per flow: when several provisions it names do not bind its source, the finding
    names each, with the subsection of each in its reference.
    """
    unfit = run_cache("gateway_unfit")
    worded = run_cache("gateway_wording")
    for flow in flows_having(registry, as_of, "legislation"):
        source = registry.organisations.get(flow.source)
        if source is None or not flow.legislation:
            continue
        recipient = registry.organisations.get(flow.recipient)
        key = (source.kind, recipient.kind if recipient is not None else "", tuple(flow.legislation))
        if key not in unfit:
            unfit[key] = _unfit_gateways(*key)
        named = unfit[key]
        if not named:
            continue
        wording = (key, source.name, flow.regime)
        if wording not in worded:
            worded[wording] = _gateway_wording(source, flow.regime, named)
        yield flow_finding("FLOW_GATEWAY_NOT_FOR_SOURCE", registry, flow, *worded[wording])


def _gateway_wording(
    source: Organisation, regime: str, named: tuple[Legislation, ...]
) -> tuple[str, str, str]:
    """The problem, remedy and reference of FLOW_GATEWAY_NOT_FOR_SOURCE for a source (its name and
    kind) naming ``named`` under ``regime``: the same for every flow that does."""
    reference = "DPA 2018 s35(1)" if regime == "law_enforcement" else "UK GDPR Art 6(3)"
    kind = ORGANISATION_KIND[source.kind].phrase or source.kind
    bound = [(entry, entry.bodies) for entry in named if entry.bodies is not None]
    if len(bound) == 1:
        [(entry, bodies)] = bound
        problem = (
            f"{entry.citation} places its duty or power on {_who(bodies)} ({bodies.provision}), and "
            f"{source.name} ({kind}) is not one of them."
        )
    else:
        problem = f"{len(bound)} gateways it names do not bind {source.name} ({kind}): " + clauses(
            f"{entry.citation} places its duty or power on {_who(bodies)} ({bodies.provision})"
            for entry, bodies in bound
        )
    return (
        problem,
        f"Name the provision that gives {source.name} its own duty or power to share (for example "
        f"Crime and Disorder Act 1998 s115 where it applies), keeping "
        f"{listing(entry.citation for entry, _ in bound)} only if "
        f"{plural(len(bound), 'it describes', 'they describe')} the recipient's function.",
        "; ".join([reference, *(f"{_act_of(entry)} {bodies.provision}" for entry, bodies in bound)]),
    )


def _unfit_gateways(
    source_kind: str, recipient_kind: str, legislation: tuple[str, ...]
) -> tuple[Legislation, ...]:
    """The named provisions whose bodies cannot include ``source_kind``: none when another one
    binds it (or any person), and leaving out those that serve the recipient's kind."""
    named = [
        e
        for _, e in _gateway_entries(list(legislation))
        if e.bodies is not None and recipient_kind not in e.bodies.serves
    ]
    if any(e.bodies is not None and e.bodies.may_include(source_kind) for e in named):
        return ()
    return tuple(named)


def _who(bodies: Bodies) -> str:
    """``local authorities and some health bodies``."""
    parts = [_kind_plural(k) for k in sorted(bodies.kinds)]
    parts += [f"some {_kind_plural(k)}" for k in sorted(bodies.some_kinds)]
    return listing(parts)


def _act_of(entry: Legislation) -> str:
    """``Children Act 2004`` for ``Children Act 2004 s11``."""
    citation = entry.citation
    for marker in (" s", " Sch ", " Part ", " reg "):
        head, sep, _ = citation.rpartition(marker)
        if sep and head:
            return head
    return citation
