"""The cohort report an organizer takes to a steering group, and its exports.

``cohort_report`` loads everything in a fixed number of queries (seven, whatever the size
of the cohort); ``progress_chart_svg``, ``report_csv`` and ``report_xlsx`` turn the report
into a chart and spreadsheets in a given language. The exports need an application
context (for the message catalogs and the site's time zone), but no request.
"""

from __future__ import annotations

import csv
import io
from collections import Counter
from collections.abc import Mapping
from dataclasses import dataclass
from datetime import date, datetime
from typing import Any
from xml.sax.saxutils import escape, quoteattr
from zoneinfo import ZoneInfo

from flask import current_app
from flask_babel import force_locale, ngettext
from flask_babel import gettext as _
from openpyxl import Workbook
from openpyxl.cell import WriteOnlyCell
from openpyxl.cell.cell import ILLEGAL_CHARACTERS_RE
from openpyxl.styles import Alignment, Font
from openpyxl.utils import get_column_letter
from sqlalchemy import ColumnElement, func, select
from sqlalchemy.orm import Session, joinedload, raiseload

from ..content import Course, Part
from ..labels import ENROLMENT_LABELS as STATUS_LABELS
from ..labels import ROLE_SINGULAR as ROLE_LABELS
from ..labels import SUBMISSION_LABELS
from ..models import (
    Attendance,
    AudienceRole,
    Cohort,
    Enrolment,
    EnrolmentStatus,
    LiveSession,
    SubmissionStatus,
)
from .progress import PartProgress, load_progress_for_cohort

# A part is "in progress" once any of its steps has been started.
COMPLETED, IN_PROGRESS, NOT_STARTED = "completed", "in_progress", "not_started"


@dataclass(frozen=True, slots=True)
class PartRow:
    """One participant's state in one part of the course."""

    part_slug: str
    lessons_read: int
    lessons_total: int
    # None when the part has no quiz; best_score is None until the first attempt.
    best_score: int | None
    max_score: int | None
    quiz_passed: bool | None
    quiz_attempts: int
    # None when the part has no assignment or nothing has been written yet.
    assignment_status: SubmissionStatus | None
    completed: bool
    state: str  # COMPLETED, IN_PROGRESS or NOT_STARTED


@dataclass(frozen=True, slots=True)
class ReportRow:
    enrolment_id: int
    name: str
    email: str
    role: AudienceRole
    employer: str
    place_id: int | None
    place_name: str
    status: EnrolmentStatus
    parts: tuple[PartRow, ...]
    sessions_attended: int
    sessions_total: int
    completed_at: datetime | None


@dataclass(frozen=True, slots=True)
class PartSummary:
    part_slug: str
    completed: int
    in_progress: int
    not_started: int


@dataclass(frozen=True, slots=True)
class ReportFilters:
    role: AudienceRole | None = None
    place_id: int | None = None
    status: EnrolmentStatus | None = None

    @property
    def active(self) -> bool:
        return self.role is not None or self.place_id is not None or self.status is not None


@dataclass(frozen=True, slots=True)
class CohortReport:
    """Rows in name order and the summary the steering group reads first.

    The summary counts the rows of the report, so it follows the filters.
    """

    cohort_id: int
    cohort_name: str
    course_slug: str
    filters: ReportFilters
    rows: tuple[ReportRow, ...]
    sessions_total: int
    by_role: Mapping[AudienceRole, int]
    by_status: Mapping[EnrolmentStatus, int]
    parts: tuple[PartSummary, ...]

    @property
    def participants(self) -> int:
        return len(self.rows)

    def part(self, slug: str) -> PartSummary | None:
        return next((part for part in self.parts if part.part_slug == slug), None)


