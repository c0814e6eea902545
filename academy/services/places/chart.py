"""The findings of a place as a bar chart (SVG): a bar per category, split by severity."""

from __future__ import annotations

from collections.abc import Sequence

from flask_babel import force_locale, ngettext
from flask_babel import gettext as _

from ...models import FindingCategory, FindingSeverity
from .. import charts
from ..charts import MARGIN, WHITE, escape
from .labels import CATEGORY_LABELS, SEVERITY_LABELS
from .listing import PlaceSummary

# Contrast with the white background: high 6.5:1, medium 5.6:1, low 7.8:1, the outline of
# "not rated" 5.3:1 (WCAG AA: 3:1 for graphics). Every count is also written out.
_SEVERITY_FILLS = {
    FindingSeverity.HIGH: "#b3261e",
    FindingSeverity.MEDIUM: "#a35200",
    FindingSeverity.LOW: "#1f5f99",
}
_UNRATED_STROKE = "#6b6b6b"
_BAR_HEIGHT = 20
# Narrow, so that its 14px text stays readable on a phone (about 11px at 360px wide).
CHART_WIDTH = 360


def _severity_style(severity: FindingSeverity | None) -> str:
    if severity is None:
        return f'fill="{WHITE}" stroke="{_UNRATED_STROKE}" stroke-width="2"'
    return f'fill="{_SEVERITY_FILLS[severity]}"'


def findings_chart_svg(
    summary: PlaceSummary,
    language: str,
    *,
    id_prefix: str | None = None,
    font: str = charts.FONT,
) -> str:
    """A bar per category, split by severity (high, medium, low, not rated), as
    standalone SVG. The bars share one scale (the largest category fills the width);
    each category's total and its counts by severity are written next to and under its
    bar, the whole chart is described in ``<title>``/``<desc>``, and all text is
    escaped. "Not rated" appears only when some finding has no severity."""
    prefix = id_prefix or f"place-{summary.place_id}-findings"
    severities = summary.shown_severities
    with force_locale(language):
        title = _("%(place)s: findings by category and severity", place=summary.place_name)
        subtitle = _("Findings by category and severity")
        labels = {severity: str(SEVERITY_LABELS[severity]) for severity in severities}
        lines = [ngettext("%(num)d finding.", "%(num)d findings.", summary.total)]
        bars = []
        for category in FindingCategory:
            total = summary.category_total(category)
            found = ngettext("%(num)d finding", "%(num)d findings", total)
            counts = _severity_counts(summary, category, severities)
            name = str(CATEGORY_LABELS[category])
            lines.append(f"{name}: {found}" + (f" ({counts})." if total else "."))
            bars.append((category, name, found, counts, total))
        empty = _("No findings match.")

    # The place's name in bold (wrapped: about 10px a character), what the chart shows
    # under it, then the legend.
    heading, below = charts.narrow_heading(summary.place_name, subtitle, CHART_WIDTH)
    legend_top = below + 20
    positions = charts.legend_positions(list(labels.values()), y=legend_top, width=CHART_WIDTH)
    top = max(y for _x, y in positions) + charts.LEGEND_ROW + 18
    if not summary.total:
        bars = []  # no bars, a line that says so
    heights = [76 if total else 32 for *_rest, total in bars]
    out = charts.open_svg(
        language=language,
        title=title,
        description=" ".join(lines),
        id_prefix=prefix,
        height=top + (sum(heights) if bars else 40),
        width=CHART_WIDTH,
        heading=False,
        font=font,
    )
    out += heading
    out += charts.legend(
        [(_severity_style(s), label) for s, label in labels.items()],
        y=legend_top,
        width=CHART_WIDTH,
    )
    if not bars:
        out.append(f'<text x="{MARGIN}" y="{top + 24}">{escape(empty)}</text>')
    right = CHART_WIDTH - MARGIN
    scale = (right - MARGIN) / max((total for *_rest, total in bars), default=1)
    y = top
    for (category, name, found, counts, total), height in zip(bars, heights, strict=True):
        out.append(f'<text x="{MARGIN}" y="{y + 14}" font-weight="bold">{escape(name)}</text>')
        out.append(f'<text x="{right}" y="{y + 14}" text-anchor="end">{escape(found)}</text>')
        x = float(MARGIN)
        for severity in severities if total else ():
            count = summary.counts[(category, severity)]
            if not count:
                continue
            width = scale * count
            out.append(
                f'<rect x="{x:.1f}" y="{y + 22}" width="{max(width - 2, 1):.1f}" '
                f'height="{_BAR_HEIGHT}" {_severity_style(severity)}>'
                f"<title>{escape(f'{labels[severity]}: {count}')}</title></rect>"
            )
            x += width
        if total:
            out.append(f'<text x="{MARGIN}" y="{y + 60}">{escape(counts)}</text>')
        y += height
    out.append("</svg>")
    return "\n".join(out) + "\n"


def _severity_counts(
    summary: PlaceSummary,
    category: FindingCategory,
    severities: Sequence[FindingSeverity | None],
) -> str:
    """ "2 high, 1 low": the severities the category has findings of, most serious first."""
    words = {
        FindingSeverity.HIGH: lambda n: _("%(num)d high", num=n),
        FindingSeverity.MEDIUM: lambda n: _("%(num)d medium", num=n),
        FindingSeverity.LOW: lambda n: _("%(num)d low", num=n),
        None: lambda n: _("%(num)d not rated", num=n),
    }
    return ", ".join(
        words[severity](summary.counts[(category, severity)])
        for severity in severities
        if summary.counts[(category, severity)]
    )
