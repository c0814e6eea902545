"""The cohort report: rows, summary, filters, pages, statement counts, and its CSV, xlsx
and SVG."""

from __future__ import annotations

import csv
import io
import itertools
import re
import shutil
import subprocess
import xml.etree.ElementTree as ET
from dataclasses import dataclass
from datetime import UTC, date, datetime

import openpyxl
import pytest
from sqlalchemy import insert, select, update

from academy.content import get_course
from academy.models import (
    AssignmentSubmission,
    Attendance,
    AudienceRole,
    Cohort,
    Enrolment,
    EnrolmentStatus,
    LessonProgress,
    LiveSession,
    PartState,
    QuizAttempt,
    SubmissionStatus,
    User,
)
from academy.services.progress import load_progress, update_completion
from academy.services.reports import (
    COMPLETED,
    IN_PROGRESS,
    NOT_STARTED,
    ReportFilters,
    cohort_report,
    cohort_summary,
    progress_chart_svg,
    report_csv,
    report_csv_stream,
    report_page,
    report_rows,
    report_xlsx,
    report_xlsx_stream,
)

from .factories import (
    make_cohort,
    make_enrolment,
    make_organisation,
    make_organizer,
    make_place,
    make_user,
)

SVG = "{http://www.w3.org/2000/svg}"
_nonces = itertools.count(1)
DANGEROUS = ["=1+2", "+46 70 123 45 67", "-2+3", "@SUM(A1:A9)", "\tcmd", "\rcmd"]


@pytest.fixture
def course(app_context):
    return get_course("safer-streets")


@dataclass
class Round:
    cohort: Cohort
    asa: Enrolment
    oystein: Enrolment
    bo: Enrolment
    kim: Enrolment
    station: int
    square: int


def at(day: int, hour: int = 12) -> datetime:
    return datetime(2026, 4, day, hour, tzinfo=UTC)


def quiz(db, enrolment, part, score, maximum):
    db.add(
        QuizAttempt(
            enrolment_id=enrolment.id,
            part_slug=part.slug,
            content_version="v1",
            nonce=f"nonce-{next(_nonces)}",
            score=score,
            max_score=maximum,
            passed=score * 100 >= part.quiz.pass_mark * maximum,
        )
    )


def read_all(db, enrolment, part):
    for lesson in part.lessons:
        db.add(
            LessonProgress(enrolment_id=enrolment.id, part_slug=part.slug, lesson_slug=lesson.slug)
        )


@pytest.fixture
def round_(db, course) -> Round:
    """Four participants of four roles at two places, in every state of progress."""
    organisation = make_organisation(db)
    station = make_place(db, organisation, name="Stationsområdet")
    square = make_place(db, organisation, name="Torget")
    cohort = make_cohort(db, organisation, name="Vårens omgång")
    first, second = course.parts
    items1, items2 = len(first.quiz.items), len(second.quiz.items)

    # Everything done: both parts completed, the course completed on 20 April (Stockholm).
    asa = make_enrolment(
        db,
        cohort,
        make_user(db, name="Åsa Öberg", email="asa@example.se"),
        role=AudienceRole.OFFICIAL,
        employer="Malmö stad",
        place_id=station.id,
        status=EnrolmentStatus.COMPLETED,
        completed_at=datetime(2026, 4, 19, 22, 30, tzinfo=UTC),
    )
    for part, items in ((first, items1), (second, items2)):
        read_all(db, asa, part)
        quiz(db, asa, part, 0, items)
        quiz(db, asa, part, items, items)
        db.add(
            AssignmentSubmission(
                enrolment_id=asa.id,
                part_slug=part.slug,
                content_version="v1",
                status=SubmissionStatus.APPROVED,
            )
        )

    # Started: one lesson of part 1, a failed quiz, a draft.
    oystein = make_enrolment(
        db,
        cohort,
        make_user(db, name="Øystein Ærø", email="oystein@example.no"),
        role=AudienceRole.POLICE,
        employer="Politiet",
        place_id=square.id,
        status=EnrolmentStatus.ACTIVE,
    )
    db.add(
        LessonProgress(
            enrolment_id=oystein.id, part_slug=first.slug, lesson_slug=first.lessons[0].slug
        )
    )
    quiz(db, oystein, first, 0, items1)
    db.add(
        AssignmentSubmission(
            enrolment_id=oystein.id,
            part_slug=first.slug,
            content_version="v1",
            status=SubmissionStatus.DRAFT,
        )
    )

    # Invited, nothing done.
    bo = make_enrolment(
        db,
        cohort,
        make_user(db, name="bo Ek", email="bo@example.se"),
        role=AudienceRole.POLITICIAN,
        place_id=station.id,
    )
    # Withdrawn, no place, part 1 done before leaving.
    kim = make_enrolment(
        db,
        cohort,
        make_user(db, name="Kim Berg", email="kim@example.se"),
        role=AudienceRole.TRADER,
        status=EnrolmentStatus.WITHDRAWN,
    )
    read_all(db, kim, first)

    sessions = [
        LiveSession(cohort_id=cohort.id, title=f"Träff {n}", starts_at=at(n), ends_at=at(n, 14))
        for n in (1, 2, 3)
    ]
    db.add_all(sessions)
    db.flush()
    db.add_all(
        [
            Attendance(live_session_id=sessions[0].id, enrolment_id=asa.id),
            Attendance(live_session_id=sessions[1].id, enrolment_id=asa.id),
            Attendance(live_session_id=sessions[0].id, enrolment_id=oystein.id),
            Attendance(live_session_id=sessions[1].id, enrolment_id=oystein.id, present=False),
        ]
    )

    # Another cohort of the same course: none of it may show up.
    other = make_cohort(db, organisation)
    stranger = make_enrolment(db, other, role=AudienceRole.OFFICIAL, place_id=station.id)
    read_all(db, stranger, first)
    elsewhere = LiveSession(cohort_id=other.id, title="Annan", starts_at=at(5), ends_at=at(5, 14))
    db.add(elsewhere)
    db.flush()
    db.add(Attendance(live_session_id=elsewhere.id, enrolment_id=stranger.id))
    db.flush()
    # The part states, as the services keep them after each step; Kim and the stranger
    # completed part 1 when its quiz was not yet part of the course.
    for enrolment in (asa, oystein, bo, kim, stranger):
        update_completion(db, enrolment, course)
    for enrolment in (kim, stranger):
        complete_part(db, enrolment, first.slug)
    return Round(cohort, asa, oystein, bo, kim, station.id, square.id)


