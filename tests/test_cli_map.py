"""The ``render-map`` command."""

from __future__ import annotations

import json
import shutil
from pathlib import Path

import pytest
from flask import Flask
from flask.testing import FlaskCliRunner

from tests.builders import agreement, days, flow, organisation, registry
from tests.conftest import store

needs_dot = pytest.mark.skipif(shutil.which("dot") is None, reason="Graphviz dot is not installed")


@pytest.fixture()
def stored(app: Flask) -> Flask:
    reg = registry(
        agreements=[agreement("ISA-1", parties=("wmp", "dudley"))],
        flows=[
            flow("F1", "wmp", "dudley", "ISA-1"),
            flow("F2", "dudley", "bcicb", None, data_categories=["health"], programme="Early help"),
            flow("F3", "dudley", "family-action", "ISA-1", status="ceased", end_date=days(-10)),
        ],
    )
    store(app, reg)
    return app


@needs_dot
@pytest.mark.parametrize(("ext", "start"), [("svg", b"<?xml"), ("png", b"\x89PNG"), ("pdf", b"%PDF")])
def test_render_map_draws_the_format_its_extension_names(
    stored: Flask, runner: FlaskCliRunner, tmp_path: Path, ext: str, start: bytes
) -> None:
    out = tmp_path / f"map.{ext}"
    result = runner.invoke(args=["render-map", str(out)])
    assert result.exit_code == 0, result.output
    assert out.read_bytes().startswith(start)
    assert "Wrote" in result.output


def test_render_map_writes_dot_source(stored: Flask, runner: FlaskCliRunner, tmp_path: Path) -> None:
    out = tmp_path / "MAP.DOT"
    result = runner.invoke(args=["render-map", str(out), "--organisation", "wmp"])
    assert result.exit_code == 0, result.output
    source = out.read_text()
    assert source.startswith("digraph map {") and '"wmp" -> "dudley"' in source
    assert '"dudley" -> "bcicb"' not in source


def test_render_map_json_is_node_link_data_with_the_analyses(
    stored: Flask, runner: FlaskCliRunner, tmp_path: Path
) -> None:
    out = tmp_path / "map.json"
    result = runner.invoke(args=["render-map", str(out), "--category", "special", "--flagged-only"])
    assert result.exit_code == 0, result.output
    document = json.loads(out.read_text())
    assert [e["key"] for e in document["graph"]["edges"]] == ["F2"]
    assert document["filters"]["flagged_only"] is True and document["filters"]["category"] == "special"
    assert document["analyses"]["sensitive_recipients"][0]["recipient"] == "bcicb"
    assert document["revision"] > 0


def test_render_map_draws_the_as_of_date(stored: Flask, runner: FlaskCliRunner, tmp_path: Path) -> None:
    out = tmp_path / "map.json"
    runner.invoke(args=["render-map", str(out)])
    assert {e["key"] for e in json.loads(out.read_text())["graph"]["edges"]} == {"F1", "F2"}
    result = runner.invoke(args=["render-map", str(out), "--as-of", days(-20).isoformat()])
    assert result.exit_code == 0, result.output
    document = json.loads(out.read_text())
    assert {e["key"] for e in document["graph"]["edges"]} == {"F1", "F2", "F3"}
    assert document["as_of"] == days(-20).isoformat()


def test_render_map_filters_by_programme_agreement_and_depth(
    stored: Flask, runner: FlaskCliRunner, tmp_path: Path
) -> None:
    out = tmp_path / "map.json"

    def keys(*options: str) -> set[str]:
        result = runner.invoke(args=["render-map", str(out), *options])
        assert result.exit_code == 0, result.output
        return {e["key"] for e in json.loads(out.read_text())["graph"]["edges"]}

    assert keys("--programme", "Early help") == {"F2"}
    assert keys("--agreement", "ISA-1") == {"F1"}
    assert keys("--organisation", "wmp", "--depth", "2") == {"F1", "F2"}


def test_render_map_json_never_holds_clusters(app: Flask, runner: FlaskCliRunner, tmp_path: Path) -> None:
    orgs = [organisation("dudley")] + [organisation(f"s{i}", kind="education") for i in range(30)]
    store(app, registry(orgs, [], [flow(f"S{i}", f"s{i}", "dudley", None) for i in range(30)]), "t")
    out = tmp_path / "map.json"
    assert runner.invoke(args=["render-map", str(out)]).exit_code == 0
    nodes = {n["id"] for n in json.loads(out.read_text())["graph"]["nodes"]}
    assert len(nodes) == 31 and not any(n.startswith("kind:") for n in nodes)
    dot = tmp_path / "map.dot"
    assert runner.invoke(args=["render-map", str(dot)]).exit_code == 0
    assert "Schools and colleges (30)" in dot.read_text()


def test_an_unknown_extension_is_refused(stored: Flask, runner: FlaskCliRunner, tmp_path: Path) -> None:
    out = tmp_path / "map.gif"
    result = runner.invoke(args=["render-map", str(out)])
    assert result.exit_code == 1
    assert "must end in .svg, .png, .pdf, .dot, .json" in result.output
    assert not out.exists()


