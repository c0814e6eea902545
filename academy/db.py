"""Engine per application, one Session per application context.

Views and CLI commands call ``get_session()``; the session is closed when the app context
ends. ``expire_on_commit=False`` keeps loaded objects usable after the one commit a view
makes (for redirects and mails). Tests bind the sessionmaker to a connection that holds an
outer transaction (``bind_to_connection``), so every test is rolled back.
"""

from __future__ import annotations

from contextlib import suppress
from dataclasses import dataclass
from typing import Any

from flask import Flask, current_app, g, has_request_context, request
from sqlalchemy import Connection, Engine, String, create_engine, event, insert
from sqlalchemy.engine import make_url
from sqlalchemy.exc import DBAPIError, OperationalError, SQLAlchemyError
from sqlalchemy.exc import TimeoutError as PoolTimeoutError
from sqlalchemy.ext.compiler import compiles
from sqlalchemy.orm import Session, sessionmaker
from sqlalchemy.sql.functions import FunctionElement

EXTENSION_KEY = "academy.db"

# SQLSTATEs that say the database, not the request, is the trouble, so the same request
# may well succeed a moment later: the connection failed or was cut (class 08), the
# server is shutting down or starting up, or cancelled the statement (57), it is out of
# connections or memory (53), or the transaction lost a race with another (40001
# serialization failure, 40P01 deadlock).
TRANSIENT_SQLSTATE_CLASSES = ("08", "53", "57")
TRANSIENT_SQLSTATES = ("40001", "40P01")


@dataclass
class Database:
    engine: Engine
    sessionmaker: sessionmaker[Session]


def make_engine(url: str, **kwargs) -> Engine:
    """Create an engine with the settings Academy relies on for each backend."""
    parsed = make_url(url)
    if parsed.get_backend_name() == "sqlite":
        engine = create_engine(url, **kwargs)
        _configure_sqlite(engine)
        return engine
    # pre_ping lets the pool recover by itself after the database server restarts.
    return create_engine(url, pool_pre_ping=True, **kwargs)


def _configure_sqlite(engine: Engine) -> None:
    # pysqlite opens transactions lazily and not before DDL or SAVEPOINT; take control of
    # BEGIN so that transactions and savepoints behave as on PostgreSQL.
    @event.listens_for(engine, "connect")
    def on_connect(dbapi_connection, _record):
        dbapi_connection.isolation_level = None
        cursor = dbapi_connection.cursor()
        # SQLite's lower() folds A-Z only; searches fold Å Ä Ö Æ Ø as PostgreSQL does.
        dbapi_connection.create_function(SQLITE_LOWER, 1, _lower, deterministic=True)
        cursor.execute("PRAGMA foreign_keys=ON")
        cursor.execute("PRAGMA busy_timeout=10000")
        if engine.url.database not in (None, "", ":memory:"):
            cursor.execute("PRAGMA journal_mode=WAL")
        cursor.close()

    @event.listens_for(engine, "begin")
    def on_begin(connection):
        connection.exec_driver_sql("BEGIN")


SQLITE_LOWER = "academy_lower"


def _lower(value: str | None) -> str | None:
    return value.lower() if isinstance(value, str) else value


class lower(FunctionElement):
    """``lower()`` of a text that folds every letter on every backend: PostgreSQL's own
    (Unicode-aware), and on SQLite a function of ours (``str.lower``) in place of the
    built-in, which leaves Å Ä Ö Æ Ø alone. For searching by name."""

    type = String()
    inherit_cache = True


@compiles(lower)
def _compile_lower(element, compiler, **kw) -> str:
    return f"lower({compiler.process(element.clauses, **kw)})"


@compiles(lower, "sqlite")
def _compile_lower_sqlite(element, compiler, **kw) -> str:
    return f"{SQLITE_LOWER}({compiler.process(element.clauses, **kw)})"


def init_app(app: Flask) -> None:
    engine = make_engine(app.config["DATABASE_URL"])
    app.extensions[EXTENSION_KEY] = Database(
        engine=engine,
        sessionmaker=sessionmaker(bind=engine, expire_on_commit=False),
    )
    app.teardown_appcontext(_close_session)


