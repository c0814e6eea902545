"""part states kept per enrolment for the report

Replaces part_completion with part_state: one row per started part of an enrolment, with
its completion and the figures the cohort report shows, so that the report counts one
table instead of four; and indexes the report's counts per role and status. Existing progress is carried over; lessons_read counts the lessons
recorded (the course files are not read here), and is recounted against the course at
the participant's next step.

Revision ID: f97714f358f7
Revises: 341e0cc0f21d
Create Date: 2026-11-23 13:23:06.761560
"""

from collections.abc import Sequence
from datetime import UTC, datetime
from typing import Any

import sqlalchemy as sa
from alembic import op

import academy.models.base


revision: str = "f97714f358f7"
down_revision: str | None = "341e0cc0f21d"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

_when = academy.models.base.UTCDateTime(timezone=True)
_status = sa.Enum(
    "draft",
    "submitted",
    "returned",
    "approved",
    name="submission_status",
    native_enum=False,
    create_constraint=True,
    length=32,
)

lesson_progress = sa.table(
    "lesson_progress",
    sa.column("enrolment_id", sa.Integer),
    sa.column("part_slug", sa.String),
    sa.column("completed_at", _when),
)
quiz_attempt = sa.table(
    "quiz_attempt",
    sa.column("enrolment_id", sa.Integer),
    sa.column("part_slug", sa.String),
    sa.column("score", sa.Integer),
    sa.column("max_score", sa.Integer),
    sa.column("passed", sa.Boolean),
    sa.column("submitted_at", _when),
)
assignment_submission = sa.table(
    "assignment_submission",
    sa.column("enrolment_id", sa.Integer),
    sa.column("part_slug", sa.String),
    sa.column("status", sa.String),
    sa.column("updated_at", _when),
)
enrolment = sa.table(
    "enrolment",
    sa.column("id", sa.Integer),
    sa.column("cohort_id", sa.Integer),
)
part_completion = sa.table(
    "part_completion",
    sa.column("id", sa.Integer),
    sa.column("enrolment_id", sa.Integer),
    sa.column("part_slug", sa.String),
    sa.column("completed_at", _when),
)


