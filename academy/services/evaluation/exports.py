"""The evaluation as CSV and as an Excel workbook: one row an answer, only of the surveys
with enough answers, the role only where the results name it (``results.role_groups``),
text never calculated (``services.spreadsheets``)."""

from __future__ import annotations

from flask_babel import force_locale
from flask_babel import gettext as _
from openpyxl import Workbook

from ...content import Course
from ...labels import ROLE_SINGULAR
from .. import spreadsheets
from ..spreadsheets import Cell
from .results import Evaluation
from .surveys import BEFORE, END, RECOMMEND, Survey


def survey_title(survey: Survey, course: Course, language: str) -> str:
    """The survey's name, in the current locale."""
    if survey.key == BEFORE:
        return _("Before the course")
    if survey.key == END:
        return _("End of the course")
    for number, part in enumerate(course.parts, 1):
        if part.slug == survey.part_slug:
            title = part.title.get(language) or part.title.get("en", part.slug)
            return _("After part %(number)d: %(part)s", number=number, part=title)
    return survey.key


def evaluation_table(
    evaluation: Evaluation, course: Course, language: str
) -> tuple[list[str], list[list[Cell]]]:
    """The header and the rows of the exports, translated, not yet neutralised."""
    with force_locale(language):
        recommend = {"yes": _("Yes"), "no": _("No"), "unsure": _("Not sure")}
        other = _("Other roles")
        header = [
            _("Survey"),
            _("Role"),
            _("Month"),
            _("Overall rating (1-5)"),
            _("Relevance to my work (1-5)"),
            _("Would recommend"),
            _("What to change"),
        ]
        for number, part in enumerate(course.parts, 1):
            title = part.title.get(language) or part.title.get("en", part.slug)
            header.append(_("Confidence, %(number)d. %(part)s (1-5)", number=number, part=title))
        rows: list[list[Cell]] = []
        for result in evaluation.shown:
            title = survey_title(result.survey, course, language)
            named = result.shown_roles
            others = any(group.role is None for group in result.roles) or (
                # A survey without ratings names its roles by the same rule.
                not result.survey.asks_ratings and bool(named)
            )
            for row in evaluation.rows.get(result.survey.key, []):
                if row.role in named:
                    role: Cell = str(ROLE_SINGULAR[row.role])
                else:
                    role = other if others else ""
                rows.append(
                    [
                        title,
                        role,
                        row.answered_month.strftime("%Y-%m"),
                        row.overall,
                        row.relevance,
                        recommend[row.recommend] if row.recommend in RECOMMEND else None,
                        row.change,
                        *[_confidence(row.confidence, part.slug) for part in course.parts],
                    ]
                )
    return header, rows


def _confidence(confidence: object, slug: str) -> int | None:
    value = confidence.get(slug) if isinstance(confidence, dict) else None
    return value if isinstance(value, int) else None


def evaluation_csv(
    evaluation: Evaluation, course: Course, language: str, *, delimiter: str = ","
) -> bytes:
    header, rows = evaluation_table(evaluation, course, language)
    return spreadsheets.csv_bytes(header, rows, delimiter)


def evaluation_xlsx(evaluation: Evaluation, course: Course, language: str) -> bytes:
    header, rows = evaluation_table(evaluation, course, language)
    workbook = Workbook(write_only=True)
    with force_locale(language):
        spreadsheets.write_table(
            workbook, _("Evaluation"), header, rows, max_width=60, wrap_rows=True
        )
    return spreadsheets.workbook_bytes(workbook)
