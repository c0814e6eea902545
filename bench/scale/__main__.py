"""``python -m bench.scale``: does Academy stay as fast with 100,000 participants?

Builds two PostgreSQL databases the same way: a large one (``--participants`` 100,000 in
``--cohorts`` 1,000 rounds of 100, ten rounds per organisation) and a small one (one
organisation, one round of ``--small`` 100). Then, in-process (Flask test client, no
gunicorn), it requests the participant dashboard and the cohort report as the same people
in both, interleaved in slices so that other work on the machine hits both alike, and
compares the 95th percentiles: the target is large <= 1.5 x small for each page.

The round measured (and its people) is the same in both databases: a round that started a
month ago, its 100 participants spread evenly from invited to finished. Only the rest of
the database differs. Exit status: 0 every page meets the target, 1 one does not, 2 the
benchmark could not run. bench/README.md ("Scale") describes the data.
"""

from __future__ import annotations

import argparse
import os
import re
import secrets
import tempfile
import time
from collections.abc import Iterator
from contextlib import ExitStack, contextmanager
from pathlib import Path
from typing import Any

from flask import Flask
from sqlalchemy import event
from sqlalchemy.engine import Engine

from bench.command import BenchError, add_course_options, add_postgres_option, exit_status
from bench.course import pick_course
from bench.database import postgres_database, vacuum_analyze
from bench.filling import HASH_METHOD
from bench.inprocess import academy_app, logged_in_client
from bench.machine import busy_processes
from bench.measure import percentile_ms, verdict
from bench.scale.data import ScaleDatabase, generate

TARGET = 1.5


# --- the measurement ----------------------------------------------------------------------


class Site:
    """One database served in-process, with test clients logged in."""

    def __init__(self, database: ScaleDatabase, app: Flask) -> None:
        self.database = database
        self.app = app
        self.participants = [logged_in_client(app, email) for email in database.participant_emails]
        self.organizer = logged_in_client(app, database.organizer_email)
        self._turn = 0

    def request(self, page: str) -> float:
        """One request of ``page``; its wall time in seconds."""
        if page == "dashboard":
            client = self.participants[self._turn % len(self.participants)]
            self._turn += 1
            path = "/learn/"
        else:
            client = self.organizer
            path = f"/organize/cohorts/{self.database.cohort_id}/report"
            if page == "report, filtered":
                path += "?status=active"
        began = time.perf_counter()
        response = client.get(path)
        elapsed = time.perf_counter() - began
        if response.status_code != 200:
            raise BenchError(f"GET {path}: status {response.status_code}")
        return elapsed

    def path(self, page: str) -> str:
        if page == "dashboard":
            return "/learn/"
        suffix = "?status=active" if page == "report, filtered" else ""
        return f"/organize/cohorts/{self.database.cohort_id}/report{suffix}"


PAGES = ("dashboard", "report", "report, filtered")


