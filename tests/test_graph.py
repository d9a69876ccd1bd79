"""The data map's graph, analyses and drawing, on plain domain objects (no app, no database)."""

from __future__ import annotations

import json
import re
import shutil
import xml.etree.ElementTree as ET
from datetime import date

import networkx as nx
import pytest

from isa_registry.core import graph
from isa_registry.core.domain import Finding, Registry
from isa_registry.core.graph import Drawing, Links, MapFilters
from isa_registry.core.graph.dot import tooltip_string
from isa_registry.core.rules import run_rules
from isa_registry.web.map_query import MapLinks
from tests.builders import AS_OF, agreement, days, flow, organisation, registry

needs_dot = pytest.mark.skipif(shutil.which("dot") is None, reason="Graphviz dot is not installed")


def finding(key: str, severity: str = "error", subject_type: str = "flow", code: str = "TEST") -> Finding:
    return Finding(code, severity, subject_type, key, f"{key} has a {severity}.", "Fix it.", "UK GDPR Art 5")


def partnership() -> Registry:
    """Police to council to health and a charity; a research body that receives nothing."""
    return registry(
        agreements=[
            agreement("ISA-1", parties=("wmp", "dudley")),
            agreement("ISA-2", parties=("dudley", "bcicb", "family-action")),
        ],
        flows=[
            flow("F1", "wmp", "dudley", "ISA-1", data_categories=["identity_contact", "criminal_offence"]),
            flow(
                "F2",
                "dudley",
                "bcicb",
                "ISA-2",
                data_categories=["identity_contact", "health"],
                programme="MASH",
            ),
            flow("F3", "dudley", "bcicb", "ISA-2", data_categories=["education"], programme="Early help"),
            flow("F4", "dudley", "family-action", "ISA-2", data_categories=["identity_contact"]),
        ],
    )


def edges(g: nx.MultiDiGraph) -> set[str]:
    return {k for _, _, k in g.edges(keys=True)}


def lay_out(
    g: nx.MultiDiGraph,
    filters: MapFilters = MapFilters(),
    links: Links = MapLinks(),
    threshold: int = graph.CLUSTER_THRESHOLD,
) -> Drawing:
    """The drawing, linked to the web app's pages as the page and the command link it."""
    return graph.lay_out(g, links, filters, threshold)


# --- The graph ---------------------------------------------------------------------------------


def test_each_organisation_is_a_node_and_each_flow_an_edge_keyed_by_its_key() -> None:
    g = graph.build_graph(partnership(), [])
    assert set(g.nodes) == {"dudley", "wmp", "bcicb", "family-action", "evaluators"}
    assert g.nodes["wmp"]["kind"] == "police" and g.nodes["wmp"]["public_authority"] is True
    assert g.nodes["wmp"]["status"] == "active"
    assert g.number_of_edges("dudley", "bcicb") == 2
    f2 = g.edges["dudley", "bcicb", "F2"]
    assert f2["categories"] == ("identity_contact", "health")
    assert f2["basis"] == "e" and f2["agreement"] == "ISA-2" and f2["programme"] == "MASH"
    assert f2["severity"] is None


def test_an_edge_carries_its_flows_worst_finding_severity() -> None:
    findings = [
        finding("F2", "warning"),
        finding("F2", "error"),
        finding("F3", "info"),
        finding("ISA-2", "error", "agreement"),
    ]
    g = graph.build_graph(partnership(), findings)
    assert g.edges["dudley", "bcicb", "F2"]["severity"] == "error"
    assert len(g.edges["dudley", "bcicb", "F2"]["findings"]) == 2
    assert g.edges["dudley", "bcicb", "F3"]["severity"] == "info"
    assert g.edges["wmp", "dudley", "F1"]["severity"] is None


def test_severity_comes_from_the_rules_for_the_as_of_date() -> None:
    reg = registry(agreements=[agreement()], flows=[flow(article6=None)])
    g = graph.build_graph(reg, run_rules(reg, AS_OF), AS_OF)
    assert g.edges["wmp", "dudley", "FLOW-012"]["severity"] == "error"


def test_an_organisation_node_carries_its_own_findings() -> None:
    g = graph.build_graph(partnership(), [finding("wmp", "warning", "organisation")])
    assert g.nodes["wmp"]["severity"] == "warning"
    assert g.nodes["dudley"]["severity"] is None


def test_flows_not_live_on_the_as_of_date_are_left_out_and_counted() -> None:
    reg = registry(
        flows=[
            flow("LIVE"),
            flow("CEASED", status="ceased", end_date=days(-10)),
            flow("ENDED", end_date=days(-1)),
            flow("NOT-STARTED", start_date=days(5)),
            flow("PLANNED", status="planned", start_date=days(30)),
        ]
    )
    g = graph.build_graph(reg, [], AS_OF)
    assert edges(g) == {"LIVE", "PLANNED"}
    assert g.graph["left_out"] == 3
    assert edges(graph.build_graph(reg, [], days(-20))) == {"LIVE", "CEASED", "ENDED", "PLANNED"}
    assert edges(graph.build_graph(reg, [])) == {"LIVE", "CEASED", "ENDED", "NOT-STARTED", "PLANNED"}


def test_a_ceased_flow_without_an_end_date_is_never_live() -> None:
    assert not graph.flow_live_on(flow(status="ceased", end_date=None), AS_OF)
    assert graph.flow_live_on(flow(status="ceased", start_date=days(-30), end_date=days(-1)), days(-2))
    assert not graph.flow_live_on(flow(status="ceased", start_date=days(-30), end_date=days(-1)), days(-31))


def test_a_flow_naming_an_organisation_not_in_the_registry_still_gets_a_node() -> None:
    reg = registry(flows=[flow(recipient="archived-org")])
    g = graph.build_graph(reg, [])
    assert g.nodes["archived-org"]["status"] == "archived"


# --- Filters -----------------------------------------------------------------------------------


