"""The participants of a round as the organizer's round page lists them: found by name or
e-mail address, filtered by status and role, counted, and paged.

The page costs the same for a round of 10 and of 10,000: ``roster_counts`` is one
grouped count, ``roster_page`` cuts the page's ids in SQL and reads what its rows show
(names, places, the invitation and the state of the mail that carried it) in two more
statements.
"""

from __future__ import annotations

import enum
from collections import Counter
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import datetime
from functools import lru_cache
from typing import Any

from sqlalchemy import ColumnElement, Select, bindparam, func, literal_column, select
from sqlalchemy.orm import Session

from ..db import lower
from ..models import (
    AudienceRole,
    Cohort,
    Enrolment,
    EnrolmentStatus,
    Invitation,
    MailStatus,
    OutboxMail,
    Place,
    User,
    utcnow,
)
from ..models.cohort import WITHDRAWN_LAST
from .enrolments import joined_column, shown_name_column, shown_name_order
from .paging import Page

PAGE_SIZE = 50
SEARCH_MAX = 100


class InvitationState(enum.StrEnum):
    """Where a participant's invitation is, from its newest link and the outbox row of
    the mail that carried it: what the organizer needs to know to act."""

    NOT_SENT = "not-sent"  # no invitation (imported without mails)
    QUEUED = "queued"  # the mail waits in the outbox (or is being retried)
    SENT = "sent"  # the mail server took the mail
    BOUNCED = "bounced"  # the address was refused
    FAILED = "failed"  # the outbox gave the mail up after its attempts
    EXPIRED = "expired"  # the link ran out before it was used
    ACCEPTED = "accepted"


# States whose invitation the organizer may send (again).
SENDABLE = frozenset(
    {
        InvitationState.NOT_SENT,
        InvitationState.SENT,
        InvitationState.BOUNCED,
        InvitationState.FAILED,
        InvitationState.EXPIRED,
    }
)


def invitation_state(
    *,
    accepted_at: datetime | None,
    bounced_at: datetime | None,
    expires_at: datetime | None,
    sent_at: datetime | None,
    mail_status: MailStatus | None,
    now: datetime,
) -> InvitationState:
    """The state of one invitation (all None: there is none). An invitation sent before
    mails were linked to it (``mail_status`` None, ``sent_at`` set) counts as sent."""
    if accepted_at is not None:
        return InvitationState.ACCEPTED
    if bounced_at is not None or mail_status == MailStatus.BOUNCED:
        return InvitationState.BOUNCED
    if mail_status == MailStatus.FAILED:
        return InvitationState.FAILED
    if expires_at is None:
        return InvitationState.NOT_SENT
    if expires_at <= now:
        return InvitationState.EXPIRED
    if mail_status == MailStatus.QUEUED:
        return InvitationState.QUEUED
    if mail_status == MailStatus.SENT or sent_at is not None:
        return InvitationState.SENT
    return InvitationState.NOT_SENT


@dataclass(frozen=True, slots=True)
class RosterFilters:
    search: str = ""
    status: EnrolmentStatus | None = None
    role: AudienceRole | None = None
    # Only those who have joined the round and are not withdrawn (an attendance list).
    joined: bool = False

    @property
    def active(self) -> bool:
        return bool(self.search) or self.status is not None or self.role is not None


@dataclass(frozen=True, slots=True)
class RosterCounts:
    """Participants of the whole round by status and by role (filters aside)."""

    total: int
    by_status: dict[EnrolmentStatus, int]
    by_role: dict[AudienceRole, int]


@dataclass(frozen=True, slots=True)
class RosterRow:
    enrolment_id: int
    name: str
    email: str
    role: AudienceRole
    place_name: str
    status: EnrolmentStatus
    invitation: InvitationState

    @property
    def can_send(self) -> bool:
        return self.status == EnrolmentStatus.INVITED and self.invitation in SENDABLE


# Read from the index on enrolment (cohort_id, role, status) alone.
_COUNTS = (
    select(Enrolment.status, Enrolment.role, func.count())
    .where(Enrolment.cohort_id == bindparam("cohort_id"))
    .group_by(Enrolment.status, Enrolment.role)
)


