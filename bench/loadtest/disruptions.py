"""``python -m bench.loadtest --disruptions``: PostgreSQL restarted and a gunicorn worker
killed in the middle of the run, and what they may leave in gunicorn's log.

PostgreSQL is restarted with a fast shutdown (sessions ended, their open transactions
rolled back, committed ones kept) through ``pg_ctlcluster`` (Debian's and Ubuntu's
clusters, found by the server's ``cluster_name``) as root, or through the command given
with ``--postgres-restart``. The command runs in a session of its own, so that a Ctrl-C
of the load test cannot stop it half-way; then the server must accept connections again
within ``RECOVERY_TIMEOUT`` seconds, else the cluster is started (``pg_ctlcluster ...
start``) and the run fails. Every other database of the server sees the same restart.

A worker is killed with SIGKILL in the middle of a request: the first seen holding a
client's connection (an established TCP connection on gunicorn's port among its open
files), or failing that within ``LOOK`` seconds, the one that used the most CPU meanwhile;
gunicorn's master starts another.
"""

from __future__ import annotations

import os
import shlex
import shutil
import signal
import subprocess
import threading
import time
from dataclasses import dataclass, field
from pathlib import Path

from sqlalchemy import create_engine, text
from sqlalchemy.engine import make_url
from sqlalchemy.exc import SQLAlchemyError
from sqlalchemy.pool import NullPool

from bench.command import BenchError
from bench.database import postgres_url

# Seconds PostgreSQL gets to accept connections again after the restart command, and a
# new worker to replace the killed one.
RECOVERY_TIMEOUT = 60.0
# Seconds after a disruption ends (PostgreSQL answering again, the worker replaced) in
# which answers retried and 503s in the log are still its doing: a client waits the
# Retry-After (5 s) before trying again, and answers are noted when locust gets to them.
GRACE = 15.0
# How long to look for a worker in the middle of a request before taking the busiest.
LOOK = 10.0
POSTGRES_RESTART = "postgresql restart"
WORKER_KILL = "worker killed"


@dataclass
class Event:
    what: str
    # Seconds after locust started.
    planned: float
    # Seconds since the epoch: when it began, and when it was over (PostgreSQL accepting
    # connections again, the new worker started).
    started: float = 0.0
    ended: float = 0.0
    ok: bool = False
    detail: str = ""

    def window(self) -> tuple[float, float] | None:
        """The time in which its effects are expected."""
        if not self.started:
            return None
        return (self.started - 1.0, (self.ended or self.started + RECOVERY_TIMEOUT) + GRACE)


def during(moment: float, events: list[Event]) -> bool:
    windows = [window for event in events if (window := event.window())]
    return any(start <= moment <= end for start, end in windows)


@dataclass(frozen=True)
class PostgresControl:
    restart: list[str]
    # What brings the server up if the restart left it down (None: nothing known).
    start: list[str] | None
    # Any database URL of the server: to see it answer again.
    server_url: str

    def describe(self) -> str:
        return shlex.join(self.restart)


def postgres_control(server_url: str, command: str | None) -> PostgresControl:
    """How to restart the PostgreSQL server ``server_url`` names: ``command``, or
    pg_ctlcluster for the cluster the server says it is (as root, on this machine)."""
    url = postgres_url(server_url, "postgres")
    if command:
        return PostgresControl(shlex.split(command), None, url)
    host = make_url(server_url).host
    if host not in (None, "", "127.0.0.1", "localhost", "::1"):
        raise BenchError(
            f"PostgreSQL runs on {host}, not on this machine: say how to restart it with "
            "--postgres-restart COMMAND"
        )
    program = shutil.which("pg_ctlcluster")
    if program is None:
        raise BenchError(
            "pg_ctlcluster is not installed: say how to restart PostgreSQL with "
            "--postgres-restart COMMAND"
        )
    engine = create_engine(url, poolclass=NullPool)
    try:
        with engine.connect() as connection:
            cluster = connection.execute(text("SHOW cluster_name")).scalar() or ""
    finally:
        engine.dispose()
    version, _, name = cluster.partition("/")
    if not (version.isdigit() and name):
        raise BenchError(
            f"PostgreSQL's cluster_name is {cluster!r}, not Debian's version/name: say how "
            "to restart it with --postgres-restart COMMAND"
        )
    if os.geteuid() != 0:
        raise BenchError(
            f"restarting PostgreSQL with pg_ctlcluster {version} {name} needs root: run as "
            "root or say how with --postgres-restart COMMAND"
        )
    base = [program, version, name]
    return PostgresControl([*base, "restart", "--mode", "fast"], [*base, "start"], url)