def cohort_report(
    session: Session,
    cohort: Cohort,
    course: Course,
    *,
    role: AudienceRole | str | None = None,
    place_id: int | None = None,
    status: EnrolmentStatus | str | None = None,
) -> CohortReport:
    """The report of one cohort, optionally only one role, place or enrolment status.

    Seven queries whatever the number of participants: the enrolments with their user
    and place, four for progress, one for attendance and one for the live sessions.
    """
    if course.slug != cohort.course_slug:
        raise ValueError(f"cohort {cohort.id} takes {cohort.course_slug!r}, not {course.slug!r}")
    filters = ReportFilters(
        role=AudienceRole(role) if role is not None else None,
        place_id=place_id,
        status=EnrolmentStatus(status) if status is not None else None,
    )
    criteria = _criteria(filters)

    enrolments = session.scalars(
        select(Enrolment)
        .where(Enrolment.cohort_id == cohort.id, *criteria)
        .options(joinedload(Enrolment.user), joinedload(Enrolment.place), raiseload("*"))
    ).all()
    progress = load_progress_for_cohort(session, cohort.id, *criteria)
    attended: dict[int, int] = dict(
        session.execute(
            select(Attendance.enrolment_id, func.count())
            .join(Enrolment, Enrolment.id == Attendance.enrolment_id)
            .join(LiveSession, LiveSession.id == Attendance.live_session_id)
            .where(
                Enrolment.cohort_id == cohort.id,
                LiveSession.cohort_id == cohort.id,
                Attendance.present.is_(True),
                *criteria,
            )
            .group_by(Attendance.enrolment_id)
        ).all()
    )
    sessions_total = (
        session.scalar(
            select(func.count()).select_from(LiveSession).where(LiveSession.cohort_id == cohort.id)
        )
        or 0
    )

    rows = []
    for enrolment in enrolments:
        state = progress.get(enrolment.id)
        rows.append(
            ReportRow(
                enrolment_id=enrolment.id,
                name=enrolment.user.name,
                email=enrolment.user.email,
                role=enrolment.role,
                employer=enrolment.employer,
                place_id=enrolment.place_id,
                place_name=enrolment.place.name if enrolment.place else "",
                status=enrolment.status,
                parts=tuple(
                    _part_row(part, state.part(part.slug) if state else PartProgress())
                    for part in course.parts
                ),
                sessions_attended=attended.get(enrolment.id, 0),
                sessions_total=sessions_total,
                completed_at=enrolment.completed_at,
            )
        )
    rows.sort(key=lambda row: (row.name.casefold(), row.enrolment_id))

    roles = Counter(row.role for row in rows)
    statuses = Counter(row.status for row in rows)
    part_summaries = []
    for index, part in enumerate(course.parts):
        states = Counter(row.parts[index].state for row in rows)
        part_summaries.append(
            PartSummary(part.slug, states[COMPLETED], states[IN_PROGRESS], states[NOT_STARTED])
        )
    return CohortReport(
        cohort_id=cohort.id,
        cohort_name=cohort.name,
        course_slug=course.slug,
        filters=filters,
        rows=tuple(rows),
        sessions_total=sessions_total,
        by_role={role: roles[role] for role in AudienceRole},
        by_status={status: statuses[status] for status in EnrolmentStatus},
        parts=tuple(part_summaries),
    )


def _criteria(filters: ReportFilters) -> list[ColumnElement[bool]]:
    criteria: list[ColumnElement[bool]] = []
    if filters.role is not None:
        criteria.append(Enrolment.role == filters.role)
    if filters.place_id is not None:
        criteria.append(Enrolment.place_id == filters.place_id)
    if filters.status is not None:
        criteria.append(Enrolment.status == filters.status)
    return criteria


def _part_row(part: Part, state: PartProgress) -> PartRow:
    lessons_read = sum(lesson.slug in state.lessons_done for lesson in part.lessons)
    assignment_status = state.submission_status if part.assignment is not None else None
    if part.quiz is None:
        best, maximum, passed = None, None, None
    else:
        best = state.best_score
        maximum = state.max_score if state.max_score is not None else len(part.quiz.items)
        passed = state.quiz_passed if state.attempts else None
    if state.completed:
        status = COMPLETED
    elif lessons_read or state.attempts or assignment_status is not None:
        status = IN_PROGRESS
    else:
        status = NOT_STARTED
    return PartRow(
        part_slug=part.slug,
        lessons_read=lessons_read,
        lessons_total=len(part.lessons),
        best_score=best,
        max_score=maximum,
        quiz_passed=passed,
        quiz_attempts=state.attempts,
        assignment_status=assignment_status,
        completed=state.completed,
        state=status,
    )


def _translated(text: Mapping[str, str], language: str) -> str:
    return text.get(language) or text.get("en") or next(iter(text.values()), "")


