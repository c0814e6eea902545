from __future__ import annotations

from datetime import datetime

from sqlalchemy import Index, String, Text
from sqlalchemy.orm import Mapped, mapped_column

from .base import Base, utcnow
from .types import MailStatus, string_enum


class OutboxMail(Base):
    """A mail written in the same transaction as the change that causes it.

    `flask mail send` delivers queued rows; a worker claims a row by moving
    ``claimed_until`` forward in a conditional UPDATE, so two workers never send it twice.
    """

    __tablename__ = "outbox_mail"
    __table_args__ = (Index(None, "status", "next_attempt_at"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    to_address: Mapped[str] = mapped_column(String(254), index=True)
    # The template it was written from (invitation, password_reset, ...): what the
    # administrator's outbox filters by. Empty for mails queued before it was kept.
    kind: Mapped[str] = mapped_column(String(64), default="", index=True)
    subject: Mapped[str] = mapped_column(String(300))
    body_text: Mapped[str] = mapped_column(Text)
    # An HTML alternative of body_text, made by Academy (never HTML a user wrote: see
    # ``academy.text.text_html``); empty for a plain-text mail.
    body_html: Mapped[str] = mapped_column(Text, default="")
    status: Mapped[MailStatus] = mapped_column(
        string_enum(MailStatus, "mail_status"), default=MailStatus.QUEUED
    )
    attempts: Mapped[int] = mapped_column(default=0)
    next_attempt_at: Mapped[datetime] = mapped_column(default=utcnow)
    claimed_until: Mapped[datetime | None]
    claim_token: Mapped[str | None] = mapped_column(String(32))
    last_error: Mapped[str] = mapped_column(Text, default="")
    created_at: Mapped[datetime] = mapped_column(default=utcnow, index=True)
    sent_at: Mapped[datetime | None]

    def __repr__(self) -> str:
        return f"<OutboxMail {self.id} {self.status} to={self.to_address!r}>"
