"""Places and the findings gathered for them: the situation picture (lägesbild) that the
municipality, police, property owners and traders follow up together.

Where findings come from
------------------------
A submitted assignment yields findings when it has a *findings group*: a repeat group
whose sub-fields include ``spot`` and ``observation`` (text or textarea) and
``category`` (choice); ``suggestion`` (textarea) and ``severity`` (choice of ``low``,
``medium``, ``high``) are taken when the group has them. Each row of the group becomes one
``Finding``. Which groups qualify is decided by those field slugs, so a new course can
feed the place picture without a code change. In the course ``safer-places`` today:

=====================  =====================  ================================================
part / assignment      group                  becomes
=====================  =====================  ================================================
safe-urban-planning /  ``findings``           spot <- ``spot``, category <- ``category``,
``safety-walk``                               observation <- ``observation``, suggestion <-
                                              ``suggestion``, severity <- ``severity``
placemaking /          ``observations``       spot, category, observation as above; no
``place-audit``                               suggestion, severity None ("not rated")
situational-           (none)                 nothing: ``measures`` carry the categories of
prevention /                                  the 25 techniques (effort, risks...), which
``opportunity-                                are responses, not things seen at a spot
analysis``
place-collaboration /  (none)                 nothing: actors, data sources and problems
``actor-map``                                 have no spot or category
=====================  =====================  ================================================

The place audit's four ratings (poor, fair, good) and its experiment are about the place
as a whole, not a spot, and stay in the submission. A category slug that is not one of
``FindingCategory`` counts as "other"; a severity that is not low, medium or high as not
rated.

A finding belongs to the enrolment's place, else the round's, as they are when the
assignment is submitted (none if neither has one: it is kept, but no place page shows
it; ``places_overview`` counts such findings so that the organizer can see them missing).

Submitting again replaces the findings of that submission: a row whose spot, category and
observation are unchanged (ignoring case and spacing) keeps its finding, status and id;
failing that, a row with the same spot and category takes over the next such finding (a
corrected typo in the observation keeps the status); the other findings are deleted and
the remaining rows added as new. Only a submission is recorded: a draft saved over a
submitted assignment does not change its findings, and an assignment without a findings
group is not looked at (if a new version of the course drops the group, the findings
already made stay).
"""

from __future__ import annotations

import base64
from collections import Counter
from collections.abc import Callable, Iterable, Mapping, Sequence
from dataclasses import dataclass
from datetime import date, datetime
from typing import Any, NamedTuple
from zoneinfo import ZoneInfo

from flask import current_app, render_template
from flask_babel import force_locale, format_date, ngettext
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from openpyxl import Workbook
from openpyxl.styles import Font
from sqlalchemy import ColumnElement, exists, false, func, select
from sqlalchemy.orm import Session, aliased

from ..content import Assignment, AssignmentField, Course, Part
from ..models import (
    AssignmentSubmission,
    Cohort,
    Enrolment,
    Finding,
    FindingCategory,
    FindingPhoto,
    FindingSeverity,
    FindingStatus,
    Organisation,
    Place,
    SubmissionStatus,
    User,
    utcnow,
)
from ..pdf import render_pdf
from . import audit, charts, spreadsheets
from .charts import MARGIN, WHITE, escape
from .paging import Page
from .spreadsheets import Cell

CATEGORY_LABELS = {
    FindingCategory.LIGHTING: _l("Lighting"),
    FindingCategory.SIGHT_LINES: _l("Sight lines"),
    FindingCategory.MAINTENANCE: _l("Maintenance and litter"),
    FindingCategory.VEGETATION: _l("Vegetation"),
    FindingCategory.ACCESS_ROUTES: _l("Access and routes"),
    FindingCategory.ACTIVITY: _l("Activity and life"),
    FindingCategory.SIGNAGE: _l("Signage"),
    FindingCategory.OTHER: _l("Other"),
}

