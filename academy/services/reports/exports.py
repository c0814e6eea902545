"""The cohort report as CSV and as an Excel workbook, in a given language.

``report_csv_stream`` and ``report_xlsx_stream`` write the file as the rows are read
(``report_rows``), a batch at a time, for the download; ``report_csv`` and
``report_xlsx`` make the same files whole from a ``CohortReport`` in memory.
"""

from __future__ import annotations

from collections.abc import Iterable, Iterator
from datetime import datetime
from typing import Any
from zoneinfo import ZoneInfo

from flask import current_app
from flask_babel import force_locale
from flask_babel import gettext as _
from sqlalchemy.orm import Session

from ...content import Course
from ...labels import ENROLMENT_LABELS as STATUS_LABELS
from ...labels import ROLE_SINGULAR as ROLE_LABELS
from ...labels import SUBMISSION_LABELS, still_to_do
from .. import spreadsheets
from ..spreadsheets import Cell
from .contents import CohortReport, CohortSummary, ReportRow, part_title
from .queries import report_rows


def report_header(course: Course, sessions_total: int, language: str) -> list[str]:
    """The exports' column titles, translated."""
    with force_locale(language):
        header = [
            _("Name"),
            _("E-mail"),
            _("Role"),
            _("Employer"),
            _("Place"),
            _("Status"),
            _("Still to complete"),
        ]
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
            _("Live sessions attended (of %(total)d)", total=sessions_total),
            _("Completed on"),
        ]
    return header


def report_cells(
    rows: Iterable[ReportRow], course: Course, language: str, *, tz: str | None = None
) -> Iterator[list[Cell]]:
    """Each row's cells as the header names them, translated, not yet neutralised; the
    words are translated once, not once a row. Completion dates are shown in ``tz`` (an
    organisation's zone) or the site's TIMEZONE."""
    zone = ZoneInfo(tz or current_app.config["TIMEZONE"])
    with force_locale(language):
        yes, no = _("Yes"), _("No")
        roles = {key: str(label) for key, label in ROLE_LABELS.items()}
        statuses = {key: str(label) for key, label in STATUS_LABELS.items()}
        submissions = {key: str(label) for key, label in SUBMISSION_LABELS.items()}
    # What each row still lacks, by its stage and count: a handful of texts.
    missing: dict[tuple[Any, ...], str] = {}
    parts = [(part.quiz is not None, part.assignment is not None) for part in course.parts]

    def to_do(row: ReportRow) -> str:
        standing = row.standing
        key = (standing.stage, len(standing.awaiting_approval), standing.sessions_missing)
        text = missing.get(key)
        if text is None:
            with force_locale(language):
                text = missing[key] = still_to_do(standing)
        return text

    def day(moment: datetime | None):
        return moment.astimezone(zone).date() if moment is not None else None

    for row in rows:
        cells: list[Cell] = [
            row.name,
            row.email,
            roles[row.role],
            row.employer,
            row.place_name,
            statuses[row.status],
            to_do(row),
        ]
        for (quiz, assignment), state in zip(parts, row.parts, strict=True):
            cells.append(state.lessons_read)
            if quiz:
                passed = None if state.quiz_passed is None else yes if state.quiz_passed else no
                cells += [state.best_score, state.max_score, passed]
            if assignment:
                cells.append(submissions[state.assignment_status])
            cells.append(yes if state.completed else no)
        cells += [row.sessions_attended, day(row.completed_at)]
        yield cells


def report_table(
    report: CohortReport, course: Course, language: str, *, tz: str | None = None
) -> tuple[list[str], list[list[Cell]]]:
    """The header and the rows of the exports, translated, not yet neutralised."""
    header = report_header(course, report.sessions_total, language)
    return header, list(report_cells(report.rows, course, language, tz=tz))


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
    header = report_header(course, report.sessions_total, language)
    rows = report_cells(report.rows, course, language, tz=tz)
    return spreadsheets.csv_bytes(header, rows, delimiter)


