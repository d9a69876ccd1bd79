"""``flask send-reminders`` against a real SMTP server (aiosmtpd) on 127.0.0.1: what is sent on
each boundary date, nothing twice, a refused message reported and sent on the next run, nothing
with ``--dry-run`` or without a mail server, and the weekly digest."""

from __future__ import annotations

import email
import email.policy
import socket
from collections.abc import Iterator
from datetime import UTC, date, datetime, timedelta
from email.message import EmailMessage
from typing import Any

import pytest
from aiosmtpd.controller import Controller
from flask import Flask
from flask.testing import FlaskCliRunner
from sqlalchemy import func, select, update

from isa_registry.core.domain import Party
from isa_registry.store.db import db
from isa_registry.store.models import Agreement, FindingAction, FindingDecision, SentNotice, User
from tests.builders import clean_registry
from tests.conftest import NO_RETENTION, add_rows, store

REVIEW = date(2027, 6, 1)
DPO = "dpo@dudley.example"
SIGNATORY = "jane@wmp.example"
PUBLIC_URL = "https://isa.example"


class Collector:
    """An SMTP handler that keeps every message it accepts and refuses the addresses in ``refuse``."""

    def __init__(self) -> None:
        self.messages: list[EmailMessage] = []
        self.refuse: set[str] = set()

    async def handle_RCPT(self, server: Any, session: Any, envelope: Any, address: str, options: Any) -> str:
        if address.lower() in self.refuse:
            return "550 5.1.1 Mailbox unavailable"
        envelope.rcpt_tos.append(address)
        return "250 OK"

    async def handle_DATA(self, server: Any, session: Any, envelope: Any) -> str:
        msg = email.message_from_bytes(envelope.content, policy=email.policy.default)
        assert isinstance(msg, EmailMessage)
        self.messages.append(msg)
        return "250 Message accepted for delivery"

    def take(self) -> list[tuple[str, str]]:
        """(recipient, subject) of each message received since the last call, and forget them."""
        got = [(str(m["To"]), str(m["Subject"]).rpartition("–")[0].strip()) for m in self.messages]
        self.messages.clear()
        return sorted(got)


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


@pytest.fixture()
def smtp(app: Flask) -> Iterator[Collector]:
    """A real SMTP server on 127.0.0.1, and the app set to send through it."""
    collector = Collector()
    port = _free_port()
    controller = Controller(collector, hostname="127.0.0.1", port=port)
    controller.start()
    settings = {
        "MAIL_SERVER": "127.0.0.1",
        "MAIL_PORT": port,
        "MAIL_USE_TLS": False,
        "MAIL_USERNAME": None,
        "MAIL_DEFAULT_SENDER": "isa-registry@dudley.example",
        "DIGEST_TO": [],
        "PUBLIC_URL": PUBLIC_URL,
    }
    previous = {k: app.config.get(k) for k in settings}
    app.config.update(settings)
    try:
        yield collector
    finally:
        app.config.update(previous)
        controller.stop()


def _registry(**agreement: Any):
    parties = [
        Party("dudley", signed_on=date(2026, 1, 5), signed_by="Director of Children's Services"),
        Party("wmp", signed_on=date(2026, 1, 6), signed_by=SIGNATORY),
    ]
    return clean_registry(
        agreement={"review_date": REVIEW, "end_date": date(2030, 1, 1), "parties": parties, **agreement}
    )


@pytest.fixture()
def partnership(app: Flask) -> Flask:
    """The clean partnership, reviewed on :data:`REVIEW`, with an account for the police signatory."""
    store(app, _registry())
    with app.app_context():
        db.session.add(User(email=SIGNATORY, role="viewer", password_hash="x"))
        db.session.commit()
    return app


def _run(runner: FlaskCliRunner, as_of: date, *more: str) -> Any:
    return runner.invoke(args=["send-reminders", "--as-of", as_of.isoformat(), *more])


def _sent_rows(app: Flask) -> int:
    with app.app_context():
        return db.session.scalar(select(func.count()).select_from(SentNotice))


@pytest.mark.parametrize(
    ("days_before", "subject"),
    [
        (91, None),
        (90, "Review of DSPP-ISA-001 due in 90 days"),
        (89, "Review of DSPP-ISA-001 due in 89 days"),
        (30, "Review of DSPP-ISA-001 due in 30 days"),
        (7, "Review of DSPP-ISA-001 due in 7 days"),
        (0, "Review of DSPP-ISA-001 due today"),
        (-1, "Review of DSPP-ISA-001 is overdue"),
    ],
)
def test_a_first_run_sends_the_review_notice_due_on_each_boundary_date(
    partnership: Flask, runner: FlaskCliRunner, smtp: Collector, days_before: int, subject: str | None
) -> None:
    result = _run(runner, REVIEW - timedelta(days=days_before))
    assert result.exit_code == 0, result.output
    expected = [(DPO, subject), (SIGNATORY, subject)] if subject else []
    assert smtp.take() == expected


