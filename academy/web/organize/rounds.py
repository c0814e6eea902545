"""Rounds (cohorts): a new round, its settings, archiving it, the round page with its
participants and live sessions, and the round's calendar."""

from __future__ import annotations

from flask import flash, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from flask_login import current_user
from flask_wtf.csrf import generate_csrf
from sqlalchemy import select
from wtforms import BooleanField, DateField, IntegerField, SelectField
from wtforms.validators import NumberRange, Optional, ValidationError

from ...content import get_catalog
from ...db import get_session
from ...i18n import current_locale
from ...models import AudienceRole, EnrolmentStatus, LiveSession, Organisation, utcnow
from ...services import announcements, certificates, cohorts, roster
from ...services.mail import absolute_url
from ..calendar import calendar_download
from ..forms import AcademyForm, ButtonForm, bounded_text, name_field, require_button_form
from ..params import page_number, text_arg
from ..urls import url_for_ids
from .access import load_cohort, load_organisation, organizer_required
from .blueprint import bp
from .tables import roster_table_rows, table_labels


class CohortForm(AcademyForm):
    course = SelectField(_l("Course"))
    name = name_field(_l("Name of the round"))
    place = bounded_text(
        _l("Place"),
        required=False,
        hint=_l(
            "The station area, square or housing area the round works on. A new name creates "
            "the place."
        ),
    )
    starts_on = DateField(_l("Starts"), validators=[Optional()])
    ends_on = DateField(_l("Ends"), validators=[Optional()])
    deadline = DateField(_l("Complete by"), validators=[Optional()])
    attendance_required = BooleanField(_l("Attending live sessions is required to complete"))
    required_sessions = IntegerField(
        _l("Live sessions that must be attended"),
        default=0,
        validators=[
            Optional(),
            NumberRange(min=0, max=50, message=_l("Give a number from 0 to 50.")),
        ],
    )
    assignments_need_approval = BooleanField(
        _l("Assignments count only when an organizer has approved them")
    )
    evaluate_each_part = BooleanField(
        _l("Ask the anonymous evaluation after each part too, not only at the end")
    )

    def validate_ends_on(self, field) -> None:
        if field.data and self.starts_on.data and field.data < self.starts_on.data:
            raise ValidationError(_l("The round cannot end before it starts."))

    def validate_deadline(self, field) -> None:
        if field.data and self.starts_on.data and field.data < self.starts_on.data:
            raise ValidationError(_l("The deadline cannot be before the start."))


def course_choices() -> list[tuple[str, str]]:
    language = current_locale()
    return [(slug, course.title[language]) for slug, course in get_catalog().courses.items()]


def cohort_values(form: CohortForm, organisation: Organisation) -> dict:
    session = get_session()
    place = (
        cohorts.find_or_create_place(session, organisation, form.place.data)
        if form.place.data and form.place.data.strip()
        else None
    )
    return {
        "course_slug": form.course.data,
        "name": form.name.data.strip(),
        "place_id": place.id if place else None,
        "starts_on": form.starts_on.data,
        "ends_on": form.ends_on.data,
        "deadline": form.deadline.data,
        "attendance_required": form.attendance_required.data,
        "required_sessions": form.required_sessions.data or 0,
        "assignments_need_approval": form.assignments_need_approval.data,
        "evaluate_each_part": form.evaluate_each_part.data,
    }


@bp.route("/organisations/<int:organisation_id>/cohorts/new", methods=["GET", "POST"])
@organizer_required
def new_cohort(organisation_id: int):
    organisation = load_organisation(organisation_id)
    form = CohortForm()
    form.course.choices = course_choices()
    if form.validate_on_submit():
        session = get_session()
        cohort = cohorts.create_cohort(
            session,
            organisation,
            created_by_id=current_user.id,
            **cohort_values(form, organisation),
        )
        session.commit()
        flash(_("The round %(name)s is created.", name=cohort.name), "success")
        return redirect(url_for("organize.cohort", cohort_id=cohort.id))
    return render_template(
        "organize/cohort_form.html", form=form, organisation=organisation, cohort=None
    )


