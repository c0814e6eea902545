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

The whole comparison costs three statements whatever the number of findings: the walks
in figures (``WalkSummary``, a row per walk, kept up to date as findings are written by
``walk_summaries``); the problems per round; the place's measures with the categories of
the findings they answer.
"""

from __future__ import annotations

import enum
from collections import defaultdict
from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import date, datetime
from zoneinfo import ZoneInfo

from flask import current_app
from sqlalchemy import bindparam, select
from sqlalchemy.orm import Session, aliased

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
    WalkSummary,
    measure_finding,
)
from .labels import SEVERITIES

Cell = tuple[FindingCategory, FindingSeverity | None]
# In the usual order (iterating the enum anew costs more than the tuple).
_CATEGORIES = tuple(FindingCategory)


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
    # The counts summed per category and per severity (kept: the page and the measures
    # ask for them many times).
    by_category: Mapping[FindingCategory, int] = field(default_factory=dict)
    by_severity: Mapping[FindingSeverity | None, int] = field(default_factory=dict)

    def category_total(self, category: FindingCategory) -> int:
        return self.by_category.get(category, 0)

    def severity_total(self, severity: FindingSeverity | None) -> int:
        return self.by_severity.get(severity, 0)


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
    first_at: datetime | None = None
    last_at: datetime | None = None
    counts: dict[Cell, int] = field(default_factory=dict)
    # Findings not marked as an earlier one: each is a problem first seen on this walk.
    unmarked: int = 0
    # The first findings (and their walks) that this walk's marked findings name.
    marked: set[tuple[int, int]] = field(default_factory=set)


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
    groups: list[list[_Walk]] = []
    for walk in _walks(session, place):
        if (
            by is CompareBy.QUARTER
            and groups
            and _quarter(groups[-1][0].first_at, zone) == (_quarter(walk.first_at, zone))
        ):
            groups[-1].append(walk)
        else:
            groups.append([walk])
    column_of = {walk.cohort_id: index for index, group in enumerate(groups) for walk in group}

    # A problem's first finding is on the walk where it was first seen, so per column:
    # new = its unmarked findings; still there = the earlier first findings its marked
    # ones name; the problems of a column are both (see the module).
    columns: list[Column] = []
    before: set[int] = set()
    before_count = 0
    for index, group in enumerate(groups):
        counts: dict[Cell, int] = defaultdict(int)
        by_category: dict[FindingCategory, int] = defaultdict(int)
        by_severity: dict[FindingSeverity | None, int] = defaultdict(int)
        for walk in group:
            for (category, severity), count in walk.counts.items():
                counts[(category, severity)] += count
                by_category[category] += count
                by_severity[severity] += count
        new = sum(walk.unmarked for walk in group)
        named = {first for walk in group for first, _walk in walk.marked}
        earlier = {
            first
            for walk in group
            for first, first_walk in walk.marked
            if column_of.get(first_walk, index) < index
        }
        # Of the column before's problems, those seen again: its own first findings, or
        # the earlier ones it named too.
        again = {
            first
            for walk in group
            for first, first_walk in walk.marked
            if column_of.get(first_walk) == index - 1 or first in before
        }
        first = index == 0
        columns.append(
            Column(
                number=index + 1,
                first_on=min(walk.first_at for walk in group).astimezone(zone).date(),
                last_on=max(walk.last_at for walk in group).astimezone(zone).date(),
                quarter=_quarter(group[0].first_at, zone) if by is CompareBy.QUARTER else None,
                rounds=tuple(walk.name for walk in group) if with_rounds else (),
                total=sum(counts.values()),
                counts=dict(counts),
                new=None if first else new,
                still_there=None if first else len(earlier),
                gone=None if first else before_count - len(again),
                by_category=dict(by_category),
                by_severity=dict(by_severity),
            )
        )
        before = named
        before_count = new + len(earlier)

    return WalkComparison(
        place_id=place.id,
        place_name=place.name,
        by=by,
        columns=tuple(columns),
        measures=_measure_trends(session, place, columns),
    )


# The statements of the comparison, built once (building them costs more than running
# them at 2,000 findings); the place and its organisation are bound when they run.
_PLACE = bindparam("place_id")
_OWNER = bindparam("organisation_id")
# The owner's walks of the place: another organisation's rounds there are left out.
_SUMMARIES = (
    select(
        WalkSummary.cohort_id,
        Cohort.name,
        WalkSummary.first_at,
        WalkSummary.last_at,
        WalkSummary.counts,
    )
    .join(Cohort, Cohort.id == WalkSummary.cohort_id)
    .where(WalkSummary.place_id == _PLACE, Cohort.organisation_id == _OWNER)
)
# The stored values, read back (a dict look-up costs less than the enum's own).
_CATEGORY_OF = {category.value: category for category in FindingCategory}
_SEVERITY_OF: dict[str | None, FindingSeverity | None] = {
    **{severity.value: severity for severity in FindingSeverity},
    None: None,
}
_FIRST = aliased(Finding)
# The marked findings of the place; those of another organisation's round are left out
# by the caller, which knows the owner's rounds from the counts. Not DISTINCT: the caller
# keeps them in sets, and SQLite sorted 1,750 rows of 10,000 findings to drop the
# repeats (1.3 against 0.9 ms).
_MARKED = (
    select(Finding.cohort_id, Finding.same_as_id, _FIRST.cohort_id)
    .join(_FIRST, _FIRST.id == Finding.same_as_id)
    .where(Finding.place_id == _PLACE, Finding.same_as_id.is_not(None))
)


def _walks(session: Session, place: Place) -> list[_Walk]:
    """The place's walks, oldest first, with their counts, dates, unmarked findings and
    the first findings their marked ones name (two statements, the second as long as the
    marked findings are many). The findings are those of ``listing.finding_criteria``:
    at the place, from its owner's rounds."""
    bound = {"place_id": place.id, "organisation_id": place.organisation_id}
    walks: dict[int, _Walk] = {}
    # Run on the connection and fetched at once: plain rows, without the ORM's result
    # machinery or a fetch per row.
    connection = session.connection()
    for cohort_id, name, first_at, last_at, counts in connection.execute(_SUMMARIES, bound).all():
        walk = walks[cohort_id] = _Walk(cohort_id, name, first_at, last_at)
        for category, severity, found, marked in counts:
            walk.counts[(_CATEGORY_OF[category], _SEVERITY_OF[severity])] = found
            walk.unmarked += found - marked
    marked_rows = connection.execute(_MARKED, {"place_id": place.id}).all()
    for cohort_id, first_id, first_cohort_id in marked_rows:
        if cohort_id in walks:
            walks[cohort_id].marked.add((first_id, first_cohort_id))
    return sorted(walks.values(), key=lambda walk: (walk.first_at, walk.cohort_id))


