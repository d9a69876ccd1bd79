"""A synthetic safeguarding partnership in ``isa-registry/1``, the same for the same seed and size.

The partnership looks like a real one: many schools, a few councils, police forces, NHS bodies,
voluntary groups and researchers; agreements built around the usual sharing arrangements (MASH,
early help, Operation Encompass, MARAC, evaluations...), and flows between each agreement's parties
that mostly rest on public task or legal obligation. A share of the records carries the problems the
rules look for: flows with no agreement, expired or unsigned agreements, dissolved organisations (a
CCG replaced by its ICB), legitimate interests or consent relied on by public bodies, special
category data with no Schedule 1 condition, repealed legislation, transfers with no safeguard; and
the second round's (docs/spec/findings.md): the health and social care condition relied on by police
or schools, transfers on "adequacy" to countries no UK regulations cover or cover only in part,
derogations for regular transfers, processors with no contract, agreements with no DPIA, and
gateways named by bodies they do not bind. Those come from a second random stream, so the records
drawn before them are the same as they were. Most flows record the recipient's own basis, a share
of them short of what the law needs (a third stream).

Dates are laid out around :data:`TODAY`, so ``run_rules(registry, TODAY)`` gives the same findings
whenever it runs. ``python -m bench.generate --size M --seed 1 OUT.json`` writes one document.
"""

from __future__ import annotations

import argparse
import json
import random
import sys
from dataclasses import dataclass
from datetime import date, timedelta
from pathlib import Path
from typing import Any

__all__ = ["SIZES", "TODAY", "Size", "generate", "main", "write"]

FORMAT = "isa-registry/1"
#: The day the partnership is drawn for: review dates, end dates and signatures fall around it.
TODAY = date(2026, 11, 23)
EXPORTED_AT = "2026-11-23T00:00:00Z"


@dataclass(frozen=True)
class Size:
    """How many records of each type a size has."""

    organisations: int
    agreements: int
    flows: int


SIZES: dict[str, Size] = {
    "S": Size(50, 100, 500),
    "M": Size(200, 400, 2_000),
    "L": Size(1_000, 2_000, 20_000),
}

# Data category codes from the format (shared/spec/registry-format.md); fixed by the spec.
SPECIAL = (
    "racial_ethnic_origin",
    "political_opinions",
    "religious_beliefs",
    "trade_union",
    "genetic",
    "biometric",
    "health",
    "sex_life",
    "sexual_orientation",
)
CRIMINAL = "criminal_offence"

# legislation.gov.uk identifiers. In force in England:
LAW_IN_FORCE = {
    "children": (
        "ukpga/1989/41/section/17",
        "ukpga/1989/41/section/47",
        "ukpga/2004/31/section/10",
        "ukpga/2004/31/section/11",
        "ukpga/2004/31/section/16E",
    ),
    "education": ("ukpga/2002/32/section/175", "ukpga/1996/56/section/436A", "ukpga/2014/6/section/19"),
    "health": ("ukpga/2006/41/section/251", "ukpga/2004/31/section/11", "ukpga/2014/23/section/45"),
    "crime": ("ukpga/1998/37/section/115", "ukpga/1998/37/section/17", "ukpga/2021/17/section/1"),
    "prevent": ("ukpga/2015/6/section/26", "ukpga/2015/6/section/36"),
    "research": ("ukpga/2017/16", "ukpga/2004/31/section/10"),
}
# Repealed, superseded or not in England: Local Safeguarding Children Boards (replaced by the
# safeguarding partners, s16E), clinical commissioning groups, the Data Protection Act 1998, the
# Learning and Skills Act 2000 well-being power (Wales only now).
LAW_REPEALED = (
    "ukpga/2004/31/section/13",
    "ukpga/2004/31/section/14",
    "ukpga/2006/41/section/14D",
    "ukpga/1998/29",
    "ukpga/2000/22/section/2",
)
# Real provisions a registry's catalogue is unlikely to hold.
LAW_UNCATALOGUED = ("ukpga/1933/12/section/1", "ukpga/2000/14/section/82")

