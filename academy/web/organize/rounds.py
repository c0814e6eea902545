"""Organizer pages: organisations, cohorts, live sessions and participants."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import NamedTuple
from zoneinfo import ZoneInfo

from flask import (
    abort,
    current_app,
    flash,
    make_response,
    redirect,
    render_template,
    request,
    url_for,
)
from flask_babel import gettext as _
from flask_login import current_user, login_user
from markupsafe import Markup
from sqlalchemy import select
from sqlalchemy.orm import joinedload
from werkzeug.security import check_password_hash

from ...content import get_catalog
from ...db import get_session
from ...errors import back_when_too_large, upload_limit
from ...i18n import current_locale
from ...labels import ENROLMENT_LABELS, INVITATION_LABELS, ROLE_SINGULAR, SUBMISSION_LABELS
from ...models import (
    AssignmentSubmission,
    AudienceRole,
    Cohort,
    Enrolment,
    EnrolmentStatus,
    Invitation,
    InvitationPurpose,
    LiveSession,
    Organisation,
    OrganisationKind,
    Organizer,
    Place,
    SubmissionStatus,
    utcnow,
)
from ...services import (
    accounts,
    audit,
    certificates,
    cohorts,
    enrolments,
    importing,
    invitations,
    organizers,
    reports,
    roster,
)
from ...services import progress as progress_service
from ...services.mail import absolute_url
from ..access import admin_required
from ..calendar import calendar_download
from ..downloads import attachment, file_name, local_today
from ..forms import ButtonForm
from ..invite.forms import ExistingAccountForm, NewParticipantForm
from ..invite.views import PROBLEMS
from ..params import int_arg, int_args, page_number, text_arg
from ..urls import url_for_ids
from . import bp, uploads
from .access import (
    load_cohort,
    load_enrolment,
    load_organisation,
    organizer_required,
    visible_organisations,
)
from .forms import (
    DELIMITER_CHOICES,
    ENCODING_CHOICES,
    IMPORT_FIELDS,
    CohortForm,
    LiveSessionForm,
    MoveForm,
    OrganisationForm,
    OrganizerInviteForm,
    ParticipantForm,
    ReviewForm,
    UploadForm,
)


def zone_of(organisation: Organisation) -> ZoneInfo:
    return ZoneInfo(organisation.timezone or current_app.config["TIMEZONE"])


@bp.get("/")
@organizer_required
def index():
    session = get_session()
    organisations = visible_organisations()
    ids = [organisation.id for organisation in organisations]
    all_cohorts = (
        session.scalars(
            select(Cohort)
            .where(Cohort.organisation_id.in_(ids))
            .order_by(Cohort.archived_at.is_not(None), Cohort.starts_on.desc(), Cohort.id.desc())
        ).all()
        if ids
        else []
    )
    counts = cohorts.cohort_counts(session, [cohort.id for cohort in all_cohorts])
    by_organisation: dict[int, list[Cohort]] = {organisation_id: [] for organisation_id in ids}
    for cohort in all_cohorts:
        by_organisation[cohort.organisation_id].append(cohort)
    return render_template(
        "organize/index.html",
        organisations=organisations,
        by_organisation=by_organisation,
        counts=counts,
        courses=get_catalog().courses,
    )


@bp.route("/organisations/new", methods=["GET", "POST"])
@admin_required
def new_organisation():
    form = OrganisationForm()
    if form.validate_on_submit():
        session = get_session()
        if organizers.organisation_name_taken(session, form.name.data):
            form.name.errors.append(_("An organisation with this name exists already."))
        else:
            organisation = organizers.create_organisation(
                session,
                name=form.name.data,
                kind=OrganisationKind(form.kind.data),
                timezone=form.timezone.data,
                created_by_id=current_user.id,
            )
            session.commit()
            flash(
                _("%(name)s is created. Invite its organizers.", name=organisation.name), "success"
            )
            return redirect(url_for("organize.organisation", organisation_id=organisation.id))
    return render_template("organize/organisation_form.html", form=form)


@bp.route("/organisations/<int:organisation_id>", methods=["GET", "POST"])
@organizer_required
def organisation(organisation_id: int):
    session = get_session()
    organisation = load_organisation(organisation_id)
    form = OrganizerInviteForm()
    if form.validate_on_submit():
        if not current_user.is_admin:
            abort(404)
        organizers.invite_organizer(
            session,
            organisation,
            email=form.email.data,
            locale=form.locale.data,
            invited_by_id=current_user.id,
        )
        session.commit()
        flash(_("The invitation to %(email)s is on its way.", email=form.email.data), "success")
        return redirect(url_for("organize.organisation", organisation_id=organisation.id))
    members = session.scalars(
        select(Organizer)
        .options(joinedload(Organizer.user))
        .where(Organizer.organisation_id == organisation.id)
    ).all()
    pending = session.scalars(
        select(Invitation).where(
            Invitation.organisation_id == organisation.id,
            Invitation.purpose == InvitationPurpose.ORGANIZER,
            Invitation.accepted_at.is_(None),
            Invitation.expires_at > utcnow(),
        )
    ).all()
    round_list = session.scalars(
        select(Cohort)
        .where(Cohort.organisation_id == organisation.id)
        .order_by(Cohort.archived_at.is_not(None), Cohort.id.desc())
    ).all()
    return render_template(
        "organize/organisation.html",
        organisation=organisation,
        members=members,
        pending=pending,
        cohorts=round_list,
        form=form,
        button=ButtonForm(),
    )


@bp.post("/organizers/<int:organizer_id>/remove")
@admin_required
def remove_organizer(organizer_id: int):
    session = get_session()
    organizer = session.get(Organizer, organizer_id)
    if organizer is None:
        abort(404)
    if ButtonForm().validate_on_submit():
        organisation_id = organizer.organisation_id
        organizers.remove_organizer(session, organizer, removed_by_id=current_user.id)
        session.commit()
        flash(_("The organizer is removed."), "info")
        return redirect(url_for("organize.organisation", organisation_id=organisation_id))
    abort(400)


@bp.route("/join/<token>", methods=["GET", "POST"])
def join(token: str):
    """Accept an invitation to organize: log in, or create the account."""
    session = get_session()
    found = invitations.look_up(session, token[:512], InvitationPurpose.ORGANIZER)
    if found.state is not invitations.LinkState.VALID:
        return render_template("invite/problem.html", message=PROBLEMS[found.state]), 404
    invitation = found.invitation
    user = accounts.find_user_by_email(session, invitation.email)
    if current_user.is_authenticated and (user is None or current_user.id != user.id):
        return render_template("invite/someone_else.html", invitation=invitation), 409
    existing = user is not None and user.has_password
    if existing:
        form = ExistingAccountForm()
    else:
        form = NewParticipantForm(locale=invitation.locale, name=user.name if user else "")
        del form.certificate_name
    if form.validate_on_submit():
        if existing and not check_password_hash(user.password_hash, form.password.data):
            form.password.errors.append(_("That is not the password of this account."))
        else:
            if user is None:
                user = accounts.create_user(
                    session,
                    email=invitation.email,
                    name=form.name.data,
                    locale=form.locale.data,
                    password=form.password.data,
                )
            elif not existing:
                user.name = form.name.data.strip()
                user.certificate_name = user.name
                user.locale = form.locale.data
                accounts.set_password(user, form.password.data)
            organizers.accept_organizer_invitation(session, invitation, user)
            session.commit()
            login_user(user)
            flash(
                _(
                    "Welcome! You now organize courses for %(name)s.",
                    name=invitation.organisation.name,
                ),
                "success",
            )
            return redirect(url_for("organize.index"))
    return render_template(
        "organize/join.html", invitation=invitation, form=form, existing=existing
    )


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
    if not ButtonForm().validate_on_submit():
        abort(400)
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
        labels=table_labels(),
        links={
            "resend": url_for_ids("organize.resend"),
            "certificate": url_for_ids("certificates.manage"),
            "reinstate": url_for_ids("organize.reinstate"),
            "move": url_for_ids("organize.move"),
            "withdraw": url_for_ids("organize.withdraw"),
        },
        certificate_counts=certificates.cohort_counts(session, cohort.id),
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


def load_live_session(session_id: int) -> LiveSession:
    live = get_session().get(LiveSession, session_id)
    if live is None:
        abort(404)
    load_cohort(live.cohort_id)
    return live


def live_values(form: LiveSessionForm, zone: ZoneInfo) -> dict:
    def utc(time) -> datetime:
        return datetime.combine(form.day.data, time, tzinfo=zone).astimezone(UTC)

    return {
        "title": form.title.data.strip(),
        "starts_at": utc(form.starts.data),
        "ends_at": utc(form.ends.data),
        "location": (form.location.data or "").strip(),
        "video_url": (form.video_url.data or "").strip(),
    }


@bp.route("/cohorts/<int:cohort_id>/sessions/new", methods=["GET", "POST"])
@bp.route("/sessions/<int:session_id>/edit", methods=["GET", "POST"])
@organizer_required
def edit_live_session(cohort_id: int | None = None, session_id: int | None = None):
    live = load_live_session(session_id) if session_id is not None else None
    cohort = live.cohort if live is not None else load_cohort(cohort_id)
    zone = zone_of(cohort.organisation)
    form = LiveSessionForm()
    if live is not None and not form.is_submitted():
        start, end = live.starts_at.astimezone(zone), live.ends_at.astimezone(zone)
        form = LiveSessionForm(obj=live, day=start.date(), starts=start.time(), ends=end.time())
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


@bp.post("/sessions/<int:session_id>/delete")
@organizer_required
def delete_live_session(session_id: int):
    live = load_live_session(session_id)
    cohort_id = live.cohort_id
    if not ButtonForm().validate_on_submit():
        abort(400)
    session = get_session()
    if cohorts.delete_live_session(session, live, changed_by_id=current_user.id):
        session.commit()
        flash(_("The live session is deleted."), "info")
    else:
        flash(_("Attendance is recorded for this session, so it cannot be deleted."), "error")
    return redirect(url_for("organize.cohort", cohort_id=cohort_id))


@bp.route("/cohorts/<int:cohort_id>/participants/new", methods=["GET", "POST"])
@organizer_required
def add_participant(cohort_id: int):
    cohort = load_cohort(cohort_id)
    form = ParticipantForm()
    if form.validate_on_submit():
        session = get_session()
        existing = accounts.find_user_by_email(session, form.email.data)
        if existing is not None and session.scalar(
            select(Enrolment.id).where(
                Enrolment.cohort_id == cohort.id, Enrolment.user_id == existing.id
            )
        ):
            form.email.errors.append(_("This person is already in the round."))
        else:
            place = (
                cohorts.find_or_create_place(session, cohort.organisation, form.place.data)
                if form.place.data and form.place.data.strip()
                else None
            )
            enrolments.invite_participant(
                session,
                cohort,
                email=form.email.data,
                name=form.name.data,
                role=AudienceRole(form.role.data),
                locale=form.locale.data,
                employer=(form.employer.data or "").strip(),
                place_id=place.id if place else None,
                invited_by_id=current_user.id,
            )
            session.commit()
            flash(
                _("%(name)s is enrolled and the invitation is on its way.", name=form.name.data),
                "success",
            )
            return redirect(url_for("organize.cohort", cohort_id=cohort.id))
    return render_template("organize/participant_form.html", form=form, cohort=cohort)


@bp.post("/enrolments/<int:enrolment_id>/resend")
@organizer_required
def resend(enrolment_id: int):
    session = get_session()
    enrolment = session.get(Enrolment, enrolment_id)
    if enrolment is None:
        abort(404)
    load_cohort(enrolment.cohort_id)
    if not ButtonForm().validate_on_submit():
        abort(400)
    if enrolments.send_or_resend(session, enrolment, invited_by_id=current_user.id):
        session.commit()
        flash(_("The invitation is sent again; the old link no longer works."), "success")
    else:
        flash(_("This invitation has already been accepted."), "info")
    return redirect(url_for("organize.cohort", cohort_id=enrolment.cohort_id))


@bp.post("/cohorts/<int:cohort_id>/resend")
@organizer_required
def resend_all(cohort_id: int):
    cohort = load_cohort(cohort_id)
    if not ButtonForm().validate_on_submit():
        abort(400)
    session = get_session()
    pending = session.scalars(
        select(Enrolment).where(
            Enrolment.cohort_id == cohort.id, Enrolment.status == EnrolmentStatus.INVITED
        )
    ).all()
    sent = sum(
        enrolments.send_or_resend(session, enrolment, invited_by_id=current_user.id)
        for enrolment in pending
    )
    session.commit()
    flash(_("Invitations sent: %(count)d.", count=sent), "success")
    return redirect(url_for("organize.cohort", cohort_id=cohort.id))


@bp.route("/sessions/<int:session_id>/attendance", methods=["GET", "POST"])
@organizer_required
def attendance(session_id: int):
    """The checklist of a live session that has started, 50 names a page (found by name):
    who was there, among those who have joined the round. Nobody can be at a session
    before it starts, nor before accepting the invitation. Saving a page marks the people
    listed on it and no one else."""
    live = load_live_session(session_id)
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


@bp.route("/enrolments/<int:enrolment_id>/withdraw", methods=["GET", "POST"])
@organizer_required
def withdraw(enrolment_id: int):
    """Ask first, then withdraw: the person no longer sees the round, their progress is
    kept and they can be reinstated."""
    enrolment = load_enrolment(enrolment_id)
    form = ButtonForm()
    if enrolment.status == EnrolmentStatus.WITHDRAWN:
        return redirect(url_for("organize.cohort", cohort_id=enrolment.cohort_id))
    if form.validate_on_submit():
        session = get_session()
        cohorts.withdraw(session, enrolment, withdrawn_by_id=current_user.id)
        session.commit()
        flash(
            _(
                "%(name)s is withdrawn from the round; their progress is kept and they can "
                "be reinstated.",
                name=enrolments.shown_name(enrolment),
            ),
            "info",
        )
        return redirect(url_for("organize.cohort", cohort_id=enrolment.cohort_id))
    return render_template("organize/withdraw.html", enrolment=enrolment, form=form)


@bp.post("/enrolments/<int:enrolment_id>/reinstate")
@organizer_required
def reinstate(enrolment_id: int):
    enrolment = load_enrolment(enrolment_id)
    if not ButtonForm().validate_on_submit():
        abort(400)
    if enrolment.status == EnrolmentStatus.WITHDRAWN:
        session = get_session()
        cohorts.reinstate(session, enrolment, reinstated_by_id=current_user.id)
        session.commit()
        name = enrolments.shown_name(enrolment)
        flash(_("%(name)s is back in the round, with their progress.", name=name), "success")
    return redirect(url_for("organize.cohort", cohort_id=enrolment.cohort_id))


@bp.route("/enrolments/<int:enrolment_id>/move", methods=["GET", "POST"])
@organizer_required
def move(enrolment_id: int):
    enrolment = load_enrolment(enrolment_id)
    session = get_session()
    targets = session.scalars(
        select(Cohort)
        .where(
            Cohort.organisation_id == enrolment.cohort.organisation_id,
            Cohort.course_slug == enrolment.cohort.course_slug,
            Cohort.id != enrolment.cohort_id,
            Cohort.archived_at.is_(None),
        )
        .order_by(Cohort.name)
    ).all()
    form = MoveForm()
    form.cohort.choices = [(str(target.id), target.name) for target in targets]
    if form.validate_on_submit():
        target = next(t for t in targets if str(t.id) == form.cohort.data)
        taken = session.scalar(
            select(Enrolment.id).where(
                Enrolment.cohort_id == target.id, Enrolment.user_id == enrolment.user_id
            )
        )
        if taken:
            form.cohort.errors.append(_("The person is already in that round."))
        else:
            source_id = enrolment.cohort_id
            cohorts.move(session, enrolment, target, moved_by_id=current_user.id)
            session.commit()
            flash(
                _(
                    "%(name)s is moved to %(round)s with their progress.",
                    name=enrolments.shown_name(enrolment),
                    round=target.name,
                ),
                "success",
            )
            return redirect(url_for("organize.cohort", cohort_id=source_id))
    return render_template("organize/move.html", enrolment=enrolment, form=form, targets=targets)


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


class TableLabels(NamedTuple):
    """The words of the report's and the round page's tables, translated once per request
    rather than once per cell: each
    gettext or lazy label goes through Flask-Babel's context look-up, which made up most
    of the page's time when it showed every row. The formats keep their placeholders and
    are filled in with ``%`` in the template. A tuple with names, because Jinja tries an
    attribute before an item."""

    done: str
    lessons: str
    quiz: str
    roles: dict[AudienceRole, str]
    statuses: dict[EnrolmentStatus, str]
    submissions: dict[SubmissionStatus | None, str]
    invitations: dict[str, str]


def table_labels() -> TableLabels:
    return TableLabels(
        done=_("Done"),
        lessons=_("Lessons %(read)d/%(total)d"),
        quiz=_("Quiz %(score)d/%(max)d"),
        roles={role: str(ROLE_SINGULAR[role]) for role in AudienceRole},
        statuses={status: str(ENROLMENT_LABELS[status]) for status in EnrolmentStatus},
        submissions={key: str(label) for key, label in SUBMISSION_LABELS.items()},
        invitations={key: str(label) for key, label in INVITATION_LABELS.items()},
    )


@bp.get("/cohorts/<int:cohort_id>/report")
@organizer_required
def report(cohort_id: int):
    cohort = load_cohort(cohort_id)
    course = get_catalog().get(cohort.course_slug)
    if course is None:
        abort(404)
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
    cohort = load_cohort(cohort_id)
    course = get_catalog().get(cohort.course_slug)
    if course is None or not ButtonForm().validate_on_submit():
        abort(404 if course is None else 400)
    filters, _places = report_filters(cohort)
    session = get_session()
    result = reports.cohort_report(session, cohort, course, **filters)
    language = current_locale()
    tz = cohort.organisation.timezone
    kind = request.form.get("format", "csv")
    if kind == "xlsx":
        body = reports.report_xlsx(result, course, language, tz=tz)
        mimetype = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
    elif kind in ("csv", "csv-semicolon"):
        delimiter = ";" if kind == "csv-semicolon" else ","
        body = reports.report_csv(result, course, language, delimiter=delimiter, tz=tz)
        mimetype = "text/csv; charset=utf-8"
        kind = "csv"
    else:
        abort(400)
    audit.record(
        session,
        "report.exported",
        actor_id=current_user.id,
        object_type="cohort",
        object_id=cohort.id,
        organisation_id=cohort.organisation_id,
        format=kind,
        rows=result.participants,
    )
    session.commit()
    response = make_response(body)
    response.content_type = mimetype
    response.headers["Content-Disposition"] = attachment(
        file_name(cohort.name, "report", day=local_today(tz), extension=kind)
    )
    response.headers["Cache-Control"] = "no-store"
    return response


@bp.route("/cohorts/<int:cohort_id>/import", methods=["GET", "POST"])
@organizer_required
@back_when_too_large(lambda cohort_id: url_for("organize.import_upload", cohort_id=cohort_id))
def import_upload(cohort_id: int):
    cohort = load_cohort(cohort_id)
    form = UploadForm()
    if form.validate_on_submit():
        upload = form.file.data
        data = upload.read()
        filename = upload.filename or "upload"
        try:
            importing.read_table(data, filename)
        except importing.ImportFileError as error:
            form.file.errors.append(str(error))
        else:
            key = uploads.save(data, filename, cohort_id=cohort.id, user_id=current_user.id)
            return redirect(url_for("organize.import_review", cohort_id=cohort.id, key=key))
    return render_template(
        "organize/import_upload.html",
        cohort=cohort,
        form=form,
        limits=importing.LIMITS,
        size=upload_limit(),
    )


def _review_options(source) -> tuple[str | None, str | None]:
    delimiter = {"": None, ",": ",", ";": ";", "tab": "\t"}.get(source.get("delimiter", ""))
    encoding = source.get("encoding") or None
    if encoding not in (None, "utf-8", "utf-16", "cp1252"):
        encoding = None
    return delimiter, encoding


def _mapping(source, table) -> dict[str, int | None]:
    guessed = importing.guess_mapping(table.headers)
    if not any(f"map_{name}" in source for name in IMPORT_FIELDS):
        return guessed
    mapping: dict[str, int | None] = {}
    for name in IMPORT_FIELDS:
        mapping[name] = int_arg(source, f"map_{name}", minimum=0, maximum=len(table.headers) - 1)
    return mapping


@bp.route("/cohorts/<int:cohort_id>/import/<key>", methods=["GET", "POST"])
@organizer_required
def import_review(cohort_id: int, key: str):
    cohort = load_cohort(cohort_id)
    upload = uploads.load(key, cohort_id=cohort.id, user_id=current_user.id)
    if upload is None:
        flash(_("That upload has expired or does not exist. Upload the file again."), "error")
        return redirect(url_for("organize.import_upload", cohort_id=cohort.id))
    source = request.form if request.method == "POST" else request.args
    delimiter, encoding = _review_options(source)
    session = get_session()
    try:
        table = importing.read_table(
            upload.data, upload.filename, delimiter=delimiter, encoding=encoding
        )
    except importing.ImportFileError as error:
        flash(str(error), "error")
        return redirect(url_for("organize.import_upload", cohort_id=cohort.id))
    mapping = _mapping(source, table)
    problem = None
    result = None
    try:
        result = importing.preview(session, cohort, table, mapping)
    except importing.MappingError as error:
        problem = str(error)
    form = ButtonForm()
    if request.method == "POST" and result is not None and form.validate_on_submit():
        try:
            done = importing.import_rows(
                session,
                cohort,
                result,
                invited_by_id=current_user.id,
                create_places=bool(request.form.get("create_places")),
                send_invitations=bool(request.form.get("send_invitations")),
            )
        except importing.ImportRejected as error:
            session.rollback()
            problem = str(error)
        else:
            session.commit()
            uploads.discard(upload.key)
            flash(
                _(
                    "Imported: %(new)d enrolled, %(same)d already in the round, %(sent)d "
                    "invitations sent.",
                    new=done.enrolments_created,
                    same=done.already_enrolled,
                    sent=done.invitations_sent,
                ),
                "success",
            )
            return redirect(url_for("organize.cohort", cohort_id=cohort.id))
    return render_template(
        "organize/import_review.html",
        cohort=cohort,
        upload=upload,
        table=table,
        mapping=mapping,
        preview=result,
        problem=problem,
        form=form,
        fields=IMPORT_FIELDS,
        delimiter=source.get("delimiter", ""),
        encoding=source.get("encoding", ""),
        delimiter_choices=DELIMITER_CHOICES,
        encoding_choices=ENCODING_CHOICES,
    )


@bp.get("/cohorts/<int:cohort_id>/assignments")
@organizer_required
def assignments(cohort_id: int):
    """Submitted assignments of a round, per part."""
    cohort = load_cohort(cohort_id)
    course = get_catalog().get(cohort.course_slug)
    if course is None:
        abort(404)
    parts = [part for part in course.parts if part.assignment is not None]
    chosen = next(
        (part for part in parts if part.slug == request.args.get("part")),
        parts[0] if parts else None,
    )
    rows = []
    if chosen is not None:
        rows = (
            get_session()
            .execute(
                select(Enrolment, AssignmentSubmission)
                .join(AssignmentSubmission, AssignmentSubmission.enrolment_id == Enrolment.id)
                .options(joinedload(Enrolment.user), joinedload(Enrolment.place))
                .where(
                    Enrolment.cohort_id == cohort.id,
                    AssignmentSubmission.part_slug == chosen.slug,
                    AssignmentSubmission.status != SubmissionStatus.DRAFT,
                )
                .order_by(AssignmentSubmission.submitted_at.desc())
            )
            .all()
        )
    return render_template(
        "organize/assignments.html",
        cohort=cohort,
        course=course,
        parts=parts,
        chosen=chosen,
        rows=rows,
    )


@bp.route("/enrolments/<int:enrolment_id>/assignments/<part_slug>", methods=["GET", "POST"])
@organizer_required
def assignment(enrolment_id: int, part_slug: str):
    """One participant's assignment, to read, approve or return with a comment."""
    enrolment = load_enrolment(enrolment_id)
    course = get_catalog().get(enrolment.cohort.course_slug)
    part = course.part(part_slug) if course else None
    if part is None or part.assignment is None:
        abort(404)
    session = get_session()
    submission = progress_service.get_submission(session, enrolment, part)
    if submission is None or submission.status == SubmissionStatus.DRAFT:
        abort(404)
    form = ReviewForm()
    confirm_return = False
    if form.validate_on_submit():
        action = request.form.get("action")
        approve = action == "approve"
        if not approve and not (form.comment.data or "").strip():
            form.comment.errors.append(_("Say what should be revised."))
        else:
            try:
                progress_service.review_assignment(
                    session,
                    submission,
                    enrolment,
                    course,
                    approve=approve,
                    comment=form.comment.data or "",
                    reviewer_id=current_user.id,
                    confirmed_after_completion=action == "return-confirmed",
                )
            except progress_service.ReturnNeedsConfirmation:
                confirm_return = True
            else:
                session.commit()
                flash(
                    _("The assignment is approved.")
                    if approve
                    else _("The assignment is returned with your comment."),
                    "success",
                )
                return redirect(
                    url_for("organize.assignments", cohort_id=enrolment.cohort_id, part=part.slug)
                )
    return render_template(
        "organize/assignment.html",
        enrolment=enrolment,
        course=course,
        part=part,
        submission=submission,
        form=form,
        confirm_return=confirm_return,
    )
