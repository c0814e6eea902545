"""Academy in the benchmark's own process: an app on a scratch database, and test clients
logged in through the login form.

The benchmarks that measure without gunicorn (import, certificate, scale) and the load
test's certificate issuing all need the same app: the benchmark's database, a course
folder, a random secret key and rate limits kept in memory.
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

import pyotp
from flask import Flask
from flask.testing import FlaskClient

from academy import create_app
from academy.db import get_engine
from bench.command import BenchError
from bench.filling import LOGIN_PASSWORD, STAFF_TOTP_SECRET
from bench.server import secret_key

# The first CSRF token of a page (every form of a session carries the same one).
CSRF_TOKEN = re.compile(r'name="csrf_token"[^>]*value="([^"]+)"')


def csrf_token(html: str) -> str:
    """The CSRF token of a page's forms, as a browser would post it."""
    found = CSRF_TOKEN.search(html)
    if found is None:
        raise BenchError("no CSRF token on the page")
    return found.group(1)


@contextmanager
def academy_app(database_url: str, courses_dir: Path, **settings: Any) -> Iterator[Flask]:
    """The app on ``database_url`` serving ``courses_dir``, with ``settings`` on top (BASE_URL,
    BADGE_SIGNING_KEY_FILE, ...); its connections are closed when the block ends."""
    app = create_app(
        {
            "SECRET_KEY": secret_key("bench"),
            "DATABASE_URL": database_url,
            "COURSES_DIR": str(courses_dir.resolve()),
            "RATELIMIT_STORAGE_URI": "memory://",
            **settings,
        }
    )
    try:
        yield app
    finally:
        get_engine(app).dispose()


def logged_in_client(app: Flask, email: str, password: str = LOGIN_PASSWORD) -> FlaskClient:
    """A test client with the session of ``email``, logged in through the form, and
    through the code step with a code of its authenticator app when it asks for one
    (staff: every bench organizer's app has ``STAFF_TOTP_SECRET``)."""
    client = app.test_client()
    token = csrf_token(client.get("/login").text)
    response = client.post(
        "/login", data={"csrf_token": token, "email": email, "password": password}
    )
    if response.headers.get("Location", "").startswith("/login/code"):
        token = csrf_token(client.get("/login/code").text)
        code = pyotp.TOTP(STAFF_TOTP_SECRET).now()
        response = client.post("/login/code", data={"csrf_token": token, "code": code})
    if response.status_code != 302 or response.headers.get("Location") != "/":
        raise BenchError(
            f"logging in as {email}: status {response.status_code} "
            f"to {response.headers.get('Location')!r}"
        )
    return client
