from __future__ import annotations

from datetime import date, datetime

from sqlalchemy import ForeignKey, Index, String, UniqueConstraint, text
from sqlalchemy.orm import Mapped, mapped_column, relationship

from .base import Base, utcnow
from .organisation import Organisation, Place
from .types import AudienceRole, EnrolmentStatus, string_enum
from .user import User


class Cohort(Base):
    """One round of a course for an organisation."""

    __tablename__ = "cohort"

    id: Mapped[int] = mapped_column(primary_key=True)
    organisation_id: Mapped[int] = mapped_column(ForeignKey("organisation.id"), index=True)
    course_slug: Mapped[str] = mapped_column(String(64))
    name: Mapped[str] = mapped_column(String(200))
    place_id: Mapped[int | None] = mapped_column(ForeignKey("place.id"), index=True)
    starts_on: Mapped[date | None]
    ends_on: Mapped[date | None]
    deadline: Mapped[date | None]
    attendance_required: Mapped[bool] = mapped_column(default=False)
    # How many live sessions must be attended when attendance is required.
    required_sessions: Mapped[int] = mapped_column(default=0)
    assignments_need_approval: Mapped[bool] = mapped_column(default=False)
    # Ask the evaluation after each part too, not only at the end of the course.
    evaluate_each_part: Mapped[bool] = mapped_column(default=False)
    archived_at: Mapped[datetime | None]
    created_at: Mapped[datetime] = mapped_column(default=utcnow)

    organisation: Mapped[Organisation] = relationship()
    place: Mapped[Place | None] = relationship()

    def __repr__(self) -> str:
        return f"<Cohort {self.id} {self.name!r}>"


class LiveSession(Base):
    """A scheduled meeting of a cohort, in a room or by video."""

    __tablename__ = "live_session"

    id: Mapped[int] = mapped_column(primary_key=True)
    cohort_id: Mapped[int] = mapped_column(ForeignKey("cohort.id"))
    title: Mapped[str] = mapped_column(String(200))
    starts_at: Mapped[datetime]
    ends_at: Mapped[datetime]
    location: Mapped[str] = mapped_column(String(300), default="")
    video_url: Mapped[str] = mapped_column(String(500), default="")
    # The part of the course the session discusses, if any: participants are told to
    # finish it before the session.
    part_slug: Mapped[str | None] = mapped_column(String(64))
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    # For calendars (RFC 5545): SEQUENCE goes up with every change of what a calendar
    # shows (title, time, place, link, cancellation), LAST-MODIFIED is the last of them.
    sequence: Mapped[int] = mapped_column(default=0, server_default="0")
    changed_at: Mapped[datetime] = mapped_column(default=utcnow)
    # A cancelled session is kept (calendars and participants are told), never deleted.
    cancelled_at: Mapped[datetime | None]

    cohort: Mapped[Cohort] = relationship()

    __table_args__ = (Index(None, "cohort_id", "starts_at"),)

    def __repr__(self) -> str:
        return f"<LiveSession {self.id} cohort={self.cohort_id}>"


# The round page lists the withdrawn last; as written here, so that the index on it serves
# the query (a bound value would not match the index's expression).
WITHDRAWN_LAST = "(status = 'withdrawn')"


class Enrolment(Base):
    """A person's place in a cohort, with the role they take the course in."""

    __tablename__ = "enrolment"
    __table_args__ = (
        UniqueConstraint("cohort_id", "user_id"),
        # Covers the cohort report's counts per role and status.
        Index(None, "cohort_id", "role", "status"),
        # The report's order and the round page's (withdrawn last): a page read from the
        # index, in order (services.enrolments.shown_name_order, services.roster._order).
        Index(None, "cohort_id", "sort_name", "id"),
        Index("ix_enrolment_roster_order", "cohort_id", text(WITHDRAWN_LAST), "sort_name", "id"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    cohort_id: Mapped[int] = mapped_column(ForeignKey("cohort.id"))
    user_id: Mapped[int] = mapped_column(ForeignKey("user.id"), index=True)
    role: Mapped[AudienceRole] = mapped_column(string_enum(AudienceRole, "audience_role"))
    employer: Mapped[str] = mapped_column(String(200), default="")
    # The name the organizer (or the spreadsheet) gave. Organizers see it until the
    # person joins the round: an existing account's own name is theirs to show only to
    # the rounds they have joined (see ``services.enrolments.shown_name``).
    invited_name: Mapped[str] = mapped_column(String(200), default="")
    place_id: Mapped[int | None] = mapped_column(ForeignKey("place.id"), index=True)
    status: Mapped[EnrolmentStatus] = mapped_column(
        string_enum(EnrolmentStatus, "enrolment_status"), default=EnrolmentStatus.INVITED
    )
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    accepted_at: Mapped[datetime | None]
    completed_at: Mapped[datetime | None]
    withdrawn_at: Mapped[datetime | None]
    # The name organizers see, in lower case, for the order of lists: kept by the
    # database's triggers (models/sort_names.py), never written by the application.
    sort_name: Mapped[str] = mapped_column(
        String().with_variant(String(collation="C"), "postgresql"),
        default="",
        server_default="",
    )

    cohort: Mapped[Cohort] = relationship()
    user: Mapped[User] = relationship()
    place: Mapped[Place | None] = relationship()

    def __repr__(self) -> str:
        return f"<Enrolment {self.id} cohort={self.cohort_id} user={self.user_id}>"


class Attendance(Base):
    """Whether an enrolled person was at a live session."""

    __tablename__ = "attendance"
    __table_args__ = (UniqueConstraint("live_session_id", "enrolment_id"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    live_session_id: Mapped[int] = mapped_column(ForeignKey("live_session.id"))
    enrolment_id: Mapped[int] = mapped_column(ForeignKey("enrolment.id"), index=True)
    present: Mapped[bool] = mapped_column(default=True)
    recorded_by_id: Mapped[int | None] = mapped_column(ForeignKey("user.id"))
    recorded_at: Mapped[datetime] = mapped_column(default=utcnow)

    def __repr__(self) -> str:
        return f"<Attendance session={self.live_session_id} enrolment={self.enrolment_id}>"