PLACES = [
    p + s
    for p in (
        "Ash",
        "Brook",
        "Oak",
        "Elm",
        "Kings",
        "Mill",
        "Stone",
        "Wood",
        "Holl",
        "Bar",
        "Red",
        "Fair",
        "Long",
        "Church",
        "Haw",
        "Wen",
        "Cal",
        "Dun",
        "Mor",
        "Sel",
    )
    for s in ("field", "ley", "ton", "bury", "worth", "ham", "ford", "wick", "by", "stead", "mere", "combe")
]
SURNAMES = (
    "Patel",
    "Smith",
    "Jones",
    "Khan",
    "Williams",
    "Brown",
    "Ahmed",
    "Taylor",
    "Evans",
    "Hussain",
    "Walker",
    "Wright",
    "Begum",
    "Clarke",
    "Green",
    "Okafor",
    "Nowak",
    "Murphy",
)


@dataclass(frozen=True)
class Kind:
    """How organisations of one kind are keyed and named."""

    kind: str
    prefix: str
    names: tuple[str, ...]


KINDS = {
    k.kind: k
    for k in (
        Kind(
            "local_authority",
            "la",
            ("{} Metropolitan Borough Council", "{} County Council", "{} City Council"),
        ),
        Kind(
            "health",
            "nhs",
            (
                "{} Hospitals NHS Foundation Trust",
                "{} Community Healthcare NHS Trust",
                "{} Medical Practice",
                "{} Health Centre",
            ),
        ),
        Kind("police", "police", ("{} Police", "{} Constabulary")),
        Kind(
            "education",
            "school",
            (
                "{} Primary School",
                "{} Academy",
                "{} High School",
                "{} Infant School",
                "{} Junior School",
                "{} C of E Primary School",
                "{} Catholic Primary School",
                "{} Nursery School",
                "{} Special School",
                "{} Sixth Form College",
                "{} Preparatory School",
            ),
        ),
        Kind("cafcass", "cafcass", ("Cafcass {} service area",)),
        Kind("probation", "probation", ("Probation Service {} region",)),
        Kind("youth_justice", "yjs", ("{} Youth Justice Service",)),
        Kind("courts", "court", ("{} Family Court", "{} Magistrates' Court")),
        Kind(
            "government",
            "gov",
            (
                "Department for Education ({} office)",
                "Department for Work and Pensions ({})",
                "Home Office ({} immigration team)",
            ),
        ),
        Kind(
            "voluntary",
            "vcs",
            (
                "{} Women's Aid",
                "{} Young Carers",
                "{} Family Support Trust",
                "{} Foodbank",
                "{} Youth Club",
                "{} Children's Centre Charity",
            ),
        ),
        Kind("research", "research", ("University of {}", "{} Research Partnership CIC")),
        Kind("other", "org", ("{} Housing Association", "{} Leisure Trust")),
    )
}
COMPETENT = ("police", "probation", "youth_justice", "courts")


@dataclass(frozen=True)
class Template:
    """A kind of agreement: who leads it, who joins it, what it shares and under which laws."""

    title: str
    purpose: str
    hubs: tuple[str, ...]
    spokes: tuple[str, ...]
    categories: tuple[str, ...]
    law: str
    flow_names: tuple[str, ...]
    programme: str | None = None
    research: bool = False


