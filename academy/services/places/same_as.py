"""Marking a finding of a later walk as the same problem as one of an earlier walk, which
is how the comparison of walks (``walks``) tells "still there" from "new".

A finding may be marked the same as any finding of the same place from an earlier round
(another round, and found before it). The mark always names the problem's first finding:
marking A the same as B names B's first finding when B is itself marked, and findings that
named A move along to that first finding, so that no chain is ever longer than one step.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import ColumnElement, case, func, literal, select, update
from sqlalchemy.orm import Session

from ...models import (
    Cohort,
    Finding,
    FindingCategory,
    FindingPhoto,
    FindingSeverity,
    FindingStatus,
    Place,
)
from .. import audit
from ..paging import Page, page_offset
from .listing import FINDING_COLUMNS, PHOTO_SIZE_COLUMNS, FindingFilters, finding_criteria
from .walk_summaries import PLACES_OPTION

CANDIDATES_PAGE_SIZE = 20


@dataclass(frozen=True, slots=True)
class Candidate:
    """An earlier finding to choose, as its owner's organizers see it (with its round)."""

    id: int
    spot: str
    category: FindingCategory
    severity: FindingSeverity | None
    observation: str
    suggestion: str
    status: FindingStatus
    cohort_name: str
    created_at: datetime
    photo_width: int | None = None
    photo_height: int | None = None


class SameAsError(ValueError):
    """The chosen finding cannot be the earlier one (another place, a later or the same
    round, the finding itself)."""


def _earlier_criteria(
    place: Place, finding: Finding, category: FindingCategory | None
) -> list[ColumnElement[bool]]:
    return [
        *finding_criteria(place, FindingFilters(category=category)),
        Finding.cohort_id != finding.cohort_id,
        Finding.created_at < finding.created_at,
    ]


def same_as_candidates(
    session: Session,
    place: Place,
    finding: Finding,
    *,
    category: FindingCategory | None,
    number: int = 1,
    size: int = CANDIDATES_PAGE_SIZE,
) -> Page[Candidate]:
    """The findings of earlier walks that ``finding`` could be the same as (of
    ``category``, or all), those at the same spot first, then newest first; two
    statements (the count, the page)."""
    criteria = _earlier_criteria(place, finding, category)
    total = session.scalar(
        select(func.count())
        .select_from(Finding)
        .join(Cohort, Cohort.id == Finding.cohort_id)
        .where(*criteria)
    )
    skip = page_offset(number, size)
    rows: tuple[Candidate, ...] = ()
    if skip < total:
        # Both sides lowered by the database: SQLite lowers ASCII only, so Python's lower()
        # on one side would miss "Gången" against "gången".
        same_spot = case(
            (func.lower(Finding.spot) == func.lower(literal(finding.spot)), 0), else_=1
        )
        rows = tuple(
            Candidate(**row._mapping)
            for row in session.execute(
                select(
                    *FINDING_COLUMNS,
                    Cohort.name.label("cohort_name"),
                    Finding.created_at,
                    *PHOTO_SIZE_COLUMNS,
                )
                .join(Cohort, Cohort.id == Finding.cohort_id)
                .outerjoin(FindingPhoto, FindingPhoto.finding_id == Finding.id)
                .where(*criteria)
                .order_by(same_spot, Finding.created_at.desc(), Finding.id.desc())
                .limit(size)
                .offset(skip)
            )
        )
    return Page(rows=rows, number=number, size=size, total=total)


def mark_same_as(
    session: Session, place: Place, finding: Finding, earlier_id: int, *, changed_by_id: int
) -> Finding:
    """Mark ``finding`` the same problem as the finding ``earlier_id`` names (see the
    module); returns the problem's first finding. Raises SameAsError when that finding is
    not one of ``place``'s from an earlier round."""
    earlier = session.scalar(
        select(Finding)
        .join(Cohort, Cohort.id == Finding.cohort_id)
        .where(Finding.id == earlier_id, *_earlier_criteria(place, finding, None))
    )
    if earlier is None or finding.place_id != place.id:
        raise SameAsError(earlier_id)
    first_id = earlier.same_as_id or earlier.id
    previous = finding.same_as_id
    finding.same_as_id = first_id
    session.execute(
        update(Finding)
        .where(Finding.same_as_id == finding.id)
        .values(same_as_id=first_id)
        .execution_options(synchronize_session="fetch", **{PLACES_OPTION: [place.id]})
    )
    session.flush()
    audit.record(
        session,
        "finding.same_as",
        actor_id=changed_by_id,
        object_type="finding",
        object_id=finding.id,
        organisation_id=place.organisation_id,
        place=place.id,
        same_as=first_id,
        previous=previous,
    )
    return session.get(Finding, first_id)


def clear_same_as(session: Session, place: Place, finding: Finding, *, changed_by_id: int) -> bool:
    """Make ``finding`` a problem of its own again; False when it was not marked."""
    if finding.same_as_id is None:
        return False
    previous = finding.same_as_id
    finding.same_as_id = None
    session.flush()
    audit.record(
        session,
        "finding.same_as_cleared",
        actor_id=changed_by_id,
        object_type="finding",
        object_id=finding.id,
        organisation_id=place.organisation_id,
        place=place.id,
        previous=previous,
    )
    return True
