"""The law the registry checks against: pure data and small helpers, no Flask, no database.

As the law stands on 2026-11-23: the UK GDPR as amended by the Data (Use and Access) Act 2025 and
the Data Protection Act 2018. Each module cites its sources:

* :mod:`.gdpr` — UK GDPR Art 6(1) lawful bases (``ARTICLE6``, including (ea) recognised
  legitimate interest), Annex 1 recognised legitimate interests (``ANNEX1``, keyed by the real
  paragraph numbers 1, 2, 3, 5, 6) and Art 9(2) conditions (``ARTICLE9``).
* :mod:`.dpa2018` — DPA 2018 Schedule 1 (``SCHEDULE1``, paras 1-37 with APD flags) and Schedule 8
  (``SCHEDULE8``).
* :mod:`.categories` — data category codes (``CATEGORIES``, ``SPECIAL_CATEGORIES``,
  ``CRIMINAL_CATEGORIES``).
* :mod:`.legislation` — statutory gateways and their status (``LEGISLATION``,
  ``lookup_legislation``, ``parent_act``, ``legislation_choices``).
"""

from .categories import (
    CATEGORIES,
    CRIMINAL_CATEGORIES,
    ORDINARY_CATEGORIES,
    SPECIAL_CATEGORIES,
    category_label,
    category_phrase,
)
from .dpa2018 import (
    SCHEDULE1,
    SCHEDULE1_CRIMINAL_CONDITIONS,
    SCHEDULE1_NOT_CONDITIONS,
    SCHEDULE1_PART1,
    SCHEDULE1_PART2_CONDITIONS,
    SCHEDULE1_PART3,
    SCHEDULE8,
    describe_schedule1,
    describe_schedule8,
    schedule1_label,
    schedule8_label,
)
from .gdpr import (
    ANNEX1,
    ARTICLE6,
    ARTICLE9,
    ARTICLE9_NEEDS_SCHEDULE1,
    PUBLIC_AUTHORITY_BARRED_ARTICLE6,
    annex1_label,
    article6_label,
    article9_label,
    describe_annex1,
    describe_article6,
    describe_article9,
)
from .legislation import (
    LEGISLATION,
    STATUTORY_GUIDANCE,
    legislation_choices,
    lookup_legislation,
    normalise_identifier,
    parent_act,
)
from .types import (
    DATA_CATEGORY_KINDS,
    LEGISLATION_STATUSES,
    DataCategory,
    Legislation,
    Provision,
    ScheduleCondition,
)

__all__ = [
    "ANNEX1",
    "ARTICLE6",
    "ARTICLE9",
    "ARTICLE9_NEEDS_SCHEDULE1",
    "CATEGORIES",
    "CRIMINAL_CATEGORIES",
    "DATA_CATEGORY_KINDS",
    "LEGISLATION",
    "LEGISLATION_STATUSES",
    "ORDINARY_CATEGORIES",
    "PUBLIC_AUTHORITY_BARRED_ARTICLE6",
    "SCHEDULE1",
    "SCHEDULE1_CRIMINAL_CONDITIONS",
    "SCHEDULE1_NOT_CONDITIONS",
    "SCHEDULE1_PART1",
    "SCHEDULE1_PART2_CONDITIONS",
    "SCHEDULE1_PART3",
    "SCHEDULE8",
    "SPECIAL_CATEGORIES",
    "STATUTORY_GUIDANCE",
    "DataCategory",
    "Legislation",
    "Provision",
    "ScheduleCondition",
    "annex1_label",
    "article6_label",
    "article9_label",
    "category_label",
    "category_phrase",
    "describe_annex1",
    "describe_article6",
    "describe_article9",
    "describe_schedule1",
    "describe_schedule8",
    "legislation_choices",
    "lookup_legislation",
    "normalise_identifier",
    "parent_act",
    "schedule1_label",
    "schedule8_label",
]
