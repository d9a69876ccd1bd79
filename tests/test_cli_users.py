"""Creating users from the command line."""

from __future__ import annotations

from sqlalchemy import select

from isa_registry.store.db import db
from isa_registry.store.models import User
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
