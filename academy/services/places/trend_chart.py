"""A place's walks over time as SVG: small multiples, a row of bars per category (and one
for all findings), a bar per walk or quarter, oldest on the left, each count written above
its bar.

Each row has its own scale (its largest count fills the row's height): the question a row
answers is whether *that* category went up or down, and the counts are written out, so
rows are never compared by bar height alone. The chart shows the last
``MAX_CHART_COLUMNS`` columns; the page's tables have them all.
"""

from __future__ import annotations

from datetime import date
from functools import lru_cache

from babel.dates import format_date as babel_format_date
from flask_babel import force_locale, get_locale, ngettext
from flask_babel import gettext as _

from .. import charts
from ..charts import MARGIN, escape
from .labels import CATEGORY_LABELS
from .walks import Column, CompareBy, WalkComparison

MAX_CHART_COLUMNS = 8
TREND_CHART_WIDTH = 360
# 7.8:1 and 17.4:1 on white (WCAG AA for graphics: 3:1).
_CATEGORY_FILL = "#1f5f99"
_TOTAL_FILL = "#1a1a1a"
_BAR_AREA = 40
# The row's name, the counts above the bars, the bars, two lines of column labels (under
# the first row and the last); a row without the labels.
_ROW_HEIGHT = 18 + 16 + _BAR_AREA + 34
_ROW_HEIGHT_BARE = 18 + 16 + _BAR_AREA + 10


@lru_cache(maxsize=1024)
def _day(value: date, pattern: str, language: str) -> str:
    """A walk's day in ``language``: the same few days are drawn on every view of a place,
    and Babel looks a locale's patterns up anew for each one."""
    return babel_format_date(value, pattern, locale=language)


def column_label(column: Column, by: CompareBy) -> str:
    """The column's heading, in the current locale: "Walk 2" or "Q3 2027"."""
    quarter = column.quarter if by is CompareBy.QUARTER else None
    return _column_label(column.number, quarter, str(get_locale()))


@lru_cache(maxsize=512)
def _column_label(number: int, quarter: tuple[int, int] | None, _locale: str) -> str:
    # ``_locale`` is the key: the words are the current locale's, which it names.
    if quarter is not None:
        year, in_year = quarter
        return _("Q%(quarter)d %(year)d", quarter=in_year, year=year)
    return _("Walk %(number)d", number=number)


def _short_labels(column: Column, by: CompareBy, language: str) -> tuple[str, str]:
    """The two short lines under a bar: the walk's number and month, or the quarter and
    year."""
    if by is CompareBy.QUARTER and column.quarter is not None:
        year, quarter = column.quarter
        return _("Q%(quarter)d", quarter=quarter), str(year)
    return str(column.number), _day(column.first_on, "MMM yy", language)


class _Drawn:
    """A comparison as the chart's cache sees it: equal when everything the chart draws
    is equal (the place, the columns' dates and counts per category), so that the same
    chart in the same language is drawn once, whoever looks at it (nothing in it is
    anyone's own)."""

    __slots__ = ("comparison", "key")

    def __init__(self, comparison: WalkComparison):
        self.comparison = comparison
        self.key = (
            comparison.place_id,
            comparison.place_name,
            comparison.by,
            tuple(
                (c.number, c.first_on, c.quarter, c.total, tuple(sorted(c.by_category.items())))
                for c in comparison.columns
            ),
        )

    def __hash__(self) -> int:
        return hash(self.key)

    def __eq__(self, other: object) -> bool:
        return isinstance(other, _Drawn) and other.key == self.key


def walks_chart_svg(comparison: WalkComparison, language: str, *, font: str = charts.FONT) -> str:
    """The comparison's trend chart as standalone SVG in ``language`` (see the module);
    the title and description say in words what the bars show, and every text is
    escaped. Drawn once per content and language (the place page is read far more often
    than its walks change)."""
    return _draw(_Drawn(comparison), language, font)


