"""Making and changing plans and measures: the owner's organizers' work.

Every function checks what the form cannot (the places are the owner's, the responsible
organisation is the owner or a partner of the measure's place, the contact organizes the
responsible organisation) and raises ``PlanError`` naming the field at fault; every
change is written to the audit log.
"""

from __future__ import annotations

from dataclasses import asdict, dataclass
from datetime import date

from sqlalchemy import exists, select
from sqlalchemy.orm import Session

from ...models import (
    Measure,
    MeasureStatus,
    Organisation,
    Organizer,
    Place,
    PlacePartner,
    Plan,
    PlanKind,
    PlanReview,
    User,
)
from .. import audit
from .progress import audit_measure, unlink_all_findings

TITLE_MAX = 200
TEXT_MAX = 5000
CONTACT_MAX = 200
REVIEW_NOTE_MAX = 200
# Dates a plan, a measure or a review may have: anything else is a slip of the keyboard.
EARLIEST = date(2000, 1, 1)
LATEST = date(2100, 12, 31)


class PlanError(ValueError):
    """What the form cannot check: ``field`` is the one at fault, ``code`` says why."""

    def __init__(self, field: str, code: str):
        super().__init__(f"{field}: {code}")
        self.field = field
        self.code = code


@dataclass(frozen=True)
class PlanValues:
    title: str
    kind: PlanKind
    starts_on: date
    ends_on: date
    place_ids: tuple[int, ...]
    description: str = ""


@dataclass(frozen=True)
class MeasureValues:
    title: str
    place_id: int
    responsible_id: int
    description: str = ""
    contact_id: int | None = None
    contact: str = ""
    due_on: date | None = None
    expected_effect: str = ""
    indicator: str = ""


def _places_of(session: Session, organisation_id: int, place_ids: tuple[int, ...]) -> list[Place]:
    if not place_ids:
        raise PlanError("places", "none")
    places = list(
        session.scalars(
            select(Place).where(Place.id.in_(place_ids), Place.organisation_id == organisation_id)
        )
    )
    if len(places) != len(set(place_ids)):
        raise PlanError("places", "unknown")
    return places


def _check_period(values: PlanValues) -> None:
    if values.ends_on < values.starts_on:
        raise PlanError("ends_on", "before_start")


def create_plan(
    session: Session, organisation: Organisation, values: PlanValues, *, created_by_id: int
) -> Plan:
    _check_period(values)
    plan = Plan(
        organisation_id=organisation.id,
        title=values.title,
        kind=values.kind,
        starts_on=values.starts_on,
        ends_on=values.ends_on,
        description=values.description,
        created_by_id=created_by_id,
        places=_places_of(session, organisation.id, values.place_ids),
    )
    session.add(plan)
    session.flush()
    _audit_plan(session, "plan.created", plan, created_by_id, values)
    return plan


def update_plan(session: Session, plan: Plan, values: PlanValues, *, changed_by_id: int) -> Plan:
    """Change the plan; a place that has measures stays (``PlanError`` on "places")."""
    _check_period(values)
    places = _places_of(session, plan.organisation_id, values.place_ids)
    dropped = {place.id for place in plan.places} - {place.id for place in places}
    if dropped and session.scalar(
        select(exists().where(Measure.plan_id == plan.id, Measure.place_id.in_(dropped)))
    ):
        raise PlanError("places", "has_measures")
    plan.title = values.title
    plan.kind = values.kind
    plan.starts_on = values.starts_on
    plan.ends_on = values.ends_on
    plan.description = values.description
    plan.places = places
    session.flush()
    _audit_plan(session, "plan.changed", plan, changed_by_id, values)
    return plan


def _audit_plan(session, action: str, plan: Plan, actor_id: int, values: PlanValues) -> None:
    audit.record(
        session,
        action,
        actor_id=actor_id,
        object_type="plan",
        object_id=plan.id,
        organisation_id=plan.organisation_id,
        title=values.title,
        kind=values.kind.value,
        starts_on=values.starts_on.isoformat(),
        ends_on=values.ends_on.isoformat(),
        places=sorted(set(values.place_ids)),
    )


def add_review(
    session: Session, plan: Plan, review_on: date, note: str, *, added_by_id: int
) -> PlanReview:
    """A review date of the plan; the same date twice keeps one, with the new note."""
    review = next((each for each in plan.reviews if each.review_on == review_on), None)
    if review is None:
        review = PlanReview(plan=plan, review_on=review_on)
        session.add(review)
    review.note = note
    session.flush()
    audit.record(
        session,
        "plan.review_added",
        actor_id=added_by_id,
        object_type="plan",
        object_id=plan.id,
        organisation_id=plan.organisation_id,
        review_on=review_on.isoformat(),
    )
    return review