def _database(app: Flask | None = None) -> Database:
    return (app or current_app).extensions[EXTENSION_KEY]


def get_engine(app: Flask | None = None) -> Engine:
    return _database(app).engine


def get_session() -> Session:
    """The session of the current application context, created on first use."""
    if "db_session" not in g:
        g.db_session = _database().sessionmaker()
        # For the log, should closing it fail (the app context outlives the request).
        g.db_session_of = (
            f"{request.method} {request.path}" if has_request_context() else "a command"
        )
    return g.db_session


def new_session() -> Session:
    """A session of its own, for work that outlives the request's (a streamed download);
    the caller closes it."""
    return _database().sessionmaker()


def _close_session(_exc: BaseException | None) -> None:
    session = g.pop("db_session", None)
    if session is None:
        return
    try:
        session.close()
    except SQLAlchemyError as error:
        # Closing rolls back what was not committed; on a connection the server cut after
        # the request's work (PostgreSQL restarting) that fails, though the server has
        # rolled it back already and the answer stands. Drop the connection from the pool.
        with suppress(SQLAlchemyError):
            session.invalidate()
        if not database_unavailable(error):
            raise
        current_app.logger.warning(
            "The database connection was cut after %s: %s",
            g.get("db_session_of", "a request"),
            first_line(error),
        )


def bind_to_connection(app: Flask, connection: Connection | None) -> None:
    """Make every new session use ``connection`` inside savepoints (tests), or undo that."""
    database = _database(app)
    if connection is None:
        database.sessionmaker.configure(
            bind=database.engine, join_transaction_mode="conservative_savepoint"
        )
    else:
        database.sessionmaker.configure(bind=connection, join_transaction_mode="create_savepoint")


def insert_rows(session: Session, model: type, rows: list[dict[str, Any]], key: str) -> list[int]:
    """Insert ``rows`` (column name -> value) into ``model``'s table in bulk and return
    their new ids in the order of ``rows``; ``key`` names a column whose values differ
    from row to row.

    A Core insert of the table: the ORM's bulk insert would split the rows into a batch
    per run of rows with the same columns set to None, which is slow. SQLAlchemy sends
    the rows in pages of 1,000 (insertmanyvalues), which keeps each statement within
    the bound parameters SQLite (32,766) and PostgreSQL (65,535) take. The ids are
    matched to the rows by ``key``: asking SQLAlchemy for them in order
    (``sort_by_parameter_order``) makes it insert one row per statement on SQLite.
    """
    if not rows:
        return []
    table = model.__table__
    statement = insert(table).returning(table.c[key], table.c.id)
    ids = {value: new_id for value, new_id in session.execute(statement, rows)}
    if len(ids) != len(rows):
        raise ValueError(f"the values of {key} are not all different")
    return [ids[row[key]] for row in rows]


def database_unavailable(error: BaseException) -> bool:
    """Whether ``error`` says the database could not be reached or cut the request off
    (restarting, down, out of connections, a lost race), rather than that the request or
    the code is wrong: an error the same request may not meet a moment later."""
    if isinstance(error, PoolTimeoutError):
        return True
    if not isinstance(error, DBAPIError):
        return False
    # SQLAlchemy's dialect recognised a lost connection (and dropped the pool's others).
    if error.connection_invalidated:
        return True
    if not isinstance(error, OperationalError):
        return False
    original = error.orig
    # sqlite3: "database is locked" and its kin are transient; "no such table" is not.
    sqlite_name = getattr(original, "sqlite_errorname", None)
    if sqlite_name is not None:
        return str(sqlite_name).startswith(("SQLITE_BUSY", "SQLITE_LOCKED"))
    code = getattr(original, "sqlstate", None) or getattr(original, "pgcode", None)
    if not code:
        # psycopg gives no SQLSTATE when the connection itself failed: refused, closed by
        # the server, a broken network.
        return True
    return code[:2] in TRANSIENT_SQLSTATE_CLASSES or code in TRANSIENT_SQLSTATES


def first_line(error: BaseException) -> str:
    """The driver's message (its first line) of a database error."""
    lines = str(getattr(error, "orig", None) or error).strip().splitlines()
    return lines[0] if lines else type(error).__name__
