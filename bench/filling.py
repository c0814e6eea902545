"""What the benchmarks fill their databases with: accounts, the organisation and its places,
rounds of a course and their people's progress, as rows for one bulk insert per table.

``bench.pages_database`` builds what ``python -m bench`` measures against; the load test and
the scale benchmark build their own rounds from the same pieces.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import UTC, date, datetime, timedelta
from functools import lru_cache
from typing import Any, NamedTuple

from sqlalchemy.orm import Session
from werkzeug.security import generate_password_hash

from academy.content import Course
from academy.models import (
    Attendance,
    AudienceRole,
    Cohort,
    Enrolment,
    EnrolmentStatus,
    LiveSession,
    Organisation,
    OrganisationKind,
    Organizer,
    Place,
    SecondFactor,
    User,
    normalize_email,
    utcnow,
)
from bench.database import insert_rows
from bench.progress import ProgressRows, lesson_count, progress_of_everyone, spread_positions

# A cheap hash, as in the tests: the benchmarks measure pages, not the password hash
# (bench.logins measures that). The method is read from the stored hash, and a login
# replaces a hash of another method, so gunicorn gets the same one through
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
# Staff give a code from their authenticator app after the password (issue 19): every
# organizer an organisation of the benchmarks gets (insert_organisation) has an app with
# this secret, from which the benchmarks make the codes (a throwaway database).
STAFF_TOTP_SECRET = "BENCHORGANIZERAPPSECRET234567ABC"  # noqa: S105
TOTP_SECRETS = {ORGANIZER_EMAIL: STAFF_TOTP_SECRET}
# The organisation's rounds (cohorts) of the course, oldest first; the bench user is in
# the one at index CURRENT.
COHORTS = 5
CURRENT = 3
# How long a round runs, start to deadline.
ROUND_DAYS = 90
# The report round's places, so that its place column and filter have something in them.
REPORT_PLACES = ("Station square", "Harbour", "Old town", "North park", "Market hall")
FIRST_NAMES = ("Åsa", "Ärla", "Östen", "Ærlend", "Øystein", "Märta", "Björn", "Sølvi", "Jörg")
LAST_NAMES = ("Öberg", "Ångström", "Ødegård", "Bråthen", "Lindqvist", "Næss", "Älvdal", "Ås")


@dataclass(frozen=True)
class BenchDatabase:
    url: str
    # What the path templates of bench/targets.py are filled with: "enrolment" (the bench
    # user's enrolment id), "course", "part" and "lesson" (the slugs of the lesson in the
    # middle of the second part, where the bench user has read up to), and
    # "report_cohort" (the id of the round of the report benchmark), "roster_cohort"
    # (the round of the round-page benchmark), "place" and "plan" (a place of 2,000
    # findings and its plan) and "town_place" and "town_plan" (one of 10,000).
    path_values: dict[str, str]


# --- the pieces every benchmark's data is made of ------------------------------------------


def person_name(n: int, *, last: int | None = None, number: object = None) -> str:
    """The ``n``-th person's name, with Å Ä Ö Æ Ø, made unique by ``number`` (default ``n``);
    ``last`` picks the last name (default ``n``)."""
    surname = LAST_NAMES[(n if last is None else last) % len(LAST_NAMES)]
    return f"{FIRST_NAMES[n % len(FIRST_NAMES)]} {surname} {n if number is None else number}"


@lru_cache(maxsize=1)
def cheap_password_hash() -> str:
    """LOGIN_PASSWORD hashed with HASH_METHOD, computed once."""
    return generate_password_hash(LOGIN_PASSWORD, method=HASH_METHOD)


def user_row(
    email: str, name: str, password_hash: str | None, *, locale: str = "en", **extra: Any
) -> dict[str, Any]:
    return {
        "email": email,
        "email_normalized": normalize_email(email),
        "name": name,
        "certificate_name": name,
        "locale": locale,
        "password_hash": password_hash,
        **extra,
    }


def insert_accounts(
    session: Session, people: list[tuple[str, str]], *, locale: str = "en"
) -> list[int]:
    """Users with LOGIN_PASSWORD from (e-mail, name) pairs; returns their ids in order."""
    password_hash = cheap_password_hash()
    rows = [user_row(email, name, password_hash, locale=locale) for email, name in people]
    return insert_rows(session, User, rows)


class Municipality(NamedTuple):
    id: int
    organizer_id: int
    place_ids: list[int]


def insert_organisation(
    session: Session,
    *,
    name: str = "Bench Municipality",
    organizer_email: str = ORGANIZER_EMAIL,
    places: Sequence[str] = REPORT_PLACES,
    locale: str = "en",
) -> Municipality:
    """An organisation with ``organizer_email`` as its organizer and ``places``."""
    [organisation_id] = insert_rows(
        session, Organisation, [{"name": name, "kind": OrganisationKind.MUNICIPALITY}]
    )
    [organizer_id] = insert_accounts(session, [(organizer_email, "Oda Organizer")], locale=locale)
    insert_rows(session, Organizer, [{"organisation_id": organisation_id, "user_id": organizer_id}])
    give_authenticator(session, organizer_id)
    place_ids = insert_rows(
        session, Place, [{"organisation_id": organisation_id, "name": place} for place in places]
    )
    return Municipality(organisation_id, organizer_id, place_ids)


def round_row(
    organisation_id: int,
    course: Course,
    name: str,
    place_id: int | None,
    starts_on: date,
    *,
    archived: bool = False,
    open_ended: bool = False,
) -> dict[str, Any]:
    """A round (cohort) of ``course`` with a deadline ``ROUND_DAYS`` after ``starts_on``, when
    it also ends unless ``open_ended``; ``archived`` a month after its end."""
    deadline = starts_on + timedelta(days=ROUND_DAYS)
    return {
        "organisation_id": organisation_id,
        "course_slug": course.slug,
        "name": name,
        "place_id": place_id,
        "starts_on": starts_on,
        "ends_on": None if open_ended else deadline,
        "deadline": deadline,
        "archived_at": (
            datetime.combine(deadline, datetime.min.time(), UTC) + timedelta(days=30)
            if archived
            else None
        ),
    }


def give_authenticator(session: Session, user_id: int) -> None:
    """Set up an authenticator app with ``STAFF_TOTP_SECRET`` for the user."""
    insert_rows(session, SecondFactor, [{"user_id": user_id, "secret": STAFF_TOTP_SECRET}])


def insert_round(session: Session, *args: Any, **kwargs: Any) -> int:
    """One round (the arguments of ``round_row``); returns its id."""
    [cohort_id] = insert_rows(session, Cohort, [round_row(*args, **kwargs)])
    return cohort_id


def meeting_row(
    cohort_id: int, number: int, starts_at: datetime, *, title: str = "Meeting", video_url: str = ""
) -> dict[str, Any]:
    """Live session ``number`` (from 0) of a round, two hours; every second one online."""
    return {
        "cohort_id": cohort_id,
        "title": f"{title} {number + 1}",
        "starts_at": starts_at,
        "ends_at": starts_at + timedelta(hours=2),
        "location": "Town hall, room 2",
        "video_url": video_url if number % 2 else "",
    }


def meetings(cohort_id: int, first: datetime, **kwargs: str) -> list[dict[str, Any]]:
    """A round's four live sessions, two weeks apart from ``first``."""
    return [
        meeting_row(cohort_id, number, first + timedelta(days=14 * number), **kwargs)
        for number in range(4)
    ]


