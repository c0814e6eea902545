"""A person's private calendar subscription: one address, with a secret in it, that a
calendar program (Outlook, Google, Apple) fetches again by itself, so that a live
session added, moved or cancelled reaches the calendar without anyone downloading a file.

The feed holds the live sessions of every round the person takes part in (not
withdrawn) and of every round they organise (not archived), cancelled ones included
(``STATUS:CANCELLED``, which is how a calendar learns of them), with the UIDs of the
rounds' own ``.ics`` files, so that an event imported from one is updated, not copied.

The secret is not stored: it is an HMAC of the application's secret key, the feed's id
and a random ``nonce`` of its row, so a copy of the database alone opens no calendar and
the profile page can show the address again. A new address draws a new nonce (the old
one answers 404 from then on); turning the subscription off deletes the row. A new
secret key also changes every address, as it ends every login.
"""

from __future__ import annotations

import base64
import hashlib
import hmac
import secrets

from sqlalchemy import delete, select
from sqlalchemy.orm import Session, joinedload

from ..models import CalendarFeed, Cohort, Enrolment, EnrolmentStatus, LiveSession, Organizer


def feed_of(session: Session, user_id: int) -> CalendarFeed | None:
    return session.scalar(select(CalendarFeed).where(CalendarFeed.user_id == user_id))


def start(session: Session, user_id: int) -> tuple[CalendarFeed, bool]:
    """The person's subscription with a new address: made if they had none (False), its
    old address stopped if they had one (True)."""
    feed = feed_of(session, user_id)
    renewed = feed is not None
    if feed is None:
        feed = CalendarFeed(user_id=user_id, nonce=secrets.token_hex(16))
        session.add(feed)
    else:
        feed.nonce = secrets.token_hex(16)
    session.flush()
    return feed, renewed


def stop(session: Session, user_id: int) -> bool:
    """Turn the subscription off (its address answers 404); False if there was none."""
    result = session.execute(delete(CalendarFeed).where(CalendarFeed.user_id == user_id))
    return bool(result.rowcount)


def erase(session: Session, user_id: int) -> None:
    """With the account (``services.privacy``)."""
    stop(session, user_id)


def export(session: Session, user_id: int) -> dict[str, str] | None:
    """For the person's data export: whether they subscribe, since when (the address is
    a secret and stays out of the file)."""
    feed = feed_of(session, user_id)
    return None if feed is None else {"created_at": feed.created_at.isoformat()}


def token(secret: str | bytes, feed: CalendarFeed) -> str:
    """The secret of the feed's address: 32 URL-safe characters (192 bits)."""
    key = secret.encode() if isinstance(secret, str) else secret
    message = f"calendar-feed:{feed.id}:{feed.nonce}".encode()
    digest = hmac.new(key, message, hashlib.sha256).digest()[:24]
    return base64.urlsafe_b64encode(digest).decode("ascii")


def find(
    session: Session, secret: str | bytes, feed_id: int, presented: str
) -> CalendarFeed | None:
    """The feed an address names, or None for a wrong secret or a feed turned off."""
    feed = session.get(CalendarFeed, feed_id)
    if feed is None:
        return None
    # As bytes: compare_digest refuses str with non-ASCII characters (a typed address).
    expected = token(secret, feed).encode()
    return feed if hmac.compare_digest(expected, presented.encode("utf-8", "replace")) else None


def sessions(session: Session, user_id: int) -> list[tuple[LiveSession, Enrolment | None]]:
    """The person's live sessions by start, in two statements, each with its round: those
    of the rounds they take part in with their enrolment (for the link to their course),
    those of the rounds they organise, and do not take part in, with None."""
    taken = session.execute(
        select(LiveSession, Enrolment)
        .join(Enrolment, Enrolment.cohort_id == LiveSession.cohort_id)
        .where(Enrolment.user_id == user_id, Enrolment.status != EnrolmentStatus.WITHDRAWN)
        .options(joinedload(LiveSession.cohort))
    ).all()
    mine = {live.id for live, _enrolment in taken}
    organised = session.scalars(
        select(LiveSession)
        .join(Cohort, Cohort.id == LiveSession.cohort_id)
        .join(Organizer, Organizer.organisation_id == Cohort.organisation_id)
        .where(Organizer.user_id == user_id, Cohort.archived_at.is_(None))
        .options(joinedload(LiveSession.cohort))
    ).all()
    found: list[tuple[LiveSession, Enrolment | None]] = [
        (live, enrolment) for live, enrolment in taken
    ]
    found += [(live, None) for live in organised if live.id not in mine]
    return sorted(found, key=lambda pair: (pair[0].starts_at, pair[0].id))