@lru_cache(maxsize=256)
def _draw(drawn: _Drawn, language: str, font: str) -> str:
    comparison = drawn.comparison
    columns = comparison.columns[-MAX_CHART_COLUMNS:]
    skipped = len(comparison.columns) - len(columns)
    rows = [(None, comparison.total_series[skipped:])] + [
        (category, comparison.category_series(category)[skipped:])
        for category in comparison.categories
    ]
    with force_locale(language):
        if comparison.by is CompareBy.QUARTER:
            title = _("%(place)s: findings per quarter", place=comparison.place_name)
        else:
            title = _("%(place)s: findings per walk", place=comparison.place_name)
        subtitle = (
            _(
                "The last %(shown)d of %(total)d, oldest on the left.",
                shown=len(columns),
                total=len(comparison.columns),
            )
            if skipped
            else _("Oldest on the left.")
        )
        names = [_("All findings")] + [
            str(CATEGORY_LABELS[category]) for category, _series in rows[1:]
        ]
        headings = [column_label(column, comparison.by) for column in columns]
        short = [_short_labels(column, comparison.by, language) for column in columns]
        lines = [subtitle]
        for column, heading in zip(columns, headings, strict=True):
            found = ngettext("%(num)d finding", "%(num)d findings", column.total)
            lines.append(
                _(
                    "%(column)s (%(date)s): %(found)s.",
                    column=heading,
                    date=_day(column.first_on, "long", language),
                    found=found,
                )
            )
        for name, (_category, series) in zip(names, rows, strict=True):
            lines.append(f"{name}: {', '.join(str(count) for count in series)}.")
        empty = _("No findings yet.")

    heading, below = charts.narrow_heading(title, subtitle, TREND_CHART_WIDTH)
    top = below + 12
    labelled = min(len(rows), 2)
    body = _ROW_HEIGHT * labelled + _ROW_HEIGHT_BARE * (len(rows) - labelled) if columns else 40
    out = charts.open_svg(
        language=language,
        title=title,
        description=" ".join(lines),
        id_prefix=f"place-{comparison.place_id}-walks",
        height=top + body,
        width=TREND_CHART_WIDTH,
        heading=False,
        font=font,
    )
    out += heading
    if not columns:
        out.append(f'<text x="{MARGIN}" y="{top + 24}">{escape(empty)}</text>')
        out.append("</svg>")
        return "\n".join(out) + "\n"

    step = (TREND_CHART_WIDTH - 2 * MARGIN) / len(columns)
    bar = min(28.0, step * 0.6)
    middles = [MARGIN + step * position + step / 2 for position in range(len(columns))]
    y = top
    for index, (name, (_category, series)) in enumerate(zip(names, rows, strict=True)):
        out.append(f'<text x="{MARGIN}" y="{y + 14}" font-weight="bold">{escape(name)}</text>')
        largest = max(series) or 1
        base = y + 18 + 16 + _BAR_AREA
        heights = [_BAR_AREA * count / largest for count in series]
        # Shared attributes on a group rather than on each of the row's bars and counts.
        fill = _TOTAL_FILL if index == 0 else _CATEGORY_FILL
        out.append(f'<g fill="{fill}">')
        out += [
            f'<rect x="{middle - bar / 2:.0f}" y="{base - height:.0f}" width="{bar:.0f}" '
            f'height="{max(height, 1):.0f}"/>'
            for middle, height, count in zip(middles, heights, series, strict=True)
            if count
        ]
        out.append('</g><g text-anchor="middle">')
        out += [
            f'<text x="{middle:.0f}" y="{base - height - 4:.0f}">{count}</text>'
            for middle, height, count in zip(middles, heights, series, strict=True)
        ]
        out.append("</g>")
        out.append(
            f'<line x1="{MARGIN}" y1="{base + 0.5}" x2="{TREND_CHART_WIDTH - MARGIN}" '
            f'y2="{base + 0.5}" stroke="#6b6b6b" stroke-width="1"/>'
        )
        # The walks are named under the first row and the last (not under every row).
        if index in (0, len(rows) - 1):
            out.append('<g text-anchor="middle" font-size="11">')
            for middle, (first, second) in zip(middles, short, strict=True):
                out.append(f'<text x="{middle:.0f}" y="{base + 14}">{escape(first)}</text>')
                out.append(f'<text x="{middle:.0f}" y="{base + 27}">{escape(second)}</text>')
            out.append("</g>")
        y += _ROW_HEIGHT if index in (0, len(rows) - 1) else _ROW_HEIGHT_BARE
    out.append("</svg>")
    return "\n".join(out) + "\n"
