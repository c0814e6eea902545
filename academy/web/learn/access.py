"""What a participant may open: their own enrolments (never someone else's, nor one they
are withdrawn from), their courses and parts; anything else is 404."""

from __future__ import annotations

from flask import abort
from flask_login import current_user
from sqlalchemy import bindparam, select
from sqlalchemy.orm import joinedload

from ...content import Course, Part, get_course
from ...db import get_session
from ...models import Cohort, Enrolment, EnrolmentStatus, LiveSession

# The statements of the participant's most visited pages are built once, with bound
# parameters: building them anew cost more than running them.
_MY_ENROLMENTS = (
    select(Enrolment)
    .options(
        joinedload(Enrolment.cohort).joinedload(Cohort.organisation),
        joinedload(Enrolment.cohort).joinedload(Cohort.place),
    )
    .where(Enrolment.user_id == bindparam("user_id"), Enrolment.status != EnrolmentStatus.WITHDRAWN)
    .order_by(Enrolment.created_at.desc(), Enrolment.id.desc())
)
OWN_ENROLMENT = (
    Enrolment.id == bindparam("enrolment_id"),
    Enrolment.user_id == bindparam("user_id"),
    Enrolment.status != EnrolmentStatus.WITHDRAWN,
)
_ENROLMENT = (
    select(Enrolment)
    .options(joinedload(Enrolment.cohort).joinedload(Cohort.organisation))
    .where(*OWN_ENROLMENT)
)


# The pages that show the course and no more of the round (the quiz) need the
# enrolment's id and its course only: columns, as loading the enrolment with its round
# and organisation cost as much as the query itself.
_ENROLMENT_COURSE = (
    select(Enrolment.id, Cohort.course_slug).join(Enrolment.cohort).where(*OWN_ENROLMENT)
)


def my_enrolments():
    return get_session().scalars(_MY_ENROLMENTS, {"user_id": current_user.id}).unique().all()


def load_enrolment(enrolment_id: int) -> tuple[Enrolment, Course]:
    """The current user's own enrolment and its course, or 404 (never someone else's)."""
    enrolment = get_session().scalar(
        _ENROLMENT, {"enrolment_id": enrolment_id, "user_id": current_user.id}
    )
    if enrolment is None:
        abort(404)
    return enrolment, own_course(enrolment.cohort.course_slug)


def load_enrolment_course(enrolment_id: int) -> Course:
    """The course of the current user's own enrolment ``enrolment_id``, or 404 (as
    ``load_enrolment``, without loading the enrolment)."""
    row = (
        get_session()
        .connection()
        .execute(_ENROLMENT_COURSE, {"enrolment_id": enrolment_id, "user_id": current_user.id})
        .first()
    )
    if row is None:
        abort(404)
    return own_course(row.course_slug)


_SESSION_ENROLMENT = (
    select(LiveSession, Enrolment)
    .join(Enrolment, Enrolment.cohort_id == LiveSession.cohort_id)
    .options(joinedload(Enrolment.cohort).joinedload(Cohort.organisation))
    .where(
        LiveSession.id == bindparam("session_id"),
        Enrolment.user_id == bindparam("user_id"),
        Enrolment.status != EnrolmentStatus.WITHDRAWN,
    )
)


def load_session_enrolment(session_id: int) -> tuple[LiveSession, Enrolment]:
    """A live session of a round the current user takes part in (not withdrawn from),
    with their enrolment in it, or 404."""
    row = (
        get_session()
        .execute(_SESSION_ENROLMENT, {"session_id": session_id, "user_id": current_user.id})
        .first()
    )
    if row is None:
        abort(404)
    return row[0], row[1]


def own_course(course_slug: str) -> Course:
    course = get_course(course_slug)
    if course is None:
        abort(404)
    return course


def load_part(course: Course, part_slug: str) -> Part:
    part = course.part(part_slug)
    if part is None:
        abort(404)
    return part
