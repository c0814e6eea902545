"""Recording a participant's steps: lessons read, quizzes taken, assignments written and
reviewed. Each step records the completion it finishes (``completing``)."""

from __future__ import annotations

import random
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

from sqlalchemy import select, update
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from ...content import Course, Part, Quiz
from ...models import (
    AssignmentSubmission,
    Enrolment,
    EnrolmentStatus,
    LessonProgress,
    PartState,
    QuizAttempt,
    SubmissionStatus,
    utcnow,
)
from .. import audit, notifications, places, plans
from .completing import update_completion
from .reading import lesson_is_done


class ProgressError(ValueError):
    """A submission that does not fit the course (tampered or stale form)."""


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
    for item in quiz.draw(nonce):
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
    # The items this form asked: the nonce that drew them came with the form.
    asked = quiz.draw(nonce)
    if set(answers) != {item.slug for item in asked}:
        raise ProgressError("the answers do not match the quiz items")
    score = 0
    for item in asked:
        choice = item.choice(answers[item.slug])
        if choice is None:
            raise ProgressError(f"{answers[item.slug]!r} is not a choice of {item.slug!r}")
        score += choice.correct
    maximum = len(asked)
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
        # Proposed measures feed the place's plans (services.plans.proposals).
        plans.record_proposals(session, submission, enrolment, part)
    _start(enrolment)
    update_completion(session, enrolment, course)
    return submission


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
    part = course.part(submission.part_slug)
    notifications.assignment_reviewed(
        session, submission, enrolment, approved=approve, part_title=part.title if part else {}
    )
    audit.record(
        session,
        "assignment.approved" if approve else "assignment.returned",
        actor_id=reviewer_id,
        object_type="assignment_submission",
        object_id=submission.id,
        organisation_id=enrolment.cohort.organisation_id,
        **details,
    )
