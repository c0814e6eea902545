"""A round's report: each participant's progress with filters and a chart, and the report
as a file (every export is written to the audit log)."""

from __future__ import annotations

from collections.abc import Iterator

from flask import render_template, request
from flask_login import current_user
from markupsafe import Markup
from sqlalchemy import bindparam, select
from sqlalchemy.orm import Session

from ...db import get_session
from ...i18n import current_locale
from ...models import AudienceRole, Cohort, EnrolmentStatus, Place
from ...services import audit, reports
from ..downloads import XLSX, file_name, local_today, streamed_download, table_format
from ..forms import require_button_form
from ..params import page_number
from .access import load_cohort_course, organizer_required
from .blueprint import bp
from .tables import filter_options, report_table_rows, table_labels

# The organisation's places for the filter, as (id, name) rows: built once, and no ORM
# objects for a list the page only names.
_PLACES = (
    select(Place.id, Place.name)
    .where(Place.organisation_id == bindparam("organisation_id"))
    .order_by(Place.name)
)


def report_filters(cohort: Cohort) -> tuple[dict, dict]:
    """Filters from the query string, checked against what exists; unknown values are
    ignored rather than trusted. The places are rows with ``id`` and ``name``."""
    args = request.values
    rows = get_session().connection().execute(_PLACES, {"organisation_id": cohort.organisation_id})
    places = {str(place.id): place for place in rows}
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
    labels = table_labels()
    return render_template(
        "organize/report.html",
        cohort=cohort,
        course=course,
        summary=summary,
        page=page,
        places=places,
        filters=filters,
        filter_args={key: value for key, value in filter_args.items() if value is not None},
        labels=labels,
        filter_options=filter_options,
        role_options=[(r.value, label, filters["role"] == r) for r, label in labels.roles.items()],
        place_options=[
            (id_, place.name, filters["place_id"] == place.id) for id_, place in places.items()
        ],
        status_options=[
            (s.value, label, filters["status"] == s) for s, label in labels.statuses.items()
        ],
        table_rows=report_table_rows(page.rows, labels),
        language=language,
        # The chart escapes every text it draws (tests/test_reports.py checks it).
        chart=Markup(reports.progress_chart_svg(summary, course, language)),  # noqa: S704
    )


@bp.post("/cohorts/<int:cohort_id>/report/export")
@organizer_required
def export_report(cohort_id: int):
    """The report as a file, sent as it is written (the rows a batch at a time, from a
    database session of its own). A POST, because every export is written to the audit
    log, before the first byte is sent."""
    cohort, course = load_cohort_course(cohort_id)
    require_button_form()
    filters, places = report_filters(cohort)
    session = get_session()
    summary = reports.cohort_summary(session, cohort, course, reports.ReportFilters(**filters))
    language = current_locale()
    tz = cohort.organisation.timezone
    chosen = table_format(request.form.get("format", "csv"), language)
    audit.record(
        session,
        "report.exported",
        actor_id=current_user.id,
        object_type="cohort",
        object_id=cohort.id,
        organisation_id=cohort.organisation_id,
        format=chosen.extension,
        rows=summary.participants,
    )
    session.commit()
    name = file_name(cohort.name, "report", day=local_today(tz), extension=chosen.extension)
    place = places.get(str(filters["place_id"])) if filters["place_id"] is not None else None

    def chunks(reading: Session) -> Iterator[bytes]:
        if chosen is XLSX:
            return reports.report_xlsx_stream(
                reading,
                course,
                summary,
                language,
                tz=tz,
                place_name=place.name if place is not None else "",
            )
        return reports.report_csv_stream(
            reading, course, summary, language, delimiter=chosen.delimiter, tz=tz
        )

    return streamed_download(chunks, name=name, mimetype=chosen.mimetype, cache_control="no-store")
