"""A participant's progress through a course: lessons read, quizzes taken, assignments
written, and the completion they add up to.

Completion is recorded in the same transaction as the step that finishes it, and so is
each part's ``PartState`` (what the cohort report reads). Code that must act when a course
is completed (the certificate) registers with ``on_course_completed`` and runs inside
that transaction.
"""

from __future__ import annotations

import random
from collections import defaultdict
from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

from sqlalchemy import Integer, Select, bindparam, func, select, update
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import InstrumentedAttribute, Session

from ..content import Course, Part, Quiz
from ..models import (
    AssignmentSubmission,
    Cohort,
    Enrolment,
    EnrolmentStatus,
    LessonProgress,
    PartState,
    QuizAttempt,
    SubmissionStatus,
    utcnow,
)
from . import audit, completion, places


class ProgressError(ValueError):
    """A submission that does not fit the course (tampered or stale form)."""


@dataclass
class PartProgress:
    lessons_done: set[str] = field(default_factory=set)
    best_score: int | None = None
    max_score: int | None = None
    quiz_passed: bool = False
    attempts: int = 0
    submission_status: SubmissionStatus | None = None
    reviewer_comment: str = ""
    completed: bool = False

    @property
    def started(self) -> bool:
        """Whether any step of the part is recorded."""
        return bool(
            self.lessons_done or self.attempts or self.submission_status or self.completed
        )


@dataclass
class Progress:
    """Everything the pages need about one enrolment, loaded in a fixed number of queries."""

    parts: dict[str, PartProgress] = field(default_factory=lambda: defaultdict(PartProgress))
    sessions_attended: int = 0

    def part(self, slug: str) -> PartProgress:
        return self.parts[slug]


def load_progress(session: Session, enrolment_ids: Iterable[int]) -> dict[int, Progress]:
    """Progress for many enrolments: four queries whatever their number."""
    ids = list(enrolment_ids)
    result: dict[int, Progress] = {enrolment_id: Progress() for enrolment_id in ids}
    if not ids:
        return result
    _read_progress(session, result, _PROGRESS_BY_IDS, {"ids": ids})
    return result


_Scope = Callable[[Select[Any], InstrumentedAttribute[int]], Select[Any]]


def _progress_statements(scope: _Scope) -> tuple[Select[Any], ...]:
    """Lessons read, quiz attempts per part, assignments and completed parts, in the order
    ``_read_progress`` takes them; ``scope`` picks the enrolments."""
    return (
        scope(
            select(
                LessonProgress.enrolment_id, LessonProgress.part_slug, LessonProgress.lesson_slug
            ),
            LessonProgress.enrolment_id,
        ),
        scope(
            select(
                QuizAttempt.enrolment_id,
                QuizAttempt.part_slug,
                func.max(QuizAttempt.score),
                func.max(QuizAttempt.max_score),
                func.max(QuizAttempt.passed.cast(Integer)),
                func.count(),
            ),
            QuizAttempt.enrolment_id,
        ).group_by(QuizAttempt.enrolment_id, QuizAttempt.part_slug),
        # Columns, not objects: the answers themselves (JSON, often long) are not needed here.
        scope(
            select(
                AssignmentSubmission.enrolment_id,
                AssignmentSubmission.part_slug,
                AssignmentSubmission.status,
                AssignmentSubmission.reviewer_comment,
            ),
            AssignmentSubmission.enrolment_id,
        ),
        scope(
            select(PartState.enrolment_id, PartState.part_slug).where(
                PartState.completed_at.is_not(None)
            ),
            PartState.enrolment_id,
        ),
    )


# Built once: constructing the four statements (coercing every column and clause) cost
# several times more than running them on the participant's pages. The list of ids is
# an expanding parameter, so one compiled form serves any number of enrolments.
_PROGRESS_BY_IDS = _progress_statements(
    lambda statement, column: statement.where(column.in_(bindparam("ids", expanding=True)))
)


