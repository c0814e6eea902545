"""``python -m bench.loadtest``: the load test of bench/README.md ("The load test").

Creates a PostgreSQL database, migrates and fills it, issues and renders the certificates
of those who finished, serves it with gunicorn (the repository's ``gunicorn.conf.py``, in
production mode, rate limits in Redis), runs locust headless for ``--minutes``, prints
p50/p95/p99 per page with request and failure counts, and always stops gunicorn and drops
the database. Exit status: 0 no request failed, 1 some did, 2 the test could not run.
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
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path

from bench import ROOT
from bench.command import BenchError, add_course_options, add_postgres_option, exit_status
from bench.course import pick_course
from bench.database import postgres_database, scratch_name
from bench.inprocess import academy_app
from bench.load import login, measure
from bench.loadtest import data
from bench.machine import busy_processes, load_average
from bench.server import Server, environment, gunicorn, log_tail, secret_key

# A 5xx status in gunicorn's access log ('... "GET / HTTP/1.1" 500 ...').
SERVER_ERROR = re.compile(r'" 5\d\d ')
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
    parser.add_argument("--minutes", type=float, default=5.0, help="how long locust runs (5)")
    parser.add_argument("--participants", type=int, default=50, help="simulated participants (50)")
    parser.add_argument("--organizers", type=int, default=2, help="simulated organizers (2)")
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
    return args


def main(argv: list[str] | None = None) -> int:
    args = parse_args(argv)
    results = args.results or ROOT / "bench" / "results" / (
        "load-" + datetime.now().strftime("%Y%m%d-%H%M%S")
    )
    results.mkdir(parents=True, exist_ok=True)
    return exit_status("load test", lambda: run(args, results), interrupted=2)


def run(args: argparse.Namespace, results: Path) -> int:
    course = pick_course(args.courses_dir, args.course)
    name = scratch_name("academy_load")
    print(f"database {name}: migrating and filling ...", flush=True)
    started = time.perf_counter()
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
            status = run_locust(args, server, plan_path, results)
            load_after = load_average()
            busy_after = busy_processes()
        errors_logged = count_server_errors(results / "gunicorn.log")
    stats = read_stats(results / "locust_stats.csv")
    failures = read_failures(results / "locust_failures.csv")
    print_table(stats, failures)
    print(f"load average (1, 5, 15 min) before: {load_before}, after: {load_after}")
    print(f"other processes busy before: {busy_before or 'none'}")
    print(f"other processes busy after: {busy_after or 'none'}")
    print(f"locust exit status {status}")
    print(f"CSV files and logs: {results}")
    if errors_logged:
        print(f"gunicorn logged {errors_logged} error line(s): see {results / 'gunicorn.log'}")
    failed = sum(row.failures for row in stats if row.name != "Aggregated")
    if not stats:
        print("locust recorded no requests", file=sys.stderr)
        return 2
    return 1 if failed or errors_logged else 0


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


def run_locust(args: argparse.Namespace, server: Server, plan_path: Path, results: Path) -> int:
    users = args.participants + args.organizers
    seconds = max(1, round(args.minutes * 60))
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
            # Exactly this many of each with --users their sum.
            "ACADEMY_LOAD_PARTICIPANT_WEIGHT": str(args.participants),
            "ACADEMY_LOAD_ORGANIZER_WEIGHT": str(args.organizers),
        }
    )
    print(
        f"locust: {args.participants} participants and {args.organizers} organizers for "
        f"{seconds} s (log: {results / 'locust.log'}) ...",
        flush=True,
    )
    with (results / "locust.log").open("wb") as log:
        completed = subprocess.run(
            command,
            cwd=ROOT,
            env=env,
            stdin=subprocess.DEVNULL,
            stdout=log,
            stderr=subprocess.STDOUT,
            timeout=seconds + 300,
            check=False,
        )
    return completed.returncode


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


def print_table(stats: list[Row], failures: list[dict[str, str]]) -> None:
    width = max([len(f"{row.method} {row.name}") for row in stats] + [20])
    print()
    print(
        f"{'page':<{width}}  {'requests':>8}  {'failed':>6}  {'p50 ms':>6}  {'p95 ms':>6}  "
        f"{'p99 ms':>6}  {'max ms':>6}"
    )
    for row in stats:
        label = row.name if row.name == "Aggregated" else f"{row.method} {row.name}"
        print(
            f"{label:<{width}}  {row.requests:>8}  {row.failures:>6}  {row.p50:>6}  "
            f"{row.p95:>6}  {row.p99:>6}  {row.maximum:>6}"
        )
    if failures:
        print("\nFailures:")
        for failure in failures:
            print(
                f"  {failure['Occurrences']:>5} x {failure['Method']} {failure['Name']}: "
                f"{failure['Error']}"
            )


def count_server_errors(path: Path) -> int:
    """Lines of gunicorn's log that tell of an error: a traceback or a 5xx answer."""
    count = 0
    try:
        lines = path.read_text(errors="replace").splitlines()
    except OSError:
        return 0
    for line in lines:
        if (
            "Traceback (most recent call last)" in line
            or "[ERROR]" in line
            or SERVER_ERROR.search(line)
        ):
            count += 1
    return count


if __name__ == "__main__":
    raise SystemExit(main())
