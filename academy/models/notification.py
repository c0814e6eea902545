from __future__ import annotations

from datetime import datetime

from sqlalchemy import ForeignKey, String, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column

from .base import Base, utcnow


class Notification(Base):
    """A notification mailed to a person (an assignment returned, a certificate issued, a
    live session moved...), recorded so that it is never sent twice: ``about`` names the
    event (``submission:12:<submitted at>``, ``live-session:3:2`` for its second change),
    and a retry or a double request finds the row and sends nothing. The subject is kept
    for the person's data export."""

    __tablename__ = "notification"
    __table_args__ = (UniqueConstraint("user_id", "kind", "about"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("user.id"))
    kind: Mapped[str] = mapped_column(String(32))
    about: Mapped[str] = mapped_column(String(100))
    subject: Mapped[str] = mapped_column(String(300), default="")
    sent_at: Mapped[datetime] = mapped_column(default=utcnow)

    def __repr__(self) -> str:
        return f"<Notification {self.kind} {self.about} user={self.user_id}>"


class NotificationOptOut(Base):
    """A kind of notification a person has turned off (only the optional kinds can be;
    ``services.notifications.OPTIONAL``). No row means the mail is sent."""

    __tablename__ = "notification_opt_out"

    user_id: Mapped[int] = mapped_column(ForeignKey("user.id"), primary_key=True)
    kind: Mapped[str] = mapped_column(String(32), primary_key=True)
    turned_off_at: Mapped[datetime] = mapped_column(default=utcnow)