def test_without_filters_every_organisation_stays_even_one_with_no_flow() -> None:
    g = graph.filter_graph(graph.build_graph(partnership(), []), MapFilters())
    assert "evaluators" in g and g.number_of_edges() == 4


def test_a_map_without_filters_uses_the_graph_as_built_and_leaves_it_unchanged() -> None:
    full = graph.build_graph(partnership(), [], date(2026, 11, 23))
    before = (sorted(full.nodes), sorted(full.edges(keys=True)), dict(full.graph))
    assert graph.filter_graph(full, MapFilters()) is full
    data_map = graph.build_map(partnership(), [], MapFilters(), date(2026, 11, 23), MapLinks(), full=full)
    assert data_map.full is full and data_map.graph is full
    data_map.dot(), data_map.hubs, data_map.reach  # drawing and the analyses only read it
    narrowed = graph.build_map(
        partnership(), [], MapFilters(organisation="wmp"), date(2026, 11, 23), MapLinks(), full=full
    )
    assert narrowed.graph is not full and edges(narrowed.graph) == {"F1"}
    assert (sorted(full.nodes), sorted(full.edges(keys=True)), dict(full.graph)) == before


def test_an_organisation_at_depth_one_shows_its_flows_in_and_out() -> None:
    g = graph.filter_graph(graph.build_graph(partnership(), []), MapFilters(organisation="wmp"))
    assert edges(g) == {"F1"}
    assert set(g.nodes) == {"wmp", "dudley"}


def test_depth_two_adds_the_partners_flows() -> None:
    g = graph.filter_graph(graph.build_graph(partnership(), []), MapFilters(organisation="wmp", depth=2))
    assert edges(g) == {"F1", "F2", "F3", "F4"}
    assert "evaluators" not in g


def test_an_organisation_with_no_flows_is_still_shown_alone() -> None:
    g = graph.filter_graph(graph.build_graph(partnership(), []), MapFilters(organisation="evaluators"))
    assert set(g.nodes) == {"evaluators"} and g.number_of_edges() == 0


@pytest.mark.parametrize(
    ("category", "expected"),
    [("health", {"F2"}), ("special", {"F2"}), ("criminal", {"F1"}), ("identity_contact", {"F1", "F2", "F4"})],
)
def test_a_category_filter_keeps_the_flows_that_carry_it(category: str, expected: set[str]) -> None:
    g = graph.filter_graph(graph.build_graph(partnership(), []), MapFilters(category=category))
    assert edges(g) == expected


def test_programme_and_agreement_filters() -> None:
    g = graph.build_graph(partnership(), [])
    assert edges(graph.filter_graph(g, MapFilters(programme="Early help"))) == {"F3"}
    assert edges(graph.filter_graph(g, MapFilters(agreement="ISA-1"))) == {"F1"}


def test_flagged_only_keeps_errors_and_warnings_but_not_info() -> None:
    g = graph.build_graph(
        partnership(), [finding("F1", "error"), finding("F2", "warning"), finding("F3", "info")]
    )
    flagged = graph.filter_graph(g, MapFilters(flagged_only=True))
    assert edges(flagged) == {"F1", "F2"}
    assert "family-action" not in flagged


def test_filters_combine_before_the_organisation_neighbourhood() -> None:
    g = graph.build_graph(partnership(), [])
    assert edges(graph.filter_graph(g, MapFilters(organisation="wmp", depth=2, category="special"))) == set()
    assert edges(graph.filter_graph(g, MapFilters(organisation="bcicb", category="special"))) == {"F2"}


def test_filters_naming_what_the_registry_does_not_hold_are_named() -> None:
    problems = graph.filter_problems(
        partnership(),
        MapFilters(organisation="nobody", category="gossip", agreement="ISA-9", expand=frozenset({"pubs"})),
    )
    assert problems == [
        "There is no organisation with the key 'nobody'.",
        "There is no data category 'gossip'.",
        "There is no agreement with the key 'ISA-9'.",
        "There is no kind of organisation 'pubs' to expand.",
    ]
    assert graph.filter_problems(partnership(), MapFilters(organisation="wmp", category="criminal")) == []


# --- Analyses ----------------------------------------------------------------------------------


def test_hubs_are_who_shares_with_the_most_partners() -> None:
    found = graph.hubs(graph.build_graph(partnership(), []))
    assert [(h.key, h.partners, h.sends_to, h.receives_from, h.flows) for h in found] == [
        ("dudley", 3, 2, 1, 4),
        ("bcicb", 1, 0, 1, 2),
        ("family-action", 1, 0, 1, 1),
        ("wmp", 1, 1, 0, 1),
    ]
    assert found[0].name == "Dudley Metropolitan Borough Council"
    assert len(graph.hubs(graph.build_graph(partnership(), []), limit=2)) == 2


def test_sensitive_recipients_name_who_receives_special_or_criminal_data_and_from_whom() -> None:
    reg = partnership()
    reg.flows["F5"] = flow("F5", "family-action", "bcicb", None, data_categories=["racial_ethnic_origin"])
    found = graph.sensitive_recipients(graph.build_graph(reg, []))
    assert [(r.recipient, r.special, r.criminal) for r in found] == [
        ("bcicb", ("health", "racial_ethnic_origin"), ()),
        ("dudley", (), ("criminal_offence",)),
    ]
    assert [(s.source, s.special, s.flows) for s in found[0].sources] == [
        ("dudley", ("health",), ("F2",)),
        ("family-action", ("racial_ethnic_origin",), ("F5",)),
    ]


def test_an_onward_chain_is_found_when_its_later_leg_is_flagged() -> None:
    g = graph.build_graph(partnership(), [finding("F2", "warning")])
    chains = graph.flagged_chains(g)
    assert [(c.sources, c.via, c.recipient, c.onward_flows, c.severity) for c in chains] == [
        (("wmp",), "dudley", "bcicb", ("F2",), "warning")
    ]
    assert chains[0].shared_categories == ("identity_contact",)
    assert chains[0].chains() == [("wmp", "dudley", "bcicb")]


