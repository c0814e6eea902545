"""Before and after: a place's walks compared over time, and the measures beside them.

A *walk* is what one round of the place's owner found there: the findings of one cohort at
the place, dated by the first of them (in the organisation's time zone). Walks can be
compared one by one or merged per calendar quarter (two rounds walking the same quarter
make one column).

Problems, not findings, are followed from column to column. A finding of a later walk that
an organizer marked as the same as an earlier one (``Finding.same_as_id``, which always
names the first finding of the problem) continues that problem; any other finding starts
one. For each column after the first:

- *new*: problems first seen in this column;
- *still there*: problems of this column seen in an earlier one;
- *gone*: problems of the column before that this column does not have.

So unmarked findings of a later walk count as new: the page says so, because the figures
are only as good as the marking.

The whole comparison costs three statements whatever the number of findings: the counts
per round, category and severity; the problems per round; the place's measures with the
categories of the findings they answer.
"""

from __future__ import annotations

import enum
from collections import defaultdict
from collections.abc import Mapping
from dataclasses import dataclass
from datetime import date, datetime
from zoneinfo import ZoneInfo

from flask import current_app
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
from .labels import SEVERITIES
from .listing import FindingFilters, finding_criteria

Cell = tuple[FindingCategory, FindingSeverity | None]


class CompareBy(enum.StrEnum):
    WALK = "walk"
    QUARTER = "quarter"


@dataclass(frozen=True, slots=True)
class Column:
    """One walk, or the walks of one quarter. ``rounds`` are the names of the owner's
    rounds in it (left empty for partners and viewers, who never see them); ``new``,
    ``still_there`` and ``gone`` are None for the first column."""

    number: int
    first_on: date
    last_on: date
    quarter: tuple[int, int] | None
    rounds: tuple[str, ...]
    total: int
    counts: Mapping[Cell, int]
    new: int | None
    still_there: int | None
    gone: int | None

    def category_total(self, category: FindingCategory) -> int:
        return sum(self.counts.get((category, severity), 0) for severity in SEVERITIES)

    def severity_total(self, severity: FindingSeverity | None) -> int:
        return sum(self.counts.get((category, severity), 0) for category in FindingCategory)


@dataclass(frozen=True, slots=True)
class MeasureTrend:
    """A measure of the place beside the columns: the findings of the categories it
    answers, per column (empty when it answers no finding yet)."""

    id: int
    title: str
    plan_id: int
    plan_title: str
    status: MeasureStatus
    due_on: date | None
    responsible: str
    indicator: str
    categories: tuple[FindingCategory, ...]
    series: tuple[int, ...]


@dataclass(frozen=True, slots=True)
class WalkComparison:
    place_id: int
    place_name: str
    by: CompareBy
    columns: tuple[Column, ...]
    measures: tuple[MeasureTrend, ...]

    @property
    def categories(self) -> tuple[FindingCategory, ...]:
        """The categories some column has findings of, in the usual order."""
        return tuple(
            category
            for category in FindingCategory
            if any(column.category_total(category) for column in self.columns)
        )

    @property
    def severities(self) -> tuple[FindingSeverity | None, ...]:
        """The severities shown: "not rated" only when some finding has none."""
        unrated = any(column.severity_total(None) for column in self.columns)
        return SEVERITIES if unrated else SEVERITIES[:-1]

    def category_series(self, category: FindingCategory) -> tuple[int, ...]:
        return tuple(column.category_total(category) for column in self.columns)

    def severity_series(self, severity: FindingSeverity | None) -> tuple[int, ...]:
        return tuple(column.severity_total(severity) for column in self.columns)

    @property
    def total_series(self) -> tuple[int, ...]:
        return tuple(column.total for column in self.columns)


@dataclass
class _Walk:
    cohort_id: int
    name: str
    first_at: datetime
    last_at: datetime
    counts: dict[Cell, int]
    problems: set[int]