def complete_part(db, enrolment, part_slug: str) -> None:
    db.execute(
        update(PartState)
        .where(PartState.enrolment_id == enrolment.id, PartState.part_slug == part_slug)
        .values(completed_at=at(10))
    )


def test_rows_in_name_order_with_progress_per_part(db, course, round_):
    report = cohort_report(db, round_.cohort, course)
    first, second = course.parts
    # Case-insensitive; Å and Ø after Z, as in the Nordic alphabets.
    assert [row.name for row in report.rows] == ["bo Ek", "Kim Berg", "Åsa Öberg", "Øystein Ærø"]
    rows = {row.enrolment_id: row for row in report.rows}
    assert report.participants == 4
    assert report.sessions_total == 3

    asa = rows[round_.asa.id]
    assert (asa.email, asa.role, asa.employer) == ("asa@example.se", "official", "Malmö stad")
    assert (asa.place_id, asa.place_name) == (round_.station, "Stationsområdet")
    assert asa.status == EnrolmentStatus.COMPLETED
    assert asa.completed_at == datetime(2026, 4, 19, 22, 30, tzinfo=UTC)
    assert (asa.sessions_attended, asa.sessions_total) == (2, 3)
    part = asa.parts[0]
    assert (part.lessons_read, part.lessons_total) == (len(first.lessons), len(first.lessons))
    assert (part.best_score, part.max_score, part.quiz_passed, part.quiz_attempts) == (
        len(first.quiz.items),
        len(first.quiz.items),
        True,
        2,
    )
    assert part.assignment_status == SubmissionStatus.APPROVED
    assert part.completed and part.state == COMPLETED

    oystein = rows[round_.oystein.id]
    assert oystein.place_name == "Torget"
    assert oystein.sessions_attended == 1  # the absence is not counted
    part = oystein.parts[0]
    assert (part.lessons_read, part.lessons_total) == (1, len(first.lessons))
    assert (part.best_score, part.quiz_passed) == (0, False)
    assert part.assignment_status == SubmissionStatus.DRAFT
    assert part.state == IN_PROGRESS and not part.completed
    assert oystein.parts[1].state == NOT_STARTED

    bo = rows[round_.bo.id]
    assert bo.status == EnrolmentStatus.INVITED
    assert bo.sessions_attended == 0 and bo.completed_at is None
    part = bo.parts[1]
    assert (part.lessons_read, part.lessons_total) == (0, len(second.lessons))
    # No attempt yet: no score, the maximum the quiz has, and neither passed nor failed.
    assert (part.best_score, part.max_score, part.quiz_passed) == (
        None,
        len(second.quiz.items),
        None,
    )
    assert part.assignment_status is None and part.state == NOT_STARTED

    kim = rows[round_.kim.id]
    assert (kim.place_id, kim.place_name) == (None, "")
    assert [p.state for p in kim.parts] == [COMPLETED, NOT_STARTED]


