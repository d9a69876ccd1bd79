"""Fixtures: the app on a real database, its test client and CLI runner, and signing in.

The database is SQLite in a temporary folder unless ``TEST_DATABASE_URL`` names another (the test
command runs the database tests a second time on PostgreSQL). The schema is built once per run and
every table is emptied after each test. Tests that need the database are marked ``db``
automatically, so ``pytest -m db`` runs just those. Tests sign in with the ``auth`` fixture, through
the real sign-in form, as an account made for the test or as a demo account.
"""

from __future__ import annotations

import functools
import os
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

import pytest
from flask import Flask
from flask.testing import FlaskClient, FlaskCliRunner
from sqlalchemy import event, select, text

from isa_registry import create_app
from isa_registry.cli import DEMO_FILE, DEMO_USERS
from isa_registry.core.domain import Registry
from isa_registry.core.exchange import load_document
from isa_registry.store import cache
from isa_registry.store.db import db
from isa_registry.store.models import User
from isa_registry.store.passwords import hash_password
from isa_registry.store.persist import apply_registry

DB_FIXTURES = {"app", "client", "runner", "session", "demo"}

#: The password of every account that ``auth`` makes.
PASSWORD = "correct horse battery staple"

#: The demo accounts that ``load-demo --with-demo-users`` makes: role -> (email, password).
DEMO_ACCOUNTS = {role: (email, password) for email, role, password in DEMO_USERS}


def pytest_collection_modifyitems(items: list[pytest.Item]) -> None:
    for item in items:
        if DB_FIXTURES & set(getattr(item, "fixturenames", ())):
            item.add_marker(pytest.mark.db)


def database_url(tmp_root: Path) -> str:
    url = os.environ.get("TEST_DATABASE_URL")
    if url:
        return url.replace("postgresql://", "postgresql+psycopg://", 1)
    return "sqlite:///" + str(tmp_root / "test.sqlite")


@pytest.fixture(scope="session", autouse=True)
def _cheap_password_hashing() -> Iterator[None]:
    """Argon2id with the smallest cost: the tests check behaviour, not the work factor."""
    from argon2 import PasswordHasher

    from isa_registry.store import passwords as security

    production = security._hasher
    cheap = PasswordHasher(time_cost=1, memory_cost=1024, parallelism=1)
    security._hasher = lambda: cheap  # type: ignore[assignment]
    yield
    security._hasher = production


@pytest.fixture(autouse=True)
def _forget_what_the_process_keeps() -> Iterator[None]:
    """Every test starts and ends with nothing kept between requests (:mod:`isa_registry.store.cache`)."""
    cache.clear()
    yield
    cache.clear()


@pytest.fixture(scope="session")
def _app(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Flask]:
    tmp_root = tmp_path_factory.mktemp("app")
    app = create_app(
        {
            "TESTING": True,
            "SECRET_KEY": "test-secret-key",
            "SQLALCHEMY_DATABASE_URI": database_url(tmp_root),
            "WTF_CSRF_ENABLED": False,
            "MAP_CACHE_DIR": str(tmp_root / "map-cache"),
            # The audit log's key and anchor, never the checkout's instance folder.
            "AUDIT_KEY": "test-audit-key",
            "AUDIT_ANCHOR": str(tmp_root / "audit-anchor.log"),
        }
    )
    with app.app_context():
        try:
            with db.engine.connect() as conn:
                conn.execute(text("SELECT 1"))
        except Exception as exc:  # noqa: BLE001 - a missing database must fail the run, not skip it
            pytest.exit(f"Test database {db.engine.url!r} is not reachable: {exc}", returncode=1)
        db.drop_all()
        if db.engine.dialect.name == "postgresql":
            with db.engine.begin() as conn:
                conn.execute(text("DROP TABLE IF EXISTS alembic_version"))
        db.create_all()
    yield app
    with app.app_context():
        db.session.remove()
        db.drop_all()
        db.engine.dispose()


def _empty_tables() -> None:
    tables = list(reversed(db.metadata.sorted_tables))
    if db.engine.dialect.name == "postgresql":
        names = ", ".join(f'"{t.name}"' for t in tables)
        db.session.execute(text(f"TRUNCATE {names} RESTART IDENTITY CASCADE"))
    else:
        for table in tables:
            db.session.execute(table.delete())
    db.session.commit()


@pytest.fixture()
def app(_app: Flask) -> Iterator[Flask]:
    """The app with an empty database; emptied again after the test."""
    yield _app
    with _app.app_context():
        db.session.rollback()
        _empty_tables()
        db.session.remove()
    # The heads anchored for the log just emptied: the next test's log starts again from genesis.
    Path(_app.config["AUDIT_ANCHOR"]).unlink(missing_ok=True)


