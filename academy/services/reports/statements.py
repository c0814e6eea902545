"""The report's SQL, built once per shape and run with new values each time.

The statements of the page are built once per shape (the course's parts, which filters are
set, the backend) and run with new values each time: building a statement of this size and
working out its cache key cost about as much as running it.
"""

from __future__ import annotations

from collections.abc import Iterable
from functools import lru_cache
from typing import Any

from sqlalchemy import (
    ColumnElement,
    CompoundSelect,
    Integer,
    Row,
    Select,
    String,
    bindparam,
    cast,
    func,
    literal,
    null,
    select,
    union_all,
)
from sqlalchemy.orm import Session

from ...models import Attendance, Enrolment, LiveSession, PartState, Place, User
from .. import enrolments
from .contents import ReportFilters

Shape = tuple[bool, bool, bool]  # whether role, place and status are filtered on

# The kinds of row in the one statement of cohort_summary.
KIND_ENROLMENTS = "enrolments"
KIND_PARTS = "parts"
KIND_SESSIONS = "sessions"


def shape_of(filters: ReportFilters) -> Shape:
    return (filters.role is not None, filters.place_id is not None, filters.status is not None)


def bound_values(cohort_id: int, filters: ReportFilters) -> dict[str, Any]:
    """The values of the bound parameters of ``_enrolled``."""
    values: dict[str, Any] = {
        "cohort_id": cohort_id,
        "role": filters.role,
        "place_id": filters.place_id,
        "status": filters.status,
    }
    return {name: value for name, value in values.items() if value is not None}


def _enrolled(shape: Shape) -> list[ColumnElement[bool]]:
    """The report's enrolments: of the cohort, narrowed by the filters that are set."""
    role, place, status = shape
    criteria = [Enrolment.cohort_id == bindparam("cohort_id")]
    if role:
        criteria.append(Enrolment.role == bindparam("role"))
    if place:
        criteria.append(Enrolment.place_id == bindparam("place_id"))
    if status:
        criteria.append(Enrolment.status == bindparam("status"))
    return criteria


@lru_cache(maxsize=16)
def summary_statement(shape: Shape) -> CompoundSelect:
    enrolled = _enrolled(shape)
    no_text, no_number = cast(null(), String), cast(null(), Integer)
    return union_all(
        select(
            literal(KIND_ENROLMENTS, String).label("kind"),
            cast(Enrolment.role, String).label("key"),
            cast(Enrolment.status, String).label("other"),
            func.count().label("n"),
            no_number.label("done"),
        )
        .where(*enrolled)
        .group_by(Enrolment.role, Enrolment.status),
        _part_counts(shape),
        select(literal(KIND_SESSIONS, String), no_text, no_text, func.count(), no_number)
        .select_from(LiveSession)
        .where(LiveSession.cohort_id == bindparam("cohort_id"), LiveSession.cancelled_at.is_(None)),
    )


def _part_counts(shape: Shape) -> Select[Any]:
    """Per part, the enrolments that started it and those that completed it. For a whole
    round from part_state's own index (``cohort_id`` is kept on it for this), four times
    faster on SQLite than joining 2,000 enrolments; filtered, through the enrolments."""
    counts = select(
        literal(KIND_PARTS, String),
        PartState.part_slug,
        cast(null(), String),
        func.count(),
        func.count(PartState.completed_at),
    ).group_by(PartState.part_slug)
    if any(shape):
        return counts.join(Enrolment, Enrolment.id == PartState.enrolment_id).where(
            *_enrolled(shape)
        )
    return counts.where(PartState.cohort_id == bindparam("cohort_id"))


def part_states(rows: Iterable[Row[Any]]) -> dict[int, dict[str, Row[Any]]]:
    """{enrolment id: {part slug: state}} from rows of ``_STATE_COLUMNS``."""
    result: dict[int, dict[str, Row[Any]]] = {}
    for state in rows:
        result.setdefault(state.enrolment_id, {})[state.part_slug] = state
    return result


# Columns rather than ORM objects: the report only reads them, and loading 8,000 objects
# into the identity map would cost more than the query. queries._part_row unpacks a row
# in this order. Whether the part is completed rather than when: the report shows no
# time, and on SQLite each time is a string parsed into a datetime.
_STATE_COLUMNS = (
    PartState.enrolment_id,
    PartState.part_slug,
    PartState.completed_at.is_not(None).label("completed"),
    PartState.lessons_read,
    PartState.quiz_best,
    PartState.quiz_max,
    PartState.quiz_passed,
    PartState.quiz_attempts,
    PartState.assignment_status,
)
STATES_BY_IDS = select(*_STATE_COLUMNS).where(
    PartState.enrolment_id.in_(bindparam("ids", expanding=True))
)


@lru_cache(maxsize=16)
def cohort_states_statement(shape: Shape) -> Select[Any]:
    return (
        select(*_STATE_COLUMNS)
        .join(Enrolment, Enrolment.id == PartState.enrolment_id)
        .where(*_enrolled(shape))
    )


def dialect_of(session: Session) -> str:
    return session.get_bind().dialect.name


@lru_cache(maxsize=32)
def people_statement(dialect: str, shape: Shape, *, paged: bool) -> Select[Any]:
    """The report's enrolments with what a row shows of them, as columns (cheaper than
    loading objects), and the live sessions each attended; ``paged``, only the page of
    ``:size`` rows after the first ``:skip``.

    In name order (``enrolments.shown_name_order``), ties by enrolment.
    """
    attended = (
        select(func.count())
        .select_from(Attendance)
        .join(LiveSession, LiveSession.id == Attendance.live_session_id)
        .where(
            Attendance.enrolment_id == Enrolment.id,
            LiveSession.cohort_id == bindparam("cohort_id"),
            Attendance.present.is_(True),
        )
        .correlate(Enrolment)
        .scalar_subquery()
    )
    name = enrolments.shown_name_column()
    name_key = enrolments.shown_name_order(dialect)
    statement = (
        select(
            Enrolment.id,
            name.label("name"),
            User.email,
            Enrolment.role,
            Enrolment.employer,
            Enrolment.place_id,
            Place.name.label("place_name"),
            Enrolment.status,
            Enrolment.completed_at,
            attended.label("attended"),
        )
        .join(User, User.id == Enrolment.user_id)
        .outerjoin(Place, Place.id == Enrolment.place_id)
        .order_by(name_key, Enrolment.id)
    )
    if not paged:
        return statement.where(*_enrolled(shape))
    # The page is cut from the ids and sort names alone, read in order from the index on
    # (round, sort name, id), and only its rows get the rest.
    page = (
        select(Enrolment.id)
        .where(*_enrolled(shape))
        .order_by(name_key, Enrolment.id)
        .limit(bindparam("size"))
        .offset(bindparam("skip"))
    )
    return statement.where(Enrolment.id.in_(page))
