"""Findings: what participants saw on safety walks and place audits, gathered per place.

A finding is one row of a submitted assignment's findings group (see
``services.places.record_findings``). It keeps what the participant wrote, and adds what
the organisation does about it: a status, who set it and when.
"""

from __future__ import annotations

import enum
from datetime import datetime
from typing import Any

from sqlalchemy import JSON, ForeignKey, Index, LargeBinary, String, Text
from sqlalchemy.orm import Mapped, mapped_column

from .base import Base, utcnow
from .types import string_enum


class FindingCategory(enum.StrEnum):
    """The kinds of finding; the values are the choice slugs of the course files."""

    LIGHTING = "lighting"
    SIGHT_LINES = "sight-lines"
    MAINTENANCE = "maintenance"
    VEGETATION = "vegetation"
    ACCESS_ROUTES = "access-routes"
    ACTIVITY = "activity"
    SIGNAGE = "signage"
    OTHER = "other"


class FindingSeverity(enum.StrEnum):
    HIGH = "high"
    MEDIUM = "medium"
    LOW = "low"


class FindingStatus(enum.StrEnum):
    NEW = "new"
    PLANNED = "planned"
    DONE = "done"
    NOT_ACTED_ON = "not_acted_on"


class Finding(Base):
    """One spot where a participant noticed something, good or bad.

    ``place_id`` is the enrolment's place, else the round's, when the assignment was
    submitted (None if neither had one). ``cohort_id`` is the round it was submitted in;
    it stays when the person is erased, unlike ``enrolment_id`` and ``submission_id``,
    which are then set to NULL so that the place keeps its picture without the person.
    ``position`` is the row of the findings group it came from. ``severity`` is None
    where the assignment does not ask for one (the place audit).

    ``same_as_id`` says that an organizer judged this finding of a later walk to be the
    same problem as a finding of an earlier walk of the place. It always names the first
    finding of the problem (the "root", whose own ``same_as_id`` is None), so that a walk's
    problems are its findings' ``coalesce(same_as_id, id)`` without following chains
    (``services.places.walks``). Set to NULL if that finding is deleted.
    """

    __tablename__ = "finding"
    __table_args__ = (
        # The place page: its findings, newest first, and their counts.
        Index(None, "place_id", "created_at"),
        # A place's findings counted per round, category and severity (the walks' figures,
        # services.places.walk_summaries) and per round, category, severity and status
        # (the place page, services.places.listing), read from the index alone and in its
        # order (2,000 findings on SQLite: 5.9 ms without it, 0.9 ms with it; the place
        # page's counts of 10,000: 5.2 ms without, 0.9 ms with).
        # Named: the convention's name would pass PostgreSQL's 63 characters.
        Index(
            "ix_finding_walk_counts",
            "place_id",
            "cohort_id",
            "category",
            "severity",
            "status",
            "same_as_id",
            "created_at",
        ),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    # The old value is loaded before a change, so that a finding moved to another place
    # rebuilds the figures of the place it left too (services.places.walk_summaries).
    place_id: Mapped[int | None] = mapped_column(ForeignKey("place.id"), active_history=True)
    cohort_id: Mapped[int] = mapped_column(ForeignKey("cohort.id"), index=True)
    enrolment_id: Mapped[int | None] = mapped_column(
        ForeignKey("enrolment.id", ondelete="SET NULL"), index=True
    )
    submission_id: Mapped[int | None] = mapped_column(
        ForeignKey("assignment_submission.id", ondelete="SET NULL"), index=True
    )
    part_slug: Mapped[str] = mapped_column(String(64))
    position: Mapped[int] = mapped_column(default=0)
    spot: Mapped[str] = mapped_column(String(200))
    category: Mapped[FindingCategory] = mapped_column(
        string_enum(FindingCategory, "finding_category")
    )
    observation: Mapped[str] = mapped_column(Text, default="")
    suggestion: Mapped[str] = mapped_column(Text, default="")
    severity: Mapped[FindingSeverity | None] = mapped_column(
        string_enum(FindingSeverity, "finding_severity")
    )
    status: Mapped[FindingStatus] = mapped_column(
        string_enum(FindingStatus, "finding_status"), default=FindingStatus.NEW
    )
    status_changed_by_id: Mapped[int | None] = mapped_column(
        ForeignKey("user.id", ondelete="SET NULL")
    )
    status_changed_at: Mapped[datetime | None]
    same_as_id: Mapped[int | None] = mapped_column(
        ForeignKey("finding.id", ondelete="SET NULL"), index=True
    )
    created_at: Mapped[datetime] = mapped_column(default=utcnow)

    def __repr__(self) -> str:
        return f"<Finding {self.id} place={self.place_id} {self.category} {self.status}>"


class FindingPhoto(Base):
    """The one photo of a finding, as ``services.photos`` re-encoded it: JPEG bytes without
    metadata (no EXIF, GPS or ICC profile), at most ``photos.MAX_SIDE`` pixels on the long
    side. Deleted with its finding; kept when whoever uploaded it is erased."""

    __tablename__ = "finding_photo"

    finding_id: Mapped[int] = mapped_column(
        ForeignKey("finding.id", ondelete="CASCADE"), primary_key=True
    )
    content_type: Mapped[str] = mapped_column(String(32))
    data: Mapped[bytes] = mapped_column(LargeBinary)
    width: Mapped[int]
    height: Mapped[int]
    sha256: Mapped[str] = mapped_column(String(64))
    uploaded_by_id: Mapped[int | None] = mapped_column(
        ForeignKey("user.id", ondelete="SET NULL"), index=True
    )
    uploaded_at: Mapped[datetime] = mapped_column(default=utcnow)

    def __repr__(self) -> str:
        return f"<FindingPhoto finding={self.finding_id} {self.width}x{self.height}>"


class WalkSummary(Base):
    """One walk of a place in figures: the findings of one round at the place, counted
    per category and severity, with the time of its first and last finding.

    What the comparison of walks (``services.places.walks``) reads, one row a walk,
    rather than counting a place's thousands of findings on every view. Rebuilt for a
    place whenever its findings change (``services.places.walk_summaries``): every flush
    and every bulk statement that writes findings does it in the same transaction.
    ``counts`` holds ``[category, severity or null, found, marked]`` lists, ``marked``
    being those of the findings marked as the same as an earlier one.
    """

    __tablename__ = "walk_summary"

    place_id: Mapped[int] = mapped_column(
        ForeignKey("place.id", ondelete="CASCADE"), primary_key=True
    )
    cohort_id: Mapped[int] = mapped_column(
        ForeignKey("cohort.id", ondelete="CASCADE"), primary_key=True, index=True
    )
    first_at: Mapped[datetime]
    last_at: Mapped[datetime]
    counts: Mapped[list[Any]] = mapped_column(JSON)

    def __repr__(self) -> str:
        return f"<WalkSummary place={self.place_id} round={self.cohort_id}>"
