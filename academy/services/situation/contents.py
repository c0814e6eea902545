"""What a lägesbild (situation picture) holds, gathered once for the PDF and the workbook:
for a place, or for the places of a plan (an area), each place's description, its walks
compared over time (``places.walks``) and its open findings; and the measures, each with
its plan, place, responsible organisation, due date, status and indicator.

No personal names: not the participants who found things, not the organizers who changed
a status, not a measure's contact person, and not the owner's round names either (a walk
is named by its number and date), so that a partner or viewer may take one too and a
municipality may attach it to a public decision.
"""

from __future__ import annotations

from collections.abc import Collection, Mapping
from dataclasses import dataclass
from datetime import date

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from ...models import (
    Cohort,
    Finding,
    FindingCategory,
    FindingSeverity,
    Measure,
    MeasureStatus,
    Organisation,
    Place,
    Plan,
    measure_finding,
)
from ..places.labels import OPEN_STATUSES, SEVERITIES
from ..places.listing import FINDING_COLUMNS, FindingFilters, finding_criteria
from ..places.shared import SharedFinding
from ..places.walks import CompareBy, WalkComparison, compare_walks


@dataclass(frozen=True, slots=True)
class PlaceSituation:
    place_id: int
    name: str
    description: str
    comparison: WalkComparison
    # The open findings (new or planned) counted by category and severity, and listed by
    # category, the most serious first.
    open_counts: Mapping[tuple[FindingCategory, FindingSeverity | None], int]
    open_findings: tuple[SharedFinding, ...]

    @property
    def open_total(self) -> int:
        return sum(self.open_counts.values())

    def open_category_total(self, category: FindingCategory) -> int:
        return sum(self.open_counts.get((category, severity), 0) for severity in SEVERITIES)


@dataclass(frozen=True, slots=True)
class MeasureLine:
    plan_title: str
    place_name: str
    title: str
    responsible: str
    due_on: date | None
    status: MeasureStatus
    overdue: bool
    indicator: str
    expected_effect: str
    findings: int


@dataclass(frozen=True, slots=True)
class Situation:
    """A lägesbild of ``title`` (the place's name or the plan's title), of the
    organisation that owns it, on ``today``."""

    title: str
    organisation: Organisation
    plan: Plan | None
    places: tuple[PlaceSituation, ...]
    measures: tuple[MeasureLine, ...]
    today: date

    @property
    def overdue(self) -> int:
        return sum(line.overdue for line in self.measures)


def place_situation(
    session: Session, place: Place, *, today: date, by: CompareBy = CompareBy.WALK
) -> Situation:
    """The lägesbild of one place: its walks, open findings and every measure of every
    plan at it."""
    return Situation(
        title=place.name,
        organisation=place.organisation,
        plan=None,
        places=(_place(session, place, by),),
        measures=_measures(session, [place], today, plan_id=None),
        today=today,
    )


def plan_situation(
    session: Session,
    plan: Plan,
    place_ids: Collection[int],
    *,
    today: date,
    by: CompareBy = CompareBy.WALK,
) -> Situation:
    """The lägesbild of a plan's area: those of its places the reader reads
    (``place_ids``), and the plan's measures at them."""
    places = [place for place in plan.places if place.id in place_ids]
    return Situation(
        title=plan.title,
        organisation=plan.organisation,
        plan=plan,
        places=tuple(_place(session, place, by) for place in places),
        measures=_measures(session, places, today, plan_id=plan.id),
        today=today,
    )


def _place(session: Session, place: Place, by: CompareBy) -> PlaceSituation:
    criteria = [
        *finding_criteria(place, FindingFilters()),
        Finding.status.in_(OPEN_STATUSES),
    ]
    counts = {
        (category, severity): count
        for category, severity, count in session.execute(
            select(Finding.category, Finding.severity, func.count())
            .join(Cohort, Cohort.id == Finding.cohort_id)
            .where(*criteria)
            .group_by(Finding.category, Finding.severity)
        )
    }
    rank = {category: index for index, category in enumerate(FindingCategory)}
    serious = {severity: index for index, severity in enumerate(SEVERITIES)}
    findings = sorted(
        (
            SharedFinding(**row._mapping)
            for row in session.execute(
                select(*FINDING_COLUMNS)
                .join(Cohort, Cohort.id == Finding.cohort_id)
                .where(*criteria)
            )
        ),
        key=lambda f: (rank[f.category], serious[f.severity], f.spot.casefold(), f.id),
    )
    return PlaceSituation(
        place_id=place.id,
        name=place.name,
        description=place.description,
        comparison=compare_walks(
            session, place, by=by, tz=place.organisation.timezone, with_rounds=False
        ),
        open_counts=counts,
        open_findings=tuple(findings),
    )


def _measures(
    session: Session, places: list[Place], today: date, *, plan_id: int | None
) -> tuple[MeasureLine, ...]:
    """The measures at ``places`` (of one plan, or of every plan), by plan and due date."""
    names = {place.id: place.name for place in places}
    if not names:
        return ()
    linked = (
        select(measure_finding.c.measure_id, func.count().label("findings"))
        .group_by(measure_finding.c.measure_id)
        .subquery()
    )
    statement = (
        select(Measure, Plan.title, Organisation.name, linked.c.findings)
        .join(Plan, Plan.id == Measure.plan_id)
        .join(Organisation, Organisation.id == Measure.responsible_id)
        .outerjoin(linked, linked.c.measure_id == Measure.id)
        .where(Measure.place_id.in_(list(names)))
        .order_by(Plan.starts_on, Plan.id, Measure.due_on.is_(None), Measure.due_on, Measure.id)
    )
    if plan_id is not None:
        statement = statement.where(Measure.plan_id == plan_id)
    return tuple(
        MeasureLine(
            plan_title=plan_title,
            place_name=names[measure.place_id],
            title=measure.title,
            responsible=responsible,
            due_on=measure.due_on,
            status=measure.status,
            overdue=measure.overdue_on(today),
            indicator=measure.indicator,
            expected_effect=measure.expected_effect,
            findings=findings or 0,
        )
        for measure, plan_title, responsible, findings in session.execute(statement)
    )