def held(ids: list[int], rows: list[dict[str, Any]], now: datetime) -> list[int]:
    """The ids of the live sessions (``rows``, inserted as ``ids``) that took place by ``now``."""
    return [id_ for id_, row in zip(ids, rows, strict=True) if row["starts_at"] < now]


def attendance_rows(
    held_ids: list[int], enrolments: Iterable[tuple[int, int]], recorded_at: datetime
) -> list[dict[str, Any]]:
    """Who came to the ``held_ids`` sessions: two in three of the (n, enrolment_id) pairs,
    a different third each time."""
    enrolments = list(enrolments)
    return [
        {
            "live_session_id": live_session_id,
            "enrolment_id": enrolment_id,
            "present": (n + meeting) % 3 != 0,
            "recorded_at": recorded_at,
        }
        for meeting, live_session_id in enumerate(held_ids)
        for n, enrolment_id in enrolments
    ]


def enrolment_status(position: int, finished: bool, *, withdrawn: bool = False) -> EnrolmentStatus:
    """Invited with nothing read, completed when finished, active otherwise."""
    if withdrawn:
        return EnrolmentStatus.WITHDRAWN
    if finished:
        return EnrolmentStatus.COMPLETED
    return EnrolmentStatus.ACTIVE if position else EnrolmentStatus.INVITED


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
    person; the status follows them (``enrolment_status``). Returns the enrolment ids in
    the order of ``people``.
    """
    now = utcnow()
    rows = [
        {
            **person,
            "cohort_id": cohort_id,
            "employer": "Bench Municipality",
            "status": enrolment_status(position, finished),
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


def enrol_with_attendance(
    session: Session,
    cohort_id: int,
    user_ids: list[int],
    place_ids: list[int],
    positions: list[int],
    progress: list[tuple[ProgressRows, bool]],
    started: datetime,
    held_ids: list[int],
) -> list[int]:
    """Enrol the users (roles in turn, places in turn) with their progress (see ``enrol``)
    and mark two of three present at each of the ``held_ids`` live sessions."""
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
    insert_rows(session, Attendance, attendance_rows(held_ids, enumerate(enrolment_ids), utcnow()))
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
    cohort_id = insert_round(
        session,
        organisation_id,
        course,
        "Whole town, spring round",
        place_ids[0],
        now.date() - timedelta(days=30),
    )
    sessions = meetings(cohort_id, now - timedelta(days=21), title="Walk")
    session_ids = insert_rows(session, LiveSession, sessions)
    user_ids = insert_accounts(
        session, [(f"report{n}@example.org", person_name(n)) for n in range(participants)]
    )
    started = now - timedelta(days=25)
    positions = spread_positions(participants, lesson_count(course))
    progress = progress_of_everyone(
        course, positions, started, draft=lambda n, _position: n % 5 == 0
    )
    enrol_with_attendance(
        session,
        cohort_id,
        user_ids,
        place_ids,
        positions,
        progress,
        started,
        held(session_ids, sessions, now),
    )
    return {"report_cohort": str(cohort_id)}
