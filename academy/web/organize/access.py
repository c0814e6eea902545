"""Who may organize what: an organizer their own organisations, an administrator all;
and who may read a place without owning it: the organizers and viewers of its partner
organisations, and the viewers of its owner (``services.places.partners``)."""

from __future__ import annotations

from functools import wraps
from typing import TypeVar

from flask import abort, g
from flask_login import current_user, login_required
from sqlalchemy import bindparam, select
from sqlalchemy.orm import joinedload

from ...content import Course, get_catalog
from ...db import get_session
from ...models import (
    Cohort,
    Enrolment,
    Finding,
    LiveSession,
    Measure,
    MeasureProposal,
    Organisation,
    Organizer,
    Place,
    Plan,
    Viewer,
)
from ...services import places, plans

# A row that belongs to a cohort (it has a ``cohort_id``).
InCohort = TypeVar("InCohort", Enrolment, LiveSession)


def organizer_required(view):
    """Organizers and administrators only; anyone else gets 404."""

    @wraps(view)
    @login_required
    def wrapped(*args, **kwargs):
        if not (current_user.is_admin or organisation_ids()):
            abort(404)
        return view(*args, **kwargs)

    return wrapped


# Asked on every organizer page: built once, run with the user's id (building a select
# costs about as much as running this one).
_ORGANIZED = select(Organizer.organisation_id).where(Organizer.user_id == bindparam("user_id"))
_VIEWED = select(Viewer.organisation_id).where(Viewer.user_id == bindparam("user_id"))


def organisation_ids() -> list[int] | None:
    """The organisations the current user organizes; None means all (administrator).

    Asked several times per request (navigation, access checks), so kept on ``g``.
    """
    if current_user.is_admin:
        return None
    if "organisation_ids" not in g:
        g.organisation_ids = list(get_session().scalars(_ORGANIZED, {"user_id": current_user.id}))
    return g.organisation_ids


def viewer_organisation_ids() -> list[int]:
    """The organisations the current user is a viewer of, kept on ``g``; no statement
    when the user loader found the user is no viewer at all."""
    loaded = g.get("user_views")
    if loaded is not None and loaded[0] == current_user.id and not loaded[1]:
        return []
    if "viewer_organisation_ids" not in g:
        g.viewer_organisation_ids = list(
            get_session().scalars(_VIEWED, {"user_id": current_user.id})
        )
    return g.viewer_organisation_ids


def may_read_places() -> bool:
    """Whether the current user may open the organizer pages at all: to organize, or to
    read places as a partner or viewer."""
    return bool(current_user.is_admin or organisation_ids() or viewer_organisation_ids())


def reader_required(view):
    """Organizers, administrators and viewers; anyone else gets 404. Each view then
    loads what it shows through a loader that says who may read or change it."""

    @wraps(view)
    @login_required
    def wrapped(*args, **kwargs):
        if not may_read_places():
            abort(404)
        return view(*args, **kwargs)

    return wrapped


def current_reach() -> places.Reach:
    """What the current user may do across organisations, for ``services.places``."""
    return places.Reach.of(organisation_ids(), viewer_organisation_ids())


def visible_organisations():
    query = select(Organisation).order_by(Organisation.name)
    allowed = organisation_ids()
    if allowed is not None:
        query = query.where(Organisation.id.in_(allowed))
    return get_session().scalars(query).all()


def _abort_unless_organized(organisation_id: int | None) -> None:
    """404 unless the current user organizes the organisation (None: nothing was found).
    The organisations are asked for first either way, so that a page costs the same
    statements whether or not its object exists."""
    allowed = organisation_ids()
    if organisation_id is None or (allowed is not None and organisation_id not in allowed):
        abort(404)


def load_organisation(organisation_id: int) -> Organisation:
    organisation = get_session().get(Organisation, organisation_id)
    _abort_unless_organized(organisation.id if organisation else None)
    return organisation