def _read_progress(
    session: Session,
    result: dict[int, Progress],
    statements: tuple[Select[Any], ...],
    params: dict[str, Any] | None = None,
) -> None:
    lessons, quizzes, assignments, completions = statements
    for enrolment_id, part, lesson in session.execute(lessons, params):
        result[enrolment_id].part(part).lessons_done.add(lesson)
    for enrolment_id, part, best, maximum, passed, attempts in session.execute(quizzes, params):
        progress = result[enrolment_id].part(part)
        progress.best_score, progress.max_score = best, maximum
        progress.quiz_passed, progress.attempts = bool(passed), attempts
    for enrolment_id, part, status, comment in session.execute(assignments, params):
        progress = result[enrolment_id].part(part)
        progress.submission_status = status
        progress.reviewer_comment = comment
    for enrolment_id, part in session.execute(completions, params):
        result[enrolment_id].part(part).completed = True


def lesson_is_done(session: Session, enrolment_id: int, part_slug: str, lesson_slug: str) -> bool:
    return (
        session.scalar(
            select(LessonProgress.id).where(
                LessonProgress.enrolment_id == enrolment_id,
                LessonProgress.part_slug == part_slug,
                LessonProgress.lesson_slug == lesson_slug,
            )
        )
        is not None
    )


def complete_lesson(
    session: Session, enrolment: Enrolment, course: Course, part: Part, lesson_slug: str
) -> None:
    """Mark a lesson as read (idempotent) and record any completion it finishes."""
    if part.lesson(lesson_slug) is None:
        raise ProgressError(f"no lesson {lesson_slug!r} in {part.slug!r}")
    if not lesson_is_done(session, enrolment.id, part.slug, lesson_slug):
        session.add(
            LessonProgress(enrolment_id=enrolment.id, part_slug=part.slug, lesson_slug=lesson_slug)
        )
        session.flush()
    _start(enrolment)
    update_completion(session, enrolment, course)


def _start(enrolment: Enrolment) -> None:
    """The first step of someone who never accepted their invitation (an existing
    account finds the round on its dashboard) joins them to the round."""
    if enrolment.status == EnrolmentStatus.INVITED:
        enrolment.status = EnrolmentStatus.ACTIVE
    if enrolment.accepted_at is None:
        enrolment.accepted_at = utcnow()


def shuffled_choices(quiz: Quiz, nonce: str) -> dict[str, list[str]]:
    """The choice order for one showing of a quiz: reshuffled on every attempt, stable
    for a given form (the nonce seeds it) so a re-shown form keeps its order."""
    rng = random.Random(nonce)  # noqa: S311 - order of answers, not a secret
    order = {}
    for item in quiz.items:
        slugs = [choice.slug for choice in item.choices]
        rng.shuffle(slugs)
        order[item.slug] = slugs
    return order


@dataclass(frozen=True)
class QuizResult:
    attempt: QuizAttempt
    duplicate: bool


def submit_quiz(
    session: Session,
    enrolment: Enrolment,
    course: Course,
    part: Part,
    answers: Mapping[str, str],
    nonce: str,
) -> QuizResult:
    """Score one quiz attempt. Every item must be answered with one of its own choices;
    a repeated nonce (double submit) returns the attempt already recorded."""
    quiz = part.quiz
    if quiz is None:
        raise ProgressError(f"part {part.slug!r} has no quiz")
    earlier = session.scalar(select(QuizAttempt).where(QuizAttempt.nonce == nonce))
    if earlier is not None:
        if earlier.enrolment_id != enrolment.id or earlier.part_slug != part.slug:
            raise ProgressError("that form belongs to another quiz")
        return QuizResult(earlier, duplicate=True)
    if set(answers) != {item.slug for item in quiz.items}:
        raise ProgressError("the answers do not match the quiz items")
    score = 0
    for item in quiz.items:
        choice = item.choice(answers[item.slug])
        if choice is None:
            raise ProgressError(f"{answers[item.slug]!r} is not a choice of {item.slug!r}")
        score += choice.correct
    maximum = len(quiz.items)
    attempt = QuizAttempt(
        enrolment_id=enrolment.id,
        part_slug=part.slug,
        content_version=course.content_version,
        nonce=nonce,
        answers=dict(answers),
        score=score,
        max_score=maximum,
        passed=score * 100 >= quiz.pass_mark * maximum,
    )
    try:
        with session.begin_nested():
            session.add(attempt)
            session.flush()
    except IntegrityError:
        # Two identical submissions raced; the first one counts.
        session.expunge(attempt)
        earlier = session.scalar(select(QuizAttempt).where(QuizAttempt.nonce == nonce))
        if earlier is None:
            raise
        return QuizResult(earlier, duplicate=True)
    _start(enrolment)
    update_completion(session, enrolment, course)
    return QuizResult(attempt, duplicate=False)


