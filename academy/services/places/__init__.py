"""Places and the findings gathered for them: the situation picture (lägesbild) that the
municipality, police, property owners and traders follow up together.

One module a concern (``findings`` says where findings come from and how a resubmission
keeps their statuses):

- ``labels``: the words for a finding's category, severity and status;
- ``registry``: the organisation's places, and their overview;
- ``findings``: findings made from submitted assignments, and their status;
- ``listing``: a place's findings as the organizer's page filters, counts and pages them;
- ``shared``: a place's findings as its participants see them;
- ``partners``: who reads a place besides its owner (partners, viewers), and choosing
  partners;
- ``chart``: the findings as a bar chart;
- ``walks``, ``same_as`` and ``trend_chart``: the walks compared over time (before and
  after), marking a later finding the same as an earlier one, and the trend chart;
  ``walk_summaries`` keeps the walks' figures in step with the findings;
- ``exports`` and ``summary_pdf``: the findings as CSV, Excel workbook and PDF, and the
  audit row of an export.
"""

from . import walk_summaries  # noqa: F401 - registers the listeners that keep the figures
from .chart import CHART_WIDTH, findings_chart_svg
from .exports import (
    SourceTitle,
    findings_cells,
    findings_csv,
    findings_csv_chunks,
    findings_header,
    findings_table,
    findings_xlsx,
    findings_xlsx_chunks,
    record_findings_export,
)
from .findings import (
    SPOT_MAX,
    findings_group,
    findings_parts,
    load_finding,
    record_findings,
    set_status,
)
from .labels import (
    CATEGORY_LABELS,
    OPEN_STATUSES,
    SEVERITIES,
    SEVERITY_LABELS,
    STATUS_LABELS,
    UNRATED,
    PageLabels,
    page_labels,
)
from .listing import (
    FINDINGS_PAGE_SIZE,
    FindingFilters,
    FindingRow,
    FindingsPage,
    PlaceSummary,
    all_findings,
    filter_labels,
    findings_page,
    findings_stream,
    place_summary,
)
from .partners import (
    Access,
    PartnerChoice,
    PartnerError,
    Reach,
    add_partner,
    partner_choice,
    place_access,
    readable_places,
    remove_partner,
)
from .registry import (
    PLACE_DESCRIPTION_MAX,
    PLACE_NAME_MAX,
    PlaceRow,
    PlacesOverview,
    create_place,
    place_name_taken,
    places_overview,
    update_place,
)
from .same_as import (
    CANDIDATES_PAGE_SIZE,
    Candidate,
    SameAsError,
    clear_same_as,
    mark_same_as,
    same_as_candidates,
)
from .shared import (
    SHARING_STATUSES,
    SharedFinding,
    SharedFindingsPage,
    has_shared_findings,
    shared_findings_page,
)
from .summary_pdf import SUMMARY_STYLESHEET, SUMMARY_TEMPLATE, summary_pdf, summary_pdf_html
from .trend_chart import MAX_CHART_COLUMNS, column_label, walks_chart_svg
from .walks import Column, CompareBy, MeasureTrend, WalkComparison, compare_walks

__all__ = [
    "CANDIDATES_PAGE_SIZE",
    "CATEGORY_LABELS",
    "CHART_WIDTH",
    "FINDINGS_PAGE_SIZE",
    "MAX_CHART_COLUMNS",
    "OPEN_STATUSES",
    "PLACE_DESCRIPTION_MAX",
    "PLACE_NAME_MAX",
    "SEVERITIES",
    "SEVERITY_LABELS",
    "SHARING_STATUSES",
    "SPOT_MAX",
    "STATUS_LABELS",
    "SUMMARY_STYLESHEET",
    "SUMMARY_TEMPLATE",
    "UNRATED",
    "Access",
    "Candidate",
    "Column",
    "CompareBy",
    "FindingFilters",
    "FindingRow",
    "FindingsPage",
    "MeasureTrend",
    "PageLabels",
    "PartnerChoice",
    "PartnerError",
    "PlaceRow",
    "PlaceSummary",
    "PlacesOverview",
    "Reach",
    "SameAsError",
    "SharedFinding",
    "SharedFindingsPage",
    "SourceTitle",
    "WalkComparison",
    "add_partner",
    "all_findings",
    "clear_same_as",
    "column_label",
    "compare_walks",
    "create_place",
    "filter_labels",
    "findings_cells",
    "findings_chart_svg",
    "findings_csv",
    "findings_csv_chunks",
    "findings_group",
    "findings_header",
    "findings_page",
    "findings_parts",
    "findings_stream",
    "findings_table",
    "findings_xlsx",
    "findings_xlsx_chunks",
    "has_shared_findings",
    "load_finding",
    "mark_same_as",
    "page_labels",
    "partner_choice",
    "place_access",
    "place_name_taken",
    "place_summary",
    "places_overview",
    "readable_places",
    "record_findings",
    "record_findings_export",
    "remove_partner",
    "same_as_candidates",
    "set_status",
    "shared_findings_page",
    "summary_pdf",
    "summary_pdf_html",
    "update_place",
    "walks_chart_svg",
]
