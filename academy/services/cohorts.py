"""Organisations and cohorts (the organizer pages build on these)."""

from __future__ import annotations

from sqlalchemy import func, select, update
from sqlalchemy.orm import Session, joinedload

from ..content import get_course
from ..models import (
    Attendance,
    Cohort,
    Enrolment,
    EnrolmentStatus,
    LiveSession,
    Organisation,
    OrganisationKind,
    PartState,
    Place,
    utcnow,
)
from . import audit, notifications, progress
from .enrolments import joined_column


def get_or_create_organisation(
    session: Session, name: str, kind: OrganisationKind = OrganisationKind.MUNICIPALITY
) -> Organisation:
    organisation = session.scalar(select(Organisation).where(Organisation.name == name.strip()))
    if organisation is None:
        organisation = Organisation(name=name.strip(), kind=kind)
        session.add(organisation)
        session.flush()
    return organisation


def create_cohort(
    session: Session,
    organisation: Organisation,
    *,
    course_slug: str,
    name: str,
    created_by_id: int | None = None,
    **values,
) -> Cohort:
    """A new round of a course for ``organisation``; ``values`` are further Cohort columns
    (place_id, dates, attendance rule...)."""
    cohort = Cohort(organisation=organisation, course_slug=course_slug, name=name.strip(), **values)
    session.add(cohort)
    session.flush()
    audit.record(
        session,
        "cohort.created",
        actor_id=created_by_id,
        object_type="cohort",
        object_id=cohort.id,
        organisation_id=organisation.id,
        name=cohort.name,
    )
    return cohort


def find_or_create_place(session: Session, organisation: Organisation, name: str) -> Place:
    """The organisation's place of this name (case-insensitive), created if new."""
    wanted = name.strip()
    for place in session.scalars(select(Place).where(Place.organisation_id == organisation.id)):
        if place.name.casefold() == wanted.casefold():
            return place
    place = Place(organisation=organisation, name=wanted, description="")
    session.add(place)
    session.flush()
    return place


# The settings that decide when a course is completed.
_COMPLETION_RULES = ("attendance_required", "required_sessions", "assignments_need_approval")


def update_cohort(session: Session, cohort: Cohort, *, changed_by_id: int, **values) -> None:
    """Change a cohort's settings; the audit log keeps what changed. A change of the
    rules of completion records the completions it makes due (a lower number of live
    sessions, say), so that no one waits for a next step to be told."""
    changes = {}
    for key, value in values.items():
        if getattr(cohort, key) != value:
            changes[key] = str(value)
            setattr(cohort, key, value)
    session.flush()
    course = get_course(cohort.course_slug)
    if course is not None and any(rule in changes for rule in _COMPLETION_RULES):
        progress.recheck_completions(
            session,
            cohort,
            course,
            approval_changed="assignments_need_approval" in changes,
        )
    if changes:
        audit.record(
            session,
            "cohort.changed",
            actor_id=changed_by_id,
            object_type="cohort",
            object_id=cohort.id,
            organisation_id=cohort.organisation_id,
            **changes,
        )


def set_archived(session: Session, cohort: Cohort, archived: bool, *, changed_by_id: int) -> None:
    """Archive (or restore) a cohort. Cohorts are never deleted: progress stays."""
    cohort.archived_at = utcnow() if archived else None
    session.flush()
    audit.record(
        session,
        "cohort.archived" if archived else "cohort.restored",
        actor_id=changed_by_id,
        object_type="cohort",
        object_id=cohort.id,
        organisation_id=cohort.organisation_id,
    )


# What a calendar shows of a session: a change to any of these is a new version of it.
_CALENDAR_FIELDS = ("title", "starts_at", "ends_at", "location", "video_url")


def save_live_session(
    session: Session, cohort: Cohort, live: LiveSession | None, *, changed_by_id: int, **values
) -> LiveSession:
    """Add a live session or change one. A change to what calendars show raises its
    ``sequence``; those who joined the round are mailed a new session or a change, with
    the calendar, when the session is still to come (``notifications``)."""
    added = live is None
    if live is None:
        live = LiveSession(cohort=cohort)
        session.add(live)
    changed = added or any(
        getattr(live, key) != values[key] for key in _CALENDAR_FIELDS if key in values
    )
    for key, value in values.items():
        setattr(live, key, value)
    if changed and not added:
        live.sequence += 1
        live.changed_at = utcnow()
    session.flush()
    audit.record(
        session,
        "live_session.saved",
        actor_id=changed_by_id,
        object_type="live_session",
        object_id=live.id,
        organisation_id=cohort.organisation_id,
        title=live.title,
        sequence=live.sequence,
    )
    if changed:
        _tell_participants(session, live, notifications.ADDED if added else notifications.MOVED)
    return live


def cancel_live_session(session: Session, live: LiveSession, *, changed_by_id: int) -> bool:
    """Cancel a live session: it is kept, shown as cancelled (STATUS:CANCELLED in
    calendars, a new ``sequence``), and those who joined the round are mailed when it was
    still to come. False when attendance is recorded for it (it took place) or it is
    cancelled already."""
    if live.cancelled_at is not None:
        return False
    has_attendance = session.scalar(
        select(func.count()).select_from(Attendance).where(Attendance.live_session_id == live.id)
    )
    if has_attendance:
        return False
    live.cancelled_at = live.changed_at = utcnow()
    live.sequence += 1
    session.flush()
    audit.record(
        session,
        "live_session.cancelled",
        actor_id=changed_by_id,
        object_type="live_session",
        object_id=live.id,
        organisation_id=live.cohort.organisation_id,
        title=live.title,
        sequence=live.sequence,
    )
    _tell_participants(session, live, notifications.CANCELLED)
    return True


