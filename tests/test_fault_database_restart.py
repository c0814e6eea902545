"""Fault: PostgreSQL restarts under a running app. The app recovers by itself: the first
request after the restart succeeds; only work in flight during the restart fails, and
while the server is down every page answers 503 with Retry-After (no traceback). A page
whose connection the server ends after its work (a fast shutdown between the page's last
statement and the end of the request) still gets its answer.

The test runs its own throwaway PostgreSQL cluster (initdb into a temporary directory,
its own port and socket directory), never the machine's shared server, so it does not
depend on ACADEMY_DATABASE_URL and runs the same in both phases of CI. It is skipped only
when the PostgreSQL server programs (initdb, pg_ctl) are not installed.
"""

from __future__ import annotations

import glob
import logging
import os
import pwd
import shutil
import socket
import subprocess
import tempfile
from collections.abc import Iterator
from pathlib import Path

import pytest
from alembic import command
from alembic.config import Config
from sqlalchemy import create_engine, text
from sqlalchemy.exc import OperationalError
from sqlalchemy.orm import Session
from werkzeug.security import generate_password_hash

from academy import create_app
from academy.db import get_engine, get_session
from academy.models import User, normalize_email
from tests.conftest import test_config
from tests.factories import PASSWORD

ROOT = Path(__file__).resolve().parent.parent


def server_programs() -> Path | None:
    """The directory with initdb and pg_ctl: the newest /usr/lib/postgresql/<version>/bin
    (Debian and Ubuntu), else wherever initdb is on the PATH."""
    found = [Path(path).parent for path in glob.glob("/usr/lib/postgresql/*/bin/initdb")]
    found.sort(key=lambda bindir: int(bindir.parent.name) if bindir.parent.name.isdigit() else 0)
    if found:
        return found[-1]
    initdb = shutil.which("initdb")
    return Path(initdb).resolve().parent if initdb else None


class Cluster:
    """A PostgreSQL cluster in a temporary directory, listening on 127.0.0.1:``port``.

    initdb and postgres refuse to run as root; as root, they run as the ``postgres``
    user. Trust authentication: nothing but this test can reach the port's data anyway.
    """

    def __init__(self, bindir: Path) -> None:
        self.bindir = bindir
        self.user: str | None = None
        if os.geteuid() == 0:
            try:
                self.user = pwd.getpwnam("postgres").pw_name
            except KeyError:
                pytest.skip("running as root and there is no postgres user to run initdb as")
        # Short and outside pytest's private tmp tree: the socket path has a length limit
        # and the postgres user must be able to enter the directory.
        parent = "/tmp" if self.user is not None and os.path.isdir("/tmp") else None
        self.directory = Path(tempfile.mkdtemp(prefix="academy-pg-", dir=parent))
        if self.user is not None:
            shutil.chown(self.directory, user=self.user)
        self.data = self.directory / "data"
        self.log = self.directory / "server.log"
        with socket.socket() as probe:
            probe.bind(("127.0.0.1", 0))
            self.port: int = probe.getsockname()[1]
        self.url = f"postgresql+psycopg://postgres@127.0.0.1:{self.port}/postgres"
        self.started = False

    def _run(self, program: str, *args: str) -> None:
        try:
            subprocess.run(
                [str(self.bindir / program), *args],
                check=True,
                capture_output=True,
                text=True,
                timeout=60,
                user=self.user,
                cwd=self.directory,
            )
        except subprocess.CalledProcessError as error:
            log = self.log.read_text() if self.log.exists() else ""
            raise AssertionError(f"{program} failed:\n{error.stdout}{error.stderr}{log}") from error

    def _pg_ctl(self, action: str, *args: str) -> None:
        options = f"-p {self.port} -k {self.directory} -c listen_addresses=127.0.0.1 -c fsync=off"
        self._run(
            "pg_ctl",
            action,
            "-D",
            str(self.data),
            "-l",
            str(self.log),
            "-w",
            "-t",
            "30",
            "-o",
            options,
            *args,
        )

    def create(self) -> None:
        self._run(
            "initdb",
            "-D",
            str(self.data),
            "-U",
            "postgres",
            "-A",
            "trust",
            "-E",
            "UTF8",
            "--no-locale",
            "--no-sync",
        )
        self._pg_ctl("start")
        self.started = True

    def restart(self) -> None:
        """A fast restart: sessions are ended, their open transactions rolled back."""
        self._pg_ctl("restart", "-m", "fast")

    def stop(self) -> None:
        """A fast shutdown, as the first half of a restart: sessions ended, then down."""
        self._run("pg_ctl", "stop", "-D", str(self.data), "-w", "-t", "30", "-m", "fast")
        self.started = False

    def start(self) -> None:
        self._pg_ctl("start")
        self.started = True

    def remove(self) -> None:
        try:
            if self.started:
                self._run("pg_ctl", "stop", "-D", str(self.data), "-w", "-m", "immediate")
        finally:
            shutil.rmtree(self.directory, ignore_errors=True)


@pytest.fixture
def cluster() -> Iterator[Cluster]:
    bindir = server_programs()
    if bindir is None or not (bindir / "pg_ctl").exists():
        pytest.skip("PostgreSQL server programs (initdb, pg_ctl) are not installed")
    cluster = Cluster(bindir)
    try:
        cluster.create()
        yield cluster
    finally:
        cluster.remove()


