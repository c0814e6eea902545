"""The lägesbild as PDF (WeasyPrint through ``academy.pdf``: the safe fetcher and the
bundled fonts of the certificates) in the organisation's language."""

from __future__ import annotations

import base64

from flask import render_template
from flask_babel import force_locale, format_date

from ...pdf import render_pdf
from .. import charts
from ..places.labels import page_labels
from ..places.trend_chart import column_label, walks_chart_svg
from ..plans.labels import KIND_LABELS, MEASURE_STATUS_LABELS
from .contents import Situation

SITUATION_STYLESHEET = "situation"
SITUATION_TEMPLATE = "pdf/situation.html"
# The open findings the PDF lists one by one (the workbook has them all); past this the
# PDF says how many more there are, so that the document stays one a council can read.
PDF_FINDINGS_MAX = 300


def situation_html(situation: Situation, language: str) -> str:
    """The HTML of the lägesbild in ``language``; every text goes through the template's
    escaping, and each place's trend chart is a ``data:`` image in the PDF's bundled
    font, with its title and description as its ``alt``."""
    drawn = {
        entry.place_id: walks_chart_svg(entry.comparison, language, font=charts.PDF_FONT)
        for entry in situation.places
    }
    images = {
        place_id: (
            "data:image/svg+xml;base64," + base64.b64encode(svg.encode()).decode("ascii"),
            charts.text_alternative(svg),
        )
        for place_id, svg in drawn.items()
    }
    with force_locale(language):
        headings = {
            entry.place_id: [
                column_label(column, entry.comparison.by) for column in entry.comparison.columns
            ]
            for entry in situation.places
        }
        budget = PDF_FINDINGS_MAX
        shown = {}
        for entry in situation.places:
            shown[entry.place_id] = entry.open_findings[: max(budget, 0)]
            budget -= len(shown[entry.place_id])
        return render_template(
            SITUATION_TEMPLATE,
            language=language,
            situation=situation,
            charts=images,
            headings=headings,
            shown=shown,
            today=format_date(situation.today, "long"),
            labels=page_labels(),
            statuses={key: str(label) for key, label in MEASURE_STATUS_LABELS.items()},
            kinds={key: str(label) for key, label in KIND_LABELS.items()},
        )


def situation_pdf(situation: Situation, language: str) -> bytes:
    return render_pdf(situation_html(situation, language), SITUATION_STYLESHEET)