def test_chains_are_grouped_by_their_flagged_leg_with_every_source() -> None:
    reg = partnership()
    reg.flows["F5"] = flow("F5", "family-action", "dudley", None, data_categories=["health"])
    chains = graph.flagged_chains(graph.build_graph(reg, [finding("F2", "error"), finding("F3", "error")]))
    assert len(chains) == 1
    assert chains[0].sources == ("family-action", "wmp") and chains[0].onward_flows == ("F2", "F3")
    assert chains[0].shared_categories == ("health", "identity_contact")


def test_no_chain_when_only_the_first_leg_is_flagged_or_the_finding_is_info() -> None:
    assert graph.flagged_chains(graph.build_graph(partnership(), [finding("F1", "error")])) == []
    assert graph.flagged_chains(graph.build_graph(partnership(), [finding("F2", "info")])) == []


def test_a_chain_back_to_its_source_is_not_onward_sharing() -> None:
    reg = partnership()
    reg.flows["F9"] = flow("F9", "dudley", "wmp", None)
    chains = graph.flagged_chains(graph.build_graph(reg, [finding("F9", "error")]))
    assert chains == []  # wmp → dudley → wmp is the only chain through F9
    reg.flows["F10"] = flow("F10", "bcicb", "dudley", None)
    [chain] = graph.flagged_chains(graph.build_graph(reg, [finding("F9", "error")]))
    assert chain.sources == ("bcicb",) and chain.recipient == "wmp"


def test_errors_come_before_warnings_in_chains() -> None:
    g = graph.build_graph(partnership(), [finding("F2", "warning"), finding("F4", "error")])
    assert [(c.recipient, c.severity) for c in graph.flagged_chains(g)] == [
        ("family-action", "error"),
        ("bcicb", "warning"),
    ]


def test_agreement_reach_names_the_flows_and_partners_that_lose_cover() -> None:
    g = graph.build_graph(partnership(), [])
    reach = graph.agreement_reach(g, "ISA-2")
    assert reach.flows == ("F2", "F3", "F4")
    assert reach.partners == ("bcicb", "dudley", "family-action")
    # The council keeps cover through ISA-1 (the police flow); the others have nothing else.
    assert reach.left_without_cover == ("bcicb", "family-action")
    assert reach.pairs == (("dudley", "bcicb"), ("dudley", "family-action"))
    assert reach.title == "MASH information sharing" and reach.status == "active"


def test_a_pair_keeps_cover_when_another_agreement_covers_one_of_its_flows() -> None:
    reg = partnership()
    reg.flows["F3"].agreement = "ISA-1"
    reach = graph.agreement_reach(graph.build_graph(reg, []), "ISA-2")
    assert ("dudley", "bcicb") not in reach.pairs
    assert "bcicb" not in reach.left_without_cover


def test_an_agreement_covering_nothing_reaches_nothing() -> None:
    reach = graph.agreement_reach(graph.build_graph(partnership(), []), "ISA-404")
    assert reach.flows == () and reach.partners == () and reach.title == "ISA-404"


# --- Drawing -----------------------------------------------------------------------------------


def schools(n: int) -> Registry:
    """The council, the police and ``n`` schools that each send the council one flow."""
    orgs = [organisation("dudley"), organisation("wmp")] + [
        organisation(f"school-{i:03d}", name=f"School {i:03d}", kind="education", public_authority=True)
        for i in range(n)
    ]
    flows = [flow(f"S{i:03d}", f"school-{i:03d}", "dudley", None) for i in range(n)]
    return registry(orgs, [], [flow("F1"), *flows])


def test_flows_between_the_same_pair_are_drawn_as_one_edge_with_a_count() -> None:
    drawing = lay_out(graph.build_graph(partnership(), [finding("F3", "warning")]))
    pair = [e for e in drawing.edges if (e.source, e.recipient) == ("dudley", "bcicb")]
    assert len(pair) == 1 and pair[0].count == 2 and pair[0].flows == ("F2", "F3")
    assert pair[0].severity == "warning"
    assert pair[0].url == "/flows?source=dudley&recipient=bcicb"
    single = next(e for e in drawing.edges if e.flows == ("F1",))
    assert single.url == "/flows/F1"
    node = next(n for n in drawing.nodes if n.id == "wmp")
    assert node.url == "/organisations/wmp"


def test_tooltips_list_the_flows_and_their_findings() -> None:
    drawing = lay_out(graph.build_graph(partnership(), [finding("F3", "warning")]))
    pair = next(e for e in drawing.edges if e.flows == ("F2", "F3"))
    assert "F2: MASH referrals" in pair.tooltip
    assert "warning: F3 has a warning." in pair.tooltip
    node = next(n for n in drawing.nodes if n.id == "dudley")
    assert "Sends 3 flows, receives 1" in node.tooltip
    assert "F2: MASH referrals → Black Country Integrated Care Board" in node.tooltip
    assert "F1: MASH referrals ← West Midlands Police" in node.tooltip


def test_links_are_under_the_apps_root() -> None:
    drawing = lay_out(graph.build_graph(partnership(), []), links=MapLinks(root="/isa"))
    assert {n.url for n in drawing.nodes} >= {"/isa/organisations/wmp"}


def test_a_crowded_kind_becomes_one_cluster_node() -> None:
    drawing = lay_out(graph.build_graph(schools(13), []), threshold=12)
    cluster = next(n for n in drawing.nodes if n.is_cluster)
    assert cluster.label == "Schools and colleges (13)" and len(cluster.members) == 13
    assert cluster.url == "/map?expand=education"
    assert {n.id for n in drawing.nodes} == {cluster.id, "dudley", "wmp"}
    edge = next(e for e in drawing.edges if e.source == cluster.id)
    assert edge.count == 13 and edge.clustered and edge.url == "/map?expand=education"
    assert drawing.clusters == {"education": 13}


