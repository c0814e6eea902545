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
import multiprocessing
import os
import random
import re
import secrets
import tempfile
import time
from collections.abc import Callable, Iterator
from contextlib import ExitStack, contextmanager
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

from flask import Flask
from sqlalchemy import event
from sqlalchemy.engine import Engine
from sqlalchemy.orm import Session
from sqlalchemy.pool import NullPool

from academy.content import Course
from academy.db import make_engine
from academy.models import (
    AssignmentSubmission,
    Attendance,
    AudienceRole,
    Certificate,
    Cohort,
    Enrolment,
    LessonProgress,
    LiveSession,
    PartState,
    QuizAttempt,
    User,
    utcnow,
)
from bench.command import BenchError, add_course_options, add_postgres_option, exit_status
from bench.course import pick_course
from bench.database import (
    insert_many,
    insert_rows,
    postgres_database,
    vacuum_analyze,
)
from bench.filling import (
    HASH_METHOD,
    REPORT_PLACES,
    attendance_rows,
    cheap_password_hash,
    enrolment_status,
    insert_organisation,
    meetings,
    person_name,
    round_row,
    user_row,
)
from bench.inprocess import academy_app, logged_in_client
from bench.machine import busy_processes
from bench.measure import percentile_ms, verdict
from bench.progress import lesson_count, participant_progress, spread_positions

TARGET = 1.5
COHORTS_PER_ORGANISATION = 10
# The measured round's participants whose dashboards are requested: every fifth, so
# from not started to finished.
DASHBOARD_SAMPLE = range(0, 100, 5)
# Assignment answers are cut to this many characters (keeping each field's minimum
# length): the pages measured never read them, and full ones (5-7 kB a submission) would
# make the large database gigabytes and its filling slow.
ANSWER_LENGTH = 60
EPOCH = datetime(2000, 1, 1, tzinfo=UTC)


# --- the data -----------------------------------------------------------------------------


@dataclass
class Phase:
    """Where a round is in its life: when it started and how far its people got."""

    name: str
    started_days_ago: int
    archived: bool = False


def phases(count: int) -> list[Phase]:
    """The rounds of one organisation, oldest first: finished ones 60 days apart (archived
    once over for a month), two running (started 30 and 10 days ago) and a planned one. With
    one round, only the one started 30 days ago: the round that is measured."""
    if count == 1:
        return [Phase("current", 30)]
    ended = max(0, count - 3)
    rounds = [Phase("ended", 130 + 60 * (ended - number), archived=True) for number in range(ended)]
    return [*rounds, Phase("current", 30), Phase("early", 10), Phase("planned", -20)][-count:]


def positions_of(phase: Phase, size: int, total: int, rng: random.Random) -> list[int]:
    """Lessons read by each participant of a round in ``phase`` (``total``: all lessons)."""
    if phase.name == "current":
        # Evenly from not started to finished; the same in every such round.
        return spread_positions(size, total)
    if phase.name == "early":
        return [(n * 3) % 8 for n in range(size)]
    if phase.name == "planned":
        return [0] * size
    # A finished round: about three in five finished, a quarter stopped on the way, the rest
    # never started.
    result = []
    for _ in range(size):
        draw = rng.random()
        result.append(total if draw < 0.6 else 0 if draw > 0.85 else rng.randint(1, total - 1))
    return result


@dataclass
class ScaleDatabase:
    url: str
    name: str
    participants: int
    cohorts: int
    # The measured round, its organizer and the sample of participants for the dashboard.
    cohort_id: int = 0
    organizer_email: str = ""
    participant_emails: list[str] = field(default_factory=list)
    rows: dict[str, int] = field(default_factory=dict)
    seconds: float = 0.0


