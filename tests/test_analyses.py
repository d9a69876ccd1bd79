"""Who receives a person's data, and what a breach touches: the pure functions, on close cases.

Plain registries from ``tests/builders.py``; no app, no database.
"""

from __future__ import annotations

import csv
import io
from typing import Any

import pytest

from isa_registry.core.analyses import (
    MAX_PATHS,
    UnknownCategory,
    UnknownOrganisation,
    UnknownSubjects,
    breach_impact,
    breach_impact_rows,
    generate_csv,
    who_receives,
    who_receives_rows,
)
from isa_registry.core.domain import Flow, Registry
from isa_registry.core.scope import flow_shares_personal_data_on

from .builders import AS_OF, agreement, days, flow, organisation, party, registry

KEYS = ("police", "council", "school", "clinic", "research", "charity")


def chain(*flows: Flow, agreements: list[Any] | None = None) -> Registry:
    """A registry of the organisations in :data:`KEYS` (each with a DPO contact) and ``flows``."""
    return registry([organisation(k, name=k.title()) for k in KEYS], agreements or [], list(flows))


def hop(key: str, source: str, recipient: str, **overrides: Any) -> Flow:
    """A live flow of children's referrals and health data, with no agreement."""
    values: dict[str, Any] = {
        "data_subjects": ["children"],
        "data_categories": ["referral", "health"],
    }
    values.update(overrides)
    return flow(key, source, recipient, None, **values)


def reached(answer: Any) -> dict[str, tuple[int, list[list[str]]]]:
    return {o.key: (o.depth, [list(p) for p in o.paths]) for o in answer.organisations}


# --- The rule a flow counts by --------------------------------------------------------------------


@pytest.mark.parametrize(
    ("changes", "counts"),
    [
        ({}, True),
        ({"identifiability": "pseudonymised"}, True),
        ({"identifiability": "anonymised"}, False),
        ({"status": "planned"}, False),
        ({"status": "ceased"}, False),
        ({"status": "ceased", "end_date": days(10)}, False),
        ({"archived": True}, False),
        ({"start_date": AS_OF}, True),
        ({"start_date": days(1)}, False),
        ({"end_date": AS_OF}, True),
        ({"end_date": days(-1)}, False),
        ({"start_date": None, "end_date": None}, True),
    ],
)
def test_a_flow_counts_when_active_within_its_dates_and_not_anonymised(
    changes: dict[str, Any], counts: bool
) -> None:
    assert flow_shares_personal_data_on(flow(**changes), AS_OF) is counts


# --- Who receives, across the partnership ------------------------------------------------------


def test_every_recipient_of_the_data_is_listed_with_its_flows_basis_retention_and_dpo() -> None:
    answer = who_receives(
        chain(hop("F1", "police", "council"), hop("F2", "clinic", "council"), hop("F3", "council", "school")),
        "children",
        "health",
        AS_OF,
    )
    assert reached(answer) == {"council": (1, [["F1"], ["F2"]]), "school": (1, [["F3"]])}
    assert [f.key for f in answer.flows] == ["F1", "F2", "F3"]
    line = answer.flows[0]
    assert line.basis == "Art 6(1)(e) public task"
    assert line.retention == "Until the child's 25th birthday"
    assert line.recipient_dpo_contact == "dpo@council.example"
    assert {o.key: o.dpo_contact for o in answer.organisations}["school"] == "dpo@school.example"


def test_a_flow_about_other_people_or_other_data_is_left_out() -> None:
    answer = who_receives(
        chain(
            hop("F1", "police", "council", data_subjects=["parents_carers"]),
            hop("F2", "police", "school", data_categories=["referral"]),
            hop("F3", "police", "clinic"),
        ),
        "children",
        "health",
        AS_OF,
    )
    assert [o.key for o in answer.organisations] == ["clinic"]


@pytest.mark.parametrize(
    ("category", "found"), [("special", ["F1"]), ("criminal", ["F2"]), ("referral", ["F1"])]
)
def test_special_and_criminal_stand_for_every_category_of_their_kind(category: str, found: list[str]) -> None:
    answer = who_receives(
        chain(
            hop("F1", "police", "council", data_categories=["referral", "racial_ethnic_origin"]),
            hop("F2", "police", "school", data_categories=["criminal_offence"]),
        ),
        "children",
        category,
        AS_OF,
    )
    assert [f.key for f in answer.flows] == found