def test_summary_counts_roles_statuses_and_parts(db, course, round_):
    report = cohort_report(db, round_.cohort, course)
    assert report.by_role == {
        AudienceRole.OFFICIAL: 1,
        AudienceRole.POLITICIAN: 1,
        AudienceRole.PROPERTY_OWNER: 0,
        AudienceRole.TRADER: 1,
        AudienceRole.POLICE: 1,
        AudienceRole.OTHER: 0,
    }
    assert report.by_status == {
        EnrolmentStatus.INVITED: 1,
        EnrolmentStatus.ACTIVE: 1,
        EnrolmentStatus.COMPLETED: 1,
        EnrolmentStatus.WITHDRAWN: 1,
    }
    first, second = course.parts
    assert [(p.part_slug, p.completed, p.in_progress, p.not_started) for p in report.parts] == [
        (first.slug, 2, 1, 1),
        (second.slug, 1, 0, 3),
    ]
    assert not report.filters.active


def test_filters_apply_in_sql_and_narrow_the_summary(db, course, round_, count_queries):
    by_place = cohort_report(db, round_.cohort, course, place_id=round_.station)
    assert {row.enrolment_id for row in by_place.rows} == {round_.asa.id, round_.bo.id}
    assert by_place.filters.place_id == round_.station and by_place.filters.active
    assert by_place.part(course.parts[0].slug).completed == 1

    police = cohort_report(db, round_.cohort, course, role="police")
    assert [row.enrolment_id for row in police.rows] == [round_.oystein.id]
    assert police.filters.role == AudienceRole.POLICE
    assert police.by_role[AudienceRole.POLICE] == 1 and sum(police.by_role.values()) == 1
    assert police.rows[0].sessions_attended == 1

    withdrawn = cohort_report(db, round_.cohort, course, status=EnrolmentStatus.WITHDRAWN)
    assert [row.enrolment_id for row in withdrawn.rows] == [round_.kim.id]
    assert withdrawn.rows[0].parts[0].completed

    nobody = cohort_report(
        db, round_.cohort, course, role=AudienceRole.POLICE, place_id=round_.station
    )
    assert nobody.rows == () and nobody.parts[0].completed == 0

    # The filters are in the statements, not applied afterwards in Python.
    with count_queries() as counter:
        cohort_report(db, round_.cohort, course, role="trader", status="withdrawn")
    enrolment_query = counter.statements[0]
    assert "enrolment.role" in enrolment_query and "enrolment.status" in enrolment_query

    with pytest.raises(ValueError):
        cohort_report(db, round_.cohort, course, role="mayor")


def test_a_report_for_another_course_is_refused(db, course):
    cohort = make_cohort(db, course_slug="another-course")
    with pytest.raises(ValueError):
        cohort_report(db, cohort, course)


def test_part_states_agree_with_the_steps_they_sum_up(db, course, round_):
    """What update_completion keeps in PartState is what the step tables say."""
    ids = [round_.asa.id, round_.oystein.id, round_.bo.id, round_.kim.id]
    progress = load_progress(db, ids)
    states = db.scalars(select(PartState).where(PartState.enrolment_id.in_(ids))).all()
    assert {(state.enrolment_id, state.part_slug) for state in states} == {
        (enrolment_id, part.slug)
        for enrolment_id in ids
        for part in course.parts
        if progress[enrolment_id].part(part.slug).started
    }
    for state in states:
        steps = progress[state.enrolment_id].part(state.part_slug)
        part = course.part(state.part_slug)
        assert state.lessons_read == sum(
            lesson.slug in steps.lessons_done for lesson in part.lessons
        )
        assert (state.quiz_best, state.quiz_max, state.quiz_attempts, state.quiz_passed) == (
            steps.best_score,
            steps.max_score,
            steps.attempts,
            steps.quiz_passed,
        )
        assert state.assignment_status == steps.submission_status
        assert (state.completed_at is not None) == steps.completed