# Most serious first; None is a finding the assignment did not ask to rate.
SEVERITIES: tuple[FindingSeverity | None, ...] = (
    FindingSeverity.HIGH,
    FindingSeverity.MEDIUM,
    FindingSeverity.LOW,
    None,
)
SEVERITY_LABELS = {
    FindingSeverity.HIGH: _l("High"),
    FindingSeverity.MEDIUM: _l("Medium"),
    FindingSeverity.LOW: _l("Low"),
    None: _l("Not rated"),
}
# The severity filter's values: the enum's, and this one for "not rated".
UNRATED = "unrated"

STATUS_LABELS = {
    FindingStatus.NEW: _l("New"),
    FindingStatus.PLANNED: _l("Planned"),
    FindingStatus.DONE: _l("Done"),
    FindingStatus.NOT_ACTED_ON: _l("Not acted on"),
}
OPEN_STATUSES = (FindingStatus.NEW, FindingStatus.PLANNED)

PLACE_NAME_MAX = 200
PLACE_DESCRIPTION_MAX = 1000
# As long as Finding.spot holds; the course's spot fields allow 200 as well.
SPOT_MAX = 200
FINDINGS_PAGE_SIZE = 25


# --- places -----------------------------------------------------------------------------


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


# --- findings from submissions ----------------------------------------------------------


def findings_group(assignment: Assignment | None) -> AssignmentField | None:
    """The assignment's repeat group whose rows are findings, or None (see the module)."""
    if assignment is None:
        return None
    for group in assignment.fields:
        if group.type != "repeat":
            continue
        types = {sub.slug: sub.type for sub in group.fields}
        if (
            types.get("spot") in ("text", "textarea")
            and types.get("observation") in ("text", "textarea")
            and types.get("category") == "choice"
        ):
            return group
    return None


@dataclass(frozen=True, slots=True)
class _Row:
    position: int
    spot: str
    category: FindingCategory
    observation: str
    suggestion: str
    severity: FindingSeverity | None

    @property
    def exact_key(self) -> tuple[str, str, str]:
        return (_fold(self.spot), self.category.value, _fold(self.observation))

    @property
    def spot_key(self) -> tuple[str, str]:
        return (_fold(self.spot), self.category.value)


def _fold(text: str) -> str:
    return " ".join(text.casefold().split())


def _text(value: Any) -> str:
    return value.strip() if isinstance(value, str) else ""


def _rows(answers: Mapping[str, Any], group: AssignmentField) -> list[_Row]:
    """The group's rows as findings; rows with neither spot nor observation are skipped."""
    slugs = {sub.slug for sub in group.fields}
    entries = answers.get(group.slug)
    rows = []
    for position, entry in enumerate(entries if isinstance(entries, list) else []):
        if not isinstance(entry, Mapping):
            continue
        spot, observation = _text(entry.get("spot")), _text(entry.get("observation"))
        if not spot and not observation:
            continue
        category = _text(entry.get("category"))
        severity = _text(entry.get("severity")) if "severity" in slugs else ""
        rows.append(
            _Row(
                position=position,
                spot=spot[:SPOT_MAX],
                category=(
                    FindingCategory(category)
                    if category in FindingCategory._value2member_map_
                    else FindingCategory.OTHER
                ),
                observation=observation,
                suggestion=_text(entry.get("suggestion")) if "suggestion" in slugs else "",
                severity=(
                    FindingSeverity(severity)
                    if severity in FindingSeverity._value2member_map_
                    else None
                ),
            )
        )
    return rows


def record_findings(
    session: Session, submission: AssignmentSubmission, enrolment: Enrolment, part: Part
) -> list[Finding]:
    """Make the findings of a just submitted assignment match its answers (see the
    module for which assignments have findings and how a resubmission keeps statuses).
    Returns the submission's findings in the order of its rows; flushes."""
    group = findings_group(part.assignment)
    if group is None:
        return []
    existing = list(
        session.scalars(
            select(Finding)
            .where(Finding.submission_id == submission.id)
            .order_by(Finding.position, Finding.id)
        )
    )
    rows = _rows(submission.answers or {}, group)
    if not rows and not existing:
        return []

    matched: dict[int, Finding] = {}
    unused = list(existing)
    for key in (lambda row: row.exact_key, lambda row: row.spot_key):
        for row in rows:
            if row.position in matched:
                continue
            wanted = key(row)
            found = next((finding for finding in unused if key(_row_of(finding)) == wanted), None)
            if found is not None:
                matched[row.position] = found
                unused.remove(found)
    for finding in unused:
        session.delete(finding)

    place_id = enrolment.place_id or enrolment.cohort.place_id
    result = []
    for row in rows:
        finding = matched.get(row.position)
        if finding is None:
            finding = Finding(
                submission_id=submission.id,
                enrolment_id=enrolment.id,
                status=FindingStatus.NEW,
                created_at=utcnow(),
            )
            session.add(finding)
        finding.place_id = place_id
        finding.cohort_id = enrolment.cohort_id
        finding.part_slug = submission.part_slug
        finding.position = row.position
        finding.spot = row.spot
        finding.category = row.category
        finding.observation = row.observation
        finding.suggestion = row.suggestion
        finding.severity = row.severity
        result.append(finding)
    session.flush()
    return result


