"""UK GDPR lawful bases (Art 6(1)), recognised legitimate interests (Annex 1) and special
category conditions (Art 9(2)), as the UK GDPR stands on 2026-11-23.

Sources (checked November 2026):

* UK GDPR Art 6, as amended by the Data (Use and Access) Act 2025 (DUAA) s70:
  https://www.legislation.gov.uk/eur/2016/679/article/6 and
  https://www.legislation.gov.uk/ukpga/2025/18/section/70. s70 inserted point (ea) "processing is
  necessary for the purposes of a recognised legitimate interest", new Art 6(5) (a recognised
  legitimate interest exists only if a condition in Annex 1 is met) and changed the closing words
  of Art 6(1) to "Points (ea) and (f) ... shall not apply to processing carried out by public
  authorities in the performance of their tasks". s70 came into force on 5 February 2026 (The Data
  (Use and Access) Act 2025 (Commencement No. 6 and Transitional and Saving Provisions)
  Regulations 2026, SI 2026/82, reg 2(c)).
* UK GDPR Annex 1, inserted by DUAA 2025 Sch 4 (https://www.legislation.gov.uk/ukpga/2025/18/
  schedule/4) and explained in the ICO's recognised legitimate interest guidance
  (https://ico.org.uk/for-organisations/uk-gdpr-guidance-and-resources/lawful-basis/
  recognised-legitimate-interest-detailed/). The conditions are paragraphs 1, 2, 3, 5 and 6:
  paragraph 4 defines "emergency" for paragraph 3 (Civil Contingencies Act 2004 Part 2) and
  paragraph 7 defines "safeguarding" and "vulnerable individual" for paragraph 6. ``ANNEX1`` is
  therefore keyed by the real paragraph numbers "1", "2", "3", "5", "6" (not "1".."5").
* UK GDPR Art 9(2): https://www.legislation.gov.uk/eur/2016/679/article/9, read with DPA 2018
  s10 (which Art 9(2) conditions also need a Schedule 1 condition): (b), (h), (i) need Sch 1
  Part 1 (paras 1, 2, 3), (j) needs Sch 1 para 4, (g) needs a Part 2 condition (paras 6 to 28).
  DUAA 2025 ss86-87 replaced Art 89 with Chapter 8A (Arts 84A-84D); Art 9(2)(j) now requires
  processing "carried out in accordance with Article 84B".
"""

from __future__ import annotations

from .types import Provision

__all__ = [
    "ANNEX1",
    "ARTICLE6",
    "ARTICLE9",
    "ARTICLE9_NEEDS_SCHEDULE1",
    "PUBLIC_AUTHORITY_BARRED_ARTICLE6",
    "annex1_label",
    "article6_label",
    "article9_label",
    "describe_annex1",
    "describe_article6",
    "describe_article9",
]

_ART6_URL = "https://www.legislation.gov.uk/eur/2016/679/article/6"
_ART9_URL = "https://www.legislation.gov.uk/eur/2016/679/article/9"
_ANNEX1_URL = "https://www.legislation.gov.uk/ukpga/2025/18/schedule/4"


def _a6(code: str, title: str, summary: str) -> Provision:
    return Provision(code, title, summary, f"UK GDPR Art 6(1)({code})", _ART6_URL)