def get_submission(
    session: Session, enrolment: Enrolment, part: Part
) -> AssignmentSubmission | None:
    return session.scalar(
        select(AssignmentSubmission).where(
            AssignmentSubmission.enrolment_id == enrolment.id,
            AssignmentSubmission.part_slug == part.slug,
        )
    )


def save_assignment(
    session: Session,
    enrolment: Enrolment,
    course: Course,
    part: Part,
    answers: dict[str, Any],
    *,
    submit: bool,
) -> AssignmentSubmission:
    """Save a draft, or submit (the caller has validated the answers against the form)."""
    submission = get_submission(session, enrolment, part)
    if submission is None:
        submission = AssignmentSubmission(
            enrolment_id=enrolment.id, part_slug=part.slug, content_version=course.content_version
        )
        session.add(submission)
    elif submission.status == SubmissionStatus.APPROVED:
        raise ProgressError("an approved assignment cannot be changed")
    submission.answers = answers
    submission.content_version = course.content_version
    submission.updated_at = utcnow()
    if submit:
        submission.status = SubmissionStatus.SUBMITTED
        submission.submitted_at = utcnow()
    elif submission.status != SubmissionStatus.SUBMITTED:
        submission.status = (
            SubmissionStatus.RETURNED
            if submission.status == SubmissionStatus.RETURNED
            else SubmissionStatus.DRAFT
        )
    session.flush()
    if submit:
        # Safety walks and place audits feed the place's findings (services.places).
        places.record_findings(session, submission, enrolment, part)
    _start(enrolment)
    update_completion(session, enrolment, course)
    return submission


CompletionHook = Callable[[Session, Enrolment, Course], None]
_completion_hooks: list[CompletionHook] = []


def on_course_completed(hook: CompletionHook) -> CompletionHook:
    """Register ``hook(session, enrolment, course)`` to run in the completing transaction."""
    _completion_hooks.append(hook)
    return hook


def part_steps(part: Part, progress: PartProgress) -> tuple[int, int]:
    """(steps done, steps in all) of a part: its lessons, its quiz and its assignment."""
    done = sum(lesson.slug in progress.lessons_done for lesson in part.lessons)
    total = len(part.lessons)
    if part.quiz is not None:
        total += 1
        done += progress.quiz_passed
    if part.assignment is not None:
        total += 1
        done += progress.submission_status in (
            SubmissionStatus.SUBMITTED,
            SubmissionStatus.APPROVED,
        )
    return done, total


def standing(
    course: Course, enrolment: Enrolment, progress: Progress, sessions_attended: int
) -> completion.Standing:
    """Where the enrolment stands towards completion (``services.completion``)."""
    needs_approval = enrolment.cohort.assignments_need_approval
    parts = {}
    for part in course.parts:
        state = progress.part(part.slug)
        parts[part.slug] = completion.part_standing(
            part,
            completed=state.completed,
            lessons_read=sum(lesson.slug in state.lessons_done for lesson in part.lessons),
            quiz_passed=state.quiz_passed,
            assignment_status=state.submission_status,
            needs_approval=needs_approval,
        )
    return completion.standing(
        course, completion.Rules.of(enrolment.cohort), enrolment.status, parts, sessions_attended
    )


