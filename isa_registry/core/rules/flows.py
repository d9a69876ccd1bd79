"""Rules about flows: agreement cover, lawful basis, conditions, safeguards and gateways.

Each rule is ``rule(registry, as_of) -> Iterator[Finding]`` and its docstring states the obligation
and the provision it comes from. Scope is described in :mod:`isa_registry.core.rules._common`.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Iterator
from datetime import date

from ..domain import Agreement, BasisOf, Finding, Flow, Registry
from ..law import (
    ANNEX1,
    ARTICLE9_NEEDS_SCHEDULE1,
    PUBLIC_AUTHORITY_BARRED_ARTICLE6,
    SCHEDULE1,
    SCHEDULE1_CRIMINAL_CONDITIONS,
    SCHEDULE1_PART2_CONDITIONS,
    Legislation,
    lookup_legislation,
    parent_act,
)
from ._common import (
    AGREEMENT,
    COMPETENT_AUTHORITY_KINDS,
    ENDS,
    SUCCESSORS,
    a_day,
    agreement_in_force,
    agreement_label,
    agreement_sets,
    category_label,
    clauses,
    criminal_categories,
    depends,
    flow_finding,
    flows_by_key,
    flows_having,
    flows_in_scope,
    gdpr_flows,
    is_live,
    law_enforcement_flows,
    listing,
    paragraph,
    plural,
    run_cache,
    schedule1_conditions,
    schedule1_unknown,
    schedule8_conditions,
    schedule8_unknown,
    special_categories,
    successor_of,
)

__all__ = [
    "RECIPIENT_BASIS_CHECKS",
    "Check",
    "Problem",
    "check_criminal_condition",
    "check_lawful_basis",
    "check_public_authority_legitimate_interests",
    "check_recognised_interest",
    "check_schedule1",
    "check_special_condition",
    "flow_agreement_not_in_force",
    "flow_apd_missing",
    "flow_category_not_agreed",
    "flow_criminal_no_condition",
    "flow_end_date_passed",
    "flow_law_enforcement_apd_missing",
    "flow_law_enforcement_not_competent",
    "flow_legislation_repealed",
    "flow_legislation_unknown",
    "flow_no_agreement",
    "flow_no_lawful_basis",
    "flow_no_legislation",
    "flow_no_retention",
    "flow_organisation_dissolved",
    "flow_party_not_in_agreement",
    "flow_public_authority_consent",
    "flow_public_authority_explicit_consent",
    "flow_public_authority_legitimate_interests",
    "flow_recipient_basis_invalid",
    "flow_recipient_basis_missing",
    "flow_recognised_interest_missing",
    "flow_recognised_interest_unknown",
    "flow_schedule1_missing",
    "flow_schedule1_unknown",
    "flow_schedule8_unknown",
    "flow_special_no_condition",
    "flow_transfer_no_safeguard",
]


def _is_public_authority(registry: Registry, key: str) -> bool:
    organisation = registry.organisations.get(key)
    return bool(organisation and organisation.public_authority)


def _has_apd(registry: Registry, key: str) -> bool:
    organisation = registry.organisations.get(key)
    return bool(organisation and organisation.appropriate_policy_document)


# --- Agreement cover ---------------------------------------------------------------------------


@depends(ENDS, AGREEMENT)
def flow_no_agreement(registry: Registry, as_of: date) -> Iterator[Finding]:
    """Every sharing of personal data between controllers is covered by an agreement.

    UK GDPR Art 5(2) and 24 (accountability: the controller must be able to show that sharing is
    lawful) and Art 26 for joint controllers; the ICO Data Sharing Code of Practice (made under
    DPA 2018 s121) expects a data sharing agreement for routine sharing.
    """
    for flow in flows_in_scope(registry, as_of):
        if flow.agreement is None:
            problem = "no information-sharing agreement covers this flow."
            remedy = "Record the agreement that covers this sharing, or put one in place before sharing."
        elif flow.agreement not in registry.agreements:
            problem = f"it names agreement {flow.agreement}, which is not in the registry."
            remedy = (
                f"Add agreement {flow.agreement} to the registry, or link the flow to the agreement that "
                "covers it."
            )
        else:
            continue
        yield flow_finding(
            "FLOW_NO_AGREEMENT",
            registry,
            flow,
            problem,
            remedy,
            "UK GDPR Art 5(2), 24, 26; ICO Data Sharing Code of Practice (DPA 2018 s121)",
        )


@depends(ENDS, AGREEMENT)
def flow_agreement_not_in_force(registry: Registry, as_of: date) -> Iterator[Finding]:
    """The agreement a flow relies on is in force on the as-of date.

    An agreement is in force when it is ``active`` or ``under_review`` and the as-of date is on or
    after its start date and on or before its end date. A ``draft``, ``expired`` or ``terminated``
    agreement gives no cover. UK GDPR Art 5(2), 24 and 26 (accountability).
    """
    worded: dict[str, tuple[str, str] | None] = {}  # by agreement: the same for each flow under it
    for flow in flows_in_scope(registry, as_of):
        agreement = registry.agreements.get(flow.agreement or "")
        if agreement is None:
            continue
        if agreement.key not in worded:
            worded[agreement.key] = (
                None if agreement_in_force(agreement, as_of) else _not_in_force_wording(agreement, as_of)
            )
        wording = worded[agreement.key]
        if wording is None:
            continue
        problem, remedy = wording
        yield flow_finding(
            "FLOW_AGREEMENT_NOT_IN_FORCE", registry, flow, problem, remedy, "UK GDPR Art 5(2), 24, 26"
        )


def _not_in_force_wording(agreement: Agreement, as_of: date) -> tuple[str, str]:
    """Why an agreement not in force on ``as_of`` covers no flow, and what to do: the problem and
    the remedy of FLOW_AGREEMENT_NOT_IN_FORCE."""
    label = agreement_label(agreement)
    if agreement.status not in ("active", "under_review"):
        status = agreement.status.replace("_", " ")
        return (
            f"its agreement {label} is {status}, so it does not cover the sharing.",
            f"Bring {agreement.key} into force (signed and marked active), or link the flow to an "
            "agreement that is in force, or stop the sharing.",
        )
    if agreement.end_date is not None and as_of > agreement.end_date:
        return (
            f"its agreement {label} ended on {a_day(agreement.end_date)}.",
            f"Renew or extend {agreement.key} and record its new end date, or stop the sharing.",
        )
    starts = a_day(agreement.start_date) if agreement.start_date else "a later date"
    return (
        f"its agreement {label} does not start until {starts}.",
        f"Do not share before {starts}, or correct the agreement's start date.",
    )


def _under_agreements(
    registry: Registry, as_of: date
) -> Iterator[tuple[Flow, Agreement, set[str], set[str]]]:
    """Each in-scope flow that names an agreement the registry holds, with that agreement and its
    parties' keys and data categories (:func:`agreement_sets`)."""
    sets = agreement_sets(registry)
    for flow in flows_in_scope(registry, as_of):
        agreement = registry.agreements.get(flow.agreement or "")
        if agreement is not None:
            yield (flow, agreement, *sets[agreement.key])


