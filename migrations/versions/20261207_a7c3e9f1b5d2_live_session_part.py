"""live session part

``live_session.part_slug``: the part of the course a live session discusses, so that the
participants' dashboard can say "before the session on 12 March: finish part 2". NULL for
existing sessions (tied to no part); the downgrade drops the column.

Revision ID: a7c3e9f1b5d2
Revises: cafb74963954
Create Date: 2026-12-07 18:45:00
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "a7c3e9f1b5d2"
down_revision: str | None = "cafb74963954"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    with op.batch_alter_table("live_session", schema=None) as batch_op:
        batch_op.add_column(sa.Column("part_slug", sa.String(length=64), nullable=True))


def downgrade() -> None:
    with op.batch_alter_table("live_session", schema=None) as batch_op:
        batch_op.drop_column("part_slug")
