"""Data Protection Act 2018 Schedule 1 (special category and criminal offence data under the UK
GDPR) and Schedule 8 (sensitive processing for law enforcement, Part 3), as they stand on
2026-11-23.

Sources (checked November 2026):

* DPA 2018 Sch 1: https://www.legislation.gov.uk/ukpga/2018/12/schedule/1 and s10
  (https://www.legislation.gov.uk/ukpga/2018/12/section/10). Part 1 = paras 1-4, Part 2 =
  paras 5-28, Part 3 = paras 29-37, Part 4 (APD and safeguards) = paras 38-41.
* Appropriate policy document (APD) rules, paragraph by paragraph:

  - Part 1: para 1(1)(b) requires an APD; paras 2, 3 and 4 do not.
  - Part 2: para 5(1) says that, "except as otherwise provided", a Part 2 condition is met only if
    the controller has an APD in place when processing. The exceptions in the paragraphs
    themselves are: para 10(2) (no APD needed where the processing is a disclosure to a
    competent authority, or in preparation for one), para 13(3) (journalism etc. in connection
    with unlawful acts: never needs one) and para 27(3) (anti-doping: no APD for a disclosure to
    an anti-doping body). ``needs_apd`` is True for paras 10 and 27 because the general case
    needs one; the summary names the exception. Para 5 itself is the APD requirement, not a
    condition; it is catalogued with ``needs_apd=True`` and must not be relied on as a condition.
  - Part 3: paras 29-34 need no APD; para 35(1)(c) requires one; paras 36 and 37 extend Part 2
    conditions (and para 20) to criminal offence data, and the Part 2 condition carries its APD
    requirement with it (Part 4 para 38 applies to conditions in Parts 1, 2 or 3 that require an
    APD), so both are True (except where the underlying Part 2 condition itself is exempt).
  - Cross-checked against the ICO's special category data and APD guidance
    (https://ico.org.uk/for-organisations/uk-gdpr-guidance-and-resources/lawful-basis/
    special-category-data/).

* Later amendments: DUAA 2025 s87 (in force 5 Feb 2026) changed para 4(b) to refer to the new
  research safeguards in UK GDPR Art 84B instead of Art 89(1) and DPA 2018 s19. DUAA 2025 s73
  ("elected representatives responding to requests", in force 5 Feb 2026, SI 2026/82 reg 2(f))
  amended the elected representatives condition in para 23 (the detail of the amended text was
  not checked here). No new paragraph had been added to Schedule 1 by 2026-11-23 as far as could
  be found; check legislation.gov.uk if that matters.
* DPA 2018 s35(3)-(5) and s42 (https://www.legislation.gov.uk/ukpga/2018/12/section/35): sensitive
  processing for law enforcement is lawful only (a) with the data subject's consent and an APD in
  place (s35(4)) or (b) where strictly necessary, meeting a Schedule 8 condition, and with an APD
  in place (s35(5)). Every Schedule 8 condition therefore has ``needs_apd=True`` (see R (Bridges) v
  Chief Constable of South Wales Police [2020] EWCA Civ 1058, which treats the APD as the third
  s35(5) requirement). DUAA 2025 s69 added a definition of consent for Part 3 (s40A) but did not
  remove the APD requirement.
* DPA 2018 Sch 8: https://www.legislation.gov.uk/ukpga/2018/12/schedule/8 (paras 1-9).
"""

from __future__ import annotations

from .types import ScheduleCondition

__all__ = [
    "SCHEDULE1",
    "SCHEDULE1_CRIMINAL_CONDITIONS",
    "SCHEDULE1_NOT_CONDITIONS",
    "SCHEDULE1_PART1",
    "SCHEDULE1_PART2_CONDITIONS",
    "SCHEDULE1_PART3",
    "SCHEDULE8",
    "describe_schedule1",
    "describe_schedule8",
    "schedule1_label",
    "schedule8_label",
]

_SCH1_URL = "https://www.legislation.gov.uk/ukpga/2018/12/schedule/1/paragraph/{}"
_SCH8_URL = "https://www.legislation.gov.uk/ukpga/2018/12/schedule/8/paragraph/{}"


def _s1(para: int, part: int, needs_apd: bool, title: str, summary: str) -> ScheduleCondition:
    return ScheduleCondition(
        code=str(para),
        title=title,
        summary=summary,
        reference=f"DPA 2018 Sch 1 Part {part} para {para}",
        url=_SCH1_URL.format(para),
        part=part,
        needs_apd=needs_apd,
    )