class _ProgressTemplates:
    """``participant_progress`` computed once per (lessons read, draft, retry) at EPOCH, and
    copied with shifted times and fresh nonces for each participant."""

    def __init__(self, course: Course) -> None:
        self.course = course
        self.cache: dict[tuple[int, bool, bool], tuple[Any, bool]] = {}

    def get(self, position: int, *, draft: bool, retry: bool):
        key = (position, draft, retry)
        if key not in self.cache:
            rows, finished = participant_progress(
                self.course, position, EPOCH, draft=draft, retry=retry
            )
            for submission in rows.submissions:
                submission["answers"] = _shorten(submission["answers"])
            self.cache[key] = (rows, finished)
        return self.cache[key]


def _shorten(value: Any) -> Any:
    if isinstance(value, str):
        return value[:ANSWER_LENGTH]
    if isinstance(value, list):
        return [_shorten(item) for item in value]
    if isinstance(value, dict):
        return {key: _shorten(item) for key, item in value.items()}
    return value


_TIME_FIELDS = ("completed_at", "submitted_at", "updated_at", "started_at")


def _shifted(row: dict[str, Any], delta: timedelta, enrolment_id: int) -> dict[str, Any]:
    copy = {**row, "enrolment_id": enrolment_id}
    for name in _TIME_FIELDS:
        if copy.get(name) is not None:
            copy[name] = copy[name] + delta
    return copy


