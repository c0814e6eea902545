"""A place's findings as the organizer's page lists them: filtered, counted, paged, and all
of them for the exports (a batch at a time)."""

from __future__ import annotations

from collections.abc import Iterable, Iterator, Mapping
from dataclasses import dataclass
from datetime import datetime
from functools import lru_cache
from typing import Any

from flask_babel import force_locale
from flask_babel import gettext as _
from sqlalchemy import ColumnElement, Select, bindparam, func, select
from sqlalchemy.orm import Session, aliased

from ...models import (
    Cohort,
    Enrolment,
    Finding,
    FindingCategory,
    FindingPhoto,
    FindingSeverity,
    FindingStatus,
    Place,
    User,
)
from ..paging import Page, page_offset
from .labels import CATEGORY_LABELS, SEVERITIES, SEVERITY_LABELS, STATUS_LABELS, UNRATED

FINDINGS_PAGE_SIZE = 25


@dataclass(frozen=True, slots=True)
class FindingFilters:
    category: FindingCategory | None = None
    # A FindingSeverity value, UNRATED, or None for all.
    severity: str | None = None
    status: FindingStatus | None = None
    cohort_id: int | None = None

    @classmethod
    def of(
        cls,
        *,
        category: str | None = None,
        severity: str | None = None,
        status: str | None = None,
        cohort_id: int | None = None,
    ) -> FindingFilters:
        """Filters from plain values; an unknown category, severity or status raises
        ValueError."""
        if severity is not None and severity != UNRATED:
            FindingSeverity(severity)
        return cls(
            category=FindingCategory(category) if category is not None else None,
            severity=severity,
            status=FindingStatus(status) if status is not None else None,
            cohort_id=cohort_id,
        )

    @property
    def active(self) -> bool:
        return any(
            value is not None
            for value in (self.category, self.severity, self.status, self.cohort_id)
        )

    def args(self) -> dict[str, str]:
        """The filters as the page's query string names them (only those that are set)."""
        values = {
            "category": self.category and self.category.value,
            "severity": self.severity,
            "status": self.status and self.status.value,
            "cohort": str(self.cohort_id) if self.cohort_id is not None else None,
        }
        return {key: value for key, value in values.items() if value is not None}


def finding_criteria(place: Place, filters: FindingFilters) -> list[ColumnElement[bool]]:
    """The place's findings, from the rounds of its own organisation, narrowed by the
    filters; the statements join ``Cohort``."""
    criteria = [
        Finding.place_id == place.id,
        Cohort.organisation_id == place.organisation_id,
    ]
    if filters.category is not None:
        criteria.append(Finding.category == filters.category)
    if filters.severity == UNRATED:
        criteria.append(Finding.severity.is_(None))
    elif filters.severity is not None:
        criteria.append(Finding.severity == FindingSeverity(filters.severity))
    if filters.status is not None:
        criteria.append(Finding.status == filters.status)
    if filters.cohort_id is not None:
        criteria.append(Finding.cohort_id == filters.cohort_id)
    return criteria


# The page's statements are built once per shape of the filters (which are set, and
# whether the severity asked for is "not rated") and run with the values bound: building
# one cost about as much as running it.
Shape = tuple[bool, str | None, bool, bool]


def _shape(filters: FindingFilters) -> Shape:
    severity = None
    if filters.severity is not None:
        severity = "unrated" if filters.severity == UNRATED else "rated"
    return (
        filters.category is not None,
        severity,
        filters.status is not None,
        filters.cohort_id is not None,
    )


def _values(place: Place, filters: FindingFilters) -> dict[str, Any]:
    values: dict[str, Any] = {"place_id": place.id, "organisation_id": place.organisation_id}
    if filters.category is not None:
        values["category"] = filters.category
    if filters.severity is not None and filters.severity != UNRATED:
        values["severity"] = FindingSeverity(filters.severity)
    if filters.status is not None:
        values["status"] = filters.status
    if filters.cohort_id is not None:
        values["cohort_id"] = filters.cohort_id
    return values


def _narrowed(shape: Shape) -> list[ColumnElement[bool]]:
    """The filters of ``shape`` on the findings, with bound values (``_values``)."""
    category, severity, status, cohort = shape
    criteria: list[ColumnElement[bool]] = [Finding.place_id == bindparam("place_id")]
    if category:
        criteria.append(Finding.category == bindparam("category"))
    if severity == "unrated":
        criteria.append(Finding.severity.is_(None))
    elif severity is not None:
        criteria.append(Finding.severity == bindparam("severity"))
    if status:
        criteria.append(Finding.status == bindparam("status"))
    if cohort:
        criteria.append(Finding.cohort_id == bindparam("cohort_id"))
    return criteria