TEMPLATES = (
    Template(
        "Multi-Agency Safeguarding Hub information sharing",
        "Deciding together, and quickly, what help a child referred to the MASH needs.",
        ("local_authority", "police"),
        ("health", "education", "voluntary", "probation"),
        (
            "identity_contact",
            "family_relationships",
            "household",
            "social_care",
            "referral",
            "health",
            CRIMINAL,
            "education",
            "racial_ethnic_origin",
        ),
        "children",
        (
            "MASH referral",
            "Strategy discussion information",
            "Police protection notification",
            "Health checks for MASH enquiries",
            "MASH outcome letter",
        ),
    ),
    Template(
        "Early help information sharing",
        "Offering families support before problems escalate.",
        ("local_authority",),
        ("education", "voluntary", "health"),
        (
            "identity_contact",
            "family_relationships",
            "education",
            "send",
            "social_care",
            "service_outcomes",
            "referral",
            "health",
        ),
        "children",
        ("Early help assessment", "Team around the family notes", "Early help outcomes"),
        "Early Help Hub",
    ),
    Template(
        "School attendance and children missing education",
        "Finding children missing education and improving attendance.",
        ("local_authority",),
        ("education",),
        ("identity_contact", "education", "characteristics", "family_relationships"),
        "education",
        (
            "Daily attendance return",
            "Children missing education notification",
            "Elective home education register",
        ),
    ),
    Template(
        "Child protection health information",
        "Assessing the health needs of children in need of protection.",
        ("local_authority", "health"),
        ("health",),
        ("identity_contact", "health", "social_care", "family_relationships"),
        "health",
        ("Child protection medical", "Initial health assessment", "Health visitor notification"),
    ),
    Template(
        "Operation Encompass",
        "Telling a child's school before the next school day about domestic abuse at home.",
        ("police",),
        ("education",),
        ("identity_contact", "household", CRIMINAL, "family_relationships"),
        "crime",
        ("Operation Encompass notification",),
        "Operation Encompass",
    ),
    Template(
        "Youth justice partnership",
        "Preventing offending and reoffending by children.",
        ("youth_justice", "police"),
        ("local_authority", "probation", "education", "health"),
        (CRIMINAL, "identity_contact", "education", "health", "service_outcomes"),
        "crime",
        ("Out of court disposal panel papers", "Youth justice assessment", "Transition to probation"),
    ),
    Template(
        "MARAC information sharing",
        "Protecting victims of domestic abuse at high risk of serious harm.",
        ("police", "local_authority"),
        ("health", "voluntary", "other"),
        (CRIMINAL, "health", "household", "family_relationships", "identity_contact", "location"),
        "crime",
        ("MARAC referral", "MARAC research form", "MARAC action plan"),
    ),
    Template(
        "Child death review",
        "Learning from the deaths of children to prevent future deaths.",
        ("health", "local_authority"),
        ("police", "education"),
        ("health", "identity_contact", "social_care", "genetic"),
        "health",
        ("Child death notification", "Child death review meeting papers"),
    ),
    Template(
        "Evaluation data sharing",
        "Evaluating whether a children's services programme works.",
        ("local_authority",),
        ("research",),
        (
            "social_care",
            "characteristics",
            "racial_ethnic_origin",
            "health",
            "service_outcomes",
            "religious_beliefs",
        ),
        "research",
        ("Pseudonymised case records for evaluation", "Evaluation survey results"),
        "Family Safeguarding evaluation",
        research=True,
    ),
    Template(
        "SEND education, health and care plans",
        "Assessing needs and writing EHC plans.",
        ("local_authority",),
        ("education", "health"),
        ("send", "health", "education", "identity_contact", "family_relationships"),
        "education",
        ("EHC needs assessment advice", "Annual review of EHC plan"),
    ),
    Template(
        "Prevent and Channel",
        "Supporting people at risk of being drawn into terrorism.",
        ("police", "local_authority"),
        ("education", "health"),
        ("religious_beliefs", "political_opinions", CRIMINAL, "identity_contact"),
        "prevent",
        ("Prevent referral", "Channel panel information"),
    ),
    Template(
        "Supporting Families data matching",
        "Finding families who need support and measuring outcomes.",
        ("local_authority",),
        ("government", "police", "health"),
        ("financial", "employment", CRIMINAL, "identity_contact", "household", "service_outcomes"),
        "children",
        ("Benefits data match", "Police callouts data match", "Outcomes claim"),
        "Supporting Families",
    ),
    Template(
        "Private law and care proceedings",
        "Advising the family court about children's welfare.",
        ("cafcass", "local_authority"),
        ("courts", "police"),
        ("social_care", "family_relationships", "health", CRIMINAL, "identity_contact"),
        "children",
        ("Safeguarding letter checks", "Section 7 report information"),
    ),
    Template(
        "Housing and homelessness",
        "Keeping children safe when families are homeless or at risk.",
        ("local_authority",),
        ("other", "voluntary"),
        ("housing", "household", "identity_contact", "financial"),
        "children",
        ("Homelessness referral", "Temporary accommodation notification"),
    ),
)

