from __future__ import annotations

from datetime import date, datetime

from sqlalchemy import ForeignKey, String, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column

from .base import Base, utcnow


class Reminder(Base):
    """A reminder mailed to a participant; unique so that a daily cron never sends the
    same reminder twice (a changed deadline is a new reminder)."""

    __tablename__ = "reminder"
    __table_args__ = (UniqueConstraint("enrolment_id", "kind", "deadline"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    enrolment_id: Mapped[int] = mapped_column(ForeignKey("enrolment.id"))
    kind: Mapped[str] = mapped_column(String(32))
    deadline: Mapped[date]
    sent_at: Mapped[datetime] = mapped_column(default=utcnow)

    def __repr__(self) -> str:
        return f"<Reminder {self.kind} enrolment={self.enrolment_id}>"
