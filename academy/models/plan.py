"""Plans and measures: what an organisation and its partners agree to do about a place.

A ``Plan`` (an action plan, a medborgarlöfte, an SLT action plan) belongs to the
organisation that owns its places and covers one or several of them for a period. A
``Measure`` is one thing to be done at one of the plan's places, answering some of that
place's findings (or none: it may come from the lägesbild or a meeting), owned by the
place's owner or one of its partners. Who may read or change them is asked of the place
(``services.places.place_access``); the rules live in ``services.plans``.
"""

from __future__ import annotations

import enum
from datetime import date, datetime

from sqlalchemy import Column, ForeignKey, Index, String, Table, Text, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column, relationship

from .base import Base, utcnow
from .organisation import Organisation, Place
from .types import string_enum


class PlanKind(enum.StrEnum):
    ACTION_PLAN = "action_plan"
    CITIZEN_PROMISE = "citizen_promise"
    SLT_PLAN = "slt_plan"
    OTHER = "other"


class MeasureStatus(enum.StrEnum):
    PROPOSED = "proposed"
    DECIDED = "decided"
    IN_PROGRESS = "in_progress"
    DONE = "done"
    DROPPED = "dropped"

    @property
    def is_open(self) -> bool:
        """Still to be done: reminded of, and overdue once past its date."""
        return self not in (MeasureStatus.DONE, MeasureStatus.DROPPED)


plan_place = Table(
    "plan_place",
    Base.metadata,
    Column("plan_id", ForeignKey("plan.id", ondelete="CASCADE"), primary_key=True),
    Column("place_id", ForeignKey("place.id"), primary_key=True, index=True),
)

measure_finding = Table(
    "measure_finding",
    Base.metadata,
    Column("measure_id", ForeignKey("measure.id", ondelete="CASCADE"), primary_key=True),
    Column(
        "finding_id", ForeignKey("finding.id", ondelete="CASCADE"), primary_key=True, index=True
    ),
)


class Plan(Base):
    __tablename__ = "plan"

    id: Mapped[int] = mapped_column(primary_key=True)
    organisation_id: Mapped[int] = mapped_column(ForeignKey("organisation.id"), index=True)
    title: Mapped[str] = mapped_column(String(200))
    kind: Mapped[PlanKind] = mapped_column(string_enum(PlanKind, "plan_kind"))
    starts_on: Mapped[date]
    ends_on: Mapped[date]
    description: Mapped[str] = mapped_column(Text, default="")
    # None once the person who made it has erased their account.
    created_by_id: Mapped[int | None] = mapped_column(ForeignKey("user.id", ondelete="SET NULL"))
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    updated_at: Mapped[datetime] = mapped_column(default=utcnow, onupdate=utcnow)

    organisation: Mapped[Organisation] = relationship()
    places: Mapped[list[Place]] = relationship(secondary=plan_place, order_by="Place.name")
    reviews: Mapped[list[PlanReview]] = relationship(
        back_populates="plan", cascade="all, delete-orphan", order_by="PlanReview.review_on"
    )

    def __repr__(self) -> str:
        return f"<Plan {self.id} {self.title!r}>"


