"""The scale benchmark's two databases: the same measured round, in an installation of one
round or of many towns.

``generate`` fills a migrated PostgreSQL database with ``participants`` people in ``cohorts``
rounds, ten per organisation, one transaction per organisation, several organisations at a
time in processes of their own; bench/README.md ("Scale") describes the rounds.
"""

from __future__ import annotations

import multiprocessing
import random
import secrets
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from typing import Any

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
from bench.command import BenchError
from bench.database import insert_many, insert_rows
from bench.filling import (
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
from bench.progress import lesson_count, participant_progress, spread_positions

COHORTS_PER_ORGANISATION = 10
# The measured round's participants whose dashboards are requested: every fifth, so
# from not started to finished.
DASHBOARD_SAMPLE = range(0, 100, 5)
# Assignment answers are cut to this many characters (keeping each field's minimum
# length): the pages measured never read them, and full ones (5-7 kB a submission) would
# make the large database gigabytes and its filling slow.
ANSWER_LENGTH = 60
EPOCH = datetime(2000, 1, 1, tzinfo=UTC)


@dataclass
class Phase:
    """Where a round is in its life: when it started and how far its people got."""

    name: str
    started_days_ago: int
    archived: bool = False


def phases(count: int) -> list[Phase]:
    """The rounds of one organisation, oldest first: finished ones 60 days apart (archived
    once over for a month), two running (started 30 and 10 days ago) and a planned one. With
    one round, only the one started 30 days ago: the round that is measured; with two,
    that one and the one started 10 days ago (the measured round is always there)."""
    if count < 3:
        return [Phase("current", 30), Phase("early", 10)][:count]
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
    from academy.services.certificates import (
        identity_hash,
        initials,
        name_hash,
        new_code,
        new_name_salt,
    )

    name = f"Scale Person {number}-{n}"
    salt = new_name_salt()
    return {
        "code": new_code(),
        "enrolment_id": enrolment_id,
        "certificate_name": name,
        "holder_initials": initials(name),
        "name_salt": salt,
        "name_hash": name_hash(salt, name),
        "identity_hash": identity_hash(salt, name),
        "locale": "en",
        "course_slug": course.slug,
        "content_version": course.content_version,
        "organisation_name": f"Municipality {number:04d}",
        "cohort_name": "A round",
        "place_name": REPORT_PLACES[0],
        "part_completed_on": {part.slug: "2026-01-01" for part in course.parts},
        "issued_at": enrolment["completed_at"],
        # One certificate per enrolment, so its id is a free index in the status lists.
        "status_index": enrolment_id,
    }