@lru_cache(maxsize=32)
def _counts_statement(shape: Shape) -> Select[Any]:
    """The counts of ``place_summary``, per round as well, so that they come from
    ``ix_finding_walk_counts`` alone and in its order: the owner's rounds are a list the
    index is searched with, not a join per finding (10,000 findings on SQLite: 0.9 ms
    against 5.2)."""
    owners_rounds = select(Cohort.id).where(Cohort.organisation_id == bindparam("organisation_id"))
    return (
        select(Finding.category, Finding.severity, Finding.status, func.count())
        .where(*_narrowed(shape), Finding.cohort_id.in_(owners_rounds))
        .group_by(Finding.cohort_id, Finding.category, Finding.severity, Finding.status)
    )


@dataclass(frozen=True, slots=True)
class PlaceSummary:
    """The counts the page and the chart show, for the findings the filters let through."""

    place_id: int
    place_name: str
    filters: FindingFilters
    total: int
    # (category, severity) -> findings; every pair is present.
    counts: Mapping[tuple[FindingCategory, FindingSeverity | None], int]
    by_status: Mapping[FindingStatus, int]

    def category_total(self, category: FindingCategory) -> int:
        return sum(self.counts[(category, severity)] for severity in SEVERITIES)

    def severity_total(self, severity: FindingSeverity | None) -> int:
        return sum(self.counts[(category, severity)] for category in FindingCategory)

    @property
    def shown_severities(self) -> tuple[FindingSeverity | None, ...]:
        """The severities the chart, the workbook and the PDF show: "not rated" only when
        some finding has no severity."""
        return SEVERITIES if self.severity_total(None) else SEVERITIES[:-1]

    @property
    def rated(self) -> bool:
        """Whether any finding has a severity (a place with only place audits has none)."""
        return any(self.severity_total(severity) for severity in SEVERITIES[:-1])


def place_summary(
    session: Session, place: Place, filters: FindingFilters | None = None
) -> PlaceSummary:
    """Counts by category, severity and status in one grouped statement."""
    filters = filters or FindingFilters()
    counts = {(category, severity): 0 for category in FindingCategory for severity in SEVERITIES}
    by_status = dict.fromkeys(FindingStatus, 0)
    rows = session.connection().execute(_counts_statement(_shape(filters)), _values(place, filters))
    for category, severity, status, count in rows:
        counts[(_CATEGORY_OF[category], _SEVERITY_OF[severity])] += count
        by_status[_STATUS_OF[status]] += count
    return PlaceSummary(
        place_id=place.id,
        place_name=place.name,
        filters=filters,
        total=sum(by_status.values()),
        counts=counts,
        by_status=by_status,
    )


# The stored values, read back (a dict look-up costs less than the enum's own).
_CATEGORY_OF = {**{c: c for c in FindingCategory}, **{c.value: c for c in FindingCategory}}
_SEVERITY_OF: dict[Any, FindingSeverity | None] = {
    **{s: s for s in FindingSeverity},
    **{s.value: s for s in FindingSeverity},
    None: None,
}
_STATUS_OF = {**{s: s for s in FindingStatus}, **{s.value: s for s in FindingStatus}}


@dataclass(frozen=True, slots=True)
class FindingRow:
    """A finding as the page and the exports show it. ``participant`` is None once the
    person is erased; ``changed_by`` once the organizer is."""

    id: int
    spot: str
    category: FindingCategory
    severity: FindingSeverity | None
    observation: str
    suggestion: str
    status: FindingStatus
    status_changed_at: datetime | None
    changed_by: str | None
    cohort_id: int
    cohort_name: str
    course_slug: str
    part_slug: str
    participant: str | None
    created_at: datetime
    # The photo's size (services.photos), None without one.
    photo_width: int | None = None
    photo_height: int | None = None
    # The first finding of the same problem at an earlier walk (services.places.same_as),
    # and its spot; None when this finding is not marked.
    same_as_id: int | None = None
    same_as_spot: str | None = None


# What every list of findings shows of one, organizers' and participants' alike; then the
# photo's size, and the order: newest first.
FINDING_COLUMNS = (
    Finding.id,
    Finding.spot,
    Finding.category,
    Finding.severity,
    Finding.observation,
    Finding.suggestion,
    Finding.status,
)
PHOTO_SIZE_COLUMNS = (
    FindingPhoto.width.label("photo_width"),
    FindingPhoto.height.label("photo_height"),
)
NEWEST_FIRST = (Finding.created_at.desc(), Finding.id.desc())


