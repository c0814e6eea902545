"""Reading a cohort report: the page's summary and one page of rows, or every row.

The page reads ``cohort_summary`` (one statement of grouped counts: roles, statuses and
how far each part got) and ``report_page`` (one page of the table: two statements), so
its cost does not grow with the cohort. The exports read ``report_rows``, every row a
batch at a time; ``cohort_report`` holds them all, with their counts.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Iterator, Mapping
from typing import Any

from sqlalchemy import Row, func, select
from sqlalchemy.orm import Session

from ...content import Course, Part
from ...models import AudienceRole, Cohort, EnrolmentStatus, LiveSession
from .. import completion
from ..paging import Page, page_offset
from .contents import (
    COMPLETED,
    IN_PROGRESS,
    NOT_STARTED,
    CohortReport,
    CohortSummary,
    PartRow,
    PartSummary,
    ReportFilters,
    ReportRow,
)
from .statements import (
    KIND_ENROLMENTS,
    KIND_PARTS,
    STATES_BY_IDS,
    bound_values,
    cohort_states_statement,
    dialect_of,
    part_states,
    people_statement,
    shape_of,
    summary_statement,
)

REPORT_PAGE_SIZE = 50
# The exports' rows read at a time: the people's rows, then those people's part states.
EXPORT_BATCH = 200


def cohort_report(
    session: Session,
    cohort: Cohort,
    course: Course,
    *,
    role: AudienceRole | str | None = None,
    place_id: int | None = None,
    status: EnrolmentStatus | str | None = None,
) -> CohortReport:
    """The report of one cohort, optionally only one role, place or enrolment status.

    Three queries whatever the number of participants: the enrolments with their user,
    place and sessions attended, their part states, and the live sessions. Rows come in
    the order of ``report_page``. For the exports; the page reads ``cohort_summary`` and
    ``report_page`` instead.
    """
    _check_course(cohort, course)
    filters = ReportFilters.of(role=role, place_id=place_id, status=status)
    values = bound_values(cohort.id, filters)
    people = session.execute(
        people_statement(dialect_of(session), shape_of(filters), paged=False), values
    ).all()
    states = part_states(session.execute(cohort_states_statement(shape_of(filters)), values))
    sessions_total = (
        session.scalar(
            select(func.count())
            .select_from(LiveSession)
            .where(LiveSession.cohort_id == cohort.id, LiveSession.cancelled_at.is_(None))
        )
        or 0
    )
    rules = completion.Rules.of(cohort)
    make = _RowMaker(course, rules, sessions_total)
    rows = [make.row(person, states.get(person.id)) for person in people]

    roles = Counter(row.role for row in rows)
    statuses = Counter(row.status for row in rows)
    part_summaries = []
    for index, part in enumerate(course.parts):
        states = Counter(row.parts[index].state for row in rows)
        part_summaries.append(
            PartSummary(part.slug, states[COMPLETED], states[IN_PROGRESS], states[NOT_STARTED])
        )
    return CohortReport(
        cohort_id=cohort.id,
        cohort_name=cohort.name,
        course_slug=course.slug,
        filters=filters,
        rules=rules,
        rows=tuple(rows),
        sessions_total=sessions_total,
        by_role={role: roles[role] for role in AudienceRole},
        by_status={status: statuses[status] for status in EnrolmentStatus},
        parts=tuple(part_summaries),
    )


def cohort_summary(
    session: Session, cohort: Cohort, course: Course, filters: ReportFilters | None = None
) -> CohortSummary:
    """The summary of ``cohort_report`` from grouped counts in one statement, whatever the
    size of the cohort: enrolments per role and status, per part those who started it (a
    ``PartState`` exists) and those who completed it, and the number of live sessions. In
    progress is "started" less "completed", as ``_part_row`` decides it for one row."""
    _check_course(cohort, course)
    filters = filters or ReportFilters()
    by_role = dict.fromkeys(AudienceRole, 0)
    by_status = dict.fromkeys(EnrolmentStatus, 0)
    started: Counter[str] = Counter()
    completed: Counter[str] = Counter()
    sessions_total = 0
    statement = summary_statement(shape_of(filters))
    values = bound_values(cohort.id, filters)
    for kind, key, other, count, done in session.execute(statement, values):
        if kind == KIND_ENROLMENTS:
            by_role[AudienceRole(key)] += count
            by_status[EnrolmentStatus(other)] += count
        elif kind == KIND_PARTS:
            started[key], completed[key] = count, done
        else:
            sessions_total = count
    participants = sum(by_role.values())
    return CohortSummary(
        cohort_id=cohort.id,
        cohort_name=cohort.name,
        course_slug=course.slug,
        filters=filters,
        rules=completion.Rules.of(cohort),
        participants=participants,
        sessions_total=sessions_total,
        by_role=by_role,
        by_status=by_status,
        # Parts the course no longer has are left out here, not in SQL.
        parts=tuple(
            PartSummary(
                part.slug,
                completed[part.slug],
                started[part.slug] - completed[part.slug],
                participants - started[part.slug],
            )
            for part in course.parts
        ),
    )


# One page of ReportRows.
ReportPage = Page[ReportRow]


def report_page(
    session: Session,
    course: Course,
    summary: CohortSummary,
    number: int = 1,
    *,
    size: int = REPORT_PAGE_SIZE,
) -> ReportPage:
    """Rows ``number`` (from 1) of the report whose ``summary`` is given, ``size`` a page,
    in two statements: that page's enrolments with user, place and sessions attended (the
    page cut in SQL), then the part states of those enrolments only. A page past the end
    is empty and runs only the first."""
    skip = page_offset(number, size)
    statement = people_statement(dialect_of(session), shape_of(summary.filters), paged=True)
    values = bound_values(summary.cohort_id, summary.filters)
    # On the connection: plain rows, without the ORM's result machinery.
    connection = session.connection()
    people = connection.execute(statement, {**values, "size": size, "skip": skip}).all()
    ids = [person.id for person in people]
    states = part_states(connection.execute(STATES_BY_IDS, {"ids": ids}).all()) if ids else {}
    make = _RowMaker(course, summary.rules, summary.sessions_total)
    rows = tuple(make.row(person, states.get(person.id)) for person in people)
    return ReportPage(rows=rows, number=number, size=size, total=summary.participants)


def report_rows(
    session: Session, course: Course, summary: CohortSummary, *, batch: int = EXPORT_BATCH
) -> Iterator[ReportRow]:
    """Every row of the report whose ``summary`` is given, in the page's order, ``batch``
    at a time: the people in one statement whose rows are fetched a batch at a time (a
    server-side cursor on PostgreSQL), and each batch's part states in one more. For the
    exports, which send the file as it is written, so that 10,000 rows are never all in
    memory. The rows are read as the export is sent."""
    statement = people_statement(dialect_of(session), shape_of(summary.filters), paged=False)
    values = bound_values(summary.cohort_id, summary.filters)
    result = session.execute(statement, values, execution_options={"yield_per": batch})
    make = _RowMaker(course, summary.rules, summary.sessions_total)
    for people in result.partitions():
        ids = [person.id for person in people]
        states = part_states(session.connection().execute(STATES_BY_IDS, {"ids": ids}).all())
        for person in people:
            yield make.row(person, states.get(person.id))


def _check_course(cohort: Cohort, course: Course) -> None:
    if course.slug != cohort.course_slug:
        raise ValueError(f"cohort {cohort.id} takes {cohort.course_slug!r}, not {course.slug!r}")


class _RowMaker:
    """``ReportRow``s of one course and round: what does not depend on the person (a part
    not started, its standing) is made once, not once per row.

    A page of 50 rows or an export of 10,000 holds few distinct figures per part (lessons
    read, best score, assignment), so a part's row and standing are made once per
    distinct state and shared by every row that has it, and a row's standing once per
    distinct set of parts: equal figures give equal (frozen) rows, so sharing them
    changes nothing but the time."""

    def __init__(self, course: Course, rules: completion.Rules, sessions_total: int) -> None:
        self.course = course
        self.rules = rules
        self.sessions_total = sessions_total
        self.parts = course.parts
        self.slugs = tuple(enumerate(part.slug for part in course.parts))
        self.not_started = tuple(_part_row(part, None) for part in course.parts)
        # (part index, a state's figures) -> (PartRow, PartStanding)
        self._part_rows: dict[tuple, tuple[PartRow, completion.PartStanding]] = {}
        # (status, sessions attended, the parts' rows) -> Standing
        self._standings: dict[tuple, completion.Standing] = {}

    def _part(self, index: int, state: Row[Any]) -> tuple[PartRow, completion.PartStanding]:
        # Everything of the state a row shows, but its enrolment and slug (SQLite gives
        # "completed" as 0 or 1).
        key = (index, bool(state[2]), *state[3:])
        made = self._part_rows.get(key)
        if made is None:
            part = self.parts[index]
            row = _part_row(part, state)
            standing = completion.part_standing(
                part,
                completed=row.completed,
                lessons_read=row.lessons_read,
                quiz_passed=bool(row.quiz_passed),
                assignment_status=row.assignment_status,
                needs_approval=self.rules.assignments_need_approval,
            )
            made = self._part_rows[key] = (row, standing)
        return made

    def row(self, person: Row[Any], states: Mapping[str, Row[Any]] | None) -> ReportRow:
        """``person`` is a row of ``people_statement``, ``states`` its part states by
        slug (None: no part started)."""
        part_rows = self.not_started
        # Parts not started are left out: completion.standing reads them as not started.
        standings: dict[str, completion.PartStanding] = {}
        if states:
            rows = list(part_rows)
            for index, slug in self.slugs:
                state = states.get(slug)
                if state is None:
                    continue
                rows[index], standings[slug] = self._part(index, state)
            part_rows = tuple(rows)
        # Unpacked once, in people_statement's order: a Row's attributes cost a look-up each.
        id_, name, email, role, employer, place_id, place_name, status, completed_at, attended = (
            person
        )
        key = (status, attended, *map(id, part_rows))
        standing = self._standings.get(key)
        if standing is None:
            standing = self._standings[key] = completion.standing(
                self.course, self.rules, status, standings, attended
            )
        return ReportRow(
            enrolment_id=id_,
            name=name,
            email=email,
            role=role,
            employer=employer,
            place_id=place_id,
            place_name=place_name or "",
            status=status,
            parts=part_rows,
            sessions_attended=attended,
            sessions_total=self.sessions_total,
            completed_at=completed_at,
            standing=standing,
        )


def _part_row(part: Part, state: Row[Any] | None) -> PartRow:
    """A part's row from its state (a row of ``_STATE_COLUMNS``); no state means not
    started. A part counts as started by any step recorded, even of a lesson since removed
    from the course, as ``cohort_summary`` counts it."""
    quiz = part.quiz
    if state is None:
        return PartRow(
            part_slug=part.slug,
            lessons_read=0,
            lessons_total=len(part.lessons),
            best_score=None,
            max_score=None if quiz is None else quiz.attempt_size,
            quiz_passed=None,
            quiz_attempts=0,
            assignment_status=None,
            completed=False,
            state=NOT_STARTED,
        )
    # Unpacked once: a Row's attributes cost a look-up each (10,000 rows in an export).
    _id, _slug, completed, lessons_read, best, maximum, passed, attempts, submitted = state
    if quiz is None:
        best, maximum, passed = None, None, None
    else:
        if maximum is None:
            maximum = quiz.attempt_size
        if not attempts:
            passed = None
    return PartRow(
        part_slug=part.slug,
        lessons_read=lessons_read,
        lessons_total=len(part.lessons),
        best_score=best,
        max_score=maximum,
        quiz_passed=passed,
        quiz_attempts=attempts,
        assignment_status=submitted if part.assignment is not None else None,
        completed=bool(completed),
        state=COMPLETED if completed else IN_PROGRESS,
    )
