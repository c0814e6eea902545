"""gunicorn.conf.py: the settings gunicorn will use, the hooks, and a real start."""

from __future__ import annotations

import os
import runpy
import secrets
import signal
import socket
import subprocess
import sys
import time
import urllib.error
import urllib.request
from datetime import timedelta
from pathlib import Path
from types import SimpleNamespace

import pytest
from alembic import command
from alembic.config import Config as AlembicConfig
from gunicorn.config import Config

from academy import create_app
from academy.db import get_engine
from tests.conftest import FIXTURE_COURSES, test_config

ROOT = Path(__file__).resolve().parent.parent
CONFIG_FILE = ROOT / "gunicorn.conf.py"
TUNING = ("WEB_CONCURRENCY", "GUNICORN_THREADS", "GUNICORN_BIND")


def load(monkeypatch, **environment) -> dict:
    for name in TUNING:
        monkeypatch.delenv(name, raising=False)
    for name, value in environment.items():
        monkeypatch.setenv(name, value)
    return runpy.run_path(str(CONFIG_FILE))


def settings_of(namespace: dict) -> dict:
    """The names gunicorn reads from the file (it ignores any other silently)."""
    return {
        name: value
        for name, value in namespace.items()
        if not name.startswith("_") and name.islower() and name in Config().settings
    }


def test_every_lowercase_name_is_a_gunicorn_setting_gunicorn_accepts(monkeypatch):
    namespace = load(monkeypatch)
    helpers = {"os", "re", "subprocess", "sys", "glogging", "redact", "annotations"}
    names = {
        name
        for name, value in namespace.items()
        if not name.startswith("_") and name.islower() and name not in helpers
    }
    assert names - set(Config().settings) == set(), "misspelt settings are ignored by gunicorn"
    config = Config()
    for name, value in settings_of(namespace).items():
        config.set(name, value)  # gunicorn's own validation


def test_key_settings(monkeypatch):
    settings = settings_of(load(monkeypatch))
    assert settings["wsgi_app"] == "academy:create_app()"
    assert settings["bind"] == ["127.0.0.1:8000"]
    assert settings["worker_class"] == "sync"
    assert settings["threads"] == 1
    assert settings["timeout"] == 60
    assert settings["graceful_timeout"] == 30
    assert settings["keepalive"] == 5
    assert settings["preload_app"] is False
    assert settings["accesslog"] == "-"
    assert "%({x-forwarded-for}i)s" in settings["access_log_format"]
    assert "%(M)s" in settings["access_log_format"]
    assert settings["control_socket_disable"] is True
    cores = len(os.sched_getaffinity(0))
    assert settings["workers"] == min(2 * cores + 1, 12)


def test_environment_tunes_workers_threads_and_bind(monkeypatch):
    settings = settings_of(
        load(
            monkeypatch,
            WEB_CONCURRENCY="3",
            GUNICORN_THREADS="4",
            GUNICORN_BIND="unix:/run/academy/gunicorn.sock",
        )
    )
    assert settings["workers"] == 3
    assert settings["threads"] == 4
    assert settings["worker_class"] == "gthread"
    assert settings["bind"] == ["unix:/run/academy/gunicorn.sock"]


# --- hooks ----------------------------------------------------------------------------------


def test_post_fork_gives_a_preloaded_worker_a_fresh_pool(monkeypatch, tmp_path):
    post_fork = load(monkeypatch)["post_fork"]
    app = create_app(test_config(f"sqlite:///{tmp_path / 'fork.sqlite3'}"))
    engine = get_engine(app)
    parents_pool = engine.pool
    with engine.connect():
        pass  # leaves a connection checked in to the parent's pool
    parents_connection = parents_pool._pool.queue[0]  # type: ignore[attr-defined]
    assert parents_pool.checkedin() == 1

    post_fork(SimpleNamespace(app=SimpleNamespace(callable=app)), worker=None)

    assert engine.pool is not parents_pool
    assert engine.pool.checkedin() == 0
    # close=False: the parent's connection is left to the parent, not closed under it.
    assert parents_pool.checkedin() == 1
    assert parents_connection.dbapi_connection is not None
    parents_pool.dispose()
    engine.dispose()


def test_post_fork_without_preload_does_nothing(monkeypatch):
    post_fork = load(monkeypatch)["post_fork"]
    post_fork(SimpleNamespace(app=SimpleNamespace(callable=None)), worker=None)


def test_on_starting_runs_the_startup_checks_and_stops_on_failure(monkeypatch):
    on_starting = load(monkeypatch)["on_starting"]
    calls = []

    def run(command, **kwargs):
        calls.append(command)
        return SimpleNamespace(returncode=returncode)

    monkeypatch.setattr(subprocess, "run", run)
    returncode = 0
    on_starting(server=None)
    assert calls == [[sys.executable, "-m", "academy.startup", "--startup"]]
    returncode = 1
    with pytest.raises(RuntimeError, match="startup checks failed"):
        on_starting(server=None)


def test_on_starting_gives_up_on_checks_that_hang(monkeypatch):
    on_starting = load(monkeypatch)["on_starting"]

    def run(command, timeout, **kwargs):
        raise subprocess.TimeoutExpired(command, timeout)

    monkeypatch.setattr(subprocess, "run", run)
    with pytest.raises(RuntimeError, match="took over 2 minutes"):
        on_starting(server=None)


# --- the access log -------------------------------------------------------------------------


