"""gunicorn settings for Academy: `.venv/bin/gunicorn -c gunicorn.conf.py` from this folder.

The application's own settings (ACADEMY_*) are read by the application; these are the
server's. Environment variables tune them per machine:

    GUNICORN_BIND       where to listen (default 127.0.0.1:8000; behind nginx on the same
                        host keep it on 127.0.0.1, or use unix:/run/academy/gunicorn.sock)
    WEB_CONCURRENCY     worker processes (default 2 x CPU cores + 1, at most 12)
    GUNICORN_THREADS    threads per worker (default 1: sync workers, see below)
    FORWARDED_ALLOW_IPS read by gunicorn itself: proxies trusted for X-Forwarded-Proto
                        (default 127.0.0.1,::1). The application trusts X-Forwarded-*
                        through its PROXY_FIX setting; set both when the proxy is elsewhere.

Command-line options still win over this file.
"""

from __future__ import annotations

import os
import re
import subprocess
import sys

from gunicorn import glogging

wsgi_app = "academy:create_app()"
proc_name = "academy"

bind = [os.environ.get("GUNICORN_BIND", "127.0.0.1:8000")]


def _cores() -> int:
    # The CPUs this process may use (a container's or cgroup's share), not the machine's.
    try:
        return len(os.sched_getaffinity(0))
    except AttributeError:  # not on Linux
        return os.cpu_count() or 1


# Each sync worker holds at most one database connection, so workers + mail workers stay
# well under PostgreSQL's max_connections (100 by default); each also costs ~100 MB.
workers = int(os.environ.get("WEB_CONCURRENCY") or min(2 * _cores() + 1, 12))

# Sync workers by default: nginx in front buffers slow clients (sync's one weakness); the
# heavy requests (pages, PDF certificates, spreadsheet imports) are CPU-bound, which threads
# cannot spread under the GIL; WeasyPrint's Pango/Cairo are not reliably thread-safe; and a
# request that hangs is killed after `timeout` instead of silently holding a thread.
# GUNICORN_THREADS > 1 switches to gthread (less memory per concurrent request).
threads = int(os.environ.get("GUNICORN_THREADS") or 1)
worker_class = "gthread" if threads > 1 else "sync"

# The longest request (a 10,000-row import, a certificate) takes seconds; a worker silent
# for a minute is stuck and is replaced. Keep the proxy's read timeout above this.
timeout = 60
# On SIGTERM or SIGHUP, requests in flight get this long to finish.
graceful_timeout = 30
# Seconds an idle keep-alive connection stays open (gthread only; sync workers close
# every connection after its response, and nginx talks HTTP/1.0 to upstreams by default).
keepalive = 5

# No preload: each worker imports the application and opens its own database pool after
# the fork, so no connection is ever shared between processes, and `kill -HUP` loads new
# code into new workers. The master never imports the application: the startup checks
# below run in a child process.
preload_app = False

# The heartbeat file in memory, not on a disk that may stall (containers' /tmp). gunicorn
# creates it there with mkstemp, private to its user.
_SHARED_MEMORY = "/dev/shm"  # noqa: S108
if os.path.isdir(_SHARED_MEMORY):
    worker_tmp_dir = _SHARED_MEMORY

# gunicorn >= 27 opens a control socket at one path per user; two servers of one user
# (two installations, a benchmark) would take it from each other. Signals and systemd
# manage this one.
control_socket_disable = True

# Logs to stdout/stderr, for journald or the container runtime.
accesslog = "-"
errorlog = "-"
loglevel = "info"
# Client address as the proxy saw it, then gunicorn's peer (the proxy), time, request,
# status, bytes, duration and user agent. No referrer: it adds nothing the request line
# has not, and logs are personal data. Tokens in paths are masked (AccessLogger below).
access_log_format = '%({x-forwarded-for}i)s %(h)s %(t)s "%(r)s" %(s)s %(b)s %(M)sms "%(a)s"'

# Invitation, password-reset, e-mail confirmation, organizer-join and administrator-setup
# links, and a person's calendar subscription, carry a secret token as their last path
# segment. tests/test_gunicorn_config.py checks that every route with a <token> is covered.
TOKEN_IN_PATH = re.compile(
    r"(/(?:invite|join|setup|password/reset|account/email/confirm|calendar/\d+)/)"
    r"[^/?#\s\"]+"
)


def redact(text: str) -> str:
    return TOKEN_IN_PATH.sub(r"\1[token]", text)


class AccessLogger(glogging.Logger):
    """gunicorn's logger, with the tokens in request paths masked in the access log."""

    def atoms(self, resp, req, environ, request_time):
        atoms = super().atoms(resp, req, environ, request_time)
        return {
            key: redact(value) if isinstance(value, str) else value for key, value in atoms.items()
        }


logger_class = AccessLogger


def on_starting(server) -> None:
    """Run the startup checks before any worker starts; stop gunicorn if they fail.

    `python -m academy.startup --startup` checks every setting, the database and its
    migrations, Redis and the course files when STARTUP_CHECKS asks (by default: in
    production), and prints each problem. In a child process, so the master stays free of
    the application (see preload_app).
    """
    command = [sys.executable, "-m", "academy.startup", "--startup"]
    try:
        result = subprocess.run(command, check=False, timeout=120)  # noqa: S603
    except subprocess.TimeoutExpired:
        raise RuntimeError(
            "Academy's startup checks took over 2 minutes; gunicorn is not starting."
        ) from None
    if result.returncode != 0:
        raise RuntimeError(
            "Academy's startup checks failed (the problems are listed above); "
            "gunicorn is not starting."
        )


def post_fork(server, worker) -> None:
    """With --preload on the command line, the application (and its engine) was created in
    the master: give the worker a fresh pool, leaving the master's connections alone
    (SQLAlchemy: "Using Connection Pools with Multiprocessing or os.fork()")."""
    app = getattr(server.app, "callable", None)
    if app is None:
        return
    from academy.db import EXTENSION_KEY

    database = getattr(app, "extensions", {}).get(EXTENSION_KEY)
    if database is not None:
        database.engine.dispose(close=False)