@lru_cache(maxsize=64)
def _rows_statement(shape: Shape, *, paged: bool) -> Select[Any]:
    """The findings of ``shape``'s filters with what a row shows of them, newest first;
    ``paged``, the ``:size`` after the first ``:skip``."""
    participant, changer, first = aliased(User), aliased(User), aliased(Finding)
    statement = (
        select(
            *FINDING_COLUMNS,
            Finding.status_changed_at,
            changer.name.label("changed_by"),
            Finding.cohort_id,
            Cohort.name.label("cohort_name"),
            Cohort.course_slug,
            Finding.part_slug,
            participant.name.label("participant"),
            Finding.created_at,
            *PHOTO_SIZE_COLUMNS,
            Finding.same_as_id,
            first.spot.label("same_as_spot"),
        )
        .join(Cohort, Cohort.id == Finding.cohort_id)
        .outerjoin(FindingPhoto, FindingPhoto.finding_id == Finding.id)
        .outerjoin(first, first.id == Finding.same_as_id)
        .outerjoin(Enrolment, Enrolment.id == Finding.enrolment_id)
        .outerjoin(participant, participant.id == Enrolment.user_id)
        .outerjoin(changer, changer.id == Finding.status_changed_by_id)
        .where(*_narrowed(shape), Cohort.organisation_id == bindparam("organisation_id"))
        .order_by(*NEWEST_FIRST)
    )
    if paged:
        statement = statement.limit(bindparam("size")).offset(bindparam("skip"))
    return statement


# One page of FindingRows.
FindingsPage = Page[FindingRow]


def findings_page(
    session: Session,
    place: Place,
    summary: PlaceSummary,
    number: int = 1,
    *,
    size: int = FINDINGS_PAGE_SIZE,
) -> FindingsPage:
    """Findings ``number`` (from 1) of those ``summary`` counted, newest first, in one
    statement with their round, participant and who changed the status."""
    skip = page_offset(number, size)
    if summary.place_id != place.id:
        raise ValueError("the summary is of another place")
    rows: tuple[FindingRow, ...] = ()
    if skip < summary.total:
        statement = _rows_statement(_shape(summary.filters), paged=True)
        values = {**_values(place, summary.filters), "size": size, "skip": skip}
        rows = tuple(FindingRow(*row) for row in session.connection().execute(statement, values))
    return FindingsPage(rows=rows, number=number, size=size, total=summary.total)


def all_findings(
    session: Session, place: Place, filters: FindingFilters | None = None
) -> list[FindingRow]:
    """Every finding the filters let through, in the page's order (for the exports)."""
    filters = filters or FindingFilters()
    statement = _rows_statement(_shape(filters), paged=False)
    return [FindingRow(*row) for row in session.execute(statement, _values(place, filters))]


#: Findings read at a time by ``findings_stream``.
EXPORT_BATCH = 200


def findings_stream(
    session: Session, place: Place, filters: FindingFilters | None = None
) -> Iterator[FindingRow]:
    """``all_findings`` read a batch at a time (a server-side cursor on PostgreSQL), as the
    exports write them: 10,000 findings are never all in memory."""
    filters = filters or FindingFilters()
    statement = _rows_statement(_shape(filters), paged=False)
    result = session.execute(
        statement, _values(place, filters), execution_options={"yield_per": EXPORT_BATCH}
    )
    for batch in result.partitions():
        for row in batch:
            yield FindingRow(*row)


def filter_labels(
    filters: FindingFilters, cohorts: Iterable[Cohort], language: str
) -> list[tuple[str, str]]:
    """The filters that are set, as (filter, value) pairs in ``language``."""
    with force_locale(language):
        pairs = []
        if filters.category is not None:
            pairs.append((_("Only category"), str(CATEGORY_LABELS[filters.category])))
        if filters.severity is not None:
            severity = None if filters.severity == UNRATED else FindingSeverity(filters.severity)
            pairs.append((_("Only severity"), str(SEVERITY_LABELS[severity])))
        if filters.status is not None:
            pairs.append((_("Only status"), str(STATUS_LABELS[filters.status])))
        if filters.cohort_id is not None:
            names = {cohort.id: cohort.name for cohort in cohorts}
            pairs.append((_("Only round"), names.get(filters.cohort_id, "")))
    return pairs