_SCHEDULE1_LIST = [
    # Part 1: conditions relating to employment, health and research etc.
    _s1(
        1,
        1,
        True,
        "Employment, social security and social protection",
        "Needed to meet legal rights or duties in employment, social security or social "
        "protection, and only if the organisation has an appropriate policy document in place.",
    ),
    _s1(
        2,
        1,
        False,
        "Health or social care purposes",
        "Needed for health or social care (diagnosis, treatment, providing care or managing care "
        "services), by or under the responsibility of a professional bound by confidentiality "
        "(DPA 2018 s11(1)).",
    ),
    _s1(
        3,
        1,
        False,
        "Public health",
        "Needed for public health reasons and done by or under a health professional or someone "
        "else who owes a duty of confidentiality.",
    ),
    _s1(
        4,
        1,
        False,
        "Research etc",
        "Needed for archiving, research or statistics in the public interest, carried out under "
        "UK GDPR Art 84B (substituted for Art 89(1) by DUAA 2025 s87, in force 5 Feb 2026).",
    ),
    # Part 2: substantial public interest conditions.
    _s1(
        5,
        2,
        True,
        "Substantial public interest: general",
        "Not a condition: this is the rule that, unless a Part 2 paragraph says otherwise, a "
        "Part 2 condition can only be relied on with an appropriate policy document in place.",
    ),
    _s1(
        6,
        2,
        True,
        "Statutory etc and government purposes",
        "Needed to carry out a function given by law, or a function of the Crown, a minister or "
        "a government department, and for reasons of substantial public interest.",
    ),
    _s1(
        7,
        2,
        True,
        "Administration of justice and parliamentary purposes",
        "Needed for the administration of justice or for a function of either House of Parliament.",
    ),
    _s1(
        8,
        2,
        True,
        "Equality of opportunity or treatment",
        "Needed to monitor equality of opportunity or treatment between groups (by ethnicity, "
        "religion, health or sexual orientation), not to make decisions about one person.",
    ),
    _s1(
        9,
        2,
        True,
        "Racial and ethnic diversity at senior levels of organisations",
        "Needed to promote racial and ethnic diversity among people in senior positions, where "
        "consent cannot reasonably be sought.",
    ),
    _s1(
        10,
        2,
        True,
        "Preventing or detecting unlawful acts",
        "Needed to prevent or detect an unlawful act where asking for consent would prejudice "
        "that, with no policy document needed only when the processing is a disclosure to a "
        "competent authority such as the police (para 10(2)).",
    ),
    _s1(
        11,
        2,
        True,
        "Protecting the public against dishonesty etc",
        "Needed for a function that protects the public against dishonesty, malpractice, "
        "incompetence or failures in services, where asking for consent would prejudice it.",
    ),
    _s1(
        12,
        2,
        True,
        "Regulatory requirements relating to unlawful acts and dishonesty etc",
        "Needed to comply with, or help others comply with, a regulatory requirement to establish "
        "whether someone has acted unlawfully or dishonestly, where consent cannot be sought.",
    ),
    _s1(
        13,
        2,
        False,
        "Journalism etc in connection with unlawful acts and dishonesty etc",
        "Disclosure for journalism, academic, artistic or literary purposes about wrongdoing, "
        "with a view to publication in the public interest, and no policy document is needed "
        "(para 13(3)).",
    ),
    _s1(
        14,
        2,
        True,
        "Preventing fraud",
        "Disclosure through, or under the arrangements of, an anti-fraud organisation to prevent fraud.",
    ),
    _s1(
        15,
        2,
        True,
        "Suspicion of terrorist financing or money laundering",
        "Needed to make a good-faith disclosure within the regulated sector about suspected "
        "terrorist financing or money laundering.",
    ),
    _s1(
        16,
        2,
        True,
        "Support for individuals with a particular disability or medical condition",
        "A not-for-profit support body uses its members' information to raise awareness or give "
        "support, where consent cannot reasonably be sought.",
    ),
    _s1(
        17,
        2,
        True,
        "Counselling etc",
        "Needed to provide confidential counselling, advice or support where consent cannot be "
        "given, cannot reasonably be sought, or would prejudice the service.",
    ),
    _s1(
        18,
        2,
        True,
        "Safeguarding of children and of individuals at risk",
        "Needed to protect a child, or an adult at risk, from neglect or harm, or to protect "
        "their well-being, where consent cannot be given, cannot reasonably be sought or would "
        "prejudice the protection.",
    ),
    _s1(
        19,
        2,
        True,
        "Safeguarding of economic well-being of certain individuals",
        "Needed to protect the economic well-being of an adult who is less able to protect it "
        "because of injury, illness or disability, using health data.",
    ),
    _s1(
        20,
        2,
        True,
        "Insurance",
        "Needed for an insurance purpose, such as arranging cover or handling a claim.",
    ),
    _s1(
        21,
        2,
        True,
        "Occupational pensions",
        "Needed to decide eligibility for, or benefits under, an occupational pension scheme "
        "using health data about a member's relative.",
    ),
    _s1(
        22,
        2,
        True,
        "Political parties",
        "A registered political party uses information about political opinions for its "
        "political activities.",
    ),
    _s1(
        23,
        2,
        True,
        "Elected representatives responding to requests",
        "An elected representative (an MP or councillor, for example) uses information to act on "
        "a constituent's request (amended by DUAA 2025 s73, in force 5 Feb 2026).",
    ),
    _s1(
        24,
        2,
        True,
        "Disclosure to elected representatives",
        "An organisation discloses information to an elected representative who is acting on a "
        "constituent's request, where it is needed to respond.",
    ),
    _s1(
        25,
        2,
        True,
        "Informing elected representatives about prisoners",
        "Information about a prisoner is given to an MP or member of a devolved legislature who "
        "must not pass it on.",
    ),
    _s1(
        26,
        2,
        True,
        "Publication of legal judgments",
        "Publishing a judgment or other decision of a court or tribunal.",
    ),
    _s1(
        27,
        2,
        True,
        "Anti-doping in sport",
        "Needed for measures against doping in sport, with no policy document needed when the "
        "processing is a disclosure to an anti-doping body (para 27(3)).",
    ),
    _s1(
        28,
        2,
        True,
        "Standards of behaviour in sport",
        "Needed to protect the integrity of a sport or sporting event, where asking for consent "
        "would prejudice that.",
    ),
    # Part 3: additional conditions relating to criminal convictions etc.
    _s1(
        29,
        3,
        False,
        "Consent",
        "The person has consented to the use of information about their criminal convictions or offences.",
    ),
    _s1(
        30,
        3,
        False,
        "Protecting individual's vital interests",
        "Needed to protect someone's life when the person cannot give consent.",
    ),
    _s1(
        31,
        3,
        False,
        "Processing by not-for-profit bodies",
        "A political, philosophical, religious or trade union body uses its members' information "
        "with safeguards and does not share it without consent.",
    ),
    _s1(
        32,
        3,
        False,
        "Personal data in the public domain",
        "The person has clearly made the information public themselves.",
    ),
    _s1(
        33,
        3,
        False,
        "Legal claims",
        "Needed for legal proceedings, legal advice, or to establish, exercise or defend legal rights.",
    ),
    _s1(
        34,
        3,
        False,
        "Judicial acts",
        "Needed when a court or tribunal is acting in its judicial capacity.",
    ),
    _s1(
        35,
        3,
        True,
        "Administration of accounts used in commission of indecency offences involving children",
        "A card issuer uses conviction data to administer or cancel a payment card used in child "
        "indecent-image offences, with an appropriate policy document in place (para 35(1)(c)).",
    ),
    _s1(
        36,
        3,
        True,
        "Extension of conditions in Part 2 referring to substantial public interest",
        "A Part 2 condition (such as para 18 safeguarding) can cover criminal offence data without "
        "showing substantial public interest, but it keeps that condition's policy document "
        "requirement.",
    ),
    _s1(
        37,
        3,
        True,
        "Extension of insurance conditions",
        "The insurance condition (para 20) can cover criminal offence data where consent cannot "
        "reasonably be sought, keeping its policy document requirement.",
    ),
]

