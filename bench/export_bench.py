"""``python -m bench.export_bench``: the organizer's exports of 10,000 rows, streamed within a
second without holding the file in memory.

Fills a fresh database (SQLite in a temporary folder, or PostgreSQL with ``--postgres``)
with an organisation, its organizer and, from the pieces of ``bench.pages_database``:

- a town-wide round of ``--rows`` participants (``fill_roster_cohort``: a third still
  invited, the others spread from nothing read to finished, with their attendance);
- a place with ``--rows`` findings from eight walks and an action plan (``fill_place_plan``).

Then, through the Flask test client as the organizer's browser sends them (the POST of the
page's export button with its CSRF token), it downloads the round's report and the place's
findings, each as CSV and as xlsx, reading the body a chunk at a time as a browser does:

- time to the first chunk of the file, the 95th percentile of ``--repeats`` downloads:
  at most ``FIRST_CHUNK_MS`` (the organizer pages' p95 bound of issue 20);
- time to the last chunk, the median of the same downloads (wall clock; the process's CPU
  time in brackets): at most ``STREAM_SECONDS``;
- peak memory: what the process allocates from the POST to the last chunk
  (``tracemalloc``, in a download of its own, since tracing slows allocation down),
  against the same export of a part of the rows (the report of one place of five, the
  findings of one walk of eight): at most ``MEMORY_GROWTH`` times as much. An answer built
  whole holds the file, or the rows it is made of, so that its peak grows with the rows;
  a streamed one holds a batch at a time.

Exits 1 when an export misses a target, 2 when the benchmark could not run.
"""

from __future__ import annotations

import argparse
import statistics
import tempfile
import time
import tracemalloc
from collections.abc import Iterator
from contextlib import ExitStack, contextmanager
from dataclasses import dataclass
from pathlib import Path

from flask.testing import FlaskClient
from sqlalchemy.orm import Session

from academy.db import make_engine
from bench.command import BenchError, add_course_options, add_postgres_option, exit_status
from bench.course import pick_course
from bench.database import postgres_database, scratch_name, sqlite_database, vacuum_analyze
from bench.filling import ORGANIZER_EMAIL, insert_organisation
from bench.inprocess import academy_app, csrf_token, logged_in_client
from bench.machine import busy_processes, load_average
from bench.measure import percentile_ms, verdict
from bench.pages_database import fill_place_plan, fill_roster_cohort

ROWS = 10_000
FIRST_CHUNK_MS = 150.0
STREAM_SECONDS = 1.0
MEMORY_GROWTH = 1.25
FORMATS = ("csv", "xlsx")


@dataclass(frozen=True)
class Export:
    """One export button: where it posts, and the form fields that narrow it to a part."""

    name: str
    path: str
    part: dict[str, str]
    part_label: str


@dataclass
class Download:
    first_chunk: float
    last_chunk: float
    cpu: float
    size: int
    chunks: int


@dataclass
class Figures:
    export: Export
    file_format: str
    downloads: list[Download]
    peak: int
    part_peak: int

    @property
    def first_chunk_p95_ms(self) -> float:
        return percentile_ms([d.first_chunk for d in self.downloads], 95)

    @property
    def median_seconds(self) -> float:
        return statistics.median(d.last_chunk for d in self.downloads)

    @property
    def median_cpu(self) -> float:
        return statistics.median(d.cpu for d in self.downloads)

    @property
    def growth(self) -> float:
        return self.peak / self.part_peak if self.part_peak else float("inf")

    @property
    def passed(self) -> bool:
        return (
            self.first_chunk_p95_ms <= FIRST_CHUNK_MS
            and self.median_seconds <= STREAM_SECONDS
            and self.growth <= MEMORY_GROWTH
        )


