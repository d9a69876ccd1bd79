"""What falls due on each boundary date, on plain objects (isa_registry.core.reminders)."""

from __future__ import annotations

from collections.abc import Collection
from dataclasses import replace
from datetime import date, timedelta
from typing import Any

import pytest

from isa_registry.core.decisions import Action, Decision
from isa_registry.core.domain import Finding, Party, Registry
from isa_registry.core.reminders import Notice, digest, digest_identity, email_in, standing, unsent
from tests.builders import AS_OF, agreement, clean_registry, days, registry


def plan(
    reg: Registry, as_of: date, *, sent: Collection[tuple[str, str]] = (), **inputs: Any
) -> list[Notice]:
    """What the command sends on ``as_of``: what is due, to those not yet sent it."""
    return unsent(standing(reg, as_of, **inputs), sent)


REVIEW = days(100)


def _review_registry(**changes: object):
    return clean_registry(agreement={"review_date": REVIEW, "end_date": days(900), **changes})


def _kinds(notices: list[Notice]) -> list[str]:
    return [n.kind for n in notices]


def _on(days_before: int) -> date:
    """The date ``days_before`` days before the review date."""
    return REVIEW - timedelta(days=days_before)


@pytest.mark.parametrize(
    ("days_before", "expected"),
    [
        (91, []),
        (90, ["review-90"]),
        (89, ["review-90"]),
        (31, ["review-90"]),
        (30, ["review-30"]),
        (29, ["review-30"]),
        (8, ["review-30"]),
        (7, ["review-7"]),
        (6, ["review-7"]),
        (0, ["review-7"]),
        (-1, ["review-overdue"]),
    ],
)
def test_only_the_nearest_review_threshold_crossed_is_due(days_before: int, expected: list[str]) -> None:
    assert _kinds(plan(_review_registry(), _on(days_before))) == expected


def test_a_review_notice_is_identified_by_its_threshold_agreement_and_review_date() -> None:
    [notice] = plan(_review_registry(), _on(30))
    assert notice.identity == f"review-30|agreement|DSPP-ISA-001||{REVIEW.isoformat()}"
    assert notice.days == 30


def test_a_review_notice_sent_is_not_due_again_until_the_next_threshold() -> None:
    sent = {(f"review-90|agreement|DSPP-ISA-001||{REVIEW.isoformat()}", "dpo@dudley.example")}
    reg = _review_registry()
    assert plan(reg, _on(89), sent=sent) == []
    assert plan(reg, _on(31), sent=sent) == []
    assert _kinds(plan(reg, _on(30), sent=sent)) == ["review-30"]


def test_a_new_review_date_starts_a_new_round_of_notices() -> None:
    [first] = plan(_review_registry(), _on(30))
    sent = {(first.identity, "dpo@dudley.example")}
    later = _review_registry(review_date=REVIEW + timedelta(days=365))
    assert _kinds(plan(later, _on(30) + timedelta(days=365), sent=sent)) == ["review-30"]


def test_the_overdue_notice_is_sent_once_whatever_the_day() -> None:
    [overdue] = plan(_review_registry(), _on(-1))
    sent = {(overdue.identity, "dpo@dudley.example")}
    assert plan(_review_registry(), _on(-40), sent=sent) == []


def test_drafts_expired_and_archived_agreements_have_no_review_notices() -> None:
    for changes in ({"status": "draft"}, {"status": "expired"}, {"archived": True}):
        assert plan(_review_registry(**changes), _on(7)) == [], changes


def test_review_notices_go_to_the_owners_dpo_and_signatories_with_an_account() -> None:
    parties = [
        Party("dudley", signed_on=days(-200), signed_by="Jane Smith <Jane.Smith@dudley.example>"),
        Party("wmp", signed_on=days(-200), signed_by="chief@wmp.example"),
    ]
    reg = _review_registry(parties=parties)
    [notice] = plan(reg, _on(7), accounts={"jane.smith@dudley.example"})
    assert notice.recipients == ("dpo@dudley.example", "jane.smith@dudley.example")


def test_a_notice_already_sent_to_one_recipient_goes_to_the_others_only() -> None:
    parties = [Party("dudley", signed_on=days(-200), signed_by="jane@dudley.example"), Party("wmp")]
    reg = _review_registry(parties=parties)
    identity = f"review-7|agreement|DSPP-ISA-001||{REVIEW.isoformat()}"
    [notice] = plan(reg, _on(7), accounts={"jane@dudley.example"}, sent={(identity, "dpo@dudley.example")})
    assert notice.recipients == ("jane@dudley.example",)


def test_an_agreement_without_anyone_to_tell_sends_nothing() -> None:
    reg = _review_registry()
    reg.organisations["dudley"] = replace(reg.organisations["dudley"], dpo_contact="Ask the front desk")
    assert plan(reg, _on(7)) == []
    assert _kinds(standing(reg, _on(7))) == ["review-7"]  # still due: the digest lists it


@pytest.mark.parametrize(
    ("days_before", "expected"), [(31, []), (30, ["end-30"]), (29, ["end-30"]), (0, ["end-30"]), (-1, [])]
)
def test_the_end_is_told_within_30_days(days_before: int, expected: list[str]) -> None:
    end = days(60)
    reg = clean_registry(agreement={"end_date": end})
    assert _kinds(plan(reg, end - timedelta(days=days_before))) == expected


