"""The incremental re-check gives, after any single edit, exactly the findings of a full run.

What each rule reads is declared once, next to the rule (``@depends`` in ``core/rules``);
``rules.rerun`` works out again only the findings that can depend on the changed records. These
tests make a few hundred random single edits of every kind to the benchmark's S registry (seeded):
each field of each record type as ``core/records.py`` declares them, archive and restore, a new
record, a party's signature, an agreement's status; after each, the incremental findings must equal
``run_rules`` finding for finding. A dependency left out of a declaration makes them fail.
"""

from __future__ import annotations

import dataclasses
import random
from collections.abc import Callable
from datetime import date, timedelta
from typing import Any

import pytest

from bench.generate import TODAY, generate
from isa_registry.core import records
from isa_registry.core.decisions import Decision, review, review_again
from isa_registry.core.domain import Basis, Party, Registry, Transfer
from isa_registry.core.exchange import parse_document
from isa_registry.core.law import CATEGORIES
from isa_registry.core.rules import CODES, RULES, rerun, run_rules
from isa_registry.core.rules._common import DEPENDS, READABLE
from isa_registry.core.scope import flow_in_scope

#: The chains of random edits: how many edits, the seed, and the date checked (one before recognised
#: legitimate interests came into force, for the rule that looks at that).
CHAINS = [(300, 20, TODAY), (100, 21, date(2026, 1, 15))]

DECLARED = {"organisation": records.ORGANISATION, "agreement": records.AGREEMENT, "flow": records.FLOW}
TABLES = {"organisation": "organisations", "agreement": "agreements", "flow": "flows"}
#: Items a list field is given now and then: conditions that are and are not, gateways known and not.
ODD_ITEMS = ["2", "5", "10", "18", "para 18", "4", "99", "ukpga/1998/29/section/35", "ukpga/9999/1"]


@pytest.fixture(scope="module")
def s_registry() -> Registry:
    """The benchmark's S registry, with two flows for the codes it never gives."""
    registry = parse_document(generate("S"))
    model = next(
        f
        for f in sorted(registry.flows.values(), key=lambda f: f.key)
        if flow_in_scope(f, TODAY)
        and f.regime == "uk_gdpr"
        and registry.organisations[f.source].public_authority
    )
    planted = [
        dataclasses.replace(model, key="PLANTED-1", article9="a", data_categories=["health"]),
        dataclasses.replace(model, key="PLANTED-2", article6="ea", recognised_interest="para 99"),
    ]
    return dataclasses.replace(registry, flows={**registry.flows, **{f.key: f for f in planted}})


def _records(registry: Registry, subject_type: str) -> dict[str, Any]:
    found: dict[str, Any] = getattr(registry, TABLES[subject_type])
    return found


