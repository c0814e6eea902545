"""Failed-login limits shared by every worker through Redis.

Two separate server processes (as two gunicorn workers would be) use the same Redis
storage; failures spread over both count together, so the 11th answers 429 on either.
"""

from __future__ import annotations

import os
import socket
import subprocess
import sys
import textwrap
import time
import urllib.error
import urllib.parse
import urllib.request
import uuid
from http.cookiejar import CookieJar

import pytest

REDIS_URL = os.environ.get("ACADEMY_TEST_REDIS_URL", "redis://127.0.0.1:6379/15")

SERVER = textwrap.dedent(
    """
    import sys
    from werkzeug.serving import run_simple
    from academy import create_app
    app = create_app()
    run_simple("127.0.0.1", int(sys.argv[1]), app, threaded=True)
    """
)

SETUP = textwrap.dedent(
    """
    from academy import create_app
    from academy.db import get_engine, get_session
    from academy.models import Base
    from academy.services import accounts
    app = create_app()
    with app.app_context():
        Base.metadata.create_all(get_engine())
        accounts.create_user(get_session(), email="kari@example.no", name="Kari Nordmann",
                             password="the right password")
        get_session().commit()
    """
)


def redis_available() -> bool:
    import redis

    try:
        return bool(redis.Redis.from_url(REDIS_URL, socket_connect_timeout=1).ping())
    except redis.RedisError:
        return False


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def wait_for(port: int) -> None:
    deadline = time.monotonic() + 20
    while time.monotonic() < deadline:
        try:
            urllib.request.urlopen(f"http://127.0.0.1:{port}/healthz", timeout=1).close()
            return
        except OSError:
            time.sleep(0.1)
    raise RuntimeError(f"the server on port {port} did not start")


class Browser:
    """Just enough of a browser: cookies, and the CSRF token from the login page."""

    def __init__(self, port: int):
        self.base = f"http://127.0.0.1:{port}"
        self.opener = urllib.request.build_opener(urllib.request.HTTPCookieProcessor(CookieJar()))

    def failed_login(self) -> int:
        page = self.opener.open(self.base + "/login", timeout=10).read().decode()
        token = page.split('name="csrf_token" type="hidden" value="', 1)[1].split('"', 1)[0]
        data = urllib.parse.urlencode(
            {"csrf_token": token, "email": "kari@example.no", "password": "wrong password"}
        ).encode()
        try:
            with self.opener.open(self.base + "/login", data=data, timeout=10) as response:
                return response.status
        except urllib.error.HTTPError as error:
            error.close()
            return error.code


@pytest.mark.skipif(not redis_available(), reason=f"no Redis at {REDIS_URL}")
def test_the_eleventh_failed_login_is_refused_whichever_worker_gets_it(tmp_path):
    env = dict(
        os.environ,
        ACADEMY_SECRET_KEY="shared-secret-for-both-workers",
        ACADEMY_DATABASE_URL=f"sqlite:///{tmp_path}/academy.sqlite3",
        ACADEMY_PASSWORD_HASH_METHOD="pbkdf2:sha256:1",
        ACADEMY_RATELIMIT_STORAGE_URI=REDIS_URL,
        ACADEMY_RATELIMIT_KEY_PREFIX=f"test-{uuid.uuid4().hex}",
    )
    subprocess.run([sys.executable, "-c", SETUP], env=env, check=True, timeout=60)
    ports = [free_port(), free_port()]
    workers = [
        subprocess.Popen(
            [sys.executable, "-c", SERVER, str(port)],
            env=env,
            stdout=subprocess.DEVNULL,
            stderr=subprocess.DEVNULL,
        )
        for port in ports
    ]
    try:
        for port in ports:
            wait_for(port)
        browsers = [Browser(port) for port in ports]
        answers = [browsers[n % 2].failed_login() for n in range(10)]
        assert answers == [200] * 10
        assert browsers[0].failed_login() == 429
        assert browsers[1].failed_login() == 429
    finally:
        for worker in workers:
            worker.terminate()
            worker.wait(timeout=10)