def part_is_complete(part: Part, progress: PartProgress, needs_approval: bool) -> bool:
    lessons = all(lesson.slug in progress.lessons_done for lesson in part.lessons)
    quiz = part.quiz is None or progress.quiz_passed
    accepted = (
        {SubmissionStatus.APPROVED}
        if needs_approval
        else {SubmissionStatus.SUBMITTED, SubmissionStatus.APPROVED}
    )
    assignment = part.assignment is None or progress.submission_status in accepted
    return lessons and quiz and assignment


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
        row.part_slug: row
        for row in session.scalars(_PART_STATES, {"enrolment_id": enrolment.id})
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
        row.lessons_read = sum(lesson.slug in state.lessons_done for lesson in part.lessons)
        row.quiz_best, row.quiz_max = state.best_score, state.max_score
        row.quiz_passed, row.quiz_attempts = state.quiz_passed, state.attempts
        row.assignment_status = state.submission_status
    session.flush()


def attended(session: Session, enrolment: Enrolment) -> int:
    """Live sessions of its own round the enrolment attended."""
    return completion.sessions_attended(session, [enrolment.id])[enrolment.id]


@dataclass(frozen=True)
class NextStep:
    kind: str  # "lesson", "quiz", "assignment" or "done"
    part: Part | None = None
    lesson_slug: str | None = None
    lesson_number: int | None = None


def next_step(course: Course, progress: Progress) -> NextStep:
    """The first unfinished step of the course, in order."""
    for part in course.parts:
        state = progress.part(part.slug)
        for number, lesson in enumerate(part.lessons, start=1):
            if lesson.slug not in state.lessons_done:
                return NextStep("lesson", part, lesson.slug, number)
        if part.quiz is not None and not state.quiz_passed:
            return NextStep("quiz", part)
        if part.assignment is not None and state.submission_status not in (
            SubmissionStatus.SUBMITTED,
            SubmissionStatus.APPROVED,
        ):
            return NextStep("assignment", part)
    return NextStep("done")


class ReturnNeedsConfirmation(ProgressError):
    """Returning the assignment of a participant who has completed the course must be
    confirmed: their certificate stands, and the organizer should know it does."""


def review_assignment(
    session: Session,
    submission: AssignmentSubmission,
    enrolment: Enrolment,
    course: Course,
    *,
    approve: bool,
    comment: str,
    reviewer_id: int,
    confirmed_after_completion: bool = False,
) -> None:
    """An organizer approves a submitted assignment, or returns it with a comment for
    revision. A returned assignment no longer completes its part (nor the course) until
    it is submitted again.

    Once the course is completed, the completion and the certificate issued with it
    stand: a return then only asks for a revision (the participant can still submit it
    again), must be confirmed (``ReturnNeedsConfirmation`` otherwise) and is recorded as
    such in the audit log.
    """
    completed = enrolment.status == EnrolmentStatus.COMPLETED
    if not approve and completed and not confirmed_after_completion:
        raise ReturnNeedsConfirmation("the participant has completed the course")
    now = utcnow()
    submission.reviewer_comment = comment.strip()
    submission.reviewed_by_id = reviewer_id
    submission.reviewed_at = now
    if approve:
        submission.status = SubmissionStatus.APPROVED
        session.flush()
        update_completion(session, enrolment, course)
    else:
        submission.status = SubmissionStatus.RETURNED
        values: dict[str, Any] = {"assignment_status": SubmissionStatus.RETURNED}
        if not completed:
            values["completed_at"] = None
        session.execute(
            update(PartState)
            .where(
                PartState.enrolment_id == enrolment.id,
                PartState.part_slug == submission.part_slug,
            )
            .values(**values)
        )
        session.flush()
    details: dict[str, Any] = {"part": submission.part_slug}
    if not approve and completed:
        details["after_completion"] = True
    audit.record(
        session,
        "assignment.approved" if approve else "assignment.returned",
        actor_id=reviewer_id,
        object_type="assignment_submission",
        object_id=submission.id,
        organisation_id=enrolment.cohort.organisation_id,
        **details,
    )
