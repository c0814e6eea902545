"""Browser tests: the system Chromium against a live server on its own database.

The live server cannot use the rolled-back ``connection`` of the other tests: the browser's
requests run in the server's threads and must see what earlier requests committed. So it
gets a fresh SQLite file, migrated with Alembic as a real installation would be, and an
app of its own served by Werkzeug in a thread. The database and the server last the
session; each test creates the users it needs with its own e-mail address.
"""

from __future__ import annotations

import hashlib
import itertools
import os
import re
import threading
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import pytest
from alembic import command
from alembic.config import Config
from flask import Flask, request
from werkzeug.serving import make_server

from academy import create_app
from academy.db import get_engine, get_session
from academy.extensions import limiter
from academy.services import accounts
from tests import nu_html
from tests.conftest import SIGN_IN_KEY
from tests.factories import PASSWORD

CHROMIUM = "/usr/bin/chromium"
CHROMIUM_ARGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-quic",
    "--no-first-run",
    # Without these Chromium keeps trying to reach Google's update, sync and field-trial
    # servers, which floods a machine with no route to the internet.
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
]

_emails = itertools.count(1)
_SECRET = "e2e-secret-key-not-for-production"


@dataclass(frozen=True)
class LiveServer:
    url: str
    app: Flask


@dataclass(frozen=True)
class Account:
    email: str
    password: str
    name: str


def live_config(database_url: str) -> dict:
    """Settings for the live server: those of the other tests, but its own database."""
    return {
        "TESTING": True,
        "SECRET_KEY": _SECRET,
        "DATABASE_URL": database_url,
        # A cheap hash keeps logging in fast; production uses scrypt.
        "PASSWORD_HASH_METHOD": "pbkdf2:sha256:1",
        "MAIL_SERVER": "",
        "RATELIMIT_STORAGE_URI": "memory://",
        "SIGN_IN_ENCRYPTION_KEYS": SIGN_IN_KEY,
    }


def migrate(database_url: str, root: Path) -> None:
    """Bring the database at ``database_url`` to the newest migration."""
    config = Config(str(root / "migrations" / "alembic.ini"))
    config.attributes["database_url"] = database_url
    # Alembic >= 1.16 warns when alembic.ini lacks this setting (an error under pytest's
    # filterwarnings); set here until migrations/alembic.ini has it.
    if config.get_main_option("path_separator") is None:
        config.set_main_option("path_separator", "os")
    # pytest captures logging; the ini file's setup would add a handler of its own.
    config.attributes["configure_logger"] = False
    command.upgrade(config, "head")


@pytest.fixture(scope="session")
def live_server(tmp_path_factory, pytestconfig) -> Iterator[LiveServer]:
    directory = tmp_path_factory.mktemp("e2e")
    database_url = "sqlite:///" + str(directory / "e2e.sqlite3")
    migrate(database_url, pytestconfig.rootpath)
    app = create_app(live_config(database_url))
    app.instance_path = str(directory / "instance")
    app.after_request(_record_title)
    app.after_request(_save_page)
    server = make_server("127.0.0.1", 0, app, threaded=True)
    url = f"http://127.0.0.1:{server.server_port}"
    app.config["BASE_URL"] = url
    thread = threading.Thread(target=server.serve_forever, name="e2e-live-server", daemon=True)
    thread.start()
    try:
        yield LiveServer(url=url, app=app)
    finally:
        server.shutdown()
        server.server_close()
        thread.join(timeout=10)
        get_engine(app).dispose()


# Every HTML page the live server answered with, as (its URL rule, title).
_TITLES: list[tuple[str, str]] = []
_TITLE = re.compile(r"<title>(.*?)</title>", re.S)


def _record_title(response):
    if response.mimetype == "text/html" and response.status_code == 200:
        found = _TITLE.search(response.get_data(as_text=True))
        title = " ".join(found.group(1).split()) if found else ""
        _TITLES.append((request.url_rule.rule if request.url_rule else request.path, title))
    return response


# Every HTML page the live server answered with (any status), saved for the Nu HTML
# checker; pages that differ only in their CSRF token are saved once.
_PAGES: dict[str, Path] = {}
_CSRF_VALUE = re.compile(r'(value=)"[A-Za-z0-9_.-]{60,}"')


