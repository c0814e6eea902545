"""The database ``python -m bench`` measures its pages against: the course's rounds with
a logged-in participant and organizer, the report round of 2,000 and the town-wide round
of the round page. Built from the pieces in ``bench.filling``.
"""

from __future__ import annotations

import secrets
from datetime import datetime, timedelta
from pathlib import Path
from typing import Any

from sqlalchemy import insert, update
from sqlalchemy.orm import Session

from academy.content import Course
from academy.db import make_engine
from academy.models import (
    Attendance,
    AudienceRole,
    Cohort,
    Enrolment,
    EnrolmentStatus,
    Finding,
    FindingCategory,
    FindingSeverity,
    Invitation,
    InvitationPurpose,
    LiveSession,
    MailStatus,
    Measure,
    MeasureStatus,
    OutboxMail,
    Plan,
    PlanKind,
    measure_finding,
    plan_place,
    utcnow,
)
from bench.database import insert_many, insert_rows, sqlite_database
from bench.filling import (
    COHORTS,
    CURRENT,
    LOGIN_EMAIL,
    REPORT_PLACES,
    BenchDatabase,
    attendance_rows,
    enrol,
    fill_report_cohort,
    held,
    insert_accounts,
    insert_organisation,
    insert_round,
    meeting_row,
    meetings,
    person_name,
    round_row,
)
from bench.progress import ProgressRows, lesson_count, progress_of_everyone, spread_positions