#: DPA 2018 Schedule 1 paragraphs 1 to 37, keyed by paragraph number as a string.
SCHEDULE1: dict[str, ScheduleCondition] = {c.code: c for c in _SCHEDULE1_LIST}

#: Part 1 conditions (Art 9(2)(b), (h), (i), (j) and Art 10).
SCHEDULE1_PART1 = frozenset({"1", "2", "3", "4"})
#: Part 2 conditions that satisfy Art 9(2)(g) (DPA 2018 s10(3)): paras 6 to 28 (not para 5).
SCHEDULE1_PART2_CONDITIONS = frozenset(str(n) for n in range(6, 29))
#: Part 3 conditions (criminal offence data only).
SCHEDULE1_PART3 = frozenset(str(n) for n in range(29, 38))
#: Paragraphs that can satisfy Art 10 for criminal offence data (DPA 2018 s10(5): Parts 1-3).
SCHEDULE1_CRIMINAL_CONDITIONS = SCHEDULE1_PART1 | SCHEDULE1_PART2_CONDITIONS | SCHEDULE1_PART3
#: Catalogued paragraphs that are not conditions at all.
SCHEDULE1_NOT_CONDITIONS = frozenset({"5"})


def _s8(para: int, title: str, summary: str) -> ScheduleCondition:
    return ScheduleCondition(
        code=str(para),
        title=title,
        summary=summary,
        reference=f"DPA 2018 Sch 8 para {para}; s35(5)",
        url=_SCH8_URL.format(para),
        part=0,
        needs_apd=True,
    )


