"""The indexes behind the fast paths of the rules and the ROPA give what the plain definitions give,
and the long ROPA export reports its progress on standard error only."""

from __future__ import annotations

import io
import json
import zipfile
from pathlib import Path

import pytest

from bench.generate import TODAY, generate
from isa_registry.core import ropa
from isa_registry.core.domain import Registry
from isa_registry.core.exchange import parse_document
from isa_registry.core.rules import RULES, _common, run_rules, sort_key
from isa_registry.core.rules._common import flows_in_scope, in_scope
from tests.test_exchange import small_document


@pytest.fixture(scope="module")
def partnership() -> Registry:
    return parse_document(generate("S", 1))


def test_run_rules_gives_what_each_rule_gives_on_its_own(partnership: Registry) -> None:
    live = Registry(
        organisations={k: o for k, o in partnership.organisations.items() if not o.archived},
        agreements={k: a for k, a in partnership.agreements.items() if not a.archived},
        flows={k: f for k, f in partnership.flows.items() if not f.archived},
    )
    # Outside run_rules nothing is memoised: each rule works from the registry as it is.
    expected = sorted((f for rule in RULES for f in rule(live, TODAY)), key=sort_key)
    findings = run_rules(partnership, TODAY)
    assert findings
    assert findings == expected
    assert _common._MEMO.get() is None


def test_the_scope_is_not_kept_after_a_run(partnership: Registry) -> None:
    run_rules(partnership, TODAY)
    flows = dict(partnership.flows)
    key = next(k for k, f in flows.items() if in_scope(f, TODAY))
    del partnership.flows[key]
    try:
        assert key not in {f.key for f in flows_in_scope(partnership, TODAY)}
    finally:
        partnership.flows.clear()
        partnership.flows.update(flows)


def test_the_memo_is_dropped_when_a_rule_fails(partnership: Registry) -> None:
    def broken(registry: Registry, as_of):
        list(flows_in_scope(registry, as_of))
        raise RuntimeError("broken rule")

    with pytest.raises(RuntimeError):
        run_rules(partnership, TODAY, rules=(broken,))
    assert _common._MEMO.get() is None


def test_the_partnership_record_holds_each_controllers_own_record(partnership: Registry) -> None:
    whole = ropa.build_ropa(partnership, TODAY)
    assert [r.organisation.key for r in whole.records] == ropa.controller_keys(partnership, TODAY)
    assert len(whole.records) > 10
    for record in whole.records:
        alone = ropa.build_ropa(partnership, TODAY, record.organisation.key).records[0]
        assert record == alone


def _parts(stream: io.BytesIO) -> dict[str, bytes]:
    """The workbook's parts, less the one that holds the time it was written."""
    with zipfile.ZipFile(stream) as archive:
        return {n: archive.read(n) for n in archive.namelist() if n != "docProps/core.xml"}


def test_building_and_writing_report_progress(partnership: Registry) -> None:
    lines: list[str] = []
    record = ropa.build_ropa(partnership, TODAY, progress=lines.append)
    assert lines == [f"Building the record for {len(record.records)} controllers..."]
    lines.clear()
    quiet, told = io.BytesIO(), io.BytesIO()
    ropa.write_xlsx(record, quiet)
    ropa.write_xlsx(record, told, progress=lines.append)
    assert lines[0] == f"Writing sheet 1/{len(record.records)}..."
    assert lines[-1].startswith(f"Writing sheet {len(record.records)}/{len(record.records)}")
    assert _parts(told) == _parts(quiet)


def test_export_ropa_to_standard_output_keeps_progress_on_standard_error(runner, tmp_path: Path) -> None:
    path = tmp_path / "registry.json"
    path.write_text(json.dumps(small_document()))
    assert runner.invoke(args=["import-registry", str(path)]).exit_code == 0
    result = runner.invoke(args=["export-ropa", "-", "--as-of", "2026-11-23"])
    assert result.exit_code == 0, result.output
    assert result.stdout.lstrip("\ufeff").startswith("Controller,Business function,")
    assert "Building the record for" in result.stderr
    assert "Building the record" not in result.stdout
    out = tmp_path / "ropa.xlsx"
    result = runner.invoke(args=["export-ropa", str(out), "--as-of", "2026-11-23"])
    assert result.exit_code == 0, result.output
    assert "Writing sheet 1/" in result.stderr
    assert result.stdout == ""


def test_the_garbage_collector_is_left_as_it_was(partnership: Registry) -> None:
    import gc

    assert gc.isenabled()
    ropa.write_xlsx(ropa.build_ropa(partnership, TODAY), io.BytesIO())
    assert gc.isenabled()
    gc.disable()
    try:
        ropa.write_xlsx(ropa.build_ropa(partnership, TODAY), io.BytesIO())
        assert not gc.isenabled()
    finally:
        gc.enable()


def _cases() -> list[tuple[Registry, object]]:
    from tests.builders import AS_OF, clean_registry
    from tests.test_finding_identity import ADVERSARIAL
    from tests.test_rules import TYPICAL, TYPICAL_AS_OF

    cases: list[tuple[Registry, object]] = [(parse_document(generate("S", 1)), TODAY)]
    cases += [(make(), AS_OF) for make in ADVERSARIAL.values()]
    cases += [(clean_registry(**TYPICAL[code]), TYPICAL_AS_OF.get(code, AS_OF)) for code in sorted(TYPICAL)]
    return cases


def test_the_flows_a_rule_skips_are_ones_it_could_not_find_anything_about(monkeypatch) -> None:
    """A rule that reads only the in-scope flows having some part (``flows_having``: special
    category data, an Art 9 condition, Schedule 1 paragraphs, a named gateway) finds what it finds
    when it reads every in-scope flow: on the benchmark's S registry, the adversarial registries
    and every code's typical case."""
    cases = _cases()
    fast = [run_rules(registry, as_of) for registry, as_of in cases]
    for part in list(_common._HAVING):
        monkeypatch.setitem(_common._HAVING, part, lambda flow: True)
    everything = [run_rules(registry, as_of) for registry, as_of in cases]
    assert sum(map(len, fast)) > 500
    assert fast == everything


def test_flows_having_leaves_out_flows_without_the_part(partnership: Registry) -> None:
    having = list(_common.flows_having(partnership, TODAY, "schedule1", "uk_gdpr"))
    scope = [f for f in flows_in_scope(partnership, TODAY) if f.regime == "uk_gdpr"]
    assert having == [f for f in scope if f.schedule1] and len(having) < len(scope)
