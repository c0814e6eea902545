"""What a participant has done: lessons read, quizzes taken, assignments written.

Lessons, quizzes and assignments are addressed by the stable slugs of the course files,
so a new content version keeps everyone's progress on what did not change.
"""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import JSON, ForeignKey, Index, String, Text, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column

from .base import Base, utcnow
from .types import SubmissionStatus, string_enum


class LessonProgress(Base):
    __tablename__ = "lesson_progress"
    __table_args__ = (UniqueConstraint("enrolment_id", "part_slug", "lesson_slug"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    enrolment_id: Mapped[int] = mapped_column(ForeignKey("enrolment.id"))
    part_slug: Mapped[str] = mapped_column(String(64))
    lesson_slug: Mapped[str] = mapped_column(String(64))
    completed_at: Mapped[datetime] = mapped_column(default=utcnow)

    def __repr__(self) -> str:
        return f"<LessonProgress {self.enrolment_id} {self.part_slug}/{self.lesson_slug}>"


class QuizAttempt(Base):
    __tablename__ = "quiz_attempt"
    __table_args__ = (Index(None, "enrolment_id", "part_slug"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    enrolment_id: Mapped[int] = mapped_column(ForeignKey("enrolment.id"))
    part_slug: Mapped[str] = mapped_column(String(64))
    content_version: Mapped[str] = mapped_column(String(64))
    # One per quiz form shown; unique so that a double submit records one attempt.
    nonce: Mapped[str] = mapped_column(String(64), unique=True)
    answers: Mapped[dict[str, Any]] = mapped_column(JSON, default=dict)
    score: Mapped[int] = mapped_column(default=0)
    max_score: Mapped[int] = mapped_column(default=0)
    passed: Mapped[bool] = mapped_column(default=False)
    submitted_at: Mapped[datetime] = mapped_column(default=utcnow)

    def __repr__(self) -> str:
        return f"<QuizAttempt {self.id} {self.part_slug} {self.score}/{self.max_score}>"


class AssignmentSubmission(Base):
    __tablename__ = "assignment_submission"
    __table_args__ = (UniqueConstraint("enrolment_id", "part_slug"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    enrolment_id: Mapped[int] = mapped_column(ForeignKey("enrolment.id"))
    part_slug: Mapped[str] = mapped_column(String(64))
    content_version: Mapped[str] = mapped_column(String(64))
    answers: Mapped[dict[str, Any]] = mapped_column(JSON, default=dict)
    status: Mapped[SubmissionStatus] = mapped_column(
        string_enum(SubmissionStatus, "submission_status"), default=SubmissionStatus.DRAFT
    )
    updated_at: Mapped[datetime] = mapped_column(default=utcnow)
    submitted_at: Mapped[datetime | None]
    reviewer_comment: Mapped[str] = mapped_column(Text, default="")
    reviewed_by_id: Mapped[int | None] = mapped_column(ForeignKey("user.id"))
    reviewed_at: Mapped[datetime | None]

    def __repr__(self) -> str:
        return f"<AssignmentSubmission {self.id} {self.part_slug} {self.status}>"


class PartState(Base):
    """How far one enrolment got in one part, kept up to date whenever a step of it is
    recorded (``services.progress.update_completion``).

    The step tables above are the record; this row is what the cohort report reads, so
    that counting a round of 2,000 is one GROUP BY on one table instead of probing four
    per person and part. It exists once the part is started (any step recorded) and
    holds ``completed_at`` once the part is completed. ``lessons_read`` counts the
    lessons of the content version current at the last step. ``cohort_id`` repeats the
    enrolment's (``services.cohorts.move`` keeps it so), so that the counts of a whole
    round come from this table's index alone.
    """

    __tablename__ = "part_state"
    __table_args__ = (
        UniqueConstraint("enrolment_id", "part_slug"),
        # Covers the report's per-part counts of a round: no join, no table look-up.
        Index(None, "cohort_id", "part_slug", "completed_at"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    enrolment_id: Mapped[int] = mapped_column(ForeignKey("enrolment.id"))
    cohort_id: Mapped[int] = mapped_column(ForeignKey("cohort.id"))
    part_slug: Mapped[str] = mapped_column(String(64))
    started_at: Mapped[datetime] = mapped_column(default=utcnow)
    completed_at: Mapped[datetime | None]
    lessons_read: Mapped[int] = mapped_column(default=0)
    # None until the first attempt (and for a part without a quiz).
    quiz_best: Mapped[int | None]
    quiz_max: Mapped[int | None]
    quiz_passed: Mapped[bool] = mapped_column(default=False)
    quiz_attempts: Mapped[int] = mapped_column(default=0)
    assignment_status: Mapped[SubmissionStatus | None] = mapped_column(
        string_enum(SubmissionStatus, "submission_status")
    )

    def __repr__(self) -> str:
        done = "completed" if self.completed_at else "started"
        return f"<PartState {self.enrolment_id} {self.part_slug} {done}>"