@depends(ENDS, AGREEMENT)
def flow_party_not_in_agreement(registry: Registry, as_of: date) -> Iterator[Finding]:
    """Both ends of a flow are parties to the agreement that covers it.

    An organisation that has not signed up to an agreement is not bound by it, so the agreement
    does not cover its disclosures or its use of what it receives. UK GDPR Art 5(2), 24, 26.
    """
    for flow, agreement, parties, _ in _under_agreements(registry, as_of):
        if flow.source in parties and flow.recipient in parties:
            continue
        missing = [key for key in dict.fromkeys((flow.source, flow.recipient)) if key not in parties]
        names = listing(registry.organisation_name(key) for key in missing)
        verb = plural(len(missing), "is not a party", "are not parties")
        yield flow_finding(
            "FLOW_PARTY_NOT_IN_AGREEMENT",
            registry,
            flow,
            f"{names} {verb} to its agreement {agreement_label(agreement)}.",
            f"Add {names} to {agreement.key} as {plural(len(missing), 'a party', 'parties')} and get "
            f"{plural(len(missing), 'its', 'their')} signature, or link the flow to an agreement that both "
            "organisations are party to.",
            "UK GDPR Art 5(2), 24, 26",
        )


@depends(ENDS, AGREEMENT)
def flow_category_not_agreed(registry: Registry, as_of: date) -> Iterator[Finding]:
    """A flow carries only data categories its agreement allows.

    Sharing more than the agreement allows breaks purpose limitation and data minimisation as
    the partners agreed them. UK GDPR Art 5(1)(b), (c).
    """
    for flow, agreement, _, allowed in _under_agreements(registry, as_of):
        if allowed.issuperset(flow.data_categories):
            continue
        extra = [c for c in dict.fromkeys(flow.data_categories) if c not in allowed]
        labels = listing(category_label(c) for c in extra)
        yield flow_finding(
            "FLOW_CATEGORY_NOT_AGREED",
            registry,
            flow,
            f"it shares {labels}, which its agreement {agreement_label(agreement)} does not list.",
            f"Stop sharing {labels}, or vary {agreement.key} to allow {plural(len(extra), 'it', 'them')} and "
            "record the change.",
            "UK GDPR Art 5(1)(b), (c)",
        )


# --- Lawful basis (UK GDPR Art 6; DPA 2018 s35) ------------------------------------------------
#
# The checks of a basis are written once, for either side of a flow: ``receiving`` False reads the
# disclosing organisation's basis (the flow's own fields, ``basis`` being the flow itself), True the
# recipient's own (``flow.recipient_basis``). Each gives the problem, the remedy and the reference,
# or None; the rules below turn them into findings of their code, and
# :func:`flow_recipient_basis_invalid` into FLOW_RECIPIENT_BASIS_INVALID.

#: What a check of a basis finds: the problem, the remedy and the reference.
Problem = tuple[str, str, str]


def _whose(flow: Flow, receiving: bool) -> str:
    """The key of the organisation whose basis is checked."""
    return flow.recipient if receiving else flow.source


def _subject(registry: Registry, flow: Flow, receiving: bool) -> str:
    """How a problem names whose basis it is: ``it`` (the flow) for the discloser, the recipient by name."""
    return registry.organisation_name(flow.recipient) if receiving else "it"


def _takes(registry: Registry, flow: Flow, receiving: bool) -> str:
    """``it shares`` for the discloser; ``Dudley MBC receives`` for the recipient."""
    return f"{registry.organisation_name(flow.recipient)} receives" if receiving else "it shares"


def check_lawful_basis(registry: Registry, flow: Flow, basis: BasisOf, receiving: bool) -> Problem | None:
    """No lawful basis: under the UK GDPR no Art 6(1) basis, under DPA 2018 Part 3 no s35(2) basis."""
    if basis.regime == "law_enforcement":
        if basis.law_enforcement_basis:
            return None
        return (
            f"it is {'received' if receiving else 'shared'} under the law enforcement regime but no DPA 2018 "
            "s35(2) basis is recorded.",
            "Record the basis: 'task' (necessary for a law enforcement task) or 'consent'.",
            "DPA 2018 s35(1), (2)",
        )
    if basis.article6:
        return None
    name = registry.organisation_name(_whose(flow, receiving))
    role, purpose = ("receiving", "use what it receives") if receiving else ("disclosing", "share")
    return (
        f"no UK GDPR Article 6 lawful basis is recorded for the {role} organisation.",
        f"Record the Article 6(1) basis {name} relies on to {purpose} (for a public body usually (e) public "
        "task, or (c) legal obligation).",
        "UK GDPR Art 6(1)",
    )


def check_public_authority_legitimate_interests(
    registry: Registry, flow: Flow, basis: BasisOf, receiving: bool
) -> Problem | None:
    """A public authority relying on (f) or (ea) (UK GDPR Art 6(1), closing words)."""
    if (
        basis.regime != "uk_gdpr"
        or basis.article6 not in PUBLIC_AUTHORITY_BARRED_ARTICLE6
        or not _is_public_authority(registry, _whose(flow, receiving))
    ):
        return None
    name = registry.organisation_name(_whose(flow, receiving))
    what = (
        "recognised legitimate interests (Art 6(1)(ea))"
        if basis.article6 == "ea"
        else ("legitimate interests (Art 6(1)(f))")
    )
    return (
        f"{name} is a public authority but relies on {what}, which public authorities cannot use for their "
        "tasks.",
        f"Record the basis {name} has in law instead: usually Art 6(1)(e) public task (or (c) legal "
        "obligation) with the statutory gateway that allows the sharing.",
        f"UK GDPR Art 6(1)({basis.article6}) and closing words (as amended by DUAA 2025 s70(2)(c))",
    )