def test_a_kind_at_the_threshold_is_not_clustered() -> None:
    drawing = lay_out(graph.build_graph(schools(12), []), threshold=12)
    assert not any(n.is_cluster for n in drawing.nodes) and len(drawing.nodes) == 14


def test_an_expanded_kind_is_drawn_one_by_one() -> None:
    filters = MapFilters(expand=frozenset({"education"}))
    drawing = lay_out(graph.build_graph(schools(20), []), filters, threshold=12)
    assert not any(n.is_cluster for n in drawing.nodes) and len(drawing.edges) == 21


def test_the_chosen_organisation_stays_out_of_its_kinds_cluster() -> None:
    g = graph.build_graph(schools(20), [])
    filters = MapFilters(organisation="school-005", depth=2)
    drawing = lay_out(graph.filter_graph(g, filters), filters, threshold=12)
    ids = {n.id for n in drawing.nodes}
    assert "school-005" in ids and "kind:education" in ids
    cluster = next(n for n in drawing.nodes if n.is_cluster)
    assert "school-005" not in cluster.members
    assert "organisation=school-005" in cluster.url and "expand=education" in cluster.url


def dense(n: int) -> Registry:
    """``n`` voluntary organisations, each sharing with every other."""
    orgs = [organisation(f"org-{i:02d}", kind="voluntary") for i in range(n)]
    flows = [
        flow(f"F{i}-{j}", f"org-{i:02d}", f"org-{j:02d}", None) for i in range(n) for j in range(n) if i != j
    ]
    return registry(orgs, [], flows)


def test_a_drawing_with_many_connections_is_laid_out_as_a_network() -> None:
    small = lay_out(graph.build_graph(dense(10), []), threshold=50)
    assert len(small.edges) == 90 and small.layout == "dot"
    assert 'rankdir="LR"' in graph.to_dot(small)
    # The detailed map: the overview would group the twenty into one node.
    big = lay_out(graph.build_graph(dense(20), []), MapFilters(detail=True), threshold=50)
    assert len(big.edges) == 380 and big.layout == "neato"
    source = graph.to_dot(big)
    assert 'layout="neato"' in source and 'splines="false"' in source and "rankdir" not in source


@needs_dot
def test_a_network_layout_draws_hundreds_of_connections_quickly() -> None:
    big = lay_out(graph.build_graph(dense(20), []), MapFilters(detail=True), threshold=50)
    svg = graph.run_dot(graph.to_dot(big), "svg", timeout=30)
    assert svg.count(b'class="edge"') == 380


# --- DOT ---------------------------------------------------------------------------------------


def test_dot_strings_cannot_break_out_of_their_quotes() -> None:
    assert graph.dot_string('a"b') == '"a\\"b"'
    assert graph.dot_string("a\\N") == '"a\\\\N"'
    assert graph.dot_string("<b>bold</b>") == '"<b>bold</b>"'  # quoted, so never an HTML-like label
    assert graph.dot_string("A & B") == '"A &amp; B"'
    assert graph.dot_string("one\ntwo\r\nthree\x00") == '"one\\ntwo\\nthree"'
    assert graph.dot_string('x"]; evil [label="y') == '"x\\"]; evil [label=\\"y"'


def test_edges_are_coloured_by_worst_severity_and_dissolved_organisations_dashed() -> None:
    reg = partnership()
    reg.organisations["family-action"].status = "dissolved"
    reg.flows["F9"] = flow("F9", "wmp", "bcicb", None, status="planned")
    dot = graph.to_dot(lay_out(graph.build_graph(reg, [finding("F1", "error"), finding("F4", "warning")])))
    # F1 carries criminal offence data: a double line, marked C.
    assert re.search(r'"wmp" -> "dudley" \[color="#d4351c:invis:#d4351c".*penwidth="3".*label="C"', dot)
    assert re.search(r'"dudley" -> "family-action" \[color="#f47738"', dot)
    # F2 carries health data (special category): a double line, its count marked S.
    assert re.search(r'"dudley" -> "bcicb" \[color="#505a5f:invis:#505a5f".*label="2 S"', dot)
    assert re.search(r'"wmp" -> "bcicb" \[.*style="dashed"', dot)
    assert re.search(r'"family-action" \[.*style="filled,dashed"', dot)
    assert re.search(r'"wmp" \[.*shape="hexagon"', dot) and re.search(r'"dudley" \[.*shape="house"', dot)
    assert "cluster_legend" in dot and "Flow with an error finding" in dot


def hostile() -> Registry:
    reg = partnership()
    reg.organisations["family-action"].name = "<script>alert(1)</script>"
    reg.organisations["bcicb"].name = 'The "Quoted" Trust\\N"]; x [label="injected'
    reg.flows["F4"].name = "</title><script>alert(2)</script>"
    return reg


def test_hostile_names_stay_inside_their_dot_strings() -> None:
    dot = graph.to_dot(lay_out(graph.build_graph(hostile(), [])))
    node_lines = [line for line in dot.splitlines() if re.match(r'\s+"[^"]+" \[', line)]
    assert len(node_lines) == 4  # no extra node was injected (the research body, with no flow, is not drawn)
    assert "label=<" not in dot.replace("label=<<table", "")  # no HTML-like label from user text


@needs_dot
def test_hostile_names_cannot_inject_script_into_the_svg() -> None:
    dot = graph.to_dot(lay_out(graph.build_graph(hostile(), [])))
    svg = graph.run_dot(dot, "svg")
    inline = graph.inline_svg(svg, 'A "label" <with> markup')
    assert "<script" not in inline.lower()
    assert "&lt;script&gt;alert(1)&lt;/script&gt;" in inline
    assert "The &quot;Quoted&quot; Trust\\N&quot;]; x [label=&quot;injected" in inline
    root = ET.fromstring(inline)  # noqa: S314 - our own render
    titles = [el.text for el in root.iter("{http://www.w3.org/2000/svg}title")]
    assert "x" not in titles  # no injected node
    assert 'aria-label="A &quot;label&quot; &lt;with&gt; markup"' in inline


