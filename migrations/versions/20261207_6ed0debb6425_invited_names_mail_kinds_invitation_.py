"""invited names, mail kinds, invitation mails

- ``enrolment.invited_name``: the name the organizer or the spreadsheet gave, shown to
  organizers until the person joins the round (an existing account's own name is not
  theirs to see before that). Existing enrolments get their account's name, which is
  what organizers saw until now.
- ``outbox_mail.kind``: the template a mail was written from, for the outbox's filter.
- ``invitation.mail_id``: the newest mail that carried the link, so that the organizer's
  invitation status is that mail's state. Existing invitations are matched to the newest
  mail to their address queued no later than they were sent, and those mails get their
  kind.

Revision ID: 6ed0debb6425
Revises: 58ab37d5d941
Create Date: 2026-12-07 04:57:40.936110
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "6ed0debb6425"
down_revision: str | None = "58ab37d5d941"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

enrolment = sa.table(
    "enrolment",
    sa.column("user_id", sa.Integer),
    sa.column("invited_name", sa.String),
)
user = sa.table("user", sa.column("id", sa.Integer), sa.column("name", sa.String))
invitation = sa.table(
    "invitation",
    sa.column("email", sa.String),
    sa.column("purpose", sa.String),
    sa.column("sent_at", sa.DateTime),
    sa.column("mail_id", sa.Integer),
)
outbox_mail = sa.table(
    "outbox_mail",
    sa.column("id", sa.Integer),
    sa.column("to_address", sa.String),
    sa.column("created_at", sa.DateTime),
    sa.column("kind", sa.String),
)


def upgrade() -> None:
    with op.batch_alter_table("enrolment", schema=None) as batch_op:
        batch_op.add_column(
            sa.Column("invited_name", sa.String(length=200), nullable=False, server_default="")
        )
    with op.batch_alter_table("invitation", schema=None) as batch_op:
        batch_op.add_column(sa.Column("mail_id", sa.Integer(), nullable=True))
        batch_op.create_index(batch_op.f("ix_invitation_mail_id"), ["mail_id"], unique=False)
        batch_op.create_foreign_key(
            batch_op.f("fk_invitation_mail_id_outbox_mail"),
            "outbox_mail",
            ["mail_id"],
            ["id"],
            ondelete="SET NULL",
        )
    with op.batch_alter_table("outbox_mail", schema=None) as batch_op:
        batch_op.add_column(
            sa.Column("kind", sa.String(length=64), nullable=False, server_default="")
        )
        batch_op.create_index(batch_op.f("ix_outbox_mail_kind"), ["kind"], unique=False)

    op.execute(
        enrolment.update().values(
            invited_name=sa.select(user.c.name)
            .where(user.c.id == enrolment.c.user_id)
            .scalar_subquery()
        )
    )
    newest_mail = (
        sa.select(outbox_mail.c.id)
        .where(
            sa.func.lower(outbox_mail.c.to_address) == sa.func.lower(invitation.c.email),
            outbox_mail.c.created_at <= invitation.c.sent_at,
        )
        .order_by(outbox_mail.c.created_at.desc(), outbox_mail.c.id.desc())
        .limit(1)
        .scalar_subquery()
    )
    op.execute(
        invitation.update()
        .where(invitation.c.sent_at.is_not(None), invitation.c.purpose != "administrator")
        .values(mail_id=newest_mail)
    )
    for purpose, kind in (("enrolment", "invitation"), ("organizer", "organizer_invitation")):
        op.execute(
            outbox_mail.update()
            .where(
                outbox_mail.c.id.in_(
                    sa.select(invitation.c.mail_id).where(
                        invitation.c.purpose == purpose, invitation.c.mail_id.is_not(None)
                    )
                )
            )
            .values(kind=kind)
        )

    # The defaults served only the rows already there; the application sets both.
    with op.batch_alter_table("enrolment", schema=None) as batch_op:
        batch_op.alter_column("invited_name", server_default=None)
    with op.batch_alter_table("outbox_mail", schema=None) as batch_op:
        batch_op.alter_column("kind", server_default=None)


def downgrade() -> None:
    with op.batch_alter_table("outbox_mail", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_outbox_mail_kind"))
        batch_op.drop_column("kind")
    with op.batch_alter_table("invitation", schema=None) as batch_op:
        batch_op.drop_constraint(
            batch_op.f("fk_invitation_mail_id_outbox_mail"), type_="foreignkey"
        )
        batch_op.drop_index(batch_op.f("ix_invitation_mail_id"))
        batch_op.drop_column("mail_id")
    with op.batch_alter_table("enrolment", schema=None) as batch_op:
        batch_op.drop_column("invited_name")