def check_recognised_interest(
    registry: Registry, flow: Flow, basis: BasisOf, receiving: bool
) -> Problem | None:
    """Art 6(1)(ea) with no Annex 1 condition named (UK GDPR Art 6(5))."""
    if basis.regime != "uk_gdpr" or basis.article6 != "ea" or (basis.recognised_interest or "").strip():
        return None
    return (
        f"{_subject(registry, flow, receiving)} relies on a recognised legitimate interest (Art 6(1)(ea)) "
        "but names no Annex 1 condition.",
        "Record the UK GDPR Annex 1 paragraph relied on (for example paragraph 6, safeguarding a "
        "vulnerable individual), or choose another basis.",
        "UK GDPR Art 6(1)(ea), 6(5), Annex 1",
    )


def check_special_condition(
    registry: Registry, flow: Flow, basis: BasisOf, receiving: bool
) -> Problem | None:
    """Special category data with no Art 9(2) condition, or (Part 3) no Schedule 8 condition."""
    if basis.regime != "law_enforcement" and basis.article9:
        return None  # whatever the data: asked first, as most flows that carry any have one
    special = special_categories(flow)
    if not special:
        return None
    if basis.regime == "law_enforcement":
        if basis.law_enforcement_basis == "consent" or schedule8_conditions(basis):
            return None
        return (
            f"{listing(category_label(c) for c in special)} is sensitive processing under the law "
            "enforcement regime, but no DPA 2018 Schedule 8 condition is recorded.",
            "Record the Schedule 8 paragraph relied on (for example paragraph 4, safeguarding of children "
            "and of individuals at risk), or stop sharing this data.",
            "DPA 2018 s35(3), (5), Sch 8",
        )
    labels = listing(category_label(c) for c in special)
    return (
        f"{_takes(registry, flow, receiving)} {labels}, which {plural(len(special), 'is', 'are')} "
        "special category data, but no Article 9(2) condition is recorded.",
        "Record the Article 9(2) condition relied on (for safeguarding usually (g) substantial public "
        "interest with Schedule 1 paragraph 18, or (h) with paragraph 2), or stop sharing this data.",
        "UK GDPR Art 9(1), (2)",
    )


def check_schedule1(registry: Registry, flow: Flow, basis: BasisOf, receiving: bool) -> Problem | None:
    """An Art 9(2) condition without the Schedule 1 condition DPA 2018 s10(2), (3) requires."""
    if basis.regime != "uk_gdpr":
        return None
    needed = ARTICLE9_NEEDS_SCHEDULE1.get(basis.article9 or "")
    if needed is None or not needed.isdisjoint(schedule1_conditions(basis)):
        return None
    special = special_categories(flow)
    shared = (
        f"{listing(category_label(c) for c in special)} {plural(len(special), 'is', 'are')} "
        f"{'received' if receiving else 'shared'}"
        if special
        else "it is recorded"
    )
    if needed == SCHEDULE1_PART2_CONDITIONS:
        return (
            f"{shared} under Art 9(2)(g) (substantial public interest) but no DPA 2018 Schedule 1 Part 2 "
            "condition (paragraphs 6 to 28) is recorded.",
            "Record the Part 2 condition relied on, for safeguarding usually paragraph 18 (safeguarding of "
            "children and of individuals at risk), or choose another Article 9(2) condition.",
            "UK GDPR Art 9(2)(g); DPA 2018 s10(3), Sch 1 Part 2",
        )
    paras = sorted(needed, key=int)
    named = listing(f"paragraph {p} ({SCHEDULE1[p].title.lower()})" for p in paras)
    return (
        f"{shared} under Art 9(2)({basis.article9}) but DPA 2018 Schedule 1 {named} is not recorded.",
        f"Record Schedule 1 {named} for this flow if its conditions are met, or choose another Article 9(2) "
        "condition.",
        f"UK GDPR Art 9(2)({basis.article9}); DPA 2018 s10(2), Sch 1 para {', '.join(paras)}",
    )


def check_criminal_condition(
    registry: Registry, flow: Flow, basis: BasisOf, receiving: bool
) -> Problem | None:
    """Criminal offence data under the UK GDPR, not under official authority, with no Schedule 1
    condition from Parts 1 to 3 (UK GDPR Art 10; DPA 2018 s10(5))."""
    if basis.regime != "uk_gdpr" or basis.official_authority:
        return None
    criminal = criminal_categories(flow)
    if not criminal:
        return None
    if not SCHEDULE1_CRIMINAL_CONDITIONS.isdisjoint(schedule1_conditions(basis)):
        return None
    return (
        f"{_takes(registry, flow, receiving)} {listing(category_label(c) for c in criminal)} "
        "(including allegations and proceedings) but it is not under official authority and no DPA 2018 "
        "Schedule 1 condition is recorded.",
        "Record the Schedule 1 condition relied on (for safeguarding usually paragraph 18; for crime "
        "prevention paragraph 10), or record that the processing is under the control of official "
        "authority.",
        "UK GDPR Art 10; DPA 2018 s10(5), s11(2), Sch 1 Parts 1 to 3",
    )


#: A check of a basis: ``check(registry, flow, basis, receiving)``.
Check = Callable[[Registry, Flow, BasisOf, bool], Problem | None]


def _disclosing(code: str, check: Check, flows: Iterable[Flow], registry: Registry) -> Iterator[Finding]:
    """The findings of ``code``: ``check`` on the disclosing organisation's basis of each flow."""
    for flow in flows:
        found = check(registry, flow, flow, False)
        if found is not None:
            yield flow_finding(code, registry, flow, *found)


@depends(ENDS)
def flow_no_lawful_basis(registry: Registry, as_of: date) -> Iterator[Finding]:
    """Every flow has a lawful basis for the disclosing organisation.

    Under the UK GDPR, one of the bases in Art 6(1); under DPA 2018 Part 3, the data subject's
    consent or a law enforcement task (s35(2)).
    """
    yield from _disclosing(
        "FLOW_NO_LAWFUL_BASIS", check_lawful_basis, flows_in_scope(registry, as_of), registry
    )