def report_xlsx(
    report: CohortReport, course: Course, language: str, *, tz: str | None = None
) -> bytes:
    """The report as an Excel workbook: the same columns as the CSV on a first sheet with
    a bold, frozen header, and the summary on a second. Every text cell is stored as text,
    never as a formula."""
    places = {row.place_name for row in report.rows}
    place_name = places.pop() if len(places) == 1 else ""
    return b"".join(
        _xlsx_chunks(report.summary, report.rows, course, language, tz=tz, place_name=place_name)
    )


def report_csv_stream(
    session: Session,
    course: Course,
    summary: CohortSummary,
    language: str,
    *,
    delimiter: str = ",",
    tz: str | None = None,
) -> Iterator[bytes]:
    """``report_csv`` of the report whose ``summary`` is given, written as its rows are
    read (``report_rows``), a batch at a time."""
    header = report_header(course, summary.sessions_total, language)
    rows = report_cells(report_rows(session, course, summary), course, language, tz=tz)
    return spreadsheets.csv_chunks(header, rows, delimiter)


def report_xlsx_stream(
    session: Session,
    course: Course,
    summary: CohortSummary,
    language: str,
    *,
    tz: str | None = None,
    place_name: str = "",
) -> Iterator[bytes]:
    """``report_xlsx`` of the report whose ``summary`` is given, written as its rows are
    read, a batch at a time. ``place_name`` is the place the report is narrowed to."""
    return _xlsx_chunks(
        summary,
        report_rows(session, course, summary),
        course,
        language,
        tz=tz,
        place_name=place_name,
    )


def _xlsx_chunks(
    summary: CohortSummary,
    rows: Iterable[ReportRow],
    course: Course,
    language: str,
    *,
    tz: str | None,
    place_name: str,
) -> Iterator[bytes]:
    workbook = spreadsheets.streamed_workbook()
    with force_locale(language):
        sheet_titles = (_("Participants"), _("Summary"))
    yield from spreadsheets.xlsx_table(
        workbook,
        sheet_titles[0],
        report_header(course, summary.sessions_total, language),
        report_cells(rows, course, language, tz=tz),
    )
    yield from spreadsheets.xlsx_rows(
        workbook,
        sheet_titles[1],
        summary_rows(summary, course, language, place_name=place_name),
        widths=(50, 14),
    )
    yield workbook.close()


def summary_rows(
    summary: CohortSummary, course: Course, language: str, *, place_name: str = ""
) -> list[tuple[tuple[Any, ...], bool]]:
    """The summary as (cells, is heading) rows, translated. ``place_name`` is the place
    the report is narrowed to, if it is."""
    with force_locale(language):
        rows: list[tuple[tuple[Any, ...], bool]] = [
            ((summary.cohort_name,), True),
            ((_("Participants"), summary.participants), False),
            ((_("Live sessions"), summary.sessions_total), False),
        ]
        filters = summary.filters
        if filters.role is not None:
            rows.append(((_("Only role"), str(ROLE_LABELS[filters.role])), False))
        if filters.place_id is not None:
            rows.append(((_("Only place"), place_name), False))
        if filters.status is not None:
            rows.append(((_("Only status"), str(STATUS_LABELS[filters.status])), False))
        rows.append(((_("Role"),), True))
        rows += [((str(ROLE_LABELS[role]), n), False) for role, n in summary.by_role.items()]
        rows.append(((_("Status"),), True))
        rows += [((str(STATUS_LABELS[key]), n), False) for key, n in summary.by_status.items()]
        rows.append(((_("Part"), _("Completed"), _("In progress"), _("Not started")), True))
        for number, (part, counted) in enumerate(zip(course.parts, summary.parts, strict=True), 1):
            title = part_title(part, number, language)
            rows.append(
                ((title, counted.completed, counted.in_progress, counted.not_started), False)
            )
    return rows
