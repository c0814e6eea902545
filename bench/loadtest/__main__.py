"""``python -m bench.loadtest``: the load test of bench/README.md ("The load test").

Creates a PostgreSQL database, migrates and fills it, issues and renders the certificates
of those who finished, serves it with gunicorn (the repository's ``gunicorn.conf.py``, in
production mode, rate limits in Redis), runs locust headless for ``--minutes`` (with
``--disruptions``: PostgreSQL restarted and a worker killed in the middle), prints p50/p95/
p99 per page with request and failure counts, checks that every write a simulated person
was told succeeded is in the database, prints a PASS or FAIL line per criterion, and always
stops gunicorn and drops the database. Exit status: 0 every criterion met, 1 one was not,
2 the test could not run.
"""

from __future__ import annotations

import argparse
import csv
import json
import os
import re
import secrets
import subprocess
import sys
import tempfile
import time
from collections import Counter
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path

from bench import ROOT
from bench.command import BenchError, add_course_options, add_postgres_option, exit_status
from bench.course import pick_course
from bench.database import postgres_database, scratch_name
from bench.inprocess import academy_app
from bench.load import login, measure
from bench.loadtest import cpu, data, journal, writes
from bench.loadtest.disruptions import (
    POSTGRES_RESTART,
    WORKER_KILL,
    Disrupter,
    Event,
    PostgresControl,
    during,
    ensure_postgres_up,
    postgres_control,
)
from bench.loadtest.serverlog import ServerLog, nearest_rank, read_server_log
from bench.machine import busy_processes, load_average
from bench.server import Server, environment, gunicorn, log_tail, secret_key

LOCUSTFILE = Path(__file__).resolve().parent / "locustfile.py"
# The production checks of academy/startup.py run in gunicorn's on_starting hook; then
# each worker imports the application.
STARTUP_TIMEOUT = 90.0
BASE_URL = "https://academy.load.example.org"
# Only failed logins count towards the limits (a user who logs in is never slowed), and
# each simulated browser has an address of its own; raised anyway, so that no run can
# trip them whatever the scenario does.
LOGIN_LIMITS = {
    "ACADEMY_LOGIN_LIMIT_PER_ACCOUNT": "1000 per 15 minutes",
    "ACADEMY_LOGIN_LIMIT_PER_ADDRESS": "10000 per 15 minutes",
}