@depends(ENDS)
def flow_public_authority_legitimate_interests(registry: Registry, as_of: date) -> Iterator[Finding]:
    """A public authority cannot rely on legitimate interests, recognised or not, for its tasks.

    The words after UK GDPR Art 6(1)(f), as amended by the Data (Use and Access) Act 2025 s70(2)(c)
    (in force 5 February 2026), say that points (ea) and (f) do not apply to processing carried out by
    public authorities in the performance of their tasks. Annex 1 para 1 repeats the bar for
    disclosures. The registry records safeguarding sharing, which is a task of the public body.
    """
    yield from _disclosing(
        "FLOW_PUBLIC_AUTHORITY_LEGITIMATE_INTERESTS",
        check_public_authority_legitimate_interests,
        gdpr_flows(registry, as_of),
        registry,
    )


@depends(ENDS)
def flow_public_authority_consent(registry: Registry, as_of: date) -> Iterator[Finding]:
    """Consent is rarely a valid basis for a public authority.

    Consent must be freely given (UK GDPR Art 4(11), 7(4)); Recital 43 says it is unlikely to be
    where there is a clear imbalance between the data subject and a public authority.
    """
    yield from _public_authority_consent(
        registry,
        as_of,
        "FLOW_PUBLIC_AUTHORITY_CONSENT",
        lambda flow: flow.article6,
        "relying on consent (Art 6(1)(a)), which is rarely freely given to a public body.",
        "Check whether the sharing is part of a public task; if so, record Art 6(1)(e) and its gateway. "
        "Keep consent only if people can genuinely refuse without detriment, and record how it is "
        "obtained.",
        "UK GDPR Art 6(1)(a), 7(4), Recital 43",
    )


def _public_authority_consent(
    registry: Registry,
    as_of: date,
    code: str,
    relied_on: Callable[[Flow], str | None],
    problem: str,
    remedy: str,
    reference: str,
) -> Iterator[Finding]:
    """``code`` for each UK GDPR flow whose source is a public authority and whose ``relied_on``
    (its Art 6(1) basis, or its Art 9(2) condition) is ``a``, consent."""
    for flow in gdpr_flows(registry, as_of):
        if relied_on(flow) != "a" or not _is_public_authority(registry, flow.source):
            continue
        source = registry.organisation_name(flow.source)
        yield flow_finding(
            code, registry, flow, f"{source} is a public authority {problem}", remedy, reference
        )


@depends(ENDS)
def flow_recognised_interest_missing(registry: Registry, as_of: date) -> Iterator[Finding]:
    """A recognised legitimate interest names its Annex 1 condition.

    Processing is necessary for a recognised legitimate interest only if it meets a condition in
    Annex 1 (UK GDPR Art 6(5), inserted by DUAA 2025 s70(4)).
    """
    yield from _disclosing(
        "FLOW_RECOGNISED_INTEREST_MISSING", check_recognised_interest, gdpr_flows(registry, as_of), registry
    )


@depends(ENDS)
def flow_recognised_interest_unknown(registry: Registry, as_of: date) -> Iterator[Finding]:
    """A recognised legitimate interest names a condition that is in Annex 1.

    Added by this project. UK GDPR Art 6(5): only the conditions in Annex 1 make a recognised
    legitimate interest, so a paragraph that is not one of them gives no basis at all.
    """
    for flow in gdpr_flows(registry, as_of):
        named = (flow.recognised_interest or "").strip()
        if flow.article6 != "ea" or not named or _annex1_paragraph(named) in ANNEX1:
            continue
        yield flow_finding(
            "FLOW_RECOGNISED_INTEREST_UNKNOWN",
            registry,
            flow,
            f"it relies on a recognised legitimate interest '{named}', which is not a condition in UK GDPR "
            "Annex 1.",
            f"Record one of the Annex 1 paragraphs ({listing(sorted(ANNEX1, key=_numeric_order))}) or choose "
            "another basis.",
            "UK GDPR Art 6(1)(ea), 6(5), Annex 1",
        )


#: Commencement of Art 6(1)(ea): Data (Use and Access) Act 2025 s70, brought into force on
#: 5 February 2026 by SI 2026/82 reg 2(c).
RECOGNISED_INTEREST_IN_FORCE = date(2026, 2, 5)


@depends(ENDS)
def flow_recognised_interest_not_in_force(registry: Registry, as_of: date) -> Iterator[Finding]:
    """Recognised legitimate interest is no basis for processing before it came into force.

    Added by this project. UK GDPR Art 6(1)(ea) was inserted by the Data (Use and Access) Act 2025
    s70 with effect from 5 February 2026; a check as of an earlier date (an audit of past sharing)
    finds no such basis in the law of that day.
    """
    if as_of >= RECOGNISED_INTEREST_IN_FORCE:
        return
    for flow in gdpr_flows(registry, as_of):
        if flow.article6 != "ea":
            continue
        yield flow_finding(
            "FLOW_RECOGNISED_INTEREST_NOT_IN_FORCE",
            registry,
            flow,
            f"it relies on a recognised legitimate interest (Art 6(1)(ea)), which was not law until "
            f"{a_day(RECOGNISED_INTEREST_IN_FORCE)}.",
            "For sharing before 5 February 2026, record the basis that applied then (usually Art 6(1)(e) "
            "public task or (f) legitimate interests for a body that is not a public authority).",
            "UK GDPR Art 6(1)(ea); Data (Use and Access) Act 2025 s70; SI 2026/82 reg 2(c)",
        )


def _annex1_paragraph(value: str) -> str:
    text = value.strip().lower()
    for prefix in ("annex 1", "annex1", ","):
        text = text.removeprefix(prefix).strip()
    return paragraph(text)


def _numeric_order(code: str) -> tuple[int, str]:
    return (int(code), "") if code.isdigit() else (10**6, code)


