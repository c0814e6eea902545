"""When the database cannot be reached (PostgreSQL restarting, out of connections, a lost
race), a page answers 503 with Retry-After and says to try again, and the log gets one
line, not a traceback; any other database error is still a bug: 500 and its traceback.
A connection cut after the request's work (closing the session fails) leaves its answer.

test_fault_database_restart.py stops a real PostgreSQL under the app; these tests raise
the errors the drivers raise, so that they run on both backends of the suite.
"""

from __future__ import annotations

import logging
import os
import sqlite3
import tempfile

import psycopg
import psycopg.errors
import pytest
from flask_login import current_user
from sqlalchemy.exc import (
    DBAPIError,
    OperationalError,
    PendingRollbackError,
    ProgrammingError,
)
from sqlalchemy.exc import (
    TimeoutError as PoolTimeoutError,
)

from academy import create_app
from academy.db import bind_to_connection, database_unavailable, get_session
from academy.errors import RETRY_AFTER
from academy.models import User
from tests.conftest import Client, test_config
from tests.factories import make_user


def wrapped(error: Exception, kind: type[DBAPIError] = OperationalError, **kwargs) -> DBAPIError:
    """``error`` of the driver as SQLAlchemy raises it."""
    return kind("SELECT 1", None, error, **kwargs)


def sqlite_error(statement: str, *, locked: bool = False) -> sqlite3.OperationalError:
    """A real error of sqlite3 (the module sets its ``sqlite_errorname``), from
    ``statement`` on a database another connection holds ``locked`` or not."""
    with tempfile.TemporaryDirectory() as folder:
        path = os.path.join(folder, "database.sqlite3")
        holder = sqlite3.connect(path, isolation_level=None)
        other = sqlite3.connect(path, timeout=0)
        try:
            holder.execute("CREATE TABLE t (x)")
            if locked:
                holder.execute("BEGIN EXCLUSIVE")
            try:
                other.execute(statement)
            except sqlite3.OperationalError as error:
                return error
            raise AssertionError(f"{statement!r} did not fail")
        finally:
            other.close()
            holder.close()


@pytest.mark.parametrize(
    ("error", "transient"),
    [
        # The server cut the session: a fast shutdown or restart.
        (wrapped(psycopg.errors.AdminShutdown("terminating connection")), True),
        # Connecting while it starts up again.
        (wrapped(psycopg.errors.CannotConnectNow("the database system is starting up")), True),
        # Connecting while it is down: no SQLSTATE, the connection itself failed.
        (wrapped(psycopg.OperationalError("connection failed: Connection refused")), True),
        (wrapped(psycopg.errors.TooManyConnections("too many clients already")), True),
        (wrapped(psycopg.errors.SerializationFailure("could not serialize access")), True),
        (wrapped(psycopg.errors.DeadlockDetected("deadlock detected")), True),
        # Whatever the error, once SQLAlchemy saw the connection was lost.
        (wrapped(psycopg.InterfaceError("closed"), DBAPIError, connection_invalidated=True), True),
        # No connection left in the pool within its timeout.
        (PoolTimeoutError("QueuePool limit reached"), True),
        (wrapped(sqlite_error("INSERT INTO t VALUES (2)", locked=True)), True),
        # Bugs: a statement that cannot run, whenever it is sent.
        (wrapped(psycopg.errors.UndefinedTable("no table"), ProgrammingError), False),
        (wrapped(psycopg.errors.DivisionByZero("division by zero"), DBAPIError), False),
        (wrapped(sqlite_error("SELECT * FROM no_such_table")), False),
        (PendingRollbackError("the session was not rolled back"), False),
    ],
    ids=lambda value: (
        type(getattr(value, "orig", None) or value).__name__
        if not isinstance(value, bool)
        else str(value)
    ),
)
def test_transient_database_errors_are_told_apart_from_bugs(error, transient):
    assert database_unavailable(error) is transient


