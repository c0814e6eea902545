"""The measure cards of the plan page and of the walks page, written in Python rather
than in the templates.

A plan of 30 measures has about 400 values on its cards; in the template each went
through Jinja's attribute look-ups and an escape of its own (Markup objects), the largest
part of rendering the page. Here the words are translated once per locale for the
process (the catalogs do not change while it runs, as ``tables.table_labels``), each
status and day is written once per page, and every text is escaped. The HTML is the
templates', to the byte.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Mapping
from typing import NamedTuple

from flask_babel import gettext as _
from markupsafe import Markup, escape

from ...i18n import format_day, per_locale
from ...models import MeasureStatus
from ...services.plans.pages import MeasureRow


class CardWords(NamedTuple):
    overdue: str
    due: str
    no_due: str
    responsible: str
    place: str
    findings: str


@per_locale
def card_words() -> CardWords:
    """The cards' words in the current locale, escaped; shared, never changed."""
    return CardWords(
        *(
            str(escape(text))
            for text in (
                _("Overdue"),
                _("Due date"),
                _("None"),
                _("Responsible"),
                _("Place"),
                _("Findings"),
            )
        )
    )


def plan_measure_cards(
    rows: Iterable[MeasureRow],
    statuses: Mapping[MeasureStatus, str],
    measure_url: Callable[[int], str],
    *,
    with_place: bool,
) -> Markup:
    """The plan page's measure cards (the items of its ``<ol class="measure-list">``):
    ``statuses`` are the status labels, ``measure_url`` makes a measure's address from
    its id, ``with_place`` shows each card's place (a plan of several places)."""
    words = card_words()
    overdue_tag = f'<span class="status-tag status-overdue">{words.overdue}</span>'
    tags = {
        status: f'<span class="status-tag status-{status.value}">{escape(label)}</span>'
        for status, label in statuses.items()
    }
    days: dict[object, str] = {}
    out = []
    for row in rows:
        measure = row.measure
        due_on = measure.due_on
        if due_on is None:
            due = words.no_due
        else:
            due = days.get(due_on)
            if due is None:
                due = days[due_on] = str(escape(format_day(due_on)))
        place = f"<dt>{words.place}</dt><dd>{escape(row.place_name)}</dd>" if with_place else ""
        out.append(
            f'\n    \n    <li class="measure-card'
            f'{" measure-overdue" if row.overdue else ""}" id="measure-{measure.id}">\n'
            f'      <h3><a href="{escape(measure_url(measure.id))}">{escape(measure.title)}</a>'
            "</h3>\n"
            '      <p class="finding-tags">\n'
            f"        {tags[measure.status]}\n"
            f"        {overdue_tag if row.overdue else ''}\n"
            "      </p>\n"
            '      <dl class="facts">\n'
            f"        <dt>{words.due}</dt><dd>{due}</dd>\n"
            f"        <dt>{words.responsible}</dt><dd>{escape(measure.responsible.name)}</dd>\n"
            f"        {place}\n"
            f"        <dt>{words.findings}</dt><dd>{row.findings}</dd>\n"
            "      </dl>\n"
            "    </li>\n    "
        )
    return Markup("".join(out))  # noqa: S704 - every text above is escaped


class TrendWords(NamedTuple):
    responsible: str
    due: str
    none: str
    indicator: str
    no_indicator: str
    categories: str
    no_findings: str


@per_locale
def trend_words() -> TrendWords:
    """The trend cards' words in the current locale, escaped; shared, never changed."""
    return TrendWords(
        *(
            str(escape(text))
            for text in (
                _("Responsible"),
                _("Due date"),
                _("None"),
                _("Indicator"),
                _("None given"),
                _("Findings of its categories"),
                _("It answers no finding yet."),
            )
        )
    )


def walk_measure_cards(
    statuses: Mapping[MeasureStatus, str],
    measure_url: Callable[[int], str],
    trends: Mapping[int, str],
) -> Callable[[Iterable], Markup]:
    """What writes the walks page's measure cards of one plan (the items of its
    ``<ol class="measure-list measure-trends">``) from the comparison's measures:
    ``trends`` are their lines beside the walks by measure id (``walks.measure_trends``).
    The page calls it once per plan."""
    words = trend_words()
    tags = {
        status: f'<span class="status-tag status-{status.value}">{escape(label)}</span>'
        for status, label in statuses.items()
    }
    days: dict[object, str] = {}

    def cards(measures: Iterable) -> Markup:
        out = []
        for measure in measures:
            due_on = measure.due_on
            if not due_on:
                due = words.none
            else:
                due = days.get(due_on)
                if due is None:
                    due = days[due_on] = str(escape(format_day(due_on)))
            line = escape(trends[measure.id]) if measure.categories else words.no_findings
            out.append(
                f'\n    <li class="measure-card" id="measure-{measure.id}">\n'
                f'      <h4><a href="{escape(measure_url(measure.id))}">{escape(measure.title)}'
                "</a></h4>\n"
                f'      <p class="finding-tags">{tags[measure.status]}</p>\n'
                '      <dl class="facts">\n'
                f"        <dt>{words.responsible}</dt><dd>{escape(measure.responsible)}</dd>\n"
                f"        <dt>{words.due}</dt><dd>{due}</dd>\n"
                f"        <dt>{words.indicator}</dt>"
                f'<dd class="answer-text">{escape(measure.indicator or words.no_indicator)}</dd>\n'
                f"        <dt>{words.categories}</dt>\n"
                f"        <dd>{line}</dd>\n"
                "      </dl>\n"
                "    </li>\n    "
            )
        return Markup("".join(out))  # noqa: S704 - every text above is escaped

    return cards