def test_ceased_and_anonymised_flows_are_left_out_and_pseudonymised_kept() -> None:
    answer = who_receives(
        chain(
            hop("F1", "police", "council", status="ceased", end_date=days(30)),
            hop("F2", "police", "school", identifiability="anonymised"),
            hop("F3", "police", "research", identifiability="pseudonymised"),
        ),
        "children",
        "health",
        AS_OF,
    )
    assert [o.key for o in answer.organisations] == ["research"]
    assert answer.planned == ()


def test_planned_flows_are_listed_apart_and_do_not_count() -> None:
    answer = who_receives(
        chain(hop("F1", "police", "council", status="planned", start_date=days(30))),
        "children",
        "health",
        AS_OF,
    )
    assert answer.organisations == ()
    assert answer.flows == ()
    assert [f.key for f in answer.planned] == ["F1"]
    assert answer.as_dict()["planned"] == ["F1"]


@pytest.mark.parametrize(
    ("as_of", "found"),
    [(days(-1), []), (days(0), ["council"]), (days(10), ["council"]), (days(11), [])],
)
def test_a_flow_counts_from_its_start_date_to_its_end_date(as_of: Any, found: list[str]) -> None:
    registry_ = chain(hop("F1", "police", "council", start_date=AS_OF, end_date=days(10)))
    assert [o.key for o in who_receives(registry_, "children", "health", as_of).organisations] == found


# --- Who receives, from one organisation and on ----------------------------------------------


def test_from_an_organisation_the_data_is_followed_onward_to_any_depth() -> None:
    answer = who_receives(
        chain(
            hop("F1", "police", "council"),
            hop("F2", "council", "school"),
            hop("F3", "school", "research"),
            hop("F4", "clinic", "council"),
        ),
        "children",
        "health",
        AS_OF,
        source="police",
    )
    assert reached(answer) == {
        "council": (1, [["F1"]]),
        "school": (2, [["F1", "F2"]]),
        "research": (3, [["F1", "F2", "F3"]]),
    }
    assert [(f.key, f.depth) for f in answer.flows] == [("F1", 1), ("F2", 2), ("F3", 3)]
    assert answer.source_name == "Police"


def test_a_cycle_is_cut_where_it_closes() -> None:
    answer = who_receives(
        chain(hop("F1", "police", "council"), hop("F2", "council", "school"), hop("F3", "school", "police")),
        "children",
        "health",
        AS_OF,
        source="police",
    )
    assert reached(answer) == {"council": (1, [["F1"]]), "school": (2, [["F1", "F2"]])}
    assert [f.key for f in answer.flows] == ["F1", "F2", "F3"]


def test_the_onward_chain_stops_at_a_flow_that_does_not_count() -> None:
    answer = who_receives(
        chain(
            hop("F1", "police", "council"),
            hop("F2", "council", "school", end_date=days(-1)),
            hop("F3", "school", "research"),
            hop("F4", "council", "clinic", status="planned"),
        ),
        "children",
        "health",
        AS_OF,
        source="police",
    )
    assert reached(answer) == {"council": (1, [["F1"]])}
    assert [(f.key, f.depth) for f in answer.planned] == [("F4", 2)]


def test_each_organisation_has_its_depth_and_every_shortest_path() -> None:
    answer = who_receives(
        chain(
            hop("F1", "police", "council"),
            hop("F2", "police", "clinic"),
            hop("F3", "council", "school"),
            hop("F4", "clinic", "school"),
            hop("F5", "police", "research"),
            hop("F6", "school", "research"),
        ),
        "children",
        "health",
        AS_OF,
        source="police",
    )
    found = reached(answer)
    assert found["school"] == (2, [["F1", "F3"], ["F2", "F4"]])
    assert found["research"] == (1, [["F5"]])