@pytest.fixture
def app_on_test_connection(database_url, connection):
    """An app of its own (routes can still be added) on the test's connection, so that it
    sees the rows the test made."""
    app = create_app(test_config(database_url, PROPAGATE_EXCEPTIONS=False))
    bind_to_connection(app, connection)
    yield app
    bind_to_connection(app, None)


def test_a_request_the_database_cuts_off_gets_503_with_retry_after(
    app_on_test_connection, db, caplog
):
    app = app_on_test_connection
    user = make_user(db, name="Åsa Öberg")

    @app.post("/saving")
    def saving():
        # Half-way: the user loaded, a change made, then PostgreSQL goes away.
        assert current_user.name == "Åsa Öberg"
        get_session().get(User, current_user.id).name = "Åsa Ny"
        raise wrapped(psycopg.errors.AdminShutdown("terminating connection"))

    client = Client(app, app.test_client())
    client.login_as(user)
    with caplog.at_level(logging.INFO):
        response = client.post_form("/saving", headers={"Accept-Language": "sv"})

    assert response.status_code == 503
    assert response.headers["Retry-After"] == str(RETRY_AFTER)
    assert response.headers["Cache-Control"] == "no-store"
    page = response.get_data(as_text=True)
    assert "Inte tillgänglig för tillfället" in page
    assert "Vänta några sekunder och försök igen" in page
    # Rendered without reading the user again: as to a visitor.
    assert 'href="/login"' in page
    # One line that says what happened, no traceback.
    problems = [record for record in caplog.records if record.levelno >= logging.WARNING]
    assert len(problems) == 1
    assert problems[0].levelno == logging.WARNING
    assert problems[0].exc_info is None
    assert "The database is unavailable (POST /saving)" in problems[0].getMessage()
    assert "terminating connection" in problems[0].getMessage()


def test_a_user_who_cannot_be_loaded_gets_503_not_500(app_on_test_connection, caplog):
    app = app_on_test_connection

    def database_down(_user_id):
        raise wrapped(psycopg.OperationalError("connection failed: Connection refused"))

    app.login_manager.user_loader(database_down)
    client = app.test_client()
    with client.session_transaction() as session:
        session["_user_id"] = "1:0"
    with caplog.at_level(logging.INFO):
        response = client.get("/", headers={"Accept-Language": "nb"})

    assert response.status_code == 503
    assert response.headers["Retry-After"] == str(RETRY_AFTER)
    assert "Utilgjengelig et øyeblikk" in response.get_data(as_text=True)
    assert not [record for record in caplog.records if record.levelno >= logging.ERROR]


def test_other_database_errors_are_still_500_with_their_traceback(app_on_test_connection, caplog):
    app = app_on_test_connection

    @app.get("/bug")
    def bug():
        raise wrapped(psycopg.errors.UndefinedTable("no such table"), ProgrammingError)

    with caplog.at_level(logging.INFO):
        response = app.test_client().get("/bug")

    assert response.status_code == 500
    assert "Retry-After" not in response.headers
    assert b"Something went wrong on our side" in response.data
    [record] = [record for record in caplog.records if record.levelno >= logging.ERROR]
    assert record.exc_info is not None


def test_a_connection_cut_after_the_work_leaves_the_answer(app_on_test_connection, caplog):
    app = app_on_test_connection

    @app.get("/read")
    def read():
        session = get_session()
        session.get(User, 1)

        def cut():
            # What closing (its ROLLBACK) meets when the server ended the session meanwhile.
            raise wrapped(psycopg.errors.AdminShutdown("terminating connection"))

        session.close = cut
        return "read"

    with caplog.at_level(logging.INFO):
        response = app.test_client().get("/read")

    assert (response.status_code, response.get_data(as_text=True)) == (200, "read")
    [record] = [record for record in caplog.records if record.levelno >= logging.WARNING]
    assert record.levelno == logging.WARNING
    assert record.getMessage() == (
        "The database connection was cut after GET /read: terminating connection"
    )