def postgres_answers(url: str) -> bool:
    engine = create_engine(url, poolclass=NullPool, connect_args={"connect_timeout": 2})
    try:
        with engine.connect() as connection:
            connection.execute(text("SELECT 1"))
        return True
    except SQLAlchemyError:
        return False
    finally:
        engine.dispose()


def wait_for_postgres(url: str, timeout: float = RECOVERY_TIMEOUT) -> float | None:
    """When the server accepted a connection (seconds since the epoch), or None if it did
    not within ``timeout``."""
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if postgres_answers(url):
            return time.time()
        time.sleep(0.2)
    return None


def restart_postgres(control: PostgresControl, event: Event, log_path: Path) -> None:
    event.started = time.time()
    with log_path.open("ab") as log:
        log.write(f"$ {control.describe()}\n".encode())
        log.flush()
        # A session of its own: a Ctrl-C of the load test does not reach it, so a restart
        # once begun is finished. Output to a file, not a pipe: the server it starts
        # must not hold our end of a pipe open.
        process = subprocess.Popen(
            control.restart,
            stdin=subprocess.DEVNULL,
            stdout=log,
            stderr=subprocess.STDOUT,
            start_new_session=True,
        )
        try:
            status = process.wait(timeout=RECOVERY_TIMEOUT)
        except subprocess.TimeoutExpired:
            status = None
    took = time.time() - event.started
    up = wait_for_postgres(control.server_url)
    if up is not None and status == 0:
        event.ended, event.ok = up, True
        event.detail = (
            f"{control.describe()}: done in {took:.1f} s, accepting connections "
            f"{up - event.started:.1f} s after it began"
        )
        return
    event.detail = f"{control.describe()}: exit status {status} after {took:.1f} s"
    if up is None:
        event.detail += f"; not accepting connections after {RECOVERY_TIMEOUT:.0f} s"
        up = ensure_postgres_up(control, log_path)
        if up is not None:
            event.detail += f"; started again with {shlex.join(control.start or [])}"
    event.ended = up or time.time()


def ensure_postgres_up(control: PostgresControl, log_path: Path) -> float | None:
    """Start the server if it does not answer; when it answers (None: it does not)."""
    if postgres_answers(control.server_url):
        return time.time()
    if control.start is None:
        return None
    with log_path.open("ab") as log:
        log.write(f"$ {shlex.join(control.start)}\n".encode())
        log.flush()
        subprocess.run(
            control.start,
            stdin=subprocess.DEVNULL,
            stdout=log,
            stderr=subprocess.STDOUT,
            start_new_session=True,
            timeout=RECOVERY_TIMEOUT,
            check=False,
        )
    return wait_for_postgres(control.server_url)


def workers_of(master: int) -> list[int]:
    """The processes whose parent is ``master``."""
    children = []
    for entry in os.scandir("/proc"):
        if not entry.name.isdigit():
            continue
        try:
            stat = Path(entry.path, "stat").read_text()
        except OSError:
            continue
        # pid (comm) state ppid ...: comm may hold spaces and parentheses.
        fields = stat.rsplit(")", 1)[1].split()
        if int(fields[1]) == master:
            children.append(int(entry.name))
    return sorted(children)


def cpu_ticks(pid: int) -> int:
    try:
        fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    except OSError:
        return 0
    # utime and stime: fields 14 and 15 of stat(5), counted from the state (field 3).
    return int(fields[11]) + int(fields[12])


