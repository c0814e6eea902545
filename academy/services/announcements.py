"""Announcements: an organizer's message to a round, or to part of it.

The audiences (``AnnouncementAudience``):

- everyone: every enrolment of the round that is not withdrawn (completed ones too);
- a role: those of them who take the course in that role;
- not started: those not completed who have recorded no step of any part (no
  ``part_state`` row), whether or not they have accepted the invitation yet;
- behind: those not completed who have not completed every part the schedule expects by
  now. **The rule**: the parts whose live session has passed are due. A live session
  names the part it is about (``LiveSession.part_slug``); where none of the ended
  sessions names a part, a round's live sessions are the course's milestones taken in
  course order: once *n* live sessions have ended, the first *n* parts are due (all of
  them once there are as many sessions as parts). With no session over yet, nobody is
  behind. Rounds have no per-part deadlines.

Sending writes the announcement, one ``announcement_recipient`` row per person (unique,
so no one gets it twice) and one mail per person in the outbox, in that person's
language: the text written for it, else the main one. People whose address bounced see
it on their dashboard and get no mail. The preview counts with the same conditions the
sending uses, so the count the organizer confirmed is the number of people it goes to.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import datetime

from flask_babel import force_locale
from markupsafe import Markup
from sqlalchemy import Select, and_, bindparam, func, select
from sqlalchemy.orm import Session, joinedload

from ..content import Course
from ..models import (
    Announcement,
    AnnouncementAudience,
    AnnouncementRecipient,
    AudienceRole,
    Cohort,
    Enrolment,
    EnrolmentStatus,
    LiveSession,
    OutboxMail,
    PartState,
    User,
    utcnow,
)
from ..text import text_html
from . import audit
from .mail import absolute_url, render_mail

SUBJECT_MAX = 200
BODY_MAX = 5000
LANGUAGES = ("en", "sv", "nb")
MAIL_KIND = "announcement"


@dataclass(frozen=True)
class Audience:
    """Who an announcement is for: the kind, and the role for ``ROLE``."""

    kind: AnnouncementAudience
    role: AudienceRole | None = None

    def __post_init__(self) -> None:
        if (self.kind is AnnouncementAudience.ROLE) != (self.role is not None):
            raise ValueError("a role is given exactly for the audience 'role'")


@dataclass(frozen=True)
class Draft:
    """What the organizer wrote: the main text and, by language, texts of its own."""

    audience: Audience
    subject: str
    body: str
    translations: dict[str, dict[str, str]] = field(default_factory=dict)


@dataclass(frozen=True)
class Preview:
    recipients: int
    not_mailed: int  # of them, whose address bounced: the dashboard only


def expected_parts(course: Course, ended: int | Sequence[str | None]) -> list[str]:
    """The parts a round expects done once the live sessions ``ended`` (the part each
    names, or None; or only how many) are over, in course order: the parts they name,
    else the first that many parts (the rule in this module's docstring)."""
    if isinstance(ended, int):
        ended = [None] * ended
    named = {slug for slug in ended if slug is not None}
    if named:
        return [part.slug for part in course.parts if part.slug in named]
    return [part.slug for part in course.parts[: len(ended)]]


def sessions_over(session: Session, cohort_id: int, now: datetime) -> list[str | None]:
    """The part each ended live session of the round names (None where it names none)."""
    return list(
        session.scalars(
            select(LiveSession.part_slug).where(
                LiveSession.cohort_id == cohort_id, LiveSession.ends_at <= now
            )
        )
    )


def _audience_filter(session: Session, cohort: Cohort, course: Course, audience: Audience, now):
    """The WHERE clause on ``Enrolment`` for ``audience`` in ``cohort``; None when the
    audience is empty by rule (behind, before any session is over)."""
    conditions = [Enrolment.cohort_id == cohort.id, Enrolment.status != EnrolmentStatus.WITHDRAWN]
    kind = audience.kind
    if kind is AnnouncementAudience.ROLE:
        conditions.append(Enrolment.role == audience.role)
    elif kind is AnnouncementAudience.NOT_STARTED:
        started = select(PartState.id).where(PartState.enrolment_id == Enrolment.id).exists()
        conditions += [Enrolment.status != EnrolmentStatus.COMPLETED, ~started]
    elif kind is AnnouncementAudience.BEHIND:
        expected = expected_parts(course, sessions_over(session, cohort.id, now))
        if not expected:
            return None
        done = (
            select(func.count(PartState.id))
            .where(
                PartState.enrolment_id == Enrolment.id,
                PartState.part_slug.in_(expected),
                PartState.completed_at.is_not(None),
            )
            .scalar_subquery()
        )
        conditions += [Enrolment.status != EnrolmentStatus.COMPLETED, done < len(expected)]
    return and_(*conditions)


def _recipients(
    session: Session, cohort: Cohort, course: Course, audience: Audience, now: datetime
) -> Select | None:
    where = _audience_filter(session, cohort, course, audience, now)
    if where is None:
        return None
    return (
        select(Enrolment.id, User.email, User.locale, User.email_bounced_at.is_not(None))
        .join(User, User.id == Enrolment.user_id)
        .where(where)
        .order_by(Enrolment.id)
    )


def preview(
    session: Session,
    cohort: Cohort,
    course: Course,
    audience: Audience,
    now: datetime | None = None,
) -> Preview:
    """How many people ``audience`` is now, and how many of them cannot be mailed."""
    where = _audience_filter(session, cohort, course, audience, now or utcnow())
    if where is None:
        return Preview(0, 0)
    row = session.execute(
        # count() of a column counts its non-NULL values: the bounced addresses.
        select(func.count(), func.count(User.email_bounced_at))
        .select_from(Enrolment)
        .join(User, User.id == Enrolment.user_id)
        .where(where)
    ).one()
    return Preview(int(row[0]), int(row[1]))


def send(
    session: Session,
    cohort: Cohort,
    course: Course,
    draft: Draft,
    *,
    sent_by: User,
    now: datetime | None = None,
) -> Announcement:
    """Record the announcement, its recipients and their mails (audited). The caller
    has shown the preview; an audience that has become empty sends nothing but the
    record (with 0 recipients)."""
    now = now or utcnow()
    announcement = Announcement(
        cohort_id=cohort.id,
        sent_by_id=sent_by.id,
        audience=draft.audience.kind,
        role=draft.audience.role,
        subject=draft.subject,
        body=draft.body,
        translations={
            language: text
            for language, text in draft.translations.items()
            if language in LANGUAGES and text.get("subject") and text.get("body")
        },
        created_at=now,
    )
    session.add(announcement)
    session.flush()
    statement = _recipients(session, cohort, course, draft.audience, now)
    people = session.execute(statement).all() if statement is not None else []
    link = absolute_url("learn.dashboard")
    rendered: dict[str, tuple[str, str, str]] = {}
    mails = []
    for enrolment_id, email, locale, bounced in people:
        session.add(
            AnnouncementRecipient(
                announcement_id=announcement.id, enrolment_id=enrolment_id, mailed=not bounced
            )
        )
        if bounced:
            continue
        if locale not in rendered:
            rendered[locale] = _render(announcement, cohort, sent_by, locale, link)
        subject, text, html = rendered[locale]
        mails.append(
            OutboxMail(
                to_address=email, kind=MAIL_KIND, subject=subject, body_text=text, body_html=html
            )
        )
    session.add_all(mails)
    announcement.recipient_count = len(people)
    audit.record(
        session,
        "announcement.sent",
        actor_id=sent_by.id,
        object_type="announcement",
        object_id=announcement.id,
        organisation_id=cohort.organisation_id,
        cohort_id=cohort.id,
        audience=draft.audience.kind.value,
        role=draft.audience.role.value if draft.audience.role else None,
        recipients=len(people),
        mailed=len(mails),
    )
    session.flush()
    return announcement


def _render(
    announcement: Announcement, cohort: Cohort, sent_by: User, locale: str, link: str
) -> tuple[str, str, str]:
    """The subject, text and HTML of the mail for readers of ``locale``. The HTML is the
    text escaped, with its addresses made links: nothing the organizer typed is HTML."""
    subject, body = announcement.text(locale)
    with force_locale(locale):
        subject, text = render_mail(
            MAIL_KIND,
            {"subject": subject, "body": body, "cohort": cohort, "sender": sent_by, "link": link},
        )
    html = Markup('<!DOCTYPE html>\n<html lang="{}"><body>\n{}\n</body></html>\n')
    return subject, text, str(html.format(locale, text_html(text)))


# --- What participants see -------------------------------------------------------------


@dataclass(frozen=True)
class Shown:
    """An announcement on a participant's dashboard, in their language."""

    id: int
    enrolment_id: int
    subject: str
    body: str
    sender: str
    sent_at: datetime


# Built once, like the dashboard's other statements: building it cost more than running it.
_SHOWN = (
    select(Announcement, AnnouncementRecipient.enrolment_id, User.name)
    .join(AnnouncementRecipient, AnnouncementRecipient.announcement_id == Announcement.id)
    .join(Enrolment, Enrolment.id == AnnouncementRecipient.enrolment_id)
    .outerjoin(User, User.id == Announcement.sent_by_id)
    .where(
        AnnouncementRecipient.enrolment_id.in_(bindparam("enrolment_ids", expanding=True)),
        AnnouncementRecipient.dismissed_at.is_(None),
        # Someone moved to another round no longer sees the first round's messages.
        Announcement.cohort_id == Enrolment.cohort_id,
    )
    .order_by(Announcement.created_at.desc(), Announcement.id.desc())
)


def for_dashboard(session: Session, enrolment_ids: Sequence[int], language: str) -> list[Shown]:
    """The announcements to these enrolments not dismissed yet, newest first (one query)."""
    if not enrolment_ids:
        return []
    rows = session.execute(_SHOWN, {"enrolment_ids": list(enrolment_ids)}).all()
    return [
        Shown(a.id, enrolment_id, *a.text(language), sender or "", a.created_at)
        for a, enrolment_id, sender in rows
    ]


def dismiss(
    session: Session, recipient: AnnouncementRecipient, now: datetime | None = None
) -> None:
    if recipient.dismissed_at is None:
        recipient.dismissed_at = now or utcnow()
    session.flush()


def recipient_of(
    session: Session, announcement_id: int, user_id: int
) -> AnnouncementRecipient | None:
    """The row of ``user_id``'s receiving the announcement (in a round they have not
    left), or None."""
    return session.scalar(
        select(AnnouncementRecipient)
        .join(Enrolment, Enrolment.id == AnnouncementRecipient.enrolment_id)
        .where(
            AnnouncementRecipient.announcement_id == announcement_id,
            Enrolment.user_id == user_id,
            Enrolment.status != EnrolmentStatus.WITHDRAWN,
        )
    )


# --- The round page and the data export --------------------------------------------------


def sent_in(session: Session, cohort_id: int) -> list[Announcement]:
    """The round's announcements, newest first, with their senders (one query)."""
    return list(
        session.scalars(
            select(Announcement)
            .options(joinedload(Announcement.sent_by))
            .where(Announcement.cohort_id == cohort_id)
            .order_by(Announcement.created_at.desc(), Announcement.id.desc())
        )
    )


def received(session: Session, enrolment_ids: Sequence[int]) -> list[dict]:
    """For the person's data export: what they were sent and when they dismissed it."""
    if not enrolment_ids:
        return []
    rows = session.execute(
        select(Announcement, AnnouncementRecipient)
        .join(AnnouncementRecipient, AnnouncementRecipient.announcement_id == Announcement.id)
        .where(AnnouncementRecipient.enrolment_id.in_(enrolment_ids))
        .order_by(Announcement.id)
    ).all()
    return [
        {
            "enrolment": recipient.enrolment_id,
            "subject": announcement.subject,
            "body": announcement.body,
            "texts_by_language": announcement.translations or {},
            "sent_at": announcement.created_at.isoformat(),
            "mailed": recipient.mailed,
            "dismissed_at": recipient.dismissed_at.isoformat() if recipient.dismissed_at else None,
        }
        for announcement, recipient in rows
    ]


def sent_by(session: Session, user_id: int) -> list[dict]:
    """For an organizer's data export: the announcements they sent."""
    rows = session.execute(
        select(Announcement, Cohort.name)
        .join(Cohort, Cohort.id == Announcement.cohort_id)
        .where(Announcement.sent_by_id == user_id)
        .order_by(Announcement.id)
    ).all()
    return [
        {
            "cohort": cohort_name,
            "audience": announcement.audience.value,
            "role": announcement.role.value if announcement.role else None,
            "subject": announcement.subject,
            "body": announcement.body,
            "texts_by_language": announcement.translations or {},
            "recipients": announcement.recipient_count,
            "sent_at": announcement.created_at.isoformat(),
        }
        for announcement, cohort_name in rows
    ]