@needs_dot
def test_every_node_and_edge_in_the_svg_links_to_its_record() -> None:
    svg = graph.run_dot(graph.to_dot(lay_out(graph.build_graph(partnership(), []))), "svg")
    root = ET.fromstring(graph.inline_svg(svg, "map"))  # noqa: S314 - our own render
    ns = {"svg": "http://www.w3.org/2000/svg", "xlink": "http://www.w3.org/1999/xlink"}
    hrefs = {}
    for group in root.iter("{http://www.w3.org/2000/svg}g"):
        if group.get("class") in ("node", "edge"):
            title = group.find("svg:title", ns).text
            if title == "legend":
                continue
            link = group.find(".//svg:a", ns)
            assert link is not None, title
            assert link.get("{http://www.w3.org/1999/xlink}title"), title
            hrefs[title] = link.get("{http://www.w3.org/1999/xlink}href")
    assert hrefs["wmp"] == "/organisations/wmp"
    assert hrefs["wmp->dudley"] == "/flows/F1"
    assert hrefs["dudley->bcicb"] == "/flows?source=dudley&recipient=bcicb"


def test_inline_svg_refuses_anything_that_could_run_script() -> None:
    for bad in (
        b'<svg xmlns="http://www.w3.org/2000/svg"><script>alert(1)</script></svg>',
        b'<svg xmlns="http://www.w3.org/2000/svg"><g onload="alert(1)"/></svg>',
        b'<svg xmlns="http://www.w3.org/2000/svg" xmlns:xlink="http://www.w3.org/1999/xlink">'
        b'<a xlink:href=" javascript:alert(1)"><text>x</text></a></svg>',
        b'<svg xmlns="http://www.w3.org/2000/svg"><foreignObject/></svg>',
    ):
        with pytest.raises(graph.RenderError):
            graph.inline_svg(bad, "map")


def test_inline_svg_drops_the_prolog_and_never_shrinks_a_wide_drawing_below_legible() -> None:
    wide = (
        b'<?xml version="1.0"?>\n<!DOCTYPE svg PUBLIC "-//W3C//DTD SVG 1.1//EN" "x.dtd">\n'
        b'<svg width="2000pt" height="500pt" viewBox="0 0 2000 500" xmlns="http://www.w3.org/2000/svg"></svg>'
    )
    out = graph.inline_svg(wide, "map")
    # 1.1 CSS px per point: 10 pt text is 11 CSS px; a wide picture scrolls inside its box.
    assert out.startswith("<svg ") and 'width="2200" height="550" viewBox="0 0 2000 500"' in out
    narrow = wide.replace(b"2000pt", b"300pt").replace(b"0 0 2000 500", b"0 0 299.5 500")
    assert 'width="329.45"' in graph.inline_svg(narrow, "map")  # from the viewBox, not the rounded width


def test_a_missing_dot_program_is_reported_as_such() -> None:
    with pytest.raises(graph.DotNotFound):
        graph.run_dot("digraph {}", "svg", dot="/nonexistent/bin/dot")


def test_a_failing_dot_program_is_a_render_error() -> None:
    with pytest.raises(graph.RenderError):
        graph.run_dot("digraph {}", "svg", dot="false")


# --- All at once -------------------------------------------------------------------------------


def test_build_map_analyses_the_filtered_view_but_reaches_across_every_flow() -> None:
    data_map = graph.build_map(
        partnership(), [finding("F2", "warning")], MapFilters(agreement="ISA-2"), AS_OF, MapLinks()
    )
    assert edges(data_map.graph) == {"F2", "F3", "F4"}
    assert data_map.hubs[0].key == "dudley"
    assert data_map.chains == []  # the police flow is filtered out of this view
    reach = {r.agreement: r for r in data_map.reach}
    assert set(reach) == {"ISA-1", "ISA-2"}
    assert reach["ISA-2"].left_without_cover == ("bcicb", "family-action")


def test_the_json_is_node_link_data_of_organisations_never_clusters() -> None:
    data_map = graph.build_map(
        schools(20), [finding("S001", "error")], MapFilters(), AS_OF, MapLinks(), threshold=5
    )
    assert data_map.drawing.clusters == {"education": 20}
    document = json.loads(json.dumps(graph.map_json(data_map, {"revision": 7})))
    assert document["format"] == "isa-registry-map/1" and document["revision"] == 7
    assert document["as_of"] == "2026-11-23" and document["filters"]["expand"] == []
    nodes = {n["id"] for n in document["graph"]["nodes"]}
    assert len(nodes) == 22 and not any(n.startswith("kind:") for n in nodes)
    s001 = next(e for e in document["graph"]["edges"] if e["key"] == "S001")
    assert s001["severity"] == "error" and s001["findings"][0]["code"] == "TEST"
    assert s001["source"] == "school-001" and s001["target"] == "dudley"
    assert set(document["analyses"]) == {"hubs", "sensitive_recipients", "flagged_chains", "agreement_reach"}
    assert nx.node_link_graph(document["graph"], edges="edges").number_of_edges() == 21


class KeptPictures:
    """A :class:`graph.PictureCache` in memory."""

    def __init__(self, **kept: bytes) -> None:
        self.kept = dict(kept)

    def get(self, fmt: str) -> bytes | None:
        return self.kept.get(fmt)

    def put(self, fmt: str, body: bytes) -> None:
        self.kept[fmt] = body


def test_draw_gives_the_dot_source_and_the_json_of_the_map_it_built() -> None:
    dot_file = graph.draw(partnership(), [], MapFilters(organisation="wmp"), AS_OF, "dot", links=MapLinks())
    assert dot_file.body == dot_file.data_map.dot().encode() and dot_file.media_type.startswith("text/")
    json_file = graph.draw(
        partnership(), [], MapFilters(), AS_OF, "json", links=MapLinks(), extra={"revision": 3}
    )
    document = json.loads(json_file.body)
    assert document == json.loads(json.dumps(graph.map_json(json_file.data_map, {"revision": 3})))