def compare_walks(
    session: Session,
    place: Place,
    *,
    by: CompareBy = CompareBy.WALK,
    tz: str | None = None,
    with_rounds: bool = True,
) -> WalkComparison:
    """The place's walks, oldest first, per walk or per quarter (see the module), and its
    measures with the same columns. Dates are in ``tz`` (the organisation's zone, else the
    site's TIMEZONE); ``with_rounds=False`` leaves out the round names."""
    zone = ZoneInfo(tz or current_app.config["TIMEZONE"])
    walks = _walks(session, place)
    groups: list[list[_Walk]] = []
    for walk in walks:
        if (
            by is CompareBy.QUARTER
            and groups
            and _quarter(groups[-1][0].first_at, zone) == (_quarter(walk.first_at, zone))
        ):
            groups[-1].append(walk)
        else:
            groups.append([walk])

    columns: list[Column] = []
    seen: set[int] = set()
    before: set[int] | None = None
    for number, group in enumerate(groups, start=1):
        counts: dict[Cell, int] = defaultdict(int)
        problems: set[int] = set()
        for walk in group:
            for cell, count in walk.counts.items():
                counts[cell] += count
            problems |= walk.problems
        columns.append(
            Column(
                number=number,
                first_on=min(walk.first_at for walk in group).astimezone(zone).date(),
                last_on=max(walk.last_at for walk in group).astimezone(zone).date(),
                quarter=_quarter(group[0].first_at, zone) if by is CompareBy.QUARTER else None,
                rounds=tuple(walk.name for walk in group) if with_rounds else (),
                total=sum(counts.values()),
                counts=dict(counts),
                new=None if before is None else len(problems - seen),
                still_there=None if before is None else len(problems & seen),
                gone=None if before is None else len(before - problems),
            )
        )
        seen |= problems
        before = problems

    return WalkComparison(
        place_id=place.id,
        place_name=place.name,
        by=by,
        columns=tuple(columns),
        measures=_measure_trends(session, place, columns),
    )


def _walks(session: Session, place: Place) -> list[_Walk]:
    """The place's walks, oldest first, with their counts and problems (two statements)."""
    criteria = finding_criteria(place, FindingFilters())
    walks: dict[int, _Walk] = {}
    for cohort_id, name, category, severity, count, first_at, last_at in session.execute(
        select(
            Finding.cohort_id,
            Cohort.name,
            Finding.category,
            Finding.severity,
            func.count(),
            func.min(Finding.created_at),
            func.max(Finding.created_at),
        )
        .join(Cohort, Cohort.id == Finding.cohort_id)
        .where(*criteria)
        .group_by(Finding.cohort_id, Cohort.name, Finding.category, Finding.severity)
    ):
        walk = walks.get(cohort_id)
        if walk is None:
            walk = walks[cohort_id] = _Walk(cohort_id, name, first_at, last_at, {}, set())
        walk.first_at = min(walk.first_at, first_at)
        walk.last_at = max(walk.last_at, last_at)
        walk.counts[(category, severity)] = count
    problem = func.coalesce(Finding.same_as_id, Finding.id)
    for cohort_id, problem_id in session.execute(
        select(Finding.cohort_id, problem)
        .join(Cohort, Cohort.id == Finding.cohort_id)
        .where(*criteria)
        .distinct()
    ):
        walks[cohort_id].problems.add(problem_id)
    return sorted(walks.values(), key=lambda walk: (walk.first_at, walk.cohort_id))


def _quarter(moment: datetime, zone: ZoneInfo) -> tuple[int, int]:
    day = moment.astimezone(zone)
    return day.year, (day.month - 1) // 3 + 1


def _measure_trends(
    session: Session, place: Place, columns: list[Column]
) -> tuple[MeasureTrend, ...]:
    """The place's measures, by due date (those without one last), each with the findings
    of the categories it answers per column (one statement)."""
    rows = session.execute(
        select(
            Measure.id,
            Measure.title,
            Measure.plan_id,
            Plan.title,
            Measure.status,
            Measure.due_on,
            Organisation.name,
            Measure.indicator,
            Finding.category,
        )
        .join(Plan, Plan.id == Measure.plan_id)
        .join(Organisation, Organisation.id == Measure.responsible_id)
        .outerjoin(measure_finding, measure_finding.c.measure_id == Measure.id)
        .outerjoin(Finding, Finding.id == measure_finding.c.finding_id)
        .where(Measure.place_id == place.id)
        # Grouped rather than DISTINCT: PostgreSQL sorts a DISTINCT only by what it selects.
        .group_by(
            Measure.id,
            Measure.title,
            Measure.plan_id,
            Plan.title,
            Measure.status,
            Measure.due_on,
            Organisation.name,
            Measure.indicator,
            Finding.category,
        )
        .order_by(Measure.due_on.is_(None), Measure.due_on, Measure.id)
    )
    measures: dict[int, tuple[tuple, set[FindingCategory]]] = {}
    for *fields, category in rows:
        entry = measures.setdefault(fields[0], (tuple(fields), set()))
        if category is not None:
            entry[1].add(category)
    trends = []
    for fields, found in measures.values():
        categories = tuple(category for category in FindingCategory if category in found)
        trends.append(
            MeasureTrend(
                *fields,
                categories=categories,
                series=tuple(
                    sum(column.category_total(category) for category in categories)
                    for column in columns
                )
                if categories
                else (),
            )
        )
    return tuple(trends)
