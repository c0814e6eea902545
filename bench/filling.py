"""What the benchmarks fill their databases with: accounts, the organisation and its places,
rounds of a course and their people's progress, as rows for one bulk insert per table.

``create_database`` is what ``python -m bench`` measures against; the load test and the scale
benchmark build their own rounds from the same pieces.
"""

from __future__ import annotations

import secrets
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from pathlib import Path
from typing import Any

from sqlalchemy.orm import Session
from werkzeug.security import generate_password_hash

from academy.content import AssignmentField, Course, Part
from academy.db import make_engine
from academy.models import (
    AssignmentSubmission,
    Attendance,
    AudienceRole,
    Cohort,
    Enrolment,
    EnrolmentStatus,
    Invitation,
    InvitationPurpose,
    LessonProgress,
    LiveSession,
    MailStatus,
    Organisation,
    OrganisationKind,
    Organizer,
    OutboxMail,
    PartState,
    Place,
    QuizAttempt,
    SubmissionStatus,
    User,
    normalize_email,
    utcnow,
)
from academy.services.progress import PartProgress, part_is_complete
from bench.database import insert_rows, sqlite_database

# A cheap hash, as in the tests: the benchmarks measure pages, not scrypt. Werkzeug reads
# the method from the stored hash; gunicorn gets the same one through
# ACADEMY_PASSWORD_HASH_METHOD for the hashes it makes itself (the dummy one that
# failed logins of unknown addresses check against).
HASH_METHOD = "pbkdf2:sha256:1"
LOGIN_EMAIL = "bench@example.org"
ORGANIZER_EMAIL = "organizer@example.org"
LOGIN_PASSWORD = "benchmark password"  # noqa: S105 (an account in a throwaway database)
# The accounts a target can log in as (Target.login in bench/targets.py), all with
# LOGIN_PASSWORD: a participant in the middle of the course, and an organizer of the
# organisation (not enrolled in anything).
ACCOUNTS = {"participant": LOGIN_EMAIL, "organizer": ORGANIZER_EMAIL}
# The organisation's rounds (cohorts) of the course, oldest first; the bench user is in
# the one at index CURRENT.
COHORTS = 5
CURRENT = 3
# The report round's places, so that its place column and filter have something in them.
REPORT_PLACES = ("Station square", "Harbour", "Old town", "North park", "Market hall")
FIRST_NAMES = ("Åsa", "Ärla", "Östen", "Ærlend", "Øystein", "Märta", "Björn", "Sølvi", "Jon")
LAST_NAMES = ("Öberg", "Ångström", "Ødegård", "Bråthen", "Lindqvist", "Næss", "Älvdal", "Ås")


@dataclass(frozen=True)
class BenchDatabase:
    url: str
    # What the path templates of bench/targets.py are filled with: "enrolment" (the bench
    # user's enrolment id), "course", "part" and "lesson" (the slugs of the lesson in the
    # middle of the second part, where the bench user has read up to), and
    # "report_cohort" (the id of the round of the report benchmark) and "roster_cohort"
    # (the round of the round-page benchmark).
    path_values: dict[str, str]


def create_database(
    directory: Path,
    users: int,
    course: Course,
    report_participants: int,
    roster_participants: int = 0,
) -> BenchDatabase:
    """Create, migrate and fill ``directory/bench.sqlite3``.

    ``users`` accounts make look-ups by e-mail and by id run against a table of realistic
    size; one of them, ``LOGIN_EMAIL``, is the participant the logged-in benchmarks use.
    All of them are enrolled in the current round of ``course`` with progress of their
    own, so that the participant pages query tables of realistic size too (see
    ``fill_course``). Another round of the same organisation has ``report_participants``
    people of their own, for the organizer's report, and ``ORGANIZER_EMAIL`` organizes
    the organisation (see ``fill_report_cohort``). A third has ``roster_participants``
    enrolled and invited but no progress, for the round page (see ``fill_roster_cohort``).
    """
    url = sqlite_database(directory)
    engine = make_engine(url)
    try:
        with Session(engine) as session:
            user_ids = insert_users(session, users)
            organisation_id, place_ids = insert_organisation(session)
            path_values = fill_course(session, course, user_ids, organisation_id, place_ids[0])
            path_values |= fill_report_cohort(
                session, course, organisation_id, place_ids, report_participants
            )
            if roster_participants:
                path_values |= fill_roster_cohort(
                    session, course, organisation_id, place_ids, roster_participants
                )
            session.commit()
    finally:
        engine.dispose()
    return BenchDatabase(url, path_values)