def part_title(part: Part, number: int, language: str) -> str:
    return f"{number}. {_translated(part.title, language)}"


# --- chart -----------------------------------------------------------------------------

# Contrast with the white background: text 17.4:1, completed 6.3:1, in progress 5.6:1,
# the outline of "not started" 5.3:1 (WCAG AA asks 4.5:1 for text, 3:1 for graphics).
# The segments differ in fill and outline as well as colour, and every number is written out.
_TEXT = "#1a1a1a"
_COMPLETED = "#1b6e3a"
_IN_PROGRESS = "#a35200"
_NOT_STARTED = "#6b6b6b"
_WIDTH = 640
_MARGIN = 16
_BAR_HEIGHT = 24
_FONT = "system-ui, -apple-system, 'Segoe UI', Roboto, Arial, sans-serif"


def progress_chart_svg(
    report: CohortReport, course: Course, language: str, *, id_prefix: str | None = None
) -> str:
    """A stacked bar per part (completed, in progress, not started) as standalone SVG.

    Every number and title is written as text, the whole chart is described in
    ``<title>``/``<desc>`` for screen readers, and all text is escaped. ``id_prefix``
    keeps the ids unique when several charts share a page.
    """
    prefix = id_prefix or f"cohort-{report.cohort_id}-progress"
    title_id, desc_id = f"{prefix}-title", f"{prefix}-desc"
    total = report.participants
    bar_width = _WIDTH - 2 * _MARGIN
    with force_locale(language):
        title = _("%(cohort)s: progress by part", cohort=report.cohort_name)
        labels = {
            COMPLETED: _("Completed"),
            IN_PROGRESS: _("In progress"),
            NOT_STARTED: _("Not started"),
        }
        lines = [ngettext("%(num)d participant.", "%(num)d participants.", total)]
        bars = []
        for number, (part, summary) in enumerate(zip(course.parts, report.parts, strict=True), 1):
            counts = _(
                "%(completed)d completed, %(started)d in progress, %(new)d not started",
                completed=summary.completed,
                started=summary.in_progress,
                new=summary.not_started,
            )
            name = part_title(part, number, language)
            lines.append(f"{name}: {counts}.")
            bars.append((name, counts, summary))
        empty = _("No participants match this report.")

    out = [
        f'<svg xmlns="http://www.w3.org/2000/svg" role="img" lang={quoteattr(language)} '
        f"aria-labelledby={quoteattr(f'{title_id} {desc_id}')} ",
    ]
    top = 84
    block = 78
    height = top + max(len(bars), 1) * block
    out[0] += (
        f'width="{_WIDTH}" height="{height}" viewBox="0 0 {_WIDTH} {height}" '
        f'font-family="{escape(_FONT)}" font-size="14" fill="{_TEXT}">'
    )
    out.append(f"<title id={quoteattr(title_id)}>{escape(title)}</title>")
    out.append(f"<desc id={quoteattr(desc_id)}>{escape(' '.join(lines))}</desc>")
    out.append(f'<rect width="{_WIDTH}" height="{height}" fill="#ffffff"/>')
    out.append(
        f'<text x="{_MARGIN}" y="28" font-size="18" font-weight="bold">{escape(title)}</text>'
    )
    # Legend
    x = _MARGIN
    for key in (COMPLETED, IN_PROGRESS, NOT_STARTED):
        out.append(f'<rect x="{x}" y="44" width="14" height="14" {_segment_style(key)}/>')
        out.append(f'<text x="{x + 20}" y="56">{escape(labels[key])}</text>')
        x += 20 + 9 * len(labels[key]) + 24
    if not bars or total == 0:
        out.append(f'<text x="{_MARGIN}" y="{top + 24}">{escape(empty)}</text>')
    for index, (name, counts, summary) in enumerate(bars if total else []):
        y = top + index * block
        out.append(f'<text x="{_MARGIN}" y="{y + 14}" font-weight="bold">{escape(name)}</text>')
        x = float(_MARGIN)
        for key, count in (
            (COMPLETED, summary.completed),
            (IN_PROGRESS, summary.in_progress),
            (NOT_STARTED, summary.not_started),
        ):
            if not count:
                continue
            width = bar_width * count / total
            out.append(
                f'<rect x="{x:.1f}" y="{y + 22}" width="{max(width - 2, 1):.1f}" '
                f'height="{_BAR_HEIGHT}" {_segment_style(key)}>'
                f"<title>{escape(f'{labels[key]}: {count}')}</title></rect>"
            )
            x += width
        out.append(f'<text x="{_MARGIN}" y="{y + 64}">{escape(counts)}</text>')
    out.append("</svg>")
    return "\n".join(out) + "\n"