def _quarter(moment: datetime, zone: ZoneInfo) -> tuple[int, int]:
    day = moment.astimezone(zone)
    return day.year, (day.month - 1) // 3 + 1


_MEASURES = (
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
    .where(Measure.place_id == _PLACE)
    # Grouped rather than DISTINCT: PostgreSQL sorts a DISTINCT only by what it selects.
    .group_by(Measure.id, Plan.id, Organisation.id, Finding.category)
    .order_by(Measure.due_on.is_(None), Measure.due_on, Measure.id)
)


def _measure_trends(
    session: Session, place: Place, columns: list[Column]
) -> tuple[MeasureTrend, ...]:
    """The place's measures, by due date (those without one last), each with the findings
    of the categories it answers per column (one statement)."""
    rows = session.connection().execute(_MEASURES, {"place_id": place.id}).all()
    measures: dict[int, tuple[tuple, set[FindingCategory]]] = {}
    for *fields, category in rows:
        entry = measures.setdefault(fields[0], (tuple(fields), set()))
        if category is not None:
            entry[1].add(category)
    # Measures often answer the same categories (lighting, say): each set's series is
    # summed once.
    series_of: dict[tuple[FindingCategory, ...], tuple[int, ...]] = {(): ()}
    trends = []
    for fields, found in measures.values():
        categories = tuple(category for category in _CATEGORIES if category in found)
        if categories not in series_of:
            series_of[categories] = tuple(
                sum(column.by_category.get(category, 0) for category in categories)
                for column in columns
            )
        trends.append(MeasureTrend(*fields, categories=categories, series=series_of[categories]))
    return tuple(trends)