def bulk_cohort(db, course, size: int, organisation=None) -> Cohort:
    """A cohort of ``size`` participants with progress and attendance, inserted in bulk."""
    organisation = organisation or make_organisation(db)
    places = [make_place(db, organisation).id for _ in range(3)]
    cohort = make_cohort(db, organisation)
    roles = list(AudienceRole)
    user_ids = db.scalars(
        insert(User.__table__).returning(User.__table__.c.id, sort_by_parameter_order=True),
        [
            {
                "email": f"bulk-{cohort.id}-{n}@example.org",
                "email_normalized": f"bulk-{cohort.id}-{n}@example.org",
                "name": f"Deltagare {n:04d}",
                "certificate_name": f"Deltagare {n:04d}",
            }
            for n in range(size)
        ],
    ).all()
    enrolment_ids = db.scalars(
        insert(Enrolment.__table__).returning(
            Enrolment.__table__.c.id, sort_by_parameter_order=True
        ),
        [
            {
                "cohort_id": cohort.id,
                "user_id": user_id,
                "role": roles[n % len(roles)],
                "place_id": places[n % len(places)],
                "status": EnrolmentStatus.ACTIVE,
            }
            for n, user_id in enumerate(user_ids)
        ],
    ).all()
    first = course.parts[0]
    live = db.scalars(
        insert(LiveSession.__table__).returning(LiveSession.__table__.c.id),
        [{"cohort_id": cohort.id, "title": "Träff", "starts_at": at(1), "ends_at": at(1, 14)}],
    ).all()
    db.execute(
        insert(LessonProgress.__table__),
        [
            {"enrolment_id": e, "part_slug": first.slug, "lesson_slug": first.lessons[0].slug}
            for e in enrolment_ids
        ],
    )
    db.execute(
        insert(QuizAttempt.__table__),
        [
            {
                "enrolment_id": e,
                "part_slug": first.slug,
                "content_version": "v1",
                "nonce": f"bulk-{e}",
                "score": 1,
                "max_score": 2,
                "passed": False,
                "answers": {},
            }
            for e in enrolment_ids[::2]
        ],
    )
    db.execute(
        insert(AssignmentSubmission.__table__),
        [
            {
                "enrolment_id": e,
                "part_slug": first.slug,
                "content_version": "v1",
                "status": SubmissionStatus.SUBMITTED,
                "answers": {},
            }
            for e in enrolment_ids[::3]
        ],
    )
    # Their part states, as update_completion would keep them for these steps.
    db.execute(
        insert(PartState.__table__),
        [
            {
                "enrolment_id": e,
                "cohort_id": cohort.id,
                "part_slug": first.slug,
                "started_at": at(1),
                "completed_at": at(2) if n % 4 == 0 else None,
                "lessons_read": 1,
                "quiz_best": 1 if n % 2 == 0 else None,
                "quiz_max": 2 if n % 2 == 0 else None,
                "quiz_passed": False,
                "quiz_attempts": 1 if n % 2 == 0 else 0,
                "assignment_status": SubmissionStatus.SUBMITTED if n % 3 == 0 else None,
            }
            for n, e in enumerate(enrolment_ids)
        ],
    )
    db.execute(
        insert(Attendance.__table__),
        [{"live_session_id": live[0], "enrolment_id": e} for e in enrolment_ids[::5]],
    )
    db.flush()
    return cohort


def test_statement_count_is_the_same_for_10_and_2000_participants(db, course, count_queries):
    small = bulk_cohort(db, course, 10)
    large = bulk_cohort(db, course, 2000)
    with count_queries() as few:
        small_report = cohort_report(db, small, course)
    with count_queries() as many:
        large_report = cohort_report(db, large, course)
    assert small_report.participants == 10 and large_report.participants == 2000
    assert large_report.part(course.parts[0].slug).completed == 500
    assert sum(row.sessions_attended for row in large_report.rows) == 400
    assert few.count == many.count <= 8, many.statements
    with count_queries() as filtered:
        cohort_report(db, large, course, role="police", place_id=None, status="active")
    assert filtered.count == many.count


# --- the page: summary from counts, rows in pages ----------------------------------------------

FILTERS = [
    ReportFilters(),
    ReportFilters(role=AudienceRole.POLICE),
    ReportFilters(status=EnrolmentStatus.WITHDRAWN),
    ReportFilters(status=EnrolmentStatus.INVITED),
    ReportFilters(role=AudienceRole.POLICE, status=EnrolmentStatus.ACTIVE),
]


def test_summary_from_counts_matches_the_full_report(db, course, round_):
    filters = [*FILTERS, ReportFilters(place_id=round_.station)]
    for each in filters:
        report = cohort_report(
            db, round_.cohort, course, role=each.role, place_id=each.place_id, status=each.status
        )
        assert cohort_summary(db, round_.cohort, course, each) == report.summary, each
    summary = cohort_summary(db, round_.cohort, course)
    assert (summary.participants, summary.sessions_total) == (4, 3)
    first, second = course.parts
    assert [(p.part_slug, p.completed, p.in_progress, p.not_started) for p in summary.parts] == [
        (first.slug, 2, 1, 1),
        (second.slug, 1, 0, 3),
    ]


def test_summary_and_rows_agree_on_steps_the_course_no_longer_has(db, course, round_):
    """A lesson since removed from the course still means its part was started, in the rows
    and in the counts alike; a part the course no longer has counts nowhere."""
    first = course.parts[0]
    db.add(LessonProgress(enrolment_id=round_.bo.id, part_slug=first.slug, lesson_slug="gone"))
    db.add(LessonProgress(enrolment_id=round_.bo.id, part_slug="gone", lesson_slug="gone"))
    db.flush()
    update_completion(db, round_.bo, course)
    db.add(
        PartState(
            enrolment_id=round_.bo.id,
            cohort_id=round_.cohort.id,
            part_slug="gone",
            completed_at=at(3),
        )
    )
    db.flush()
    report = cohort_report(db, round_.cohort, course)
    assert cohort_summary(db, round_.cohort, course) == report.summary
    bo = next(row for row in report.rows if row.enrolment_id == round_.bo.id)
    assert bo.parts[0].state == IN_PROGRESS and bo.parts[0].lessons_read == 0
    part = report.part(first.slug)
    assert (part.completed, part.in_progress, part.not_started) == (2, 2, 0)