class Editor:
    """Random single edits to a registry: a new registry and the (type, key) changed."""

    def __init__(self, rng: random.Random):
        self.rng = rng

    def some_date(self) -> date | None:
        if self.rng.random() < 0.15:
            return None
        return TODAY + timedelta(days=self.rng.randint(-500, 500))

    def like_another(self, registry: Registry, subject_type: str, name: str) -> Any:
        """The value ``name`` has in another record of the type: realistic values, faults included."""
        others = list(_records(registry, subject_type).values())
        return getattr(self.rng.choice(others), name)

    def value(self, registry: Registry, subject_type: str, f: records.Field, current: Any) -> Any:
        rng = self.rng
        if f.kind == records.BOOL:
            return (not current) if current is not None else rng.choice([True, False])
        if f.kind == records.DATE:
            return self.some_date()
        if f.kind == records.CHOICE:
            options: list[Any] = list(f.choices) + ([None] if f.nullable else [])
            return rng.choice(options)
        if f.kind == records.CHOICES:
            if rng.random() < 0.5:
                return list(self.like_another(registry, subject_type, f.name))
            return rng.sample(sorted(CATEGORIES), rng.randint(0, 4))
        if f.kind == records.REFERENCE:
            keys = sorted(_records(registry, f.refers_to or ""))
            if f.nullable and rng.random() < 0.2:
                return None
            return rng.choice(keys)
        if f.kind in (records.TEXT, records.LONG_TEXT):
            roll = rng.random()
            if roll < 0.3 and f.nullable:
                return None
            if roll < 0.4:
                return "  "
            if roll < 0.7:
                return self.like_another(registry, subject_type, f.name)
            return f"edited {rng.randint(1, 10**6)}"
        if f.kind == records.LIST:
            roll = rng.random()
            if roll < 0.25:
                return []
            if roll < 0.6:
                return list(self.like_another(registry, subject_type, f.name))
            return rng.sample(ODD_ITEMS, rng.randint(1, 3))
        if f.kind == records.RECORD:
            if f.name == "international_transfer":
                if rng.random() < 0.3:
                    return None
                country = rng.choice(["US", "United States", "France", "India", "Canada", "UK", "Narnia"])
                return Transfer(country, rng.choice([None, "adequacy", "idta", "derogation", "bcr"]))
            if rng.random() < 0.25:
                return None
            basis = self.like_another(registry, "flow", "recipient_basis") or Basis()
            sub = rng.choice([s for s in f.fields])
            return dataclasses.replace(basis, **{sub.name: self.value(registry, "flow", sub, None)})
        if f.kind == records.RECORDS:
            return self.parties(registry, current)
        raise AssertionError(f"no edit for field kind {f.kind}")

    def parties(self, registry: Registry, parties: list[Party]) -> list[Party]:
        rng = self.rng
        parties = list(parties)
        roll = rng.random()
        if roll < 0.3 or not parties:
            organisation = rng.choice(sorted(registry.organisations))
            parties.append(Party(organisation, rng.choice(["controller", "processor"]), self.some_date()))
        elif roll < 0.5:
            parties.pop(rng.randrange(len(parties)))
        else:
            i = rng.randrange(len(parties))
            name = rng.choice(["role", "signed_on", "contract_reference", "organisation"])
            f = records.by_name(records.PARTY)[name]
            parties[i] = dataclasses.replace(
                parties[i], **{name: self.value(registry, "organisation", f, getattr(parties[i], name))}
            )
        return parties

    def edit(self, registry: Registry, kind: str, subject_type: str) -> tuple[Registry, tuple[str, str]]:
        rng = self.rng
        table = dict(_records(registry, subject_type))
        key = rng.choice(sorted(table))
        record = table[key]
        if kind == "archive or restore":
            new = dataclasses.replace(record, archived=not record.archived)
        elif kind == "create":
            key = f"NEW-{rng.randint(1, 10**9)}"
            new = dataclasses.replace(record, key=key)
        elif kind == "sign":
            if not record.parties:
                return self.edit(registry, kind, subject_type)
            i = rng.randrange(len(record.parties))
            parties = list(record.parties)
            signed = None if parties[i].signed_on else self.some_date() or TODAY
            parties[i] = dataclasses.replace(parties[i], signed_on=signed)
            new = dataclasses.replace(record, parties=parties)
        elif kind == "agreement status":
            new = dataclasses.replace(
                record, status=rng.choice([s for s in records.by_name(records.AGREEMENT)["status"].choices])
            )
        else:
            f = records.by_name(DECLARED[subject_type])[kind]
            new = dataclasses.replace(
                record, **{f.name: self.value(registry, subject_type, f, getattr(record, f.name))}
            )
        table[key] = new
        edited = dataclasses.replace(registry, **{TABLES[subject_type]: table})
        return edited, (subject_type, key)


def _kinds() -> list[tuple[str, str]]:
    """Every kind of edit: each field of each record type (the key never changes), and the others."""
    kinds = [
        (subject_type, f.name)
        for subject_type, fields in DECLARED.items()
        for f in fields
        if f.kind != records.KEY and f.name != "archived"
    ]
    kinds += [(t, "archive or restore") for t in DECLARED] + [(t, "create") for t in DECLARED]
    return [*kinds, ("agreement", "sign"), ("agreement", "agreement status")]


