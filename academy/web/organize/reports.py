"""A round's report: each participant's progress with filters and a chart, and the report
as a file (every export is written to the audit log)."""

from __future__ import annotations

from flask import render_template, request
from flask_login import current_user
from markupsafe import Markup
from sqlalchemy import select

from ...db import get_session
from ...i18n import current_locale
from ...models import AudienceRole, Cohort, EnrolmentStatus, Place
from ...services import audit, reports
from ..downloads import XLSX, download, file_name, local_today, table_format
from ..forms import ButtonForm, require_button_form
from ..params import page_number
from .access import load_cohort_course, organizer_required
from .blueprint import bp
from .tables import table_labels


def report_filters(cohort: Cohort) -> tuple[dict, dict]:
    """Filters from the query string, checked against what exists; unknown values are
    ignored rather than trusted."""
    args = request.values
    places = {
        str(place.id): place
        for place in get_session().scalars(
            select(Place)
            .where(Place.organisation_id == cohort.organisation_id)
            .order_by(Place.name)
        )
    }
    chosen = {"role": None, "place_id": None, "status": None}
    if args.get("role") in {role.value for role in AudienceRole}:
        chosen["role"] = AudienceRole(args["role"])
    if args.get("place") in places:
        chosen["place_id"] = int(args["place"])
    if args.get("status") in {status.value for status in EnrolmentStatus}:
        chosen["status"] = EnrolmentStatus(args["status"])
    return chosen, places


@bp.get("/cohorts/<int:cohort_id>/report")
@organizer_required
def report(cohort_id: int):
    cohort, course = load_cohort_course(cohort_id)
    filters, places = report_filters(cohort)
    session = get_session()
    summary = reports.cohort_summary(session, cohort, course, reports.ReportFilters(**filters))
    page = reports.report_page(session, course, summary, page_number(request.args))
    language = current_locale()
    # The filters as the query string names them, for the pager and the export form.
    filter_args = {
        "role": filters["role"] and filters["role"].value,
        "place": filters["place_id"],
        "status": filters["status"] and filters["status"].value,
    }
    return render_template(
        "organize/report.html",
        cohort=cohort,
        course=course,
        summary=summary,
        page=page,
        places=places,
        filters=filters,
        filter_args={key: value for key, value in filter_args.items() if value is not None},
        labels=table_labels(),
        language=language,
        # The chart escapes every text it draws (tests/test_reports.py checks it).
        chart=Markup(reports.progress_chart_svg(summary, course, language)),  # noqa: S704
        export=ButtonForm(),
    )


@bp.post("/cohorts/<int:cohort_id>/report/export")
@organizer_required
def export_report(cohort_id: int):
    """The report as a file. A POST, because every export is written to the audit log."""
    cohort, course = load_cohort_course(cohort_id)
    require_button_form()
    filters, _places = report_filters(cohort)
    session = get_session()
    result = reports.cohort_report(session, cohort, course, **filters)
    language = current_locale()
    tz = cohort.organisation.timezone
    chosen = table_format(request.form.get("format", "csv"), language)
    if chosen is XLSX:
        body = reports.report_xlsx(result, course, language, tz=tz)
    else:
        body = reports.report_csv(result, course, language, delimiter=chosen.delimiter, tz=tz)
    audit.record(
        session,
        "report.exported",
        actor_id=current_user.id,
        object_type="cohort",
        object_id=cohort.id,
        organisation_id=cohort.organisation_id,
        format=chosen.extension,
        rows=result.participants,
    )
    session.commit()
    name = file_name(cohort.name, "report", day=local_today(tz), extension=chosen.extension)
    return download(body, name=name, mimetype=chosen.mimetype)
