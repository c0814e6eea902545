from __future__ import annotations

from datetime import datetime

from sqlalchemy import ForeignKey, String
from sqlalchemy.orm import Mapped, mapped_column

from .base import Base, utcnow


class CalendarFeed(Base):
    """A person's private calendar subscription (``services.calendar_feeds``): the live
    sessions of the rounds they take part in and organise, at an address with a secret
    in it. The secret is not stored: it is an HMAC of the application's secret key, the
    row's id and ``nonce``; a new address draws a new nonce (the old one stops working),
    turning the subscription off deletes the row."""

    __tablename__ = "calendar_feed"

    id: Mapped[int] = mapped_column(primary_key=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("user.id"), unique=True)
    nonce: Mapped[str] = mapped_column(String(64))
    created_at: Mapped[datetime] = mapped_column(default=utcnow)

    def __repr__(self) -> str:
        return f"<CalendarFeed {self.id} user={self.user_id}>"