class PlanReview(Base):
    """A date on which the plan is followed up (by the steering group, the council)."""

    __tablename__ = "plan_review"
    __table_args__ = (UniqueConstraint("plan_id", "review_on"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    plan_id: Mapped[int] = mapped_column(ForeignKey("plan.id", ondelete="CASCADE"))
    review_on: Mapped[date]
    note: Mapped[str] = mapped_column(String(200), default="")

    plan: Mapped[Plan] = relationship(back_populates="reviews")


class Measure(Base):
    """One thing to be done at one of the plan's places. ``contact_id`` is an organizer of
    the responsible organisation (optional); ``contact`` a free line (a name, a phone)."""

    __tablename__ = "measure"
    __table_args__ = (Index(None, "plan_id", "due_on"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    plan_id: Mapped[int] = mapped_column(ForeignKey("plan.id"))
    place_id: Mapped[int] = mapped_column(ForeignKey("place.id"), index=True)
    title: Mapped[str] = mapped_column(String(200))
    description: Mapped[str] = mapped_column(Text, default="")
    responsible_id: Mapped[int] = mapped_column(ForeignKey("organisation.id"), index=True)
    contact_id: Mapped[int | None] = mapped_column(
        ForeignKey("user.id", ondelete="SET NULL"), index=True
    )
    contact: Mapped[str] = mapped_column(String(200), default="")
    due_on: Mapped[date | None]
    expected_effect: Mapped[str] = mapped_column(Text, default="")
    indicator: Mapped[str] = mapped_column(Text, default="")
    status: Mapped[MeasureStatus] = mapped_column(
        string_enum(MeasureStatus, "measure_status"), default=MeasureStatus.PROPOSED
    )
    dropped_reason: Mapped[str] = mapped_column(Text, default="")
    created_by_id: Mapped[int | None] = mapped_column(ForeignKey("user.id", ondelete="SET NULL"))
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    updated_at: Mapped[datetime] = mapped_column(default=utcnow, onupdate=utcnow)

    plan: Mapped[Plan] = relationship()
    place: Mapped[Place] = relationship()
    responsible: Mapped[Organisation] = relationship()

    def overdue_on(self, today: date) -> bool:
        """Still to be done and past its due date on ``today``."""
        return self.status.is_open and self.due_on is not None and self.due_on < today

    def __repr__(self) -> str:
        return f"<Measure {self.id} {self.status} plan={self.plan_id}>"


class MeasureNote(Base):
    """A dated progress note on a measure."""

    __tablename__ = "measure_note"
    __table_args__ = (Index(None, "measure_id", "created_at"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    measure_id: Mapped[int] = mapped_column(ForeignKey("measure.id", ondelete="CASCADE"))
    author_id: Mapped[int | None] = mapped_column(ForeignKey("user.id", ondelete="SET NULL"))
    body: Mapped[str] = mapped_column(Text)
    created_at: Mapped[datetime] = mapped_column(default=utcnow)


class ProposalStatus(enum.StrEnum):
    OPEN = "open"
    ACCEPTED = "accepted"
    MERGED = "merged"
    DROPPED = "dropped"


class MeasureProposal(Base):
    """One row of a submitted assignment's proposed measures, as the participant wrote it.

    ``place_id`` is the enrolment's place, else the round's, when it was submitted (None
    if neither had one: kept, but shown nowhere). ``cohort_id`` stays when the person is
    erased; ``enrolment_id`` and ``submission_id`` are then set to NULL, as a finding's
    are. ``measure_id`` is the measure it became (accepted) or was merged into.
    """

    __tablename__ = "measure_proposal"
    __table_args__ = (
        # The plan page: the open proposals of its places.
        Index(None, "place_id", "status"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    place_id: Mapped[int | None] = mapped_column(ForeignKey("place.id"))
    cohort_id: Mapped[int] = mapped_column(ForeignKey("cohort.id"), index=True)
    enrolment_id: Mapped[int | None] = mapped_column(
        ForeignKey("enrolment.id", ondelete="SET NULL"), index=True
    )
    submission_id: Mapped[int | None] = mapped_column(
        ForeignKey("assignment_submission.id", ondelete="SET NULL"), index=True
    )
    part_slug: Mapped[str] = mapped_column(String(64))
    position: Mapped[int] = mapped_column(default=0)
    what: Mapped[str] = mapped_column(Text)
    who: Mapped[str] = mapped_column(String(200), default="")
    by_when: Mapped[str] = mapped_column(String(200), default="")
    indicator: Mapped[str] = mapped_column(Text, default="")
    status: Mapped[ProposalStatus] = mapped_column(
        string_enum(ProposalStatus, "proposal_status"), default=ProposalStatus.OPEN
    )
    # The measure it became or was merged into; None again if that measure is deleted.
    measure_id: Mapped[int | None] = mapped_column(
        ForeignKey("measure.id", ondelete="SET NULL"), index=True
    )
    reason: Mapped[str] = mapped_column(Text, default="")
    decided_by_id: Mapped[int | None] = mapped_column(ForeignKey("user.id", ondelete="SET NULL"))
    decided_at: Mapped[datetime | None]
    created_at: Mapped[datetime] = mapped_column(default=utcnow)

    def __repr__(self) -> str:
        return f"<MeasureProposal {self.id} place={self.place_id} {self.status}>"


class MeasureReminder(Base):
    """A due-date mail sent for a measure; unique per measure, kind and due date so that
    the daily run never sends it twice. A changed due date is a new date, so the reminder
    for the new date is sent once in its turn (re-armed)."""

    __tablename__ = "measure_reminder"
    __table_args__ = (UniqueConstraint("measure_id", "kind", "due_on"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    measure_id: Mapped[int] = mapped_column(ForeignKey("measure.id", ondelete="CASCADE"))
    kind: Mapped[str] = mapped_column(String(32))
    due_on: Mapped[date]
    sent_at: Mapped[datetime] = mapped_column(default=utcnow)