def test_the_paths_listed_are_capped_and_counted() -> None:
    middle = [f"m{i}" for i in range(5)]
    orgs = [organisation(k) for k in ("start", "end", *middle, *(f"n{i}" for i in range(5)))]
    flows = [hop(f"A{i}", "start", m) for i, m in enumerate(middle)]
    flows += [hop(f"B{i}{j}", m, f"n{j}") for i, m in enumerate(middle) for j in range(5)]
    flows += [hop(f"C{j}", f"n{j}", "end") for j in range(5)]
    answer = who_receives(registry(orgs, [], flows), "children", "health", AS_OF, source="start")
    end = next(o for o in answer.organisations if o.key == "end")
    assert (end.depth, end.path_count, len(end.paths)) == (3, 25, MAX_PATHS)


def test_the_source_alone_receives_nothing_from_itself() -> None:
    answer = who_receives(chain(hop("F1", "council", "school")), "children", "health", AS_OF, source="police")
    assert answer.organisations == ()
    assert answer.flows == ()


def test_the_answer_as_json_has_the_agreed_shape() -> None:
    answer = who_receives(
        chain(hop("F1", "police", "council")), "children", "special", AS_OF, source="police"
    )
    data = answer.as_dict()
    assert data["as_of"] == "2026-11-23"
    assert data["query"]["category"] == "special"
    assert data["query"]["source"] == "police"
    assert data["organisations"] == [
        {
            "key": "council",
            "name": "Council",
            "depth": 1,
            "paths": [["F1"]],
            "path_count": 1,
            "dpo_contact": "dpo@council.example",
        }
    ]
    assert data["flows"] == ["F1"]
    assert data["flow_details"][0]["matched_categories"] == ["health"]


@pytest.mark.parametrize(
    ("subjects", "category", "source", "error", "words"),
    [
        ("pets", "health", None, UnknownSubjects, "'pets'"),
        ("children", "gossip", None, UnknownCategory, "'gossip'"),
        ("children", "health", "nobody", UnknownOrganisation, "'nobody'"),
    ],
)
def test_an_unknown_person_category_or_organisation_is_refused_by_name(
    subjects: str, category: str, source: str | None, error: type[Exception], words: str
) -> None:
    with pytest.raises(error, match=words):
        who_receives(chain(), subjects, category, AS_OF, source=source)


def test_a_kind_of_person_only_the_flows_record_can_be_asked_about() -> None:
    answer = who_receives(
        chain(hop("F1", "police", "council", data_subjects=["victims"])), "victims", "health", AS_OF
    )
    assert [o.key for o in answer.organisations] == ["council"]


# --- Breach impact -------------------------------------------------------------------------------


def test_a_breach_lists_what_was_received_from_whom_and_what_was_sent_to_whom() -> None:
    impact = breach_impact(
        chain(
            hop("F1", "police", "council"),
            hop("F2", "clinic", "council", data_categories=["criminal_offence"]),
            hop("F3", "council", "school", data_categories=["education"]),
            hop("F4", "school", "research"),
        ),
        "council",
        AS_OF,
    )
    assert [f.key for f in impact.received] == ["F1", "F2"]
    assert [f.key for f in impact.sent] == ["F3"]
    assert [t.key for t in impact.to_tell] == ["clinic", "police"]
    assert {o.key: o.relation for o in impact.organisations} == {
        "police": ("source",),
        "clinic": ("source",),
        "school": ("recipient",),
    }
    assert [f.key for f in impact.special] == ["F1"]
    assert [f.key for f in impact.criminal] == ["F2"]
    assert impact.special_categories == ["health"]
    assert impact.criminal_categories == ["criminal_offence"]


def test_a_processor_must_tell_its_controller_and_a_controller_tells_as_agreed() -> None:
    dpa = agreement("DPA-1", parties=("police", "council"))
    dpa.parties[1] = party("council", role="processor")
    isa = agreement("ISA-1", parties=("clinic", "council"))
    impact = breach_impact(
        chain(
            flow("F1", "police", "council", "DPA-1"),
            flow("F2", "clinic", "council", "ISA-1"),
            agreements=[dpa, isa],
        ),
        "council",
        AS_OF,
    )
    duties = {t.key: (t.duty, t.reference) for t in impact.to_tell}
    assert duties["police"] == ("processor", "UK GDPR Art 33(2); DPA 2018 s67")
    assert duties["clinic"][0] == "controller"
    assert "Art 33(1)" in duties["clinic"][1]
    assert impact.is_processor
    assert [(a.key, a.role, a.in_force) for a in impact.agreements] == [
        ("DPA-1", "processor", True),
        ("ISA-1", "controller", True),
    ]


