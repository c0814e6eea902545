"""Migrations: a populated database upgrades without losing rows, and the models agree."""

from __future__ import annotations

from contextlib import contextmanager
from pathlib import Path

import pytest
from alembic import command
from alembic.config import Config
from alembic.script import ScriptDirectory
from sqlalchemy import create_engine, func, select, text
from sqlalchemy.engine import make_url

from academy.db import make_engine
from academy.models import Base, utcnow

ROOT = Path(__file__).resolve().parent.parent


@contextmanager
def scratch_database(database_url: str, tmp_path: Path):
    """An empty database of the same kind as the suite's, dropped afterwards."""
    url = make_url(database_url)
    if url.get_backend_name() == "sqlite":
        yield f"sqlite:///{tmp_path / 'migrations.sqlite3'}"
        return
    name = f"{url.database}_migrations"
    admin = create_engine(url, isolation_level="AUTOCOMMIT")
    with admin.connect() as connection:
        connection.execute(text(f'DROP DATABASE IF EXISTS "{name}"'))
        connection.execute(text(f'CREATE DATABASE "{name}"'))
    try:
        yield url.set(database=name).render_as_string(hide_password=False)
    finally:
        with admin.connect() as connection:
            connection.execute(text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
        admin.dispose()


def alembic_config(url: str) -> Config:
    config = Config(str(ROOT / "migrations" / "alembic.ini"))
    config.attributes["database_url"] = url
    config.attributes["configure_logger"] = False
    return config


def revisions(config: Config) -> list[str]:
    script = ScriptDirectory.from_config(config)
    return [rev.revision for rev in reversed(list(script.walk_revisions()))]


def populate_first_revision(engine) -> None:
    tables = Base.metadata.tables
    now = utcnow()
    with engine.begin() as connection:
        connection.execute(
            tables["organisation"].insert(),
            [
                {"id": 1, "name": "Värnamo kommun", "kind": "municipality", "created_at": now},
            ],
        )
        connection.execute(
            tables["user"].insert(),
            [
                {
                    "id": n,
                    "email": f"p{n}@example.se",
                    "email_normalized": f"p{n}@example.se",
                    "name": "Åsa Ödegård",
                    "certificate_name": "Åsa Ödegård",
                    "locale": "sv",
                    "password_hash": None,
                    "session_version": 1,
                    "is_admin": n == 1,
                    "created_at": now,
                }
                for n in (1, 2)
            ],
        )
        connection.execute(
            tables["organizer"].insert(),
            [
                {"organisation_id": 1, "user_id": 2, "created_at": now},
            ],
        )
        connection.execute(
            tables["place"].insert(),
            [
                {
                    "organisation_id": 1,
                    "name": "Stationsområdet",
                    "description": "",
                    "created_at": now,
                },
            ],
        )
        connection.execute(
            tables["audit_event"].insert(),
            [
                {
                    "actor_id": 1,
                    "organisation_id": 1,
                    "action": "test",
                    "object_type": "user",
                    "object_id": 2,
                    "details": {},
                    "created_at": now,
                },
            ],
        )


def row_counts(engine) -> dict[str, int]:
    names = ("organisation", "user", "organizer", "place", "audit_event")
    with engine.connect() as connection:
        return {
            name: connection.scalar(select(func.count()).select_from(Base.metadata.tables[name]))
            for name in names
        }


def test_a_populated_database_upgrades_to_head_and_agrees_with_the_models(database_url, tmp_path):
    with scratch_database(database_url, tmp_path) as url:
        config = alembic_config(url)
        all_revisions = revisions(config)
        assert len(all_revisions) >= 2
        command.upgrade(config, all_revisions[0])
        engine = make_engine(url)
        try:
            populate_first_revision(engine)
            before = row_counts(engine)

            command.upgrade(config, "head")

            assert row_counts(engine) == before
            if engine.dialect.name == "sqlite":
                with engine.connect() as connection:
                    assert connection.exec_driver_sql("PRAGMA foreign_key_check").all() == []
                    assert connection.exec_driver_sql("PRAGMA foreign_keys").scalar() == 1
            command.check(config)
        finally:
            engine.dispose()


def test_every_migration_downgrades_and_upgrades_again(database_url, tmp_path):
    with scratch_database(database_url, tmp_path) as url:
        config = alembic_config(url)
        command.upgrade(config, "head")
        command.downgrade(config, "base")
        command.upgrade(config, "head")
        command.check(config)


@pytest.mark.parametrize("name", sorted((ROOT / "migrations" / "versions").glob("*.py")))
def test_migration_files_are_date_prefixed(name):
    assert name.name[:8].isdigit() and name.name[8] == "_"