def test_summary_of_a_large_cohort_matches_the_full_report(db, course):
    cohort = bulk_cohort(db, course, 300)
    for each in FILTERS:
        report = cohort_report(db, cohort, course, role=each.role, status=each.status)
        assert cohort_summary(db, cohort, course, each) == report.summary, each
    first = cohort_summary(db, cohort, course).part(course.parts[0].slug)
    # Everyone read a lesson of part 1; every fourth completed it.
    assert (first.completed, first.in_progress, first.not_started) == (75, 225, 0)


def test_pages_cut_the_full_report_in_order(db, course, round_):
    report = cohort_report(db, round_.cohort, course)
    summary = cohort_summary(db, round_.cohort, course)
    pages = [report_page(db, course, summary, number, size=3) for number in (1, 2, 3)]
    assert [page.rows for page in pages[:2]] == [report.rows[:3], report.rows[3:]]
    assert [(page.first, page.last, page.pages) for page in pages[:2]] == [(1, 3, 2), (4, 4, 2)]
    assert (pages[0].previous, pages[0].next, pages[1].previous, pages[1].next) == (
        None,
        2,
        1,
        None,
    )
    # Past the end: nothing, and the way back leads to the last page.
    assert pages[2].rows == () and (pages[2].previous, pages[2].next) == (2, None)

    police = cohort_summary(db, round_.cohort, course, ReportFilters(role=AudienceRole.POLICE))
    [oystein] = report_page(db, course, police).rows
    assert oystein == next(row for row in report.rows if row.enrolment_id == round_.oystein.id)
    with pytest.raises(ValueError):
        report_page(db, course, summary, 0)


def test_the_page_takes_the_same_statements_for_10_and_2000_participants(db, course, count_queries):
    small = bulk_cohort(db, course, 10)
    large = bulk_cohort(db, course, 2000)
    counts = []
    for cohort in (small, large):
        with count_queries() as counter:
            summary = cohort_summary(db, cohort, course)
            page = report_page(db, course, summary, 2, size=5)
        counts.append(counter.count)
    assert counts == [3, 3], counter.statements
    assert summary.participants == 2000 and summary.part(course.parts[0].slug).completed == 500
    assert len(page.rows) == 5 and page.rows == cohort_report(db, large, course).rows[5:10]
    with count_queries() as filtered:
        police = ReportFilters(role=AudienceRole.POLICE, status=EnrolmentStatus.ACTIVE)
        report_page(db, course, cohort_summary(db, large, course, police))
    assert filtered.count == 3
    assert "enrolment.role" in filtered.statements[0] and "LIMIT" in filtered.statements[1]


# --- CSV ------------------------------------------------------------------------------------


def parse_csv(data: bytes, delimiter: str = ",") -> list[list[str]]:
    assert data.startswith(b"\xef\xbb\xbf")
    return list(csv.reader(io.StringIO(data[3:].decode("utf-8"), newline=""), delimiter=delimiter))


@pytest.mark.parametrize("delimiter", [",", ";"])
def test_csv_has_a_bom_the_delimiter_and_unicode_names(db, course, round_, delimiter):
    data = report_csv(cohort_report(db, round_.cohort, course), course, "en", delimiter=delimiter)
    text = data[3:].decode("utf-8")
    assert text.splitlines()[0].count(delimiter) >= 10
    rows = parse_csv(data, delimiter)
    header, body = rows[0], rows[1:]
    assert header[:6] == ["Name", "E-mail", "Role", "Employer", "Place", "Status"]
    assert "1. Situational crime prevention: lessons read (of 2)" in header
    assert header[-2:] == ["Live sessions attended (of 3)", "Completed on"]
    assert len(body) == 4 and all(len(row) == len(header) for row in body)
    asa = next(row for row in body if row[0] == "Åsa Öberg")
    record = dict(zip(header, asa, strict=True))
    assert record["Employer"] == "Malmö stad"
    assert record["Place"] == "Stationsområdet"
    assert record["Role"] == "Municipal official"
    assert record["Status"] == "Completed"
    assert record["1. Situational crime prevention: quiz passed"] == "Yes"
    assert record["1. Situational crime prevention: assignment"] == "Approved"
    assert record["Live sessions attended (of 3)"] == "2"
    # 22:30 UTC on 19 April is 20 April in Stockholm.
    assert record["Completed on"] == "2026-04-20"
    assert any(row[0] == "Øystein Ærø" for row in body)


def test_csv_dates_follow_the_given_time_zone(db, course, round_):
    report = cohort_report(db, round_.cohort, course, status="completed")
    rows = parse_csv(report_csv(report, course, "en", tz="UTC"))
    assert rows[1][-1] == "2026-04-19"


