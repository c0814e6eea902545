"""organisation language

``organisation.language``: the language of the documents the organisation takes decisions
on (the lägesbild). NULL for existing organisations, which means the language of whoever
downloads one; the downgrade drops the column.

Revision ID: e55affd189a0
Revises: 78c155e22276
Create Date: 2026-12-07 18:05:00
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "e55affd189a0"
down_revision: str | None = "78c155e22276"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    with op.batch_alter_table("organisation", schema=None) as batch_op:
        batch_op.add_column(sa.Column("language", sa.String(length=8), nullable=True))


def downgrade() -> None:
    with op.batch_alter_table("organisation", schema=None) as batch_op:
        batch_op.drop_column("language")