def socket_inodes(pid: int) -> set[str]:
    """The inodes of the sockets ``pid`` has open."""
    inodes = set()
    try:
        entries = list(os.scandir(f"/proc/{pid}/fd"))
    except OSError:
        return inodes
    for entry in entries:
        try:
            target = os.readlink(entry.path)
        except OSError:
            continue
        if target.startswith("socket:["):
            inodes.add(target[8:-1])
    return inodes


def connected_inodes(port: int) -> set[str]:
    """The inodes of the established TCP connections to local ``port`` (accepted clients)."""
    inodes = set()
    for table in ("/proc/net/tcp", "/proc/net/tcp6"):
        try:
            lines = Path(table).read_text().splitlines()[1:]
        except OSError:
            continue
        for line in lines:
            fields = line.split()
            # sl local_address rem_address st ... uid timeout inode
            if fields[3] == "01" and int(fields[1].rsplit(":", 1)[1], 16) == port:
                inodes.add(fields[9])
    return inodes


def worker_in_a_request(workers: list[int], port: int, timeout: float) -> int | None:
    """A worker holding a client's connection: serving a request (sync workers take one
    at a time and close it after the answer)."""
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        clients = connected_inodes(port)
        if clients:
            for pid in workers:
                if socket_inodes(pid) & clients:
                    return pid
        time.sleep(0.005)
    return None


def kill_a_worker(master: int, port: int, event: Event) -> int | None:
    """SIGKILL a worker of ``master`` in the middle of a request; wait for its replacement.
    The pid killed."""
    workers = workers_of(master)
    if not workers:
        event.started = time.time()
        event.detail = f"gunicorn's master {master} has no workers"
        return None
    before = {pid: cpu_ticks(pid) for pid in workers}
    victim = worker_in_a_request(workers, port, LOOK)
    how = "in the middle of a request"
    if victim is None:
        victim = max(workers, key=lambda pid: (cpu_ticks(pid) - before[pid], pid))
        how = f"no request seen in {LOOK:.0f} s: the busiest"
    event.started = time.time()
    try:
        os.kill(victim, signal.SIGKILL)
    except ProcessLookupError:
        event.detail = f"worker {victim} was gone before it could be killed"
        return None
    deadline = time.monotonic() + RECOVERY_TIMEOUT
    while time.monotonic() < deadline:
        now = workers_of(master)
        if victim not in now and len(now) >= len(workers):
            event.ended, event.ok = time.time(), True
            new = sorted(set(now) - set(workers))
            event.detail = (
                f"SIGKILL to worker {victim} of {len(workers)} ({how}); replaced by "
                f"{', '.join(map(str, new))} after {event.ended - event.started:.1f} s"
            )
            return victim
        time.sleep(0.1)
    event.ended = time.time()
    event.detail = f"SIGKILL to worker {victim}; not replaced within {RECOVERY_TIMEOUT:.0f} s"
    return victim


@dataclass
class Disrupter:
    """Runs the events at their planned times in a thread of its own."""

    events: list[Event]
    control: PostgresControl
    master: int
    # gunicorn's port, to tell a worker serving a request.
    port: int
    log_path: Path
    killed: list[int] = field(default_factory=list)
    _thread: threading.Thread | None = None
    _stop: threading.Event = field(default_factory=threading.Event)

    def start(self, started: float) -> None:
        self._thread = threading.Thread(
            target=self._run, args=(started,), name="disruptions", daemon=True
        )
        self._thread.start()

    def _run(self, started: float) -> None:
        for event in sorted(self.events, key=lambda event: event.planned):
            if self._stop.wait(max(0.0, started + event.planned - time.time())):
                return
            print(f"  {event.what} at {event.planned:.0f} s ...", flush=True)
            if event.what == POSTGRES_RESTART:
                restart_postgres(self.control, event, self.log_path)
            else:
                pid = kill_a_worker(self.master, self.port, event)
                if pid is not None:
                    self.killed.append(pid)
            print(f"  {event.detail}", flush=True)

    def stop(self) -> None:
        """Cancel what has not begun; wait for what has."""
        self._stop.set()
        if self._thread is not None:
            self._thread.join(timeout=2 * RECOVERY_TIMEOUT + 30)