def generate(
    url: str,
    course: Course,
    *,
    participants: int,
    cohorts: int,
    jobs: int = 1,
    seed: int = 8,
    progress: Callable[[str], None] = lambda line: None,
) -> ScaleDatabase:
    """Fill the migrated database at ``url`` with ``participants`` people in ``cohorts``
    rounds of ``course``, ``COHORTS_PER_ORGANISATION`` rounds per organisation (one
    organisation when there are fewer rounds), one transaction per organisation, ``jobs``
    organisations at a time (each in a process of its own: PostgreSQL then works on as
    many); return what the measurement needs. The data does not depend on ``jobs``."""
    per_cohort = participants // cohorts
    if per_cohort < 100 or participants % cohorts:
        raise BenchError("--participants must be a multiple of --cohorts, at least 100 a round")
    per_organisation = min(COHORTS_PER_ORGANISATION, cohorts)
    if cohorts % per_organisation:
        raise BenchError(f"--cohorts must be a multiple of {COHORTS_PER_ORGANISATION}")
    organisations = cohorts // per_organisation
    measured_organisation = organisations // 2
    result = ScaleDatabase(url, url.rsplit("/", 1)[-1], participants, cohorts)
    counts: dict[str, int] = {}
    started = time.perf_counter()
    job = _Job(url, course, per_organisation, per_cohort, seed)
    if jobs > 1 and organisations > 1:
        context = multiprocessing.get_context("fork")
        pool = context.Pool(jobs, initializer=_start_job, initargs=(job,))
        results = pool.imap_unordered(_fill_one, range(organisations))
    else:
        pool = None
        _start_job(job)
        results = map(_fill_one, range(organisations))
    try:
        for done, (number, info, organisation_counts) in enumerate(results, 1):
            for table, count in organisation_counts.items():
                counts[table] = counts.get(table, 0) + count
            if number == measured_organisation:
                result.cohort_id = info["cohort"]
                result.organizer_email = info["organizer"]
                result.participant_emails = [info["emails"][n] for n in DASHBOARD_SAMPLE]
            if organisations > 1 and done % max(1, organisations // 10) == 0:
                progress(
                    f"  {done * per_organisation * per_cohort:>7,} participants, "
                    f"{sum(counts.values()):>10,} rows, {time.perf_counter() - started:5.1f} s"
                )
    finally:
        if pool is not None:
            pool.close()
            pool.join()
    result.rows = counts
    result.seconds = time.perf_counter() - started
    return result


@dataclass(frozen=True)
class _Job:
    url: str
    course: Course
    per_organisation: int
    per_cohort: int
    seed: int


_job: _Job | None = None
_templates: _ProgressTemplates | None = None


def _start_job(job: _Job) -> None:
    global _job, _templates
    _job, _templates = job, _ProgressTemplates(job.course)


def _fill_one(number: int) -> tuple[int, dict[str, Any], dict[str, int]]:
    """Organisation ``number`` with its rounds and people, in a transaction of its own."""
    assert _job is not None and _templates is not None
    counts: dict[str, int] = {}
    # A connection per organisation (NullPool), so that a worker process leaves none open.
    # A benchmark's database may lose the last commits in a crash: no waiting for the WAL.
    engine = make_engine(
        _job.url,
        poolclass=NullPool,
        insertmanyvalues_page_size=5000,
        connect_args={"options": "-c synchronous_commit=off"},
    )
    try:
        with Session(engine) as session:
            info = _fill_organisation(
                session,
                _job.course,
                number,
                phases(_job.per_organisation),
                _job.per_cohort,
                lesson_count(_job.course),
                _templates,
                random.Random(_job.seed * 100_003 + number),
                cheap_password_hash(),
                counts,
            )
            session.commit()
    finally:
        engine.dispose()
    return number, info, counts


def _bulk(session: Session, model: type, rows: list[dict[str, Any]], counts: dict) -> None:
    insert_many(session, model, rows)
    if rows:
        counts[model.__tablename__] = counts.get(model.__tablename__, 0) + len(rows)


def _fill_organisation(
    session: Session,
    course: Course,
    number: int,
    plan: list[Phase],
    per_cohort: int,
    total: int,
    templates: _ProgressTemplates,
    rng: random.Random,
    password_hash: str,
    counts: dict[str, int],
) -> dict[str, Any]:
    now = utcnow()
    today = now.date()
    organizer_email = f"organizer{number}@example.org"
    organisation = insert_organisation(
        session, name=f"Municipality {number:04d}", organizer_email=organizer_email
    )
    counts["organizer"] = counts.get("organizer", 0) + 1
    place_ids = organisation.place_ids
    cohort_ids = insert_rows(
        session,
        Cohort,
        [
            round_row(
                organisation.id,
                course,
                f"{REPORT_PLACES[index % len(REPORT_PLACES)]}, round {index + 1}",
                place_ids[index % len(place_ids)],
                today - timedelta(days=phase.started_days_ago),
                archived=phase.archived,
            )
            for index, phase in enumerate(plan)
        ],
    )
    counts["cohort"] = counts.get("cohort", 0) + len(cohort_ids)

    # Four meetings a round, two weeks apart from its second week.
    sessions = [
        row
        for cohort_id, phase in zip(cohort_ids, plan, strict=True)
        for row in meetings(
            cohort_id,
            now - timedelta(days=phase.started_days_ago - 7),
            video_url="https://video.example.org/scale",
        )
    ]
    meeting_ids = insert_rows(session, LiveSession, sessions)
    counts["live_session"] = counts.get("live_session", 0) + len(meeting_ids)

    # Everyone of the organisation's rounds: users, then enrolments, then their progress.
    people = []
    for index, (cohort_id, phase) in enumerate(zip(cohort_ids, plan, strict=True)):
        positions = positions_of(phase, per_cohort, total, rng)
        for n, position in enumerate(positions):
            people.append((index, cohort_id, phase, n, position))
    emails = [f"p{number}-{index}-{n}@example.org" for index, _c, _p, n, _pos in people]
    last_login_at = now - timedelta(days=3)
    user_ids = insert_rows(
        session,
        User,
        [
            user_row(
                email,
                person_name(n, number=f"{number}-{index}-{n}"),
                password_hash,
                last_login_at=last_login_at,
            )
            for email, (index, _c, _p, n, _pos) in zip(emails, people, strict=True)
        ],
    )
    counts["user"] = counts.get("user", 0) + len(user_ids) + 1
    roles = list(AudienceRole)
    enrolment_rows = []
    progress = []
    for user_id, (_index, cohort_id, phase, n, position) in zip(user_ids, people, strict=True):
        draft = n % 5 == 0 and position < total
        rows, finished = templates.get(position, draft=draft, retry=n % 3 == 1)
        progress.append((rows, finished))
        began = now - timedelta(days=max(phase.started_days_ago, 0))
        withdrawn = phase.name == "ended" and not finished and n % 33 == 5
        enrolment_rows.append(
            {
                "cohort_id": cohort_id,
                "user_id": user_id,
                "role": roles[n % len(roles)],
                "place_id": place_ids[n % len(place_ids)],
                "employer": f"Municipality {number:04d}",
                "status": enrolment_status(position, finished, withdrawn=withdrawn),
                "created_at": began - timedelta(days=10),
                "accepted_at": began if position else None,
                "completed_at": began + timedelta(days=40) if finished else None,
                "withdrawn_at": now - timedelta(days=5) if withdrawn else None,
            }
        )
    enrolment_ids = insert_rows(session, Enrolment, enrolment_rows)
    counts["enrolment"] = counts.get("enrolment", 0) + len(enrolment_ids)

    lessons, attempts, submissions, states, certificates, attendance = [], [], [], [], [], []
    held_by_cohort: dict[int, list[int]] = {}
    for meeting_id, row in zip(meeting_ids, sessions, strict=True):
        if row["starts_at"] < now:
            held_by_cohort.setdefault(row["cohort_id"], []).append(meeting_id)
    for enrolment_id, row, person, (rows, finished) in zip(
        enrolment_ids, enrolment_rows, people, progress, strict=True
    ):
        _index, cohort_id, phase, n, position = person
        delta = (now - timedelta(days=phase.started_days_ago)) - EPOCH
        lessons += [_shifted(item, delta, enrolment_id) for item in rows.lessons]
        for item in rows.attempts:
            attempt = _shifted(item, delta, enrolment_id)
            attempt["nonce"] = secrets.token_urlsafe(24)
            attempts.append(attempt)
        submissions += [_shifted(item, delta, enrolment_id) for item in rows.submissions]
        for item in rows.part_states:
            state = _shifted(item, delta, enrolment_id)
            state["cohort_id"] = cohort_id
            states.append(state)
        if finished:
            certificates.append(_certificate(course, enrolment_id, row, n, number))
        if position:
            attendance += attendance_rows(
                held_by_cohort.get(cohort_id, []), [(n, enrolment_id)], now
            )
    _bulk(session, LessonProgress, lessons, counts)
    _bulk(session, QuizAttempt, attempts, counts)
    _bulk(session, AssignmentSubmission, submissions, counts)
    _bulk(session, PartState, states, counts)
    _bulk(session, Certificate, certificates, counts)
    _bulk(session, Attendance, attendance, counts)
    current = next(i for i, phase in enumerate(plan) if phase.name == "current")
    return {
        "cohort": cohort_ids[current],
        "organizer": organizer_email,
        "emails": emails[current * per_cohort : (current + 1) * per_cohort],
    }


def _certificate(
    course: Course, enrolment_id: int, enrolment: dict[str, Any], n: int, number: int
) -> dict[str, Any]:
    """The certificate row of a finished enrolment, without its PDF (never read here)."""
    from academy.services.certificates import initials, name_hash, new_code, new_name_salt

    name = f"Scale Person {number}-{n}"
    salt = new_name_salt()
    return {
        "code": new_code(),
        "enrolment_id": enrolment_id,
        "certificate_name": name,
        "holder_initials": initials(name),
        "name_salt": salt,
        "name_hash": name_hash(salt, name),
        "locale": "en",
        "course_slug": course.slug,
        "content_version": course.content_version,
        "organisation_name": f"Municipality {number:04d}",
        "cohort_name": "A round",
        "place_name": REPORT_PLACES[0],
        "part_completed_on": {part.slug: "2026-01-01" for part in course.parts},
        "issued_at": enrolment["completed_at"],
    }


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