def remove_review(session: Session, review: PlanReview, *, removed_by_id: int) -> None:
    plan = review.plan
    audit.record(
        session,
        "plan.review_removed",
        actor_id=removed_by_id,
        object_type="plan",
        object_id=plan.id,
        organisation_id=plan.organisation_id,
        review_on=review.review_on.isoformat(),
    )
    plan.reviews.remove(review)
    session.flush()


# --- measures ------------------------------------------------------------------------------


@dataclass(frozen=True)
class MeasureChoices:
    """What a measure of a plan may name: its places, the organisations that may be
    responsible (the owner, and the partners of each place: ``partners_of``) and the
    people who may be its contact (organizers of those organisations)."""

    places: list[Place]
    organisations: list[Organisation]
    partners_of: dict[int, frozenset[int]]
    contacts: list[tuple[User, Organisation]]

    def responsible_for(self, place_id: int) -> frozenset[int]:
        return self.partners_of.get(place_id, frozenset())


def measure_choices(session: Session, plan: Plan) -> MeasureChoices:
    """The choices of a measure form of ``plan``, in three statements."""
    places = list(plan.places)
    place_ids = [place.id for place in places]
    partners = session.execute(
        select(PlacePartner.place_id, PlacePartner.organisation_id).where(
            PlacePartner.place_id.in_(place_ids)
        )
    ).all()
    partners_of = {
        place_id: frozenset(
            {plan.organisation_id}
            | {organisation for place, organisation in partners if place == place_id}
        )
        for place_id in place_ids
    }
    organisation_ids = {plan.organisation_id} | {organisation for _place, organisation in partners}
    organisations = list(
        session.scalars(
            select(Organisation)
            .where(Organisation.id.in_(organisation_ids))
            .order_by(Organisation.id != plan.organisation_id, Organisation.name)
        )
    )
    by_id = {organisation.id: organisation for organisation in organisations}
    contacts = [
        (user, by_id[organisation_id])
        for user, organisation_id in session.execute(
            select(User, Organizer.organisation_id)
            .join(Organizer, Organizer.user_id == User.id)
            .where(Organizer.organisation_id.in_(organisation_ids))
            .order_by(User.name, User.id)
        )
    ]
    return MeasureChoices(places, organisations, partners_of, contacts)


def _check_measure(session: Session, plan: Plan, values: MeasureValues) -> None:
    choices_by_place = {place.id for place in plan.places}
    if values.place_id not in choices_by_place:
        raise PlanError("place", "not_in_plan")
    responsible = {plan.organisation_id} | set(
        session.scalars(
            select(PlacePartner.organisation_id).where(PlacePartner.place_id == values.place_id)
        )
    )
    if values.responsible_id not in responsible:
        raise PlanError("responsible", "not_a_partner")
    if values.contact_id is not None and not session.scalar(
        select(
            exists().where(
                Organizer.user_id == values.contact_id,
                Organizer.organisation_id == values.responsible_id,
            )
        )
    ):
        raise PlanError("contact_person", "not_an_organizer")


def _values_for_audit(values: MeasureValues) -> dict:
    details = asdict(values)
    details["due_on"] = values.due_on.isoformat() if values.due_on else None
    for long_text in ("description", "expected_effect", "indicator"):
        details.pop(long_text)
    return details


def create_measure(
    session: Session,
    plan: Plan,
    values: MeasureValues,
    *,
    status: MeasureStatus = MeasureStatus.PROPOSED,
    created_by_id: int,
) -> Measure:
    _check_measure(session, plan, values)
    measure = Measure(plan=plan, status=status, created_by_id=created_by_id, **asdict(values))
    session.add(measure)
    session.flush()
    audit_measure(
        session,
        "measure.created",
        measure,
        created_by_id,
        status=status.value,
        **_values_for_audit(values),
    )
    return measure


def update_measure(
    session: Session, measure: Measure, values: MeasureValues, *, changed_by_id: int
) -> Measure:
    """Change what the measure is; its linked findings follow it only within its place
    (a move to another of the plan's places unlinks them)."""
    _check_measure(session, measure.plan, values)
    moved = values.place_id != measure.place_id
    for name, value in asdict(values).items():
        setattr(measure, name, value)
    session.flush()
    if moved:
        session.expire(measure, ["place"])
        unlink_all_findings(session, measure)
    audit_measure(session, "measure.changed", measure, changed_by_id, **_values_for_audit(values))
    return measure
