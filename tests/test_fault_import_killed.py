"""Fault: the process running an import is killed (SIGKILL, as the OOM killer or a
gunicorn timeout would) in the middle of its transaction. Nothing of the import is left,
and importing the same file again works.

The import runs in a child process against a database file of its own (SQLite), and also
against a scratch PostgreSQL database when ACADEMY_DATABASE_URL names a PostgreSQL server:
killing a process needs real connections and real commits, not the suite's rolled-back
transaction. The child tells the parent through a pipe when it has written rows and waits;
the parent then kills it.
"""

from __future__ import annotations

import multiprocessing
import os
import secrets
import signal
import traceback
from collections.abc import Iterator
from multiprocessing.connection import Connection
from typing import Any

import pytest
from sqlalchemy import create_engine, func, select, text
from sqlalchemy.engine import make_url
from sqlalchemy.orm import Session

from academy import create_app
from academy.db import get_engine, get_session, make_engine
from academy.models import (
    AudienceRole,
    AuditEvent,
    Base,
    Cohort,
    Enrolment,
    Invitation,
    Organisation,
    OrganisationKind,
    OutboxMail,
    Place,
    User,
    normalize_email,
)
from academy.services import importing
from tests.conftest import test_config

_DATABASE_URL = os.environ.get("ACADEMY_DATABASE_URL", "")
BACKENDS = ["sqlite"] + (["postgresql"] if _DATABASE_URL.startswith("postgresql") else [])
ROWS = 40
# Where the child stops: after the new accounts are inserted but before their enrolments,
# or with the whole import flushed (accounts, places, enrolments, invitations, mails, audit
# event) just before the commit.
KILL_POINTS = ["accounts-inserted", "before-commit"]
COUNTED = {
    "users": User,
    "places": Place,
    "enrolments": Enrolment,
    "invitations": Invitation,
    "mails": OutboxMail,
    "audit events": AuditEvent,
}


def participants_csv() -> bytes:
    """A list as Swedish Excel saves it: semicolons, Windows-1252, Å Ä Ö in the names."""
    places = ["Möllan", "Stortorget", "Hamnen", ""]
    lines = ["Namn;E-post;Roll;Plats;Språk"]
    lines += [
        f"Åsa Öberg {n};Asa.Oberg{n}@Kommun.example.se;tjänsteperson;{places[n % 4]};sv"
        for n in range(ROWS)
    ]
    return ("\r\n".join(lines) + "\r\n").encode("cp1252")


def counts(session: Session) -> dict[str, int]:
    return {
        name: session.scalar(select(func.count()).select_from(model)) or 0
        for name, model in COUNTED.items()
    }


def run_import(session: Session, cohort_id: int, organizer_id: int) -> importing.ImportResult:
    """What the organizer's import page does with an uploaded file, up to the commit."""
    cohort = session.get_one(Cohort, cohort_id)
    table = importing.read_table(participants_csv(), "deltagare.csv")
    checked = importing.preview(session, cohort, table, importing.guess_mapping(table.headers))
    assert not checked.has_errors
    return importing.import_rows(
        session,
        cohort,
        checked,
        invited_by_id=organizer_id,
        create_places=True,
        send_invitations=True,
    )


def _import_until_killed(
    url: str, cohort_id: int, organizer_id: int, kill_point: str, pipe: Connection
) -> None:
    """The child: import, report what its transaction holds at ``kill_point``, then wait."""
    try:
        app = create_app(test_config(url))
        with app.app_context():
            session = get_session()

            def report_and_wait() -> None:
                pipe.send(("ready", counts(session)))
                pipe.recv()  # never answered: the parent kills this process
                raise AssertionError("the parent answered instead of killing")

            if kill_point == "accounts-inserted":
                insert_enrolments = importing.apply._insert_enrolments

                def stop_before_enrolments(*args: Any) -> list[int]:
                    report_and_wait()
                    return insert_enrolments(*args)

                importing.apply._insert_enrolments = stop_before_enrolments  # type: ignore[assignment]
            run_import(session, cohort_id, organizer_id)
            report_and_wait()
            session.commit()
    except BaseException:
        pipe.send(("error", traceback.format_exc()))
        raise