#: UK GDPR Art 6(1) lawful bases, keyed by point.
ARTICLE6: dict[str, Provision] = {
    "a": _a6(
        "a",
        "consent",
        "The person has freely agreed to their information being used for this specific purpose "
        "and can withdraw that agreement at any time.",
    ),
    "b": _a6(
        "b",
        "contract",
        "The use is needed to carry out a contract with the person, or to take steps they asked "
        "for before entering into one.",
    ),
    "c": _a6(
        "c",
        "legal obligation",
        "The organisation must use the information to comply with a duty placed on it by law.",
    ),
    "d": _a6(
        "d",
        "vital interests",
        "The use is needed to protect someone's life.",
    ),
    "e": _a6(
        "e",
        "public task",
        "The use is needed for a task the organisation carries out in the public interest or in "
        "exercising official authority, and that task has a clear basis in law (Art 6(3)).",
    ),
    "ea": Provision(
        "ea",
        "recognised legitimate interest",
        "The use is needed for one of the pre-approved purposes listed in UK GDPR Annex 1 (such "
        "as crime prevention or safeguarding a vulnerable person), with no balancing test, but "
        "a public authority cannot rely on it for its public tasks.",
        "UK GDPR Art 6(1)(ea) (inserted by DUAA 2025 s70, in force 5 Feb 2026)",
        _ART6_URL,
    ),
    "f": _a6(
        "f",
        "legitimate interests",
        "The use is needed for a genuine interest of the organisation or someone else that is not "
        "outweighed by the person's own interests and rights, and a public authority cannot rely "
        "on it for its public tasks.",
    ),
}

#: Art 6(1) bases that the closing words of Art 6(1) (as amended by DUAA 2025 s70(2)(c)) stop a
#: public authority using for processing in the performance of its tasks.
PUBLIC_AUTHORITY_BARRED_ARTICLE6 = frozenset({"ea", "f"})


def _annex1(code: str, title: str, summary: str) -> Provision:
    return Provision(code, title, summary, f"UK GDPR Annex 1 para {code}; Art 6(1)(ea), 6(5)", _ANNEX1_URL)


#: UK GDPR Annex 1 recognised legitimate interest conditions, keyed by their real paragraph number
#: (paragraphs 4 and 7 are definitions, not conditions).
ANNEX1: dict[str, Provision] = {
    "1": _annex1(
        "1",
        "Disclosure for a public task (request from a public body)",
        "The organisation shares information in answer to a request from another body that says "
        "it needs the information for a public task or official function that has a basis in law.",
    ),
    "2": _annex1(
        "2",
        "National security, public security and defence",
        "The use is needed to safeguard national security, to protect public security or for "
        "defence purposes.",
    ),
    "3": _annex1(
        "3",
        "Emergencies",
        "The use is needed to respond to an emergency as defined in Part 2 of the Civil "
        "Contingencies Act 2004 (defined in Annex 1 para 4).",
    ),
    "5": _annex1(
        "5",
        "Crime",
        "The use is needed to detect, investigate or prevent crime, or to catch or prosecute offenders.",
    ),
    "6": _annex1(
        "6",
        "Safeguarding vulnerable individuals",
        "The use is needed to protect a child, or an adult at risk, from neglect or harm, or to "
        "protect their physical, mental or emotional well-being (defined in Annex 1 para 7).",
    ),
}


def _a9(code: str, title: str, summary: str) -> Provision:
    return Provision(code, title, summary, f"UK GDPR Art 9(2)({code})", _ART9_URL)