def create_database(
    directory: Path,
    users: int,
    course: Course,
    report_participants: int,
    roster_participants: int = 0,
    place_findings: int = 0,
) -> BenchDatabase:
    """Create, migrate and fill ``directory/bench.sqlite3``.

    ``users`` accounts make look-ups by e-mail and by id run against a table of realistic
    size; one of them, ``LOGIN_EMAIL``, is the participant the logged-in benchmarks use.
    All of them are enrolled in the current round of ``course`` with progress of their
    own, so that the participant pages query tables of realistic size too (see
    ``fill_course``). Another round of the same organisation has ``report_participants``
    people of their own, for the organizer's report, and ``ORGANIZER_EMAIL`` organizes
    the organisation (see ``fill_report_cohort``). A third has ``roster_participants``
    enrolled, a third of them still invited, for the round page and the report of a
    town-wide round (see ``fill_roster_cohort``). One place has 2,000 findings and an
    action plan, another ``place_findings`` and one (see ``fill_place_plan``).
    """
    url = sqlite_database(directory)
    engine = make_engine(url)
    try:
        with Session(engine) as session:
            user_ids = insert_users(session, users)
            organisation = insert_organisation(session)
            path_values = fill_course(
                session, course, user_ids, organisation.id, organisation.place_ids[0]
            )
            path_values |= fill_report_cohort(
                session, course, organisation.id, organisation.place_ids, report_participants
            )
            # Issue 15's place, walked for years (its plan and walks pages carry the
            # ratios set with 2,000 findings), and issue 20's town-scale one.
            path_values |= fill_place_plan(
                session, course, organisation.id, organisation.place_ids[0]
            )
            if place_findings:
                town = fill_place_plan(
                    session,
                    course,
                    organisation.id,
                    organisation.place_ids[1],
                    place_findings,
                    place_name=REPORT_PLACES[1],
                )
                path_values |= {"town_place": town["place"], "town_plan": town["plan"]}
            if roster_participants:
                path_values |= fill_roster_cohort(
                    session, course, organisation.id, organisation.place_ids, roster_participants
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
    cohort_ids = insert_rows(
        session,
        Cohort,
        [
            round_row(
                organisation_id,
                course,
                f"Station square, round {number + 1}",
                place_id,
                today + timedelta(days=120 * (number - CURRENT) - 30),
                archived=number < CURRENT,
            )
            for number in range(COHORTS)
        ],
    )
    cohort_id = cohort_ids[CURRENT]
    insert_rows(session, LiveSession, live_session_rows(cohort_ids, now))

    second = course.parts[1]
    lesson = second.lessons[len(second.lessons) // 2]
    # The bench user has read every lesson before the one measured.
    lessons_before = len(course.parts[0].lessons) + second.lessons.index(lesson)
    roles = list(AudienceRole)
    # Lessons read per participant: the bench user's first, then the others spread evenly.
    positions = [lessons_before, *spread_positions(len(user_ids), lesson_count(course))[1:]]
    started = now - timedelta(days=30)
    progress = progress_of_everyone(course, positions, started, draft=lambda n, _position: n == 0)
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
                meeting_row(
                    cohort_id, meeting, starts_at, video_url="https://video.example.org/bench"
                )
            )
    return rows


def fill_roster_cohort(
    session: Session,
    course: Course,
    organisation_id: int,
    place_ids: list[int],
    participants: int,
) -> dict[str, str]:
    """A round of a whole town, ``participants`` people enrolled from a spreadsheet: a third
    still invited (their invitation mail waiting, sent or bounced), the others taking the
    course, every role and place. The round page lists them (it reads no progress); the
    report and its exports of a round of this size read the progress of the two thirds who
    joined, spread from nothing read to finished as in ``fill_report_cohort`` (some after a
    failed quiz, some with a draft), and who of them came to the two live sessions held
    (about two in three). Returns {"roster_cohort": the round's id}."""
    now = utcnow()
    cohort_id = insert_round(
        session,
        organisation_id,
        course,
        "The whole town, autumn round",
        place_ids[0],
        now.date() - timedelta(days=30),
        open_ended=True,
    )
    sessions = meetings(cohort_id, now - timedelta(days=21), title="Walk")
    session_ids = insert_rows(session, LiveSession, sessions)
    user_ids = insert_accounts(
        session,
        [(f"town{n}@example.org", person_name(n, last=n // 9)) for n in range(participants)],
    )
    roles = list(AudienceRole)
    invited = [n % 3 == 0 for n in range(participants)]
    started = now - timedelta(days=25)
    # Lessons read: none for those still invited, evenly from none to all for the others.
    spread = spread_positions(participants, lesson_count(course))
    positions = [0 if invited[n] else spread[n] for n in range(participants)]
    progress = progress_of_everyone(
        course, positions, started, draft=lambda n, _position: n % 5 == 0
    )
    enrolment_ids = insert_rows(
        session,
        Enrolment,
        [
            {
                "cohort_id": cohort_id,
                "user_id": user_id,
                "role": roles[n % len(roles)],
                "place_id": place_ids[n % len(place_ids)],
                "status": (
                    EnrolmentStatus.INVITED
                    if invited[n]
                    else EnrolmentStatus.COMPLETED
                    if progress[n][1]
                    else EnrolmentStatus.ACTIVE
                ),
                "accepted_at": None if invited[n] else started,
                "completed_at": now - timedelta(days=1) if progress[n][1] else None,
            }
            for n, user_id in enumerate(user_ids)
        ],
    )
    everyone = ProgressRows()
    for enrolment_id, (done, _finished) in zip(enrolment_ids, progress, strict=True):
        everyone.extend(done, enrolment_id)
    for row in everyone.part_states:
        row["cohort_id"] = cohort_id
    everyone.insert(session)
    joined = [(n, enrolment_id) for n, enrolment_id in enumerate(enrolment_ids) if not invited[n]]
    insert_many(session, Attendance, attendance_rows(held(session_ids, sessions, now), joined, now))
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


def fill_place_plan(
    session: Session,
    course: Course,
    organisation_id: int,
    place_id: int,
    findings: int = 2_000,
    measures: int = 30,
    walks: int = 8,
    *,
    place_name: str = REPORT_PLACES[0],
) -> dict[str, str]:
    """``findings`` findings of safety walks at one place and an action plan for it with
    ``measures`` measures, each answering a few findings, in every status, some overdue:
    the place page, the plan page and the comparison of walks of a town that has walked a
    place for years. The findings come from ``walks`` archived rounds half a year apart;
    every fifth finding of a walk after the first is marked as the same problem as a
    finding of the walk before (as an organizer would), so that each column has new,
    still-there and gone problems. Returns {"place": its id, "plan": the plan's id,
    "walk": the id of the last walk's round}."""
    now = utcnow()
    today = now.date()
    walk_ids = [
        insert_round(
            session,
            organisation_id,
            course,
            f"{place_name}, walk {number + 1}",
            place_id,
            today - timedelta(days=180 * (walks - number) + 30),
            archived=True,
        )
        for number in range(walks)
    ]
    per_walk = -(-findings // walks)
    categories = list(FindingCategory)
    severities = list(FindingSeverity)
    finding_ids = insert_rows(
        session,
        Finding,
        [
            {
                "place_id": place_id,
                "cohort_id": walk_ids[n // per_walk],
                "part_slug": "situational-prevention",
                "position": n % 8,
                "spot": f"Spot {n % per_walk} by the station",
                "category": categories[n % len(categories)],
                "observation": "Dark and deserted after six in the evening.",
                "suggestion": "Better lighting and trimmed bushes.",
                "severity": severities[n % len(severities)],
                "created_at": now
                - timedelta(days=180 * (walks - n // per_walk), minutes=n % per_walk),
            }
            for n in range(findings)
        ],
    )
    # Marked rows name the first finding of their problem (services.places.same_as).
    first_of: dict[int, int] = {}
    marks = []
    for n in range(per_walk, findings):
        if n % 5 == 0:
            earlier = finding_ids[n - per_walk]
            first = first_of.get(earlier, earlier)
            first_of[finding_ids[n]] = first
            marks.append({"id": finding_ids[n], "same_as_id": first})
    if marks:
        session.execute(update(Finding), marks)
    [plan_id] = insert_rows(
        session,
        Plan,
        [
            {
                "organisation_id": organisation_id,
                "title": f"Action plan {place_name} 2027-2028",
                "kind": PlanKind.ACTION_PLAN,
                "starts_on": today - timedelta(days=200),
                "ends_on": today + timedelta(days=530),
                "description": "From the safety walks of the last two years.",
            }
        ],
    )
    session.execute(insert(plan_place), [{"plan_id": plan_id, "place_id": place_id}])
    statuses = list(MeasureStatus)
    measure_ids = insert_rows(
        session,
        Measure,
        [
            {
                "plan_id": plan_id,
                "place_id": place_id,
                "title": f"Measure {n}: lighting along the walkway",
                "description": "New lamps and trimmed bushes.",
                "responsible_id": organisation_id,
                "contact": "Oda Organizer",
                "due_on": today + timedelta(days=30 * (n % 12) - 90),
                "expected_effect": "People walk here after dark.",
                "indicator": "Fewer findings of category lighting at the next walk.",
                "status": statuses[n % len(statuses)],
                "dropped_reason": "Done by the property owner instead."
                if statuses[n % len(statuses)] is MeasureStatus.DROPPED
                else "",
            }
            for n in range(measures)
        ],
    )
    session.execute(
        insert(measure_finding),
        [
            {"measure_id": measure_id, "finding_id": finding_ids[(n * 3 + k) % len(finding_ids)]}
            for n, measure_id in enumerate(measure_ids)
            for k in range(3)
        ],
    )
    return {"place": str(place_id), "plan": str(plan_id), "walk": str(walk_ids[-1])}