def insert_users(session: Session, count: int) -> list[int]:
    """``count`` users, ``LOGIN_EMAIL`` first; returns their ids in that order."""
    emails = [LOGIN_EMAIL] + [f"person{n}@example.org" for n in range(1, count)]
    return insert_accounts(
        session, [(email, f"Bench Person {n}") for n, email in enumerate(emails)]
    )


def insert_accounts(session: Session, people: list[tuple[str, str]]) -> list[int]:
    """Users with LOGIN_PASSWORD from (e-mail, name) pairs; returns their ids in order."""
    password_hash = generate_password_hash(LOGIN_PASSWORD, method=HASH_METHOD)
    rows = [
        {
            "email": email,
            "email_normalized": normalize_email(email),
            "name": name,
            "certificate_name": name,
            "locale": "en",
            "password_hash": password_hash,
        }
        for email, name in people
    ]
    return insert_rows(session, User, rows)


def insert_organisation(session: Session) -> tuple[int, list[int]]:
    """The organisation that runs every round, with ``ORGANIZER_EMAIL`` as its organizer
    and ``REPORT_PLACES``; returns its id and the places' ids in that order."""
    [organisation_id] = insert_rows(
        session,
        Organisation,
        [{"name": "Bench Municipality", "kind": OrganisationKind.MUNICIPALITY}],
    )
    [organizer_id] = insert_accounts(session, [(ORGANIZER_EMAIL, "Oda Organizer")])
    insert_rows(session, Organizer, [{"organisation_id": organisation_id, "user_id": organizer_id}])
    place_ids = insert_rows(
        session,
        Place,
        [{"organisation_id": organisation_id, "name": name} for name in REPORT_PLACES],
    )
    return organisation_id, place_ids


@dataclass
class ProgressRows:
    """Rows of the progress tables, collected for one bulk insert per table."""

    lessons: list[dict[str, Any]] = field(default_factory=list)
    attempts: list[dict[str, Any]] = field(default_factory=list)
    submissions: list[dict[str, Any]] = field(default_factory=list)
    part_states: list[dict[str, Any]] = field(default_factory=list)

    def tables(self) -> list[tuple[type, list[dict[str, Any]]]]:
        return [
            (LessonProgress, self.lessons),
            (QuizAttempt, self.attempts),
            (AssignmentSubmission, self.submissions),
            (PartState, self.part_states),
        ]

    def extend(self, other: ProgressRows, enrolment_id: int) -> None:
        """Add ``other``'s rows (one participant's, made before the enrolment existed)."""
        for (_model, mine), (_same, theirs) in zip(self.tables(), other.tables(), strict=True):
            mine.extend({**row, "enrolment_id": enrolment_id} for row in theirs)

    def insert(self, session: Session) -> None:
        for model, rows in self.tables():
            insert_rows(session, model, rows)


