"""What the plan pages show, each loaded in a fixed number of statements whatever the
number of measures (``tests/test_statement_counts.py`` pins them). Participants' names
are never loaded: a finding is its spot, category and status, a proposal (the owner's
only) its text and round."""

from __future__ import annotations

from collections import Counter
from collections.abc import Collection
from dataclasses import dataclass, field
from datetime import date

from sqlalchemy import bindparam, func, select
from sqlalchemy.orm import Session, joinedload, selectinload

from ...models import (
    Finding,
    FindingCategory,
    FindingStatus,
    Measure,
    MeasureNote,
    MeasureStatus,
    Organisation,
    Place,
    Plan,
    PlanReview,
    User,
    measure_finding,
    plan_place,
)
from ..paging import Page, page_offset
from .proposals import ProposalRow, open_proposals

CHOOSER_PAGE_SIZE = 50


# --- lists of plans -------------------------------------------------------------------------


def plans_of_organisation(session: Session, organisation_id: int) -> list[Plan]:
    """The organisation's plans, latest period first, with their places (two statements)."""
    return list(
        session.scalars(
            select(Plan)
            .options(selectinload(Plan.places))
            .where(Plan.organisation_id == organisation_id)
            .order_by(Plan.starts_on.desc(), Plan.title, Plan.id)
        )
    )


def plans_of_place(session: Session, place_id: int) -> list[Plan]:
    """The plans that cover the place, latest period first, with their places."""
    covering = select(plan_place.c.plan_id).where(plan_place.c.place_id == place_id)
    return list(
        session.scalars(
            select(Plan)
            .options(selectinload(Plan.places))
            .where(Plan.id.in_(covering))
            .order_by(Plan.starts_on.desc(), Plan.title, Plan.id)
        )
    )


# --- the plan page --------------------------------------------------------------------------


@dataclass
class MeasureRow:
    measure: Measure
    place_name: str
    findings: int
    overdue: bool


@dataclass
class OrganisationProgress:
    """How far one responsible organisation has come: its measures per status."""

    organisation: Organisation
    counts: Counter = field(default_factory=Counter)

    @property
    def total(self) -> int:
        return sum(self.counts.values())


@dataclass
class PlanPage:
    plan: Plan
    places: list[Place]
    measures: list[MeasureRow]
    progress: list[OrganisationProgress]
    reviews: list[PlanReview]
    next_review: PlanReview | None
    overdue: int
    proposals: list[ProposalRow] = field(default_factory=list)


# The plan page's two statements, built once (as services.roster's): building them took
# a third of a millisecond of each request, as much as running them.
_MEASURES_AT_PLACES = (
    select(Measure)
    .options(joinedload(Measure.responsible))
    .where(
        Measure.plan_id == bindparam("plan_id"),
        Measure.place_id.in_(bindparam("place_ids", expanding=True)),
    )
    .order_by(Measure.due_on.is_(None), Measure.due_on, Measure.title, Measure.id)
)

_FINDINGS_PER_MEASURE = (
    select(measure_finding.c.measure_id, func.count())
    .join(Measure, Measure.id == measure_finding.c.measure_id)
    .where(Measure.plan_id == bindparam("plan_id"))
    .group_by(measure_finding.c.measure_id)
)


