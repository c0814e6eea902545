"""A real OpenID Connect provider for the tests: the ``oidc-provider-mock`` package (an
Authlib authorization server with a login page), run as a process of its own on a free
loopback port, as an organisation's Entra ID or Keycloak would be.

Its people are set through its API (``person``); signing in is its login form: a browser
types the subject and presses Authorize, a test without a browser posts the same form
(``authorize``). A process of its own rather than a thread: it imports Authlib's
deprecated ``authlib.jose``, whose warnings the suite turns into errors.
"""

from __future__ import annotations

import re
import subprocess
import sys
import threading
import time
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from urllib.parse import quote

import requests

_RUNNING = re.compile(r"Uvicorn running on (http://[0-9.]+:\d+)")


@dataclass(frozen=True)
class Provider:
    issuer: str

    def person(self, subject: str, **claims) -> None:
        """Who ``subject`` is at the provider: the claims its ID tokens carry."""
        answer = requests.put(f"{self.issuer}/users/{quote(subject)}", json=claims, timeout=10)
        assert answer.status_code == 204, answer.text

    def authorize(self, authorization_url: str, subject: str, *, deny: bool = False) -> str:
        """Sign in at the provider's login page as ``subject`` (or refuse): the address
        the provider sends the browser back to."""
        form = {"action": "deny"} if deny else {"sub": subject}
        answer = requests.post(authorization_url, data=form, allow_redirects=False, timeout=10)
        assert answer.status_code == 302, answer.text[:500]
        return answer.headers["Location"]


@contextmanager
def running_provider(*extra_arguments: str) -> Iterator[Provider]:
    """Start the provider (``-e SECONDS`` sets how long its tokens last) and stop it."""
    process = subprocess.Popen(
        [
            sys.executable,
            "-m",
            "oidc_provider_mock",
            "--host",
            "127.0.0.1",
            "--port",
            "0",
            *extra_arguments,
        ],
        stdout=subprocess.DEVNULL,
        stderr=subprocess.PIPE,
        text=True,
    )
    found: list[str] = []
    lines: list[str] = []

    def read() -> None:
        assert process.stderr is not None
        for line in process.stderr:
            lines.append(line)
            match = _RUNNING.search(line)
            if match and not found:
                found.append(match.group(1))

    reader = threading.Thread(target=read, name="oidc-provider-log", daemon=True)
    reader.start()
    try:
        deadline = time.monotonic() + 30
        while not found and process.poll() is None and time.monotonic() < deadline:
            time.sleep(0.05)
        if not found:
            raise RuntimeError("the OpenID provider did not start:\n" + "".join(lines[-20:]))
        yield Provider(issuer=found[0])
    finally:
        process.terminate()
        try:
            process.wait(timeout=10)
        except subprocess.TimeoutExpired:
            process.kill()
            process.wait()
        reader.join(timeout=5)
        if process.stderr is not None:
            process.stderr.close()
