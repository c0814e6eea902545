"""The cohort report an organizer takes to a steering group, and its exports.

The page reads ``cohort_summary`` (one statement of grouped counts: roles, statuses and
how far each part got) and ``report_page`` (one page of the table: two statements), so
its cost does not grow with the cohort. The exports read ``report_rows``, every row a
batch at a time, and ``report_csv_stream`` and ``report_xlsx_stream`` write the file as
they come; ``cohort_report`` holds every row with its counts, and ``report_csv`` and
``report_xlsx`` make the files from it whole. The chart and the files are in a given
language; they need an application context (for the message catalogs and the site's
time zone), but no request.

- ``contents``: what a report holds (rows, summary, filters);
- ``statements``: its SQL, built once per shape;
- ``queries``: reading the summary, a page of rows, or every row (a batch at a time);
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
from .exports import (
    report_cells,
    report_csv,
    report_csv_stream,
    report_header,
    report_table,
    report_xlsx,
    report_xlsx_stream,
    summary_rows,
)
from .queries import (
    REPORT_PAGE_SIZE,
    ReportPage,
    cohort_report,
    cohort_summary,
    report_page,
    report_rows,
)

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
    "report_cells",
    "report_csv",
    "report_csv_stream",
    "report_header",
    "report_page",
    "report_rows",
    "report_table",
    "report_xlsx",
    "report_xlsx_stream",
    "summary_rows",
]