def test_csv_headers_and_labels_in_swedish(db, course, round_):
    rows = parse_csv(report_csv(cohort_report(db, round_.cohort, course), course, "sv"))
    header = rows[0]
    assert header[0] == "Namn" and header[1] == "E-postadress" and header[4] == "Plats"
    assert any(label.startswith("1. Situationell brottsprevention") for label in header)
    assert any(label.startswith("2. Trygg stadsplanering") for label in header)
    oystein = next(row for row in rows if row[0] == "Øystein Ærø")
    assert oystein[2] == "Polis"


@pytest.mark.parametrize("dangerous", DANGEROUS)
def test_csv_neutralises_every_formula_prefix(db, course, dangerous):
    cohort = make_cohort(db)
    make_enrolment(
        db,
        cohort,
        make_user(db, name=dangerous + " name"),
        employer=dangerous + " employer",
        role=AudienceRole.TRADER,
    )
    data = report_csv(cohort_report(db, cohort, course), course, "en", delimiter=";")
    row = parse_csv(data, ";")[1]
    assert row[0] == "'" + dangerous + " name"
    assert row[3] == "'" + dangerous + " employer"
    for cell in parse_csv(data, ";")[1]:
        assert not cell.startswith(tuple("=+-@\t\r"))


def test_csv_rejects_other_delimiters(db, course, round_):
    with pytest.raises(ValueError):
        report_csv(cohort_report(db, round_.cohort, course), course, "en", delimiter="\t")


# --- xlsx -----------------------------------------------------------------------------------


def test_xlsx_has_the_same_columns_a_bold_frozen_header_and_no_formulas(db, course, round_):
    report = cohort_report(db, round_.cohort, course)
    csv_rows = parse_csv(report_csv(report, course, "en"))
    workbook = openpyxl.load_workbook(io.BytesIO(report_xlsx(report, course, "en")))
    assert workbook.sheetnames == ["Participants", "Summary"]
    sheet = workbook["Participants"]
    values = [list(row) for row in sheet.iter_rows(values_only=True)]
    assert list(values[0]) == csv_rows[0]
    assert sheet.freeze_panes == "B2"
    assert all(cell.font.b for cell in sheet[1])
    assert 10 <= sheet.column_dimensions["A"].width <= 50
    asa = next(row for row in values if row[0] == "Åsa Öberg")
    record = dict(zip(values[0], asa, strict=True))
    assert record["Employer"] == "Malmö stad"
    assert record["Live sessions attended (of 3)"] == 2
    assert record["1. Situational crime prevention: lessons read (of 2)"] == 2
    assert record["Completed on"].date() == date(2026, 4, 20)
    assert any(row[0] == "Øystein Ærø" for row in values)
    for row in sheet.iter_rows():
        for cell in row:
            assert cell.data_type != "f"

    summary = [row for row in workbook["Summary"].iter_rows(values_only=True)]
    assert summary[0][0] == "Vårens omgång"
    assert summary[1][:2] == ("Participants", 4)
    assert ("1. Situational crime prevention", 2, 1, 1) in summary


@pytest.mark.parametrize("dangerous", DANGEROUS)
def test_xlsx_stores_formula_like_text_as_text(db, course, dangerous):
    cohort = make_cohort(db, name=dangerous)
    make_enrolment(
        db, cohort, make_user(db, name=dangerous), employer=dangerous, role=AudienceRole.OTHER
    )
    data = report_xlsx(cohort_report(db, cohort, course), course, "en")
    workbook = openpyxl.load_workbook(io.BytesIO(data))
    # A text cell, as written: no quote in front (that is for CSV). A carriage return is
    # stored as a line feed, with or without lxml (which pikepdf, a test tool, brings).
    # Quote-prefixed, so that editing it keeps it text.
    expected = dangerous.replace("\r", "\n")
    row = workbook["Participants"][2]
    for cell in (row[0], row[3]):
        assert cell.data_type == "s"
        assert cell.value == expected
        assert cell.quotePrefix
    title = workbook["Summary"]["A1"]
    assert title.data_type == "s" and title.value == expected
    for sheet in workbook:
        for cells in sheet.iter_rows():
            assert all(cell.data_type != "f" for cell in cells)