def _tell_participants(session: Session, live: LiveSession, change: str) -> None:
    """Mail the change to those who joined the round (not withdrawn), unless the session
    is over: a session added afterwards to take attendance is news to nobody."""
    if live.ends_at <= utcnow():
        return
    enrolments = session.scalars(
        select(Enrolment)
        .options(joinedload(Enrolment.user))
        .where(
            Enrolment.cohort_id == live.cohort_id,
            Enrolment.status != EnrolmentStatus.WITHDRAWN,
            joined_column(),
        )
        .order_by(Enrolment.id)
    ).all()
    notifications.live_session_changed(session, live, change, enrolments)


def cohort_counts(session: Session, cohort_ids: list[int]) -> dict[int, dict[str, int]]:
    """Participants per status for each cohort, in one GROUP BY."""
    counts: dict[int, dict[str, int]] = {cohort_id: {} for cohort_id in cohort_ids}
    if cohort_ids:
        for cohort_id, status, number in session.execute(
            select(Enrolment.cohort_id, Enrolment.status, func.count())
            .where(Enrolment.cohort_id.in_(cohort_ids))
            .group_by(Enrolment.cohort_id, Enrolment.status)
        ):
            counts[cohort_id][status.value] = number
    return counts


def present_at(session: Session, live: LiveSession, enrolment_ids: list[int]) -> set[int]:
    """Those of ``enrolment_ids`` marked present at the session."""
    if not enrolment_ids:
        return set()
    return set(
        session.scalars(
            select(Attendance.enrolment_id).where(
                Attendance.live_session_id == live.id,
                Attendance.present.is_(True),
                Attendance.enrolment_id.in_(enrolment_ids),
            )
        )
    )


def save_attendance(
    session: Session,
    live: LiveSession,
    present_ids: set[int],
    enrolment_ids: list[int],
    *,
    recorded_by_id: int,
) -> int:
    """Record who of ``enrolment_ids`` (a page of the checklist) was at a live session:
    those in ``present_ids``, and not the others; returns how many marks changed. Every
    change goes to the audit log."""
    existing = {
        row.enrolment_id: row
        for row in session.scalars(
            select(Attendance).where(
                Attendance.live_session_id == live.id,
                Attendance.enrolment_id.in_(enrolment_ids),
            )
        )
    }
    changed = 0
    now = utcnow()
    for enrolment_id in enrolment_ids:
        present = enrolment_id in present_ids
        row = existing.get(enrolment_id)
        if row is None:
            if not present:
                continue
            session.add(
                Attendance(
                    live_session_id=live.id,
                    enrolment_id=enrolment_id,
                    present=True,
                    recorded_by_id=recorded_by_id,
                    recorded_at=now,
                )
            )
        elif row.present != present:
            row.present = present
            row.recorded_by_id = recorded_by_id
            row.recorded_at = now
        else:
            continue
        changed += 1
    session.flush()
    course = get_course(live.cohort.course_slug)
    if changed and course is not None:
        # Attendance may be what completes a course that requires it.
        progress.recheck_completions(session, live.cohort, course)
    if changed:
        audit.record(
            session,
            "attendance.saved",
            actor_id=recorded_by_id,
            object_type="live_session",
            object_id=live.id,
            organisation_id=live.cohort.organisation_id,
            changed=changed,
            present=len(present_ids),
        )
    return changed


def withdraw(session: Session, enrolment: Enrolment, *, withdrawn_by_id: int) -> None:
    """Withdraw a participant; their history stays, and ``reinstate`` undoes it."""
    enrolment.status = EnrolmentStatus.WITHDRAWN
    enrolment.withdrawn_at = utcnow()
    session.flush()
    audit.record(
        session,
        "enrolment.withdrawn",
        actor_id=withdrawn_by_id,
        object_type="enrolment",
        object_id=enrolment.id,
        organisation_id=enrolment.cohort.organisation_id,
    )


def reinstate(session: Session, enrolment: Enrolment, *, reinstated_by_id: int) -> None:
    """Bring a withdrawn participant back with their progress: completed if they had
    completed the course, taking it if they had joined, else invited."""
    if enrolment.status != EnrolmentStatus.WITHDRAWN:
        raise ValueError("only a withdrawn participant can be reinstated")
    if enrolment.completed_at is not None:
        enrolment.status = EnrolmentStatus.COMPLETED
    elif enrolment.accepted_at is not None:
        enrolment.status = EnrolmentStatus.ACTIVE
    else:
        enrolment.status = EnrolmentStatus.INVITED
    enrolment.withdrawn_at = None
    session.flush()
    audit.record(
        session,
        "enrolment.reinstated",
        actor_id=reinstated_by_id,
        object_type="enrolment",
        object_id=enrolment.id,
        organisation_id=enrolment.cohort.organisation_id,
        status=enrolment.status.value,
    )


def move(session: Session, enrolment: Enrolment, target: Cohort, *, moved_by_id: int) -> None:
    """Move a participant to another cohort of the same course; progress moves along
    because it belongs to the enrolment."""
    if target.course_slug != enrolment.cohort.course_slug:
        raise ValueError("a participant can only move to a round of the same course")
    source_id = enrolment.cohort_id
    enrolment.cohort = target
    session.execute(
        update(PartState).where(PartState.enrolment_id == enrolment.id).values(cohort_id=target.id)
    )
    # Attendance belongs to the old round's sessions and no longer counts.
    session.execute(Attendance.__table__.delete().where(Attendance.enrolment_id == enrolment.id))
    session.flush()
    audit.record(
        session,
        "enrolment.moved",
        actor_id=moved_by_id,
        object_type="enrolment",
        object_id=enrolment.id,
        organisation_id=target.organisation_id,
        from_cohort=source_id,
        to_cohort=target.id,
    )