def test_the_review_notices_come_at_90_30_and_7_days_and_when_overdue_each_once(
    partnership: Flask, runner: FlaskCliRunner, smtp: Collector
) -> None:
    subjects = []
    for days_before in range(92, -3, -1):
        result = _run(runner, REVIEW - timedelta(days=days_before))
        assert result.exit_code == 0, result.output
        subjects += [s for to, s in smtp.take() if to == DPO]
    assert subjects == [
        "Review of DSPP-ISA-001 due in 90 days",
        "Review of DSPP-ISA-001 due in 30 days",
        "Review of DSPP-ISA-001 due in 7 days",
        "Review of DSPP-ISA-001 is overdue",
    ]


def test_running_twice_sends_nothing_twice(
    partnership: Flask, runner: FlaskCliRunner, smtp: Collector
) -> None:
    day = REVIEW - timedelta(days=30)
    assert _run(runner, day).exit_code == 0
    assert len(smtp.take()) == 2
    again = _run(runner, day)
    assert again.exit_code == 0
    assert smtp.take() == []
    assert "Sent 0 message(s)" in again.output
    with partnership.app_context():
        rows = db.session.execute(select(SentNotice.recipient, SentNotice.kind, SentNotice.subject_key)).all()
    assert sorted(rows) == [(DPO, "review-30", "DSPP-ISA-001"), (SIGNATORY, "review-30", "DSPP-ISA-001")]


def test_a_refused_message_is_reported_the_others_sent_and_it_is_sent_on_the_next_run(
    partnership: Flask, runner: FlaskCliRunner, smtp: Collector
) -> None:
    day = REVIEW - timedelta(days=7)
    smtp.refuse.add(DPO)
    result = _run(runner, day)
    assert result.exit_code == 1
    assert f"Not sent to {DPO}: Review of DSPP-ISA-001 due in 7 days" in result.output
    assert "550" in result.output and "tried again next run" in result.output
    assert smtp.take() == [(SIGNATORY, "Review of DSPP-ISA-001 due in 7 days")]
    smtp.refuse.clear()
    retry = _run(runner, day + timedelta(days=1))
    assert retry.exit_code == 0, retry.output
    assert smtp.take() == [(DPO, "Review of DSPP-ISA-001 due in 6 days")]


def test_dry_run_prints_the_plan_and_sends_and_records_nothing(
    partnership: Flask, runner: FlaskCliRunner, smtp: Collector
) -> None:
    result = _run(runner, REVIEW - timedelta(days=30), "--dry-run")
    assert result.exit_code == 0, result.output
    assert f"review-30  DSPP-ISA-001  to {DPO}: Review of DSPP-ISA-001 due in 30 days" in result.output
    assert "Dry run: 2 message(s) would be sent" in result.output
    assert smtp.take() == []
    assert _sent_rows(partnership) == 0


def test_without_a_mail_server_the_plan_is_printed_and_the_command_succeeds(
    partnership: Flask, runner: FlaskCliRunner
) -> None:
    assert partnership.config.get("MAIL_SERVER") is None
    result = _run(runner, REVIEW - timedelta(days=30))
    assert result.exit_code == 0, result.output
    assert "Mail is not configured" in result.output
    assert "review-30  DSPP-ISA-001" in result.output
    assert _sent_rows(partnership) == 0


def test_a_message_has_text_and_html_parts_with_keys_titles_dates_and_links_only(
    app: Flask, runner: FlaskCliRunner, smtp: Collector
) -> None:
    store(app, _registry(purpose="Referrals of children at risk of significant harm"))
    assert _run(runner, REVIEW - timedelta(days=30)).exit_code == 0
    [msg] = smtp.messages
    text = msg.get_body(("plain",))
    html = msg.get_body(("html",))
    assert text is not None and html is not None
    for part in (text.get_content(), html.get_content()):
        assert "DSPP-ISA-001" in part and "MASH information sharing" in part and "1 June 2027" in part
        assert f"{PUBLIC_URL}/agreements/DSPP-ISA-001" in part
        assert "children" not in part.lower()
    assert msg["From"] == "isa-registry@dudley.example" and msg["Auto-Submitted"] == "auto-generated"


