"""A round's evaluation as a chart (SVG, the conventions of ``services.charts``): the
ratings of the end-of-course survey and the confidence per part before the course and at
its end. Only surveys with enough answers are drawn; every number is also written out."""

from __future__ import annotations

from flask_babel import force_locale, format_decimal
from flask_babel import gettext as _

from ...content import Course
from .. import charts
from ..charts import MARGIN, escape
from .results import Distribution, Evaluation
from .surveys import BEFORE, END

# On white: green 6.3:1, orange 5.6:1, the grey outline 5.3:1 (WCAG AA: 3:1 for graphics).
_GREEN = "#1b6e3a"
_ORANGE = "#a35200"
_GREY = "#6b6b6b"
_BAR = 20
# Narrow, so that on a phone the chart is scaled down little and its text stays legible.
WIDTH = 440
_BAR_WIDTH = WIDTH - 2 * MARGIN


def _filled(colour: str) -> str:
    return f'fill="{colour}"'


_OUTLINED = f'fill="#ffffff" stroke="{_GREY}" stroke-width="2"'


def evaluation_chart_svg(evaluation: Evaluation, course: Course, language: str) -> str | None:
    """The chart, or None when neither the end survey nor the one before the course has
    enough answers to show."""
    end, before = evaluation.result(END), evaluation.result(BEFORE)
    end = end if end and end.shown else None
    before = before if before and before.shown else None
    if end is None and before is None:
        return None
    prefix = f"cohort-{evaluation.cohort.id}-evaluation"
    body: list[str] = []
    described: list[str] = []
    with force_locale(language):
        title = _("%(cohort)s: course evaluation", cohort=evaluation.cohort.name)
        heading, bottom = charts.narrow_heading(title, "", WIDTH)
        y = bottom - 8
        if end is not None:
            described.append(_("%(count)d answers at the end of the course.", count=end.answered))
            for label, values in (
                (_("Overall rating"), end.overall),
                (_("Relevance to my work"), end.relevance),
            ):
                text = _rating_text(values)
                described.append(f"{label}: {text}.")
                y = _rating_row(body, y, label, text, values)
            if end.recommend:
                counts = end.recommend
                text = _("%(yes)d yes, %(no)d no, %(unsure)d unsure", **counts)
                described.append(_("Would recommend the course: %(counts)s.", counts=text))
                y = _recommend_row(body, y, _("Would recommend the course"), text, counts)
        y = _confidence(body, described, y, course, language, before, end)
    out = charts.open_svg(
        language=language,
        title=title,
        description=" ".join(described),
        id_prefix=prefix,
        height=y + 8,
        width=WIDTH,
        heading=False,
    )
    # The heading without narrow_heading's (empty) subtitle.
    out += heading[:-1] + body + ["</svg>"]
    return "\n".join(out) + "\n"


def one_decimal(value: float) -> str:
    """4.2 as the current locale writes it (4,2 in Swedish and Norwegian)."""
    return format_decimal(value, format="0.0")


def _rating_text(values: Distribution) -> str:
    if values.average is None:
        return _("no answers")
    return _(
        "%(average)s of 5 (%(count)d answers)",
        average=one_decimal(values.average),
        count=values.answered,
    )


def _rating_row(body: list[str], y: int, label: str, text: str, values: Distribution) -> int:
    body.append(f'<text x="{MARGIN}" y="{y + 14}" font-weight="bold">{escape(label)}</text>')
    body.append(
        f'<rect x="{MARGIN}" y="{y + 22}" width="{_BAR_WIDTH}" height="{_BAR}" {_OUTLINED}/>'
    )
    if values.average is not None:
        width = _BAR_WIDTH * values.average / 5
        body.append(
            f'<rect x="{MARGIN}" y="{y + 22}" width="{width:.1f}" height="{_BAR}" '
            f"{_filled(_GREEN)}/>"
        )
    body.append(f'<text x="{MARGIN}" y="{y + 62}">{escape(text)}</text>')
    return y + 78


def _recommend_row(body: list[str], y: int, label: str, text: str, counts: dict[str, int]) -> int:
    body.append(f'<text x="{MARGIN}" y="{y + 14}" font-weight="bold">{escape(label)}</text>')
    total = sum(counts.values()) or 1
    x = float(MARGIN)
    for key, style in (("yes", _filled(_GREEN)), ("unsure", _filled(_ORANGE)), ("no", _OUTLINED)):
        if not counts.get(key):
            continue
        width = _BAR_WIDTH * counts[key] / total
        body.append(
            f'<rect x="{x:.1f}" y="{y + 22}" width="{max(width - 2, 1):.1f}" height="{_BAR}" '
            f"{style}/>"
        )
        x += width
    body.append(f'<text x="{MARGIN}" y="{y + 62}">{escape(text)}</text>')
    return y + 78


def _confidence(body, described, y, course: Course, language: str, before, end) -> int:
    """Two bars a part: the average confidence before the course (outlined) and at its
    end (filled), each of 5, with the numbers written under them."""
    series = [
        (result, label, style)
        for result, label, style in (
            (before, _("Before the course"), _OUTLINED),
            (end, _("At the end"), _filled(_GREEN)),
        )
        if result is not None and result.confidence
    ]
    if not series:
        return y
    heading = _("Confidence per part (1-5)")
    body.append(
        f'<text x="{MARGIN}" y="{y + 16}" font-size="16" font-weight="bold">'
        f"{escape(heading)}</text>"
    )
    body += charts.legend(
        [(style, label) for _result, label, style in series], y=y + 28, width=WIDTH
    )
    y += 60
    for number, part in enumerate(course.parts, 1):
        name = f"{number}. {part.title.get(language) or part.title.get('en', part.slug)}"
        for line_number, line in enumerate(charts.wrap(name, (WIDTH - 2 * MARGIN) // 8)):
            body.append(
                f'<text x="{MARGIN}" y="{y + 14 + 18 * line_number}" font-weight="bold">'
                f"{escape(line)}</text>"
            )
        y += 18 * len(charts.wrap(name, (WIDTH - 2 * MARGIN) // 8)) + 6
        texts = []
        for result, label, style in series:
            values = result.confidence[part.slug]
            if values.average is not None:
                width = _BAR_WIDTH * values.average / 5
                body.append(
                    f'<rect x="{MARGIN}" y="{y}" width="{max(width, 1):.1f}" height="{_BAR}" '
                    f"{style}/>"
                )
            texts.append(
                f"{label}: {one_decimal(values.average)}"
                if values.average is not None
                else f"{label}: -"
            )
            y += _BAR + 6
        text = " · ".join(texts)
        described.append(f"{name}: {text}.")
        body.append(f'<text x="{MARGIN}" y="{y + 12}">{escape(text)}</text>')
        y += 30
    return y
