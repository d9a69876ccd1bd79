"""Which flows and agreements count on a date, worst severity and review due: both sides of each line."""

from __future__ import annotations

from datetime import date

import pytest

from isa_registry.core.domain import Agreement
from isa_registry.core.rules import run_rules
from isa_registry.core.scope import (
    LIVE_FLOW_STATUSES,
    REVIEW_NOTICE_DAYS,
    agreement_in_force,
    flow_current,
    flow_in_scope,
    flow_live_on,
    review_due,
    review_overdue,
    worst,
)

from .builders import AS_OF, agreement, days, flow, registry

# --- A flow the record says goes on (flow_current) ---------------------------------------------


def test_a_flow_is_current_on_its_end_date_and_not_the_day_after() -> None:
    ends = flow(end_date=AS_OF)
    assert flow_current(ends, AS_OF)
    assert not flow_current(ends, days(1))


@pytest.mark.parametrize(("status", "current"), [("active", True), ("planned", True), ("ceased", False)])
def test_an_active_or_planned_flow_is_current_and_a_ceased_one_is_not(status: str, current: bool) -> None:
    assert flow_current(flow(status=status, end_date=None), AS_OF) is current


def test_a_flow_is_current_whatever_its_start_date() -> None:
    assert flow_current(flow(start_date=days(30)), AS_OF)
    assert flow_current(flow(status="planned", start_date=days(30)), AS_OF)


def test_an_archived_flow_is_never_current() -> None:
    assert flow_current(flow(archived=False), AS_OF)
    assert not flow_current(flow(archived=True), AS_OF)


def test_an_anonymised_flow_can_be_current() -> None:
    assert flow_current(flow(identifiability="anonymised"), AS_OF)


def test_the_live_statuses_are_every_status_but_ceased_in_the_order_of_the_domain() -> None:
    assert LIVE_FLOW_STATUSES == ("planned", "active")


# --- In scope of the rules and the ROPA (flow_in_scope) ------------------------------------------


@pytest.mark.parametrize(
    ("identifiability", "in_scope"), [("identifiable", True), ("pseudonymised", True), ("anonymised", False)]
)
def test_only_flows_of_personal_data_are_in_scope(identifiability: str, in_scope: bool) -> None:
    assert flow_in_scope(flow(identifiability=identifiability), AS_OF) is in_scope


def test_a_planned_flow_not_yet_started_is_in_scope() -> None:
    assert flow_in_scope(flow(status="planned", start_date=days(30)), AS_OF)


def test_a_flow_is_in_scope_until_its_end_date() -> None:
    assert flow_in_scope(flow(end_date=AS_OF), AS_OF)
    assert not flow_in_scope(flow(end_date=days(-1)), AS_OF)


def test_a_ceased_or_archived_flow_is_out_of_scope() -> None:
    assert not flow_in_scope(flow(status="ceased"), AS_OF)
    assert not flow_in_scope(flow(archived=True), AS_OF)


# --- Drawn on the map of a date (flow_live_on) ---------------------------------------------------


def test_an_active_flow_is_live_from_its_start_date_to_its_end_date() -> None:
    f = flow(start_date=days(-10), end_date=days(10))
    assert not flow_live_on(f, days(-11))
    assert flow_live_on(f, days(-10))
    assert flow_live_on(f, days(10))
    assert not flow_live_on(f, days(11))


def test_a_planned_flow_is_live_before_its_start_date_until_its_end_date() -> None:
    f = flow(status="planned", start_date=days(30), end_date=days(60))
    assert flow_live_on(f, AS_OF)
    assert flow_live_on(f, days(60))
    assert not flow_live_on(f, days(61))


def test_a_ceased_flow_is_live_between_its_dates_only_when_it_has_an_end_date() -> None:
    ceased = flow(status="ceased", start_date=days(-30), end_date=days(-1))
    assert not flow_live_on(ceased, days(-31))
    assert flow_live_on(ceased, days(-30))
    assert flow_live_on(ceased, days(-1))
    assert not flow_live_on(ceased, AS_OF)
    assert not flow_live_on(flow(status="ceased", start_date=days(-30), end_date=None), days(-2))


def test_an_archived_flow_is_never_drawn() -> None:
    assert flow_live_on(flow(archived=False), AS_OF)
    assert not flow_live_on(flow(archived=True), AS_OF)


def test_a_flow_without_dates_is_live_on_any_day() -> None:
    f = flow(start_date=None, end_date=None)
    assert flow_live_on(f, date(1990, 1, 1)) and flow_live_on(f, date(2100, 1, 1))