@pytest.fixture()
def session(app: Flask) -> Iterator:
    """The database session inside an app context."""
    with app.app_context():
        yield db.session
        db.session.rollback()


@pytest.fixture()
def client(app: Flask) -> FlaskClient:
    return app.test_client()


@pytest.fixture()
def runner(app: Flask) -> FlaskCliRunner:
    return app.test_cli_runner()


@pytest.fixture()
def demo(app: Flask, runner: FlaskCliRunner) -> Flask:
    """The app with the demo partnership and the demo users loaded."""
    result = runner.invoke(args=["load-demo", "--with-demo-users"])
    assert result.exit_code == 0, result.output
    return app


@functools.cache
def demo_registry() -> Registry:
    """The demo partnership, read once per run."""
    return load_document(DEMO_FILE.read_text(encoding="utf-8"))


def store(app: Flask, registry: Registry, actor: str = "test") -> None:
    """Write ``registry`` to the database, audited as the work of ``actor``."""
    with app.app_context():
        apply_registry(db.session, registry, actor)
        db.session.commit()


@pytest.fixture()
def dudley(app: Flask) -> Flask:
    """The app with the Dudley demo partnership (no demo accounts: quicker than ``demo``)."""
    store(app, demo_registry(), "cli:load-demo")
    return app


#: The finding of ``clean_registry(flow={"retention": None})``, as a decision's or an action's row
#: names it: FLOW-012 records no retention.
NO_RETENTION = {"subject_type": "flow", "subject_key": "FLOW-012", "code": "FLOW_NO_RETENTION"}


def add_rows(app: Flask, *rows: Any) -> None:
    """Put ``rows`` straight into the database, not through the services (so with no audit entry)."""
    with app.app_context():
        db.session.add_all(rows)
        db.session.commit()


@contextmanager
def statements(app: Flask) -> Iterator[list[str]]:
    """The SQL statements run inside the block, in order."""
    seen: list[str] = []
    with app.app_context():
        engine = db.engine

    def count(conn: Any, cursor: Any, statement: str, *args: Any) -> None:
        seen.append(statement)

    event.listen(engine, "before_cursor_execute", count)
    try:
        yield seen
    finally:
        event.remove(engine, "before_cursor_execute", count)


class Auth:
    """Accounts by role, and signing in through the real sign-in form as one of them."""

    def __init__(self, app: Flask) -> None:
        self.app = app

    def account(self, role: str) -> int:
        """The id of ``{role}@example.org`` (password ``PASSWORD``), made if it is missing."""
        email = f"{role}@example.org"
        with self.app.app_context():
            found = db.session.scalar(select(User.id).where(User.email == email))
            if found is not None:
                return found
            user = User(email=email, role=role, password_hash=hash_password(PASSWORD))
            db.session.add(user)
            db.session.commit()
            return user.id

    def sign_in(self, client: FlaskClient, role: str = "viewer") -> FlaskClient:
        """Sign ``client`` in as ``{role}@example.org``, making the account if it is missing."""
        self.account(role)
        return self.sign_in_as(client, f"{role}@example.org", PASSWORD)

    def sign_in_demo(self, client: FlaskClient, role: str) -> FlaskClient:
        """Sign ``client`` in as the demo account of ``role`` (the ``demo`` fixture makes them)."""
        return self.sign_in_as(client, *DEMO_ACCOUNTS[role])

    def client(self, role: str = "viewer") -> FlaskClient:
        """A new client, signed in as ``{role}@example.org``."""
        return self.sign_in(self.app.test_client(), role)

    @staticmethod
    def sign_in_as(client: FlaskClient, email: str, password: str) -> FlaskClient:
        """Submit the sign-in form; the sign-in must succeed."""
        response = client.post("/login", data={"email": email, "password": password})
        assert response.status_code == 302, f"could not sign in as {email}: {response.data!r}"
        return client


@pytest.fixture()
def auth(app: Flask) -> Auth:
    """Sign in through the sign-in form: ``auth.sign_in(client, "editor")``, ``auth.client("admin")``."""
    return Auth(app)


@pytest.fixture()
def editor(dudley: Flask, client: FlaskClient, auth: Auth) -> FlaskClient:
    """The client, signed in as an editor, with the Dudley demo partnership loaded."""
    return auth.sign_in(client, "editor")


@pytest.fixture()
def viewer(dudley: Flask, client: FlaskClient, auth: Auth) -> FlaskClient:
    """The client, signed in as a viewer, with the Dudley demo partnership loaded."""
    return auth.sign_in(client, "viewer")
