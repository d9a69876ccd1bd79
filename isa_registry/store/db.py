"""The SQLAlchemy and Alembic extensions, created unbound so that any module can import them."""

import sqlite3
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import TYPE_CHECKING, Any, ClassVar, TypeAlias

from flask import Flask
from flask_sqlalchemy import SQLAlchemy
from sqlalchemy import MetaData, Table, event, orm
from sqlalchemy.engine import Engine
from sqlalchemy.orm import DeclarativeBase, scoped_session

# Stable constraint names, so that Alembic migrations name the same constraint the same way on
# SQLite and PostgreSQL.
NAMING_CONVENTION = {
    "ix": "ix_%(column_0_label)s",
    "uq": "uq_%(table_name)s_%(column_0_name)s",
    "ck": "ck_%(table_name)s_%(constraint_name)s",
    "fk": "fk_%(table_name)s_%(column_0_name)s_%(referred_table_name)s",
    "pk": "pk_%(table_name)s",
}


class Base(DeclarativeBase):
    """Declarative base with the naming convention."""

    metadata = MetaData(naming_convention=NAMING_CONVENTION)


db = SQLAlchemy(model_class=Base)


def init_migrate(app: Flask) -> None:
    """Bind Flask-Migrate to the app, once: what its ``db`` commands and its functions
    (``flask_migrate.upgrade()``) need. Flask-Migrate imports Alembic, a large import that nothing
    else needs, so it is bound when one of them is first used, not when the app is made
    (:class:`isa_registry.cli.MigrationCommands`)."""
    if "migrate" in app.extensions:
        return
    from flask_migrate import Migrate

    Migrate(app, db, directory=str(Path(app.root_path).parent / "migrations"), render_as_batch=True)


if TYPE_CHECKING:

    class Model(Base):
        """What mypy sees of ``db.Model``, which Flask-SQLAlchemy makes at run time from Base and its
        mixins: mypy cannot take an attribute of an instance as a base class. Every model is mapped
        to one table."""

        __abstract__ = True
        __table__: ClassVar[Table]

else:
    Model = db.Model

#: What the store's functions take as their session: a plain SQLAlchemy session (tests, scripts) or
#: Flask-SQLAlchemy's request-scoped ``db.session``, which proxies the same methods.
Session: TypeAlias = orm.Session | scoped_session[Any]


@contextmanager
def committed(session: Session) -> Iterator[None]:
    """One transaction: commit what the block wrote, or, when it raises, roll all of it back and let
    the error through."""
    try:
        yield
        session.commit()
    except BaseException:
        session.rollback()
        raise


@event.listens_for(Engine, "connect")
def _sqlite_enforces_foreign_keys(dbapi_connection: object, _record: object) -> None:
    """SQLite ignores foreign keys unless asked, per connection; PostgreSQL always enforces them."""
    if isinstance(dbapi_connection, sqlite3.Connection):
        cursor = dbapi_connection.cursor()
        cursor.execute("PRAGMA foreign_keys=ON")
        cursor.close()
