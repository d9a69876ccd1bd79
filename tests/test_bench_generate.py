"""The benchmark's synthetic partnership: deterministic, valid, the stated sizes, the problems the
rules look for; and the bulk loader that is the import's floor stores exactly what an import would."""

from __future__ import annotations

import json
from collections import Counter

import pytest

from bench.generate import SIZES, TODAY, generate, main
from bench.http import parse_wrk
from bench.measure import Measured
from bench.rows import load_document_rows
from isa_registry.core.exchange import parse_document, to_document
from isa_registry.core.law import CATEGORIES
from isa_registry.core.rules import run_rules
from isa_registry.store.db import db
from isa_registry.store.queries import load_registry


@pytest.fixture(scope="module")
def small() -> dict:
    return generate("S", 1)


def test_the_same_seed_gives_the_same_document_and_another_seed_another() -> None:
    first = json.dumps(generate("S", 7))
    assert json.dumps(generate("S", 7)) == first
    assert json.dumps(generate("S", 8)) != first


@pytest.mark.parametrize("size", sorted(SIZES))
def test_each_size_has_the_stated_number_of_records(size: str) -> None:
    doc = generate(size)
    counts = (len(doc["organisations"]), len(doc["agreements"]), len(doc["flows"]))
    assert counts == (SIZES[size].organisations, SIZES[size].agreements, SIZES[size].flows)


@pytest.mark.parametrize(("size", "seed"), [("S", 1), ("S", 2), ("S", 3), ("M", 1)])
def test_the_exchange_format_accepts_the_document(size: str, seed: int) -> None:
    registry = parse_document(generate(size, seed))
    assert len(registry.flows) == SIZES[size].flows


def test_the_partnership_is_mostly_schools_with_every_kind_of_partner(small: dict) -> None:
    kinds = Counter(o["kind"] for o in small["organisations"])
    assert kinds.most_common(1)[0][0] == "education"
    assert kinds["education"] > len(small["organisations"]) / 2
    assert set(kinds) >= {"local_authority", "police", "health", "voluntary", "research"}
    assert any(o["status"] == "dissolved" and o["successor"] for o in small["organisations"])


def test_flows_carry_every_kind_of_data_and_mostly_rest_on_public_task_or_legal_obligation() -> None:
    flows = generate("M")["flows"]
    kinds = {CATEGORIES[c].kind for f in flows for c in f["data_categories"]}
    assert kinds == {"ordinary", "special", "criminal"}
    bases = Counter(f["article6"] for f in flows if f["regime"] == "uk_gdpr")
    assert (bases["e"] + bases["c"]) / sum(bases.values()) > 0.75
    assert bases["f"] and bases["a"] and bases["ea"]
    assert any(f["regime"] == "law_enforcement" for f in flows)


def test_the_rules_find_the_problems_the_generator_plants(small: dict) -> None:
    codes = {f.code for f in run_rules(parse_document(small), TODAY)}
    assert codes >= {
        "FLOW_NO_AGREEMENT",
        "FLOW_AGREEMENT_NOT_IN_FORCE",
        "AGREEMENT_EXPIRED",
        "AGREEMENT_UNSIGNED",
        "AGREEMENT_REVIEW_OVERDUE",
        "FLOW_ORGANISATION_DISSOLVED",
        "ORGANISATION_DISSOLVED_IN_AGREEMENT",
        "FLOW_PUBLIC_AUTHORITY_LEGITIMATE_INTERESTS",
        "FLOW_PUBLIC_AUTHORITY_CONSENT",
        "FLOW_SCHEDULE1_MISSING",
        "FLOW_SPECIAL_NO_CONDITION",
        "FLOW_NO_LEGISLATION",
        "FLOW_LEGISLATION_REPEALED",
        "FLOW_NO_RETENTION",
        "FLOW_TRANSFER_NO_SAFEGUARD",
        "FLOW_RECIPIENT_BASIS_MISSING",
        "FLOW_RECIPIENT_BASIS_INVALID",
    }


def test_the_rules_find_the_second_rounds_problems_the_generator_plants(small: dict) -> None:
    codes = {f.code for f in run_rules(parse_document(small), TODAY)}
    assert codes >= {
        "FLOW_HEALTH_CONDITION_NOT_PROFESSIONAL",
        "FLOW_TRANSFER_NOT_ADEQUATE",
        "FLOW_TRANSFER_ADEQUACY_PARTIAL",
        "FLOW_TRANSFER_DEROGATION_REPEATED",
        "AGREEMENT_DPIA_MISSING",
        "AGREEMENT_PROCESSOR_NO_CONTRACT",
        "FLOW_GATEWAY_NOT_FOR_SOURCE",
    }


def test_most_flows_record_the_recipients_own_basis(small: dict) -> None:
    recorded = [f for f in small["flows"] if f["recipient_basis"] is not None]
    assert 0.7 * len(small["flows"]) < len(recorded) < len(small["flows"])


def test_the_command_writes_the_document(tmp_path) -> None:
    out = tmp_path / "m.json"
    assert main(["--size", "S", "--seed", "2", str(out)]) == 0
    assert json.loads(out.read_text()) == generate("S", 2)


def test_bulk_rows_load_the_registry_an_import_would(app, small: dict) -> None:
    with app.app_context():
        with db.engine.begin() as conn:
            load_document_rows(conn, small)
        loaded = to_document(load_registry(db.session, include_archived=True))
    expected = to_document(parse_document(small))
    loaded.pop("exported_at"), expected.pop("exported_at")
    assert loaded == expected


def test_wrk_output_is_read_in_seconds_with_every_kind_of_error() -> None:
    output = """Running 10s test @ http://127.0.0.1:8000/healthz
  2 threads and 8 connections
  Latency Distribution
     50%  812.00us
     75%    1.20ms
     90%    2.01ms
     99%    1.50s
  5230 requests in 10.01s, 1.02MB read
  Socket errors: connect 0, read 1, write 0, timeout 2
  Non-2xx or 3xx responses: 4
Requests/sec:    522.48
"""
    result = parse_wrk(output)
    assert (result.requests, result.errors) == (5230, 7)
    assert result.p50 == pytest.approx(0.000812) and result.p99 == pytest.approx(1.5)
    assert result.requests_per_second == pytest.approx(522.48)


def test_the_longest_silence_counts_the_start_and_the_end() -> None:
    run = Measured(0, 10.0, 0, "", [(1.0, "a"), (2.0, "b"), (6.5, "c")])
    assert run.longest_silence == pytest.approx(4.5)
