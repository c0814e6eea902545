"""A round's course evaluation: the results of each survey once at least five people
have answered it, a chart, and the answers as a file (written to the audit log)."""

from __future__ import annotations

from flask import render_template, request
from flask_login import current_user
from markupsafe import Markup

from ...db import get_session
from ...i18n import current_locale
from ...labels import ROLE_LABELS
from ...services import audit, evaluation
from ..downloads import XLSX, download, file_name, local_today, table_format
from ..forms import require_button_form
from .access import load_cohort_course, organizer_required
from .blueprint import bp


@bp.get("/cohorts/<int:cohort_id>/evaluation")
@organizer_required
def evaluation_results(cohort_id: int):
    cohort, course = load_cohort_course(cohort_id)
    language = current_locale()
    results = evaluation.evaluation(get_session(), cohort, course)
    chart = evaluation.evaluation_chart_svg(results, course, language)
    return render_template(
        "organize/evaluation.html",
        cohort=cohort,
        course=course,
        results=results,
        titles={
            each.survey.key: evaluation.survey_title(each.survey, course, language)
            for each in results.surveys
        },
        minimum=evaluation.MIN_ANSWERS,
        roles={role: str(label) for role, label in ROLE_LABELS.items()},
        # The chart escapes every text it draws (tests/test_evaluation.py checks it).
        chart=Markup(chart) if chart else None,  # noqa: S704
        one_decimal=evaluation.one_decimal,
    )


@bp.post("/cohorts/<int:cohort_id>/evaluation/export")
@organizer_required
def export_evaluation(cohort_id: int):
    """The answers of the surveys with enough of them, as a file. A POST, because every
    export is written to the audit log."""
    cohort, course = load_cohort_course(cohort_id)
    require_button_form()
    session = get_session()
    results = evaluation.evaluation(session, cohort, course)
    language = current_locale()
    chosen = table_format(request.form.get("format", "csv"), language)
    if chosen is XLSX:
        body = evaluation.evaluation_xlsx(results, course, language)
    else:
        body = evaluation.evaluation_csv(results, course, language, delimiter=chosen.delimiter)
    audit.record(
        session,
        "evaluation.exported",
        actor_id=current_user.id,
        object_type="cohort",
        object_id=cohort.id,
        organisation_id=cohort.organisation_id,
        format=chosen.extension,
        rows=sum(len(rows) for rows in results.rows.values()),
    )
    session.commit()
    tz = cohort.organisation.timezone
    name = file_name(cohort.name, "evaluation", day=local_today(tz), extension=chosen.extension)
    return download(body, name=name, mimetype=chosen.mimetype)