# --- An agreement in force (agreement_in_force) --------------------------------------------------


def test_an_agreement_is_in_force_from_its_start_date_to_its_end_date() -> None:
    a = agreement(start_date=days(-10), end_date=days(10))
    assert not agreement_in_force(a, days(-11))
    assert agreement_in_force(a, days(-10))
    assert agreement_in_force(a, days(10))
    assert not agreement_in_force(a, days(11))


def test_an_agreement_without_dates_is_in_force_on_any_day() -> None:
    assert agreement_in_force(agreement(start_date=None, end_date=None), date(2100, 1, 1))


@pytest.mark.parametrize(
    ("status", "in_force"),
    [("draft", False), ("active", True), ("under_review", True), ("expired", False), ("terminated", False)],
)
def test_only_an_active_or_under_review_agreement_is_in_force(status: str, in_force: bool) -> None:
    assert agreement_in_force(agreement(status=status), AS_OF) is in_force


def test_an_archived_agreement_is_not_in_force() -> None:
    assert agreement_in_force(agreement(archived=False), AS_OF)
    assert not agreement_in_force(agreement(archived=True), AS_OF)


# --- Review due and overdue ----------------------------------------------------------------------


def test_a_review_is_overdue_the_day_after_its_date_and_due_on_it() -> None:
    on_the_day = agreement(review_date=AS_OF)
    assert review_due(on_the_day, AS_OF) and not review_overdue(on_the_day, AS_OF)
    assert review_overdue(on_the_day, days(1)) and not review_due(on_the_day, days(1))


def test_a_review_is_due_within_the_notice_period_and_not_before() -> None:
    assert review_due(agreement(review_date=days(REVIEW_NOTICE_DAYS)), AS_OF)
    assert not review_due(agreement(review_date=days(REVIEW_NOTICE_DAYS + 1)), AS_OF)
    assert review_due(agreement(review_date=days(10)), AS_OF, notice_days=10)
    assert not review_due(agreement(review_date=days(11)), AS_OF, notice_days=10)


@pytest.mark.parametrize(
    ("status", "counted"),
    [("draft", False), ("active", True), ("under_review", True), ("expired", False), ("terminated", False)],
)
def test_only_agreements_that_can_be_in_force_are_due_for_review(status: str, counted: bool) -> None:
    assert review_due(agreement(status=status, review_date=AS_OF), AS_OF) is counted
    assert review_overdue(agreement(status=status, review_date=days(-1)), AS_OF) is counted


def test_an_agreement_without_a_review_date_or_archived_is_never_due() -> None:
    assert not review_due(agreement(review_date=None), AS_OF)
    assert not review_overdue(agreement(review_date=None), AS_OF)
    assert not review_due(agreement(review_date=AS_OF, archived=True), AS_OF)
    assert not review_overdue(agreement(review_date=days(-1), archived=True), AS_OF)


def _review_agreements() -> list[Agreement]:
    statuses = ("draft", "active", "under_review", "expired", "terminated")
    offsets = (None, -400, -1, 0, 1, 89, 90, 91, 400)
    return [
        agreement(
            f"A-{status}-{offset}",
            status=status,
            review_date=None if offset is None else days(offset),
            start_date=None,
            end_date=None,
        )
        for status in statuses
        for offset in offsets
    ]


def test_the_review_rules_fire_exactly_for_the_agreements_scope_says_are_due_or_overdue() -> None:
    agreements = _review_agreements()
    findings = run_rules(registry(agreements=agreements), AS_OF)
    fired = {
        "due": {f.subject_key for f in findings if f.code == "AGREEMENT_REVIEW_DUE"},
        "overdue": {f.subject_key for f in findings if f.code == "AGREEMENT_REVIEW_OVERDUE"},
    }
    assert fired["due"] == {a.key for a in agreements if review_due(a, AS_OF)}
    assert fired["overdue"] == {a.key for a in agreements if review_overdue(a, AS_OF)}
    assert fired["due"] and fired["overdue"]


# --- Worst severity ------------------------------------------------------------------------------


def test_the_worst_severity_is_the_most_serious_and_none_counts_for_nothing() -> None:
    assert worst(["info", "warning"]) == "warning"
    assert worst(["info", "error", "warning"]) == "error"
    assert worst(["info", None]) == "info"
    assert worst([None]) is None
    assert worst([]) is None
