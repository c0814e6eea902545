"""Where an enrolment stands towards completing its course, and what is still missing.

One answer for every page that tells it: the participant's dashboard and course page and
the organizer's report all ask ``standing``, so that none of them says "completed" while
another says what is missing. The course is completed only when the enrolment's status
says so (``progress.update_completion`` records it, with the certificate); before that,
``Standing`` names what stands in the way, in the order a participant meets it: steps of
the course, then an organizer's approval of submitted assignments, then live sessions.
"""

from __future__ import annotations

import enum
from collections.abc import Iterable, Mapping
from dataclasses import dataclass

from sqlalchemy import bindparam, func, select
from sqlalchemy.orm import Session

from ..content import Course, Part
from ..models import (
    Attendance,
    Cohort,
    Enrolment,
    EnrolmentStatus,
    LiveSession,
    PartState,
    SubmissionStatus,
)


class Stage(enum.StrEnum):
    COMPLETED = "completed"
    STEPS = "steps"  # lessons, quizzes or assignments are left to do
    APPROVAL = "approval"  # every step is done; submitted assignments await approval
    ATTENDANCE = "attendance"  # every step is done; live sessions are left to attend
    # Every requirement is met and the completion is about to be recorded (a setting of
    # the round was just changed, say); never shown as completed until it is.
    RECORDING = "recording"


@dataclass(frozen=True, slots=True)
class Rules:
    """What a round asks, besides the steps of the course, to complete it."""

    attendance_required: bool = False
    required_sessions: int = 0
    assignments_need_approval: bool = False

    @classmethod
    def of(cls, cohort: Cohort) -> Rules:
        return cls(
            attendance_required=cohort.attendance_required,
            required_sessions=cohort.required_sessions,
            assignments_need_approval=cohort.assignments_need_approval,
        )


@dataclass(frozen=True, slots=True)
class PartStanding:
    """One part: completed, or everything done but the organizer's approval."""

    completed: bool
    awaiting_approval: bool = False


@dataclass(frozen=True, slots=True)
class Standing:
    stage: Stage
    parts_left: int  # parts not completed, those awaiting approval included
    awaiting_approval: tuple[str, ...]  # slugs of the parts whose approval is missing
    sessions_missing: int  # live sessions still to attend; 0 when none are required

    @property
    def completed(self) -> bool:
        return self.stage is Stage.COMPLETED


def standing(
    course: Course,
    rules: Rules,
    status: EnrolmentStatus,
    parts: Mapping[str, PartStanding],
    sessions_attended: int,
) -> Standing:
    """Where an enrolment with ``status`` in a round with ``rules`` stands, given its
    ``parts`` (by slug; a part missing from the mapping is not started) and the live
    sessions of the round it attended."""
    left = [part.slug for part in course.parts if not _part(parts, part).completed]
    waiting = tuple(slug for slug in left if _part(parts, slug).awaiting_approval)
    missing = (
        max(rules.required_sessions - sessions_attended, 0) if rules.attendance_required else 0
    )
    if status == EnrolmentStatus.COMPLETED:
        stage = Stage.COMPLETED
    elif len(left) > len(waiting):
        stage = Stage.STEPS
    elif waiting:
        stage = Stage.APPROVAL
    elif missing:
        stage = Stage.ATTENDANCE
    else:
        stage = Stage.RECORDING
    return Standing(stage, len(left), waiting, missing)


def _part(parts: Mapping[str, PartStanding], part: Part | str) -> PartStanding:
    return parts.get(part if isinstance(part, str) else part.slug, _NOT_STARTED)


_NOT_STARTED = PartStanding(completed=False)


def part_standing(
    part: Part,
    *,
    completed: bool,
    lessons_read: int,
    quiz_passed: bool,
    assignment_status: SubmissionStatus | None,
    needs_approval: bool,
) -> PartStanding:
    """A part's standing from its figures: awaiting approval when the round wants
    approved assignments and every step is done, the assignment submitted."""
    awaiting = (
        needs_approval
        and not completed
        and part.assignment is not None
        and assignment_status == SubmissionStatus.SUBMITTED
        and lessons_read >= len(part.lessons)
        and (part.quiz is None or quiz_passed)
    )
    return PartStanding(completed=completed, awaiting_approval=awaiting)


# --- attendance -----------------------------------------------------------------------------

_ATTENDED = (
    select(Attendance.enrolment_id, func.count())
    .join(LiveSession, LiveSession.id == Attendance.live_session_id)
    .join(Enrolment, Enrolment.id == Attendance.enrolment_id)
    .where(
        Attendance.enrolment_id.in_(bindparam("ids", expanding=True)),
        Attendance.present.is_(True),
        # Only the sessions of the enrolment's own round count (as in the report).
        LiveSession.cohort_id == Enrolment.cohort_id,
    )
    .group_by(Attendance.enrolment_id)
)


def sessions_attended(session: Session, enrolment_ids: Iterable[int]) -> dict[int, int]:
    """Live sessions of their own round each enrolment attended, in one query."""
    ids = list(enrolment_ids)
    counts = dict.fromkeys(ids, 0)
    if ids:
        counts.update((row[0], row[1]) for row in session.execute(_ATTENDED, {"ids": ids}))
    return counts


# --- completions waiting for attendance or a setting ----------------------------------------


def _candidates(completed_parts: bool):
    criteria = [
        PartState.cohort_id == bindparam("cohort_id"),
        PartState.part_slug.in_(bindparam("slugs", expanding=True)),
        Enrolment.status.in_([EnrolmentStatus.INVITED, EnrolmentStatus.ACTIVE]),
    ]
    if completed_parts:
        criteria.append(PartState.completed_at.is_not(None))
    return (
        select(PartState.enrolment_id)
        .join(Enrolment, Enrolment.id == PartState.enrolment_id)
        .where(*criteria)
        .group_by(PartState.enrolment_id)
        .having(func.count() == bindparam("parts"))
    )


_PARTS_COMPLETED = _candidates(completed_parts=True)
_PARTS_STARTED = _candidates(completed_parts=False)


def ready_to_complete(
    session: Session, cohort: Cohort, course: Course, *, approval_changed: bool = False
) -> list[int]:
    """Enrolments of ``cohort`` not yet completed whose completion attendance or a change
    of the round's settings may record: those with every part completed, or (when the
    approval rule changed, which decides whether a part is complete) every part started."""
    return list(
        session.scalars(
            _PARTS_STARTED if approval_changed else _PARTS_COMPLETED,
            {
                "cohort_id": cohort.id,
                "slugs": [part.slug for part in course.parts],
                "parts": len(course.parts),
            },
        )
    )