def _random_edits(
    registry: Registry, edits: int, seed: int, check: Callable[[Registry, Registry, tuple[str, str]], None]
) -> set[tuple[str, str]]:
    rng = random.Random(seed)
    editor = Editor(rng)
    kinds = _kinds()
    done = set()
    for n in range(edits):
        subject_type, kind = kinds[n % len(kinds)] if n < 2 * len(kinds) else rng.choice(kinds)
        after, changed = editor.edit(registry, kind, subject_type)
        check(registry, after, changed)
        done.add((subject_type, kind))
        registry = after
    return done


def test_every_rule_declares_what_it_reads() -> None:
    assert {rule.__name__.upper() for rule in RULES} == set(DEPENDS) == set(CODES)
    for code, depends in DEPENDS.items():
        assert depends.subject == code.split("_")[0].lower()
        assert depends.reads <= READABLE[depends.subject]


@pytest.mark.parametrize(("edits", "seed", "as_of"), CHAINS)
def test_random_single_edits_recheck_to_exactly_the_full_runs_findings(
    s_registry: Registry, edits: int, seed: int, as_of: date
) -> None:
    state: dict[str, Any] = {"findings": run_rules(s_registry, as_of), "registry": s_registry}
    mismatches: list[str] = []

    def check(before: Registry, after: Registry, changed: tuple[str, str]) -> None:
        incremental = rerun(after, state["findings"], {changed}, as_of, before)
        full = run_rules(after, as_of)
        if incremental != full and len(mismatches) < 5:
            missing = [f"{f.code} {f.subject_key}" for f in full if f not in incremental][:3]
            extra = [f"{f.code} {f.subject_key}" for f in incremental if f not in full][:3]
            mismatches.append(f"after editing {changed}: missing {missing}, not expected {extra}")
        state["findings"], state["registry"] = full, after

    done = _random_edits(s_registry, edits, seed, check)
    assert not mismatches, "\n".join(mismatches)
    assert done == set(_kinds())
    final = state["registry"]
    everything = {(t, key) for t in DECLARED for key in _records(final, t)}
    assert rerun(final, state["findings"], everything, as_of, final) == state["findings"]


def test_an_edit_works_out_again_only_what_depends_on_it(s_registry: Registry) -> None:
    findings = run_rules(s_registry, TODAY)
    flow = next(
        f
        for f in s_registry.flows.values()
        if not f.archived and flow_in_scope(f, TODAY) and (f.retention or "").strip()
    )
    edited = dataclasses.replace(
        s_registry, flows={**s_registry.flows, flow.key: dataclasses.replace(flow, retention=None)}
    )
    again = rerun(edited, findings, {("flow", flow.key)}, TODAY, s_registry)
    assert again == run_rules(edited, TODAY)
    assert any(f.code == "FLOW_NO_RETENTION" and f.subject_key == flow.key for f in again)
    untouched = [
        f
        for f in findings
        if f.subject_type == "organisation" or f.subject_key not in (flow.key, flow.agreement)
    ]
    assert all(any(g is f for g in again) for f in untouched[:200])


def test_decisions_are_reviewed_again_only_for_the_records_decided_on(s_registry: Registry) -> None:
    findings = run_rules(s_registry, TODAY)
    first = findings[0]
    decision = Decision(
        first.subject_type,
        first.subject_key,
        first.code,
        "not_applicable",
        "Checked.",
        "dpo@example.org",
        TODAY,
        None,
        first.message,
    )
    before = review(findings, [], TODAY)
    after = review_again(before, findings, [decision], TODAY, (), {decision.finding_id[:2]})
    assert after == review(findings, [decision], TODAY)
    assert after[0].state == "decided"
    others = [(a, b) for a, b in zip(after, before, strict=True) if a.id[:2] != decision.finding_id[:2]]
    assert others and all(a is b for a, b in others)


@pytest.mark.parametrize("as_of", [TODAY, date(2026, 1, 15)])
def test_every_finding_worked_out_from_what_its_rule_declares_is_the_same(
    s_registry: Registry, as_of: date
) -> None:
    """Each rule run on its subjects and nothing but what it declares it reads (every record
    touched at once) gives the findings of a full run: a rule that reads more than it says gets
    names, agreements or flows wrong."""
    findings = run_rules(s_registry, as_of)
    everything = {(t, key) for t in DECLARED for key in _records(s_registry, t)}
    assert rerun(s_registry, findings, everything, as_of, s_registry) == findings
