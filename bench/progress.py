"""How far each participant got, as the rows the progress tables would hold.

A participant is described by the number of lessons read in order; ``participant_progress``
turns that into lessons read, quiz attempts (some after a failed try), assignments (some
drafts) and the ``part_state`` rows the report counts, exactly as the app would have
recorded them step by step.
"""

from __future__ import annotations

import secrets
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from typing import Any

from sqlalchemy.orm import Session

from academy.content import AssignmentField, Course, Part
from academy.models import (
    AssignmentSubmission,
    LessonProgress,
    PartState,
    QuizAttempt,
    SubmissionStatus,
)
from academy.services.progress import PartProgress, part_is_complete
from bench.database import insert_rows


def lesson_count(course: Course) -> int:
    return sum(len(part.lessons) for part in course.parts)


def progress_of_everyone(
    course: Course, positions: list[int], started: datetime, *, draft: Callable[[int, int], bool]
) -> list[tuple[ProgressRows, bool]]:
    """``participant_progress`` of each participant ``n``, who read ``positions[n]`` lessons
    from ``started``: with an assignment draft when ``draft(n, position)``, and a failed quiz
    try before the passed one for every third."""
    return [
        participant_progress(course, position, started, draft=draft(n, position), retry=n % 3 == 1)
        for n, position in enumerate(positions)
    ]


def spread_positions(count: int, total: int) -> list[int]:
    """Lessons read by each of ``count`` people, evenly from none to all ``total``."""
    return [(n * 7) % (total + 1) for n in range(count)]


@dataclass
class ProgressRows:
    """Rows of the progress tables, collected for one bulk insert per table."""

    lessons: list[dict[str, Any]] = field(default_factory=list)
    attempts: list[dict[str, Any]] = field(default_factory=list)
    submissions: list[dict[str, Any]] = field(default_factory=list)
    part_states: list[dict[str, Any]] = field(default_factory=list)

    def tables(self) -> list[tuple[type, list[dict[str, Any]]]]:
        return [
            (LessonProgress, self.lessons),
            (QuizAttempt, self.attempts),
            (AssignmentSubmission, self.submissions),
            (PartState, self.part_states),
        ]

    def extend(self, other: ProgressRows, enrolment_id: int) -> None:
        """Add ``other``'s rows (one participant's, made before the enrolment existed)."""
        for (_model, mine), (_same, theirs) in zip(self.tables(), other.tables(), strict=True):
            mine.extend({**row, "enrolment_id": enrolment_id} for row in theirs)

    def insert(self, session: Session) -> None:
        for model, rows in self.tables():
            insert_rows(session, model, rows)


def participant_progress(
    course: Course, lessons_read: int, started: datetime, *, draft: bool, retry: bool
) -> tuple[ProgressRows, bool]:
    """The progress of a participant who read the first ``lessons_read`` lessons in order.

    A part whose lessons are all read has its quiz passed (after a failed try when
    ``retry``) and its assignment submitted; with ``draft``, the first assignment of the
    course is a draft instead, whether or not its part is read. Returns the rows (without
    ``enrolment_id``) and whether the course is complete.
    """
    rows = ProgressRows()
    when = started
    left = lessons_read
    drafted = False
    complete = True
    for part in course.parts:
        state = PartProgress()
        first_step = when
        for lesson in part.lessons[:left]:
            when += timedelta(hours=3)
            rows.lessons.append(
                {"part_slug": part.slug, "lesson_slug": lesson.slug, "completed_at": when}
            )
            state.lessons_done.add(lesson.slug)
        read = left >= len(part.lessons)
        left = max(0, left - len(part.lessons))
        if read and part.quiz is not None:
            for passed in [False, True] if retry else [True]:
                when += timedelta(minutes=10)
                attempt = quiz_attempt(course, part, when, passed=passed)
                rows.attempts.append(attempt)
                state.attempts += 1
                state.best_score = max(state.best_score or 0, attempt["score"])
                state.max_score = attempt["max_score"]
            state.quiz_passed = True
        if part.assignment is not None and (read or (draft and not drafted)):
            status = SubmissionStatus.DRAFT if draft and not drafted else SubmissionStatus.SUBMITTED
            drafted = drafted or draft
            when += timedelta(hours=1)
            rows.submissions.append(
                {
                    "part_slug": part.slug,
                    "content_version": course.content_version,
                    "answers": {spec.slug: sample_answer(spec) for spec in part.assignment.fields},
                    "status": status,
                    "updated_at": when,
                    "submitted_at": when if status == SubmissionStatus.SUBMITTED else None,
                }
            )
            state.submission_status = status
        completed = part_is_complete(part, state, needs_approval=False)
        complete = complete and completed
        if state.started:
            rows.part_states.append(
                {
                    "part_slug": part.slug,
                    "started_at": first_step,
                    "completed_at": when if completed else None,
                    "lessons_read": len(state.lessons_done),
                    "quiz_best": state.best_score,
                    "quiz_max": state.max_score,
                    "quiz_passed": state.quiz_passed,
                    "quiz_attempts": state.attempts,
                    "assignment_status": state.submission_status,
                }
            )
    return rows, complete


def quiz_attempt(course: Course, part: Part, when: datetime, *, passed: bool) -> dict[str, Any]:
    """An attempt with every answer right, or (not ``passed``) with the first one wrong."""
    quiz = part.quiz
    assert quiz is not None
    answers = {}
    for number, item in enumerate(quiz.items):
        right = passed or number > 0
        answers[item.slug] = next(
            (choice.slug for choice in item.choices if choice.correct == right),
            item.choices[0].slug,
        )
    score = sum(item.choice(answers[item.slug]).correct for item in quiz.items)
    maximum = len(quiz.items)
    return {
        "part_slug": part.slug,
        "content_version": course.content_version,
        "nonce": secrets.token_urlsafe(24),
        "answers": answers,
        "score": score,
        "max_score": maximum,
        "passed": score * 100 >= quiz.pass_mark * maximum,
        "submitted_at": when,
    }


def sample_answer(spec: AssignmentField) -> Any:
    """A plausible answer to an assignment field, within its length limits."""
    if spec.type == "repeat":
        return [{sub.slug: sample_answer(sub) for sub in spec.fields} for _ in range(2)]
    if spec.type == "choice":
        return spec.choices[0].slug if spec.choices else ""
    if spec.type == "textarea":
        text = (
            "People wait for the last bus behind the kiosk, where nobody can see them from the "
            "square. The lamp by the bike stand has been out since October. "
        ) * 3
    else:
        text = "Station square, north side"
    return text[: spec.max_length] if spec.max_length else text