def test_libreoffice_shows_formula_like_xlsx_text_as_text_and_calculates_nothing(
    db, course, tmp_path
):
    """The exported file opened in a real spreadsheet program: LibreOffice converts it to
    CSV headless. Text that looks like a formula is shown as written, without a quote and
    not calculated, while a real formula in a control file is calculated: the check
    would see it."""
    soffice = shutil.which("soffice")
    assert soffice, "this test needs LibreOffice: sudo apt-get install libreoffice-calc"
    cohort = make_cohort(db)
    texts = [text for text in DANGEROUS if text[0] in "=+-@"] + ['=HYPERLINK("http://x","y")']
    for text in texts:
        make_enrolment(db, cohort, make_user(db, name=text), employer=text)
    (tmp_path / "report.xlsx").write_bytes(
        report_xlsx(cohort_report(db, cohort, course), course, "en")
    )
    control = openpyxl.Workbook()
    control.active["A1"] = "=1+2"
    control.save(tmp_path / "control.xlsx")

    subprocess.run(
        [
            soffice,
            f"-env:UserInstallation=file://{tmp_path}/profile",
            "--headless",
            "--norestore",
            "--convert-to",
            "csv:Text - txt - csv (StarCalc):44,34,76",
            "--outdir",
            str(tmp_path),
            str(tmp_path / "report.xlsx"),
            str(tmp_path / "control.xlsx"),
        ],
        check=True,
        capture_output=True,
        timeout=180,
    )

    assert (tmp_path / "control.csv").read_text().strip() == "3"
    rows = list(csv.reader(io.StringIO((tmp_path / "report.csv").read_text("utf-8"))))
    header = rows[0]
    shown = {row[0]: row[header.index("Employer")] for row in rows[1:]}
    assert shown == {text: text for text in texts}


def test_xlsx_in_swedish_and_without_participants(db, course):
    cohort = make_cohort(db)
    workbook = openpyxl.load_workbook(
        io.BytesIO(report_xlsx(cohort_report(db, cohort, course), course, "sv"))
    )
    sheet = workbook.worksheets[0]
    assert sheet["A1"].value == "Namn"
    assert sheet.max_row == 1


# --- streamed exports -----------------------------------------------------------------------


def test_the_exports_rows_are_the_reports_rows_read_a_batch_at_a_time(db, course, count_queries):
    cohort = bulk_cohort(db, course, 25)
    summary = cohort_summary(db, cohort, course)
    with count_queries() as counter:
        rows = list(report_rows(db, course, summary, batch=10))
    # The people in one statement, read ten at a time; the part states of each ten.
    assert counter.count == 4, counter.statements
    assert tuple(rows) == cohort_report(db, cohort, course).rows
    police = cohort_summary(db, cohort, course, ReportFilters(role=AudienceRole.POLICE))
    assert tuple(report_rows(db, course, police, batch=2)) == (
        cohort_report(db, cohort, course, role=AudienceRole.POLICE).rows
    )


def workbook_values(data: bytes) -> list[list[list]]:
    workbook = openpyxl.load_workbook(io.BytesIO(data))
    return [[list(row) for row in sheet.iter_rows(values_only=True)] for sheet in workbook]


@pytest.mark.parametrize("language", ["en", "sv"])
def test_the_streamed_files_are_the_reports_files(db, course, round_, language):
    for filters in (ReportFilters(), ReportFilters(place_id=round_.station)):
        report = cohort_report(db, round_.cohort, course, place_id=filters.place_id)
        summary = cohort_summary(db, round_.cohort, course, filters)
        chunks = list(report_csv_stream(db, course, summary, language, delimiter=";"))
        assert b"".join(chunks) == report_csv(report, course, language, delimiter=";")
        place = "Stationsområdet" if filters.place_id else ""
        streamed = b"".join(
            report_xlsx_stream(db, course, summary, language, tz="UTC", place_name=place)
        )
        assert workbook_values(streamed) == workbook_values(
            report_xlsx(report, course, language, tz="UTC")
        )


def test_export_answers_are_streamed(client, db, course):
    organisation = make_organisation(db)
    organizer = make_organizer(db, organisation).user
    cohort = bulk_cohort(db, course, 450, organisation=organisation)
    client.login_as(organizer)
    for kind in ("csv", "xlsx"):
        address = f"/organize/cohorts/{cohort.id}/report/export"
        response = client.post_form(address, {"format": kind})
        assert response.status_code == 200 and response.is_streamed
        chunks = list(response.response)
        assert len(chunks) >= 3  # 450 rows, 200 a piece
        if kind == "csv":
            # The byte order mark once, at the start.
            assert [chunk[:3] == b"\xef\xbb\xbf" for chunk in chunks].count(True) == 1
            assert len(parse_csv(b"".join(chunks))) == 451
        else:
            assert len(workbook_values(b"".join(chunks))[0]) == 451


# --- SVG ------------------------------------------------------------------------------------


def luminance(colour: str) -> float:
    channels = [int(colour[i : i + 2], 16) / 255 for i in (1, 3, 5)]
    linear = [c / 12.92 if c <= 0.03928 else ((c + 0.055) / 1.055) ** 2.4 for c in channels]
    return 0.2126 * linear[0] + 0.7152 * linear[1] + 0.0722 * linear[2]


def contrast(a: str, b: str) -> float:
    high, low = sorted((luminance(a), luminance(b)), reverse=True)
    return (high + 0.05) / (low + 0.05)


