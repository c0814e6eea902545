"""Due-date mails for measures, safe to run daily from cron (``flask plans remind``).

Two mails per due date: two weeks before it (``due-soon``) and once it has passed
(``overdue``), for measures not done nor dropped. Each sent mail is a ``MeasureReminder``
row, unique per measure, kind and due date, so a mail is never sent twice; a measure
whose due date changes is reminded of its new date once in its turn (the row of the old
date does not match). A run that finds a measure already overdue sends only the overdue
mail. The mail goes to the measure's contact person, else to every organizer of the
responsible organisation, each in their own language; a bounced address gets none.
"""

from __future__ import annotations

from datetime import date, timedelta

from sqlalchemy import and_, exists, or_, select
from sqlalchemy.orm import Session, joinedload

from ...models import Measure, MeasureReminder, MeasureStatus, Organizer, User
from ..mail import absolute_url, queue_mail

DUE_SOON = "due-soon"
OVERDUE = "overdue"
REMIND_BEFORE = timedelta(days=14)
TEMPLATES = {DUE_SOON: "measure_due_soon", OVERDUE: "measure_overdue"}


def _not_sent(kind: str):
    return ~exists().where(
        MeasureReminder.measure_id == Measure.id,
        MeasureReminder.kind == kind,
        MeasureReminder.due_on == Measure.due_on,
    )


def send_measure_reminders(session: Session, today: date) -> int:
    """Queue the due-date mails ``today`` calls for; returns how many mails."""
    measures = session.scalars(
        select(Measure)
        .options(joinedload(Measure.plan), joinedload(Measure.place))
        .where(
            Measure.status.in_([s for s in MeasureStatus if s.is_open]),
            Measure.due_on.is_not(None),
            or_(
                and_(Measure.due_on < today, _not_sent(OVERDUE)),
                and_(
                    Measure.due_on >= today,
                    Measure.due_on <= today + REMIND_BEFORE,
                    _not_sent(DUE_SOON),
                ),
            ),
        )
        .order_by(Measure.id)
    ).all()
    if not measures:
        return 0
    contacts = {
        user.id: user
        for user in session.scalars(
            select(User).where(User.id.in_({m.contact_id for m in measures if m.contact_id}))
        )
    }
    organizers: dict[int, list[User]] = {}
    for organisation_id, user in session.execute(
        select(Organizer.organisation_id, User)
        .join(User, User.id == Organizer.user_id)
        .where(Organizer.organisation_id.in_({m.responsible_id for m in measures}))
        .order_by(User.id)
    ):
        organizers.setdefault(organisation_id, []).append(user)

    queued = 0
    for measure in measures:
        kind = OVERDUE if measure.due_on < today else DUE_SOON
        contact = contacts.get(measure.contact_id) if measure.contact_id else None
        recipients = [contact] if contact else organizers.get(measure.responsible_id, [])
        recipients = [user for user in recipients if user.email_bounced_at is None]
        if not recipients:
            continue  # no one to tell yet: tried again tomorrow
        session.add(MeasureReminder(measure_id=measure.id, kind=kind, due_on=measure.due_on))
        link = absolute_url("organize.measure", measure_id=measure.id)
        for user in recipients:
            queue_mail(
                session,
                user.email,
                TEMPLATES[kind],
                user.locale,
                name=user.name,
                measure=measure,
                link=link,
            )
            queued += 1
    session.flush()
    return queued
