"""The cohort report as CSV and as an Excel workbook, in a given language."""

from __future__ import annotations

from typing import Any
from zoneinfo import ZoneInfo

from flask import current_app
from flask_babel import force_locale
from flask_babel import gettext as _
from openpyxl import Workbook

from ...content import Course
from ...labels import ENROLMENT_LABELS as STATUS_LABELS
from ...labels import ROLE_SINGULAR as ROLE_LABELS
from ...labels import SUBMISSION_LABELS, still_to_do
from .. import spreadsheets
from ..spreadsheets import Cell
from .contents import CohortReport, part_title


def report_table(
    report: CohortReport, course: Course, language: str, *, tz: str | None = None
) -> tuple[list[str], list[list[Cell]]]:
    """The header and the rows of the exports, translated, not yet neutralised.

    Completion dates are shown in ``tz`` (an organisation's zone) or the site's TIMEZONE.
    """
    zone = ZoneInfo(tz or current_app.config["TIMEZONE"])
    with force_locale(language):
        yes, no = _("Yes"), _("No")
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
                still_to_do(row.standing),
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
    if delimiter not in spreadsheets.DELIMITERS:
        raise ValueError("the delimiter must be ',' or ';'")
    header, rows = report_table(report, course, language, tz=tz)
    return spreadsheets.csv_bytes(header, rows, delimiter)


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
    spreadsheets.write_table(workbook, sheet_titles[0], header, rows)

    summary = workbook.create_sheet(spreadsheets.sheet_title(sheet_titles[1]))
    summary.column_dimensions["A"].width = 50
    summary.column_dimensions["B"].width = 14
    spreadsheets.append_rows(summary, summary_rows(report, course, language))
    return spreadsheets.workbook_bytes(workbook)


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
