"""Who reads a place besides its owner: partner organisations and viewers.

An organisation's organizers own its places: they change findings, edit the place and
choose its partners. Others read a place without changing it:

- the organizers and viewers of a partner organisation the owner added to the place
  (the police district, the property owners' association, the traders);
- the viewers of the owning organisation (a steering group, a crime-prevention council).

``Reach`` is what one person may do across organisations, built once per request by the
web layer; ``place_access`` answers for one place. Whatever belongs to a place later (a
plan, a measure) asks ``place_access`` of its place, so that the rule stays in one place.
Nothing else of the owner (rounds, participants, reports) is reached through a partner.
"""

from __future__ import annotations

import enum
from collections.abc import Collection
from dataclasses import dataclass

from sqlalchemy import and_, exists, or_, select, true
from sqlalchemy.orm import Session, joinedload

from ...models import Organisation, Place, PlacePartner
from .. import audit


class Access(enum.Enum):
    """What someone may do with a place: change it (its owner's organizers and the
    administrators) or only read it (partners and viewers)."""

    OWNER = "owner"
    READER = "reader"


@dataclass(frozen=True)
class Reach:
    """The organisations one person organizes (``None``: all, an administrator) and the
    ones they are a viewer of."""

    organizes: frozenset[int] | None
    views: frozenset[int] = frozenset()

    @classmethod
    def of(cls, organizes: Collection[int] | None, views: Collection[int] = ()) -> Reach:
        return cls(None if organizes is None else frozenset(organizes), frozenset(views))

    def owns(self, organisation_id: int) -> bool:
        return self.organizes is None or organisation_id in self.organizes

    @property
    def members_of(self) -> frozenset[int]:
        """The organisations whose partner places this person reads."""
        return (self.organizes or frozenset()) | self.views


def place_access(session: Session, place: Place, reach: Reach) -> Access | None:
    """What ``reach`` may do with ``place``; None when nothing (the page is a 404).
    No statement for an owner, one for anyone else who is a member of an organisation."""
    if reach.owns(place.organisation_id):
        return Access.OWNER
    if place.organisation_id in reach.views:
        return Access.READER
    if reach.members_of and session.scalar(
        select(
            exists().where(
                PlacePartner.place_id == place.id,
                PlacePartner.organisation_id.in_(reach.members_of),
            )
        )
    ):
        return Access.READER
    return None


def readable_places(session: Session, reach: Reach) -> list[Place]:
    """The places ``reach`` reads without owning them (with their owning organisation):
    its organisations' partner places and, for a viewer, the viewed organisations' own.
    Sorted by owner, then name."""
    if reach.organizes is None or not reach.members_of:
        return []
    partner_places = select(PlacePartner.place_id).where(
        PlacePartner.organisation_id.in_(reach.members_of)
    )
    query = (
        select(Place)
        .join(Organisation, Organisation.id == Place.organisation_id)
        .options(joinedload(Place.organisation))
        .where(
            or_(Place.organisation_id.in_(reach.views), Place.id.in_(partner_places)),
            Place.organisation_id.not_in(reach.organizes) if reach.organizes else true(),
        )
        .order_by(Organisation.name, Place.name, Place.id)
    )
    return list(session.scalars(query))


# --- the owner's side: choosing partners ---------------------------------------------------


@dataclass(frozen=True)
class PartnerChoice:
    """The place's partners (each with the id of its ``PlacePartner`` row, for removing)
    and the organisations the owner may still add: every other one."""

    partners: list[tuple[int, Organisation]]
    candidates: list[Organisation]


def partner_choice(session: Session, place: Place) -> PartnerChoice:
    """The place's partners and the other organisations, by name, in one statement."""
    rows = session.execute(
        select(Organisation, PlacePartner.id)
        .outerjoin(
            PlacePartner,
            and_(
                PlacePartner.organisation_id == Organisation.id,
                PlacePartner.place_id == place.id,
            ),
        )
        .where(Organisation.id != place.organisation_id)
        .order_by(Organisation.name)
    ).all()
    return PartnerChoice(
        partners=[(partner_id, organisation) for organisation, partner_id in rows if partner_id],
        candidates=[organisation for organisation, partner_id in rows if partner_id is None],
    )


class PartnerError(ValueError):
    """The organisation cannot be the place's partner (it owns the place, or is gone)."""


def add_partner(
    session: Session, place: Place, organisation_id: int, *, added_by_id: int | None
) -> PlacePartner:
    """Make the organisation a partner of ``place`` (audited); an existing partner is
    returned as it is. The owner is never its own partner."""
    if organisation_id == place.organisation_id:
        raise PartnerError("the owner of a place is not its partner")
    organisation = session.get(Organisation, organisation_id)
    if organisation is None:
        raise PartnerError("no such organisation")
    partner = session.scalar(
        select(PlacePartner).where(
            PlacePartner.place_id == place.id, PlacePartner.organisation_id == organisation_id
        )
    )
    if partner is not None:
        return partner
    partner = PlacePartner(place=place, organisation=organisation, added_by_id=added_by_id)
    session.add(partner)
    session.flush()
    audit.record(
        session,
        "place.partner_added",
        actor_id=added_by_id,
        object_type="place",
        object_id=place.id,
        organisation_id=place.organisation_id,
        partner_id=organisation.id,
        partner=organisation.name,
    )
    return partner


def remove_partner(session: Session, partner: PlacePartner, *, removed_by_id: int) -> None:
    place = session.get(Place, partner.place_id)
    audit.record(
        session,
        "place.partner_removed",
        actor_id=removed_by_id,
        object_type="place",
        object_id=partner.place_id,
        organisation_id=place.organisation_id if place else None,
        partner_id=partner.organisation_id,
    )
    session.delete(partner)
    session.flush()
