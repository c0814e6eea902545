"""The organisation's places: naming, creating and renaming them, and their overview."""

from __future__ import annotations

from collections import Counter
from dataclasses import dataclass

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from ...models import Cohort, Finding, Organisation, Place
from .. import audit
from .labels import OPEN_STATUSES

PLACE_NAME_MAX = 200
PLACE_DESCRIPTION_MAX = 1000


def place_name_taken(
    session: Session, organisation_id: int, name: str, *, except_id: int | None = None
) -> bool:
    """Whether another place of the organisation has this name, in any case (the import
    and the round form match names that way)."""
    wanted = name.strip().casefold()
    rows = session.execute(
        select(Place.id, Place.name).where(Place.organisation_id == organisation_id)
    )
    return any(name.casefold() == wanted and place_id != except_id for place_id, name in rows)


def create_place(
    session: Session,
    organisation: Organisation,
    *,
    name: str,
    description: str = "",
    created_by_id: int | None,
) -> Place:
    place = Place(
        organisation_id=organisation.id, name=name.strip(), description=description.strip()
    )
    session.add(place)
    session.flush()
    audit.record(
        session,
        "place.created",
        actor_id=created_by_id,
        object_type="place",
        object_id=place.id,
        organisation_id=organisation.id,
        name=place.name,
    )
    return place


def update_place(
    session: Session, place: Place, *, name: str, description: str, changed_by_id: int
) -> None:
    """Rename or describe a place; the audit log keeps what changed."""
    changes = {}
    for key, value in (("name", name.strip()), ("description", description.strip())):
        if getattr(place, key) != value:
            changes[key] = value
            setattr(place, key, value)
    session.flush()
    if changes:
        audit.record(
            session,
            "place.changed",
            actor_id=changed_by_id,
            object_type="place",
            object_id=place.id,
            organisation_id=place.organisation_id,
            **changes,
        )


@dataclass(frozen=True, slots=True)
class PlaceRow:
    place: Place
    cohorts: int
    findings: int
    open: int


@dataclass(frozen=True, slots=True)
class PlacesOverview:
    rows: tuple[PlaceRow, ...]
    # Findings of the organisation's rounds that have no place.
    unplaced: int


def places_overview(session: Session, organisation: Organisation) -> PlacesOverview:
    """The organisation's places by name, with their rounds and findings counted: three
    statements whatever their number."""
    places = session.scalars(
        select(Place).where(Place.organisation_id == organisation.id).order_by(Place.name)
    ).all()
    cohorts = dict(
        session.execute(
            select(Cohort.place_id, func.count())
            .where(Cohort.organisation_id == organisation.id, Cohort.place_id.is_not(None))
            .group_by(Cohort.place_id)
        ).all()
    )
    findings: Counter[int | None] = Counter()
    open_: Counter[int | None] = Counter()
    for place_id, status, count in session.execute(
        select(Finding.place_id, Finding.status, func.count())
        .join(Cohort, Cohort.id == Finding.cohort_id)
        .where(Cohort.organisation_id == organisation.id)
        .group_by(Finding.place_id, Finding.status)
    ):
        findings[place_id] += count
        if status in OPEN_STATUSES:
            open_[place_id] += count
    return PlacesOverview(
        rows=tuple(
            PlaceRow(place, cohorts.get(place.id, 0), findings[place.id], open_[place.id])
            for place in places
        ),
        unplaced=findings[None],
    )
