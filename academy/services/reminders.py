"""Deadline reminders, safe to run daily from cron: each reminder is recorded, and a
unique constraint makes sure the same reminder is never sent twice."""

from __future__ import annotations

from datetime import date, timedelta

from sqlalchemy import exists, select
from sqlalchemy.orm import Session, joinedload

from ..content import get_course
from ..models import Cohort, Enrolment, EnrolmentStatus, Reminder
from . import completion, progress
from .mail import absolute_url, queue_mail

DEADLINE_WEEK = "deadline-week"
REMIND_BEFORE = timedelta(days=7)


def send_deadline_reminders(session: Session, today: date) -> int:
    """Mail every participant who has not completed a round whose deadline is at most a
    week away (and not past) and has something left to do: steps of the course, or live
    sessions to attend (the mail says which). Someone who waits only for an organizer's
    approval gets none. Returns how many reminders were queued."""
    candidates = session.scalars(
        select(Enrolment)
        .join(Cohort, Enrolment.cohort_id == Cohort.id)
        .options(joinedload(Enrolment.user), joinedload(Enrolment.cohort))
        .where(
            Cohort.archived_at.is_(None),
            Cohort.deadline.is_not(None),
            Cohort.deadline >= today,
            Cohort.deadline <= today + REMIND_BEFORE,
            Enrolment.status.in_([EnrolmentStatus.INVITED, EnrolmentStatus.ACTIVE]),
            ~exists().where(
                Reminder.enrolment_id == Enrolment.id,
                Reminder.kind == DEADLINE_WEEK,
                Reminder.deadline == Cohort.deadline,
            ),
        )
    ).all()
    ids = [enrolment.id for enrolment in candidates]
    states = progress.load_progress(session, ids)
    attended = completion.sessions_attended(session, ids)
    sent = 0
    for enrolment in candidates:
        course = get_course(enrolment.cohort.course_slug)
        if course is None or enrolment.user.email_bounced_at is not None:
            continue
        state = states[enrolment.id]
        standing = progress.standing(course, enrolment, state, attended[enrolment.id])
        if standing.stage not in (completion.Stage.STEPS, completion.Stage.ATTENDANCE):
            continue
        step = progress.next_step(course, state)
        session.add(
            Reminder(
                enrolment_id=enrolment.id, kind=DEADLINE_WEEK, deadline=enrolment.cohort.deadline
            )
        )
        queue_mail(
            session,
            enrolment.user.email,
            "deadline_reminder",
            enrolment.user.locale,
            enrolment=enrolment,
            cohort=enrolment.cohort,
            step=step,
            standing=standing,
            link=absolute_url("learn.resume", enrolment_id=enrolment.id),
        )
        sent += 1
    session.flush()
    return sent