@depends(ENDS)
def flow_no_legislation(registry: Registry, as_of: date) -> Iterator[Finding]:
    """A legal obligation or public task is laid down by law, and the flow names that law.

    UK GDPR Art 6(3): the basis for processing under Art 6(1)(c) and (e) must be laid down by
    domestic law; DPA 2018 s8.
    """
    for flow in gdpr_flows(registry, as_of):
        if flow.article6 not in ("c", "e") or flow.legislation:
            continue
        what = "legal obligation (Art 6(1)(c))" if flow.article6 == "c" else "public task (Art 6(1)(e))"
        yield flow_finding(
            "FLOW_NO_LEGISLATION",
            registry,
            flow,
            f"it relies on a {what} but names no legislation that sets out the task or duty.",
            "Record the statutory gateway as a legislation.gov.uk identifier, for example "
            "ukpga/1989/41/section/47 (Children Act 1989 s47) or ukpga/2004/31/section/11 (Children Act "
            "2004 s11).",
            f"UK GDPR Art 6(1)({flow.article6}), 6(3); DPA 2018 s8",
        )


# --- Special category and criminal offence data (UK GDPR Art 9, 10; DPA 2018 s10, s35) ---------


@depends(ENDS)
def flow_special_no_condition(registry: Registry, as_of: date) -> Iterator[Finding]:
    """Special category data is shared only under a condition for it.

    UK GDPR Art 9(1), (2): special category data needs an Art 9(2) condition. Under DPA 2018
    Part 3, "sensitive processing" (s35(8)) needs the data subject's consent and an appropriate
    policy document (s35(4)), or strict necessity, a Schedule 8 condition and an appropriate
    policy document (s35(5)). So a law enforcement flow based on consent needs no Schedule 8
    condition, and this rule does not fire for it (the law wins over the spec's wording here).
    """
    yield from _disclosing(
        "FLOW_SPECIAL_NO_CONDITION",
        check_special_condition,
        flows_having(registry, as_of, "special"),
        registry,
    )


@depends(ENDS)
def flow_public_authority_explicit_consent(registry: Registry, as_of: date) -> Iterator[Finding]:
    """Explicit consent is rarely a valid condition for a public authority.

    Added by this project, for the same reason as ``FLOW_PUBLIC_AUTHORITY_CONSENT``: UK GDPR
    Art 9(2)(a) needs explicit consent, which must be freely given (Art 4(11), 7(4)), and Recital 43 says
    consent is unlikely to be freely given to a public authority.
    """
    yield from _public_authority_consent(
        registry,
        as_of,
        "FLOW_PUBLIC_AUTHORITY_EXPLICIT_CONSENT",
        lambda flow: flow.article9,
        "relying on explicit consent (Art 9(2)(a)) for special category data, which is rarely freely "
        "given to a public body.",
        "Check whether a condition in law fits, for safeguarding usually Art 9(2)(g) with Schedule 1 "
        "paragraph 18; keep explicit consent only if people can genuinely refuse without detriment.",
        "UK GDPR Art 9(2)(a), 7(4), Recital 43",
    )


@depends(ENDS)
def flow_schedule1_missing(registry: Registry, as_of: date) -> Iterator[Finding]:
    """Art 9(2)(b), (g), (h), (i) and (j) are met only with a DPA 2018 Schedule 1 condition.

    DPA 2018 s10(2): (b) needs Sch 1 para 1, (h) para 2, (i) para 3 and (j) para 4 (Part 1);
    s10(3): (g) needs a substantial public interest condition in Part 2 (paras 6 to 28).
    """
    yield from _disclosing(
        "FLOW_SCHEDULE1_MISSING",
        check_schedule1,
        flows_having(registry, as_of, "article9", "uk_gdpr"),
        registry,
    )


@depends(ENDS)
def flow_schedule1_unknown(registry: Registry, as_of: date) -> Iterator[Finding]:
    """Every Schedule 1 paragraph a flow relies on is a condition.

    Added by this project. Only DPA 2018 Sch 1 paras 1 to 4 (Part 1), 6 to 28 (Part 2) and 29 to 37
    (Part 3) are conditions (s10); para 5 and Part 4 set out the appropriate policy document, so
    naming them, or a paragraph that does not exist, satisfies nothing.
    """
    yield from _unknown_paragraphs(
        "FLOW_SCHEDULE1_UNKNOWN",
        registry,
        flows_having(registry, as_of, "schedule1", "uk_gdpr"),
        schedule1_unknown,
        "1",
        "Record the condition paragraphs relied on (1 to 4, 6 to 28 or 29 to 37); paragraph 5 is the "
        "appropriate policy document requirement, not a condition.",
        "DPA 2018 s10, Sch 1",
    )


def _unknown_paragraphs(
    code: str,
    registry: Registry,
    flows: Iterable[Flow],
    unknown_of: Callable[[Flow], list[str]],
    schedule: str,
    remedy: str,
    reference: str,
) -> Iterator[Finding]:
    """A finding for each of ``flows`` that names paragraphs of DPA 2018 Schedule ``schedule``
    that are not conditions (``unknown_of`` gives them)."""
    for flow in flows:
        unknown = unknown_of(flow)
        if not unknown:
            continue
        named = listing(f"'{p}'" for p in unknown)
        yield flow_finding(
            code,
            registry,
            flow,
            f"it names Schedule {schedule} {plural(len(unknown), 'paragraph', 'paragraphs')} {named}, which "
            f"{plural(len(unknown), 'is not a condition', 'are not conditions')} in DPA 2018 "
            f"Schedule {schedule}.",
            remedy,
            reference,
        )


@depends(ENDS)
def flow_criminal_no_condition(registry: Registry, as_of: date) -> Iterator[Finding]:
    """Criminal offence data is processed under official authority or a Schedule 1 condition.

    UK GDPR Art 10; DPA 2018 s10(4), (5): processing not under the control of official authority
    is authorised by domestic law only if it meets a condition in Schedule 1 Part 1, 2 or 3.
    Criminal offence data includes allegations and proceedings (s11(2)). Not applied to law
    enforcement flows, where such data is the ordinary business of Part 3.
    """
    yield from _disclosing(
        "FLOW_CRIMINAL_NO_CONDITION",
        check_criminal_condition,
        flows_having(registry, as_of, "criminal", "uk_gdpr"),
        registry,
    )


# --- The recipient's own basis -------------------------------------------------------------------


def _recipient_is_processor(registry: Registry, flow: Flow) -> bool:
    """Whether the recipient is a ``processor`` party of the flow's agreement (its first entry as a
    party counts, as in the record of processing)."""
    agreement = registry.agreements.get(flow.agreement) if flow.agreement else None
    if agreement is None:
        return False
    role = next((p.role for p in agreement.parties if p.organisation == flow.recipient), None)
    return role == "processor"