def test_every_token_route_is_masked_in_the_access_log(monkeypatch, app):
    redact = load(monkeypatch)["redact"]
    token = "Zm9vYmFy.secret-Token_123"
    token_rules = [rule for rule in app.url_map.iter_rules() if "token" in rule.arguments]
    assert len(token_rules) >= 5
    adapter = app.url_map.bind("localhost")
    for rule in token_rules:
        # Other parts of the path (a subscription's number) as any id.
        values = {name: 7 for name in rule.arguments if name != "token"}
        path = adapter.build(rule.endpoint, {**values, "token": token})
        line = f'GET {path}?next=%2F HTTP/1.1" 200'
        assert token not in redact(line), f"{rule.rule} would log its token"
        assert "[token]" in redact(line)
    assert redact("GET /learn/12/situational-prevention/what-works") == (
        "GET /learn/12/situational-prevention/what-works"
    )


def test_the_logger_masks_tokens_in_every_field(monkeypatch):
    namespace = load(monkeypatch)
    logger = namespace["AccessLogger"](Config())
    environ = {
        "REQUEST_METHOD": "POST",
        "RAW_URI": "/invite/SECRET1",
        "PATH_INFO": "/invite/SECRET1",
        "QUERY_STRING": "",
        "SERVER_PROTOCOL": "HTTP/1.1",
        "REMOTE_ADDR": "127.0.0.1",
        "HTTP_REFERER": "https://academy.example.se/password/reset/SECRET2",
    }
    response = SimpleNamespace(status="302 FOUND", sent=0, headers=[])
    request = SimpleNamespace(headers=[("REFERER", environ["HTTP_REFERER"])])
    atoms = logger.atoms(response, request, environ, timedelta(milliseconds=12))
    assert atoms["r"] == "POST /invite/[token] HTTP/1.1"
    assert atoms["U"] == "/invite/[token]"
    assert atoms["M"] == 12
    assert not [value for value in atoms.values() if "SECRET" in str(value)]


# --- a real start ---------------------------------------------------------------------------


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def gunicorn_environment(**settings) -> dict[str, str]:
    env = {name: value for name, value in os.environ.items() if not name.startswith("ACADEMY_")}
    env.update(settings)
    return env


def test_gunicorn_refuses_to_start_in_production_without_a_secret():
    env = gunicorn_environment(
        ACADEMY_ENV="production",
        ACADEMY_DATABASE_URL="postgresql+psycopg://academy@127.0.0.1:1/academy",
        GUNICORN_BIND=f"127.0.0.1:{free_port()}",
        WEB_CONCURRENCY="1",
    )
    result = subprocess.run(
        [sys.executable, "-m", "gunicorn", "-c", str(CONFIG_FILE)],
        cwd=ROOT,
        env=env,
        capture_output=True,
        text=True,
        timeout=60,
    )
    assert result.returncode == 1
    output = result.stdout + result.stderr
    assert "error: ACADEMY_SECRET_KEY is not set." in output
    assert "Academy's startup checks failed" in output
    assert "Booting worker" not in output


def test_gunicorn_serves_after_the_checks_pass_and_masks_tokens(tmp_path):
    database = tmp_path / "served.sqlite3"
    alembic = AlembicConfig(str(ROOT / "migrations" / "alembic.ini"))
    alembic.attributes["database_url"] = f"sqlite:///{database}"
    alembic.attributes["configure_logger"] = False
    command.upgrade(alembic, "head")
    port = free_port()
    env = gunicorn_environment(
        ACADEMY_STARTUP_CHECKS="true",
        ACADEMY_SECRET_KEY=secrets.token_urlsafe(48),
        ACADEMY_DATABASE_URL=f"sqlite:///{database}",
        ACADEMY_COURSES_DIR=str(FIXTURE_COURSES),
        GUNICORN_BIND=f"127.0.0.1:{port}",
        WEB_CONCURRENCY="1",
    )
    log = tmp_path / "gunicorn.log"
    with log.open("wb") as output:
        server = subprocess.Popen(
            [sys.executable, "-m", "gunicorn", "-c", str(CONFIG_FILE)],
            cwd=ROOT,
            env=env,
            stdout=output,
            stderr=subprocess.STDOUT,
            start_new_session=True,
        )
    try:
        base = f"http://127.0.0.1:{port}"
        deadline = time.monotonic() + 60
        while True:
            assert server.poll() is None, log.read_text()
            try:
                with urllib.request.urlopen(base + "/healthz", timeout=2) as response:  # noqa: S310
                    headers = response.headers
                    break
            except OSError:
                assert time.monotonic() < deadline, log.read_text()
                time.sleep(0.2)
        assert headers["X-Frame-Options"] == "DENY"
        assert "frame-ancestors 'none'" in headers["Content-Security-Policy"]
        try:
            urllib.request.urlopen(base + "/invite/VERY-SECRET-TOKEN", timeout=5).close()  # noqa: S310
        except urllib.error.HTTPError as error:
            error.close()
    finally:
        os.killpg(server.pid, signal.SIGTERM)
        try:
            server.wait(timeout=40)
        except subprocess.TimeoutExpired:
            os.killpg(server.pid, signal.SIGKILL)
            server.wait()
    text = log.read_text()
    assert "Startup checks passed (ENV=development): settings, database" in text
    assert '"GET /invite/[token] HTTP/1.1"' in text
    assert "VERY-SECRET-TOKEN" not in text
