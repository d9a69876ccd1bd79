"""Data category codes used by agreements and flows (``isa-registry/1``, see
``shared/spec/registry-format.md``, "Data category codes").

Kinds follow the law:

* ``special``: the special categories in UK GDPR Art 9(1)
  (https://www.legislation.gov.uk/eur/2016/679/article/9): racial or ethnic origin, political
  opinions, religious or philosophical beliefs, trade union membership, genetic data, biometric
  data used to identify someone, health, sex life and sexual orientation. Disability and most SEND
  detail is health data; ethnicity is special even when a notice lists it among "characteristics".
* ``criminal``: personal data relating to criminal convictions and offences or related security
  measures, UK GDPR Art 10 read with DPA 2018 s11(2) (which includes alleged offences, proceedings
  and sentences).
* ``ordinary``: everything else.

The codes and their meaning are fixed by the spec; labels are plain English for forms and reports.
"""

from __future__ import annotations

from .types import DataCategory

__all__ = [
    "CATEGORIES",
    "CRIMINAL_CATEGORIES",
    "ORDINARY_CATEGORIES",
    "SPECIAL_CATEGORIES",
    "category_label",
    "category_phrase",
]

_LIST = [
    # Ordinary personal data.
    DataCategory(
        "identity_contact",
        "Identity and contact details",
        "ordinary",
        "Names, dates of birth, addresses, phone numbers, email addresses and identifiers such as "
        "NHS number or unique pupil number.",
    ),
    DataCategory(
        "characteristics",
        "Personal characteristics",
        "ordinary",
        "Sex or gender, age, language, nationality, immigration or asylum status and free school "
        "meal eligibility (ethnicity is recorded as racial or ethnic origin, a special category).",
    ),
    DataCategory(
        "family_relationships",
        "Family and relationships",
        "ordinary",
        "Parents, carers, relatives and other relationships inside and outside the household, and "
        "who holds parental responsibility.",
    ),
    DataCategory(
        "household",
        "Household members",
        "ordinary",
        "Information about other people living in the same household.",
    ),
    DataCategory(
        "education",
        "Education, attendance and attainment",
        "ordinary",
        "School or setting, attendance, exclusions, behaviour, progress and attainment.",
    ),
    DataCategory(
        "send",
        "Special educational needs and disabilities",
        "ordinary",
        "SEN support, EHC needs assessments and plans, and the type and ranking of need (details "
        "of a disability or medical condition are also health data).",
    ),
    DataCategory(
        "social_care",
        "Social care records",
        "ordinary",
        "Assessments, child in need and child protection plans, looked after status, care "
        "proceedings and case notes.",
    ),
    DataCategory(
        "housing",
        "Housing and accommodation",
        "ordinary",
        "Tenure, accommodation, homelessness applications and housing support.",
    ),
    DataCategory(
        "financial",
        "Financial and benefits",
        "ordinary",
        "Income, benefits, debts and financial support.",
    ),
    DataCategory(
        "employment",
        "Employment, education or training status",
        "ordinary",
        "Employment history and status, including whether a young person is in education, "
        "employment or training (NEET).",
    ),
    DataCategory(
        "location",
        "Location and whereabouts",
        "ordinary",
        "Where a person is or has been, including missing episodes and placement locations.",
    ),
    DataCategory(
        "referral",
        "Referrals and concerns",
        "ordinary",
        "Referrals, the concerns raised, who raised them and the decision taken.",
    ),
    DataCategory(
        "service_outcomes",
        "Services received and outcomes",
        "ordinary",
        "Which services were provided, when, and with what outcome.",
    ),
    DataCategory(
        "professional_contacts",
        "Professionals involved",
        "ordinary",
        "Names, roles and contact details of practitioners working with the person.",
    ),
    # Special category data (UK GDPR Art 9(1)).
    DataCategory(
        "racial_ethnic_origin",
        "Racial or ethnic origin",
        "special",
        "Information revealing a person's racial or ethnic origin, including recorded ethnicity.",
    ),
    DataCategory(
        "political_opinions",
        "Political opinions",
        "special",
        "Information revealing a person's political opinions.",
    ),
    DataCategory(
        "religious_beliefs",
        "Religious or philosophical beliefs",
        "special",
        "Information revealing a person's religion or philosophical beliefs.",
    ),
    DataCategory(
        "trade_union",
        "Trade union membership",
        "special",
        "Information revealing whether a person belongs to a trade union.",
    ),
    DataCategory(
        "genetic",
        "Genetic data",
        "special",
        "Information from analysing a person's genetic characteristics.",
    ),
    DataCategory(
        "biometric",
        "Biometric data (for identification)",
        "special",
        "Fingerprints, facial images or other biometric data used to identify a person.",
    ),
    DataCategory(
        "health",
        "Health (physical and mental)",
        "special",
        "Physical or mental health, disability, medical history, treatment, substance misuse and "
        "health services received.",
    ),
    DataCategory(
        "sex_life",
        "Sex life",
        "special",
        "Information about a person's sex life.",
    ),
    DataCategory(
        "sexual_orientation",
        "Sexual orientation",
        "special",
        "Information about a person's sexual orientation.",
    ),
    # Criminal offence data (UK GDPR Art 10; DPA 2018 s11(2)).
    DataCategory(
        "criminal_offence",
        "Criminal offences and convictions",
        "criminal",
        "Alleged or proven offences, criminal proceedings, convictions, cautions, sentences and "
        "related security measures, including youth offending information.",
    ),
]

#: Every data category, keyed by code.
CATEGORIES: dict[str, DataCategory] = {c.code: c for c in _LIST}

#: Codes of the UK GDPR Art 9(1) special categories.
SPECIAL_CATEGORIES: frozenset[str] = frozenset(c.code for c in _LIST if c.kind == "special")
#: Codes of criminal offence data (UK GDPR Art 10).
CRIMINAL_CATEGORIES: frozenset[str] = frozenset(c.code for c in _LIST if c.kind == "criminal")
#: Codes of ordinary personal data.
ORDINARY_CATEGORIES: frozenset[str] = frozenset(c.code for c in _LIST if c.kind == "ordinary")


def category_label(code: str) -> str:
    """The category's label, or its code when it is not catalogued."""
    c = CATEGORIES.get(code)
    return c.label if c else code


def category_phrase(code: str) -> str:
    """The category's label in lower case, as a sentence uses it (``health data``), or its code
    when it is not catalogued."""
    c = CATEGORIES.get(code)
    return c.label.lower() if c else code
