from __future__ import annotations

from datetime import datetime

from sqlalchemy import ForeignKey, String
from sqlalchemy.orm import Mapped, mapped_column, relationship

from .base import Base, utcnow
from .cohort import Enrolment
from .mail import OutboxMail
from .organisation import Organisation
from .types import InvitationPurpose, string_enum


class Invitation(Base):
    """A single-use link that lets someone join: a cohort, an organisation, or as admin.

    Only a SHA-256 of the token is stored; the token itself lives in the mail or the
    printed link. Re-sending replaces the row's hash, so an older link stops working.
    """

    __tablename__ = "invitation"

    id: Mapped[int] = mapped_column(primary_key=True)
    token_hash: Mapped[str] = mapped_column(String(64), unique=True)
    purpose: Mapped[InvitationPurpose] = mapped_column(
        string_enum(InvitationPurpose, "invitation_purpose")
    )
    email: Mapped[str] = mapped_column(String(254), default="")
    locale: Mapped[str] = mapped_column(String(8), default="en")
    enrolment_id: Mapped[int | None] = mapped_column(ForeignKey("enrolment.id"), index=True)
    organisation_id: Mapped[int | None] = mapped_column(ForeignKey("organisation.id"), index=True)
    created_by_id: Mapped[int | None] = mapped_column(ForeignKey("user.id"))
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    expires_at: Mapped[datetime]
    sent_at: Mapped[datetime | None]
    accepted_at: Mapped[datetime | None]
    bounced_at: Mapped[datetime | None]
    # The newest mail that carried the link: the organizer's "queued / sent / bounced"
    # is that mail's state in the outbox, not the moment it was queued.
    mail_id: Mapped[int | None] = mapped_column(
        ForeignKey("outbox_mail.id", ondelete="SET NULL"), index=True
    )
    # Set when a re-send rotates the token, so an old link can say it was replaced.
    previous_token_hash: Mapped[str | None] = mapped_column(String(64), index=True)

    enrolment: Mapped[Enrolment | None] = relationship()
    organisation: Mapped[Organisation | None] = relationship()
    mail: Mapped[OutboxMail | None] = relationship()

    def __repr__(self) -> str:
        return f"<Invitation {self.id} {self.purpose}>"
