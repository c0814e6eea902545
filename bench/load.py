"""The load: concurrent clients on keep-alive connections, and logging in through the form.

Plain ``http.client`` in threads is enough for the rates a two-worker gunicorn reaches,
and it adds no dependency. Each client holds one connection and sends its next request as
soon as the previous answer is read (a closed loop), so requests/s is what the server
sustains at that concurrency. Connections are reused when the server keeps them open;
gunicorn's sync workers close them after each response, and ``http.client`` reconnects.
"""

from __future__ import annotations

import http.client
import threading
import time
from collections import Counter
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field
from http.cookies import SimpleCookie
from urllib.parse import urlencode, urlsplit

import pyotp

from bench.command import BenchError
from bench.inprocess import csrf_token
from bench.measure import percentile_ms
from bench.server import Server


@dataclass
class Measurement:
    requests: int
    seconds: float
    latencies: list[float]
    # Unexpected statuses and exceptions, by description.
    errors: Counter[str] = field(default_factory=Counter)
    # Requests/s of each slice this is made of; one entry for a single measurement.
    slice_rates: list[float] = field(default_factory=list)
    # The size of the largest answer body, in bytes.
    max_bytes: int = 0

    @property
    def requests_per_second(self) -> float:
        """The best slice's rate.

        Other work on the machine only ever slows a slice down, so the best slice is the
        nearest to what the server can do, and a burst of load that hits a slice or two
        does not decide the verdict.
        """
        return max(self.slice_rates, default=0.0)

    @property
    def mean_requests_per_second(self) -> float:
        return self.requests / self.seconds if self.seconds else 0.0

    def percentile_ms(self, percent: int) -> float:
        return percentile_ms(self.latencies, percent)

    @classmethod
    def combine(cls, parts: list[Measurement]) -> Measurement:
        """One measurement out of several slices of the same URL."""
        errors: Counter[str] = Counter()
        for part in parts:
            errors.update(part.errors)
        return cls(
            requests=sum(part.requests for part in parts),
            seconds=sum(part.seconds for part in parts),
            latencies=[latency for part in parts for latency in part.latencies],
            errors=errors,
            slice_rates=[rate for part in parts for rate in part.slice_rates],
            max_bytes=max((part.max_bytes for part in parts), default=0),
        )


@dataclass
class _ClientResult:
    started: float
    finished: float
    latencies: list[float]
    errors: Counter[str]
    max_bytes: int


def measure(
    server: Server,
    path: str,
    *,
    clients: int,
    duration: float,
    headers: dict[str, str] | None = None,
    expected_status: int = 200,
) -> Measurement:
    """GET ``path`` from ``clients`` concurrent clients for ``duration`` seconds.

    Only answers with ``expected_status`` count as requests; anything else is an error,
    so that a fast error page cannot pass for a fast page.
    """
    start = threading.Barrier(clients)

    def client(_index: int) -> _ClientResult:
        connection = http.client.HTTPConnection(server.host, server.port, timeout=30)
        latencies: list[float] = []
        errors: Counter[str] = Counter()
        largest = 0
        # Every client starts its clock once all threads are up, so they overlap fully.
        start.wait()
        started = time.perf_counter()
        deadline = started + duration
        try:
            while (sent := time.perf_counter()) < deadline:
                try:
                    connection.request("GET", path, headers=headers or {})
                    response = connection.getresponse()
                    largest = max(largest, len(response.read()))
                except (OSError, http.client.HTTPException) as error:
                    errors[type(error).__name__] += 1
                    connection.close()
                    continue
                if response.status == expected_status:
                    latencies.append(time.perf_counter() - sent)
                else:
                    errors[f"HTTP {response.status}"] += 1
        finally:
            connection.close()
        return _ClientResult(started, time.perf_counter(), latencies, errors, largest)

    with ThreadPoolExecutor(max_workers=clients, thread_name_prefix="bench-client") as pool:
        results = list(pool.map(client, range(clients)))
    latencies = [latency for result in results for latency in result.latencies]
    errors: Counter[str] = Counter()
    for result in results:
        errors.update(result.errors)
    seconds = max(r.finished for r in results) - min(r.started for r in results)
    return Measurement(
        requests=len(latencies),
        seconds=seconds,
        latencies=latencies,
        errors=errors,
        slice_rates=[len(latencies) / seconds] if seconds else [],
        max_bytes=max(result.max_bytes for result in results),
    )


def _store_cookies(jar: dict[str, str], response: http.client.HTTPResponse) -> None:
    for header in response.headers.get_all("Set-Cookie") or []:
        cookie = SimpleCookie()
        cookie.load(header)
        for name, morsel in cookie.items():
            jar[name] = morsel.value


def _cookie_header(jar: dict[str, str]) -> str:
    return "; ".join(f"{name}={value}" for name, value in jar.items())


def login(
    server: Server, email: str, password: str, *, totp_secret: str | None = None
) -> dict[str, str]:
    """Log in through the login form like a browser; return the headers of that session.

    Staff (organizers, administrators) give a code from their authenticator app after the
    password: ``totp_secret`` is that app's secret (the code of the current time step is
    sent; a code is accepted once, so the same account cannot log in twice within 30 s).
    """
    connection = http.client.HTTPConnection(server.host, server.port, timeout=30)
    jar: dict[str, str] = {}
    try:
        connection.request("GET", "/login")
        response = connection.getresponse()
        page = response.read().decode()
        _store_cookies(jar, response)
        if response.status != 200:
            raise BenchError(f"GET /login: status {response.status}")

        body = urlencode(
            {"csrf_token": csrf_token(page), "email": email, "password": password, "next": ""}
        )
        response = _post_form(connection, "/login", body, jar)
        location = response.headers.get("Location", "")
        if totp_secret is not None and urlsplit(location).path == "/login/code":
            connection.request("GET", "/login/code", headers={"Cookie": _cookie_header(jar)})
            response = connection.getresponse()
            page = response.read().decode()
            _store_cookies(jar, response)
            if response.status != 200:
                raise BenchError(f"GET /login/code: status {response.status}")
            code = pyotp.TOTP(totp_secret).now()
            body = urlencode({"csrf_token": csrf_token(page), "code": code})
            response = _post_form(connection, "/login/code", body, jar)
            location = response.headers.get("Location", "")
        if response.status != 302 or urlsplit(location).path != "/":
            raise BenchError(
                f"POST /login: expected a redirect to /, got {response.status} {location!r}"
            )

        headers = {"Cookie": _cookie_header(jar)}
        connection.request("GET", "/", headers=headers)
        response = connection.getresponse()
        page = response.read().decode()
        if response.status != 200 or 'action="/logout"' not in page:
            raise BenchError("after logging in, / does not show the logout button")
    finally:
        connection.close()
    return headers


def _post_form(
    connection: http.client.HTTPConnection, path: str, body: str, jar: dict[str, str]
) -> http.client.HTTPResponse:
    connection.request(
        "POST",
        path,
        body=body,
        headers={
            "Content-Type": "application/x-www-form-urlencoded",
            "Cookie": _cookie_header(jar),
        },
    )
    response = connection.getresponse()
    response.read()
    _store_cookies(jar, response)
    return response


def fetch_status(server: Server, path: str, headers: dict[str, str] | None = None) -> int:
    """The status of one GET of ``path``."""
    connection = http.client.HTTPConnection(server.host, server.port, timeout=30)
    try:
        connection.request("GET", path, headers=headers or {})
        response = connection.getresponse()
        response.read()
        return response.status
    finally:
        connection.close()