def upgrade() -> None:
    part_state = op.create_table(
        "part_state",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("enrolment_id", sa.Integer(), nullable=False),
        sa.Column("cohort_id", sa.Integer(), nullable=False),
        sa.Column("part_slug", sa.String(length=64), nullable=False),
        sa.Column("started_at", _when, nullable=False),
        sa.Column("completed_at", _when, nullable=True),
        sa.Column("lessons_read", sa.Integer(), nullable=False),
        sa.Column("quiz_best", sa.Integer(), nullable=True),
        sa.Column("quiz_max", sa.Integer(), nullable=True),
        sa.Column("quiz_passed", sa.Boolean(), nullable=False),
        sa.Column("quiz_attempts", sa.Integer(), nullable=False),
        sa.Column("assignment_status", _status, nullable=True),
        sa.ForeignKeyConstraint(
            ["cohort_id"], ["cohort.id"], name=op.f("fk_part_state_cohort_id_cohort")
        ),
        sa.ForeignKeyConstraint(
            ["enrolment_id"], ["enrolment.id"], name=op.f("fk_part_state_enrolment_id_enrolment")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_part_state")),
        sa.UniqueConstraint(
            "enrolment_id", "part_slug", name=op.f("uq_part_state_enrolment_id_part_slug")
        ),
    )
    with op.batch_alter_table("part_state", schema=None) as batch_op:
        batch_op.create_index(
            batch_op.f("ix_part_state_cohort_id_part_slug_completed_at"),
            ["cohort_id", "part_slug", "completed_at"],
            unique=False,
        )
    with op.batch_alter_table("enrolment", schema=None) as batch_op:
        batch_op.create_index(
            batch_op.f("ix_enrolment_cohort_id_role_status"),
            ["cohort_id", "role", "status"],
            unique=False,
        )
    rows = _carried_over(op.get_bind())
    if rows:
        op.bulk_insert(part_state, rows)
    op.drop_table("part_completion")


def _carried_over(connection: sa.Connection) -> list[dict[str, Any]]:
    """A part_state row for every (enrolment, part) with any step recorded."""
    states: dict[tuple[int, str], dict[str, Any]] = {}

    def state(enrolment_id: int, part_slug: str, when: datetime | None) -> dict[str, Any]:
        row = states.setdefault(
            (enrolment_id, part_slug),
            {
                "enrolment_id": enrolment_id,
                "cohort_id": None,
                "part_slug": part_slug,
                "started_at": None,
                "completed_at": None,
                "lessons_read": 0,
                "quiz_best": None,
                "quiz_max": None,
                "quiz_passed": False,
                "quiz_attempts": 0,
                "assignment_status": None,
            },
        )
        if when is not None and (row["started_at"] is None or when < row["started_at"]):
            row["started_at"] = when
        return row

    lessons = sa.select(
        lesson_progress.c.enrolment_id,
        lesson_progress.c.part_slug,
        sa.func.count(),
        sa.func.min(lesson_progress.c.completed_at, type_=_when),
    ).group_by(lesson_progress.c.enrolment_id, lesson_progress.c.part_slug)
    for enrolment_id, part_slug, count, first in connection.execute(lessons):
        state(enrolment_id, part_slug, first)["lessons_read"] = count
    quizzes = sa.select(
        quiz_attempt.c.enrolment_id,
        quiz_attempt.c.part_slug,
        sa.func.max(quiz_attempt.c.score),
        sa.func.max(quiz_attempt.c.max_score),
        sa.func.max(sa.cast(quiz_attempt.c.passed, sa.Integer)),
        sa.func.count(),
        sa.func.min(quiz_attempt.c.submitted_at, type_=_when),
    ).group_by(quiz_attempt.c.enrolment_id, quiz_attempt.c.part_slug)
    for enrolment_id, part_slug, best, maximum, passed, count, first in connection.execute(quizzes):
        row = state(enrolment_id, part_slug, first)
        row.update(quiz_best=best, quiz_max=maximum, quiz_passed=bool(passed), quiz_attempts=count)
    assignments = sa.select(
        assignment_submission.c.enrolment_id,
        assignment_submission.c.part_slug,
        assignment_submission.c.status,
        assignment_submission.c.updated_at,
    )
    for enrolment_id, part_slug, status, updated_at in connection.execute(assignments):
        state(enrolment_id, part_slug, updated_at)["assignment_status"] = status
    completions = sa.select(
        part_completion.c.enrolment_id,
        part_completion.c.part_slug,
        part_completion.c.completed_at,
    )
    for enrolment_id, part_slug, completed_at in connection.execute(completions):
        state(enrolment_id, part_slug, completed_at)["completed_at"] = completed_at
    cohorts = dict(connection.execute(sa.select(enrolment.c.id, enrolment.c.cohort_id)).all())
    now = datetime.now(UTC)
    for row in states.values():
        row["started_at"] = row["started_at"] or now
        row["cohort_id"] = cohorts[row["enrolment_id"]]
    return list(states.values())


def downgrade() -> None:
    op.create_table(
        "part_completion",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("enrolment_id", sa.Integer(), nullable=False),
        sa.Column("part_slug", sa.String(length=64), nullable=False),
        sa.Column("completed_at", _when, nullable=False),
        sa.ForeignKeyConstraint(
            ["enrolment_id"],
            ["enrolment.id"],
            name=op.f("fk_part_completion_enrolment_id_enrolment"),
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_part_completion")),
        sa.UniqueConstraint(
            "enrolment_id", "part_slug", name=op.f("uq_part_completion_enrolment_id_part_slug")
        ),
    )
    part_state = sa.table(
        "part_state",
        sa.column("enrolment_id", sa.Integer),
        sa.column("part_slug", sa.String),
        sa.column("completed_at", _when),
    )
    op.execute(
        part_completion.insert().from_select(
            ["enrolment_id", "part_slug", "completed_at"],
            sa.select(
                part_state.c.enrolment_id, part_state.c.part_slug, part_state.c.completed_at
            ).where(part_state.c.completed_at.is_not(None)),
        )
    )
    with op.batch_alter_table("enrolment", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_enrolment_cohort_id_role_status"))
    with op.batch_alter_table("part_state", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_part_state_cohort_id_part_slug_completed_at"))
    op.drop_table("part_state")
