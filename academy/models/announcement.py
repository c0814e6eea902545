"""Announcements: a message an organizer sends to (part of) a round.

The message is kept with its texts per language and the audience it was meant for; each
recipient is a row of its own, unique per announcement and enrolment, so that the same
announcement is never mailed twice to anyone, and so that each participant can dismiss it
from their dashboard.
"""

from __future__ import annotations

import enum
from datetime import datetime

from sqlalchemy import JSON, ForeignKey, Index, String, Text, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column, relationship

from .base import Base, utcnow
from .cohort import Cohort
from .types import AudienceRole, string_enum
from .user import User


class AnnouncementAudience(enum.StrEnum):
    EVERYONE = "everyone"
    ROLE = "role"
    NOT_STARTED = "not_started"
    BEHIND = "behind"


class Announcement(Base):
    __tablename__ = "announcement"
    __table_args__ = (Index(None, "cohort_id", "created_at"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    cohort_id: Mapped[int] = mapped_column(ForeignKey("cohort.id"))
    # None once the sender's account is erased: the announcement stays with the round.
    sent_by_id: Mapped[int | None] = mapped_column(ForeignKey("user.id"), index=True)
    audience: Mapped[AnnouncementAudience] = mapped_column(
        string_enum(AnnouncementAudience, "announcement_audience")
    )
    # The role written to, for the audience "role".
    role: Mapped[AudienceRole | None] = mapped_column(string_enum(AudienceRole, "audience_role"))
    # The main text, which everyone gets unless their language has its own.
    subject: Mapped[str] = mapped_column(String(200))
    body: Mapped[str] = mapped_column(Text)
    # {"sv": {"subject": ..., "body": ...}, ...}: the texts written for one language.
    translations: Mapped[dict[str, dict[str, str]]] = mapped_column(JSON, default=dict)
    recipient_count: Mapped[int] = mapped_column(default=0)
    created_at: Mapped[datetime] = mapped_column(default=utcnow)

    cohort: Mapped[Cohort] = relationship()
    sent_by: Mapped[User | None] = relationship()

    def text(self, language: str) -> tuple[str, str]:
        """The subject and body for a reader of ``language``: its own text where one was
        written, else the main one."""
        own = (self.translations or {}).get(language)
        if own and own.get("subject") and own.get("body"):
            return own["subject"], own["body"]
        return self.subject, self.body

    def __repr__(self) -> str:
        return f"<Announcement {self.id} cohort={self.cohort_id} {self.audience}>"


class AnnouncementRecipient(Base):
    """One person an announcement went to; ``dismissed_at`` once they closed it."""

    __tablename__ = "announcement_recipient"
    __table_args__ = (UniqueConstraint("announcement_id", "enrolment_id"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    announcement_id: Mapped[int] = mapped_column(ForeignKey("announcement.id"))
    enrolment_id: Mapped[int] = mapped_column(ForeignKey("enrolment.id"), index=True)
    # False when the address had bounced: shown on the dashboard, not mailed.
    mailed: Mapped[bool] = mapped_column(default=True)
    dismissed_at: Mapped[datetime | None]

    announcement: Mapped[Announcement] = relationship()

    def __repr__(self) -> str:
        return f"<AnnouncementRecipient {self.announcement_id} enrolment={self.enrolment_id}>"