def test_svg_is_accessible_well_formed_and_escaped(db, course, round_):
    round_.cohort.name = '<script>alert("x")</script> & Co'
    db.flush()
    report = cohort_report(db, round_.cohort, course)
    svg = progress_chart_svg(report.summary, course, "en")
    assert svg == progress_chart_svg(cohort_summary(db, round_.cohort, course), course, "en")
    assert "<script" not in svg
    root = ET.fromstring(svg)  # noqa: S314 - our own output
    assert root.tag == SVG + "svg"
    assert root.get("role") == "img"
    assert re.fullmatch(r"0 0 \d+ \d+", root.get("viewBox"))
    title, desc = root.find(SVG + "title"), root.find(SVG + "desc")
    assert root.get("aria-labelledby") == f"{title.get('id')} {desc.get('id')}"
    assert title.text == '<script>alert("x")</script> & Co: progress by part'
    assert not root.findall(f".//{SVG}script")
    assert all(not name.startswith("on") for el in root.iter() for name in el.attrib)
    texts = [el.text for el in root.iter(SVG + "text")]
    assert "1. Situational crime prevention" in texts
    assert "2. Safe urban design" in texts
    assert "2 completed, 1 in progress, 1 not started" in texts
    assert "1 completed, 0 in progress, 3 not started" in texts
    assert "4 participants." in desc.text
    assert "1. Situational crime prevention: 2 completed, 1 in progress" in desc.text
    # WCAG AA: text 4.5:1, bars and outlines 3:1 against the white background.
    for element in root.iter():
        if element.tag == SVG + "text" or element is root:
            colour = element.get("fill") or root.get("fill")
            assert contrast(colour, "#ffffff") >= 4.5
        elif element.tag == SVG + "rect":
            colour = element.get("fill")
            if colour != "#ffffff":
                assert contrast(colour, "#ffffff") >= 3
            else:
                stroke = element.get("stroke")
                assert stroke is None or contrast(stroke, "#ffffff") >= 3


def test_svg_in_norwegian_and_without_participants(db, course):
    cohort = make_cohort(db, name="Høstens runde")
    svg = progress_chart_svg(cohort_summary(db, cohort, course), course, "nb")
    root = ET.fromstring(svg)  # noqa: S314 - our own output
    assert root.get("lang") == "nb"
    texts = [el.text for el in root.iter(SVG + "text")]
    assert "1. Situasjonell kriminalitetsforebygging" not in texts  # no bars when nobody
    assert texts[0].startswith("Høstens runde")
    assert not root.findall(f"{SVG}rect[@height='24']")


def test_svg_part_titles_follow_the_language(db, course, round_):
    summary = cohort_summary(db, round_.cohort, course)
    root = ET.fromstring(progress_chart_svg(summary, course, "nb"))  # noqa: S314
    texts = [el.text for el in root.iter(SVG + "text")]
    assert "1. Situasjonell kriminalitetsforebygging" in texts
    assert "2. Trygg byplanlegging" in texts


def test_rows_sharing_a_state_equal_rows_made_alone(db, course, round_):
    """The report makes a part's row and standing once per distinct state and shares
    them: every row equals the one made for its person alone, and the rows of equal
    states are the same objects."""
    from academy.services.reports import queries, statements

    summary = cohort_summary(db, round_.cohort, course)
    values = statements.bound_values(round_.cohort.id, summary.filters)
    people = db.execute(
        statements.people_statement(
            statements.dialect_of(db), statements.shape_of(summary.filters), paged=False
        ),
        values,
    ).all()
    states = statements.part_states(
        db.execute(statements.cohort_states_statement(statements.shape_of(summary.filters)), values)
    )
    shared = queries._RowMaker(course, summary.rules, summary.sessions_total)
    rows = [shared.row(person, states.get(person.id)) for person in people]
    alone = [
        queries._RowMaker(course, summary.rules, summary.sessions_total).row(
            person, states.get(person.id)
        )
        for person in people
    ]
    assert rows == alone
    assert len(rows) == 4
    by_state: dict = {}
    for part_row in itertools.chain.from_iterable(row.parts for row in rows):
        assert by_state.setdefault(part_row, part_row) is part_row


def test_the_chart_is_drawn_anew_when_what_it_shows_changes(db, course, round_):
    """The chart is kept by everything it is drawn from: the same counts give the same
    chart, a changed count, name or language a new one, as drawn without keeping."""
    from dataclasses import replace

    from academy.services.reports import chart

    summary = cohort_summary(db, round_.cohort, course)
    first = progress_chart_svg(summary, course, "en")
    assert first == chart._draw(summary, course, "en", f"cohort-{round_.cohort.id}-progress")
    assert progress_chart_svg(summary, course, "en") == first
    moved = replace(
        summary,
        parts=(replace(summary.parts[0], completed=0, in_progress=3), *summary.parts[1:]),
    )
    renamed = replace(summary, cohort_name="Another name")
    for changed, language in ((moved, "en"), (renamed, "en"), (summary, "sv")):
        svg = progress_chart_svg(changed, course, language)
        assert svg != first
        prefix = f"cohort-{round_.cohort.id}-progress"
        assert svg == chart._draw(changed, course, language, prefix)