def _save_page(response):
    folder = _PAGES.get("folder")
    if folder is None or response.mimetype != "text/html" or response.direct_passthrough:
        return response
    body = response.get_data(as_text=True)
    key = hashlib.sha256(_CSRF_VALUE.sub(r"\1", body).encode()).hexdigest()[:16]
    rule = request.url_rule.rule if request.url_rule else request.path
    name = re.sub(r"[^a-z0-9]+", "-", rule.lower()).strip("-") or "root"
    path = folder / f"{name}-{response.status_code}-{key}.html"
    if not path.exists():
        path.write_text(body, encoding="utf-8")
    return response


@pytest.fixture(scope="session", autouse=True)
def every_page_is_valid_html(tmp_path_factory):
    """Every page the journeys reached, checked by the W3C Nu HTML checker at the end of
    the session, in one run over the folder they were saved to (tests/nu_html.py)."""
    folder = tmp_path_factory.mktemp("e2e-pages")
    _PAGES["folder"] = folder
    yield
    _PAGES.pop("folder")
    pages = sorted(folder.glob("*.html"))
    if not pages:
        return
    errors = nu_html.check_folder(folder)
    assert errors == [], (
        f"the Nu HTML checker ({nu_html.version()}) found {len(errors)} errors in the "
        f"{len(pages)} pages saved to {folder}:\n" + "\n".join(map(str, errors))
    )


@pytest.fixture(autouse=True)
def every_page_has_a_title_of_its_own(live_server):
    """Every page a browser test reaches has a title, and pages of different addresses
    have different ones (a title block that renders nothing shows as " · Academy"). Two
    pages of one URL rule (two lessons, say) may share theirs."""
    _TITLES.clear()
    yield
    untitled = sorted({path for path, title in _TITLES if not title or title.startswith("·")})
    assert untitled == [], f"pages without a title: {untitled}"
    paths_of: dict[str, set[str]] = {}
    for path, title in _TITLES:
        paths_of.setdefault(title, set()).add(path)
    shared = {title: sorted(paths) for title, paths in paths_of.items() if len(paths) > 1}
    assert shared == {}, f"different pages share a title: {shared}"


@pytest.fixture(autouse=True)
def _reset_rate_limits(live_server):
    """Overrides the fixture of tests/conftest.py, which needs the unit-test app and schema.

    The browser only talks to the live server, so its limits are the ones to clear: every
    request comes from 127.0.0.1, and failed logins of one test must not slow the next.
    """
    with live_server.app.app_context():
        limiter.reset()
    yield


@pytest.fixture(scope="session")
def base_url(live_server) -> str:
    """pytest-playwright gives every browser context this base URL, so ``goto("/login")``."""
    return live_server.url


@pytest.fixture(scope="session")
def browser_type_launch_args(browser_type_launch_args) -> dict:
    """The system Chromium from the OS packages; Playwright's own download is never used."""
    if not os.access(CHROMIUM, os.X_OK):
        pytest.fail(f"{CHROMIUM} not found: install the OS package (apt-get install chromium)")
    return {**browser_type_launch_args, "executable_path": CHROMIUM, "args": CHROMIUM_ARGS}


@pytest.fixture
def account(live_server) -> Account:
    """A committed user with a known password, made through the same service as the app."""
    email = f"e2e-{next(_emails)}@example.org"
    name = "Eva Example"
    with live_server.app.app_context():
        session = get_session()
        accounts.create_user(session, email=email, name=name, password=PASSWORD)
        session.commit()
    return Account(email=email, password=PASSWORD, name=name)


@pytest.fixture(scope="session")
def screenshot_dir(pytestconfig) -> Path:
    """test-results/screenshots/ (git-ignored), inside pytest-playwright's --output folder.

    pytest-playwright empties that folder when a session starts, so the screenshots are
    always those of the last run.
    """
    path = Path(pytestconfig.getoption("--output")).absolute() / "screenshots"
    path.mkdir(parents=True, exist_ok=True)
    return path
