"""Recording completion: each part's ``PartState`` and, when everything is done, the course.

Completion is recorded in the same transaction as the step that finishes it. Code that
must act when a course is completed (the certificate) registers with
``on_course_completed`` and runs inside that transaction.
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import datetime

from sqlalchemy import bindparam, select
from sqlalchemy.orm import Session

from ...content import Course
from ...models import Cohort, Enrolment, EnrolmentStatus, PartState, utcnow
from .. import completion
from .reading import Progress, attended, load_progress, part_is_complete

CompletionHook = Callable[[Session, Enrolment, Course], None]
_completion_hooks: list[CompletionHook] = []


def on_course_completed(hook: CompletionHook) -> CompletionHook:
    """Register ``hook(session, enrolment, course)`` to run in the completing transaction."""
    _completion_hooks.append(hook)
    return hook


def update_completion(session: Session, enrolment: Enrolment, course: Course) -> None:
    """Bring the enrolment's part states up to date with its steps, recording newly
    completed parts and, when everything is done, the course."""
    progress = load_progress(session, [enrolment.id])[enrolment.id]
    cohort = enrolment.cohort
    now = utcnow()
    _record_part_states(session, enrolment, course, progress, cohort.assignments_need_approval, now)
    if enrolment.status == EnrolmentStatus.COMPLETED:
        return
    if not all(progress.part(part.slug).completed for part in course.parts):
        return
    if cohort.attendance_required and attended(session, enrolment) < cohort.required_sessions:
        return
    enrolment.status = EnrolmentStatus.COMPLETED
    enrolment.completed_at = now
    session.flush()
    for hook in _completion_hooks:
        hook(session, enrolment, course)


def recheck_completions(
    session: Session, cohort: Cohort, course: Course, *, approval_changed: bool = False
) -> int:
    """Record the completions that attendance or a change of the round's settings made
    due (``completion.ready_to_complete`` finds the few that may be); returns how many."""
    ids = completion.ready_to_complete(session, cohort, course, approval_changed=approval_changed)
    completed = 0
    for enrolment in session.scalars(select(Enrolment).where(Enrolment.id.in_(ids))):
        update_completion(session, enrolment, course)
        completed += enrolment.status == EnrolmentStatus.COMPLETED
    return completed


_PART_STATES = select(PartState).where(PartState.enrolment_id == bindparam("enrolment_id"))


def _record_part_states(
    session: Session,
    enrolment: Enrolment,
    course: Course,
    progress: Progress,
    needs_approval: bool,
    now: datetime,
) -> None:
    """One ``PartState`` per started part of the course, matching ``progress``; a part
    once completed stays completed (a new content version does not take it back; only a
    returned assignment does, see ``review_assignment``)."""
    rows = {
        row.part_slug: row for row in session.scalars(_PART_STATES, {"enrolment_id": enrolment.id})
    }
    for part in course.parts:
        state = progress.parts.get(part.slug)
        if state is None or not state.started:
            continue
        if not state.completed and part_is_complete(part, state, needs_approval):
            state.completed = True
        row = rows.get(part.slug)
        if row is None:
            row = PartState(
                enrolment_id=enrolment.id,
                cohort_id=enrolment.cohort_id,
                part_slug=part.slug,
                started_at=now,
            )
            session.add(row)
        if state.completed and row.completed_at is None:
            row.completed_at = now
        row.lessons_read = state.lessons_read(part)
        row.quiz_best, row.quiz_max = state.best_score, state.max_score
        row.quiz_passed, row.quiz_attempts = state.quiz_passed, state.attempts
        row.assignment_status = state.submission_status
    session.flush()