def test_an_unknown_organisation_is_refused(stored: Flask, runner: FlaskCliRunner, tmp_path: Path) -> None:
    out = tmp_path / "map.svg"
    result = runner.invoke(args=["render-map", str(out), "--organisation", "nobody"])
    assert result.exit_code == 1
    assert "There is no organisation with the key 'nobody'." in result.output
    assert not out.exists()


def test_an_unknown_category_is_refused(stored: Flask, runner: FlaskCliRunner, tmp_path: Path) -> None:
    result = runner.invoke(args=["render-map", str(tmp_path / "map.dot"), "--category", "gossip"])
    assert result.exit_code == 1 and "There is no data category 'gossip'." in result.output


def test_without_dot_a_picture_is_refused_plainly(
    stored: Flask, runner: FlaskCliRunner, tmp_path: Path, monkeypatch
) -> None:
    monkeypatch.setitem(stored.config, "GRAPHVIZ_DOT", "/nonexistent/graphviz/dot")
    result = runner.invoke(args=["render-map", str(tmp_path / "map.png")])
    assert result.exit_code == 1
    assert "dot program was not found" in result.output and "Write .dot or .json instead" in result.output


def test_render_map_colours_edges_by_open_findings_and_names_decided_ones(
    stored: Flask, runner: FlaskCliRunner, tmp_path: Path
) -> None:
    from datetime import date

    from isa_registry.store.db import db
    from isa_registry.store.decisions import decide
    from isa_registry.store.queries import checked_registry

    out = tmp_path / "map.json"

    def edge_f2() -> dict:
        result = runner.invoke(args=["render-map", str(out)])
        assert result.exit_code == 0, result.output
        return next(e for e in json.loads(out.read_text())["graph"]["edges"] if e["key"] == "F2")

    before = edge_f2()
    assert before["severity"] == "error" and before["decided"] == []
    errors = [f for f in before["findings"] if f["severity"] == "error"]
    with stored.app_context():
        by_id = checked_registry(date.today()).reviewed_by_id
        for f in errors:
            finding = by_id["flow", "F2", f["code"]].finding
            decide(
                db.session,
                "dpo@example.org",
                True,
                finding,
                "not_applicable",
                "Statutory.",
                None,
                date.today(),
            )
    after = edge_f2()
    assert after["severity"] != "error"
    assert sorted(f["code"] for f in after["decided"]) == sorted(f["code"] for f in errors)
    assert all(f["severity"] != "error" for f in after["findings"])
    dot = tmp_path / "map.dot"
    assert runner.invoke(args=["render-map", str(dot)]).exit_code == 0
    assert f"decided (error): {errors[0]['message']}" in dot.read_text()


@pytest.fixture()
def crowded(app: Flask) -> Flask:
    """Forty schools sending the council special category data, and a research body with no flow."""
    schools = [organisation(f"school-{i:02d}", name=f"School {i:02d}", kind="education") for i in range(40)]
    reg = registry(
        [organisation("dudley"), organisation("wmp"), organisation("evaluators"), *schools],
        [],
        [
            flow("F1", "wmp", "dudley", None),
            *(
                flow(f"S{i:02d}", f"school-{i:02d}", "dudley", None, data_categories=["health"])
                for i in range(40)
            ),
        ],
    )
    store(app, reg)
    return app


def test_render_map_draws_the_overview_unless_asked_for_the_detail(
    crowded: Flask, runner: FlaskCliRunner, tmp_path: Path
) -> None:
    out = tmp_path / "map.json"
    result = runner.invoke(args=["render-map", str(out)])
    assert result.exit_code == 0, result.output
    assert "drawn as the overview in 1 group" in result.output
    drawn = json.loads(out.read_text())["drawn"]
    assert drawn["overview"] is True and [g["id"] for g in drawn["groups"]] == ["kind:education"]
    assert len(drawn["groups"][0]["members"]) == 40 and drawn["not_drawn"] == ["evaluators"]
    source = tmp_path / "map.dot"
    assert runner.invoke(args=["render-map", str(source)]).exit_code == 0
    assert '"kind:education" -> "dudley"' in source.read_text() and 'label="40 S"' in source.read_text()

    result = runner.invoke(args=["render-map", str(out), "--detail", "--expand", "education"])
    assert result.exit_code == 0, result.output
    drawn = json.loads(out.read_text())["drawn"]
    assert drawn["overview"] is False and drawn["groups"] == [] and "school-07" in drawn["nodes"]


def test_render_map_groups_the_overview_by_programme_on_request(
    crowded: Flask, runner: FlaskCliRunner, tmp_path: Path
) -> None:
    out = tmp_path / "map.json"
    result = runner.invoke(args=["render-map", str(out), "--group", "programme"])
    assert result.exit_code == 0, result.output
    document = json.loads(out.read_text())
    assert document["filters"]["group"] == "programme"
    assert [g["id"] for g in document["drawn"]["groups"]] == ["programme:none"]
    result = runner.invoke(args=["render-map", str(out), "--group", "programme", "--expand", "nothing"])
    assert result.exit_code == 1 and "There is no programme 'nothing' to expand." in result.output
