"""``python -m bench``: build a database, start gunicorn, measure every target, report.

Exit status: 0 when every target is met, 1 when one is not, 2 when the benchmark could
not run (gunicorn did not start, logging in failed).
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import tempfile
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path

from bench.command import BenchError, add_course_options, exit_status
from bench.course import pick_course
from bench.filling import ACCOUNTS, HASH_METHOD, LOGIN_PASSWORD, TOTP_SECRETS
from bench.load import Measurement, fetch_status, login, measure
from bench.measure import verdict
from bench.pages_database import create_database
from bench.server import (
    GRACEFUL_TIMEOUT,
    environment,
    gunicorn,
    log_tail,
    secret_key,
)
from bench.targets import TARGETS, Target

WORKERS = 2
# Enough rows that look-ups go through the indexes as on a real installation.
USERS = 300
# The round of the organizer's report benchmark.
REPORT_PARTICIPANTS = 2_000
# The town-wide round of the round page benchmark (and of the report at town scale).
ROSTER_PARTICIPANTS = 10_000
# The findings at the place of the place page, the action plan and the walks compared.
PLACE_FINDINGS = 10_000
# Each URL's time is split into this many slices, measured in turns with the other URLs;
# its rate is that of its best slice. A burst of other work on the machine (a test run)
# then spoils a slice or two of each URL instead of the whole of whichever URL ran at
# that moment.
ROUNDS = 5


@dataclass
class Result:
    target: Target
    # The path requested: the target's template filled in.
    url: str
    measurement: Measurement
    ratio: float

    @property
    def passed(self) -> bool:
        m, target = self.measurement, self.target
        if m.errors or not m.requests:
            return False
        if target.max_p95_ms is not None and m.percentile_ms(95) > target.max_p95_ms:
            return False
        if target.max_bytes is not None and m.max_bytes > target.max_bytes:
            return False
        # Judged on the ratio as printed, so that "0.50 >= 0.50" never reads FAIL.
        return target.min_ratio is None or round(self.ratio, 2) >= target.min_ratio

    def as_dict(self) -> dict:
        m = self.measurement
        return {
            "path": self.target.path,
            "url": self.url,
            "login": self.target.login,
            "requests": m.requests,
            "errors": dict(m.errors),
            "seconds": round(m.seconds, 3),
            "requests_per_second": round(m.requests_per_second, 1),
            "mean_requests_per_second": round(m.mean_requests_per_second, 1),
            "slice_requests_per_second": [round(rate, 1) for rate in m.slice_rates],
            "p50_ms": round(m.percentile_ms(50), 2),
            "p95_ms": round(m.percentile_ms(95), 2),
            "ratio_to_baseline": round(self.ratio, 3),
            "min_ratio": self.target.min_ratio,
            "max_bytes": m.max_bytes,
            "max_p95_ms": self.target.max_p95_ms,
            "max_bytes_allowed": self.target.max_bytes,
            "passed": self.passed,
        }


def parse_args(argv: list[str] | None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(
        prog="python -m bench",
        description="Benchmark Academy under gunicorn against targets relative to /healthz.",
    )
    parser.add_argument(
        "--duration", type=float, default=3.0, help="seconds of measured load per URL (default: 3)"
    )
    parser.add_argument(
        "--clients",
        type=int,
        default=8,
        help="concurrent clients, one connection each (default: 8)",
    )
    parser.add_argument(
        "--json", type=Path, metavar="PATH", help="also write the results as JSON to PATH"
    )
    add_course_options(parser)
    args = parser.parse_args(argv)
    if args.duration <= 0 or args.clients < 1:
        parser.error("--duration must be positive and --clients at least 1")
    args.courses_dir = args.courses_dir.resolve()
    return args


@dataclass
class Outcome:
    results: list[Result]
    course_slug: str
    content_version: str


def run(args: argparse.Namespace) -> Outcome:
    unknown = sorted({t.login for t in TARGETS if t.login and t.login not in ACCOUNTS})
    if unknown:
        raise BenchError(f"no such account in bench.filling.ACCOUNTS: {', '.join(unknown)}")
    course = pick_course(args.courses_dir, args.course)
    with tempfile.TemporaryDirectory(prefix="academy-bench-") as directory:
        print(
            f"creating a database with {USERS} users in course {course.slug!r}, a round of "
            f"{REPORT_PARTICIPANTS:,} for the report, one of {ROSTER_PARTICIPANTS:,} for "
            f"the round page and a place with {PLACE_FINDINGS:,} findings ...",
            flush=True,
        )
        database = create_database(
            Path(directory),
            users=USERS,
            course=course,
            report_participants=REPORT_PARTICIPANTS,
            roster_participants=ROSTER_PARTICIPANTS,
            place_findings=PLACE_FINDINGS,
        )
        urls = {target: target.url(database.path_values) for target in TARGETS}
        print(f"starting gunicorn with {WORKERS} workers ...", flush=True)
        with gunicorn(
            server_environment(database.url, args.courses_dir),
            log_path=Path(directory) / "gunicorn.log",
            # The repository's gunicorn.conf.py unless BENCH_GUNICORN_CONFIG names another
            # file; an empty value means gunicorn's defaults, for comparing with figures
            # measured before that file existed.
            config=os.environ.get("BENCH_GUNICORN_CONFIG"),
            workers=WORKERS,
            graceful_timeout=GRACEFUL_TIMEOUT,
        ) as server:
            # One session per account that a target names, each logged in through the form.
            sessions = {
                name: login(
                    server,
                    ACCOUNTS[name],
                    LOGIN_PASSWORD,
                    totp_secret=TOTP_SECRETS.get(ACCOUNTS[name]),
                )
                for name in dict.fromkeys(target.login for target in TARGETS if target.login)
            }

            def headers_of(target: Target) -> dict[str, str] | None:
                return sessions[target.login] if target.login else None

            def run_target(target: Target, duration: float) -> Measurement:
                return measure(
                    server,
                    urls[target],
                    clients=args.clients,
                    duration=duration,
                    headers=headers_of(target),
                    expected_status=target.expected_status,
                )

            # One request each first: a page that fails outright (a 500 from course files
            # the app refuses, a 404 from a wrong template) stops the run with gunicorn's
            # log rather than showing up as a rate of errors.
            for target in TARGETS:
                status = fetch_status(server, urls[target], headers=headers_of(target))
                if status != target.expected_status:
                    raise BenchError(
                        f"GET {urls[target]} answered {status}, not {target.expected_status}; "
                        f"the end of gunicorn's log:\n{log_tail(server)}"
                    )
            # Long enough for every worker to load its templates and open its connections.
            warmup = min(1.0, args.duration / 3)
            for target in TARGETS:
                run_target(target, warmup)
            slices: dict[Target, list[Measurement]] = {target: [] for target in TARGETS}
            for round_number in range(1, ROUNDS + 1):
                print(f"round {round_number} of {ROUNDS} ...", flush=True)
                for target in TARGETS:
                    slices[target].append(run_target(target, args.duration / ROUNDS))

    measurements = [Measurement.combine(slices[target]) for target in TARGETS]
    baseline = measurements[0].requests_per_second
    results = [
        Result(
            target,
            urls[target],
            measurement,
            measurement.requests_per_second / baseline if baseline else 0,
        )
        for target, measurement in zip(TARGETS, measurements, strict=True)
    ]
    return Outcome(results, course.slug, course.content_version)


def server_environment(database_url: str, courses_dir: Path) -> dict[str, str]:
    return environment(
        {
            "ACADEMY_DATABASE_URL": database_url,
            # An absolute path, so it never parses as JSON and does not depend on the cwd.
            "ACADEMY_COURSES_DIR": str(courses_dir.resolve()),
            "ACADEMY_SECRET_KEY": secret_key("bench"),
            "ACADEMY_PASSWORD_HASH_METHOD": HASH_METHOD,
        }
    )


def report(outcome: Outcome, args: argparse.Namespace) -> str:
    results = outcome.results
    width = max(len("URL"), *(len(result.target.label) for result in results))
    lines = [
        f"{args.clients} clients, {args.duration:g} s per URL, gunicorn with {WORKERS} workers;",
        f"req/s is the best of {ROUNDS} slices, p50 and p95 are over all of them",
        f"course {outcome.course_slug} ({outcome.content_version}) from {args.courses_dir}",
        "",
        f"{'URL':<{width}} {'req/s':>8} {'p50 ms':>8} {'p95 ms':>8} {'KB':>7} {'ratio':>6}  "
        f"{'target':<8} result",
    ]
    for result in results:
        m = result.measurement
        target = result.target
        wanted = f">= {target.min_ratio:.2f}" if target.min_ratio is not None else "baseline"
        if target.max_p95_ms is not None:
            wanted += f", p95 <= {target.max_p95_ms:g} ms"
        if target.max_bytes is not None:
            wanted += f", <= {target.max_bytes / 1000:g} KB"
        verdict_text = verdict(result.passed)
        if m.errors:
            verdict_text += " (errors: " + ", ".join(f"{k} x{v}" for k, v in m.errors.items()) + ")"
        lines.append(
            f"{target.label:<{width}} {m.requests_per_second:>8.1f} {m.percentile_ms(50):>8.2f} "
            f"{m.percentile_ms(95):>8.2f} {m.max_bytes / 1000:>7.1f} {result.ratio:>6.2f}  "
            f"{wanted:<8} {verdict_text}"
        )
    templated = [result for result in results if result.url != result.target.path]
    if templated:
        lines.append("")
        lines.extend(f"{result.target.path} is {result.url}" for result in templated)
    return "\n".join(lines)


def write_json(path: Path, outcome: Outcome, args: argparse.Namespace) -> None:
    results = outcome.results
    document = {
        "finished_at": datetime.now(UTC).isoformat(timespec="seconds"),
        "python": platform.python_version(),
        "machine": platform.machine(),
        "clients": args.clients,
        "duration": args.duration,
        "workers": WORKERS,
        "courses_dir": str(args.courses_dir),
        "course": outcome.course_slug,
        "content_version": outcome.content_version,
        "baseline": TARGETS[0].path,
        "passed": all(result.passed for result in results),
        "results": [result.as_dict() for result in results],
    }
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(json.dumps(document, indent=2) + "\n")


def main(argv: list[str] | None = None) -> int:
    args = parse_args(argv)
    return exit_status("benchmark", lambda: run_and_report(args))


def run_and_report(args: argparse.Namespace) -> int:
    outcome = run(args)
    print()
    print(report(outcome, args))
    if args.json:
        write_json(args.json, outcome, args)
        print(f"\nresults written to {args.json}")
    return 0 if all(result.passed for result in outcome.results) else 1