def test_draw_serves_a_kept_picture_without_running_dot() -> None:
    options = graph.DrawOptions(dot="/nonexistent/bin/dot")
    kept = KeptPictures(svg=b"<svg/>")
    drawn = graph.draw(
        partnership(), [], MapFilters(), AS_OF, "svg", links=MapLinks(), options=options, cache=kept
    )
    assert drawn.body == b"<svg/>"


@needs_dot
def test_draw_keeps_the_picture_it_draws() -> None:
    kept = KeptPictures()
    drawn = graph.draw(partnership(), [], MapFilters(), AS_OF, "svg", links=MapLinks(), cache=kept)
    assert drawn.body.startswith(b"<?xml") and kept.kept == {"svg": drawn.body}


def test_a_map_that_cannot_be_drawn_still_gives_its_table_and_analyses() -> None:
    options = graph.DrawOptions(dot="/nonexistent/bin/dot")
    drawn = graph.draw(partnership(), [], MapFilters(), AS_OF, "png", links=MapLinks(), options=options)
    assert len(drawn.data_map.drawing.edges) == 3 and drawn.data_map.hubs[0].key == "dudley"
    with pytest.raises(graph.DotNotFound):
        _ = drawn.body


def test_draw_options_come_from_the_apps_settings() -> None:
    settings = {"GRAPHVIZ_DOT": "/opt/dot", "MAP_DOT_TIMEOUT": "7.5", "MAP_CLUSTER_THRESHOLD": "30"}
    assert graph.DrawOptions.from_settings(settings) == graph.DrawOptions("/opt/dot", 7.5, 30)
    assert graph.DrawOptions.from_settings({}) == graph.DrawOptions("dot", 60.0, graph.CLUSTER_THRESHOLD)


#: Every escape Graphviz expands in a label or a tooltip, with a backslash of its own at the end.
ESCAPES = r"Esc \N \G \E \T \H \L \n \l \r \\ end"


def escapes_registry() -> Registry:
    reg = partnership()
    reg.organisations["bcicb"].name = ESCAPES
    reg.flows["F4"].name = ESCAPES
    return reg


def test_tooltips_write_each_backslash_four_times_and_labels_twice() -> None:
    assert tooltip_string(r"a\N") == '"a' + "\\" * 4 + 'N"'
    dot = graph.to_dot(lay_out(graph.build_graph(escapes_registry(), [])))
    line = next(line for line in dot.splitlines() if line.lstrip().startswith('"bcicb" ['))
    assert 'label="Esc \\\\N \\\\G' in line
    assert 'tooltip="Esc ' + "\\" * 4 + "N" in line


@needs_dot
def test_a_name_with_graphviz_escapes_is_shown_as_typed_in_labels_and_tooltips() -> None:
    drawing = lay_out(graph.build_graph(escapes_registry(), []))
    svg = graph.run_dot(graph.to_dot(drawing), "svg").decode()
    root = ET.fromstring(svg)  # noqa: S314 - our own render
    xlink = "{http://www.w3.org/1999/xlink}title"
    titles = [a.get(xlink) or "" for a in root.iter("{http://www.w3.org/2000/svg}a")]
    texts = " ".join(t.text or "" for t in root.iter("{http://www.w3.org/2000/svg}text"))
    node = next(n for n in drawing.nodes if n.id == "bcicb")
    # The node's tooltip begins with its name: shown exactly as typed, not as Graphviz expands it.
    assert any(title.startswith(ESCAPES) for title in titles), titles
    assert node.tooltip in titles
    edge_tooltips = [e.tooltip for e in drawing.edges if ESCAPES in e.tooltip]
    assert edge_tooltips and all(t in titles for t in edge_tooltips)
    # The label is wrapped over lines, so each word is looked for on its own.
    for word in ESCAPES.split():
        assert word in texts, word


# --- The overview ------------------------------------------------------------------------------


def crowded(schools_: int = 20, charities: int = 8) -> Registry:
    """The partnership, ``schools_`` schools sending the council special category data (one with
    an error), and ``charities`` charities that the council sends to (one flow planned)."""
    reg = partnership()
    for i in range(schools_):
        key = f"school-{i:02d}"
        reg.organisations[key] = organisation(key, name=f"School {i:02d}", kind="education")
        reg.flows[f"S{i:02d}"] = flow(
            f"S{i:02d}", key, "dudley", None, data_categories=["health"], programme="Early help"
        )
    for i in range(charities):
        key = f"charity-{i}"
        reg.organisations[key] = organisation(key, name=f"Charity {i}", kind="voluntary")
        reg.flows[f"C{i}"] = flow(f"C{i}", "dudley", key, "ISA-2", data_categories=["identity_contact"])
    return reg


def test_the_overview_groups_each_kind_when_more_organisations_would_be_drawn_than_fit() -> None:
    g = graph.build_graph(crowded(), [finding("S03", "error")])
    drawing = graph.lay_out(g, MapLinks(), MapFilters(), overview_max=10)
    assert drawing.overview
    nodes = {n.id: n for n in drawing.nodes}
    # Kinds with two or more organisations become one node saying how many; a kind of one stays itself.
    assert nodes["kind:education"].label == "Schools and colleges (20)"
    assert nodes["kind:voluntary"].label == "Voluntary organisations (9)"  # family-action and 8 charities
    assert {"wmp", "dudley", "bcicb"} <= set(nodes) and "kind:police" not in nodes
    assert nodes["kind:education"].url == "/map?expand=education"
    assert [(g.grouping, g.key, g.count) for g in drawing.groups] == [
        ("kind", "education", 20),
        ("kind", "voluntary", 9),
    ]


