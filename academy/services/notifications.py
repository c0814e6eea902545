"""The mails a person expects when something happens to them: an assignment returned with
the organizer's comment or approved, a certificate issued, a live session of their round
added, moved or cancelled, and a welcome when they accept an invitation.

Each goes through the outbox in the person's language, in the transaction of the change,
and is sent once: a ``Notification`` row per person, kind and event (``about``), unique, so
that a retried command or a double request finds the row and sends nothing. The rows are
the person's: listed in their data export, deleted with their account.

The kinds in ``OPTIONAL`` tell the person what they need not act on, and can be turned off
on the profile page; the others concern their own obligations (revise a returned
assignment, be at a session at its new time) and are always sent (docs/decisions.md).
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from datetime import datetime
from typing import Any

from flask import current_app
from sqlalchemy import delete, select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from ..models import (
    AssignmentSubmission,
    Certificate,
    Enrolment,
    LiveSession,
    Notification,
    NotificationOptOut,
    User,
    utcnow,
)
from .certificate_codes import verify_url
from .mail import absolute_url, queue_mail

RETURNED = "assignment-returned"
APPROVED = "assignment-approved"
CERTIFICATE = "certificate-issued"
LIVE_SESSION = "live-session"
WELCOME = "welcome"

KINDS = (RETURNED, APPROVED, CERTIFICATE, LIVE_SESSION, WELCOME)
#: What a person may turn off: news, not something they have to do.
OPTIONAL = (APPROVED, CERTIFICATE, WELCOME)

# What happened to a live session (the mail says which).
ADDED, MOVED, CANCELLED = "added", "moved", "cancelled"


def notify(
    session: Session, user: User, kind: str, about: str, template: str, **context: Any
) -> bool:
    """Queue ``template`` to ``user`` unless this notification was sent already, the person
    turned this kind off, or their address bounces. True when a mail was queued."""
    if user.email_bounced_at is not None:
        return False
    if kind in OPTIONAL and kind in turned_off(session, user.id):
        return False
    already = select(Notification.id).where(
        Notification.user_id == user.id, Notification.kind == kind, Notification.about == about
    )
    if session.scalar(already) is not None:
        return False
    record = Notification(user_id=user.id, kind=kind, about=about)
    try:
        # Two requests at once: the second waits for the first's row and then skips.
        with session.begin_nested():
            session.add(record)
            session.flush()
    except IntegrityError:
        return False
    mail = queue_mail(
        session,
        user.email,
        template,
        user.locale,
        user=user,
        settings_link=absolute_url("account.profile") if kind in OPTIONAL else None,
        **context,
    )
    record.subject = mail.subject
    return True


# --- the events ---------------------------------------------------------------------------


def _submitted(submission: AssignmentSubmission) -> str:
    when = submission.submitted_at or submission.updated_at
    return f"submission:{submission.id}:{when.isoformat()}"


def assignment_reviewed(
    session: Session,
    submission: AssignmentSubmission,
    enrolment: Enrolment,
    *,
    approved: bool,
    part_title: Mapping[str, str],
) -> bool:
    """The participant's assignment was approved, or returned with the comment. Once per
    submission: a second return of the same submission sends nothing, a return after the
    participant submitted again does."""
    return notify(
        session,
        enrolment.user,
        APPROVED if approved else RETURNED,
        _submitted(submission),
        "assignment_approved" if approved else "assignment_returned",
        cohort=enrolment.cohort,
        part_title=part_title.get(enrolment.user.locale) or part_title.get("en", ""),
        comment=submission.reviewer_comment,
        link=absolute_url(
            "learn.assignment", enrolment_id=enrolment.id, part_slug=submission.part_slug
        ),
    )


def certificate_issued(session: Session, certificate: Certificate, enrolment: Enrolment) -> bool:
    """The participant's certificate, with the links to download and to verify it."""
    return notify(
        session,
        enrolment.user,
        CERTIFICATE,
        f"certificate:{certificate.code}",
        "certificate_issued",
        cohort=enrolment.cohort,
        download_link=absolute_url("certificates.download_pdf", certificate_id=certificate.id),
        verify_link=verify_url(certificate.code),
        dashboard_link=absolute_url("learn.dashboard"),
    )


