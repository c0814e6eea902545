"""Organisations and their organizers: the organizer's start page, an organisation's
page (its organizers, pending invitations and rounds), a new organisation, removing an
organizer, and accepting an invitation to organize."""

from __future__ import annotations

from zoneinfo import available_timezones

from flask import abort, flash, redirect, render_template, url_for
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from flask_login import current_user
from sqlalchemy import select
from werkzeug.security import check_password_hash
from wtforms import SelectChoice, SelectField
from wtforms.validators import Optional, ValidationError

from ...content import get_catalog
from ...db import get_session
from ...i18n import current_locale, language_choices
from ...models import Cohort, InvitationPurpose, OrganisationKind, Organizer, Viewer
from ...services import accounts, cohorts, invitations, organizers, places, sign_in
from ..access import admin_required
from ..account.provider import send_to_provider
from ..account.second_step import after_password
from ..forms import AcademyForm, ButtonForm, email_field, name_field
from ..invite.forms import ExistingAccountForm, NewParticipantForm
from ..invite.views import PROBLEMS
from .access import (
    current_reach,
    load_organisation,
    organizer_required,
    reader_required,
    visible_organisations,
)
from .blueprint import bp

KIND_LABELS = {
    OrganisationKind.MUNICIPALITY: _l("Municipality"),
    OrganisationKind.POLICE: _l("Police district"),
    OrganisationKind.BUSINESS_ASSOCIATION: _l("Business association"),
    OrganisationKind.PROPERTY_OWNER: _l("Property owner"),
    OrganisationKind.OTHER: _l("Other"),
}
TIMEZONES = ("Europe/Stockholm", "Europe/Oslo", "Europe/Copenhagen", "Europe/Helsinki")


class OrganisationForm(AcademyForm):
    name = name_field(_l("Name of the organisation"))
    kind = SelectField(
        _l("Kind"), choices=[SelectChoice(kind.value, label) for kind, label in KIND_LABELS.items()]
    )
    timezone = SelectField(
        _l("Time zone for live sessions"),
        choices=[SelectChoice("", _l("The site's default"))]
        + [SelectChoice(zone, zone) for zone in TIMEZONES],
        validators=[Optional()],
    )

    language = SelectField(
        _l("Language of its documents"),
        description=_l("The situation picture (lägesbild) is written in it."),
        choices=language_choices(),
    )

    def validate_timezone(self, field) -> None:
        if field.data and field.data not in available_timezones():
            raise ValidationError(_l("Choose a time zone from the list."))


class OrganizerInviteForm(AcademyForm):
    email = email_field(_l("E-mail address of the organizer"))
    locale = SelectField(_l("Language of the invitation"), choices=language_choices())


class ViewerInviteForm(AcademyForm):
    # Named apart from the organizer's form, which shares the page (and its ids).
    reader_email = email_field(_l("E-mail address of the reader"))
    reader_locale = SelectField(_l("Language of the invitation"), choices=language_choices())


@bp.get("/")
@reader_required
def index():
    """The organizer's start page: their organisations' rounds, and the places they read
    without owning them (a partner's, or as a viewer)."""
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
        shared_places=places.readable_places(session, current_reach()),
    )


@bp.route("/organisations/new", methods=["GET", "POST"])
@admin_required
def new_organisation():
    form = OrganisationForm(language=current_locale())
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
                language=form.language.data,
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
    organisation = load_organisation(organisation_id)
    form = OrganizerInviteForm()
    if form.validate_on_submit():
        if not current_user.is_admin:
            abort(404)
        return send_invitation(
            organisation, InvitationPurpose.ORGANIZER, form.email.data, form.locale.data
        )
    return render_organisation(organisation, form=form)


def send_invitation(organisation, purpose: InvitationPurpose, email: str, locale: str):
    """Invite ``email`` as organizer or viewer, commit, and back to the page."""
    session = get_session()
    organizers.invite_member(
        session, organisation, purpose, email=email, locale=locale, invited_by_id=current_user.id
    )
    session.commit()
    flash(_("The invitation to %(email)s is on its way.", email=email), "success")
    return redirect(url_for("organize.organisation", organisation_id=organisation.id))


def render_organisation(organisation, *, form=None, viewer_form=None):
    """The organisation's page: its rounds, organizers and viewers, with their pending
    invitations, and the forms to invite more."""
    session = get_session()
    pending = organizers.pending_invitations(session, organisation.id, organizers.MEMBER_PURPOSES)
    round_list = session.scalars(
        select(Cohort)
        .where(Cohort.organisation_id == organisation.id)
        .order_by(Cohort.archived_at.is_not(None), Cohort.id.desc())
    ).all()
    return render_template(
        "organize/organisation.html",
        organisation=organisation,
        members=organizers.members(session, Organizer, organisation.id),
        viewers=organizers.members(session, Viewer, organisation.id),
        pending=[each for each in pending if each.purpose is InvitationPurpose.ORGANIZER],
        pending_viewers=[each for each in pending if each.purpose is InvitationPurpose.VIEWER],
        cohorts=round_list,
        form=form or OrganizerInviteForm(formdata=None),
        viewer_form=viewer_form or ViewerInviteForm(formdata=None),
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
    """Accept an invitation to organize, or to read as a viewer: log in, or create the
    account."""
    session = get_session()
    found = invitations.look_up(session, token[:512], organizers.MEMBER_PURPOSES)
    if found.state is not invitations.LinkState.VALID:
        return render_template("invite/problem.html", message=PROBLEMS[found.state]), 404
    invitation = found.invitation
    user = accounts.find_user_by_email(session, invitation.email)
    if current_user.is_authenticated and (user is None or current_user.id != user.id):
        return render_template("invite/someone_else.html", invitation=invitation), 409
    provider = sign_in.provider_for_email(session, invitation.email)
    if provider is not None:
        # A covered address joins through the organisation's sign-in.
        button = ButtonForm()
        if button.validate_on_submit():
            return send_to_provider(
                provider,
                email=invitation.email,
                next_url=url_for("organize.index"),
                invitation=token[:512],
            )
        return render_template(
            "organize/join.html",
            invitation=invitation,
            form=button,
            provider=provider,
            viewer=invitation.purpose is InvitationPurpose.VIEWER,
        )
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
            organizers.accept_member_invitation(session, invitation, user)
            session.commit()
            if invitation.purpose is InvitationPurpose.VIEWER:
                welcome = _(
                    "Welcome! You can now read the places of %(name)s.",
                    name=invitation.organisation.name,
                )
            else:
                welcome = _(
                    "Welcome! You now organize courses for %(name)s.",
                    name=invitation.organisation.name,
                )
            flash(welcome, "success")
            if current_user.is_authenticated:
                return redirect(url_for("organize.index"))
            # Signing in with a password: a new organizer sets up the second step first.
            return after_password(session, user, remember=False, next_url=url_for("organize.index"))
    return render_template(
        "organize/join.html",
        invitation=invitation,
        form=form,
        existing=existing,
        viewer=invitation.purpose is InvitationPurpose.VIEWER,
    )