@pytest.fixture(params=BACKENDS)
def scratch_url(request, tmp_path) -> Iterator[str]:
    """An empty database with the schema: a SQLite file, or a scratch PostgreSQL database."""
    if request.param == "sqlite":
        url = "sqlite:///" + str(tmp_path / "import.sqlite3")
        engine = make_engine(url)
        Base.metadata.create_all(engine)
        engine.dispose()
        yield url
        return
    server = make_url(_DATABASE_URL)
    name = f"{server.database}_import_kill_{secrets.token_hex(4)}"
    admin = create_engine(server, isolation_level="AUTOCOMMIT")
    with admin.connect() as connection:
        connection.execute(text(f'CREATE DATABASE "{name}"'))
    url = server.set(database=name).render_as_string(hide_password=False)
    try:
        engine = make_engine(url)
        Base.metadata.create_all(engine)
        engine.dispose()
        yield url
    finally:
        with admin.connect() as connection:
            connection.execute(text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
        admin.dispose()


def arrange(url: str) -> tuple[int, int]:
    """An organisation with one place, a cohort, its organizer, and one participant who
    already has an account (so that the import enrols an existing account too)."""
    engine = make_engine(url)
    with Session(engine) as session:
        organisation = Organisation(name="Malmö stad", kind=OrganisationKind.MUNICIPALITY)
        session.add(organisation)
        session.flush()
        session.add(Place(organisation_id=organisation.id, name="Möllan"))
        cohort = Cohort(organisation_id=organisation.id, course_slug="safer-streets", name="Våren")
        users = [
            User(
                email=email,
                email_normalized=normalize_email(email),
                name=name,
                certificate_name=name,
                locale="sv",
            )
            for email, name in (
                ("organizer@malmo.example.se", "Organisatör"),
                ("Asa.Oberg0@Kommun.example.se", "Åsa Öberg 0"),
            )
        ]
        session.add_all([cohort, *users])
        session.commit()
        ids = cohort.id, users[0].id
    engine.dispose()
    return ids


@pytest.mark.parametrize("kill_point", KILL_POINTS)
def test_an_import_killed_mid_transaction_leaves_nothing_and_can_run_again(scratch_url, kill_point):
    cohort_id, organizer_id = arrange(scratch_url)
    engine = make_engine(scratch_url)
    with Session(engine) as session:
        before = counts(session)

    spawn = multiprocessing.get_context("spawn")  # a fresh interpreter: no inherited state
    ours, theirs = spawn.Pipe()
    child = spawn.Process(
        target=_import_until_killed,
        args=(scratch_url, cohort_id, organizer_id, kill_point, theirs),
        daemon=True,
    )
    child.start()
    theirs.close()
    try:
        assert ours.poll(60), "the child did not reach the kill point in time"
        kind, payload = ours.recv()
        assert kind == "ready", payload
        os.kill(child.pid, signal.SIGKILL)
        child.join(10)
        assert child.exitcode == -signal.SIGKILL
    finally:
        if child.is_alive():
            child.kill()
            child.join()
        ours.close()

    # The child had written the import's rows in its transaction...
    written = {name: payload[name] - before[name] for name in COUNTED}
    if kill_point == "accounts-inserted":
        assert (written["users"], written["enrolments"]) == (ROWS - 1, 0)
        assert written["places"] == 2
    else:
        assert written == {
            "users": ROWS - 1,
            "places": 2,
            "enrolments": ROWS,
            "invitations": ROWS,
            "mails": ROWS,
            "audit events": 1,  # import.completed, which counts the invitations
        }
    # ...and none of them survived the kill.
    with Session(engine) as session:
        assert counts(session) == before
        if engine.dialect.name == "sqlite":
            assert session.scalar(text("PRAGMA integrity_check")) == "ok"
    engine.dispose()

    # Importing the same file again works, and imports all of it.
    app = create_app(test_config(scratch_url))
    try:
        with app.app_context():
            session = get_session()
            result = run_import(session, cohort_id, organizer_id)
            session.commit()
            assert (result.users_created, result.existing_accounts) == (ROWS - 1, 1)
            assert (result.enrolments_created, result.invitations_sent) == (ROWS, ROWS)
            assert result.places_created == 2
            after = counts(session)
            assert after["enrolments"] - before["enrolments"] == ROWS
            assert after["mails"] - before["mails"] == ROWS
            assert (
                session.scalar(select(func.count()).where(AuditEvent.action == "import.completed"))
                == 1
            )
            roles = session.scalars(select(Enrolment.role).distinct()).all()
            assert roles == [AudienceRole.OFFICIAL]
    finally:
        get_engine(app).dispose()
