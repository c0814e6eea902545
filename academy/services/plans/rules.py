"""Who may do what with a plan and its measures, asked of their places.

The owner's organizers (and the administrators) do everything: plans, measures, the
findings they answer. The organizers of the responsible organisation of a measure, when
it is a partner of the measure's place, update its status and add progress notes, and
change nothing else. Everyone else who reads a place (its partners, the viewers) reads
the plans that cover it and their measures at the places they read. What reads a place is
``places.place_access``: asked here for every place, so that the rule stays in one place.
"""

from __future__ import annotations

import enum
from dataclasses import dataclass

from sqlalchemy.orm import Session

from ...models import Measure, Plan
from ..places.partners import Access, Reach, place_access


class MeasureRight(enum.Enum):
    """What someone may do with a measure: everything (the owner), its progress (an
    organizer of its responsible organisation), or read it."""

    OWNER = "owner"
    RESPONSIBLE = "responsible"
    READER = "reader"

    @property
    def reports_progress(self) -> bool:
        """May change the status and add notes."""
        return self is not MeasureRight.READER


@dataclass(frozen=True)
class PlanView:
    """Whether ``reach`` owns the plan, and the plan's places it reads (all for an owner)."""

    owner: bool
    place_ids: frozenset[int]


def plan_view(session: Session, plan: Plan, reach: Reach) -> PlanView | None:
    """What ``reach`` sees of ``plan``; None when none of its places (a 404). One
    statement for the plan's places, and ``place_access``'s for a reader."""
    accesses = {place.id: place_access(session, place, reach) for place in plan.places}
    readable = frozenset(place_id for place_id, access in accesses.items() if access)
    if reach.owns(plan.organisation_id):
        return PlanView(owner=True, place_ids=frozenset(accesses))
    if not readable:
        return None
    return PlanView(owner=False, place_ids=readable)


def measure_right(session: Session, measure: Measure, reach: Reach) -> MeasureRight | None:
    """What ``reach`` may do with ``measure``; None when it may not read its place."""
    access = place_access(session, measure.place, reach)
    if access is None:
        return None
    if access is Access.OWNER:
        return MeasureRight.OWNER
    if reach.organizes and measure.responsible_id in reach.organizes:
        return MeasureRight.RESPONSIBLE
    return MeasureRight.READER
