"""A place's findings as CSV and as an Excel workbook, without the participants' names,
and the audit row every export of them (these files and the PDF summary) writes."""

from __future__ import annotations

from collections.abc import Callable, Iterable, Iterator, Sequence
from datetime import date, datetime
from zoneinfo import ZoneInfo

from flask import current_app
from flask_babel import force_locale
from flask_babel import gettext as _
from sqlalchemy.orm import Session

from ...models import FindingCategory, Place
from .. import audit, spreadsheets
from ..spreadsheets import Cell
from .labels import CATEGORY_LABELS, SEVERITY_LABELS, STATUS_LABELS, page_labels
from .listing import FindingFilters, FindingRow, PlaceSummary

SourceTitle = Callable[[str, str], str]
#: Where the round's name stands in a row of ``findings_table``.
ROUND_COLUMN = 8


def findings_header(language: str, *, with_rounds: bool = True) -> list[str]:
    """The exports' column titles, translated; without the round's for a partner or
    viewer (``with_rounds=False``)."""
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
    if not with_rounds:
        del header[ROUND_COLUMN]
    return header


def findings_cells(
    rows: Iterable[FindingRow],
    language: str,
    *,
    source_title: SourceTitle,
    tz: str | None = None,
    with_rounds: bool = True,
) -> Iterator[list[Cell]]:
    """Each finding's cells as ``findings_header`` names them, translated, not yet
    neutralised, as ``rows`` come. Without the participants' names: the file goes to the
    steering group and the next safety walk. Without the round either for a partner or
    viewer (``with_rounds=False``): the owner's rounds are not theirs to see.
    ``source_title(course_slug, part_slug)`` names the assignment a finding came from;
    dates are shown in ``tz`` (the organisation's zone) or the site's TIMEZONE."""
    zone = ZoneInfo(tz or current_app.config["TIMEZONE"])
    with force_locale(language):
        categories, severities, statuses = page_labels()
    # A handful of assignments, named once each.
    titles: dict[tuple[str, str], str] = {}

    def day(value: datetime | None) -> date | None:
        return value.astimezone(zone).date() if value is not None else None

    for row in rows:
        source = titles.get((row.course_slug, row.part_slug))
        if source is None:
            source = titles[(row.course_slug, row.part_slug)] = source_title(
                row.course_slug, row.part_slug
            )
        cells: list[Cell] = [
            row.spot,
            categories[row.category],
            severities[row.severity],
            row.observation,
            row.suggestion,
            statuses[row.status],
            row.changed_by or "",
            day(row.status_changed_at),
            row.cohort_name,
            source,
            day(row.created_at),
        ]
        if not with_rounds:
            del cells[ROUND_COLUMN]
        yield cells


def findings_table(
    rows: Iterable[FindingRow],
    language: str,
    *,
    source_title: SourceTitle,
    tz: str | None = None,
    with_rounds: bool = True,
) -> tuple[list[str], list[list[Cell]]]:
    """The header and rows of the exports (``findings_header``, ``findings_cells``)."""
    header = findings_header(language, with_rounds=with_rounds)
    cells = findings_cells(
        rows, language, source_title=source_title, tz=tz, with_rounds=with_rounds
    )
    return header, list(cells)


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
    return b"".join(
        findings_csv_chunks(
            rows,
            language,
            source_title=source_title,
            delimiter=delimiter,
            tz=tz,
            with_rounds=with_rounds,
        )
    )


def findings_csv_chunks(
    rows: Iterable[FindingRow],
    language: str,
    *,
    source_title: SourceTitle,
    delimiter: str = ",",
    tz: str | None = None,
    with_rounds: bool = True,
) -> Iterator[bytes]:
    """``findings_csv`` a piece at a time, written as ``rows`` come (``findings_stream``
    reads them a batch at a time)."""
    if delimiter not in spreadsheets.DELIMITERS:
        raise ValueError("the delimiter must be ',' or ';'")
    return spreadsheets.csv_chunks(
        findings_header(language, with_rounds=with_rounds),
        findings_cells(rows, language, source_title=source_title, tz=tz, with_rounds=with_rounds),
        delimiter,
    )


def findings_xlsx(
    summary: PlaceSummary,
    rows: Iterable[FindingRow],
    language: str,
    *,
    source_title: SourceTitle,
    description: str = "",
    filter_labels: Sequence[tuple[str, str]] = (),
    tz: str | None = None,
    with_rounds: bool = True,
) -> bytes:
    """The findings as an Excel workbook (``findings_xlsx_chunks``), whole."""
    return b"".join(
        findings_xlsx_chunks(
            summary,
            rows,
            language,
            source_title=source_title,
            description=description,
            filter_labels=filter_labels,
            tz=tz,
            with_rounds=with_rounds,
        )
    )


def findings_xlsx_chunks(
    summary: PlaceSummary,
    rows: Iterable[FindingRow],
    language: str,
    *,
    source_title: SourceTitle,
    description: str = "",
    filter_labels: Sequence[tuple[str, str]] = (),
    tz: str | None = None,
    with_rounds: bool = True,
) -> Iterator[bytes]:
    """The findings as an Excel workbook, written as ``rows`` come: the CSV's columns on
    a first sheet (bold, frozen header, wrapped text), and a summary with the counts by
    category and severity and by status on a second. ``filter_labels`` are (filter,
    value) pairs already translated, written into the summary."""
    workbook = spreadsheets.streamed_workbook()
    with force_locale(language):
        titles = (_("Findings"), _("Summary"))
    yield from spreadsheets.xlsx_table(
        workbook,
        titles[0],
        findings_header(language, with_rounds=with_rounds),
        findings_cells(rows, language, source_title=source_title, tz=tz, with_rounds=with_rounds),
        max_width=60,
        wrap_rows=True,
    )
    yield from spreadsheets.xlsx_rows(
        workbook,
        titles[1],
        _summary_rows(summary, language, description, filter_labels),
        widths=(40,),
    )
    yield workbook.close()


def _summary_rows(
    summary: PlaceSummary,
    language: str,
    description: str,
    filter_labels: Sequence[tuple[str, str]],
) -> list[tuple[list[Cell], bool]]:
    with force_locale(language):
        severities = summary.shown_severities
        rows: list[tuple[list[Cell], bool]] = [([summary.place_name], True)]
        if description:
            rows.append(([description], False))
        rows.append(([_("Findings"), summary.total], False))
        rows += [([label, value], False) for label, value in filter_labels]
        rows.append(
            ([_("Category"), *[str(SEVERITY_LABELS[s]) for s in severities], _("All")], True)
        )
        for category in FindingCategory:
            rows.append(
                (
                    [
                        str(CATEGORY_LABELS[category]),
                        *[summary.counts[(category, s)] for s in severities],
                        summary.category_total(category),
                    ],
                    False,
                )
            )
        rows.append(([_("Status")], True))
        rows += [
            ([str(STATUS_LABELS[status]), count], False)
            for status, count in summary.by_status.items()
        ]
    return rows


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
