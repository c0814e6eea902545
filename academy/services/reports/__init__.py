"""The cohort report an organizer takes to a steering group, and its exports.

The page reads ``cohort_summary`` (one statement of grouped counts: roles, statuses and
how far each part got) and ``report_page`` (one page of the table: two statements), so
its cost does not grow with the cohort. The exports read ``cohort_report``, every row in
a fixed number of queries. ``progress_chart_svg``, ``report_csv`` and ``report_xlsx``
turn them into a chart and spreadsheets in a given language; they need an application
context (for the message catalogs and the site's time zone), but no request.

- ``contents``: what a report holds (rows, summary, filters);
- ``statements``: its SQL, built once per shape;
- ``queries``: reading the summary, a page of rows, or every row;
- ``chart`` and ``exports``: the chart, and the CSV and Excel files.
"""

from .chart import progress_chart_svg
from .contents import (
    COMPLETED,
    IN_PROGRESS,
    NOT_STARTED,
    CohortReport,
    CohortSummary,
    PartRow,
    PartSummary,
    ReportFilters,
    ReportRow,
    part_title,
)
from .exports import report_csv, report_table, report_xlsx, summary_rows
from .queries import REPORT_PAGE_SIZE, ReportPage, cohort_report, cohort_summary, report_page

__all__ = [
    "COMPLETED",
    "IN_PROGRESS",
    "NOT_STARTED",
    "REPORT_PAGE_SIZE",
    "CohortReport",
    "CohortSummary",
    "PartRow",
    "PartSummary",
    "ReportFilters",
    "ReportPage",
    "ReportRow",
    "cohort_report",
    "cohort_summary",
    "part_title",
    "progress_chart_svg",
    "report_csv",
    "report_page",
    "report_table",
    "report_xlsx",
    "summary_rows",
]