def _row_of(finding: Finding) -> _Row:
    return _Row(
        position=finding.position,
        spot=finding.spot,
        category=finding.category,
        observation=finding.observation,
        suggestion=finding.suggestion,
        severity=finding.severity,
    )


def set_status(
    session: Session, finding: Finding, status: FindingStatus, *, changed_by_id: int
) -> bool:
    """Give a finding a new status, recording who did it and when; False (and nothing
    written) when it has that status already."""
    if finding.status == status:
        return False
    previous = finding.status
    finding.status = status
    finding.status_changed_by_id = changed_by_id
    finding.status_changed_at = utcnow()
    session.flush()
    organisation_id = session.scalar(
        select(Cohort.organisation_id).where(Cohort.id == finding.cohort_id)
    )
    audit.record(
        session,
        "finding.status_changed",
        actor_id=changed_by_id,
        object_type="finding",
        object_id=finding.id,
        organisation_id=organisation_id,
        place=finding.place_id,
        previous=previous.value,
        status=status.value,
    )
    return True


# --- the place page ----------------------------------------------------------------------


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


def _criteria(place: Place, filters: FindingFilters) -> list[ColumnElement[bool]]:
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
    for category, severity, status, count in session.execute(
        select(Finding.category, Finding.severity, Finding.status, func.count())
        .join(Cohort, Cohort.id == Finding.cohort_id)
        .where(*_criteria(place, filters))
        .group_by(Finding.category, Finding.severity, Finding.status)
    ):
        counts[(category, severity)] += count
        by_status[status] += count
    return PlaceSummary(
        place_id=place.id,
        place_name=place.name,
        filters=filters,
        total=sum(by_status.values()),
        counts=counts,
        by_status=by_status,
    )


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


def _rows_statement(place: Place, filters: FindingFilters):
    participant, changer = aliased(User), aliased(User)
    return (
        select(
            Finding.id,
            Finding.spot,
            Finding.category,
            Finding.severity,
            Finding.observation,
            Finding.suggestion,
            Finding.status,
            Finding.status_changed_at,
            changer.name.label("changed_by"),
            Finding.cohort_id,
            Cohort.name.label("cohort_name"),
            Cohort.course_slug,
            Finding.part_slug,
            participant.name.label("participant"),
            Finding.created_at,
            FindingPhoto.width.label("photo_width"),
            FindingPhoto.height.label("photo_height"),
        )
        .join(Cohort, Cohort.id == Finding.cohort_id)
        .outerjoin(FindingPhoto, FindingPhoto.finding_id == Finding.id)
        .outerjoin(Enrolment, Enrolment.id == Finding.enrolment_id)
        .outerjoin(participant, participant.id == Enrolment.user_id)
        .outerjoin(changer, changer.id == Finding.status_changed_by_id)
        .where(*_criteria(place, filters))
        .order_by(Finding.created_at.desc(), Finding.id.desc())
    )


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
    if number < 1 or size < 1:
        raise ValueError("pages and their size count from 1")
    if summary.place_id != place.id:
        raise ValueError("the summary is of another place")
    rows: tuple[FindingRow, ...] = ()
    if (number - 1) * size < summary.total:
        statement = _rows_statement(place, summary.filters).limit(size).offset((number - 1) * size)
        rows = tuple(FindingRow(**row._mapping) for row in session.execute(statement))
    return FindingsPage(rows=rows, number=number, size=size, total=summary.total)


