"""Fixtures: the app on a real database, its test client and CLI runner.

The database is SQLite in a temporary folder unless ``TEST_DATABASE_URL`` names another (the test
command runs the database tests a second time on PostgreSQL). The schema is built once per run and
every table is emptied after each test. Tests that need the database are marked ``db``
automatically, so ``pytest -m db`` runs just those.
"""

from __future__ import annotations

import os
from collections.abc import Iterator
from pathlib import Path

import pytest
from flask import Flask
from flask.testing import FlaskClient, FlaskCliRunner
from sqlalchemy import text

from isa_registry import create_app
from isa_registry.store import cache
from isa_registry.store.db import db

DB_FIXTURES = {"app", "client", "runner", "session", "demo"}


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
    security._hasher = PasswordHasher(time_cost=1, memory_cost=1024, parallelism=1)
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
