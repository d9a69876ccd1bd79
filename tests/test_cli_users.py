"""Creating users from the command line."""

from __future__ import annotations

import getpass
import json

from sqlalchemy import select

from isa_registry.cli import DEMO_USERS
from isa_registry.store.db import db
from isa_registry.store.models import AuditEntry, User
from isa_registry.store.passwords import verify_password


def test_create_user_reads_the_password_from_stdin(app, runner) -> None:
    result = runner.invoke(
        args=["create-user", "Auditor@Example.org", "--role", "viewer"], input="a long passphrase\n"
    )
    assert result.exit_code == 0, result.output
    with app.app_context():
        user = db.session.execute(select(User)).scalar_one()
        assert user.email == "auditor@example.org" and user.role == "viewer"
        assert user.password_hash.startswith("$argon2id$")
        assert verify_password(user.password_hash, "a long passphrase")


def test_short_password_is_refused(app, runner) -> None:
    result = runner.invoke(args=["create-user", "a@example.org", "--role", "admin"], input="short\n")
    assert result.exit_code == 1 and "at least 12 characters" in result.output
    with app.app_context():
        assert db.session.execute(select(User)).first() is None


def test_existing_user_gets_new_role_and_password(app, runner) -> None:
    runner.invoke(args=["create-user", "a@example.org", "--role", "viewer"], input="first passphrase\n")
    result = runner.invoke(
        args=["create-user", "a@example.org", "--role", "editor"], input="second passphrase\n"
    )
    assert "Updated a@example.org" in result.output
    with app.app_context():
        user = db.session.execute(select(User)).scalar_one()
        assert user.role == "editor" and verify_password(user.password_hash, "second passphrase")


def user_entries(app) -> list[tuple[str, str, str, dict | None, dict | None]]:
    with app.app_context():
        return [
            tuple(row)
            for row in db.session.execute(
                select(
                    AuditEntry.actor,
                    AuditEntry.action,
                    AuditEntry.subject_key,
                    AuditEntry.before,
                    AuditEntry.after,
                )
                .where(AuditEntry.subject_type == "user")
                .order_by(AuditEntry.seq)
            )
        ]


def test_creating_a_user_is_audited_as_the_person_at_the_command_line(app, runner) -> None:
    runner.invoke(args=["create-user", "a@example.org", "--role", "viewer"], input="first passphrase\n")
    assert user_entries(app) == [
        (
            f"cli:{getpass.getuser()}",
            "create",
            "a@example.org",
            None,
            {"email": "a@example.org", "role": "viewer", "active": True},
        )
    ]


def test_a_new_password_and_role_are_audited_without_the_password(app, runner) -> None:
    runner.invoke(args=["create-user", "a@example.org", "--role", "viewer"], input="first passphrase\n")
    runner.invoke(args=["create-user", "a@example.org", "--role", "admin"], input="second passphrase\n")
    actor, action, key, before, after = user_entries(app)[-1]
    assert (actor, action, key) == (f"cli:{getpass.getuser()}", "set_password", "a@example.org")
    assert before["role"] == "viewer" and after["role"] == "admin"
    assert "passphrase" not in json.dumps([before, after]) and "argon2" not in json.dumps([before, after])


def test_a_refused_password_audits_nothing(app, runner) -> None:
    runner.invoke(args=["create-user", "a@example.org", "--role", "admin"], input="short\n")
    assert user_entries(app) == []


def test_the_demo_accounts_are_audited_once_each(app, runner) -> None:
    assert runner.invoke(args=["load-demo", "--with-demo-users"]).exit_code == 0
    assert runner.invoke(args=["load-demo", "--with-demo-users"]).exit_code == 0  # nothing new the 2nd time
    entries = user_entries(app)
    assert [(action, key) for _, action, key, _, _ in entries] == [
        ("create", email) for email, _, _ in DEMO_USERS
    ]
    assert {actor for actor, *_ in entries} == {f"cli:{getpass.getuser()}"}
    assert runner.invoke(args=["verify-audit"]).exit_code == 0
