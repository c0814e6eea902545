"""A fresh SQLite database for one benchmark run: migrated with Alembic, then users."""

from __future__ import annotations

from pathlib import Path

from alembic import command
from alembic.config import Config
from sqlalchemy import insert
from sqlalchemy.orm import Session
from werkzeug.security import generate_password_hash

from academy.db import make_engine
from academy.models import User, normalize_email

ROOT = Path(__file__).resolve().parent.parent
# A cheap hash, as in the tests: the benchmarks measure pages, not scrypt. Werkzeug reads
# the method from the stored hash; gunicorn gets the same one through
# ACADEMY_PASSWORD_HASH_METHOD for the hashes it makes itself (the dummy one that
# failed logins of unknown addresses check against).
HASH_METHOD = "pbkdf2:sha256:1"
LOGIN_EMAIL = "bench@example.org"
LOGIN_PASSWORD = "benchmark password"  # noqa: S105 (an account in a throwaway database)


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


def create_database(directory: Path, users: int) -> str:
    """Create, migrate and fill ``directory/bench.sqlite3``; return its URL.

    The users make look-ups by e-mail and by id run against a table of realistic size; one
    of them, ``LOGIN_EMAIL``, is the account the logged-in benchmarks use.
    """
    url = "sqlite:///" + str(directory / "bench.sqlite3")
    migrate(url)
    password_hash = generate_password_hash(LOGIN_PASSWORD, method=HASH_METHOD)
    emails = [LOGIN_EMAIL] + [f"person{n}@example.org" for n in range(1, users)]
    rows = [
        {
            "email": email,
            "email_normalized": normalize_email(email),
            "name": f"Bench Person {n}",
            "certificate_name": f"Bench Person {n}",
            "locale": "en",
            "password_hash": password_hash,
        }
        for n, email in enumerate(emails)
    ]
    engine = make_engine(url)
    try:
        with Session(engine) as session:
            session.execute(insert(User), rows)
            session.commit()
    finally:
        engine.dispose()
    return url