_SCHEDULE8_LIST = [
    _s8(
        1,
        "Statutory etc purposes",
        "Needed to carry out a function given by law, for reasons of substantial public interest.",
    ),
    _s8(2, "Administration of justice", "Needed for the administration of justice."),
    _s8(
        3,
        "Protecting individual's vital interests",
        "Needed to protect the life of the person or someone else.",
    ),
    _s8(
        4,
        "Safeguarding of children and of individuals at risk",
        "Needed to protect a child, or an adult at risk, from neglect or harm, or their "
        "well-being, where consent cannot be given, cannot reasonably be sought or would "
        "prejudice the protection.",
    ),
    _s8(
        5,
        "Personal data already in the public domain",
        "The person has clearly made the information public themselves.",
    ),
    _s8(
        6,
        "Legal claims",
        "Needed for legal proceedings, legal advice, or to establish, exercise or defend legal rights.",
    ),
    _s8(7, "Judicial acts", "Needed when a court or tribunal is acting in its judicial capacity."),
    _s8(
        8,
        "Preventing fraud",
        "A competent authority discloses information through, or under the arrangements of, an "
        "anti-fraud organisation to prevent fraud.",
    ),
    _s8(
        9,
        "Archiving etc",
        "Needed for archiving in the public interest, research or statistics.",
    ),
]

#: DPA 2018 Schedule 8 conditions for sensitive processing under Part 3 (law enforcement). Every
#: one needs an appropriate policy document in place (s35(5)(c), s42).
SCHEDULE8: dict[str, ScheduleCondition] = {c.code: c for c in _SCHEDULE8_LIST}


def describe_schedule1(para: str | int | None) -> str:
    """A short label, e.g. ``"Sch 1 para 18 Safeguarding of children and of individuals at
    risk"``."""
    if para is None or str(para).strip() == "":
        return "no Schedule 1 condition"
    key = str(para).strip()
    c = SCHEDULE1.get(key)
    return f"Sch 1 para {key} {c.title}" if c else f"Sch 1 para {key} (unknown paragraph)"


def describe_schedule8(para: str | int | None) -> str:
    """A short label, e.g. ``"Sch 8 para 4 Safeguarding of children and of individuals at
    risk"``."""
    if para is None or str(para).strip() == "":
        return "no Schedule 8 condition"
    key = str(para).strip()
    c = SCHEDULE8.get(key)
    return f"Sch 8 para {key} {c.title}" if c else f"Sch 8 para {key} (unknown paragraph)"


def schedule1_label(para: str) -> str:
    """The label forms and record pages show: ``Sch 1 para 18 Safeguarding of children and of
    individuals at risk``."""
    c = SCHEDULE1.get(para)
    return f"Sch 1 para {para} {c.title}" if c else f"Sch 1 para {para} (not in Schedule 1)"


def schedule8_label(para: str) -> str:
    """The label forms and record pages show: ``Sch 8 para 4 Safeguarding of children and of
    individuals at risk``."""
    c = SCHEDULE8.get(para)
    return f"Sch 8 para {para} {c.title}" if c else f"Sch 8 para {para} (not in Schedule 8)"