def roster_counts(session: Session, cohort: Cohort) -> RosterCounts:
    """One grouped count, whatever the size of the round."""
    by_status: Counter[EnrolmentStatus] = Counter()
    by_role: Counter[AudienceRole] = Counter()
    for status, role, count in session.execute(_COUNTS, {"cohort_id": cohort.id}):
        by_status[status] += count
        by_role[role] += count
    return RosterCounts(
        total=sum(by_status.values()),
        by_status={status: by_status[status] for status in EnrolmentStatus},
        by_role={role: by_role[role] for role in AudienceRole},
    )


_NOT_JOINED = select(func.count()).where(
    Enrolment.cohort_id == bindparam("cohort_id"),
    Enrolment.status != EnrolmentStatus.WITHDRAWN,
    ~joined_column(),
)


def not_joined(session: Session, cohort: Cohort) -> int:
    """How many of the round, not withdrawn, have not joined it yet."""
    return session.scalar(_NOT_JOINED, {"cohort_id": cohort.id}) or 0


_JOINED_AMONG = select(Enrolment.id).where(
    Enrolment.cohort_id == bindparam("cohort_id"),
    Enrolment.id.in_(bindparam("ids", expanding=True)),
    Enrolment.status != EnrolmentStatus.WITHDRAWN,
    joined_column(),
)


def joined_among(session: Session, cohort: Cohort, enrolment_ids: Iterable[int]) -> set[int]:
    """Those of ``enrolment_ids`` that are enrolments of ``cohort`` whose person has
    joined it and is not withdrawn."""
    ids = list(enrolment_ids)
    if not ids:
        return set()
    return set(session.scalars(_JOINED_AMONG, {"cohort_id": cohort.id, "ids": ids}))


def _escape_like(text: str) -> str:
    return text.replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_")


# Which of search, status and role a request filters on: the statements are built once per
# shape and backend (building them cost about as much as running them).
_Shape = tuple[bool, bool, bool, bool]


def _shape(filters: RosterFilters) -> _Shape:
    return (
        bool(filters.search),
        filters.status is not None,
        filters.role is not None,
        filters.joined,
    )


def _criteria(shape: _Shape) -> list[ColumnElement[bool]]:
    search, status, role, joined = shape
    criteria: list[ColumnElement[bool]] = [Enrolment.cohort_id == bindparam("cohort_id")]
    if joined:
        criteria += [joined_column(), Enrolment.status != EnrolmentStatus.WITHDRAWN]
    if search:
        # Folded alike on both backends (db.lower), so "åsa" finds "Åsa".
        pattern = bindparam("pattern")
        criteria.append(
            lower(shown_name_column()).like(pattern, escape="\\")
            | User.email_normalized.like(pattern, escape="\\")
        )
    if status:
        criteria.append(Enrolment.status == bindparam("status"))
    if role:
        criteria.append(Enrolment.role == bindparam("role"))
    return criteria


def _order(dialect: str) -> tuple[ColumnElement[Any], ...]:
    """Withdrawn last, then by the name organizers see (the report's order), then by
    enrolment."""
    return (
        # As the index ix_enrolment_roster_order has it: a page is read from the index.
        literal_column(WITHDRAWN_LAST),
        shown_name_order(dialect),
        Enrolment.id,
    )


@lru_cache(maxsize=32)
def _page_statement(shape: _Shape, dialect: str) -> Select[Any]:
    """The page's rows. The page is cut from the ids alone, and only its rows are read in
    full (as the report does)."""
    page = select(Enrolment.id)
    if shape[0]:
        # A search reads the person's name and address.
        page = page.join(User, User.id == Enrolment.user_id)
    page = (
        page.where(*_criteria(shape))
        .order_by(*_order(dialect))
        .limit(bindparam("size"))
        .offset(bindparam("skip"))
    )
    return (
        select(
            Enrolment.id,
            shown_name_column().label("name"),
            User.email,
            Enrolment.role,
            Place.name.label("place_name"),
            Enrolment.status,
            joined_column().label("joined"),
        )
        .join(User, User.id == Enrolment.user_id)
        .outerjoin(Place, Place.id == Enrolment.place_id)
        .where(Enrolment.id.in_(page))
        .order_by(*_order(dialect))
    )