@pytest.mark.parametrize(("after", "expected"), [(13, []), (14, ["unsigned"]), (15, ["unsigned"])])
def test_a_party_that_has_not_signed_is_told_14_days_after_the_agreement_was_created(
    after: int, expected: list[str]
) -> None:
    created = days(-after)
    parties = [Party("dudley", signed_on=days(-1)), Party("wmp")]
    reg = clean_registry(agreement={"status": "draft", "parties": parties})
    notices = plan(reg, AS_OF, created={"DSPP-ISA-001": created})
    assert _kinds(notices) == expected
    if notices:
        assert notices[0].detail == "wmp" and notices[0].detail_label == "West Midlands Police"
        assert notices[0].recipients == ("dpo@dudley.example", "dpo@wmp.example")
        assert notices[0].identity == f"unsigned|agreement|DSPP-ISA-001|wmp|{created.isoformat()}"


def test_without_a_creation_date_no_unsigned_notice_is_due() -> None:
    reg = clean_registry(agreement={"parties": [Party("dudley"), Party("wmp")]})
    assert plan(reg, AS_OF) == []


FINDING = Finding("FLOW_NO_RETENTION", "warning", "flow", "FLOW-012", "No retention period.", "", "")


def _action(due: date) -> Action:
    return Action(
        "flow", "FLOW-012", "FLOW_NO_RETENTION", "owner@dudley.example", due, "ed@x.example", days(-30)
    )


@pytest.mark.parametrize(
    ("days_before", "expected"),
    [(8, []), (7, ["action-due"]), (6, ["action-due"]), (0, ["action-due"]), (-1, ["action-overdue"])],
)
def test_an_action_is_told_to_its_owner_when_near_or_past_its_due_date(
    days_before: int, expected: list[str]
) -> None:
    due = days(20)
    notices = plan(
        clean_registry(), due - timedelta(days=days_before), findings=[FINDING], actions=[_action(due)]
    )
    assert _kinds(notices) == expected
    if notices:
        assert notices[0].recipients == ("owner@dudley.example",)
        assert notices[0].title == "MASH referrals"
        assert notices[0].path == "/findings/flow/FLOW-012/FLOW_NO_RETENTION"


def test_an_action_on_a_finding_fixed_or_decided_is_not_told() -> None:
    due = days(3)
    decided = Decision(
        "flow",
        "FLOW-012",
        "FLOW_NO_RETENTION",
        "not_applicable",
        "Anonymous.",
        "dpo@x.example",
        days(-1),
        None,
        "No retention period.",
    )
    assert plan(clean_registry(), AS_OF, findings=[], actions=[_action(due)]) == []
    assert (
        plan(clean_registry(), AS_OF, findings=[FINDING], decisions=[decided], actions=[_action(due)]) == []
    )


@pytest.mark.parametrize(
    ("days_before", "expected"),
    [(15, []), (14, ["decision-lapse"]), (13, ["decision-lapse"]), (0, ["decision-lapse"]), (-1, [])],
)
def test_a_decision_about_to_lapse_is_told_to_whoever_decided(days_before: int, expected: list[str]) -> None:
    review_by = days(40)
    decided = Decision(
        "flow",
        "FLOW-012",
        "FLOW_NO_RETENTION",
        "accepted",
        "Reviewed.",
        "DPO@dudley.example",
        days(-10),
        review_by,
        "No retention period.",
    )
    notices = plan(
        clean_registry(), review_by - timedelta(days=days_before), findings=[FINDING], decisions=[decided]
    )
    assert _kinds(notices) == expected
    if notices:
        assert notices[0].recipients == ("dpo@dudley.example",)


def test_messages_carry_keys_titles_dates_and_links_but_never_purposes_or_categories() -> None:
    reg = _review_registry(purpose="Referrals of children at risk", data_categories=["health"])
    [notice] = plan(reg, _on(30))
    body = notice.text("https://isa.example") + notice.html("https://isa.example")
    assert "DSPP-ISA-001" in body and "MASH information sharing" in body
    assert f"{REVIEW.day} {REVIEW:%B %Y}" in body
    assert "https://isa.example/agreements/DSPP-ISA-001" in body
    assert "children" not in body.lower() and "health" not in body.lower()
    assert notice.headline == "Review of DSPP-ISA-001 due in 30 days"


def test_the_html_part_escapes_what_records_hold() -> None:
    reg = clean_registry(agreement={"title": "<script>alert(1)</script>", "review_date": days(5)})
    [notice] = plan(reg, AS_OF)
    assert "<script>" not in notice.html("https://isa.example")


def test_one_digest_a_week() -> None:
    monday = date(2026, 11, 23)
    assert {digest_identity(monday + timedelta(days=n)) for n in range(7)} == {"digest|2026-W48"}
    assert digest_identity(monday + timedelta(days=7)) == "digest|2026-W49"


def test_the_digest_lists_what_falls_due_and_the_open_errors() -> None:
    reg = _review_registry()
    error = Finding("FLOW_NO_ARTICLE6", "error", "flow", "FLOW-012", "About children.", "", "")
    from isa_registry.core.decisions import review

    d = digest(
        _on(7), "1 November 2026", [], standing(reg, _on(7)), review([error, FINDING], [], _on(7)), reg
    )
    text = d.text("https://isa.example")
    assert "Review of" not in d.headline and "1 due, 1 open errors" in d.headline
    assert "FLOW_NO_ARTICLE6 on flow FLOW-012 (MASH referrals)" in text
    assert "https://isa.example/agreements/DSPP-ISA-001" in text
    assert "About children" not in text and "Nothing changed." in text
    assert "2 open" in text


def test_email_in_finds_an_address_in_a_contact() -> None:
    assert email_in("DPO: dpo@dudley.gov.uk (Mon-Fri)") == "dpo@dudley.gov.uk"
    assert email_in(None) is None


def test_standing_notices_are_the_soonest_first() -> None:
    reg = registry(
        agreements=[
            agreement("A-LATE", review_date=days(80)),
            agreement("A-SOON", review_date=days(3)),
        ]
    )
    assert [n.subject_key for n in standing(reg, AS_OF)] == ["A-SOON", "A-LATE"]