def plan_page(
    session: Session,
    plan: Plan,
    place_ids: Collection[int],
    today: date,
    *,
    with_proposals: bool = False,
) -> PlanPage:
    """The plan with its measures at ``place_ids`` (the places the reader reads), by due
    date; progress per responsible organisation; review dates, the next one marked; for
    the owner (``with_proposals``), the open proposals of its places (one statement)."""
    places = [place for place in plan.places if place.id in place_ids]
    names = {place.id: place.name for place in places}
    measures = list(
        session.scalars(_MEASURES_AT_PLACES, {"plan_id": plan.id, "place_ids": list(names)})
    )
    counts = dict(session.execute(_FINDINGS_PER_MEASURE, {"plan_id": plan.id}).all())
    rows = [
        MeasureRow(m, names[m.place_id], counts.get(m.id, 0), m.overdue_on(today)) for m in measures
    ]
    progress: dict[int, OrganisationProgress] = {}
    for measure in measures:
        entry = progress.setdefault(
            measure.responsible_id, OrganisationProgress(measure.responsible)
        )
        entry.counts[measure.status] += 1
    ordered = sorted(
        progress.values(),
        key=lambda entry: (entry.organisation.id != plan.organisation_id, entry.organisation.name),
    )
    reviews = list(plan.reviews)
    return PlanPage(
        plan=plan,
        places=places,
        measures=rows,
        progress=ordered,
        reviews=reviews,
        next_review=next((review for review in reviews if review.review_on >= today), None),
        overdue=sum(row.overdue for row in rows),
        proposals=open_proposals(session, list(names)) if with_proposals else [],
    )


# --- the measure page -----------------------------------------------------------------------


@dataclass
class MeasurePage:
    measure: Measure
    contact_person: User | None
    findings: list[Finding]
    notes: list[tuple[MeasureNote, str]]
    overdue: bool
    open_findings: int


def measure_page(session: Session, measure: Measure, today: date) -> MeasurePage:
    """The measure with its findings (spot, category, status) and its notes, newest
    first, each with its author's name ("" once the author is erased)."""
    findings = list(
        session.scalars(
            select(Finding)
            .join(measure_finding, measure_finding.c.finding_id == Finding.id)
            .where(measure_finding.c.measure_id == measure.id)
            .order_by(Finding.spot, Finding.id)
        )
    )
    notes = [
        (note, name or "")
        for note, name in session.execute(
            select(MeasureNote, User.name)
            .outerjoin(User, User.id == MeasureNote.author_id)
            .where(MeasureNote.measure_id == measure.id)
            .order_by(MeasureNote.created_at.desc(), MeasureNote.id.desc())
        )
    ]
    contact = session.get(User, measure.contact_id) if measure.contact_id else None
    return MeasurePage(
        measure=measure,
        contact_person=contact,
        findings=findings,
        notes=notes,
        overdue=measure.overdue_on(today),
        open_findings=sum(finding.status != FindingStatus.DONE for finding in findings),
    )


# --- choosing the findings a measure answers ------------------------------------------------


@dataclass(frozen=True)
class ChooserFilters:
    category: FindingCategory | None = None
    status: FindingStatus | None = None

    def args(self) -> dict[str, str]:
        return {
            name: value.value
            for name, value in (("category", self.category), ("status", self.status))
            if value is not None
        }


def findings_to_choose(
    session: Session, measure: Measure, filters: ChooserFilters, number: int
) -> tuple[Page[Finding], set[int]]:
    """One page of the findings of the measure's place (newest first, filtered) and the
    ids of those linked to the measure."""
    conditions = [Finding.place_id == measure.place_id]
    if filters.category is not None:
        conditions.append(Finding.category == filters.category)
    if filters.status is not None:
        conditions.append(Finding.status == filters.status)
    total = session.scalar(select(func.count()).select_from(Finding).where(*conditions)) or 0
    rows = tuple(
        session.scalars(
            select(Finding)
            .where(*conditions)
            .order_by(Finding.created_at.desc(), Finding.id.desc())
            .offset(page_offset(number, CHOOSER_PAGE_SIZE))
            .limit(CHOOSER_PAGE_SIZE)
        )
    )
    linked = set(
        session.scalars(
            select(measure_finding.c.finding_id).where(
                measure_finding.c.measure_id == measure.id,
                measure_finding.c.finding_id.in_([finding.id for finding in rows]),
            )
        )
    )
    return Page(rows, number, CHOOSER_PAGE_SIZE, total), linked


OPEN_MEASURE_STATUSES = tuple(status for status in MeasureStatus if status.is_open)