@depends(ENDS, AGREEMENT)
def flow_recipient_basis_missing(registry: Registry, as_of: date) -> Iterator[Finding]:
    """The recipient of personal data records its own basis for processing what it receives.

    The recipient is the controller of what it receives (UK GDPR Art 4(7)): its own use of the data
    needs a lawful basis of its own (Art 6(1); under DPA 2018 Part 3, s35(2)), with an Art 9(2)
    condition and its DPA 2018 s10-11 and Schedule 1 condition for special category data, and an
    Art 10 condition for criminal offence data, and its record of processing must show them
    (Art 30(1)(b)). The discloser's basis covers only the disclosure. Not for a recipient that is a
    ``processor`` party of the flow's agreement: a processor processes only on the controller's
    documented instructions and has no basis of its own (Art 28(3)(a), 29). Not for anonymised flows,
    which are not personal data (Recital 26).
    """
    worded: dict[str, tuple[str, str]] = {}  # by recipient: the same for each flow to it
    for flow in flows_in_scope(registry, as_of):
        if flow.recipient_basis is not None or _recipient_is_processor(registry, flow):
            continue
        if flow.recipient not in worded:
            recipient = registry.organisation_name(flow.recipient)
            worded[flow.recipient] = (
                f"no basis of its own is recorded for {recipient}, which is the controller of what it "
                "receives.",
                f"Record the lawful basis {recipient} relies on to use what it receives (for a public body "
                "usually Art 6(1)(e) public task with its statutory gateway), with the Art 9 and Schedule 1 "
                f"conditions it needs; or, if {recipient} only processes the data on the discloser's behalf, "
                "record it as a processor party of the agreement.",
            )
        yield flow_finding(
            "FLOW_RECIPIENT_BASIS_MISSING",
            registry,
            flow,
            *worded[flow.recipient],
            "UK GDPR Art 6(1), 9(2), 10, 28, 29, 30(1)(b); DPA 2018 s10, s11, Sch 1",
        )


#: The checks of the disclosing side's basis that :func:`flow_recipient_basis_invalid` runs on the
#: recipient's: those whose failure is an error because the basis then does not hold.
RECIPIENT_BASIS_CHECKS: tuple[Check, ...] = (
    check_lawful_basis,
    check_public_authority_legitimate_interests,
    check_recognised_interest,
    check_special_condition,
    check_schedule1,
    check_criminal_condition,
)


@depends(ENDS)
def flow_recipient_basis_invalid(registry: Registry, as_of: date) -> Iterator[Finding]:
    """The recipient's own basis, when recorded, passes the checks the disclosing side's must pass.

    The same functions check both sides, each on its own organisation: an Art 6(1) basis (DPA 2018
    s35(2) under Part 3); no (f) or (ea) for a public authority (Art 6(1), closing words); an Annex 1
    condition with (ea) (Art 6(5)); an Art 9(2) condition for special category data, or a Schedule 8
    condition under Part 3 (Art 9(1), (2); DPA 2018 s35(5)); the Schedule 1 condition that (b), (g),
    (h), (i) and (j) need (DPA 2018 s10(2), (3), Sch 1); a Schedule 1 condition or official authority
    for criminal offence data (Art 10; DPA 2018 s10(5), s11(2)). The spec's list leaves out the
    Annex 1 condition; it is here because (ea) without one is no basis at all (Art 6(5)), which is
    what the spec's first item is about. One finding per flow: when several checks fail, it names
    each, with each one's remedy and reference.
    """
    for flow in flows_in_scope(registry, as_of):
        basis = flow.recipient_basis
        if basis is None:
            continue
        failed = [
            p for check in RECIPIENT_BASIS_CHECKS if (p := check(registry, flow, basis, True)) is not None
        ]
        if not failed:
            continue
        if len(failed) == 1:
            [(problem, remedy, reference)] = failed
            message = f"the recipient's own basis: {problem}"
        else:
            message = f"the recipient's own basis fails {len(failed)} checks: " + clauses(
                p for p, _, _ in failed
            )
            remedy = " ".join(dict.fromkeys(r for _, r, _ in failed))
            reference = "; ".join(dict.fromkeys(r for _, _, r in failed))
        yield flow_finding("FLOW_RECIPIENT_BASIS_INVALID", registry, flow, message, remedy, reference)


@depends(ENDS)
def flow_apd_missing(registry: Registry, as_of: date) -> Iterator[Finding]:
    """The source has an appropriate policy document for the Schedule 1 conditions that need one.

    DPA 2018 Sch 1 para 1(1)(b), para 5 (every Part 2 condition unless it says otherwise) and
    Part 4 (paras 38 to 41), as each condition's ``needs_apd`` in the law catalogue records.
    Para 10(2): the unlawful-acts condition needs no document for a disclosure to a competent
    authority, taken here as a recipient that is police, probation, youth justice or a court.
    """
    for flow in flows_having(registry, as_of, "schedule1", "uk_gdpr"):
        if _has_apd(registry, flow.source):
            continue
        needing = [p for p in schedule1_conditions(flow) if SCHEDULE1[p].needs_apd]
        if "10" in needing and _recipient_is_competent_authority(registry, flow):
            needing.remove("10")
        if not needing:
            continue
        source = registry.organisation_name(flow.source)
        paras = listing(needing)
        yield flow_finding(
            "FLOW_APD_MISSING",
            registry,
            flow,
            f"it relies on Schedule 1 {plural(len(needing), 'paragraph', 'paragraphs')} {paras}, which "
            f"{plural(len(needing), 'needs', 'need')} an appropriate policy document, but none is recorded "
            f"for {source}.",
            f"Record the link to {source}'s appropriate policy document (or write one: it explains how the "
            "data protection principles are met and how long the data is kept).",
            "DPA 2018 s10, Sch 1 paras 1(1)(b), 5, 39",
        )


def _recipient_is_competent_authority(registry: Registry, flow: Flow) -> bool:
    recipient = registry.organisations.get(flow.recipient)
    return bool(recipient and recipient.kind in COMPETENT_AUTHORITY_KINDS - {"government"})


# --- Law enforcement (DPA 2018 Part 3) ---------------------------------------------------------