def parse_args(argv: list[str] | None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(
        prog="python -m bench.loadtest", description=__doc__.split("\n\n")[0]
    )
    parser.add_argument("--minutes", type=float, default=10.0, help="how long locust runs (10)")
    parser.add_argument(
        "--participants", type=int, default=300, help="simulated participants (300)"
    )
    parser.add_argument("--organizers", type=int, default=5, help="simulated organizers (5)")
    parser.add_argument(
        "--disruptions",
        action="store_true",
        help=(
            "restart PostgreSQL (fast shutdown) and SIGKILL a gunicorn worker in the middle "
            "of the run; restarts the whole server, other databases included"
        ),
    )
    parser.add_argument(
        "--postgres-restart",
        metavar="COMMAND",
        default=None,
        help=(
            "how --disruptions restarts PostgreSQL (default: pg_ctlcluster VERSION NAME "
            "restart --mode fast, for the cluster the server names, as root)"
        ),
    )
    parser.add_argument(
        "--report-participants",
        type=int,
        default=2000,
        help="people in the second round, whose report the organizers page through (2000)",
    )
    parser.add_argument(
        "--spawn-rate", type=float, default=5.0, help="users started per second (5)"
    )
    parser.add_argument(
        "--workers",
        type=int,
        default=None,
        help="gunicorn workers (default: gunicorn.conf.py's, 2 x cores + 1)",
    )
    add_postgres_option(parser)
    parser.add_argument(
        "--redis",
        default="redis://127.0.0.1:6379/12",
        help="the rate limits' storage (redis://127.0.0.1:6379/12); keys get a prefix of their own",
    )
    add_course_options(parser)
    parser.add_argument(
        "--results",
        type=Path,
        default=None,
        help="folder for locust's CSV files and the logs (bench/results/load-<time>/)",
    )
    parser.add_argument(
        "--keep-database", action="store_true", help="do not drop the database at the end"
    )
    args = parser.parse_args(argv)
    if args.participants < 1 or args.organizers < 1:
        parser.error("--participants and --organizers must be at least 1")
    if args.disruptions and active_seconds(args) < MIN_ACTIVE:
        parser.error(
            f"--disruptions needs at least {MIN_ACTIVE:.0f} s of the run after every user "
            f"has started ({ramp_seconds(args):.0f} s at --spawn-rate {args.spawn_rate:g}); "
            "give more --minutes"
        )
    return args


# With --disruptions: the disruptions happen this far (as a fraction) into the time after
# every user has started, so that they fall in the middle of the full load, apart enough
# that each one's effects can be told from the other's.
POSTGRES_AT = 0.4
WORKER_AT = 0.6
MIN_ACTIVE = 60.0


def run_seconds(args: argparse.Namespace) -> int:
    return max(1, round(args.minutes * 60))


def ramp_seconds(args: argparse.Namespace) -> float:
    return (args.participants + args.organizers) / args.spawn_rate


def active_seconds(args: argparse.Namespace) -> float:
    return run_seconds(args) - ramp_seconds(args)


def planned_events(args: argparse.Namespace) -> list[Event]:
    ramp, active = ramp_seconds(args), active_seconds(args)
    return [
        Event(POSTGRES_RESTART, ramp + POSTGRES_AT * active),
        Event(WORKER_KILL, ramp + WORKER_AT * active),
    ]


def main(argv: list[str] | None = None) -> int:
    args = parse_args(argv)
    results = args.results or ROOT / "bench" / "results" / (
        "load-" + datetime.now().strftime("%Y%m%d-%H%M%S")
    )
    results.mkdir(parents=True, exist_ok=True)
    return exit_status("load test", lambda: run(args, results), interrupted=2)


def run(args: argparse.Namespace, results: Path) -> int:
    course = pick_course(args.courses_dir, args.course)
    control = postgres_control(args.postgres, args.postgres_restart) if args.disruptions else None
    events = planned_events(args) if args.disruptions else []
    name = scratch_name("academy_load")
    print(f"database {name}: migrating and filling ...", flush=True)
    started = time.perf_counter()
    journal_path = results / "journal.jsonl"
    journal_path.unlink(missing_ok=True)
    try:
        with (
            postgres_database(args.postgres, name, keep=args.keep_database) as url,
            tempfile.TemporaryDirectory(prefix="academy-load-") as folder,
        ):
            directory = Path(folder)
            plan = data.fill(
                url,
                course,
                participants=args.participants,
                organizers=args.organizers,
                report_participants=args.report_participants,
            )
            method = data.use_production_password_hash(url)
            key_file = data.badge_key_path(directory)
            with academy_app(
                url, args.courses_dir, BASE_URL=BASE_URL, BADGE_SIGNING_KEY_FILE=str(key_file)
            ) as app:
                issued = data.issue_certificates(app, plan)
            print(
                f"  {args.participants} participants ({issued} with a certificate, PDF "
                f"rendered), {args.organizers} organizers, a report round of "
                f"{args.report_participants}; passwords hashed with {method}; "
                f"{time.perf_counter() - started:.1f} s",
                flush=True,
            )
            plan["wait"] = {"participant": [1, 5], "organizer": [2, 6], "reading": [1, 3]}
            plan_path = results / "plan.json"
            plan_path.write_text(json.dumps(plan, indent=1))
            env = server_environment(args, url, key_file)
            # gunicorn.conf.py, as production runs it.
            with gunicorn(
                env,
                log_path=results / "gunicorn.log",
                workers=args.workers,
                startup_timeout=STARTUP_TIMEOUT,
            ) as server:
                print(
                    f"gunicorn on {server.host}:{server.port} (gunicorn.conf.py, "
                    f"{worker_count(args)} workers); warming up ...",
                    flush=True,
                )
                warm_up(server, plan, course)
                busy_before = busy_processes()
                load_before = load_average()
                locust = run_locust(args, server, plan_path, results, journal_path, events, control)
                load_after = load_average()
                busy_after = busy_processes()
            server_log = read_server_log(
                results / "gunicorn.log", events, locust.killed, plan, since=locust.started
            )
            entries = journal.read(journal_path)
            print("checking the writes people were told succeeded ...", flush=True)
            checks = writes.check(url, entries.writes)
    finally:
        if control is not None:
            restarted_up(control, results)
    stats = read_stats(results / "locust_stats.csv")
    failures = read_failures(results / "locust_failures.csv")
    if not stats:
        print("locust recorded no requests", file=sys.stderr)
        return 2
    print_table(stats, failures, server_log)
    print_retries(entries.retries, events)
    print_events(events)
    print_writes(checks, entries.writes, events)
    print(f"\nload average (1, 5, 15 min) before: {load_before}, after: {load_after}")
    if locust.cpu:
        print(
            "CPU while locust ran (100 % = one CPU busy; "
            f"{len(os.sched_getaffinity(0))} here): "
            + ", ".join(f"{name} {share:.0f} %" for name, share in locust.cpu.items())
        )
    print(f"other processes busy before: {busy_before or 'none'}")
    print(f"other processes busy after: {busy_after or 'none'}")
    print(f"locust exit status {locust.status}; CSV files, journal and logs: {results}")
    verdicts = judge(args, stats, entries, server_log, checks, events)
    print()
    for passed, line in verdicts:
        print(f"{'PASS' if passed else 'FAIL'}  {line}")
    summary = {
        "settings": {
            key: (str(value) if isinstance(value, Path) else value)
            for key, value in vars(args).items()
        },
        "pages": [
            {
                **row.__dict__,
                "gunicorn_p95": server_log.percentile(f"{row.method} {row.name}", 95),
            }
            for row in stats
        ],
        "failures": failures,
        "retries": entries.retries,
        "events": [event.__dict__ for event in events],
        "writes": [
            {"step": check.step, "told": check.told, "found": check.found, "lost": check.lost}
            for check in checks
        ],
        "server_log": {
            "errors": server_log.errors[:50],
            "expected": dict(server_log.expected),
            "unavailable": server_log.unavailable,
        },
        "load_average": {"before": load_before, "after": load_after},
        "cpu_percent": locust.cpu,
        "verdicts": [{"passed": passed, "criterion": line} for passed, line in verdicts],
    }
    (results / "summary.json").write_text(json.dumps(summary, indent=1, ensure_ascii=False))
    return 0 if all(passed for passed, _line in verdicts) else 1


def restarted_up(control: PostgresControl, results: Path) -> None:
    """After a run that restarted PostgreSQL, however it ended: the server must answer
    (it is shared); start it if it does not, and say so either way."""
    up = ensure_postgres_up(control, results / "postgresql-restart.log")
    if up is None:
        print(
            "\n!!! PostgreSQL does not accept connections after the run's restart, and "
            f"starting it failed: see {results / 'postgresql-restart.log'} !!!\n",
            file=sys.stderr,
            flush=True,
        )


def warm_up(server: Server, plan: dict, course) -> None:
    """Load the course files, templates and connections of every worker (each loads them on
    its first page), so that the figures are of a running server, not of its start."""
    participant = login(server, plan["participants"][0]["email"], plan["password"])
    first = plan["organizers"][0]
    organizer = login(server, first["email"], plan["password"], totp_secret=first["totp"])
    part = course.parts[0]
    enrolment = plan["participants"][0]["enrolment"]
    pages = [
        ("/learn/", participant),
        (f"/learn/{enrolment}/{part.slug}/{part.lessons[0].slug}", participant),
        (f"/organize/cohorts/{plan['cohorts']['report']}/report", organizer),
    ]
    holders = [person for person in plan["participants"] if person["certificate"]]
    if holders:
        graduate = login(server, holders[0]["email"], plan["password"])
        pages += [
            (f"/certificates/{holders[0]['certificate']}/{download}", graduate)
            for download in ("certificate.pdf", "open-badge.jwt")
        ]
    for path, headers in pages:
        result = measure(server, path, clients=6, duration=2.0, headers=headers)
        if result.errors:
            raise BenchError(f"warming up, GET {path}: {dict(result.errors)}\n{log_tail(server)}")


def worker_count(args: argparse.Namespace) -> str:
    cores = len(os.sched_getaffinity(0))
    return str(args.workers or os.environ.get("WEB_CONCURRENCY") or min(2 * cores + 1, 12))


def server_environment(args: argparse.Namespace, url: str, key_file: Path) -> dict[str, str]:
    """Production settings, as README.md's serving section has them, behind one proxy."""
    settings = {
        "ACADEMY_ENV": "production",
        "ACADEMY_SECRET_KEY": secret_key("load", 48),
        "ACADEMY_DATABASE_URL": url,
        "ACADEMY_RATELIMIT_STORAGE_URI": args.redis,
        # Other users of the same Redis database keep their counters apart.
        "ACADEMY_RATELIMIT_KEY_PREFIX": "academy-load-" + secrets.token_hex(4),
        "ACADEMY_BASE_URL": BASE_URL,
        "ACADEMY_COURSES_DIR": str(args.courses_dir.resolve()),
        "ACADEMY_BADGE_SIGNING_KEY_FILE": str(key_file),
        # Production needs a mail server; nothing sends during the test (no mail worker
        # runs), so invitations of the imports wait in the outbox.
        "ACADEMY_MAIL_SERVER": "127.0.0.1",
        "ACADEMY_MAIL_FROM": "Academy <academy@load.example.org>",
        "ACADEMY_PRIVACY_CONTACT": "The data protection officer, dpo@load.example.org",
        # The TLS-terminating proxy the locust users pretend to come through.
        "ACADEMY_PROXY_FIX": "1",
        **LOGIN_LIMITS,
    }
    if args.workers:
        settings["WEB_CONCURRENCY"] = str(args.workers)
    return environment(settings)


@dataclass(frozen=True)
class LocustRun:
    status: int
    # When it started (seconds since the epoch).
    started: float
    # The workers killed by --disruptions.
    killed: list[int]
    # The CPU each part used while it ran (percent of one CPU; see cpu.py).
    cpu: dict[str, float]


def run_locust(
    args: argparse.Namespace,
    server: Server,
    plan_path: Path,
    results: Path,
    journal_path: Path,
    events: list[Event],
    control: PostgresControl | None,
) -> LocustRun:
    """Run locust to the end, with the disruptions at their times."""
    users = args.participants + args.organizers
    seconds = run_seconds(args)
    command = [
        sys.executable,
        "-m",
        "locust",
        "-f",
        str(LOCUSTFILE),
        "--headless",
        "--host",
        f"http://{server.host}:{server.port}",
        "--users",
        str(users),
        "--spawn-rate",
        str(args.spawn_rate),
        "--run-time",
        f"{seconds}s",
        # Users finish the task they are in instead of being cut off mid-request.
        "--stop-timeout",
        "60",
        "--csv",
        str(results / "locust"),
        "--only-summary",
        "--loglevel",
        "WARNING",
    ]
    env = dict(os.environ)
    env.update(
        {
            "ACADEMY_LOAD_PLAN": str(plan_path),
            "ACADEMY_LOAD_JOURNAL": str(journal_path),
            # Exactly this many of each with --users their sum.
            "ACADEMY_LOAD_PARTICIPANT_WEIGHT": str(args.participants),
            "ACADEMY_LOAD_ORGANIZER_WEIGHT": str(args.organizers),
        }
    )
    print(
        f"locust: {args.participants} participants and {args.organizers} organizers for "
        f"{seconds} s, all started after {ramp_seconds(args):.0f} s "
        f"(log: {results / 'locust.log'}) ...",
        flush=True,
    )
    cpu_use: dict[str, float] = {}
    disrupter = None
    if events and control is not None:
        disrupter = Disrupter(
            events, control, server.pid, server.port, results / "postgresql-restart.log"
        )
        planned = ", ".join(f"{event.what} at {event.planned:.0f} s" for event in events)
        print(f"  disruptions: {planned}", flush=True)
    with (results / "locust.log").open("wb") as log:
        process = subprocess.Popen(
            command,
            cwd=ROOT,
            env=env,
            stdin=subprocess.DEVNULL,
            stdout=log,
            stderr=subprocess.STDOUT,
        )
        started = time.time()
        if disrupter is not None:
            disrupter.start(started)
        first = cpu.sample(server.pid, process.pid, time.monotonic())
        try:
            try:
                status = process.wait(timeout=seconds)
            except subprocess.TimeoutExpired:
                # The run's end, before its users finish their tasks and locust exits.
                last = cpu.sample(server.pid, process.pid, time.monotonic())
                cpu_use.update(cpu.shares(first, last))
                status = process.wait(timeout=300)
        except BaseException:
            process.kill()
            process.wait()
            raise
        finally:
            if disrupter is not None:
                disrupter.stop()
    return LocustRun(status, started, disrupter.killed if disrupter is not None else [], cpu_use)


@dataclass(frozen=True)
class Row:
    method: str
    name: str
    requests: int
    failures: int
    p50: str
    p95: str
    p99: str
    maximum: str


def read_stats(path: Path) -> list[Row]:
    if not path.is_file():
        return []
    with path.open(newline="") as file:
        return [
            Row(
                method=row["Type"],
                name=row["Name"],
                requests=int(row["Request Count"]),
                failures=int(row["Failure Count"]),
                p50=row["50%"],
                p95=row["95%"],
                p99=row["99%"],
                maximum=f"{float(row['Max Response Time']):.0f}",
            )
            for row in csv.DictReader(file)
        ]


def read_failures(path: Path) -> list[dict[str, str]]:
    if not path.is_file():
        return []
    with path.open(newline="") as file:
        return list(csv.DictReader(file))


def print_table(stats: list[Row], failures: list[dict[str, str]], server: ServerLog) -> None:
    """locust's figures per page, and gunicorn's own p95 beside them (from its access log:
    without the wait for a free worker)."""
    width = max([len(f"{row.method} {row.name}") for row in stats] + [20])
    print()
    print(
        f"{'page':<{width}}  {'requests':>8}  {'failed':>6}  {'p50 ms':>6}  {'p95 ms':>6}  "
        f"{'p99 ms':>6}  {'max ms':>6}  {'gunicorn p95 ms':>15}"
    )
    everything = [ms for values in server.durations.values() for ms in values]
    for row in stats:
        if row.name == "Aggregated":
            label, own = row.name, nearest_rank(everything, 95)
        else:
            label = f"{row.method} {row.name}"
            own = server.percentile(label, 95)
        print(
            f"{label:<{width}}  {row.requests:>8}  {row.failures:>6}  {row.p50:>6}  "
            f"{row.p95:>6}  {row.p99:>6}  {row.maximum:>6}  "
            f"{'' if own is None else own:>15}"
        )
    if failures:
        print("\nFailures:")
        for failure in failures:
            print(
                f"  {failure['Occurrences']:>5} x {failure['Method']} {failure['Name']}: "
                f"{failure['Error']}"
            )


def print_retries(retries: list[dict], events: list[Event]) -> None:
    if not retries:
        print("\nNo answer had to be retried.")
        return
    counts: Counter[tuple[str, str, str]] = Counter()
    for retry in retries:
        when = "during a disruption" if during(retry["t"], events) else "OUTSIDE the disruptions"
        reason = re.sub(r"\d+", "N", retry["reason"]) if retry["status"] == 0 else retry["reason"]
        counts[(when, f"{retry['method']} {retry['name']}", reason)] += 1
    print("\nAnswers retried (503 with Retry-After, or a connection cut without an answer):")
    for (when, page, reason), count in sorted(counts.items()):
        print(f"  {count:>5} x {page}: {reason} ({when})")


def print_events(events: list[Event]) -> None:
    if not events:
        return
    print("\nDisruptions:")
    for event in events:
        print(f"  {event.what}, planned at {event.planned:.0f} s: {event.detail or 'not run'}")


def print_writes(checks: list[writes.StepCheck], told: list[dict], events: list[Event]) -> None:
    during_disruptions = sum(1 for write in told if during(write["t"], events))
    print("\nWrites people were told succeeded, looked up in the database:")
    width = max(len(label) for label in writes.LABELS.values())
    print(f"  {'step':<{width}}  {'told':>7}  {'found':>7}  {'lost':>5}")
    for check in checks:
        print(
            f"  {writes.LABELS[check.step]:<{width}}  {check.told:>7}  {check.found:>7}  "
            f"{check.lost:>5}"
        )
        for missing in check.missing:
            print(f"      missing: {missing}")
    if events:
        print(f"  ({during_disruptions} of the steps told were answered during a disruption)")


def judge(
    args: argparse.Namespace,
    stats: list[Row],
    entries: journal.Entries,
    server_log: ServerLog,
    checks: list[writes.StepCheck],
    events: list[Event],
) -> list[tuple[bool, str]]:
    """The criteria of issue 20 (item 4), each with whether it is met."""
    pages = [row for row in stats if row.name != "Aggregated"]
    requests = sum(row.requests for row in pages)
    failed = sum(row.failures for row in pages)
    told = sum(check.told for check in checks)
    lost = sum(check.lost for check in checks)
    verdicts = [
        (
            lost == 0,
            f"0 lost writes: {told - lost} of {told} steps told succeeded are in the database"
            + (f" ({lost} LOST)" if lost else ""),
        ),
    ]
    if not events:
        retried = len(entries.retries)
        verdicts += [
            (failed == 0, f"no request failed: {failed} of {requests}"),
            (retried == 0, f"no answer asked to be retried (503) or was cut off: {retried}"),
            (
                not server_log.errors,
                f"gunicorn's log has no error (5xx, traceback): {len(server_log.errors)} lines",
            ),
        ]
    else:
        outside = [retry for retry in entries.retries if not during(retry["t"], events)]
        verdicts += [
            (
                failed == 0,
                f"no request failed once retried: {failed} of {requests} "
                f"({len(entries.retries)} answers retried)",
            ),
            (
                not outside,
                f"answers retried only during the disruptions: {len(outside)} outside",
            ),
            (
                not server_log.errors,
                "no server error in gunicorn's log (500, traceback, error logged; the "
                f"disruptions' 503s and killed worker apart): {len(server_log.errors)} lines; "
                + (
                    ", ".join(f"{what}: {count}" for what, count in server_log.expected.items())
                    or "nothing expected seen"
                ),
            ),
        ]
        for event in events:
            verdicts.append((event.ok, f"{event.what}: {event.detail or 'not run'}"))
    if server_log.errors:
        print("\nError lines of gunicorn's log (the first 10):")
        for line in server_log.errors[:10]:
            print(f"  {line}")
    return verdicts


if __name__ == "__main__":
    raise SystemExit(main())