def welcome(session: Session, enrolment: Enrolment) -> bool:
    """A welcome to the round the person has just joined by accepting the invitation."""
    return notify(
        session,
        enrolment.user,
        WELCOME,
        f"enrolment:{enrolment.id}",
        "welcome",
        cohort=enrolment.cohort,
        link=absolute_url("learn.course_overview", enrolment_id=enrolment.id),
    )


def live_session_changed(
    session: Session, live: LiveSession, change: str, enrolments: Iterable[Enrolment]
) -> int:
    """Tell ``enrolments`` (those who joined the round) that ``live`` was added, moved or
    cancelled, each with the link to the round's calendar as it now is. Once per person
    and version of the session (its ``sequence``): the rows already there are read in one
    query, since a round may have thousands. Returns how many mails were queued."""
    about = f"live-session:{live.id}:{live.sequence}"
    enrolments = [e for e in enrolments if e.user.email_bounced_at is None]
    done = (
        set(
            session.scalars(
                select(Notification.user_id).where(
                    Notification.kind == LIVE_SESSION,
                    Notification.about == about,
                    Notification.user_id.in_([e.user_id for e in enrolments]),
                )
            )
        )
        if enrolments
        else set()
    )
    zone = live.cohort.organisation.timezone or current_app.config["TIMEZONE"]
    sent = 0
    for enrolment in enrolments:
        if enrolment.user_id in done:
            continue
        done.add(enrolment.user_id)
        mail = queue_mail(
            session,
            enrolment.user.email,
            "live_session_changed",
            enrolment.user.locale,
            user=enrolment.user,
            cohort=live.cohort,
            live=live,
            change=change,
            zone=zone,
            calendar_link=absolute_url("learn.live_sessions_calendar", enrolment_id=enrolment.id),
            link=absolute_url("learn.course_overview", enrolment_id=enrolment.id),
        )
        session.add(
            Notification(
                user_id=enrolment.user_id, kind=LIVE_SESSION, about=about, subject=mail.subject
            )
        )
        sent += 1
    session.flush()
    return sent


# --- settings and the person's data -------------------------------------------------------


def turned_off(session: Session, user_id: int) -> set[str]:
    """The kinds the person has turned off."""
    return set(
        session.scalars(
            select(NotificationOptOut.kind).where(NotificationOptOut.user_id == user_id)
        )
    )


def set_turned_off(session: Session, user_id: int, kinds: Iterable[str]) -> None:
    """Turn off exactly ``kinds`` (only optional ones count) and turn the others on."""
    wanted = set(kinds) & set(OPTIONAL)
    current = turned_off(session, user_id)
    if current - wanted:
        session.execute(
            delete(NotificationOptOut).where(
                NotificationOptOut.user_id == user_id,
                NotificationOptOut.kind.in_(current - wanted),
            )
        )
    now = utcnow()
    for kind in sorted(wanted - current):
        session.add(NotificationOptOut(user_id=user_id, kind=kind, turned_off_at=now))
    session.flush()


def _iso(value: datetime | None) -> str | None:
    return value.isoformat() if value is not None else None


def export(session: Session, user_id: int) -> dict[str, Any]:
    """The person's notifications and settings, for their data export."""
    sent = session.scalars(
        select(Notification).where(Notification.user_id == user_id).order_by(Notification.id)
    )
    off = session.scalars(
        select(NotificationOptOut)
        .where(NotificationOptOut.user_id == user_id)
        .order_by(NotificationOptOut.kind)
    )
    return {
        "sent": [
            {"kind": n.kind, "about": n.about, "subject": n.subject, "sent_at": _iso(n.sent_at)}
            for n in sent
        ],
        "turned_off": [{"kind": row.kind, "since": _iso(row.turned_off_at)} for row in off],
    }


def erase(session: Session, user_id: int) -> None:
    """Delete the person's notification records and settings (with their account)."""
    session.execute(delete(Notification).where(Notification.user_id == user_id))
    session.execute(delete(NotificationOptOut).where(NotificationOptOut.user_id == user_id))