@depends(ENDS)
def flow_law_enforcement_not_competent(registry: Registry, as_of: date) -> Iterator[Finding]:
    """Only a competent authority can process under the law enforcement regime.

    Added by this project. DPA 2018 s29(1): Part 3 applies to processing by a competent authority
    for the law enforcement purposes; s30: a competent authority is a body listed in Schedule 7
    (police, probation, youth offending teams, government departments among them) or one with
    statutory law enforcement functions, to the extent it exercises them. Anything else is UK GDPR
    processing. A warning, not an error, because a council or other body may have such functions.
    """
    for flow in law_enforcement_flows(registry, as_of):
        source = registry.organisations.get(flow.source)
        if source is None or source.kind in COMPETENT_AUTHORITY_KINDS:
            continue
        if source.kind == "local_authority":
            why = (
                "a council is a competent authority only when it exercises its own law enforcement "
                "functions (such as prosecuting offences), not for children's social care"
            )
        else:
            why = "it is not normally a competent authority"
        yield flow_finding(
            "FLOW_LAW_ENFORCEMENT_NOT_COMPETENT",
            registry,
            flow,
            f"it is recorded under the law enforcement regime but the source, {source.name}, is a "
            f"{source.kind.replace('_', ' ')} body: {why}.",
            f"Confirm the statutory law enforcement function {source.name} exercises here; otherwise record "
            "the flow under the UK GDPR with an Article 6 basis (and Article 9 and Schedule 1 conditions as "
            "needed).",
            "DPA 2018 s29, s30, Sch 7",
        )


@depends(ENDS)
def flow_schedule8_unknown(registry: Registry, as_of: date) -> Iterator[Finding]:
    """Every Schedule 8 paragraph a law enforcement flow relies on is a condition.

    Added by this project. DPA 2018 s35(5)(b): sensitive processing needs a condition in
    Schedule 8; a paragraph that is not in it satisfies nothing.
    """
    yield from _unknown_paragraphs(
        "FLOW_SCHEDULE8_UNKNOWN",
        registry,
        law_enforcement_flows(registry, as_of),
        schedule8_unknown,
        "8",
        "Record the Schedule 8 paragraphs relied on by their number.",
        "DPA 2018 s35(5)(b), Sch 8",
    )


@depends(ENDS)
def flow_law_enforcement_apd_missing(registry: Registry, as_of: date) -> Iterator[Finding]:
    """Sensitive processing for law enforcement needs an appropriate policy document.

    Added by this project: ``FLOW_APD_MISSING`` is about DPA 2018 Schedule 1, which does not apply
    under Part 3. Both routes to sensitive processing, consent (s35(4)(b)) and strict necessity with
    a Schedule 8 condition (s35(5)(c)), require the controller to have an appropriate policy
    document in place (s42).
    """
    for flow in law_enforcement_flows(registry, as_of):
        special = special_categories(flow)
        if not special or _has_apd(registry, flow.source):
            continue
        source = registry.organisation_name(flow.source)
        yield flow_finding(
            "FLOW_LAW_ENFORCEMENT_APD_MISSING",
            registry,
            flow,
            f"it is sensitive processing ({listing(category_label(c) for c in special)}) under the law "
            f"enforcement regime, but no appropriate policy document is recorded for {source}.",
            f"Record the link to {source}'s law enforcement appropriate policy document (DPA 2018 s42), or "
            "write one.",
            "DPA 2018 s35(4)(b), (5)(c), s42",
        )


# --- Retention, transfers, partners and gateways -----------------------------------------------


@depends(ENDS)
def flow_no_retention(registry: Registry, as_of: date) -> Iterator[Finding]:
    """The recipient keeps the data no longer than necessary, and the flow says for how long.

    UK GDPR Art 5(1)(e) (storage limitation), Art 30(1)(f); DPA 2018 s39 under Part 3.
    """
    for flow in flows_in_scope(registry, as_of):
        if (flow.retention or "").strip():
            continue
        recipient = registry.organisation_name(flow.recipient)
        reference = "DPA 2018 s39" if flow.regime == "law_enforcement" else "UK GDPR Art 5(1)(e), 30(1)(f)"
        yield flow_finding(
            "FLOW_NO_RETENTION",
            registry,
            flow,
            f"no retention period is recorded for what {recipient} receives.",
            f"Record how long {recipient} keeps the data, or the criteria that decide it (for example 'until "
            "the child's 25th birthday').",
            reference,
        )


@depends(ENDS)
def flow_transfer_no_safeguard(registry: Registry, as_of: date) -> Iterator[Finding]:
    """A transfer outside the UK rests on adequacy regulations, a safeguard or a derogation.

    UK GDPR Chapter V: Art 45A (data protection test), 46 (appropriate safeguards such as the
    IDTA or the Addendum), 47 (binding corporate rules), 49 (derogations). DPA 2018 s73 under Part 3.
    """
    for flow in flows_in_scope(registry, as_of):
        transfer = flow.international_transfer
        if transfer is None or transfer.safeguard:
            continue
        yield flow_finding(
            "FLOW_TRANSFER_NO_SAFEGUARD",
            registry,
            flow,
            f"the data goes outside the UK (to {transfer.country}) but no transfer safeguard is recorded.",
            f"Record what allows the transfer to {transfer.country}: UK adequacy regulations, an IDTA, the "
            "Addendum to the EU SCCs, binding corporate rules, or a derogation; or stop the transfer.",
            "UK GDPR Art 44, 45A, 46, 47, 49",
        )


@depends(ENDS, SUCCESSORS)
def flow_organisation_dissolved(registry: Registry, as_of: date) -> Iterator[Finding]:
    """Neither end of a live flow is a body that no longer exists.

    A dissolved body cannot disclose or receive data, so the record is wrong about who the
    controller is (UK GDPR Art 5(2), 30(1)(a), (d)). Applies to every live flow, anonymised too,
    because it is about the record, not the data. One finding per flow: when both ends are
    dissolved, it names both, with the remedy for each.
    """
    for flow in flows_by_key(registry):
        if not is_live(flow, as_of):
            continue
        ends: list[str] = []
        remedies: list[str] = []
        for end, org_key in (("source", flow.source), ("recipient", flow.recipient)):
            organisation = registry.organisations.get(org_key)
            if organisation is None or organisation.status != "dissolved":
                continue
            successor = successor_of(registry, organisation)
            ends.append(f"its {end}, {organisation.name},")
            if successor is not None:
                remedies.append(
                    f"Change the flow's {end} to {successor.name}, which took over from {organisation.name}, "
                    "and check the agreement covers it."
                )
            else:
                remedies.append(
                    f"Record which body took over from {organisation.name} as its successor and change the "
                    f"flow's {end} to it, or mark the flow ceased."
                )
        if not ends:
            continue
        yield flow_finding(
            "FLOW_ORGANISATION_DISSOLVED",
            registry,
            flow,
            f"{listing(ends)} {plural(len(ends), 'has', 'have')} been dissolved.",
            " ".join(remedies),
            "UK GDPR Art 5(2), 30(1)",
        )