def all_findings(
    session: Session, place: Place, filters: FindingFilters | None = None
) -> list[FindingRow]:
    """Every finding the filters let through, in the page's order (for the exports)."""
    statement = _rows_statement(place, filters or FindingFilters())
    return [FindingRow(**row._mapping) for row in session.execute(statement)]


def load_finding(session: Session, finding_id: int) -> tuple[Finding, int] | None:
    """A finding and the organisation of its round (whose organizers may see it)."""
    row = session.execute(
        select(Finding, Cohort.organisation_id)
        .join(Cohort, Cohort.id == Finding.cohort_id)
        .where(Finding.id == finding_id)
    ).first()
    return (row[0], row[1]) if row is not None else None


class PageLabels(NamedTuple):
    """The page's words translated once per request rather than once per finding (each
    lazy label costs a Flask-Babel look-up). A tuple with names, because Jinja tries an
    attribute before an item."""

    categories: dict[FindingCategory, str]
    severities: dict[FindingSeverity | None, str]
    statuses: dict[FindingStatus, str]


def page_labels() -> PageLabels:
    return PageLabels(
        categories={key: str(label) for key, label in CATEGORY_LABELS.items()},
        severities={key: str(label) for key, label in SEVERITY_LABELS.items()},
        statuses={key: str(label) for key, label in STATUS_LABELS.items()},
    )


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


# --- what participants see ---------------------------------------------------------------

# A participant sees the findings of their place once their own walk or audit is in.
SHARING_STATUSES = (SubmissionStatus.SUBMITTED, SubmissionStatus.APPROVED)


@dataclass(frozen=True, slots=True)
class SharedFinding:
    """A finding as the place's participants see it: what was found and what became of
    it, without who found it, in which round, or who changed its status."""

    id: int
    spot: str
    category: FindingCategory
    severity: FindingSeverity | None
    observation: str
    suggestion: str
    status: FindingStatus
    # The photo's size, None without one; ``yours``: found by the participant looking,
    # who may add, replace or remove its photo.
    photo_width: int | None = None
    photo_height: int | None = None
    yours: bool = False


SharedFindingsPage = Page[SharedFinding]


def findings_parts(course: Course) -> list[Part]:
    """The parts of ``course`` whose assignment makes findings (see the module)."""
    return [part for part in course.parts if findings_group(part.assignment) is not None]


def has_shared_findings(session: Session, enrolment_id: int, part_slugs: Sequence[str]) -> bool:
    """Whether the enrolment has submitted (or had approved) an assignment of one of these
    parts: one statement, none when there are no such parts."""
    if not part_slugs:
        return False
    return bool(
        session.scalar(
            select(
                exists().where(
                    AssignmentSubmission.enrolment_id == enrolment_id,
                    AssignmentSubmission.part_slug.in_(list(part_slugs)),
                    AssignmentSubmission.status.in_(SHARING_STATUSES),
                )
            )
        )
    )


def shared_findings_page(
    session: Session,
    place: Place,
    number: int = 1,
    *,
    size: int = FINDINGS_PAGE_SIZE,
    user_id: int | None = None,
) -> SharedFindingsPage:
    """The place's findings from the rounds of its organisation, newest first, without
    names: a count and, when the page is not past the end, its rows (two statements).
    The findings of ``user_id``'s own enrolments are marked ``yours``."""
    if number < 1 or size < 1:
        raise ValueError("pages and their size count from 1")
    criteria = _criteria(place, FindingFilters())
    total = session.scalar(
        select(func.count())
        .select_from(Finding)
        .join(Cohort, Cohort.id == Finding.cohort_id)
        .where(*criteria)
    )
    rows: tuple[SharedFinding, ...] = ()
    if (number - 1) * size < total:
        statement = (
            select(
                Finding.id,
                Finding.spot,
                Finding.category,
                Finding.severity,
                Finding.observation,
                Finding.suggestion,
                Finding.status,
                FindingPhoto.width.label("photo_width"),
                FindingPhoto.height.label("photo_height"),
                (
                    exists().where(
                        Enrolment.id == Finding.enrolment_id, Enrolment.user_id == user_id
                    )
                    if user_id is not None
                    else false()
                ).label("yours"),
            )
            .join(Cohort, Cohort.id == Finding.cohort_id)
            .outerjoin(FindingPhoto, FindingPhoto.finding_id == Finding.id)
            .where(*criteria)
            .order_by(Finding.created_at.desc(), Finding.id.desc())
            .limit(size)
            .offset((number - 1) * size)
        )
        rows = tuple(SharedFinding(**row._mapping) for row in session.execute(statement))
    return SharedFindingsPage(rows=rows, number=number, size=size, total=total or 0)


