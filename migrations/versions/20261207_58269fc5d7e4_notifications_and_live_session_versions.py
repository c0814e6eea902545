"""notifications and live session versions

``notification``: every notification mailed to a person (an assignment returned or
approved, a certificate issued, a live session added, moved or cancelled, a welcome),
unique per person, kind and event so that none is sent twice; ``notification_opt_out``:
the optional kinds a person has turned off. ``live_session`` gains what calendars need to
update an event rather than add a copy: ``sequence`` (0 for existing sessions),
``changed_at`` (their ``created_at``) and ``cancelled_at`` (cancelled sessions are kept).
The downgrade drops them.

Revision ID: 58269fc5d7e4
Revises: ce0575983c43
Create Date: 2026-12-07 18:35:10
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

import academy.models.base

revision: str = "58269fc5d7e4"
down_revision: str | None = "ce0575983c43"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table(
        "notification",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("user_id", sa.Integer(), nullable=False),
        sa.Column("kind", sa.String(length=32), nullable=False),
        sa.Column("about", sa.String(length=100), nullable=False),
        sa.Column("subject", sa.String(length=300), nullable=False),
        sa.Column("sent_at", academy.models.base.UTCDateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(
            ["user_id"], ["user.id"], name=op.f("fk_notification_user_id_user")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_notification")),
        sa.UniqueConstraint(
            "user_id", "kind", "about", name=op.f("uq_notification_user_id_kind_about")
        ),
    )
    op.create_table(
        "notification_opt_out",
        sa.Column("user_id", sa.Integer(), nullable=False),
        sa.Column("kind", sa.String(length=32), nullable=False),
        sa.Column("turned_off_at", academy.models.base.UTCDateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(
            ["user_id"], ["user.id"], name=op.f("fk_notification_opt_out_user_id_user")
        ),
        sa.PrimaryKeyConstraint("user_id", "kind", name=op.f("pk_notification_opt_out")),
    )
    with op.batch_alter_table("live_session", schema=None) as batch_op:
        batch_op.add_column(sa.Column("sequence", sa.Integer(), server_default="0", nullable=False))
        batch_op.add_column(
            sa.Column("changed_at", academy.models.base.UTCDateTime(timezone=True), nullable=True)
        )
        batch_op.add_column(
            sa.Column("cancelled_at", academy.models.base.UTCDateTime(timezone=True), nullable=True)
        )
    # An existing session has not changed since it was made.
    op.execute("UPDATE live_session SET changed_at = created_at")
    with op.batch_alter_table("live_session", schema=None) as batch_op:
        batch_op.alter_column(
            "changed_at",
            existing_type=academy.models.base.UTCDateTime(timezone=True),
            nullable=False,
        )


def downgrade() -> None:
    with op.batch_alter_table("live_session", schema=None) as batch_op:
        batch_op.drop_column("cancelled_at")
        batch_op.drop_column("changed_at")
        batch_op.drop_column("sequence")
    op.drop_table("notification_opt_out")
    op.drop_table("notification")
