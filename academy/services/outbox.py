"""The administrator's view of the outbox: mails filtered by status, recipient and kind,
newest first, a page at a time."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

from sqlalchemy import ColumnElement, Select, func, select
from sqlalchemy.orm import Session

from ..db import lower
from ..models import MailStatus, OutboxMail

#: The templates a mail can be written from (``OutboxMail.kind``), in the order the
#: outbox's filter offers them. Mails queued before the kind was kept have none.
MAIL_KINDS = (
    "invitation",
    "organizer_invitation",
    "viewer_invitation",
    "password_reset",
    "email_change",
    "deadline_reminder",
    "measure_due_soon",
    "measure_overdue",
    "announcement",
    "assignment_returned",
    "assignment_approved",
    "certificate_issued",
    "live_session_changed",
    "welcome",
)
_STATUSES = frozenset(status.value for status in MailStatus)
#: The longest recipient search kept: an e-mail address is at most 254 characters.
RECIPIENT_MAX_LENGTH = 254


@dataclass(frozen=True)
class MailFilters:
    """What the outbox is narrowed to; empty strings and None mean "all"."""

    status: MailStatus | None = None
    recipient: str = ""
    kind: str = ""

    @classmethod
    def checked(cls, *, status: str, recipient: str, kind: str) -> MailFilters:
        """The filters asked for, where unknown statuses and kinds mean "all" and the
        recipient (already on one line, as the view reads it) is cut to an address's
        length."""
        return cls(
            status=MailStatus(status) if status in _STATUSES else None,
            recipient=recipient.strip()[:RECIPIENT_MAX_LENGTH],
            kind=kind if kind in MAIL_KINDS else "",
        )

    def args(self) -> dict[str, str]:
        """The filters as query-string arguments (for links that keep them)."""
        values = {
            "status": self.status.value if self.status else "",
            "recipient": self.recipient,
            "kind": self.kind,
        }
        return {name: value for name, value in values.items() if value}

    def conditions(self) -> list[ColumnElement[bool]]:
        conditions: list[ColumnElement[bool]] = []
        if self.status is not None:
            conditions.append(OutboxMail.status == self.status)
        if self.kind:
            conditions.append(OutboxMail.kind == self.kind)
        if self.recipient:
            # Lower-cased on both sides, Å and Ø included (SQLite's own lower() folds
            # only ASCII; see db.lower).
            conditions.append(
                lower(OutboxMail.to_address).contains(self.recipient.lower(), autoescape=True)
            )
        return conditions


@dataclass(frozen=True)
class MailPage:
    mails: Sequence[OutboxMail]
    number: int
    pages: int
    total: int


def _filtered(query: Select, filters: MailFilters) -> Select:
    return query.where(*filters.conditions())


def count_mails(session: Session, filters: MailFilters) -> int:
    """How many mails the filters let through: one query."""
    return session.scalar(_filtered(select(func.count()).select_from(OutboxMail), filters)) or 0


def mail_page(
    session: Session, filters: MailFilters, number: int, per_page: int
) -> MailPage | None:
    """Page ``number`` (from 1) of the filtered outbox, newest first, in two queries (the
    count and the rows), or None when there is no such page. Page 1 always exists."""
    total = count_mails(session, filters)
    pages = max(1, -(-total // per_page))
    if not 1 <= number <= pages:
        return None
    mails = session.scalars(
        _filtered(select(OutboxMail), filters)
        .order_by(OutboxMail.created_at.desc(), OutboxMail.id.desc())
        .limit(per_page)
        .offset((number - 1) * per_page)
    ).all()
    return MailPage(mails=mails, number=number, pages=pages, total=total)
