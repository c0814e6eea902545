"""Organisations and cohorts (the organizer pages build on these)."""

from __future__ import annotations

from datetime import date

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from ..models import (
    Attendance,
    Cohort,
    Enrolment,
    LiveSession,
    Organisation,
    OrganisationKind,
    Place,
    utcnow,
)
from . import audit


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
    starts_on: date | None = None,
    ends_on: date | None = None,
    deadline: date | None = None,
) -> Cohort:
    cohort = Cohort(
        organisation=organisation,
        course_slug=course_slug,
        name=name.strip(),
        starts_on=starts_on,
        ends_on=ends_on,
        deadline=deadline,
    )
    session.add(cohort)
    session.flush()
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


def update_cohort(session: Session, cohort: Cohort, *, changed_by_id: int, **values) -> None:
    """Change a cohort's settings; the audit log keeps what changed."""
    changes = {}
    for key, value in values.items():
        if getattr(cohort, key) != value:
            changes[key] = str(value)
            setattr(cohort, key, value)
    session.flush()
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


def save_live_session(
    session: Session, cohort: Cohort, live: LiveSession | None, *, changed_by_id: int, **values
) -> LiveSession:
    if live is None:
        live = LiveSession(cohort=cohort)
        session.add(live)
    for key, value in values.items():
        setattr(live, key, value)
    session.flush()
    audit.record(
        session,
        "live_session.saved",
        actor_id=changed_by_id,
        object_type="live_session",
        object_id=live.id,
        organisation_id=cohort.organisation_id,
        title=live.title,
    )
    return live


def delete_live_session(session: Session, live: LiveSession, *, changed_by_id: int) -> bool:
    """Delete a live session that has no attendance recorded; False if it has some."""
    has_attendance = session.scalar(
        select(func.count()).select_from(Attendance).where(Attendance.live_session_id == live.id)
    )
    if has_attendance:
        return False
    audit.record(
        session,
        "live_session.deleted",
        actor_id=changed_by_id,
        object_type="live_session",
        object_id=live.id,
        organisation_id=live.cohort.organisation_id,
        title=live.title,
    )
    session.delete(live)
    session.flush()
    return True


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
