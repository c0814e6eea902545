"""Self check-in at a live session: the organizer shows a short code, the participant
types it (or scans its QR code) and is marked present.

The code is not stored: it is derived with HMAC from the application's secret, the
session's id and the minute, so it changes every minute, works for one session only and
needs no table. The code of the previous minute is accepted too, for the time it takes to
type it. Check-in is open from ``OPENS_BEFORE`` the start until the end of the session.
A check-in is an attendance row like the organizer's checklist writes, so the organizer
can still change it, and it counts toward the round's attendance rule at once.
"""

from __future__ import annotations

import enum
import hashlib
import hmac
from dataclasses import dataclass
from datetime import datetime, timedelta

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from ..content import get_course
from ..models import Attendance, Enrolment, EnrolmentStatus, LiveSession
from . import progress

OPENS_BEFORE = timedelta(minutes=30)
CODE_DIGITS = 6
_EPOCH_MINUTE = 60


class Outcome(enum.Enum):
    CHECKED_IN = "checked_in"
    ALREADY = "already"
    WRONG_CODE = "wrong_code"
    NOT_OPEN = "not_open"
    CLOSED = "closed"
    # The organizer has marked the person absent: their word stands.
    MARKED_ABSENT = "marked_absent"


@dataclass(frozen=True)
class ShownCode:
    code: str
    seconds_left: int  # until the next code


def window(live: LiveSession) -> tuple[datetime, datetime]:
    """When check-in to ``live`` is open: from ``OPENS_BEFORE`` its start to its end."""
    return live.starts_at - OPENS_BEFORE, live.ends_at


def is_open(live: LiveSession, now: datetime) -> bool:
    opens, closes = window(live)
    return live.cancelled_at is None and opens <= now <= closes


def _minute(now: datetime) -> int:
    return int(now.timestamp()) // _EPOCH_MINUTE


def code_at(secret: str | bytes, live_id: int, minute: int) -> str:
    """The code of session ``live_id`` in ``minute`` (minutes since the epoch)."""
    key = secret.encode() if isinstance(secret, str) else secret
    digest = hmac.new(key, f"checkin:{live_id}:{minute}".encode(), hashlib.sha256).digest()
    number = int.from_bytes(digest[:8], "big") % 10**CODE_DIGITS
    return f"{number:0{CODE_DIGITS}d}"


def current_code(secret: str | bytes, live: LiveSession, now: datetime) -> ShownCode:
    """The code to show now, and how many seconds it has left."""
    return ShownCode(
        code=code_at(secret, live.id, _minute(now)),
        seconds_left=_EPOCH_MINUTE - int(now.timestamp()) % _EPOCH_MINUTE,
    )


def normalize(typed: str) -> str:
    """The digits of what was typed: spaces and dashes a phone keyboard adds are ignored."""
    return "".join(ch for ch in typed if ch.isascii() and ch.isdigit())


def code_is_valid(secret: str | bytes, live: LiveSession, typed: str, now: datetime) -> bool:
    """Whether ``typed`` is the session's code of this minute or the previous one."""
    code = normalize(typed)
    if len(code) != CODE_DIGITS:
        return False
    minute = _minute(now)
    # Both compared, in constant time, whichever matches.
    matches = [hmac.compare_digest(code, code_at(secret, live.id, m)) for m in (minute, minute - 1)]
    return any(matches)


def attendance_of(session: Session, live: LiveSession, enrolment: Enrolment) -> Attendance | None:
    return session.scalar(
        select(Attendance).where(
            Attendance.live_session_id == live.id, Attendance.enrolment_id == enrolment.id
        )
    )


def check_in(
    session: Session,
    live: LiveSession,
    enrolment: Enrolment,
    typed: str,
    *,
    secret: str | bytes,
    now: datetime,
) -> Outcome:
    """Mark ``enrolment`` present at ``live`` if ``typed`` is its current code and check-in
    is open. Idempotent: a second check-in changes nothing. A course whose only missing
    piece was attendance is completed (and its certificate issued) in this transaction."""
    if live.cohort_id != enrolment.cohort_id or enrolment.status == EnrolmentStatus.WITHDRAWN:
        # The views load only the person's own enrolment in the session's round.
        raise ValueError("the enrolment is not in the session's round")
    opens, closes = window(live)
    if now < opens:
        return Outcome.NOT_OPEN
    if now > closes or live.cancelled_at is not None:
        return Outcome.CLOSED
    if not code_is_valid(secret, live, typed, now):
        return Outcome.WRONG_CODE
    row = attendance_of(session, live, enrolment)
    if row is not None:
        if row.present:
            return Outcome.ALREADY
        return Outcome.MARKED_ABSENT
    session.add(
        Attendance(
            live_session_id=live.id,
            enrolment_id=enrolment.id,
            present=True,
            recorded_by_id=enrolment.user_id,
            recorded_at=now,
        )
    )
    if enrolment.accepted_at is None:
        # Checking in is taking part: the person has joined the round.
        enrolment.accepted_at = now
        if enrolment.status == EnrolmentStatus.INVITED:
            enrolment.status = EnrolmentStatus.ACTIVE
    session.flush()
    course = get_course(live.cohort.course_slug)
    if course is not None:
        progress.update_completion(session, enrolment, course)
    return Outcome.CHECKED_IN


def present_count(session: Session, live: LiveSession) -> int:
    """How many are marked present at ``live`` (checked in or by the organizer)."""
    return session.scalar(
        select(func.count())
        .select_from(Attendance)
        .where(Attendance.live_session_id == live.id, Attendance.present.is_(True))
    )


def present_pairs(session: Session, pairs: list[tuple[int, int]]) -> set[tuple[int, int]]:
    """Those of ``pairs`` (live session id, enrolment id) marked present, in one query."""
    live_ids = {live_id for live_id, _ in pairs}
    enrolment_ids = {enrolment_id for _, enrolment_id in pairs}
    rows = session.execute(
        select(Attendance.live_session_id, Attendance.enrolment_id).where(
            Attendance.live_session_id.in_(live_ids),
            Attendance.enrolment_id.in_(enrolment_ids),
            Attendance.present.is_(True),
        )
    )
    return {(row[0], row[1]) for row in rows} & set(pairs)
