"""The cohort's progress as a chart (SVG): a stacked bar per part."""

from __future__ import annotations

from flask_babel import force_locale, ngettext
from flask_babel import gettext as _

from ...content import Course
from .. import charts
from ..charts import MARGIN, WIDTH, escape
from .contents import COMPLETED, IN_PROGRESS, NOT_STARTED, CohortSummary, part_title

# Contrast with the white background: text 17.4:1, completed 6.3:1, in progress 5.6:1,
# the outline of "not started" 5.3:1 (WCAG AA asks 4.5:1 for text, 3:1 for graphics).
# The segments differ in fill and outline as well as colour, and every number is written out.
_COMPLETED = "#1b6e3a"
_IN_PROGRESS = "#a35200"
_NOT_STARTED = "#6b6b6b"
_BAR_HEIGHT = 24


# Charts drawn, by everything a chart is drawn from: the same counts of the same round in
# the same language give the same chart, so a report asked again before anything changed
# draws none (a fifth of a millisecond), and any change of a count is a new key. The
# catalogs do not change while the process runs; the course is compared by identity (a
# reloaded course is a new object) and kept in the entry, so its id is not reused.
_DRAWN: dict[tuple, tuple[Course, str]] = {}
_DRAWN_MAX = 256


def progress_chart_svg(
    summary: CohortSummary, course: Course, language: str, *, id_prefix: str | None = None
) -> str:
    """A stacked bar per part (completed, in progress, not started) as standalone SVG.

    Every number and title is written as text, the whole chart is described in
    ``<title>``/``<desc>`` for screen readers, and all text is escaped. ``id_prefix``
    keeps the ids unique when several charts share a page. ``summary`` comes from
    ``cohort_summary`` (or ``CohortReport.summary``).
    """
    prefix = id_prefix or f"cohort-{summary.cohort_id}-progress"
    key = (id(course), language, prefix, summary.cohort_name, summary.participants, summary.parts)
    drawn = _DRAWN.get(key)
    if drawn is not None and drawn[0] is course:
        return drawn[1]
    svg = _draw(summary, course, language, prefix)
    if len(_DRAWN) >= _DRAWN_MAX:
        _DRAWN.clear()
    _DRAWN[key] = (course, svg)
    return svg


def _draw(summary: CohortSummary, course: Course, language: str, prefix: str) -> str:
    total = summary.participants
    bar_width = WIDTH - 2 * MARGIN
    with force_locale(language):
        title = _("%(cohort)s: progress by part", cohort=summary.cohort_name)
        labels = {
            COMPLETED: _("Completed"),
            IN_PROGRESS: _("In progress"),
            NOT_STARTED: _("Not started"),
        }
        lines = [ngettext("%(num)d participant.", "%(num)d participants.", total)]
        bars = []
        for number, (part, counted) in enumerate(zip(course.parts, summary.parts, strict=True), 1):
            counts = _(
                "%(completed)d completed, %(started)d in progress, %(new)d not started",
                completed=counted.completed,
                started=counted.in_progress,
                new=counted.not_started,
            )
            name = part_title(part, number, language)
            lines.append(f"{name}: {counts}.")
            bars.append((name, counts, counted))
        empty = _("No participants match this report.")

    top = 84
    block = 78
    out = charts.open_svg(
        language=language,
        title=title,
        description=" ".join(lines),
        id_prefix=prefix,
        height=top + max(len(bars), 1) * block,
    )
    out += charts.legend(
        [(_segment_style(key), labels[key]) for key in (COMPLETED, IN_PROGRESS, NOT_STARTED)]
    )
    if not bars or total == 0:
        out.append(f'<text x="{MARGIN}" y="{top + 24}">{escape(empty)}</text>')
    for index, (name, counts, counted) in enumerate(bars if total else []):
        y = top + index * block
        out.append(f'<text x="{MARGIN}" y="{y + 14}" font-weight="bold">{escape(name)}</text>')
        x = float(MARGIN)
        for key, count in (
            (COMPLETED, counted.completed),
            (IN_PROGRESS, counted.in_progress),
            (NOT_STARTED, counted.not_started),
        ):
            if not count:
                continue
            width = bar_width * count / total
            out.append(
                f'<rect x="{x:.1f}" y="{y + 22}" width="{max(width - 2, 1):.1f}" '
                f'height="{_BAR_HEIGHT}" {_segment_style(key)}>'
                f"<title>{escape(f'{labels[key]}: {count}')}</title></rect>"
            )
            x += width
        out.append(f'<text x="{MARGIN}" y="{y + 64}">{escape(counts)}</text>')
    out.append("</svg>")
    return "\n".join(out) + "\n"


def _segment_style(key: str) -> str:
    if key == COMPLETED:
        return f'fill="{_COMPLETED}"'
    if key == IN_PROGRESS:
        return f'fill="{_IN_PROGRESS}"'
    return f'fill="#ffffff" stroke="{_NOT_STARTED}" stroke-width="2"'