def test_an_agreement_not_in_force_is_still_engaged_and_says_so() -> None:
    ended = agreement("ISA-1", parties=("police", "council"), status="expired")
    impact = breach_impact(
        chain(flow("F1", "police", "council", "ISA-1"), agreements=[ended]), "council", AS_OF
    )
    assert [(a.key, a.in_force, a.status_label) for a in impact.agreements] == [("ISA-1", False, "Expired")]


def test_a_breach_leaves_out_ceased_and_anonymised_flows_and_lists_planned_apart() -> None:
    impact = breach_impact(
        chain(
            hop("F1", "police", "council", status="ceased", end_date=days(5)),
            hop("F2", "council", "research", identifiability="anonymised"),
            hop("F3", "council", "school", identifiability="pseudonymised"),
            hop("F4", "clinic", "council", status="planned"),
            hop("F5", "council", "charity", end_date=days(-1)),
        ),
        "council",
        AS_OF,
    )
    assert [f.key for f in impact.flows] == ["F3"]
    assert [f.key for f in impact.planned] == ["F4"]
    assert impact.to_tell == ()


@pytest.mark.parametrize(
    ("as_of", "found"), [(days(-1), []), (AS_OF, ["F1"]), (days(3), ["F1"]), (days(4), [])]
)
def test_a_breach_counts_a_flow_from_its_start_to_its_end_date(as_of: Any, found: list[str]) -> None:
    impact = breach_impact(
        chain(hop("F1", "police", "council", start_date=AS_OF, end_date=days(3))), "council", as_of
    )
    assert [f.key for f in impact.received] == found


def test_a_breach_at_an_unknown_organisation_is_refused_by_name() -> None:
    with pytest.raises(UnknownOrganisation, match="'nobody'"):
        breach_impact(chain(), "nobody", AS_OF)


def test_the_breach_answer_as_json_has_the_agreed_shape() -> None:
    data = breach_impact(chain(hop("F1", "police", "council")), "council", AS_OF).as_dict()
    assert data["as_of"] == "2026-11-23"
    assert data["query"] == {"organisation": "council", "organisation_name": "Council"}
    assert data["organisations"][0] == {
        "key": "police",
        "name": "Police",
        "depth": 1,
        "paths": [["F1"]],
        "path_count": 1,
        "dpo_contact": "dpo@police.example",
        "relation": ["source"],
    }
    assert data["flows"] == ["F1"]
    assert data["to_tell"][0]["duty"] == "controller"
    assert "Art 33(2)" in data["duties"]["processor"]


# --- Tables ----------------------------------------------------------------------------------------


def _read(table: Any) -> list[list[str]]:
    return list(csv.reader(io.StringIO(generate_csv(table).read().decode("utf-8-sig"))))


def test_the_csv_of_who_receives_has_a_row_per_flow_counted_then_planned() -> None:
    answer = who_receives(
        chain(hop("F1", "police", "council"), hop("F2", "police", "school", status="planned")),
        "children",
        "health",
        AS_OF,
    )
    rows = _read(who_receives_rows(answer))
    assert [r[:3] for r in rows] == [["Counts", "Depth", "Flow"], ["Yes", "1", "F1"], ["Planned", "", "F2"]]
    assert "Health (physical and mental)" in rows[1]


def test_csv_cells_that_a_spreadsheet_would_run_are_neutralised() -> None:
    registry_ = chain(hop("F1", "police", "council", name='=HYPERLINK("http://x")'))
    registry_.organisations["police"].name = "@SUM(A1)"
    rows = _read(breach_impact_rows(breach_impact(registry_, "council", AS_OF)))
    assert rows[1][:4] == ["Received", "F1", '\'=HYPERLINK("http://x")', "'@SUM(A1)"]
