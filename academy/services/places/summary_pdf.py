"""A place's summary as PDF: its counts, chart and findings, for a steering group."""

from __future__ import annotations

import base64
from collections.abc import Sequence
from zoneinfo import ZoneInfo

from flask import current_app, render_template
from flask_babel import force_locale, format_date

from ...models import Place, utcnow
from ...pdf import render_pdf
from .. import charts
from .chart import findings_chart_svg
from .labels import page_labels
from .listing import FindingRow, PlaceSummary

SUMMARY_STYLESHEET = "place-summary"
SUMMARY_TEMPLATE = "pdf/place_summary.html"


def summary_pdf_html(
    place: Place,
    summary: PlaceSummary,
    rows: Sequence[FindingRow],
    language: str,
    *,
    filter_labels: Sequence[tuple[str, str]] = (),
    tz: str | None = None,
) -> str:
    """The HTML of the place's PDF summary in ``language``: its name and description, the
    date, the counts by category and severity (the chart and a table) and the findings,
    without the participants' names. Every text goes through the template's escaping; the
    chart is a ``data:`` image, the only kind of URL besides static files the PDF renderer
    loads, in the PDF's bundled font, with its title and description as its ``alt``."""
    zone = ZoneInfo(tz or current_app.config["TIMEZONE"])
    chart = findings_chart_svg(
        summary, language, id_prefix=f"place-{place.id}-summary", font=charts.PDF_FONT
    )
    with force_locale(language):
        return render_template(
            SUMMARY_TEMPLATE,
            language=language,
            place=place,
            summary=summary,
            rows=rows,
            filter_labels=filter_labels,
            today=format_date(utcnow().astimezone(zone).date(), "long"),
            severities=summary.shown_severities,
            labels=page_labels(),
            chart_uri="data:image/svg+xml;base64,"
            + base64.b64encode(chart.encode("utf-8")).decode("ascii"),
            chart_alt=charts.text_alternative(chart),
        )


def summary_pdf(
    place: Place,
    summary: PlaceSummary,
    rows: Sequence[FindingRow],
    language: str,
    *,
    filter_labels: Sequence[tuple[str, str]] = (),
    tz: str | None = None,
) -> bytes:
    """The place's summary as PDF bytes (``academy.pdf``: nothing outside the static
    folder is loaded)."""
    html = summary_pdf_html(place, summary, rows, language, filter_labels=filter_labels, tz=tz)
    return render_pdf(html, SUMMARY_STYLESHEET)
