"""The people of a round: adding one (with an invitation), sending invitations again,
withdrawing, reinstating and moving someone to another round of the same course."""

from __future__ import annotations

from flask import flash, redirect, render_template, url_for
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from flask_login import current_user
from sqlalchemy import select
from wtforms import SelectChoice, SelectField

from ...db import get_session
from ...i18n import language_choices
from ...labels import ROLE_SINGULAR
from ...models import AudienceRole, Cohort, Enrolment, EnrolmentStatus
from ...services import accounts, cohorts, enrolments
from ..forms import (
    AcademyForm,
    ButtonForm,
    bounded_text,
    email_field,
    name_field,
    require_button_form,
)
from .access import load_cohort, load_enrolment, organizer_required
from .blueprint import bp


class ParticipantForm(AcademyForm):
    name = name_field()
    email = email_field()
    role = SelectField(
        _l("Role in the course"),
        choices=[SelectChoice(role.value, label) for role, label in ROLE_SINGULAR.items()],
    )
    employer = bounded_text(_l("Employer"), required=False)
    place = bounded_text(_l("Place"), required=False)
    locale = SelectField(_l("Language of the invitation"), choices=language_choices())


class MoveForm(AcademyForm):
    cohort = SelectField(_l("Move to the round"))


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
    enrolment = load_enrolment(enrolment_id)
    require_button_form()
    session = get_session()
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
    require_button_form()
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
    require_button_form()
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
