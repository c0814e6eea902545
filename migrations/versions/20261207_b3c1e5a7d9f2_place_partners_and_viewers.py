"""place partners and viewers

- ``place_partner``: organisations that share a place with its owner; their organizers
  and viewers read the place's findings, only the owner's organizers change them.
- ``viewer``: people who read an organisation's places and change nothing (a steering
  group). A table of its own, not a role on ``organizer``, so that no organizer check can
  let a viewer write.
- ``invitation.purpose`` gains ``viewer``: viewers are invited as organizers are.

No existing row changes. The downgrade removes the viewer invitations with their table
(the old constraint would refuse them).

Revision ID: b3c1e5a7d9f2
Revises: 6ed0debb6425
Create Date: 2026-12-07 16:00:00
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

import academy.models.base

revision: str = "b3c1e5a7d9f2"
down_revision: str | None = "6ed0debb6425"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

OLD_PURPOSES = ("enrolment", "organizer", "administrator")
NEW_PURPOSES = (*OLD_PURPOSES, "viewer")


def purpose_type(values: tuple[str, ...]) -> sa.Enum:
    return sa.Enum(
        *values, name="invitation_purpose", native_enum=False, create_constraint=True, length=32
    )


def upgrade() -> None:
    op.create_table(
        "viewer",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("organisation_id", sa.Integer(), nullable=False),
        sa.Column("user_id", sa.Integer(), nullable=False),
        sa.Column("created_at", academy.models.base.UTCDateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(
            ["organisation_id"],
            ["organisation.id"],
            name=op.f("fk_viewer_organisation_id_organisation"),
        ),
        sa.ForeignKeyConstraint(["user_id"], ["user.id"], name=op.f("fk_viewer_user_id_user")),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_viewer")),
        sa.UniqueConstraint(
            "organisation_id", "user_id", name=op.f("uq_viewer_organisation_id_user_id")
        ),
    )
    with op.batch_alter_table("viewer", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_viewer_user_id"), ["user_id"], unique=False)

    op.create_table(
        "place_partner",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("place_id", sa.Integer(), nullable=False),
        sa.Column("organisation_id", sa.Integer(), nullable=False),
        sa.Column("added_by_id", sa.Integer(), nullable=True),
        sa.Column("created_at", academy.models.base.UTCDateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(
            ["added_by_id"], ["user.id"], name=op.f("fk_place_partner_added_by_id_user")
        ),
        sa.ForeignKeyConstraint(
            ["organisation_id"],
            ["organisation.id"],
            name=op.f("fk_place_partner_organisation_id_organisation"),
        ),
        sa.ForeignKeyConstraint(
            ["place_id"], ["place.id"], name=op.f("fk_place_partner_place_id_place")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_place_partner")),
        sa.UniqueConstraint(
            "place_id", "organisation_id", name=op.f("uq_place_partner_place_id_organisation_id")
        ),
    )
    with op.batch_alter_table("place_partner", schema=None) as batch_op:
        batch_op.create_index(
            batch_op.f("ix_place_partner_organisation_id"), ["organisation_id"], unique=False
        )

    with op.batch_alter_table("invitation", schema=None) as batch_op:
        batch_op.alter_column(
            "purpose",
            existing_type=purpose_type(OLD_PURPOSES),
            type_=purpose_type(NEW_PURPOSES),
            existing_nullable=False,
        )


def downgrade() -> None:
    invitation = sa.table("invitation", sa.column("purpose", sa.String))
    op.execute(invitation.delete().where(invitation.c.purpose == "viewer"))
    with op.batch_alter_table("invitation", schema=None) as batch_op:
        batch_op.alter_column(
            "purpose",
            existing_type=purpose_type(NEW_PURPOSES),
            type_=purpose_type(OLD_PURPOSES),
            existing_nullable=False,
        )
    with op.batch_alter_table("place_partner", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_place_partner_organisation_id"))
    op.drop_table("place_partner")
    with op.batch_alter_table("viewer", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_viewer_user_id"))
    op.drop_table("viewer")
