"""DATABASE_URL, then the database itself: reachable, and migrated to the code's head."""

from __future__ import annotations

from collections.abc import Mapping
from pathlib import Path
from typing import Any

from .report import CheckReport

# Seconds to wait for the database before calling it unreachable.
CONNECT_TIMEOUT = 5
MIGRATIONS_INI = Path(__file__).resolve().parent.parent.parent / "migrations" / "alembic.ini"
ALEMBIC_UPGRADE = ".venv/bin/alembic -c migrations/alembic.ini upgrade head"


def check_database_url(config: Mapping[str, Any], report: CheckReport, production: bool) -> None:
    url = database_url(config)
    if url is None:
        report.errors.append(
            f"DATABASE_URL {config.get('DATABASE_URL')!r} is not a database URL; e.g. "
            "postgresql+psycopg://academy:PASSWORD@127.0.0.1/academy"
        )
        return
    backend = url.get_backend_name()
    if backend not in ("postgresql", "sqlite"):
        report.errors.append(
            f"DATABASE_URL names {backend}; Academy runs on PostgreSQL "
            "(postgresql+psycopg://...) or, for development, SQLite"
        )
    elif backend == "postgresql" and url.get_driver_name() != "psycopg":
        report.errors.append(
            f"DATABASE_URL uses the driver {url.get_driver_name()!r}; write "
            "postgresql+psycopg://... (psycopg 3 is what Academy installs)"
        )
    elif backend == "sqlite" and production:
        report.errors.append(
            "DATABASE_URL is SQLite; production runs on PostgreSQL. Set ACADEMY_DATABASE_URL "
            "to e.g. postgresql+psycopg://academy:PASSWORD@127.0.0.1/academy"
        )


def database_url(config: Mapping[str, Any]):
    from sqlalchemy.engine import make_url
    from sqlalchemy.exc import ArgumentError

    value = config.get("DATABASE_URL")
    if not isinstance(value, str) or not value:
        return None
    try:
        return make_url(value)
    except (ArgumentError, ValueError):
        return None


def check_database(config: Mapping[str, Any], report: CheckReport) -> None:
    """Connect (with a short timeout), then compare the database's migration with the code's."""
    from sqlalchemy.exc import SQLAlchemyError
    from sqlalchemy.pool import NullPool

    from ..db import make_engine

    url = database_url(config)
    if url is None or url.get_backend_name() not in ("postgresql", "sqlite"):
        return  # reported with the settings
    shown = url.render_as_string(hide_password=True)
    if url.get_backend_name() == "sqlite":
        if url.database and url.database != ":memory:" and not Path(url.database).exists():
            report.errors.append(
                f"the SQLite database {url.database} does not exist; create it with "
                f"{ALEMBIC_UPGRADE}"
            )
            return
        connect_args: dict[str, Any] = {}
    else:
        connect_args = {"connect_timeout": CONNECT_TIMEOUT}
    engine = make_engine(
        url.render_as_string(hide_password=False), poolclass=NullPool, connect_args=connect_args
    )
    try:
        with engine.connect() as connection:
            revision = _check_migrations(connection, report)
    except SQLAlchemyError as error:
        reason = str(getattr(error, "orig", None) or error).strip().splitlines()[0]
        report.errors.append(f"cannot connect to the database {shown}: {reason}")
        return
    finally:
        engine.dispose()
    if revision:
        report.passed.append(f"database (migrations at {revision})")


def _check_migrations(connection, report: CheckReport) -> str | None:
    from alembic.config import Config
    from alembic.runtime.migration import MigrationContext
    from alembic.script import ScriptDirectory

    if not MIGRATIONS_INI.is_file():
        report.errors.append(
            f"cannot find {MIGRATIONS_INI}: run Academy from its source folder, which has "
            "migrations/"
        )
        return None
    script = ScriptDirectory.from_config(Config(str(MIGRATIONS_INI)))
    heads = set(script.get_heads())
    current = set(MigrationContext.configure(connection).get_current_heads())
    if current == heads:
        return ", ".join(sorted(current))
    if not current:
        report.errors.append(
            f"the database has no migrations applied (it is empty, or was not made by "
            f"Alembic): run {ALEMBIC_UPGRADE}"
        )
        return None
    unknown = sorted(rev for rev in current if _revision(script, rev) is None)
    if unknown:
        report.errors.append(
            f"the database is at migration {', '.join(unknown)}, which this code does not "
            "know: it was upgraded by a newer version of Academy. Run that version, or restore "
            "the backup taken before the upgrade"
        )
        return None
    report.errors.append(
        f"the database is at migration {', '.join(sorted(current))} but the code needs "
        f"{', '.join(sorted(heads))}: run {ALEMBIC_UPGRADE}"
    )
    return None


def _revision(script, revision: str):
    from alembic.util import CommandError

    try:
        return script.get_revision(revision)
    except CommandError:
        return None