@lru_cache(maxsize=8)
def _count_statement(shape: _Shape) -> Select[Any]:
    return (
        select(func.count())
        .select_from(Enrolment)
        .join(User, User.id == Enrolment.user_id)
        .where(*_criteria(shape))
    )


_INVITATIONS = (
    select(
        Invitation.enrolment_id,
        Invitation.accepted_at,
        Invitation.bounced_at,
        Invitation.expires_at,
        Invitation.sent_at,
        OutboxMail.status,
    )
    .outerjoin(OutboxMail, OutboxMail.id == Invitation.mail_id)
    .where(Invitation.enrolment_id.in_(bindparam("ids", expanding=True)))
    .order_by(Invitation.created_at, Invitation.id)
)


def roster_page(
    session: Session,
    cohort: Cohort,
    filters: RosterFilters,
    counts: RosterCounts | None,
    number: int = 1,
    *,
    size: int = PAGE_SIZE,
    invitations: bool = True,
) -> Page[RosterRow]:
    """Page ``number`` (from 1) of the round's participants that match ``filters``: the
    page's rows and (unless ``invitations`` is false) their invitations in two
    statements, and a count of the matches when ``counts`` (from ``roster_counts``, or
    None) cannot tell it (no counts, a search, or two filters). Without invitations, a
    row's invitation is NOT_SENT unless the person joined."""
    if number < 1 or size < 1:
        raise ValueError("pages and their size count from 1")
    values: dict[str, Any] = {"cohort_id": cohort.id}
    if filters.search:
        values["pattern"] = f"%{_escape_like(filters.search.lower())}%"
    if filters.status is not None:
        values["status"] = filters.status
    if filters.role is not None:
        values["role"] = filters.role
    shape = _shape(filters)
    total = _total_from_counts(counts, filters) if counts is not None else None
    if total is None:
        total = session.scalar(_count_statement(shape), values) or 0
    rows = []
    if total > (number - 1) * size:
        statement = _page_statement(shape, session.get_bind().dialect.name)
        rows = session.execute(
            statement, {**values, "size": size, "skip": (number - 1) * size}
        ).all()
    states = _invitation_states(session, [row.id for row in rows] if invitations else [])
    return Page(
        rows=tuple(
            RosterRow(
                enrolment_id=row.id,
                name=row.name,
                email=row.email,
                role=row.role,
                place_name=row.place_name or "",
                status=row.status,
                # Joined without the link (the round found on their page): as good as.
                invitation=InvitationState.ACCEPTED if row.joined else states[row.id],
            )
            for row in rows
        ),
        number=number,
        size=size,
        total=total,
    )


def _total_from_counts(counts: RosterCounts, filters: RosterFilters) -> int | None:
    """How many match, when the counts tell (no search, one filter at most)."""
    if filters.search or filters.joined or (filters.status and filters.role):
        return None
    if filters.status is not None:
        return counts.by_status[filters.status]
    if filters.role is not None:
        return counts.by_role[filters.role]
    return counts.total


def _invitation_states(session: Session, enrolment_ids: list[int]) -> dict[int, InvitationState]:
    """The state of each enrolment's newest invitation, in one statement."""
    states = dict.fromkeys(enrolment_ids, InvitationState.NOT_SENT)
    if not enrolment_ids:
        return states
    now = utcnow()
    for row in session.execute(_INVITATIONS, {"ids": enrolment_ids}):
        states[row.enrolment_id] = invitation_state(
            accepted_at=row.accepted_at,
            bounced_at=row.bounced_at,
            expires_at=row.expires_at,
            sent_at=row.sent_at,
            mail_status=row.status,
            now=now,
        )
    return states