#: UK GDPR Art 9(2) conditions for special category data, keyed by point.
ARTICLE9: dict[str, Provision] = {
    "a": _a9(
        "a",
        "explicit consent",
        "The person has given explicit consent to this use of their sensitive information.",
    ),
    "b": _a9(
        "b",
        "employment, social security and social protection",
        "The use is needed for rights or duties under employment, social security or social "
        "protection law, and also needs DPA 2018 Sch 1 para 1 and an appropriate policy document.",
    ),
    "c": _a9(
        "c",
        "vital interests",
        "The use is needed to protect someone's life when the person cannot give consent.",
    ),
    "d": _a9(
        "d",
        "not-for-profit bodies",
        "A political, philosophical, religious or trade union body uses its own members' "
        "information for its legitimate activities and does not share it outside without consent.",
    ),
    "e": _a9(
        "e",
        "made public by the data subject",
        "The person has clearly made the information public themselves.",
    ),
    "f": _a9(
        "f",
        "legal claims and courts",
        "The use is needed to make or defend legal claims, or by courts acting in their judicial capacity.",
    ),
    "g": _a9(
        "g",
        "substantial public interest",
        "The use is needed for reasons of substantial public interest set out in law, which in "
        "the UK means meeting one of the DPA 2018 Sch 1 Part 2 conditions (paras 6 to 28).",
    ),
    "h": _a9(
        "h",
        "health or social care",
        "The use is needed for health or social care (diagnosis, treatment, care, or managing "
        "health and care services) by or under a professional bound by confidentiality, and also "
        "needs DPA 2018 Sch 1 para 2.",
    ),
    "i": _a9(
        "i",
        "public health",
        "The use is needed for public health reasons, such as protecting against serious threats "
        "to health, under professional confidentiality, and also needs DPA 2018 Sch 1 para 3.",
    ),
    "j": _a9(
        "j",
        "archiving, research and statistics",
        "The use is needed for archiving in the public interest, research or statistics with the "
        "safeguards in UK GDPR Art 84B (which replaced Art 89(1)), and also needs DPA 2018 Sch 1 "
        "para 4.",
    ),
}

#: Which DPA 2018 Schedule 1 paragraphs satisfy each Art 9(2) point that needs one (DPA 2018
#: s10(2)-(3)): (b), (h), (i), (j) need Part 1 paras 1, 2, 3, 4; (g) needs a Part 2 condition.
ARTICLE9_NEEDS_SCHEDULE1: dict[str, frozenset[str]] = {
    "b": frozenset({"1"}),
    "h": frozenset({"2"}),
    "i": frozenset({"3"}),
    "j": frozenset({"4"}),
    "g": frozenset(str(n) for n in range(6, 29)),
}


def describe_article6(code: str | None) -> str:
    """A short label for an Art 6(1) basis, e.g. ``"Art 6(1)(e) public task"``."""
    if not code:
        return "no Art 6(1) basis"
    p = ARTICLE6.get(code)
    return f"Art 6(1)({code}) {p.title}" if p else f"Art 6(1)({code}) (unknown basis)"


def describe_article9(code: str | None) -> str:
    """A short label for an Art 9(2) condition, e.g. ``"Art 9(2)(h) health or social care"``."""
    if not code:
        return "no Art 9(2) condition"
    p = ARTICLE9.get(code)
    return f"Art 9(2)({code}) {p.title}" if p else f"Art 9(2)({code}) (unknown condition)"


def describe_annex1(para: str | None) -> str:
    """A short label for an Annex 1 condition, e.g. ``"Annex 1 para 6 Safeguarding vulnerable
    individuals"``."""
    if not para:
        return "no Annex 1 condition"
    para = str(para).strip()
    p = ANNEX1.get(para)
    if p:
        return f"Annex 1 para {para} {p.title}"
    return f"Annex 1 para {para} (not a recognised legitimate interest condition)"


# The labels forms and record pages show: the title capitalised as an option reads, nothing for no
# code, and the bare citation for a code the catalogue does not have.


def _capital(text: str) -> str:
    return text[:1].upper() + text[1:]


def article6_label(code: str | None) -> str:
    """``Art 6(1)(e) Public task``."""
    if not code:
        return ""
    p = ARTICLE6.get(code)
    return f"Art 6(1)({code}) {_capital(p.title)}" if p else f"Art 6(1)({code})"


def article9_label(code: str | None) -> str:
    """``Art 9(2)(h) Health or social care``."""
    if not code:
        return ""
    p = ARTICLE9.get(code)
    return f"Art 9(2)({code}) {_capital(p.title)}" if p else f"Art 9(2)({code})"


def annex1_label(code: str | None) -> str:
    """``Annex 1 para 6 Safeguarding vulnerable individuals``."""
    if not code:
        return ""
    p = ANNEX1.get(code)
    return f"Annex 1 para {code} {p.title}" if p else f"Annex 1 para {code} (not an Annex 1 condition)"
