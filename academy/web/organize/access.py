"""Who may organize what: an organizer their own organisations, an administrator all."""

from __future__ import annotations

from functools import wraps

from flask import abort, g
from flask_login import current_user, login_required
from sqlalchemy import select
from sqlalchemy.orm import joinedload

from ...content import Course, get_catalog
from ...db import get_session
from ...models import Cohort, Enrolment, Finding, Organisation, Organizer, Place
from ...services import places


def organizer_required(view):
    """Organizers and administrators only; anyone else gets 404."""

    @wraps(view)
    @login_required
    def wrapped(*args, **kwargs):
        if not (current_user.is_admin or organisation_ids()):
            abort(404)
        return view(*args, **kwargs)

    return wrapped


def organisation_ids() -> list[int] | None:
    """The organisations the current user organizes; None means all (administrator).

    Asked several times per request (navigation, access checks), so kept on ``g``.
    """
    if current_user.is_admin:
        return None
    if "organisation_ids" not in g:
        g.organisation_ids = list(
            get_session().scalars(
                select(Organizer.organisation_id).where(Organizer.user_id == current_user.id)
            )
        )
    return g.organisation_ids


def visible_organisations():
    query = select(Organisation).order_by(Organisation.name)
    allowed = organisation_ids()
    if allowed is not None:
        query = query.where(Organisation.id.in_(allowed))
    return get_session().scalars(query).all()


def load_organisation(organisation_id: int) -> Organisation:
    organisation = get_session().get(Organisation, organisation_id)
    allowed = organisation_ids()
    if organisation is None or (allowed is not None and organisation.id not in allowed):
        abort(404)
    return organisation


def load_cohort(cohort_id: int) -> Cohort:
    """A cohort of one of the current user's organisations, or 404."""
    cohort = get_session().get(Cohort, cohort_id)
    allowed = organisation_ids()
    if cohort is None or (allowed is not None and cohort.organisation_id not in allowed):
        abort(404)
    return cohort


def load_cohort_course(cohort_id: int) -> tuple[Cohort, Course]:
    """A cohort of one of the current user's organisations and its course, or 404 (also
    when the course files no longer have the course)."""
    cohort = load_cohort(cohort_id)
    course = get_catalog().get(cohort.course_slug)
    if course is None:
        abort(404)
    return cohort, course


def load_enrolment(enrolment_id: int) -> Enrolment:
    """An enrolment in a cohort of one of the current user's organisations, or 404."""
    enrolment = get_session().get(Enrolment, enrolment_id)
    if enrolment is None:
        abort(404)
    load_cohort(enrolment.cohort_id)
    return enrolment


def load_place(place_id: int) -> Place:
    """A place of one of the current user's organisations (with its organisation), or 404."""
    place = get_session().get(Place, place_id, options=[joinedload(Place.organisation)])
    allowed = organisation_ids()
    if place is None or (allowed is not None and place.organisation_id not in allowed):
        abort(404)
    return place


def load_finding(finding_id: int) -> Finding:
    """A finding of a round of one of the current user's organisations, or 404."""
    found = places.load_finding(get_session(), finding_id)
    allowed = organisation_ids()
    if found is None or (allowed is not None and found[1] not in allowed):
        abort(404)
    return found[0]