RETENTION = (
    "6 years after last contact",
    "Until the child's 25th birthday",
    "12 months",
    "Until the end of the evaluation, then destroyed",
    "25 years (child protection records)",
    "3 years after the end of the plan",
)
FREQUENCY = ("daily", "weekly", "monthly", "termly", "ad hoc", "real time")
METHOD = ("secure email", "API", "portal", "SFTP", "phone", "in meeting")
SIGNATORY_ROLES = (
    "Data Protection Officer",
    "Caldicott Guardian",
    "Headteacher",
    "Director of Children's Services",
    "Senior Information Risk Owner",
    "Chief Executive",
)


def _pick(rng: random.Random, weights: dict[str, float]) -> str:
    return rng.choices(list(weights), list(weights.values()))[0]


def _day(d: date) -> str:
    return d.isoformat()


def _kind_counts(n: int) -> list[tuple[str, int]]:
    """How many organisations of each kind: a few of each public service, mostly schools."""
    counts = {
        "local_authority": max(1, n // 60),
        "police": max(1, n // 150),
        "youth_justice": max(1, n // 200),
        "probation": max(1, n // 250),
        "cafcass": 1,
        "courts": max(1, n // 300),
        "government": max(1, n // 250),
        "research": max(1, n // 40),
        "health": round(n * 0.12),
        "voluntary": round(n * 0.12),
        "other": max(1, n // 100),
    }
    counts["education"] = n - sum(counts.values())
    return list(counts.items())


class _Generator:
    def __init__(self, size: Size, seed: int):
        self.size = size
        self.rng = random.Random(f"isa-registry-bench/{seed}")
        #: The second round's problems draw from their own stream (see the module docstring).
        self.later = random.Random(f"isa-registry-bench/{seed}/second-round")
        # The recipient's own basis draws from a generator of its own, so that adding it left every
        # other record as the same seed drew it before.
        self.recipient_rng = random.Random(f"isa-registry-bench/recipient/{seed}")
        self.by_kind: dict[str, list[dict[str, Any]]] = {}
        self.organisations: list[dict[str, Any]] = []
        self.by_key: dict[str, dict[str, Any]] = {}
        self.names: set[str] = set()

    def name(self, kind: Kind) -> str:
        rng = self.rng
        for _ in range(50):
            name = rng.choice(kind.names).format(rng.choice(PLACES))
            if name not in self.names:
                break
        else:
            name = f"{name} ({len(self.names)})"
        self.names.add(name)
        return name

    def organisation(self, kind: Kind, index: int) -> dict[str, Any]:
        rng = self.rng
        key = f"{kind.prefix}-{index:04d}"
        if kind.kind == "health" and index == 1:
            name = self.name(Kind("health", "nhs", ("{} Integrated Care Board",)))
        elif kind.kind == "health" and index % 10 == 2:
            name = self.name(Kind("health", "nhs", ("{} Clinical Commissioning Group",)))
        else:
            name = self.name(kind)
        public = kind.kind not in ("voluntary", "other", "research") and "Preparatory" not in name
        if kind.kind == "research":
            public = name.startswith("University")
        return {
            "key": key,
            "name": name,
            "kind": kind.kind,
            "public_authority": public,
            "ico_registration": f"Z{rng.randrange(10**6, 10**7)}" if rng.random() < 0.95 else None,
            "dpo_contact": f"dpo@{key}.example" if rng.random() < (0.95 if public else 0.6) else None,
            "appropriate_policy_document": (
                f"https://{key}.example/policies/appropriate-policy-document"
                if rng.random() < (0.85 if public else 0.5)
                else None
            ),
            "status": "active",
            "successor": None,
            "address": f"{rng.randrange(1, 200)} High Street, {name.split()[0]}",
            "telephone": f"01632 960{rng.randrange(1000):03d}",
            "email": f"info@{key}.example",
            "representative": None,
            "archived": False,
        }

    def build_organisations(self) -> None:
        for kind_name, count in _kind_counts(self.size.organisations):
            kind = KINDS[kind_name]
            rows = [self.organisation(kind, i + 1) for i in range(count)]
            self.by_kind[kind_name] = rows
            self.organisations.extend(rows)
        self.by_key = {o["key"]: o for o in self.organisations}
        rng = self.rng
        icb = self.by_kind["health"][0]["key"] if self.by_kind["health"] else None
        for org in self.organisations:
            if "Clinical Commissioning Group" in org["name"]:
                # CCGs were abolished on 1 July 2022; their ICB took them over.
                org["status"], org["successor"] = "dissolved", icb
            elif org["kind"] in ("education", "voluntary", "other") and rng.random() < 0.03:
                org["status"] = "dissolved"
                if org["kind"] == "education" and rng.random() < 0.6:
                    successor = rng.choice(self.by_kind["education"])
                    if successor is not org and successor["status"] == "active":
                        org["successor"] = successor["key"]

    def pick_org(self, kinds: tuple[str, ...]) -> dict[str, Any]:
        rng = self.rng
        pool = self.by_kind[rng.choice([k for k in kinds if self.by_kind.get(k)] or ["education"])]
        org = rng.choice(pool)
        if org["status"] == "dissolved" and rng.random() < 0.8:
            org = rng.choice(pool)
        return org

    def agreement(self, index: int) -> tuple[dict[str, Any], Template]:
        rng = self.rng
        template = rng.choice(TEMPLATES)
        status = _pick(rng, {"active": 74, "under_review": 8, "expired": 7, "draft": 6, "terminated": 5})
        start = TODAY - timedelta(days=rng.randrange(30, 2600))
        review: date | None = None
        end: date | None = None
        if status in ("active", "under_review"):
            when = rng.random()
            if when < 0.15:
                review = TODAY - timedelta(days=rng.randrange(1, 400))
            elif when < 0.23:
                review = TODAY + timedelta(days=rng.randrange(0, 90))
            elif when < 0.29:
                review = None
            else:
                review = TODAY + timedelta(days=rng.randrange(91, 1000))
            if rng.random() < 0.04:
                end = TODAY - timedelta(days=rng.randrange(1, 300))
                start = min(start, end - timedelta(days=365))
            elif rng.random() < 0.2:
                end = TODAY + timedelta(days=rng.randrange(30, 1500))
        elif status in ("expired", "terminated"):
            end = max(start + timedelta(days=30), TODAY - timedelta(days=rng.randrange(1, 700)))
            review = start + timedelta(days=365)
        else:
            start = TODAY + timedelta(days=rng.randrange(0, 120))
        members: list[dict[str, Any]] = []
        for kinds, count in (
            (template.hubs, rng.randint(1, len(template.hubs))),
            (template.spokes, rng.choice((1, 1, 2, 2, 3, 4, 6))),
        ):
            for _ in range(count):
                org = self.pick_org(kinds)
                if org not in members:
                    members.append(org)
        if len(members) < 2:
            members.append(
                self.pick_org(("local_authority",))
                if members[0]["kind"] != "local_authority"
                else self.pick_org(("police", "health"))
            )
        unsigned = status == "draft" or (status == "active" and rng.random() < 0.1)
        unsigned_at = rng.randrange(len(members)) if unsigned else -1
        parties = []
        for i, org in enumerate(members):
            signed = status != "draft" and i != unsigned_at
            parties.append(
                {
                    "organisation": org["key"],
                    "role": (
                        "processor"
                        if template.research and org["kind"] == "research" and rng.random() < 0.5
                        else "joint_controller"
                        if template.hubs[0] == "local_authority" and rng.random() < 0.1
                        else "controller"
                    ),
                    "signed_on": _day(start - timedelta(days=rng.randrange(0, 60))) if signed else None,
                    "contract_reference": None,
                    "signed_by": f"{rng.choice('ABCDEFGHJKLMNPRST')}. {rng.choice(SURNAMES)}"
                    if signed
                    else None,
                    "signatory_role": rng.choice(SIGNATORY_ROLES) if signed else None,
                }
            )
        key = f"BSP-ISA-{index:04d}"
        for p in parties:
            if p["role"] == "processor" and self.later.random() < 0.8:
                p["contract_reference"] = f"DPC-{key}-{p['organisation']}"
        return (
            {
                "key": key,
                "title": f"{template.title} ({members[0]['name']})",
                "purpose": template.purpose,
                "status": status,
                "version": f"{rng.randint(1, 4)}.{rng.randint(0, 5)}",
                "owner": members[0]["key"],
                "start_date": _day(start),
                "review_date": _day(review) if review else None,
                "end_date": _day(end) if end else None,
                "parties": parties,
                "data_categories": list(template.categories),
                "document_url": f"https://partnership.example/agreements/{key}.pdf",
                "dpia_reference": f"DPIA-{start.year}-{index:04d}" if rng.random() < 0.7 else None,
                "archived": status == "terminated" and rng.random() < 0.3,
            },
            template,
        )

    def lawful_basis(self, flow: dict[str, Any], source: dict[str, Any], template: Template | None) -> None:
        rng = self.rng
        special = [c for c in flow["data_categories"] if c in SPECIAL]
        criminal = CRIMINAL in flow["data_categories"]
        if source["kind"] in COMPETENT and (criminal or rng.random() < 0.2) and rng.random() < 0.35:
            flow["regime"] = "law_enforcement"
            flow["law_enforcement_basis"] = "task" if rng.random() < 0.97 else None
            if special:
                flow["schedule8"] = [rng.choice(("1", "2", "3"))] if rng.random() < 0.93 else []
            return
        if source["public_authority"]:
            a6 = _pick(rng, {"e": 62, "c": 30, "a": 2.5, "f": 2, "ea": 1.5, "none": 1})
        else:
            a6 = _pick(rng, {"f": 50, "a": 15, "e": 20, "b": 5, "c": 5, "ea": 3, "none": 2})
        flow["article6"] = None if a6 == "none" else a6
        if a6 == "ea":
            flow["recognised_interest"] = "6" if rng.random() < 0.8 else None
        if a6 in ("f", "ea"):
            flow["lia_reference"] = (
                f"LIA-{rng.randrange(2020, 2027)}-{rng.randrange(1000):03d}" if rng.random() < 0.7 else None
            )
        if a6 == "a":
            flow["consent_record"] = (
                "Signed consent form held on the case record" if rng.random() < 0.6 else None
            )
        if a6 in ("c", "e"):
            law = LAW_IN_FORCE[template.law if template else "children"]
            roll = rng.random()
            if roll < 0.07:
                flow["legislation"] = []
            else:
                flow["legislation"] = rng.sample(law, rng.randint(1, min(3, len(law))))
                if roll > 0.96:
                    flow["legislation"].append(rng.choice(LAW_REPEALED))
                elif roll > 0.95:
                    flow["legislation"].append(rng.choice(LAW_UNCATALOGUED))
        schedule1: list[str] = []
        if special:
            roll = rng.random()
            if roll < 0.03:
                flow["article9"] = None
            elif template and template.research:
                flow["article9"], schedule1 = "j", ["4"]
            elif source["kind"] == "health" and roll < 0.5:
                flow["article9"], schedule1 = "h", ["2"]
            elif roll < 0.08:
                flow["article9"], schedule1 = "b", ["1"]
            else:
                flow["article9"], schedule1 = "g", [rng.choice(("18", "18", "18", "6", "10"))]
            if flow["article9"] and rng.random() < 0.05:
                schedule1 = []
        if criminal:
            if (
                source["public_authority"]
                and source["kind"] in ("police", "local_authority")
                and rng.random() < 0.5
            ):
                flow["official_authority"] = True
            elif rng.random() < 0.93 and not schedule1:
                schedule1 = [rng.choice(("18", "10", "6"))]
        flow["schedule1"] = schedule1

    def recipient_basis(
        self, flow: dict[str, Any], agreement: dict[str, Any] | None, template: Template | None
    ) -> dict[str, Any] | None:
        """The recipient's own basis: recorded for most flows (never for a processor party of the
        agreement, which has none), a share of them short of what the law needs."""
        rng = self.recipient_rng
        roles = {p["organisation"]: p["role"] for p in agreement["parties"]} if agreement else {}
        if roles.get(flow["recipient"]) == "processor" or rng.random() < 0.15:
            return None
        recipient = self.by_key[flow["recipient"]]
        special = [c for c in flow["data_categories"] if c in SPECIAL]
        criminal = CRIMINAL in flow["data_categories"]
        basis: dict[str, Any] = {
            "regime": "uk_gdpr",
            "article6": None,
            "recognised_interest": None,
            "article9": None,
            "schedule1": [],
            "official_authority": False,
            "law_enforcement_basis": None,
            "schedule8": [],
            "legislation": [],
        }
        if recipient["kind"] in COMPETENT and criminal and rng.random() < 0.5:
            basis.update(regime="law_enforcement", law_enforcement_basis="task")
            basis["schedule8"] = ["1"] if special else []
        else:
            if recipient["public_authority"]:
                basis["article6"] = "e" if rng.random() < 0.7 else "c"
                basis["legislation"] = rng.sample(LAW_IN_FORCE[template.law if template else "children"], 1)
            else:
                basis["article6"] = "f" if rng.random() < 0.6 else "e"
            schedule1: list[str] = []
            if special:
                if recipient["kind"] == "health":
                    basis["article9"], schedule1 = "h", ["2"]
                elif template and template.research:
                    basis["article9"], schedule1 = "j", ["4"]
                else:
                    basis["article9"], schedule1 = "g", ["18"]
            if criminal and not schedule1:
                schedule1 = ["18"]
            basis["schedule1"] = schedule1
        # A share short of the law, each in one of the ways FLOW_RECIPIENT_BASIS_INVALID finds.
        if rng.random() < 0.05:
            defect = rng.choice(("no_basis", "legitimate_interests", "no_article9", "no_schedule1"))
            if defect == "no_basis":
                basis["article6"] = basis["law_enforcement_basis"] = None
            elif defect == "legitimate_interests" and recipient["public_authority"]:
                basis.update(regime="uk_gdpr", article6="f", law_enforcement_basis=None, schedule8=[])
            elif defect == "no_article9" and special and basis["regime"] == "uk_gdpr":
                basis["article9"] = None
            elif basis["article9"] or criminal:
                basis["schedule1"] = []
        return basis

    def flow(self, index: int, agreements: list[tuple[dict[str, Any], Template]]) -> dict[str, Any]:
        rng = self.rng
        template: Template | None
        if rng.random() < 0.92:
            agreement, template = rng.choice(agreements)
            chosen: dict[str, Any] | None = agreement
            members = [p["organisation"] for p in agreement["parties"]]
            source_key, recipient_key = rng.sample(members, 2)
            if rng.random() < 0.03:
                recipient_key = rng.choice(self.organisations)["key"]
            categories = rng.sample(
                agreement["data_categories"], rng.randint(1, min(5, len(agreement["data_categories"])))
            )
            if rng.random() < 0.06:
                categories.append(rng.choice(("location", "financial", "health", "sexual_orientation")))
            agreement_key: str | None = agreement["key"]
        else:
            template = rng.choice(TEMPLATES)
            source_key = self.pick_org(template.hubs)["key"]
            recipient_key = self.pick_org(template.spokes)["key"]
            categories = rng.sample(template.categories, rng.randint(1, 3))
            agreement_key = None
            chosen = None
        if recipient_key == source_key:
            recipient_key = next(o["key"] for o in self.organisations if o["key"] != source_key)
        source = self.by_key[source_key]
        recipient_name = self.by_key[recipient_key]["name"]
        categories = list(dict.fromkeys(categories))
        research = bool(template and template.research)
        status = _pick(rng, {"active": 84, "planned": 5, "ceased": 11})
        start = TODAY - timedelta(days=rng.randrange(0, 2000))
        end: date | None = None
        if status == "ceased":
            end = min(TODAY - timedelta(days=1), start + timedelta(days=rng.randrange(30, 1500)))
            start = min(start, end)
        elif status == "planned":
            start = TODAY + timedelta(days=rng.randrange(1, 180))
        elif rng.random() < 0.01:
            end = TODAY - timedelta(days=rng.randrange(1, 100))
            start = min(start, end)
        flow_name = rng.choice(template.flow_names) if template else "Ad hoc disclosure"
        flow: dict[str, Any] = {
            "key": f"BSP-FLOW-{index:05d}",
            "name": f"{flow_name}: {source['name']} to {recipient_name}",
            "source": source_key,
            "recipient": recipient_key,
            "purpose": template.purpose if template else "",
            "programme": template.programme
            if template and template.programme and rng.random() < 0.6
            else None,
            "agreement": agreement_key,
            "status": status,
            "start_date": _day(start),
            "end_date": _day(end) if end else None,
            "identifiability": (
                _pick(rng, {"pseudonymised": 80, "anonymised": 15, "identifiable": 5})
                if research
                else _pick(rng, {"identifiable": 90, "pseudonymised": 4, "anonymised": 6})
            ),
            "regime": "uk_gdpr",
            "data_subjects": rng.sample(
                ("children", "parents_carers", "household_members", "professionals"), rng.randint(1, 3)
            ),
            "data_categories": categories,
            "article6": None,
            "recognised_interest": None,
            "article9": None,
            "schedule1": [],
            "official_authority": False,
            "law_enforcement_basis": None,
            "schedule8": [],
            "legislation": [],
            "retention": rng.choice(RETENTION) if rng.random() < 0.94 else None,
            "international_transfer": None,
            "frequency": rng.choice(FREQUENCY),
            "method": rng.choice(METHOD),
            "security_measures": "Encrypted in transit (TLS 1.2 or later) and at rest; role-based access"
            if rng.random() < 0.9
            else None,
            "storage_location": rng.choice(("UK data centre", "Microsoft Azure UK South", "On premises")),
            "automated_decision_making": False if rng.random() < 0.8 else None,
            "lia_reference": None,
            "consent_record": None,
            "archived": rng.random() < 0.005,
        }
        if (research and rng.random() < 0.1) or rng.random() < 0.005:
            flow["international_transfer"] = {
                "country": "US",
                "safeguard": _pick(rng, {"adequacy": 40, "idta": 30, "none": 30}),
            }
            if flow["international_transfer"]["safeguard"] == "none":
                flow["international_transfer"]["safeguard"] = None
        self.lawful_basis(flow, source, template)
        self.second_round(flow, source)
        flow["recipient_basis"] = self.recipient_basis(flow, chosen, template)
        return flow

    def second_round(self, flow: dict[str, Any], source: dict[str, Any]) -> None:
        """The second round's problems, from :attr:`later`, on a flow drawn already."""
        later = self.later
        transfer = flow["international_transfer"]
        if transfer is None and later.random() < 0.02:
            transfer = flow["international_transfer"] = {"country": "US", "safeguard": "adequacy"}
        if transfer is not None:
            roll = later.random()
            if roll < 0.25:
                transfer["country"] = later.choice(("India", "Australia", "Brazil"))
            elif roll < 0.5:
                transfer["country"] = later.choice(("Ireland", "Germany", "Canada", "Switzerland"))
            if later.random() < 0.25:
                transfer["safeguard"] = "derogation"
                flow["frequency"] = later.choice(("daily", "monthly", "one-off", "ad hoc"))
        if (
            flow["article9"] in ("g", "b")
            and source["kind"] in ("police", "education")
            and later.random() < 0.1
        ):
            flow["article9"], flow["schedule1"] = "h", ["2"]
        if (
            flow["article6"] in ("c", "e")
            and source["kind"] in ("education", "voluntary")
            and later.random() < 0.05
        ):
            flow["legislation"] = ["ukpga/2004/31/section/11"]

    def document(self) -> dict[str, Any]:
        self.build_organisations()
        agreements = [self.agreement(i + 1) for i in range(self.size.agreements)]
        flows = [self.flow(i + 1, agreements) for i in range(self.size.flows)]
        return {
            "format": FORMAT,
            "exported_at": EXPORTED_AT,
            "organisations": self.organisations,
            "agreements": [a for a, _ in agreements],
            "flows": flows,
        }


def generate(size: str | Size = "S", seed: int = 1) -> dict[str, Any]:
    """An ``isa-registry/1`` document of ``size`` (``S``, ``M``, ``L`` or a :class:`Size`)."""
    return _Generator(SIZES[size] if isinstance(size, str) else size, seed).document()


def write(doc: dict[str, Any], path: Path | str) -> None:
    """Write ``doc`` as compact JSON (the exchange format's reader takes any JSON layout)."""
    Path(path).write_text(json.dumps(doc, ensure_ascii=False, separators=(",", ":")), encoding="utf-8")


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m bench.generate", description=__doc__.split("\n")[0])
    parser.add_argument("--size", choices=sorted(SIZES), default="S")
    parser.add_argument("--seed", type=int, default=1)
    parser.add_argument("out", help="the JSON file to write ('-' for standard output)")
    args = parser.parse_args(argv)
    doc = generate(args.size, args.seed)
    if args.out == "-":
        json.dump(doc, sys.stdout, ensure_ascii=False)
    else:
        write(doc, args.out)
    return 0


if __name__ == "__main__":
    sys.exit(main())
