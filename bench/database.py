"""The benchmarks' databases: made, migrated, filled in bulk and dropped the same way everywhere.

A benchmark gets either a SQLite file in its temporary folder (``sqlite_database``) or a
PostgreSQL database of its own on a server it may create databases on
(``postgres_database``); either is migrated with Alembic as ``make run`` does. Rows go in
with one statement per table (``insert_rows``, ``insert_many``), so filling takes seconds
however many rows a scenario asks for.
"""

from __future__ import annotations

import secrets
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

from alembic import command
from alembic.config import Config
from sqlalchemy import create_engine, func, insert, select, text
from sqlalchemy.engine import URL, make_url
from sqlalchemy.orm import Session
from sqlalchemy.pool import NullPool

from academy.db import make_engine
from bench import ROOT

# Any database URL of the PostgreSQL server: databases are created next to it.
DEFAULT_SERVER = "postgresql+psycopg://postgres@127.0.0.1:5432/postgres"


def migrate(database_url: str) -> None:
    """Bring the database at ``database_url`` to the newest migration."""
    config = Config(str(ROOT / "migrations" / "alembic.ini"))
    config.attributes["database_url"] = database_url
    # The ini file's logging setup would print a line per migration into the report.
    config.attributes["configure_logger"] = False
    # Alembic >= 1.16 warns when alembic.ini lacks this setting.
    if config.get_main_option("path_separator") is None:
        config.set_main_option("path_separator", "os")
    command.upgrade(config, "head")


def sqlite_database(directory: Path, name: str = "bench") -> str:
    """A migrated SQLite database ``directory/<name>.sqlite3``; returns its URL."""
    url = "sqlite:///" + str(directory / f"{name}.sqlite3")
    migrate(url)
    return url


def scratch_name(prefix: str) -> str:
    """A database name no other run uses: ``prefix`` and random hex."""
    return f"{prefix}_{secrets.token_hex(4)}"


def postgres_url(server: str, name: str) -> str:
    """The URL of database ``name`` on the server that ``server`` (any database's URL) names."""
    url: URL = make_url(server).set(database=name)
    return url.render_as_string(hide_password=False)


@contextmanager
def postgres_database(server: str, name: str, *, keep: bool = False) -> Iterator[str]:
    """Create and migrate database ``name`` on ``server``; yield its URL; drop it when the
    block ends, however it ends (with ``keep``, say where it is instead)."""
    _admin(server, f'CREATE DATABASE "{name}"')
    url = postgres_url(server, name)
    try:
        migrate(url)
        yield url
    finally:
        if keep:
            print(f"database kept: {url}")
        else:
            # FORCE: a worker that did not exit in time must not keep the database alive.
            _admin(server, f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')


def _admin(server: str, statement: str) -> None:
    engine = create_engine(
        postgres_url(server, "postgres"), isolation_level="AUTOCOMMIT", poolclass=NullPool
    )
    try:
        with engine.connect() as connection:
            connection.execute(text(statement))
    finally:
        engine.dispose()


def vacuum_analyze(url: str) -> None:
    """What autovacuum would have done on a database in use: statistics and the visibility
    map (index-only scans), so that the planner sees the tables as they are."""
    engine = make_engine(url, isolation_level="AUTOCOMMIT")
    try:
        with engine.connect() as connection:
            connection.execute(text("VACUUM (ANALYZE)"))
    finally:
        engine.dispose()


def insert_rows(session: Session, model: type, rows: list[dict[str, Any]]) -> list[int]:
    """Insert ``rows`` in one statement; return the new ids in the order of ``rows``."""
    if not rows:
        return []
    statement = insert(model).returning(model.id, sort_by_parameter_order=True)
    return list(session.scalars(statement, rows))


def insert_many(session: Session, model: type, rows: list[dict[str, Any]]) -> None:
    """Insert ``rows`` in one executemany, without RETURNING (the cheapest way in)."""
    if rows:
        session.execute(insert(model), rows)


def count_rows(session: Session, model: type) -> int:
    return session.scalar(select(func.count()).select_from(model)) or 0
