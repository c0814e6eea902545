"""A round's live sessions: a new one, changing or deleting one, and taking attendance."""

from __future__ import annotations

from datetime import UTC, datetime
from zoneinfo import ZoneInfo

from flask import abort, current_app, flash, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from flask_login import current_user
from wtforms import DateField, SelectChoice, SelectField, StringField, TimeField
from wtforms.validators import URL, DataRequired, Optional, ValidationError

from ...content import get_course
from ...db import get_session
from ...i18n import current_locale
from ...models import Organisation, utcnow
from ...services import cohorts, roster
from ..forms import AcademyForm, ButtonForm, bounded_text, name_field, require_button_form
from ..params import int_args, page_number, text_arg
from .access import load_cohort, load_live_session, organizer_required
from .blueprint import bp


class LiveSessionForm(AcademyForm):
    title = name_field(_l("Title"))
    day = DateField(_l("Date"), validators=[DataRequired(message=_l("Give the date."))])
    starts = TimeField(_l("Starts at"), validators=[DataRequired(message=_l("Give the time."))])
    ends = TimeField(_l("Ends at"), validators=[DataRequired(message=_l("Give the time."))])
    location = bounded_text(_l("Place"), required=False, max_length=300)
    video_url = StringField(
        _l("Video link"),
        validators=[
            Optional(),
            URL(require_tld=True, message=_l("Give a full link starting with https://.")),
        ],
    )

    part_slug = SelectField(_l("Part discussed"), choices=[SelectChoice("", "")], default="")

    def validate_ends(self, field) -> None:
        if field.data and self.starts.data and field.data <= self.starts.data:
            raise ValidationError(_l("The session must end after it starts."))

    def validate_video_url(self, field) -> None:
        if field.errors:  # the URL validator has said what is wrong already
            return
        if field.data and not field.data.startswith(("https://", "http://")):
            raise ValidationError(_l("Give a full link starting with https://."))
        if field.data and len(field.data) > 500:
            raise ValidationError(_l("A link is at most 500 characters."))


def zone_of(organisation: Organisation) -> ZoneInfo:
    return ZoneInfo(organisation.timezone or current_app.config["TIMEZONE"])


def part_choices(course_slug: str) -> list[SelectChoice]:
    """The course's parts, for a session that discusses one (or none)."""
    course = get_course(course_slug)
    language = current_locale()
    parts = [SelectChoice(p.slug, p.title[language]) for p in course.parts] if course else []
    return [SelectChoice("", _("No particular part")), *parts]


def live_values(form: LiveSessionForm, zone: ZoneInfo) -> dict:
    def utc(time) -> datetime:
        return datetime.combine(form.day.data, time, tzinfo=zone).astimezone(UTC)

    return {
        "title": form.title.data.strip(),
        "starts_at": utc(form.starts.data),
        "ends_at": utc(form.ends.data),
        "location": (form.location.data or "").strip(),
        "video_url": (form.video_url.data or "").strip(),
        "part_slug": form.part_slug.data or None,
    }


@bp.route("/cohorts/<int:cohort_id>/sessions/new", methods=["GET", "POST"])
@bp.route("/sessions/<int:session_id>/edit", methods=["GET", "POST"])
@organizer_required
def edit_live_session(cohort_id: int | None = None, session_id: int | None = None):
    live = load_live_session(session_id) if session_id is not None else None
    if live is not None and live.cancelled_at is not None:
        abort(404)  # a cancelled session stays as it was cancelled
    cohort = live.cohort if live is not None else load_cohort(cohort_id)
    zone = zone_of(cohort.organisation)
    form = LiveSessionForm()
    if live is not None and not form.is_submitted():
        start, end = live.starts_at.astimezone(zone), live.ends_at.astimezone(zone)
        form = LiveSessionForm(obj=live, day=start.date(), starts=start.time(), ends=end.time())
    form.part_slug.choices = part_choices(cohort.course_slug)
    if form.validate_on_submit():
        session = get_session()
        cohorts.save_live_session(
            session, cohort, live, changed_by_id=current_user.id, **live_values(form, zone)
        )
        session.commit()
        flash(_("The live session is saved."), "success")
        return redirect(url_for("organize.cohort", cohort_id=cohort.id))
    return render_template(
        "organize/live_session_form.html", form=form, cohort=cohort, live=live, zone=zone.key
    )


@bp.post("/sessions/<int:session_id>/cancel")
@organizer_required
def cancel_live_session(session_id: int):
    """Cancel, not delete: participants are mailed and their calendars told (docs/decisions.md)."""
    live = load_live_session(session_id)
    cohort_id = live.cohort_id
    require_button_form()
    session = get_session()
    if cohorts.cancel_live_session(session, live, changed_by_id=current_user.id):
        session.commit()
        flash(_("The live session is cancelled, and the participants are told."), "info")
    else:
        flash(_("Attendance is recorded for this session, so it cannot be cancelled."), "error")
    return redirect(url_for("organize.cohort", cohort_id=cohort_id))


@bp.route("/sessions/<int:session_id>/attendance", methods=["GET", "POST"])
@organizer_required
def attendance(session_id: int):
    """The checklist of a live session that has started, 50 names a page (found by name):
    who was there, among those who have joined the round. Nobody can be at a session
    before it starts, nor before accepting the invitation. Saving a page marks the people
    listed on it and no one else."""
    live = load_live_session(session_id)
    if live.cancelled_at is not None:
        abort(404)  # nobody attends a cancelled session
    cohort = live.cohort
    session = get_session()
    started = live.starts_at <= utcnow()
    filters = roster.RosterFilters(
        search=text_arg(request.args, "q", max_length=roster.SEARCH_MAX), joined=True
    )
    page = roster.roster_page(
        session, cohort, filters, None, page_number(request.args), invitations=False
    )
    here = url_for(
        "organize.attendance",
        session_id=live.id,
        q=filters.search or None,
        page=page.number if page.number > 1 else None,
    )
    form = ButtonForm()
    problem = None
    present = cohorts.present_at(session, live, [row.enrolment_id for row in page.rows])
    if form.validate_on_submit():
        listed = set(int_args(request.form, "listed"))
        chosen = set(int_args(request.form, "present"))
        joined = roster.joined_among(session, cohort, listed | chosen)
        if not started:
            problem = _("Attendance can be taken once the session has started.")
        elif not chosen <= listed or (listed | chosen) - joined:
            problem = _(
                "Only people who have joined the round can be marked present. Reload the "
                "page and try again."
            )
        else:
            cohorts.save_attendance(
                session, live, chosen, sorted(listed), recorded_by_id=current_user.id
            )
            session.commit()
            flash(_("Attendance is saved."), "success")
            # Back to the checklist while it has other pages to take; else to the round.
            if page.pages > 1 or filters.search:
                return redirect(here)
            return redirect(url_for("organize.cohort", cohort_id=cohort.id))
        present = chosen
    return render_template(
        "organize/attendance.html",
        live=live,
        cohort=cohort,
        page=page,
        not_joined=roster.not_joined(session, cohort),
        filters=filters,
        started=started,
        present=present,
        problem=problem,
        form=form,
    ), (200 if problem is None else 400)
