"""The load test's data: its rounds filled in bulk, and
certificates issued and rendered the way the application does it.

What locust needs to know about it (accounts, ids, the course's slugs and right answers) is
returned as a plan: plain JSON, so that the locustfile never imports the application.
"""

from __future__ import annotations

from datetime import timedelta
from pathlib import Path
from typing import Any

from flask import Flask
from sqlalchemy import update
from sqlalchemy.orm import Session

from academy.config import DEFAULTS
from academy.content import Course
from academy.db import make_engine
from academy.models import (
    AudienceRole,
    EnrolmentStatus,
    LiveSession,
    Organizer,
    User,
    utcnow,
)
from academy.services.passwords import make_hash
from bench.database import insert_rows
from bench.filling import (
    LOGIN_PASSWORD,
    ORGANIZER_EMAIL,
    REPORT_PLACES,
    STAFF_TOTP_SECRET,
    enrol_with_attendance,
    fill_report_cohort,
    give_authenticator,
    held,
    insert_accounts,
    insert_organisation,
    insert_round,
    meetings,
    person_name,
)
from bench.progress import lesson_count, progress_of_everyone

# Every fifth participant has finished the course and holds a certificate.
FINISHED_EVERY = 5


def fill(
    url: str,
    course: Course,
    *,
    participants: int,
    organizers: int,
    report_participants: int,
) -> dict[str, Any]:
    """Fill the migrated database at ``url``; return the plan (without certificates).

    - the organisation of ``bench.filling`` with its five places and ``organizers``
      organizers (``organizer@example.org``, then ``organizer2@example.org``, ...), each
      with an authenticator app (staff give its code after the password), whose secret
      the plan holds;
    - the round everyone of the load is in (``participant0@example.org`` ...), spread from
      invited-and-not-started to finished (every ``FINISHED_EVERY``-th), some with a failed
      quiz try and an assignment draft, with four live sessions (two held, attended by about
      two in three, two ahead);
    - the report round of ``bench.filling.fill_report_cohort`` with ``report_participants``
      people of its own, for the organizers' report pages and exports.
    """
    engine = make_engine(url)
    try:
        with Session(engine) as session:
            organisation = insert_organisation(session)
            organisation_id, place_ids = organisation.id, organisation.place_ids
            organizer_emails = [ORGANIZER_EMAIL] + [
                f"organizer{n}@example.org" for n in range(2, organizers + 1)
            ]
            extra = insert_accounts(
                session, [(email, f"Organizer {email}") for email in organizer_emails[1:]]
            )
            insert_rows(
                session,
                Organizer,
                [{"organisation_id": organisation_id, "user_id": user_id} for user_id in extra],
            )
            organizer_ids = [organisation.organizer_id, *extra]
            # insert_organisation gave the first its app; the others get the same secret.
            for user_id in extra:
                give_authenticator(session, user_id)
            totp_secrets = [STAFF_TOTP_SECRET] * len(organizer_ids)
            people = _fill_load_cohort(session, course, organisation_id, place_ids, participants)
            report = fill_report_cohort(
                session, course, organisation_id, place_ids, report_participants
            )
            session.commit()
    finally:
        engine.dispose()
    return {
        "password": LOGIN_PASSWORD,
        "participants": people["participants"],
        "organizers": [
            {"email": email, "totp": secret}
            for email, secret in zip(organizer_emails, totp_secrets, strict=True)
        ],
        "cohorts": {
            "load": people["cohort"],
            "report": int(report["report_cohort"]),
        },
        "cohort_sizes": {"load": participants, "report": report_participants},
        "places": place_ids,
        "place_names": list(REPORT_PLACES),
        "roles": [role.value for role in AudienceRole],
        "statuses": [status.value for status in EnrolmentStatus],
        "course": course_plan(course),
    }


def _fill_load_cohort(
    session: Session, course: Course, organisation_id: int, place_ids: list[int], count: int
) -> dict[str, Any]:
    now = utcnow()
    started = now - timedelta(days=30)
    cohort_id = insert_round(
        session, organisation_id, course, "Station square, load round", place_ids[0], started.date()
    )
    sessions = meetings(
        cohort_id,
        now - timedelta(days=21),
        title="Walk",
        video_url="https://video.example.org/load",
    )
    session_ids = insert_rows(session, LiveSession, sessions)

    emails = [f"participant{n}@example.org" for n in range(count)]
    user_ids = insert_accounts(session, [(email, person_name(n)) for n, email in enumerate(emails)])
    total = lesson_count(course)
    positions = [
        total if n % FINISHED_EVERY == FINISHED_EVERY - 1 else (n * 7) % total for n in range(count)
    ]
    # A draft of the first assignment would keep a finished reader from completing.
    progress = progress_of_everyone(
        course, positions, started, draft=lambda n, position: n % 4 == 1 and position < total
    )
    enrolment_ids = enrol_with_attendance(
        session,
        cohort_id,
        user_ids,
        place_ids,
        positions,
        progress,
        started,
        held(session_ids, sessions, now),
    )
    return {
        "cohort": cohort_id,
        "participants": [
            {
                "email": email,
                "enrolment": enrolment_id,
                "finished": finished,
                "certificate": None,
            }
            for email, enrolment_id, (_rows, finished) in zip(
                emails, enrolment_ids, progress, strict=True
            )
        ],
    }


def course_plan(course: Course) -> dict[str, Any]:
    """The slugs a participant clicks through, and each quiz item's right and wrong answers."""
    return {
        "slug": course.slug,
        "parts": [
            {
                "slug": part.slug,
                "lessons": [lesson.slug for lesson in part.lessons],
                "quiz": (
                    {
                        item.slug: {
                            "right": sorted(item.correct_slugs),
                            "wrong": sorted(
                                choice.slug for choice in item.choices if not choice.correct
                            ),
                        }
                        for item in part.quiz.items
                    }
                    if part.quiz is not None
                    else None
                ),
            }
            for part in course.parts
        ],
    }


def use_production_password_hash(url: str, password: str = LOGIN_PASSWORD) -> str:
    """Give every account ``password`` hashed with the production default (Argon2id,
    ``DEFAULTS["PASSWORD_HASH_METHOD"]``), so that a login costs what it costs in
    production; returns the method."""
    method = str(DEFAULTS["PASSWORD_HASH_METHOD"])
    password_hash = make_hash(password, method)
    engine = make_engine(url)
    try:
        with Session(engine) as session:
            session.execute(update(User).values(password_hash=password_hash))
            session.commit()
    finally:
        engine.dispose()
    return method


def issue_certificates(app: Flask, plan: dict[str, Any]) -> int:
    """Issue the certificate of every finished participant of the plan through
    ``academy.services.certificates.issue``, render and store its PDF (``store_pdf``), as
    the request that completes a course does; record the ids in the plan. Also creates the
    badge signing key, so that the workers find one. Returns how many were issued."""
    from academy.content import get_course
    from academy.db import get_session
    from academy.models import Enrolment
    from academy.services import badges, certificates

    issued = 0
    with app.app_context():
        course = get_course(plan["course"]["slug"])
        assert course is not None
        session = get_session()
        for person in plan["participants"]:
            if not person["finished"]:
                continue
            enrolment = session.get(Enrolment, person["enrolment"])
            assert enrolment is not None
            certificate = certificates.issue(session, enrolment, course)
            assert certificate is not None
            certificates.store_pdf(certificate)
            session.commit()
            person["certificate"] = certificate.id
            issued += 1
        badges.ensure_signing_key(app)
    return issued


def badge_key_path(directory: Path) -> Path:
    return directory / "badge-signing-key.pem"