def fill_course(
    session: Session, course: Course, user_ids: list[int], organisation_id: int, place_id: int
) -> dict[str, str]:
    """The organisation running ``course`` in rounds, everyone enrolled in the current one.

    The bench user (``user_ids[0]``) is an official in the middle of the course: every
    lesson of the first part read and its quiz passed, the lessons of the second part read
    up to the middle one (the one the lesson benchmark shows), an assignment draft saved,
    two live sessions ahead. The others are spread evenly from not started to finished.
    Returns the values of the path templates in bench/targets.py.
    """
    now = utcnow()
    today = now.date()
    # Earlier rounds (archived), the current one and a planned one, 120 days apart.
    cohort_rows = []
    for number in range(COHORTS):
        starts_on = today + timedelta(days=120 * (number - CURRENT) - 30)
        ends_on = starts_on + timedelta(days=90)
        cohort_rows.append(
            {
                "organisation_id": organisation_id,
                "course_slug": course.slug,
                "name": f"Station square, round {number + 1}",
                "place_id": place_id,
                "starts_on": starts_on,
                "ends_on": ends_on,
                "deadline": ends_on,
                "archived_at": (
                    datetime.combine(ends_on, datetime.min.time(), now.tzinfo) + timedelta(days=30)
                    if number < CURRENT
                    else None
                ),
            }
        )
    cohort_ids = insert_rows(session, Cohort, cohort_rows)
    cohort_id = cohort_ids[CURRENT]
    insert_rows(session, LiveSession, live_session_rows(cohort_ids, now))

    second = course.parts[1]
    lesson = second.lessons[len(second.lessons) // 2]
    # The bench user has read every lesson before the one measured.
    lessons_before = len(course.parts[0].lessons) + second.lessons.index(lesson)
    total = sum(len(part.lessons) for part in course.parts)
    roles = list(AudienceRole)
    # Lessons read per participant: the bench user's first, then the others spread evenly.
    positions = [lessons_before] + [(n * 7) % (total + 1) for n in range(1, len(user_ids))]
    started = now - timedelta(days=30)
    progress = [
        participant_progress(course, position, started, draft=n == 0, retry=n % 3 == 1)
        for n, position in enumerate(positions)
    ]
    enrolment_ids = enrol(
        session,
        cohort_id,
        [
            {
                "user_id": user_id,
                "role": AudienceRole.OFFICIAL if n == 0 else roles[n % len(roles)],
                "place_id": place_id,
            }
            for n, user_id in enumerate(user_ids)
        ],
        positions,
        progress,
        started,
    )
    return {
        "course": course.slug,
        "enrolment": str(enrolment_ids[0]),
        "part": second.slug,
        "lesson": lesson.slug,
    }


def enrol(
    session: Session,
    cohort_id: int,
    people: list[dict[str, Any]],
    positions: list[int],
    progress: list[tuple[ProgressRows, bool]],
    started: datetime,
) -> list[int]:
    """Enrol ``people`` (user_id, role, place_id each) in the cohort, with their progress.

    ``positions`` (lessons read) and ``progress`` (from ``participant_progress``) are per
    person; the status follows them: invited with nothing read, completed when finished,
    active otherwise. Returns the enrolment ids in the order of ``people``.
    """
    now = utcnow()
    rows = [
        {
            **person,
            "cohort_id": cohort_id,
            "employer": "Bench Municipality",
            "status": (
                EnrolmentStatus.COMPLETED
                if finished
                else EnrolmentStatus.ACTIVE
                if position
                else EnrolmentStatus.INVITED
            ),
            "created_at": started - timedelta(days=10),
            "accepted_at": started if position else None,
            "completed_at": now - timedelta(days=1) if finished else None,
        }
        for person, position, (_rows, finished) in zip(people, positions, progress, strict=True)
    ]
    enrolment_ids = insert_rows(session, Enrolment, rows)
    everyone = ProgressRows()
    for enrolment_id, (done, _finished) in zip(enrolment_ids, progress, strict=True):
        everyone.extend(done, enrolment_id)
    for row in everyone.part_states:
        row["cohort_id"] = cohort_id
    everyone.insert(session)
    return enrolment_ids


def fill_report_cohort(
    session: Session,
    course: Course,
    organisation_id: int,
    place_ids: list[int],
    participants: int,
) -> dict[str, str]:
    """A round of ``course`` with ``participants`` people of their own, for the report.

    They are spread over the organisation's places and every role, and from not started to
    finished as in ``fill_course`` (some after a failed quiz, some with a draft), and the
    round has four live sessions of which the two held were attended by about two in
    three. Returns {"report_cohort": the round's id}.
    """
    now = utcnow()
    starts_on = now.date() - timedelta(days=30)
    [cohort_id] = insert_rows(
        session,
        Cohort,
        [
            {
                "organisation_id": organisation_id,
                "course_slug": course.slug,
                "name": "Whole town, spring round",
                "place_id": place_ids[0],
                "starts_on": starts_on,
                "ends_on": starts_on + timedelta(days=90),
                "deadline": starts_on + timedelta(days=90),
            }
        ],
    )
    sessions = [
        {
            "cohort_id": cohort_id,
            "title": f"Walk {meeting + 1}",
            "starts_at": now + timedelta(days=14 * meeting - 21),
            "ends_at": now + timedelta(days=14 * meeting - 21, hours=2),
            "location": "Town hall, room 2",
            "video_url": "",
        }
        for meeting in range(4)
    ]
    session_ids = insert_rows(session, LiveSession, sessions)
    held = [id_ for id_, row in zip(session_ids, sessions, strict=True) if row["starts_at"] < now]

    user_ids = insert_accounts(
        session,
        [
            (
                f"report{n}@example.org",
                f"{FIRST_NAMES[n % len(FIRST_NAMES)]} {LAST_NAMES[n % len(LAST_NAMES)]} {n}",
            )
            for n in range(participants)
        ],
    )
    total = sum(len(part.lessons) for part in course.parts)
    started = now - timedelta(days=25)
    positions = [(n * 7) % (total + 1) for n in range(participants)]
    progress = [
        participant_progress(course, position, started, draft=n % 5 == 0, retry=n % 3 == 1)
        for n, position in enumerate(positions)
    ]
    enrol_with_attendance(
        session, cohort_id, user_ids, place_ids, positions, progress, started, held
    )
    return {"report_cohort": str(cohort_id)}


def fill_roster_cohort(
    session: Session,
    course: Course,
    organisation_id: int,
    place_ids: list[int],
    participants: int,
) -> dict[str, str]:
    """A round of a whole town, ``participants`` people just enrolled from a spreadsheet:
    a third still invited (their invitation mail waiting, sent or bounced), the others
    taking the course, every role and place. What the round page lists, with no progress
    (the page does not read it). Returns {"roster_cohort": the round's id}."""
    now = utcnow()
    [cohort_id] = insert_rows(
        session,
        Cohort,
        [
            {
                "organisation_id": organisation_id,
                "course_slug": course.slug,
                "name": "The whole town, autumn round",
                "place_id": place_ids[0],
                "starts_on": now.date(),
                "deadline": now.date() + timedelta(days=90),
            }
        ],
    )
    insert_rows(session, LiveSession, live_session_rows([cohort_id], now))
    user_ids = insert_accounts(
        session,
        [
            (
                f"town{n}@example.org",
                f"{FIRST_NAMES[n % len(FIRST_NAMES)]} {LAST_NAMES[(n // 9) % len(LAST_NAMES)]} {n}",
            )
            for n in range(participants)
        ],
    )
    roles = list(AudienceRole)
    invited = [n % 3 == 0 for n in range(participants)]
    enrolment_ids = insert_rows(
        session,
        Enrolment,
        [
            {
                "cohort_id": cohort_id,
                "user_id": user_id,
                "role": roles[n % len(roles)],
                "place_id": place_ids[n % len(place_ids)],
                "status": EnrolmentStatus.INVITED if invited[n] else EnrolmentStatus.ACTIVE,
                "accepted_at": None if invited[n] else now,
            }
            for n, user_id in enumerate(user_ids)
        ],
    )
    mail_states = (MailStatus.QUEUED, MailStatus.SENT, MailStatus.BOUNCED)
    mail_ids = insert_rows(
        session,
        OutboxMail,
        [
            {
                "to_address": f"town{n}@example.org",
                "kind": "invitation",
                "subject": "Invitation",
                "body_text": "...",
                "status": mail_states[n % len(mail_states)],
            }
            for n in range(participants)
        ],
    )
    insert_rows(
        session,
        Invitation,
        [
            {
                "token_hash": secrets.token_hex(32),
                "purpose": InvitationPurpose.ENROLMENT,
                "email": f"town{n}@example.org",
                "enrolment_id": enrolment_id,
                "organisation_id": organisation_id,
                "expires_at": now + timedelta(days=14),
                "sent_at": now,
                "accepted_at": None if invited[n] else now,
                "mail_id": mail_id,
            }
            for n, (enrolment_id, mail_id) in enumerate(zip(enrolment_ids, mail_ids, strict=True))
        ],
    )
    return {"roster_cohort": str(cohort_id)}


def enrol_with_attendance(
    session: Session,
    cohort_id: int,
    user_ids: list[int],
    place_ids: list[int],
    positions: list[int],
    progress: list[tuple[ProgressRows, bool]],
    started: datetime,
    held: list[int],
) -> list[int]:
    """Enrol the users (roles in turn, places in turn) with their progress (see ``enrol``)
    and mark two of three present at each of the ``held`` live sessions."""
    roles = list(AudienceRole)
    enrolment_ids = enrol(
        session,
        cohort_id,
        [
            {
                "user_id": user_id,
                "role": roles[n % len(roles)],
                "place_id": place_ids[n % len(place_ids)],
            }
            for n, user_id in enumerate(user_ids)
        ],
        positions,
        progress,
        started,
    )
    insert_rows(
        session,
        Attendance,
        [
            {
                "live_session_id": live_session_id,
                "enrolment_id": enrolment_id,
                "present": (n + meeting) % 3 != 0,
                "recorded_at": utcnow(),
            }
            for meeting, live_session_id in enumerate(held)
            for n, enrolment_id in enumerate(enrolment_ids)
        ],
    )
    return enrolment_ids


def live_session_rows(cohort_ids: list[int], now: datetime) -> list[dict[str, Any]]:
    """Four meetings per round, two weeks apart; the current round has two still ahead."""
    first_meeting = now - timedelta(days=120 * CURRENT + 25)
    rows = []
    for number, cohort_id in enumerate(cohort_ids):
        for meeting in range(4):
            starts_at = first_meeting + timedelta(days=120 * number + 14 * meeting)
            # The current round: two meetings held, the next two on days 7 and 21 from now.
            if number == CURRENT and meeting >= 2:
                starts_at = now + timedelta(days=7 + 14 * (meeting - 2))
            rows.append(
                {
                    "cohort_id": cohort_id,
                    "title": f"Meeting {meeting + 1}",
                    "starts_at": starts_at,
                    "ends_at": starts_at + timedelta(hours=2),
                    "location": "Town hall, room 2",
                    "video_url": "https://video.example.org/bench" if meeting % 2 else "",
                }
            )
    return rows


def participant_progress(
    course: Course, lessons_read: int, started: datetime, *, draft: bool, retry: bool
) -> tuple[ProgressRows, bool]:
    """The progress of a participant who read the first ``lessons_read`` lessons in order.

    A part whose lessons are all read has its quiz passed (after a failed try when
    ``retry``) and its assignment submitted; with ``draft``, the first assignment of the
    course is a draft instead, whether or not its part is read. Returns the rows (without
    ``enrolment_id``) and whether the course is complete.
    """
    rows = ProgressRows()
    when = started
    left = lessons_read
    drafted = False
    complete = True
    for part in course.parts:
        state = PartProgress()
        first_step = when
        for lesson in part.lessons[:left]:
            when += timedelta(hours=3)
            rows.lessons.append(
                {"part_slug": part.slug, "lesson_slug": lesson.slug, "completed_at": when}
            )
            state.lessons_done.add(lesson.slug)
        read = left >= len(part.lessons)
        left = max(0, left - len(part.lessons))
        if read and part.quiz is not None:
            for passed in [False, True] if retry else [True]:
                when += timedelta(minutes=10)
                attempt = quiz_attempt(course, part, when, passed=passed)
                rows.attempts.append(attempt)
                state.attempts += 1
                state.best_score = max(state.best_score or 0, attempt["score"])
                state.max_score = attempt["max_score"]
            state.quiz_passed = True
        if part.assignment is not None and (read or (draft and not drafted)):
            status = SubmissionStatus.DRAFT if draft and not drafted else SubmissionStatus.SUBMITTED
            drafted = drafted or draft
            when += timedelta(hours=1)
            rows.submissions.append(
                {
                    "part_slug": part.slug,
                    "content_version": course.content_version,
                    "answers": {spec.slug: sample_answer(spec) for spec in part.assignment.fields},
                    "status": status,
                    "updated_at": when,
                    "submitted_at": when if status == SubmissionStatus.SUBMITTED else None,
                }
            )
            state.submission_status = status
        completed = part_is_complete(part, state, needs_approval=False)
        complete = complete and completed
        if state.started:
            rows.part_states.append(
                {
                    "part_slug": part.slug,
                    "started_at": first_step,
                    "completed_at": when if completed else None,
                    "lessons_read": len(state.lessons_done),
                    "quiz_best": state.best_score,
                    "quiz_max": state.max_score,
                    "quiz_passed": state.quiz_passed,
                    "quiz_attempts": state.attempts,
                    "assignment_status": state.submission_status,
                }
            )
    return rows, complete


def quiz_attempt(course: Course, part: Part, when: datetime, *, passed: bool) -> dict[str, Any]:
    """An attempt with every answer right, or (not ``passed``) with the first one wrong."""
    quiz = part.quiz
    assert quiz is not None
    answers = {}
    for number, item in enumerate(quiz.items):
        right = passed or number > 0
        answers[item.slug] = next(
            (choice.slug for choice in item.choices if choice.correct == right),
            item.choices[0].slug,
        )
    score = sum(item.choice(answers[item.slug]).correct for item in quiz.items)
    maximum = len(quiz.items)
    return {
        "part_slug": part.slug,
        "content_version": course.content_version,
        "nonce": secrets.token_urlsafe(24),
        "answers": answers,
        "score": score,
        "max_score": maximum,
        "passed": score * 100 >= quiz.pass_mark * maximum,
        "submitted_at": when,
    }


def sample_answer(spec: AssignmentField) -> Any:
    """A plausible answer to an assignment field, within its length limits."""
    if spec.type == "repeat":
        return [{sub.slug: sample_answer(sub) for sub in spec.fields} for _ in range(2)]
    if spec.type == "choice":
        return spec.choices[0].slug if spec.choices else ""
    if spec.type == "textarea":
        text = (
            "People wait for the last bus behind the kiosk, where nobody can see them from the "
            "square. The lamp by the bike stand has been out since October. "
        ) * 3
    else:
        text = "Station square, north side"
    return text[: spec.max_length] if spec.max_length else text