def measure(sites: dict[str, Site], requests: int, slices: int) -> dict[tuple[str, str], list]:
    """``requests`` timings per page and size, taken in ``slices`` turns that alternate the
    sizes, after a warm-up."""
    for site in sites.values():
        for page in PAGES:
            for _ in range(20):
                site.request(page)
    timings: dict[tuple[str, str], list[float]] = {
        (page, size): [] for page in PAGES for size in sites
    }
    per_slice = max(1, requests // slices)
    for number in range(slices):
        order = list(sites) if number % 2 == 0 else list(reversed(sites))
        for page in PAGES:
            for size in order:
                timings[(page, size)] += [sites[size].request(page) for _ in range(per_slice)]
    return timings


# --- statements ---------------------------------------------------------------------------


@contextmanager
def recorded_statements(engine: Engine) -> Iterator[list[tuple[str, Any]]]:
    statements: list[tuple[str, Any]] = []

    def record(_conn, _cursor, statement, parameters, _context, _executemany):
        statements.append((statement, parameters))

    event.listen(engine, "before_cursor_execute", record)
    try:
        yield statements
    finally:
        event.remove(engine, "before_cursor_execute", record)


def explain(site: Site, page: str) -> list[tuple[str, float, str]]:
    """EXPLAIN ANALYZE of every statement one request of ``page`` runs: (statement, execution
    ms, plan)."""
    from academy.db import get_engine

    engine = get_engine(site.app)
    with recorded_statements(engine) as statements:
        site.request(page)
    result = []
    connection = engine.raw_connection()
    try:
        cursor = connection.cursor()
        for statement, parameters in statements:
            if not statement.lstrip().upper().startswith(("SELECT", "WITH", "(SELECT")):
                continue
            best, plan = None, ""
            for _ in range(5):  # the best of five: noise only ever adds
                cursor.execute("EXPLAIN (ANALYZE, BUFFERS) " + statement, parameters)
                lines = [row[0] for row in cursor.fetchall()]
                found = next((line for line in lines if line.startswith("Execution Time")), "0 ms")
                ms = float(re.search(r"([\d.]+) ms", found).group(1))  # type: ignore[union-attr]
                if best is None or ms < best:
                    best, plan = ms, "\n".join(lines)
            result.append((statement, best or 0.0, plan))
        connection.rollback()
    finally:
        connection.close()
    return result


def print_statements(sites: dict[str, Site], verbose: bool) -> None:
    """Per page, each statement's execution time (EXPLAIN ANALYZE, best of five) at both
    sizes; the plans of those that grow, with ``verbose`` all of them."""
    for page in PAGES:
        small = explain(sites["small"], page)
        large = explain(sites["large"], page)
        print(f"\n{page} ({sites['large'].path(page)}): SQL execution time, best of five")
        for number, ((statement, fast, _plan), (_same, slow, plan)) in enumerate(
            zip(small, large, strict=False), 1
        ):
            shown = " ".join(statement.split())[:110]
            grows = slow > TARGET * fast and slow - fast > 0.2
            print(
                f"  {number}. {fast:7.3f} ms -> {slow:7.3f} ms{'  GROWS' if grows else ''}  {shown}"
            )
            if grows or verbose:
                print("     " + plan.replace("\n", "\n     "))


# --- the command --------------------------------------------------------------------------


def parse_args(argv: list[str] | None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(
        prog="python -m bench.scale", description=__doc__.split("\n\n")[0]
    )
    parser.add_argument("--participants", type=int, default=100_000)
    parser.add_argument("--cohorts", type=int, default=1_000)
    parser.add_argument("--small", type=int, default=100, help="participants of the small one")
    parser.add_argument(
        "--requests", type=int, default=500, help="requests per page and size (500)"
    )
    parser.add_argument("--slices", type=int, default=10, help="turns of the sizes (10)")
    parser.add_argument(
        "--jobs",
        type=int,
        default=len(os.sched_getaffinity(0)),
        help="processes filling the large database (one per CPU)",
    )
    parser.add_argument(
        "--explain",
        action="store_true",
        help="also print EXPLAIN ANALYZE of every statement of every page at both sizes",
    )
    add_postgres_option(parser)
    add_course_options(parser)
    parser.add_argument(
        "--keep-databases", action="store_true", help="do not drop the databases at the end"
    )
    return parser.parse_args(argv)


def main(argv: list[str] | None = None) -> int:
    args = parse_args(argv)
    return exit_status("scale benchmark", lambda: run(args))


def run(args: argparse.Namespace) -> int:
    course = pick_course(args.courses_dir, args.course)
    tag = secrets.token_hex(3)
    names = {"small": f"academy_scale_small_{tag}", "large": f"academy_scale_large_{tag}"}
    sizes = {"small": (args.small, 1), "large": (args.participants, args.cohorts)}
    with ExitStack() as databases:
        built: dict[str, ScaleDatabase] = {}
        for size, name in names.items():
            participants, cohorts = sizes[size]
            print(f"{size}: {participants:,} participants in {cohorts:,} round(s) ({name})")
            url = databases.enter_context(
                postgres_database(args.postgres, name, keep=args.keep_databases)
            )
            database = generate(
                url,
                course,
                participants=participants,
                cohorts=cohorts,
                jobs=args.jobs,
                progress=lambda line: print(line, flush=True),
            )
            began = time.perf_counter()
            vacuum_analyze(url)
            rows = ", ".join(f"{table} {count:,}" for table, count in sorted(database.rows.items()))
            print(
                f"  filled in {database.seconds:.1f} s, VACUUM ANALYZE "
                f"{time.perf_counter() - began:.1f} s: {rows}",
                flush=True,
            )
            built[size] = database
        with tempfile.TemporaryDirectory(prefix="academy-scale-") as folder:
            key = Path(folder) / "badge-signing-key.pem"
            sites = {
                size: Site(
                    database,
                    databases.enter_context(
                        academy_app(
                            database.url,
                            args.courses_dir,
                            PASSWORD_HASH_METHOD=HASH_METHOD,
                            BADGE_SIGNING_KEY_FILE=str(key),
                        )
                    ),
                )
                for size, database in built.items()
            }
            print(
                f"\nmeasuring in-process: {args.requests} requests per page and size in "
                f"{args.slices} alternating slices; load average {os.getloadavg()[0]:.2f}",
                flush=True,
            )
            print(f"other processes busy: {busy_processes() or 'none'}", flush=True)
            timings = measure(sites, args.requests, args.slices)
            print(f"load average after: {os.getloadavg()[0]:.2f}")
            print(f"other processes busy after: {busy_processes() or 'none'}")
            passed = report(timings)
            if args.explain or not passed:
                print_statements(sites, verbose=args.explain)
        return 0 if passed else 1


def report(timings: dict[tuple[str, str], list[float]]) -> bool:
    print(
        f"\n{'page':<18} {'p50 small':>9} {'p50 large':>9} {'p95 small':>9} {'p95 large':>9} "
        f"{'ratio':>6}  target"
    )
    passed = True
    for page in PAGES:
        small, large = timings[(page, "small")], timings[(page, "large")]
        p95_small, p95_large = percentile_ms(small, 95), percentile_ms(large, 95)
        ratio = p95_large / p95_small
        ok = ratio <= TARGET
        passed = passed and ok
        print(
            f"{page:<18} {percentile_ms(small, 50):9.2f} {percentile_ms(large, 50):9.2f} "
            f"{p95_small:9.2f} {p95_large:9.2f} {ratio:6.2f}  ≤ {TARGET}: {verdict(ok)}"
        )
    print("(milliseconds, wall time per request, in-process)")
    return passed


if __name__ == "__main__":
    raise SystemExit(main())