# --- chart ------------------------------------------------------------------------------

# Contrast with the white background: high 6.5:1, medium 5.6:1, low 7.8:1, the outline of
# "not rated" 5.3:1 (WCAG AA: 3:1 for graphics). Every count is also written out.
_SEVERITY_FILLS = {
    FindingSeverity.HIGH: "#b3261e",
    FindingSeverity.MEDIUM: "#a35200",
    FindingSeverity.LOW: "#1f5f99",
}
_UNRATED_STROKE = "#6b6b6b"
_BAR_HEIGHT = 20
# Narrow, so that its 14px text stays readable on a phone (about 11px at 360px wide).
CHART_WIDTH = 360


def _severity_style(severity: FindingSeverity | None) -> str:
    if severity is None:
        return f'fill="{WHITE}" stroke="{_UNRATED_STROKE}" stroke-width="2"'
    return f'fill="{_SEVERITY_FILLS[severity]}"'


def findings_chart_svg(
    summary: PlaceSummary, language: str, *, id_prefix: str | None = None
) -> str:
    """A bar per category, split by severity (high, medium, low, not rated), as
    standalone SVG. The bars share one scale (the largest category fills the width);
    each category's total and its counts by severity are written next to and under its
    bar, the whole chart is described in ``<title>``/``<desc>``, and all text is
    escaped. "Not rated" appears only when some finding has no severity."""
    prefix = id_prefix or f"place-{summary.place_id}-findings"
    severities = SEVERITIES if summary.severity_total(None) else SEVERITIES[:-1]
    with force_locale(language):
        title = _("%(place)s: findings by category and severity", place=summary.place_name)
        subtitle = _("Findings by category and severity")
        labels = {severity: str(SEVERITY_LABELS[severity]) for severity in severities}
        lines = [ngettext("%(num)d finding.", "%(num)d findings.", summary.total)]
        bars = []
        for category in FindingCategory:
            total = summary.category_total(category)
            found = ngettext("%(num)d finding", "%(num)d findings", total)
            counts = _severity_counts(summary, category, severities)
            name = str(CATEGORY_LABELS[category])
            lines.append(f"{name}: {found}" + (f" ({counts})." if total else "."))
            bars.append((category, name, found, counts, total))
        empty = _("No findings match.")

    # The place's name in bold (wrapped: about 10px a character), what the chart shows
    # under it, then the legend.
    heading = charts.wrap(summary.place_name, (CHART_WIDTH - 2 * MARGIN) // 10)
    legend_top = 28 + 22 * len(heading) + 20
    positions = charts.legend_positions(list(labels.values()), y=legend_top, width=CHART_WIDTH)
    top = max(y for _x, y in positions) + charts.LEGEND_ROW + 18
    if not summary.total:
        bars = []  # no bars, a line that says so
    heights = [76 if total else 32 for *_rest, total in bars]
    out = charts.open_svg(
        language=language,
        title=title,
        description=" ".join(lines),
        id_prefix=prefix,
        height=top + (sum(heights) if bars else 40),
        width=CHART_WIDTH,
        heading=False,
    )
    for index, line in enumerate(heading):
        out.append(
            f'<text x="{MARGIN}" y="{28 + 22 * index}" font-size="18" font-weight="bold">'
            f"{escape(line)}</text>"
        )
    out.append(f'<text x="{MARGIN}" y="{28 + 22 * len(heading)}">{escape(subtitle)}</text>')
    out += charts.legend(
        [(_severity_style(s), label) for s, label in labels.items()],
        y=legend_top,
        width=CHART_WIDTH,
    )
    if not bars:
        out.append(f'<text x="{MARGIN}" y="{top + 24}">{escape(empty)}</text>')
    right = CHART_WIDTH - MARGIN
    scale = (right - MARGIN) / max((total for *_rest, total in bars), default=1)
    y = top
    for (category, name, found, counts, total), height in zip(bars, heights, strict=True):
        out.append(f'<text x="{MARGIN}" y="{y + 14}" font-weight="bold">{escape(name)}</text>')
        out.append(f'<text x="{right}" y="{y + 14}" text-anchor="end">{escape(found)}</text>')
        x = float(MARGIN)
        for severity in severities if total else ():
            count = summary.counts[(category, severity)]
            if not count:
                continue
            width = scale * count
            out.append(
                f'<rect x="{x:.1f}" y="{y + 22}" width="{max(width - 2, 1):.1f}" '
                f'height="{_BAR_HEIGHT}" {_severity_style(severity)}>'
                f"<title>{escape(f'{labels[severity]}: {count}')}</title></rect>"
            )
            x += width
        if total:
            out.append(f'<text x="{MARGIN}" y="{y + 60}">{escape(counts)}</text>')
        y += height
    out.append("</svg>")
    return "\n".join(out) + "\n"


def _severity_counts(
    summary: PlaceSummary,
    category: FindingCategory,
    severities: Sequence[FindingSeverity | None],
) -> str:
    """ "2 high, 1 low": the severities the category has findings of, most serious first."""
    words = {
        FindingSeverity.HIGH: lambda n: _("%(num)d high", num=n),
        FindingSeverity.MEDIUM: lambda n: _("%(num)d medium", num=n),
        FindingSeverity.LOW: lambda n: _("%(num)d low", num=n),
        None: lambda n: _("%(num)d not rated", num=n),
    }
    return ", ".join(
        words[severity](summary.counts[(category, severity)])
        for severity in severities
        if summary.counts[(category, severity)]
    )


# --- exports ----------------------------------------------------------------------------

SourceTitle = Callable[[str, str], str]


def findings_table(
    rows: Iterable[FindingRow],
    language: str,
    *,
    source_title: SourceTitle,
    tz: str | None = None,
) -> tuple[list[str], list[list[Cell]]]:
    """The header and rows of the exports, translated, not yet neutralised. Without the
    participants' names: the file goes to the steering group and the next safety walk.
    ``source_title(course_slug, part_slug)`` names the assignment a finding came from;
    dates are shown in ``tz`` (the organisation's zone) or the site's TIMEZONE."""
    zone = ZoneInfo(tz or current_app.config["TIMEZONE"])

    def day(value: datetime | None) -> date | None:
        return value.astimezone(zone).date() if value is not None else None

    with force_locale(language):
        header = [
            _("Spot"),
            _("Category"),
            _("Severity"),
            _("What was seen"),
            _("Suggestion"),
            _("Status"),
            _("Status changed by"),
            _("Status changed on"),
            _("Round"),
            _("Assignment"),
            _("Recorded on"),
        ]
        categories = {key: str(label) for key, label in CATEGORY_LABELS.items()}
        severities = {key: str(label) for key, label in SEVERITY_LABELS.items()}
        statuses = {key: str(label) for key, label in STATUS_LABELS.items()}
        body: list[list[Cell]] = [
            [
                row.spot,
                categories[row.category],
                severities[row.severity],
                row.observation,
                row.suggestion,
                statuses[row.status],
                row.changed_by or "",
                day(row.status_changed_at),
                row.cohort_name,
                source_title(row.course_slug, row.part_slug),
                day(row.created_at),
            ]
            for row in rows
        ]
    return header, body


def findings_csv(
    rows: Iterable[FindingRow],
    language: str,
    *,
    source_title: SourceTitle,
    delimiter: str = ",",
    tz: str | None = None,
) -> bytes:
    """The findings as CSV (UTF-8 with a byte order mark, formulas neutralised)."""
    if delimiter not in spreadsheets.DELIMITERS:
        raise ValueError("the delimiter must be ',' or ';'")
    header, body = findings_table(rows, language, source_title=source_title, tz=tz)
    return spreadsheets.csv_bytes(header, body, delimiter)


def findings_xlsx(
    summary: PlaceSummary,
    rows: Sequence[FindingRow],
    language: str,
    *,
    source_title: SourceTitle,
    description: str = "",
    filter_labels: Sequence[tuple[str, str]] = (),
    tz: str | None = None,
) -> bytes:
    """The findings as an Excel workbook: the CSV's columns on a first sheet (bold,
    frozen header, wrapped text), and a summary with the counts by category and
    severity and by status on a second. ``filter_labels`` are (filter, value) pairs
    already translated, written into the summary."""
    header, body = findings_table(rows, language, source_title=source_title, tz=tz)
    workbook = Workbook(write_only=True)
    with force_locale(language):
        titles = (_("Findings"), _("Summary"))
        severities = SEVERITIES if summary.severity_total(None) else SEVERITIES[:-1]
        summary_rows: list[tuple[list[Cell], bool]] = [([summary.place_name], True)]
        if description:
            summary_rows.append(([description], False))
        summary_rows.append(([_("Findings"), summary.total], False))
        summary_rows += [([label, value], False) for label, value in filter_labels]
        summary_rows.append(
            ([_("Category"), *[str(SEVERITY_LABELS[s]) for s in severities], _("All")], True)
        )
        for category in FindingCategory:
            summary_rows.append(
                (
                    [
                        str(CATEGORY_LABELS[category]),
                        *[summary.counts[(category, s)] for s in severities],
                        summary.category_total(category),
                    ],
                    False,
                )
            )
        summary_rows.append(([_("Status")], True))
        summary_rows += [
            ([str(STATUS_LABELS[status]), count], False)
            for status, count in summary.by_status.items()
        ]
    spreadsheets.write_table(workbook, titles[0], header, body, max_width=60, wrap_rows=True)
    sheet = workbook.create_sheet(spreadsheets.sheet_title(titles[1]))
    sheet.column_dimensions["A"].width = 40
    bold = Font(bold=True)
    for values, heading in summary_rows:
        cells = [spreadsheets.text_cell(sheet, value) for value in values]
        if heading:
            for each in cells:
                each.font = bold
        sheet.append(cells)
    return spreadsheets.workbook_bytes(workbook)


# --- the PDF summary ----------------------------------------------------------------------

SUMMARY_STYLESHEET = "place-summary"
SUMMARY_TEMPLATE = "pdf/place_summary.html"


def summary_pdf_html(
    place: Place,
    summary: PlaceSummary,
    rows: Sequence[FindingRow],
    language: str,
    *,
    filter_labels: Sequence[tuple[str, str]] = (),
    tz: str | None = None,
) -> str:
    """The HTML of the place's PDF summary in ``language``: its name and description, the
    date, the counts by category and severity (the chart and a table) and the findings,
    without the participants' names. Every text goes through the template's escaping; the
    chart is a ``data:`` image, the only kind of URL besides static files the PDF renderer
    loads."""
    zone = ZoneInfo(tz or current_app.config["TIMEZONE"])
    chart = findings_chart_svg(summary, language, id_prefix=f"place-{place.id}-summary")
    with force_locale(language):
        return render_template(
            SUMMARY_TEMPLATE,
            language=language,
            place=place,
            summary=summary,
            rows=rows,
            filter_labels=filter_labels,
            today=format_date(utcnow().astimezone(zone).date(), "long"),
            severities=SEVERITIES if summary.severity_total(None) else SEVERITIES[:-1],
            labels=page_labels(),
            chart_uri="data:image/svg+xml;base64,"
            + base64.b64encode(chart.encode("utf-8")).decode("ascii"),
        )


def summary_pdf(
    place: Place,
    summary: PlaceSummary,
    rows: Sequence[FindingRow],
    language: str,
    *,
    filter_labels: Sequence[tuple[str, str]] = (),
    tz: str | None = None,
) -> bytes:
    """The place's summary as PDF bytes (``academy.pdf``: nothing outside the static
    folder is loaded)."""
    html = summary_pdf_html(place, summary, rows, language, filter_labels=filter_labels, tz=tz)
    return render_pdf(html, SUMMARY_STYLESHEET)