def test_edges_between_groups_are_merged_counted_and_coloured_by_their_worst_open_finding() -> None:
    decided = [finding("S05", "error", code="DECIDED")]
    g = graph.build_graph(crowded(), [finding("S03", "warning")], decided=decided)
    drawing = graph.lay_out(g, MapLinks(), MapFilters(), overview_max=10)
    edge = next(e for e in drawing.edges if e.source == "kind:education")
    assert edge.recipient == "dudley" and edge.count == 20 and edge.clustered
    assert edge.severity == "warning"  # the decided error does not colour it
    assert edge.decided == ("DECIDED (S05)",)
    assert edge.special and not edge.criminal
    assert edge.url == "/map?expand=education"
    dot = graph.to_dot(drawing)
    assert re.search(r'"kind:education" -> "dudley" \[color="#f47738:invis:#f47738".*label="20 S"', dot)
    # A group's edge of one flow still says its count, on the edge itself.
    single = next(e for e in drawing.edges if e.source == "dudley" and e.recipient == "kind:voluntary")
    assert graph.edge_label(single) == "9"


def test_below_the_threshold_the_overview_draws_each_organisation() -> None:
    g = graph.build_graph(crowded(5, 2), [])
    drawing = graph.lay_out(g, MapLinks(), MapFilters(), overview_max=20)
    assert not drawing.overview and drawing.groups == () and len(drawing.nodes) == 4 + 5 + 2


def test_the_detailed_map_draws_each_organisation_whatever_their_number() -> None:
    g = graph.build_graph(crowded(), [])
    drawing = graph.lay_out(g, MapLinks(), MapFilters(detail=True), threshold=50, overview_max=10)
    assert not drawing.overview and not any(n.is_cluster for n in drawing.nodes)
    assert len(drawing.nodes) == 4 + 20 + 8
    assert 'rankdir="LR"' in graph.to_dot(drawing)


def test_the_overview_is_laid_out_as_a_network_that_stays_about_as_wide_as_tall() -> None:
    drawing = graph.lay_out(graph.build_graph(crowded(), []), MapLinks(), MapFilters(), overview_max=10)
    source = graph.to_dot(drawing)
    assert 'layout="neato"' in source and 'mode="KK"' in source and 'splines="true"' in source
    # Spread before overlaps are removed by twice the average label, not four times (Graphviz's
    # default), which ran the M registry's overview by agreement off the window.
    assert 'overlap="prism"' in source and 'overlap_scaling="-2"' in source


def test_an_overview_with_more_edges_than_a_layered_map_takes_has_straight_edges() -> None:
    # 210 schools shown one by one: 210 edges to the council, too many to route curved in time.
    g = graph.build_graph(crowded(210, 2), [])
    drawing = graph.lay_out(g, MapLinks(), MapFilters(expand=frozenset({"education"})), overview_max=10)
    assert drawing.overview and len(drawing.edges) > graph.LAYERED_MAX_EDGES
    source = graph.to_dot(drawing)
    assert 'mode="KK"' in source and 'splines="false"' in source


def test_an_expanded_group_is_drawn_one_by_one_in_the_overview() -> None:
    g = graph.build_graph(crowded(), [])
    drawing = graph.lay_out(g, MapLinks(), MapFilters(expand=frozenset({"education"})), overview_max=10)
    ids = {n.id for n in drawing.nodes}
    assert "school-07" in ids and "kind:education" not in ids and "kind:voluntary" in ids
    to_charities = next(e for e in drawing.edges if e.recipient == "kind:voluntary")
    assert to_charities.url == "/map?expand=education&expand=voluntary"


def test_the_overview_can_group_by_programme_or_agreement() -> None:
    g = graph.build_graph(crowded(), [])
    by_programme = graph.lay_out(g, MapLinks(), MapFilters(group="programme"), overview_max=10)
    groups = {grp.key: grp for grp in by_programme.groups}
    # An organisation joins the programme most of its flows run under (the first by name on a
    # tie: bcicb's MASH and Early help flows); with none, the "none" group.
    assert set(groups) == {"Early help", "none"}
    assert groups["Early help"].count == 22 and {"dudley", "bcicb"} <= set(groups["Early help"].members)
    assert set(groups["none"].members) == {"wmp", "family-action"} | {f"charity-{i}" for i in range(8)}
    assert groups["Early help"].url == "/map?group=programme&expand=Early+help"
    labels = {n.label for n in by_programme.nodes}
    assert labels == {"Early help (22)", "In no programme (10)"}
    by_agreement = graph.lay_out(g, MapLinks(), MapFilters(group="agreement"), overview_max=10)
    labels = {n.label for n in by_agreement.nodes if n.is_cluster}
    # ISA-2 covers the council's flows to health and the charities; the schools share under none.
    assert labels == {"Under no agreement (20)", "MASH information sharing (ISA-2) (11)"}
    # A long group label is wrapped, so that the node stays narrow; a kind's stays on one line.
    source = graph.to_dot(by_agreement)
    assert 'label="MASH information sharing\\n(ISA-2) (11)"' in source
    assert 'label="Voluntary organisations (9)"' in graph.to_dot(
        graph.lay_out(g, MapLinks(), overview_max=10)
    )


def programmes(sizes: list[int]) -> Registry:
    """The partnership with a programme ``P00``, ``P01``... for each of ``sizes``: that many schools
    each sending the council one flow under it."""
    reg = partnership()
    for number, size in enumerate(sizes):
        for i in range(size):
            key = f"school-{number:02d}-{i}"
            reg.organisations[key] = organisation(key, name=f"School {number:02d}-{i}", kind="education")
            reg.flows[f"S{number:02d}-{i}"] = flow(
                f"S{number:02d}-{i}",
                key,
                "dudley",
                None,
                data_categories=["education"],
                programme=f"P{number:02d}",
            )
    return reg