@bp.route("/cohorts/<int:cohort_id>/edit", methods=["GET", "POST"])
@organizer_required
def edit_cohort(cohort_id: int):
    cohort = load_cohort(cohort_id)
    # Values, not obj=cohort: the form's "place" is a name, the cohort's a Place.
    form = CohortForm(
        data={
            "course": cohort.course_slug,
            "name": cohort.name,
            "place": cohort.place.name if cohort.place else "",
            "starts_on": cohort.starts_on,
            "ends_on": cohort.ends_on,
            "deadline": cohort.deadline,
            "attendance_required": cohort.attendance_required,
            "required_sessions": cohort.required_sessions,
            "assignments_need_approval": cohort.assignments_need_approval,
            "evaluate_each_part": cohort.evaluate_each_part,
        }
    )
    form.course.choices = course_choices()
    if form.validate_on_submit():
        session = get_session()
        cohorts.update_cohort(
            session,
            cohort,
            changed_by_id=current_user.id,
            **cohort_values(form, cohort.organisation),
        )
        session.commit()
        flash(_("The round is saved."), "success")
        return redirect(url_for("organize.cohort", cohort_id=cohort.id))
    return render_template(
        "organize/cohort_form.html", form=form, organisation=cohort.organisation, cohort=cohort
    )


@bp.post("/cohorts/<int:cohort_id>/archive")
@organizer_required
def archive_cohort(cohort_id: int):
    cohort = load_cohort(cohort_id)
    require_button_form()
    session = get_session()
    cohorts.set_archived(session, cohort, cohort.archived_at is None, changed_by_id=current_user.id)
    session.commit()
    flash(
        _("The round is archived.") if cohort.archived_at else _("The round is restored."), "info"
    )
    return redirect(url_for("organize.cohort", cohort_id=cohort.id))


def roster_filters() -> roster.RosterFilters:
    """The round page's search and filters from the query string; what is unknown or
    unreadable is ignored, a search is cut to its bound."""
    args = request.args
    search = text_arg(args, "q", max_length=roster.SEARCH_MAX)
    status = args.get("status")
    role = args.get("role")
    return roster.RosterFilters(
        search=search,
        status=EnrolmentStatus(status) if status in set(EnrolmentStatus) else None,
        role=AudienceRole(role) if role in set(AudienceRole) else None,
    )


@bp.get("/cohorts/<int:cohort_id>")
@organizer_required
def cohort(cohort_id: int):
    session = get_session()
    cohort = load_cohort(cohort_id)
    filters = roster_filters()
    counts = roster.roster_counts(session, cohort)
    page = roster.roster_page(session, cohort, filters, counts, page_number(request.args))
    sessions = session.scalars(
        select(LiveSession)
        .where(LiveSession.cohort_id == cohort.id)
        .order_by(LiveSession.starts_at)
    ).all()
    course = get_catalog().get(cohort.course_slug)
    filter_args = {
        "q": filters.search or None,
        "status": filters.status and filters.status.value,
        "role": filters.role and filters.role.value,
    }
    return render_template(
        "organize/cohort.html",
        cohort=cohort,
        course=course,
        counts=counts,
        page=page,
        filters=filters,
        filter_args={key: value for key, value in filter_args.items() if value},
        sessions=sessions,
        now=utcnow(),
        table_rows=roster_table_rows(
            page.rows,
            table_labels(),
            {
                "resend": url_for_ids("organize.resend"),
                "certificate": url_for_ids("certificates.manage"),
                "reinstate": url_for_ids("organize.reinstate"),
                "move": url_for_ids("organize.move"),
                "withdraw": url_for_ids("organize.withdraw"),
            },
            generate_csrf(),
        ),
        certificate_counts=certificates.cohort_counts(session, cohort.id),
        announcements=announcements.sent_in(session, cohort.id),
        button=ButtonForm(),
    )


@bp.get("/cohorts/<int:cohort_id>/schedule.ics")
@organizer_required
def schedule(cohort_id: int):
    cohort = load_cohort(cohort_id)
    return calendar_download(
        cohort,
        link=absolute_url("organize.cohort", cohort_id=cohort.id),
        filename="schedule.ics",
    )
