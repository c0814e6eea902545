"""The lägesbild as an Excel workbook, in the organisation's language: the walks over time
(every walk, a block per place), the measures, and every open finding. Text is stored as
text (``services.spreadsheets``: nothing a user typed is ever calculated)."""

from __future__ import annotations

from flask_babel import force_locale
from flask_babel import gettext as _
from openpyxl import Workbook

from .. import spreadsheets
from ..places.labels import page_labels
from ..places.trend_chart import column_label
from ..plans.labels import MEASURE_STATUS_LABELS
from ..spreadsheets import Cell
from .contents import Situation


def situation_xlsx(situation: Situation, language: str) -> bytes:
    workbook = Workbook(write_only=True)
    with force_locale(language):
        categories, severities, statuses = page_labels()
        measure_statuses = {key: str(label) for key, label in MEASURE_STATUS_LABELS.items()}
        walks: list[tuple[list[Cell], bool]] = [
            ([_("Situation picture: %(title)s", title=situation.title)], True),
            ([situation.organisation.name, situation.today], False),
        ]
        for entry in situation.places:
            comparison = entry.comparison
            walks.append(([], False))
            walks.append(([entry.name], True))
            if entry.description:
                walks.append(([entry.description], False))
            columns = comparison.columns
            walks.append(
                ([_("Walk"), *[column_label(column, comparison.by) for column in columns]], True)
            )
            walks.append(([_("Date"), *[column.first_on for column in columns]], False))

            def change(value: int | None) -> Cell:
                return "" if value is None else value

            walks += [
                ([_("All findings"), *comparison.total_series], True),
                ([_("New problems"), *[change(column.new) for column in columns]], False),
                ([_("Still there"), *[change(column.still_there) for column in columns]], False),
                ([_("Gone"), *[change(column.gone) for column in columns]], False),
            ]
            walks += [
                ([categories[category], *comparison.category_series(category)], False)
                for category in comparison.categories
            ]
            walks += [
                (
                    [
                        _("Severity: %(level)s", level=severities[severity]),
                        *comparison.severity_series(severity),
                    ],
                    False,
                )
                for severity in comparison.severities
            ]
        measures_header = [
            _("Measure"),
            _("Plan"),
            _("Place"),
            _("Responsible"),
            _("Due date"),
            _("Status"),
            _("Overdue"),
            _("Expected effect"),
            _("Indicator"),
            _("Findings it answers"),
        ]
        measures = [
            [
                line.title,
                line.plan_title,
                line.place_name,
                line.responsible,
                line.due_on,
                measure_statuses[line.status],
                _("Yes") if line.overdue else _("No"),
                line.expected_effect,
                line.indicator,
                line.findings,
            ]
            for line in situation.measures
        ]
        findings_header = [
            _("Place"),
            _("Category"),
            _("Spot"),
            _("Severity"),
            _("Status"),
            _("What was seen"),
            _("Suggestion"),
        ]
        findings = [
            [
                entry.name,
                categories[finding.category],
                finding.spot,
                severities[finding.severity],
                statuses[finding.status],
                finding.observation,
                finding.suggestion,
            ]
            for entry in situation.places
            for finding in entry.open_findings
        ]
        titles = (_("Walks over time"), _("Measures"), _("Open findings"))
    sheet = workbook.create_sheet(spreadsheets.sheet_title(titles[0]))
    sheet.column_dimensions["A"].width = 36
    spreadsheets.append_rows(sheet, walks)
    spreadsheets.write_table(workbook, titles[1], measures_header, measures, wrap_rows=True)
    spreadsheets.write_table(
        workbook, titles[2], findings_header, findings, max_width=60, wrap_rows=True
    )
    return spreadsheets.workbook_bytes(workbook)