def _gateway_status(identifier: str) -> Legislation | None:
    """The catalogue entry that decides whether a gateway is current.

    The provision's own entry; failing that, the entry of its Act when the whole Act is no longer
    law in England (a section of a repealed Act is repealed too); otherwise None. A section that is
    not catalogued is not taken to share an in-force Act's status: the catalogue leaves some out on
    purpose (uncommenced ones) so that a person checks them.
    """
    entry = lookup_legislation(identifier)
    if entry is not None:
        return entry
    act = lookup_legislation(parent_act(identifier))
    return act if act is not None and not act.current else None


def _replacement_names(entry: Legislation) -> list[str]:
    names = []
    for replacement in entry.replaced_by:
        known = lookup_legislation(replacement)
        if known is None:
            names.append(replacement)
        elif known.title == known.citation:
            names.append(known.citation)
        else:
            names.append(f"{known.citation} ({known.title})")
    return names


_NO_LONGER = {
    "repealed": "has been repealed",
    "superseded": "has been superseded",
    "not_in_england": "no longer applies in England",
}


def _gateway_reference(flow: Flow) -> str:
    return "DPA 2018 s35(1)" if flow.regime == "law_enforcement" else "UK GDPR Art 6(3)"


@depends(ENDS)
def flow_legislation_repealed(registry: Registry, as_of: date) -> Iterator[Finding]:
    """The statutory gateways a flow names are law in England.

    UK GDPR Art 6(3): the basis for processing under (c) or (e) is laid down by law in force
    (DPA 2018 s35(1) under Part 3: processing must be based on law); a repealed or superseded
    provision, or one that now applies only in Wales, lays down nothing. A section that is not
    catalogued itself is caught when its whole Act is repealed. One finding per flow, naming each
    such gateway and what replaced it.
    """
    status = run_cache("gateway_status")
    for flow in flows_having(registry, as_of, "legislation"):
        gone: list[tuple[str, Legislation, str]] = []
        for identifier in dict.fromkeys(flow.legislation):
            if identifier not in status:
                status[identifier] = _gateway_status(identifier)
            entry = status[identifier]
            if entry is not None and entry.status in _NO_LONGER:
                gone.append((identifier, entry, listing(_replacement_names(entry))))
        if not gone:
            continue
        if len(gone) == 1:
            [(identifier, entry, now)] = gone
            tail = f"; it was replaced by {now}" if now else ""
            problem = f"the gateway {entry.citation} ({identifier}) {_NO_LONGER[entry.status]}{tail}."
            remedy = (
                f"Name what replaced it: {now}."
                if now
                else "Name the provision that gives the gateway today, or remove this one."
            )
        else:
            problem = f"it names {len(gone)} gateways that are no longer current in England: " + clauses(
                f"{entry.citation} ({identifier}) {_NO_LONGER[entry.status]}"
                + (f", replaced by {now}" if now else "")
                for identifier, entry, now in gone
            )
            remedy = " ".join(
                f"For {entry.citation}, name what replaced it: {now}."
                if now
                else f"For {entry.citation}, name the provision that gives the gateway today, or remove it."
                for _, entry, now in gone
            )
        yield flow_finding(
            "FLOW_LEGISLATION_REPEALED",
            registry,
            flow,
            problem,
            remedy,
            "; ".join([_gateway_reference(flow), *(entry.citation for _, entry, _ in gone)]),
        )


@depends(ENDS)
def flow_legislation_unknown(registry: Registry, as_of: date) -> Iterator[Finding]:
    """The statutory gateways a flow names are ones the registry's catalogue knows.

    The catalogue is how the registry checks that a gateway is current (UK GDPR Art 6(3); DPA 2018
    s35(1)); a provision it does not list cannot be checked, unless its whole Act is repealed
    (then ``FLOW_LEGISLATION_REPEALED`` reports it instead). One finding per flow, naming each
    such gateway.
    """
    status = run_cache("gateway_status")
    for flow in flows_having(registry, as_of, "legislation"):
        unknown = []
        for identifier in dict.fromkeys(flow.legislation):
            if identifier not in status:
                status[identifier] = _gateway_status(identifier)
            if status[identifier] is None:
                unknown.append(identifier)
        if not unknown:
            continue
        n = len(unknown)
        yield flow_finding(
            "FLOW_LEGISLATION_UNKNOWN",
            registry,
            flow,
            f"the {plural(n, 'gateway', 'gateways')} {listing(unknown)} {plural(n, 'is', 'are')} not in the "
            f"registry's legislation catalogue, so {plural(n, 'it', 'they')} cannot be checked.",
            f"Check {plural(n, 'the', 'each')} identifier against legislation.gov.uk (for example "
            "ukpga/1989/41/section/47) and correct it, or ask for the "
            f"{plural(n, 'provision', 'provisions')} to be added to the catalogue.",
            _gateway_reference(flow),
        )


@depends(ENDS)
def flow_end_date_passed(registry: Registry, as_of: date) -> Iterator[Finding]:
    """A flow whose end date has passed is recorded as ceased.

    Added by this project. A flow still marked active or planned after its end date drops out of
    every other check; the record of processing must describe the processing as it is (UK GDPR
    Art 30(1)).
    """
    for flow in flows_by_key(registry):
        if flow.status == "ceased" or flow.end_date is None or flow.end_date >= as_of:
            continue
        yield flow_finding(
            "FLOW_END_DATE_PASSED",
            registry,
            flow,
            f"it ended on {a_day(flow.end_date)} but is still marked {flow.status}, so it is no longer "
            "checked.",
            "Mark the flow ceased, or correct its end date if the sharing goes on.",
            "UK GDPR Art 30(1)",
        )
