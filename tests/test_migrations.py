"""Migrations build the schema from empty, and the schema they build is the models' schema."""

from __future__ import annotations

import os
import uuid
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

import pytest
from alembic.autogenerate import compare_metadata
from alembic.migration import MigrationContext
from flask import Flask
from flask_migrate import upgrade
from sqlalchemy import create_engine, inspect, text

from isa_registry import create_app
from isa_registry.store.db import db, init_migrate

pytestmark = pytest.mark.db


def _fresh_database(tmp_path: Path):
    """A URL for an empty database of the kind under test, and a function that drops it."""
    url = os.environ.get("TEST_DATABASE_URL", "")
    if not url.startswith("postgresql"):
        return "sqlite:///" + str(tmp_path / "migrate.sqlite"), lambda: None
    url = url.replace("postgresql://", "postgresql+psycopg://", 1)
    name = f"isa_migrate_{uuid.uuid4().hex[:8]}"
    admin = create_engine(url, isolation_level="AUTOCOMMIT")
    with admin.connect() as conn:
        conn.execute(text(f'CREATE DATABASE "{name}"'))

    def drop() -> None:
        with admin.connect() as conn:
            conn.execute(text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
        admin.dispose()

    return url.rsplit("/", 1)[0] + "/" + name, drop


@contextmanager
def migrating_app(tmp_path: Path, **config: object) -> Iterator[Flask]:
    """The app on an empty database of its own, Flask-Migrate bound (what ``flask_migrate``'s
    functions need; the ``db`` commands bind it themselves); the database is dropped afterwards."""
    url, drop = _fresh_database(tmp_path)
    try:
        app = create_app({"TESTING": True, "SQLALCHEMY_DATABASE_URI": url, "SECRET_KEY": "x", **config})
        init_migrate(app)
        yield app
        with app.app_context():
            db.engine.dispose()
    finally:
        drop()


def test_upgrade_from_empty_builds_the_models_schema(tmp_path: Path) -> None:
    with migrating_app(tmp_path) as app, app.app_context():
        upgrade()
        tables = set(inspect(db.engine).get_table_names())
        assert {
            "organisation",
            "agreement",
            "agreement_party",
            "flow",
            "user_account",
            "audit_entry",
        } <= tables
        with db.engine.connect() as conn:
            diff = compare_metadata(MigrationContext.configure(conn), db.metadata)
        assert diff == [], f"models and migrations differ: {diff}"


def test_the_ods_code_migration_adds_the_column_and_takes_it_away_again(tmp_path: Path) -> None:
    from flask_migrate import downgrade

    with migrating_app(tmp_path) as app, app.app_context():

        def columns() -> set[str]:
            return {c["name"] for c in inspect(db.engine).get_columns("organisation")}

        upgrade(revision="0001")
        assert "ods_code" not in columns()
        upgrade()
        assert "ods_code" in columns()
        downgrade(revision="0001")
        assert "ods_code" not in columns()


def test_the_recipient_basis_migration_adds_its_columns_and_takes_them_away_again(tmp_path: Path) -> None:
    from flask_migrate import downgrade

    with migrating_app(tmp_path) as app, app.app_context():

        def columns() -> set[str]:
            return {
                c["name"]
                for c in inspect(db.engine).get_columns("flow")
                if c["name"].startswith("recipient_basis_")
            }

        upgrade(revision="0002")
        assert columns() == set()
        upgrade(revision="recipient_basis")
        assert len(columns()) == 9 and "recipient_basis_article6" in columns()
        downgrade(revision="0002")
        assert columns() == set()


def test_the_partners_migration_lets_an_account_be_a_partner_of_an_organisation(tmp_path: Path) -> None:
    from flask_migrate import downgrade

    with migrating_app(tmp_path) as app, app.app_context():
        upgrade()
        insert = (
            "INSERT INTO user_account (email, password_hash, role, active, created_at, "
            "session_generation, is_dpo) VALUES (:email, 'x', :role, true, CURRENT_TIMESTAMP, 0, false)"
        )
        with db.engine.begin() as conn:
            conn.execute(text(insert), {"email": "p@example.org", "role": "partner"})
        with pytest.raises(Exception), db.engine.begin() as conn:  # noqa: B017 - the CHECK constraint
            conn.execute(text(insert), {"email": "q@example.org", "role": "owner"})
        downgrade(revision="oidc_subject")
        with db.engine.connect() as conn:
            row = conn.execute(text("SELECT role, active FROM user_account")).one()
        assert (row.role, bool(row.active)) == ("viewer", False)  # never widened to everything