def test_the_overview_draws_the_organisations_of_its_smaller_groups_together() -> None:
    g = graph.build_graph(programmes([3, 3, 3, 3] + [1] * 10), [])
    drawing = graph.lay_out(g, MapLinks(), MapFilters(group="programme"), overview_max=10)
    # 16 groups: P00 (the council and three schools), P01 to P03, ten of one school, Early help
    # (bcicb, the first by name of its two) and none (wmp, family-action). No more than twelve are
    # drawn: none, the largest, then those with the most flows, and the rest as one.
    assert len(drawing.nodes) == graph.OVERVIEW_MAX_GROUPS == 12
    groups = {grp.key: grp for grp in drawing.groups}
    assert set(groups) == {"P00", "P01", "P02", "P03", "none", "others"}
    assert groups["P00"].count == 4 and "bcicb" in {n.id for n in drawing.nodes}
    assert set(groups["others"].members) == {f"school-{p:02d}-0" for p in range(9, 14)}
    others = next(n for n in drawing.nodes if n.id == "programme:others")
    assert others.label == "In other programmes (5)"
    assert others.url == "/map?group=programme&expand=others"
    assert (
        graph.filter_problems(programmes([1]), MapFilters(group="programme", expand=frozenset({"others"})))
        == []
    )
    # Shown one by one, the others leave the other groups as they were.
    expanded = graph.lay_out(
        g, MapLinks(), MapFilters(group="programme", expand=frozenset({"others"})), overview_max=10
    )
    assert {grp.key for grp in expanded.groups} == {"P00", "P01", "P02", "P03", "none"}
    assert {f"school-{p:02d}-0" for p in range(9, 14)} <= {n.id for n in expanded.nodes}


def test_agreements_beyond_the_largest_are_drawn_as_one_group_under_other_agreements() -> None:
    reg = partnership()
    for i in range(14):
        key = f"school-{i:02d}"
        reg.organisations[key] = organisation(key, name=f"School {i:02d}", kind="education")
        reg.agreements[f"ISA-S{i:02d}"] = agreement(f"ISA-S{i:02d}", parties=(key, "dudley"))
        reg.flows[f"S{i:02d}"] = flow(f"S{i:02d}", key, "dudley", f"ISA-S{i:02d}", data_categories=["health"])
    drawing = graph.lay_out(
        graph.build_graph(reg, []), MapLinks(), MapFilters(group="agreement"), overview_max=10
    )
    # ISA-2 (the council, bcicb, family-action), then ISA-1 (wmp) and ISA-S00 to ISA-S08 by key.
    assert len(drawing.nodes) == 12
    assert [(grp.key, grp.count) for grp in drawing.groups] == [("ISA-2", 3), ("others", 5)]
    others = next(n for n in drawing.nodes if n.id == "agreement:others")
    assert others.label == "Under other agreements (5)" and others.members[0] == "school-09"


def test_organisations_with_no_live_flow_are_listed_not_drawn() -> None:
    reg = partnership()
    reg.flows["F4"].status = "ceased"
    reg.flows["F4"].end_date = days(-5)
    drawing = lay_out(graph.build_graph(reg, [], AS_OF))
    assert drawing.unlinked == (("evaluators", "Evaluation Partners Ltd"), ("family-action", "Family Action"))
    assert {n.id for n in drawing.nodes} == {"wmp", "dudley", "bcicb"}
    assert '"evaluators"' not in graph.to_dot(drawing)
    # The organisation chosen stays drawn, alone, even with no flow.
    alone = MapFilters(organisation="evaluators")
    chosen = lay_out(graph.filter_graph(graph.build_graph(reg, [], AS_OF), alone), alone)
    assert [n.id for n in chosen.nodes] == ["evaluators"] and chosen.unlinked == ()


def test_filters_naming_an_unknown_grouping_or_group_are_named() -> None:
    reg = crowded()
    assert graph.filter_problems(reg, MapFilters(group="colour")) == [
        "Organisations cannot be grouped by 'colour'."
    ]
    assert graph.filter_problems(
        reg, MapFilters(group="programme", expand=frozenset({"Early help", "x"}))
    ) == ["There is no programme 'x' to expand."]
    assert (
        graph.filter_problems(reg, MapFilters(group="agreement", expand=frozenset({"ISA-2", "none"}))) == []
    )
    # The detailed map groups by kind whatever the overview's grouping.
    assert (
        graph.filter_problems(reg, MapFilters(detail=True, group="programme", expand=frozenset({"health"})))
        == []
    )


def test_the_json_says_which_groups_were_drawn() -> None:
    data_map = graph.build_map(crowded(), [], MapFilters(), AS_OF, MapLinks())
    drawn = json.loads(json.dumps(graph.map_json(data_map)))["drawn"]
    assert drawn["overview"] is True
    assert [(g["id"], len(g["members"])) for g in drawn["groups"]] == [
        ("kind:education", 20),
        ("kind:voluntary", 9),
    ]
    assert "kind:education" in drawn["nodes"] and drawn["not_drawn"] == ["evaluators"]
    assert json.loads(json.dumps(graph.map_json(data_map)))["filters"]["group"] == "kind"


def test_the_key_draws_each_kind_in_its_map_shape_and_fill_and_each_line_style() -> None:
    lines, organisations = graph.legend()
    by_label = {item.label: item.svg for item in organisations.items}
    for kind, (_, fill) in graph.KIND_STYLES.items():
        svg = by_label[graph.KIND_LABELS[kind]]
        assert f'fill="{fill}"' in svg and 'aria-hidden="true"' in svg
        ET.fromstring(svg)  # noqa: S314 - well-formed, our own constants
    assert "<ellipse" in by_label["Health"] and 'rx="6"' in by_label["School or college"]
    assert by_label["Probation"].count("<polygon") == 2  # a double octagon
    double = next(i.svg for i in lines.items if "special category" in i.label)
    assert double.count("<line") == 2 and ">S C</text>" in double
    assert any('stroke-dasharray="5,3"' in i.svg for i in lines.items if "Planned" in i.label)
    assert any(graph.SEVERITY_COLOURS["error"] in i.svg for i in lines.items if "error" in i.label)