def _segment_style(key: str) -> str:
    if key == COMPLETED:
        return f'fill="{_COMPLETED}"'
    if key == IN_PROGRESS:
        return f'fill="{_IN_PROGRESS}"'
    return f'fill="#ffffff" stroke="{_NOT_STARTED}" stroke-width="2"'


# --- spreadsheets ----------------------------------------------------------------------

# What a spreadsheet would read as the start of a formula (OWASP, "CSV Injection").
_FORMULA_PREFIXES = ("=", "+", "-", "@", "\t", "\r")

Cell = str | int | date | None


def neutralise(value: Cell) -> Cell:
    """Text a spreadsheet would run as a formula, made inert with a leading quote."""
    if isinstance(value, str) and value.startswith(_FORMULA_PREFIXES):
        return "'" + value
    return value


def report_table(
    report: CohortReport, course: Course, language: str, *, tz: str | None = None
) -> tuple[list[str], list[list[Cell]]]:
    """The header and the rows of the exports, translated, not yet neutralised.

    Completion dates are shown in ``tz`` (an organisation's zone) or the site's TIMEZONE.
    """
    zone = ZoneInfo(tz or current_app.config["TIMEZONE"])
    with force_locale(language):
        yes, no = _("Yes"), _("No")
        header = [_("Name"), _("E-mail"), _("Role"), _("Employer"), _("Place"), _("Status")]
        for number, part in enumerate(course.parts, 1):
            title = part_title(part, number, language)
            header.append(
                _("%(part)s: lessons read (of %(total)d)", part=title, total=len(part.lessons))
            )
            if part.quiz is not None:
                header += [
                    _("%(part)s: best quiz score", part=title),
                    _("%(part)s: quiz maximum", part=title),
                    _("%(part)s: quiz passed", part=title),
                ]
            if part.assignment is not None:
                header.append(_("%(part)s: assignment", part=title))
            header.append(_("%(part)s: completed", part=title))
        header += [
            _("Live sessions attended (of %(total)d)", total=report.sessions_total),
            _("Completed on"),
        ]
        rows: list[list[Cell]] = []
        for row in report.rows:
            cells: list[Cell] = [
                row.name,
                row.email,
                str(ROLE_LABELS[row.role]),
                row.employer,
                row.place_name,
                str(STATUS_LABELS[row.status]),
            ]
            for part, state in zip(course.parts, row.parts, strict=True):
                cells.append(state.lessons_read)
                if part.quiz is not None:
                    passed = None if state.quiz_passed is None else yes if state.quiz_passed else no
                    cells += [state.best_score, state.max_score, passed]
                if part.assignment is not None:
                    cells.append(str(SUBMISSION_LABELS[state.assignment_status]))
                cells.append(yes if state.completed else no)
            cells += [
                row.sessions_attended,
                row.completed_at.astimezone(zone).date() if row.completed_at else None,
            ]
            rows.append(cells)
    return header, rows


def report_csv(
    report: CohortReport,
    course: Course,
    language: str,
    *,
    delimiter: str = ",",
    tz: str | None = None,
) -> bytes:
    """The report as CSV: UTF-8 with a byte order mark (so Excel reads Å Ä Ö Æ Ø right),
    ``,`` or ``;`` between fields (``;`` suits a Nordic Excel), formulas neutralised."""
    if delimiter not in (",", ";"):
        raise ValueError("the delimiter must be ',' or ';'")
    header, rows = report_table(report, course, language, tz=tz)
    buffer = io.StringIO()
    writer = csv.writer(buffer, delimiter=delimiter, lineterminator="\r\n")
    for cells in [header, *rows]:
        writer.writerow([_csv_text(neutralise(cell)) for cell in cells])
    return buffer.getvalue().encode("utf-8-sig")