def test_a_party_that_has_not_signed_is_told_14_days_after_the_agreement_was_created(
    app: Flask, runner: FlaskCliRunner, smtp: Collector
) -> None:
    store(app, _registry(status="draft", parties=[Party("dudley", signed_on=date(2026, 1, 5)), Party("wmp")]))
    created = datetime(2027, 1, 1, 12, tzinfo=UTC)
    with app.app_context():
        db.session.execute(update(Agreement).values(created_at=created))
        db.session.commit()
    assert _run(runner, date(2027, 1, 14)).exit_code == 0
    assert smtp.take() == []
    assert _run(runner, date(2027, 1, 15)).exit_code == 0
    subject = "DSPP-ISA-001 is waiting for West Midlands Police to sign"
    assert smtp.take() == [(DPO, subject), ("dpo@wmp.example", subject)]


def test_actions_and_decisions_are_told_to_their_owner_and_to_whoever_decided(
    app: Flask, runner: FlaskCliRunner, smtp: Collector
) -> None:
    store(app, clean_registry(flow={"retention": None}, agreement={"review_date": REVIEW}))
    due = date(2027, 1, 20)
    add_rows(
        app,
        FindingAction(
            **NO_RETENTION, owner="owner@wmp.example", due_on=due, assigned_by="ed@x", assigned_on=due
        ),
    )
    assert _run(runner, due - timedelta(days=8)).exit_code == 0
    assert smtp.take() == []
    assert _run(runner, due - timedelta(days=7)).exit_code == 0
    assert smtp.take() == [("owner@wmp.example", "Action on FLOW-012 due in 7 days")]
    assert _run(runner, due + timedelta(days=1)).exit_code == 0
    assert smtp.take() == [("owner@wmp.example", "Action on FLOW-012 is overdue")]
    add_rows(
        app,
        FindingDecision(
            **NO_RETENTION,
            decision="accepted",
            reason="Retention is set by the force's policy.",
            decided_by="dpo@wmp.example",
            decided_on=due,
            review_by=date(2027, 3, 1),
            message="x",
        ),
    )
    # the decision's message is not the finding's: it has lapsed already, and nothing is told
    assert _run(runner, date(2027, 2, 20)).exit_code == 0
    assert smtp.take() == []


def test_a_decision_about_to_lapse_is_told_to_whoever_decided(
    app: Flask, runner: FlaskCliRunner, smtp: Collector
) -> None:
    from isa_registry.core.rules import run_rules

    registry = clean_registry(flow={"retention": None}, agreement={"review_date": REVIEW})
    [finding] = run_rules(registry, date(2027, 2, 1))
    store(app, registry)
    add_rows(
        app,
        FindingDecision(
            **NO_RETENTION,
            decision="accepted",
            reason="Retention is set by the force's policy.",
            decided_by="DPO@wmp.example",
            decided_on=date(2027, 1, 1),
            review_by=date(2027, 3, 1),
            message=finding.message,
        ),
    )
    assert _run(runner, date(2027, 2, 14)).exit_code == 0
    assert smtp.take() == []
    assert _run(runner, date(2027, 2, 15)).exit_code == 0
    assert smtp.take() == [("dpo@wmp.example", "Decision on FLOW-012 lapses in 14 days")]


def test_the_weekly_digest_goes_to_the_business_unit_once_a_week(
    partnership: Flask, runner: FlaskCliRunner, smtp: Collector
) -> None:
    partnership.config["DIGEST_TO"] = ["ig@dudley.example"]
    monday = date(2027, 5, 3)  # the review is 29 days away
    assert _run(runner, monday).exit_code == 0
    digests = [m for m in smtp.messages if m["To"] == "ig@dudley.example"]
    assert len(digests) == 1
    text = digests[0].get_body(("plain",)).get_content()
    assert "What changed since" in text and "create agreement DSPP-ISA-001 by test" in text
    assert "What falls due (1)" in text and "The review of agreement DSPP-ISA-001" in text
    assert "Open errors (0)" in text
    smtp.messages.clear()
    assert _run(runner, monday + timedelta(days=6)).exit_code == 0
    assert [m for m in smtp.messages if m["To"] == "ig@dudley.example"] == []
    assert _run(runner, monday + timedelta(days=7)).exit_code == 0
    [next_week] = [m for m in smtp.messages if m["To"] == "ig@dudley.example"]
    assert "Nothing changed." in next_week.get_body(("plain",)).get_content()
