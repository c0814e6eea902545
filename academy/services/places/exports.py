"""A place's findings as CSV and as an Excel workbook, without the participants' names,
and the audit row every export of them (these files and the PDF summary) writes."""

from __future__ import annotations

from collections.abc import Callable, Iterable, Sequence
from datetime import date, datetime
from zoneinfo import ZoneInfo

from flask import current_app
from flask_babel import force_locale
from flask_babel import gettext as _
from openpyxl import Workbook
from sqlalchemy.orm import Session

from ...models import FindingCategory, Place
from .. import audit, spreadsheets
from ..spreadsheets import Cell
from .labels import CATEGORY_LABELS, SEVERITY_LABELS, STATUS_LABELS, page_labels
from .listing import FindingFilters, FindingRow, PlaceSummary

SourceTitle = Callable[[str, str], str]
#: Where the round's name stands in a row of ``findings_table``.
ROUND_COLUMN = 8


def findings_table(
    rows: Iterable[FindingRow],
    language: str,
    *,
    source_title: SourceTitle,
    tz: str | None = None,
    with_rounds: bool = True,
) -> tuple[list[str], list[list[Cell]]]:
    """The header and rows of the exports, translated, not yet neutralised. Without the
    participants' names: the file goes to the steering group and the next safety walk.
    Without the round either for a partner or viewer (``with_rounds=False``): the owner's
    rounds are not theirs to see.
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
        categories, severities, statuses = page_labels()
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
    if not with_rounds:
        for line in (header, *body):
            del line[ROUND_COLUMN]
    return header, body


def findings_csv(
    rows: Iterable[FindingRow],
    language: str,
    *,
    source_title: SourceTitle,
    delimiter: str = ",",
    tz: str | None = None,
    with_rounds: bool = True,
) -> bytes:
    """The findings as CSV (UTF-8 with a byte order mark, formulas neutralised)."""
    if delimiter not in spreadsheets.DELIMITERS:
        raise ValueError("the delimiter must be ',' or ';'")
    header, body = findings_table(
        rows, language, source_title=source_title, tz=tz, with_rounds=with_rounds
    )
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
    with_rounds: bool = True,
) -> bytes:
    """The findings as an Excel workbook: the CSV's columns on a first sheet (bold,
    frozen header, wrapped text), and a summary with the counts by category and
    severity and by status on a second. ``filter_labels`` are (filter, value) pairs
    already translated, written into the summary."""
    header, body = findings_table(
        rows, language, source_title=source_title, tz=tz, with_rounds=with_rounds
    )
    workbook = Workbook(write_only=True)
    with force_locale(language):
        titles = (_("Findings"), _("Summary"))
        severities = summary.shown_severities
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
    spreadsheets.append_rows(sheet, summary_rows)
    return spreadsheets.workbook_bytes(workbook)


def record_findings_export(
    session: Session,
    place: Place,
    filters: FindingFilters,
    *,
    file_format: str,
    rows: int,
    exported_by_id: int,
) -> None:
    """Audit an export of the place's findings (CSV, Excel or the PDF summary): who took
    how many rows, in which format, through which of the page's filters."""
    audit.record(
        session,
        "findings.exported",
        actor_id=exported_by_id,
        object_type="place",
        object_id=place.id,
        organisation_id=place.organisation_id,
        format=file_format,
        rows=rows,
        **filters.args(),
    )