def _csv_text(value: Cell) -> str:
    if value is None:
        return ""
    if isinstance(value, date):
        return value.isoformat()
    return str(value)


def report_xlsx(
    report: CohortReport, course: Course, language: str, *, tz: str | None = None
) -> bytes:
    """The report as an Excel workbook: the same columns as the CSV on a first sheet with
    a bold, frozen header, and the summary on a second. Every text cell is stored as text,
    never as a formula."""
    header, rows = report_table(report, course, language, tz=tz)
    workbook = Workbook(write_only=True)
    with force_locale(language):
        sheet_titles = (_("Participants"), _("Summary"))
    sheet = workbook.create_sheet(_sheet_title(sheet_titles[0]))
    bold = Font(bold=True)
    wrap = Alignment(wrap_text=True, vertical="top")
    for index, label in enumerate(header, 1):
        values = [len(_csv_text(cells[index - 1])) for cells in rows]
        width = max([min(len(label), 28), *values]) + 2
        sheet.column_dimensions[get_column_letter(index)].width = min(max(width, 8), 50)
    sheet.freeze_panes = "B2"
    if rows:
        sheet.auto_filter.ref = f"A1:{get_column_letter(len(header))}{len(rows) + 1}"

    headings = [_text_cell(sheet, label) for label in header]
    for each in headings:
        each.font, each.alignment = bold, wrap
    sheet.append(headings)
    for cells in rows:
        sheet.append([_text_cell(sheet, value) for value in cells])

    summary = workbook.create_sheet(_sheet_title(sheet_titles[1]))
    summary.column_dimensions["A"].width = 50
    summary.column_dimensions["B"].width = 14
    for values, heading in summary_rows(report, course, language):
        cells = [_text_cell(summary, value) for value in values]
        if heading:
            for each in cells:
                each.font = bold
        summary.append(cells)

    buffer = io.BytesIO()
    workbook.save(buffer)
    return buffer.getvalue()


def summary_rows(
    report: CohortReport, course: Course, language: str
) -> list[tuple[tuple[Any, ...], bool]]:
    """The summary as (cells, is heading) rows, translated."""
    with force_locale(language):
        rows: list[tuple[tuple[Any, ...], bool]] = [
            ((report.cohort_name,), True),
            ((_("Participants"), report.participants), False),
            ((_("Live sessions"), report.sessions_total), False),
        ]
        filters = report.filters
        if filters.role is not None:
            rows.append(((_("Only role"), str(ROLE_LABELS[filters.role])), False))
        if filters.place_id is not None:
            places = {row.place_name for row in report.rows}
            rows.append(((_("Only place"), places.pop() if len(places) == 1 else ""), False))
        if filters.status is not None:
            rows.append(((_("Only status"), str(STATUS_LABELS[filters.status])), False))
        rows.append(((_("Role"),), True))
        rows += [((str(ROLE_LABELS[role]), n), False) for role, n in report.by_role.items()]
        rows.append(((_("Status"),), True))
        rows += [((str(STATUS_LABELS[key]), n), False) for key, n in report.by_status.items()]
        rows.append(((_("Part"), _("Completed"), _("In progress"), _("Not started")), True))
        for number, (part, summary) in enumerate(zip(course.parts, report.parts, strict=True), 1):
            title = part_title(part, number, language)
            rows.append(
                ((title, summary.completed, summary.in_progress, summary.not_started), False)
            )
    return rows


def _text_cell(sheet: Any, value: Cell) -> WriteOnlyCell:
    """A cell whose text is stored as text, whatever it starts with."""
    result = WriteOnlyCell(sheet, value=_xlsx_value(neutralise(value)))
    if isinstance(value, str):
        result.data_type = "s"
    elif isinstance(value, date):
        result.number_format = "yyyy-mm-dd"
    return result


def _xlsx_value(value: Cell) -> Cell:
    if isinstance(value, str):
        # Control characters are not allowed in the file format at all.
        return ILLEGAL_CHARACTERS_RE.sub("", value)
    return value


def _sheet_title(title: str) -> str:
    # Sheet names: at most 31 characters, none of []:*?/\
    return "".join(c for c in title if c not in "[]:*?/\\")[:31] or "Sheet"