def load_cohort(cohort_id: int) -> Cohort:
    """A cohort of one of the current user's organisations, or 404."""
    cohort = get_session().get(Cohort, cohort_id)
    _abort_unless_organized(cohort.organisation_id if cohort else None)
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
    return _load_in_cohort(Enrolment, enrolment_id)


def load_live_session(session_id: int) -> LiveSession:
    """A live session of a cohort of one of the current user's organisations, or 404."""
    return _load_in_cohort(LiveSession, session_id)


def _load_in_cohort(model: type[InCohort], row_id: int) -> InCohort:
    row = get_session().get(model, row_id)
    if row is None:
        abort(404)
    load_cohort(row.cohort_id)
    return row


def load_place(place_id: int) -> Place:
    """A place of one of the current user's organisations (with its organisation), or 404."""
    place = get_session().get(Place, place_id, options=[joinedload(Place.organisation)])
    _abort_unless_organized(place.organisation_id if place else None)
    return place


def load_readable_place(place_id: int) -> tuple[Place, bool]:
    """A place the current user may read (with its organisation) and whether they may
    change it too (its owner's organizers and administrators), or 404. Partners and
    viewers read; no statement beyond the place's for its owner."""
    place = get_session().get(Place, place_id, options=[joinedload(Place.organisation)])
    access = None if place is None else places.place_access(get_session(), place, current_reach())
    if access is None:
        abort(404)
    return place, access is places.Access.OWNER


def load_finding(finding_id: int) -> Finding:
    """A finding of a round of one of the current user's organisations, or 404."""
    found = places.load_finding(get_session(), finding_id)
    _abort_unless_organized(found[1] if found else None)
    return found[0]


# --- plans and measures: asked of their places (services.plans.rules) ----------------------


def load_plans_organisation(organisation_id: int) -> tuple[Organisation, bool]:
    """An organisation whose plans the current user reads (organizes it, or is its
    viewer), and whether they may change them, or 404."""
    organisation = get_session().get(Organisation, organisation_id)
    reach = current_reach()
    if organisation is None or not (reach.owns(organisation.id) or organisation.id in reach.views):
        abort(404)
    return organisation, reach.owns(organisation.id)


# The plan's loader options, made once (each page of a plan asks them).
_WITH_ORGANISATION = (joinedload(Plan.organisation),)


def load_plan(plan_id: int) -> tuple[Plan, plans.PlanView]:
    """A plan at least one of whose places the current user reads, with what they see
    of it, or 404."""
    plan = get_session().get(Plan, plan_id, options=_WITH_ORGANISATION)
    view = None if plan is None else plans.plan_view(get_session(), plan, current_reach())
    if view is None:
        abort(404)
    return plan, view


def load_owned_plan(plan_id: int) -> Plan:
    """A plan of one of the current user's organisations (to change), or 404."""
    plan = get_session().get(Plan, plan_id, options=_WITH_ORGANISATION)
    _abort_unless_organized(plan.organisation_id if plan else None)
    return plan


def load_measure(measure_id: int) -> tuple[Measure, plans.MeasureRight]:
    """A measure whose place the current user reads, with what they may do with it,
    or 404."""
    measure = get_session().get(
        Measure,
        measure_id,
        options=[
            joinedload(Measure.place),
            joinedload(Measure.plan),
            joinedload(Measure.responsible),
        ],
    )
    right = (
        None if measure is None else plans.measure_right(get_session(), measure, current_reach())
    )
    if right is None:
        abort(404)
    return measure, right


def load_owned_measure(measure_id: int) -> Measure:
    """A measure the current user may change entirely (its plan's owner), or 404."""
    measure, right = load_measure(measure_id)
    if right is not plans.MeasureRight.OWNER:
        abort(404)
    return measure


def load_plan_proposal(plan_id: int, proposal_id: int) -> tuple[Plan, MeasureProposal]:
    """A plan of one of the current user's organisations and a proposal at one of its
    places, or 404: only the owner's organizers see proposals (participants' words)."""
    plan = load_owned_plan(plan_id)
    proposal = plans.proposal_of_plan(get_session(), plan, proposal_id)
    if proposal is None:
        abort(404)
    return plan, proposal