def parse_args(argv: list[str] | None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(
        prog="python -m bench.export_bench",
        description="Time the report and findings exports of 10,000 rows and their memory.",
    )
    parser.add_argument("--rows", type=int, default=ROWS, help=f"rows per export ({ROWS:,})")
    parser.add_argument(
        "--repeats", type=int, default=7, help="timed downloads per export and format (7)"
    )
    parser.add_argument(
        "--on-postgres",
        action="store_true",
        help="measure on a PostgreSQL database of its own (created and dropped on --postgres)",
    )
    add_postgres_option(parser)
    add_course_options(parser)
    args = parser.parse_args(argv)
    if args.rows < 10 or args.repeats < 1:
        parser.error("--rows must be at least 10 and --repeats at least 1")
    return args


@contextmanager
def database(args: argparse.Namespace) -> Iterator[str]:
    if args.on_postgres:
        with postgres_database(args.postgres, scratch_name("academy_export")) as url:
            yield url
    else:
        with tempfile.TemporaryDirectory(prefix="academy-export-") as directory:
            yield sqlite_database(Path(directory))


def fill(url: str, course, rows: int) -> list[Export]:
    engine = make_engine(url)
    try:
        with Session(engine) as session:
            organisation = insert_organisation(session)
            values = fill_roster_cohort(
                session, course, organisation.id, organisation.place_ids, rows
            )
            values |= fill_place_plan(
                session, course, organisation.id, organisation.place_ids[0], rows
            )
            session.commit()
    finally:
        engine.dispose()
    return [
        Export(
            "report",
            f"/organize/cohorts/{values['roster_cohort']}/report/export",
            {"place": str(organisation.place_ids[1])},
            "one place of five",
        ),
        Export(
            "findings",
            f"/organize/places/{values['place']}/export",
            {"cohort": values["walk"]},
            "one walk of eight",
        ),
    ]


def download(client: FlaskClient, path: str, form: dict[str, str]) -> Download:
    """POST the export form and read the answer a chunk at a time, as a browser would."""
    began, cpu = time.perf_counter(), time.process_time()
    response = client.post(path, data=form, buffered=False)
    if response.status_code != 200:
        raise BenchError(f"POST {path}: status {response.status_code}")
    first = None
    size = chunks = 0
    try:
        for chunk in response.response:
            if chunk and first is None:
                first = time.perf_counter() - began
            size += len(chunk)
            chunks += 1
    finally:
        response.close()
    last = time.perf_counter() - began
    cpu = time.process_time() - cpu
    return Download(first if first is not None else last, last, cpu, size, chunks)


def peak_memory(client: FlaskClient, path: str, form: dict[str, str]) -> int:
    """The most memory Python held, over what it held before, from the POST to the end."""
    tracemalloc.start()
    try:
        download(client, path, form)
        return tracemalloc.get_traced_memory()[1]
    finally:
        tracemalloc.stop()


def measure(client: FlaskClient, exports: list[Export], repeats: int) -> list[Figures]:
    token = csrf_token(client.get("/organize/").text)
    results = []
    for export in exports:
        for file_format in FORMATS:
            form = {"csrf_token": token, "format": file_format}
            part = {**form, **export.part}
            # Warm up: templates, statements and the workbook's parts made once per process.
            download(client, export.path, form)
            download(client, export.path, part)
            downloads = [download(client, export.path, form) for _ in range(repeats)]
            results.append(
                Figures(
                    export,
                    file_format,
                    downloads,
                    peak_memory(client, export.path, form),
                    peak_memory(client, export.path, part),
                )
            )
    return results


def report(results: list[Figures], rows: int, backend: str) -> str:
    lines = [
        f"{rows:,} rows per export on {backend}; first chunk: p95, last chunk: median "
        "(CPU in brackets); peak: tracemalloc, the whole export against a part of it",
        "",
        f"{'export':<16} {'MB':>6} {'chunks':>6} {'first ms':>9} {'last s':>14} "
        f"{'peak MB':>8} {'part MB':>8} {'growth':>7}  result",
    ]
    for figures in results:
        size = figures.downloads[0].size
        lines.append(
            f"{figures.export.name + ' ' + figures.file_format:<16} {size / 1e6:>6.2f} "
            f"{figures.downloads[0].chunks:>6} {figures.first_chunk_p95_ms:>9.1f} "
            f"{figures.median_seconds:>6.3f} ({figures.median_cpu:.3f}) "
            f"{figures.peak / 1e6:>8.2f} {figures.part_peak / 1e6:>8.2f} "
            f"{figures.growth:>7.2f}  {verdict(figures.passed)}"
        )
    parts = ", ".join(sorted({f"{r.export.name}: {r.export.part_label}" for r in results}))
    lines += [
        "",
        f"targets: first chunk <= {FIRST_CHUNK_MS:g} ms, last chunk <= {STREAM_SECONDS:g} s, "
        f"peak <= {MEMORY_GROWTH:g} x the part's ({parts})",
    ]
    return "\n".join(lines)


def run(args: argparse.Namespace) -> int:
    course = pick_course(args.courses_dir, args.course)
    backend = "PostgreSQL" if args.on_postgres else "SQLite"
    with ExitStack() as stack:
        url = stack.enter_context(database(args))
        print(f"filling {backend}: a round of {args.rows:,} and a place with as many findings ...")
        began = time.perf_counter()
        exports = fill(url, course, args.rows)
        if args.on_postgres:
            vacuum_analyze(url)
        print(f"filled in {time.perf_counter() - began:.1f} s; load average {load_average()}")
        app = stack.enter_context(academy_app(url, args.courses_dir))
        client = logged_in_client(app, ORGANIZER_EMAIL)
        results = measure(client, exports, args.repeats)
    print()
    print(report(results, args.rows, backend))
    print(f"\nload average {load_average()}; also busy: {busy_processes() or 'nothing'}")
    return 0 if all(figures.passed for figures in results) else 1


def main(argv: list[str] | None = None) -> int:
    args = parse_args(argv)
    return exit_status("export benchmark", lambda: run(args))


if __name__ == "__main__":
    raise SystemExit(main())
