"""gunicorn in its own process group, started on a free port and always stopped, with an
environment of the benchmark's own."""

from __future__ import annotations

import http.client
import os
import secrets
import signal
import socket
import subprocess
import sys
import time
from collections.abc import Iterator
from contextlib import contextmanager, suppress
from dataclasses import dataclass
from pathlib import Path

from bench import ROOT
from bench.command import BenchError

HOST = "127.0.0.1"
APP = "academy:create_app()"
# The settings production runs with.
CONFIG = ROOT / "gunicorn.conf.py"
STARTUP_TIMEOUT = 30.0
# How long stop() waits, after SIGTERM and a little more, before it kills the group: the
# --graceful-timeout of python -m bench's gunicorn.
GRACEFUL_TIMEOUT = 5


@dataclass(frozen=True)
class Server:
    host: str
    port: int
    log_path: Path
    # The server's own process (gunicorn's master); 0 when unknown.
    pid: int = 0


def free_port() -> int:
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as sock:
        sock.bind((HOST, 0))
        return sock.getsockname()[1]


def environment(settings: dict[str, str]) -> dict[str, str]:
    """This process's environment minus any ACADEMY_* settings of the shell, plus
    ``settings``: inherited settings (another database, Redis for the limiter) would make
    runs differ from machine to machine. An instance/config.py still applies, as it would
    in production."""
    env = {name: value for name, value in os.environ.items() if not name.startswith("ACADEMY_")}
    env.update(settings)
    return env


def secret_key(prefix: str, length: int = 32) -> str:
    """A random secret key; the prefix keeps it from parsing as JSON (ACADEMY_* values
    are JSON when they can be)."""
    return f"{prefix}-{secrets.token_urlsafe(length)}"


@contextmanager
def gunicorn(
    env: dict[str, str],
    *,
    log_path: Path,
    config: str | None = None,
    workers: int | None = None,
    graceful_timeout: int | None = None,
    startup_timeout: float = STARTUP_TIMEOUT,
) -> Iterator[Server]:
    """Serve ``academy:create_app()`` with gunicorn on a free port of 127.0.0.1 until the
    block ends, however it ends, once /healthz answers.

    ``config`` is the gunicorn.conf.py to start with (default: the repository's, as
    production runs it, access log included; "" for gunicorn's own defaults); ``workers``
    and ``graceful_timeout`` override its settings.
    """
    port = free_port()
    command = [
        sys.executable,
        "-m",
        "gunicorn",
        "--config",
        (str(CONFIG) if config is None else config) or os.devnull,
        "--bind",
        f"{HOST}:{port}",
    ]
    if workers:
        command += ["--workers", str(workers)]
    if graceful_timeout:
        command += ["--graceful-timeout", str(graceful_timeout)]
    command.append(APP)
    with serve(command, env, port, log_path, startup_timeout=startup_timeout) as server:
        yield server


@contextmanager
def serve(
    command: list[str],
    env: dict[str, str],
    port: int,
    log_path: Path,
    *,
    startup_timeout: float = STARTUP_TIMEOUT,
) -> Iterator[Server]:
    """Run ``command`` (a server on ``port``) until the block ends, however it ends, once
    its /healthz answers; its output goes to ``log_path``."""
    with log_path.open("wb") as log:
        # A session of its own: the master and its workers form one process group that
        # can be stopped together, and a Ctrl-C in the terminal reaches only this process,
        # which then stops the group in order.
        process = subprocess.Popen(
            command,
            cwd=ROOT,
            env=env,
            stdin=subprocess.DEVNULL,
            stdout=log,
            stderr=subprocess.STDOUT,
            start_new_session=True,
        )
        try:
            server = Server(HOST, port, log_path, process.pid)
            wait_until_healthy(server, process, startup_timeout)
            yield server
        finally:
            stop(process)


def wait_until_healthy(
    server: Server, process: subprocess.Popen, timeout: float = STARTUP_TIMEOUT
) -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if process.poll() is not None:
            raise BenchError(
                f"gunicorn exited with status {process.returncode}:\n{log_tail(server)}"
            )
        connection = http.client.HTTPConnection(server.host, server.port, timeout=2)
        try:
            connection.request("GET", "/healthz")
            response = connection.getresponse()
            response.read()
            if response.status == 200:
                return
        except OSError:
            pass
        finally:
            connection.close()
        time.sleep(0.1)
    raise BenchError(f"/healthz did not answer 200 within {timeout:.0f} s:\n{log_tail(server)}")


def stop(process: subprocess.Popen) -> None:
    """SIGTERM to the group (gunicorn's graceful stop), then SIGKILL to what is left."""
    _signal_group(process, signal.SIGTERM)
    with suppress(subprocess.TimeoutExpired):
        process.wait(timeout=GRACEFUL_TIMEOUT + 5)
    # The master if it hung, or a worker that outlived it.
    _signal_group(process, signal.SIGKILL)
    process.wait()


def _signal_group(process: subprocess.Popen, sig: signal.Signals) -> None:
    # ProcessLookupError: the whole group is gone already.
    with suppress(ProcessLookupError):
        os.killpg(process.pid, sig)


def log_tail(server: Server, lines: int = 30) -> str:
    try:
        text = server.log_path.read_text(errors="replace")
    except OSError:
        return "(no gunicorn log)"
    return "\n".join(text.splitlines()[-lines:])
