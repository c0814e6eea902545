"""calendar subscriptions

``calendar_feed``: a person's private calendar subscription (one at most), the random
value its secret address is derived from (``services.calendar_feeds``). No existing data
moves: nobody subscribes until they ask for it on their profile page. The downgrade drops
the table (the addresses stop working).

Revision ID: 85b0d7028eeb
Revises: 553d6a04001e
Create Date: 2026-12-07 21:14:27
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

import academy.models.base

revision: str = "85b0d7028eeb"
down_revision: str | None = "553d6a04001e"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table(
        "calendar_feed",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("user_id", sa.Integer(), nullable=False),
        sa.Column("nonce", sa.String(length=64), nullable=False),
        sa.Column("created_at", academy.models.base.UTCDateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(
            ["user_id"], ["user.id"], name=op.f("fk_calendar_feed_user_id_user")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_calendar_feed")),
        sa.UniqueConstraint("user_id", name=op.f("uq_calendar_feed_user_id")),
    )


def downgrade() -> None:
    op.drop_table("calendar_feed")
