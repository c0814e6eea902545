"""Test fixtures: one app and schema per run, one rolled-back transaction per test.

The database is a temporary SQLite file unless ACADEMY_DATABASE_URL names another (CI
runs the whole suite again on PostgreSQL that way).
"""

from __future__ import annotations

import os
import re
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

import pyotp
import pytest
from itsdangerous import URLSafeTimedSerializer
from sqlalchemy import event
from sqlalchemy.orm import Session

from academy import create_app
from academy.content import EXTENSION_KEY as COURSES_KEY
from academy.content import Catalog, get_catalog, load_courses
from academy.db import bind_to_connection, get_engine
from academy.extensions import limiter
from academy.models import Base

TEST_SECRET = "test-secret-key-not-for-production"
SIGN_IN_KEY = "c2lnbi1pbiBrZXkgb2YgdGhlIHRlc3RzIG9ubHkgISE="
FIXTURE_COURSES = Path(__file__).resolve().parent / "data" / "courses" / "valid"
REAL_COURSES = Path(__file__).resolve().parent.parent / "courses"


def test_config(database_url: str, **overrides) -> dict:
    config = {
        "TESTING": True,
        "SECRET_KEY": TEST_SECRET,
        "DATABASE_URL": database_url,
        # A cheap hash keeps the suite fast; production uses scrypt.
        "PASSWORD_HASH_METHOD": "pbkdf2:sha256:1",
        "BASE_URL": "http://academy.test",
        "MAIL_SERVER": "",
        "RATELIMIT_STORAGE_URI": "memory://",
        # A small, stable fixture course; the real course has its own tests.
        "COURSES_DIR": str(FIXTURE_COURSES),
        # Encrypts the client secrets of the organisations' providers.
        "SIGN_IN_ENCRYPTION_KEYS": SIGN_IN_KEY,
    }
    config.update(overrides)
    return config


test_config.__test__ = False  # a helper, not a test, wherever it is imported


@pytest.fixture(scope="session")
def database_url(tmp_path_factory) -> str:
    url = os.environ.get("ACADEMY_DATABASE_URL")
    if url:
        return url
    return "sqlite:///" + str(tmp_path_factory.mktemp("db") / "test.sqlite3")


@pytest.fixture(scope="session")
def app(database_url, tmp_path_factory):
    app = create_app(test_config(database_url))
    app.instance_path = str(tmp_path_factory.mktemp("instance"))
    engine = get_engine(app)
    Base.metadata.drop_all(engine)
    Base.metadata.create_all(engine)
    yield app
    Base.metadata.drop_all(engine)
    engine.dispose()


@pytest.fixture
def connection(app):
    """A connection whose outer transaction is rolled back after the test."""
    engine = get_engine(app)
    with engine.connect() as connection:
        transaction = connection.begin()
        bind_to_connection(app, connection)
        try:
            yield connection
        finally:
            bind_to_connection(app, None)
            if transaction.is_active:
                transaction.rollback()


@pytest.fixture
def db(app, connection) -> Iterator[Session]:
    """A session for arranging and checking data; commits only release a savepoint.

    It holds no application context: Flask would reuse an outer one for every request
    of the test client, sharing ``g`` (and the logged-in user) between requests. Tests
    that call services directly ask for ``app_context`` too.
    """
    session = Session(
        bind=connection, join_transaction_mode="create_savepoint", expire_on_commit=False
    )
    yield session
    session.close()


@pytest.fixture
def app_context(app, connection):
    """An application context for calling services and CLI helpers directly (not with
    the test client in the same test)."""
    with app.app_context() as context:
        yield context


@pytest.fixture(autouse=True)
def _reset_rate_limits(app):
    with app.app_context():
        limiter.reset()
    yield


class Client:
    """The Flask test client plus helpers for CSRF tokens and logging in."""

    def __init__(self, app, flask_client):
        self.app = app
        self.flask = flask_client

    def __getattr__(self, name):
        return getattr(self.flask, name)

    def csrf_token(self) -> str:
        with self.flask.session_transaction() as session:
            raw = session.setdefault("csrf_token", os.urandom(20).hex())
        return URLSafeTimedSerializer(self.app.secret_key, salt="wtf-csrf-token").dumps(raw)

    def post_form(self, url: str, data: dict | None = None, **kwargs):
        """POST like the browser does: the form's fields plus a valid CSRF token."""
        data = dict(data or {})
        data.setdefault("csrf_token", self.csrf_token())
        return self.flask.post(url, data=data, **kwargs)

    def set_up_second_step(self):
        """Finish a staff sign-in that sets up the authenticator app, as a person does:
        the key the page shows, then the app's code; the answer is the page of recovery
        codes (logged in)."""
        page = self.flask.get("/login/code/setup").get_data(as_text=True)
        secret = re.search(r'data-secret="([A-Z2-7]+)"', page).group(1)
        return self.post_form("/login/code/setup", {"code": pyotp.TOTP(secret).now()})

    def login_as(self, user) -> None:
        """Log in without the login form (the login form has its own tests)."""
        with self.flask.session_transaction() as session:
            session["_user_id"] = user.get_id()
            session["_fresh"] = True


@pytest.fixture
def client(app, connection) -> Client:
    return Client(app, app.test_client())


@pytest.fixture
def count_queries(app, connection):
    """``with count_queries() as counter: ...`` then ``counter.count`` statements ran."""

    @contextmanager
    def counting():
        counter = QueryCounter()
        event.listen(connection, "before_cursor_execute", counter)
        try:
            yield counter
        finally:
            event.remove(connection, "before_cursor_execute", counter)

    return counting


class QueryCounter:
    _IGNORED = re.compile(r"^\s*(SAVEPOINT|RELEASE|ROLLBACK TO)", re.IGNORECASE)

    def __init__(self):
        self.statements: list[str] = []

    def __call__(self, _conn, _cursor, statement, *_args):
        if not self._IGNORED.match(statement):
            self.statements.append(statement)

    @property
    def count(self) -> int:
        return len(self.statements)


@pytest.fixture(scope="session")
def real_course():
    """The real course of courses/ (the app runs on a small fixture course)."""
    catalog, problems = load_courses(REAL_COURSES, ("en", "sv", "nb"))
    assert problems == []
    return catalog.get("safer-places")


@pytest.fixture
def with_real_course(app, real_course, monkeypatch):
    """The app's catalog with the real course beside the fixture course, for the pages."""
    catalog = get_catalog(app)
    monkeypatch.setitem(
        app.extensions,
        COURSES_KEY,
        (Catalog({**catalog.courses, real_course.slug: real_course}), []),
    )