def migrate(url: str) -> None:
    """``alembic upgrade head``, as an installation does, with the URL given to env.py."""
    config = Config(str(ROOT / "migrations" / "alembic.ini"))
    config.attributes["database_url"] = url
    config.attributes["configure_logger"] = False
    command.upgrade(config, "head")


def signed_in_client(app, engine, email: str, name: str):
    """A test client signed in as a new person with ``email`` and ``name``."""
    with Session(engine) as session:
        user = User(
            email=email,
            email_normalized=normalize_email(email),
            name=name,
            certificate_name=name,
            password_hash=generate_password_hash(PASSWORD, method="pbkdf2:sha256:1"),
        )
        session.add(user)
        session.commit()
        user_id = user.get_id()
    client = app.test_client()
    with client.session_transaction() as cookie_session:
        cookie_session["_user_id"] = user_id
        cookie_session["_fresh"] = True
    return client


def test_the_app_recovers_by_itself_when_postgresql_restarts(cluster):
    migrate(cluster.url)
    app = create_app(test_config(cluster.url))
    engine = get_engine(app)
    # Without pre-ping: shows that the restart really kills the pool's connections.
    plain = create_engine(cluster.url)
    try:
        client = signed_in_client(app, engine, "Åsa@example.se", "Åsa Öberg")

        # A request in the middle of its work when the server restarts.
        in_flight = engine.connect()
        in_flight.execute(text('SELECT count(*) FROM "user"'))
        # Requests before the restart leave an idle connection in the pool, which the
        # restart cuts.
        assert client.get("/healthz").json == {"status": "ok", "database": "up"}
        assert "Åsa Öberg" in client.get("/account").get_data(as_text=True)
        assert engine.pool.checkedin() == 1
        with plain.connect() as connection:
            connection.execute(text("SELECT 1"))

        cluster.restart()

        # The very next requests succeed, without restarting the app. (They must come
        # first: any connection of the pool that meets the restart invalidates the whole
        # pool, which would hide a missing pre-ping.)
        health = client.get("/healthz")
        assert (health.status_code, health.json) == (200, {"status": "ok", "database": "up"})
        page = client.get("/account")
        assert page.status_code == 200
        assert "Åsa Öberg" in page.get_data(as_text=True)
        # Only the work in flight during the restart failed (its transaction rolled back).
        with pytest.raises(OperationalError):
            in_flight.execute(text('SELECT count(*) FROM "user"'))
        in_flight.close()
        with pytest.raises(OperationalError), plain.connect() as connection:
            connection.execute(text("SELECT 1"))
    finally:
        plain.dispose()
        engine.dispose()


def test_pages_answer_503_while_postgresql_is_down_and_work_again_once_it_is_up(cluster, caplog):
    migrate(cluster.url)
    app = create_app(test_config(cluster.url, PROPAGATE_EXCEPTIONS=False))
    engine = get_engine(app)
    try:
        client = signed_in_client(app, engine, "nils@example.no", "Nils Ødegård")
        assert client.get("/account").status_code == 200

        cluster.stop()
        with caplog.at_level(logging.INFO):
            # The pool's connection is cut (pre-ping finds it dead), then connecting is
            # refused: a logged-in page, the login page and the dashboard alike.
            for path in ("/account", "/login", "/learn/"):
                response = client.get(path)
                assert response.status_code == 503, path
                assert response.headers["Retry-After"] == "5"
                assert "Unavailable for a moment" in response.get_data(as_text=True)
        assert not [record for record in caplog.records if record.levelno >= logging.ERROR]
        assert [record.levelno for record in caplog.records if "unavailable" in record.message]
        assert all(record.exc_info is None for record in caplog.records)

        cluster.start()
        page = client.get("/account")
        assert page.status_code == 200
        # The login survived the outage.
        assert "Nils Ødegård" in page.get_data(as_text=True)
    finally:
        engine.dispose()


def test_a_page_whose_connection_is_ended_after_its_work_still_answers(cluster, caplog):
    migrate(cluster.url)
    app = create_app(test_config(cluster.url, PROPAGATE_EXCEPTIONS=False))
    engine = get_engine(app)
    admin = create_engine(cluster.url)

    @app.get("/work-then-shutdown")
    def work_then_shutdown():
        # The page's work, then the server ends its session as a fast shutdown does; the
        # request's end still rolls back on that connection.
        pid = get_session().execute(text("SELECT pg_backend_pid()")).scalar_one()
        with admin.connect() as connection:
            connection.execute(text("SELECT pg_terminate_backend(:pid)"), {"pid": pid})
        return "done"

    try:
        client = app.test_client()
        with caplog.at_level(logging.INFO):
            response = client.get("/work-then-shutdown")
        assert (response.status_code, response.get_data(as_text=True)) == (200, "done")
        assert not [record for record in caplog.records if record.levelno >= logging.ERROR]
        assert any("connection was cut after GET" in record.message for record in caplog.records)
        # The pool lost that connection, not its use: the next page gets a new one.
        assert client.get("/healthz").status_code == 200
    finally:
        admin.dispose()
        engine.dispose()
