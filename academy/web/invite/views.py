"""Accepting an invitation to a cohort: nothing happens on GET (mail scanners open links)."""

from __future__ import annotations

import hashlib

from flask import Blueprint, flash, g, redirect, render_template, request, url_for
from flask_babel import force_locale
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from flask_login import current_user

from ...db import get_session
from ...extensions import limit_failed_posts
from ...models import InvitationPurpose
from ...services import accounts, enrolments, invitations, sign_in
from ..account.provider import send_to_provider
from ..account.second_step import after_password
from ..forms import ButtonForm
from .forms import ExistingAccountForm, NewParticipantForm

bp = Blueprint("invite", __name__)

PROBLEMS = {
    invitations.LinkState.EXPIRED: _l(
        "This invitation has expired. Ask your organizer to send it again."
    ),
    invitations.LinkState.USED: _l(
        "This invitation has already been accepted. Log in to continue the course."
    ),
    invitations.LinkState.REPLACED: _l(
        "A newer invitation has been sent to you. Use the link in the latest mail."
    ),
    invitations.LinkState.UNKNOWN: _l(
        "This invitation link is not valid. Check that the whole link was copied."
    ),
}


def _not_accepted(_response) -> bool:
    return not g.get("invitation_went_on")


def _invitation_key() -> str:
    # The link is a secret: the limiter's storage keeps a digest of it, not the link.
    token = str((request.view_args or {}).get("token", ""))[:512]
    return "invitation:" + hashlib.sha256(token.encode()).hexdigest()[:32]


# A class accepts its invitations together, from one school address: only the POSTs that
# go nowhere count (a wrong password, a form with errors, a link that is not valid), per
# address and per link, against the limits of failed logins.
@bp.route("/invite/<token>", methods=["GET", "POST"])
@limit_failed_posts("invitation-address", _invitation_key, _not_accepted)
def accept(token: str):
    session = get_session()
    found = invitations.look_up(session, token[:512], InvitationPurpose.ENROLMENT)
    if found.state is not invitations.LinkState.VALID:
        return render_template(
            "invite/problem.html", message=PROBLEMS[found.state], state=found.state.value
        ), 404
    invitation = found.invitation
    enrolment = invitation.enrolment
    user = enrolment.user
    if current_user.is_authenticated and current_user.id != user.id:
        return render_template("invite/someone_else.html", invitation=invitation), 409
    # The page is in the invited language until the participant chooses another.
    g.locale_hint = invitation.locale
    provider = sign_in.provider_for_email(session, user.email)
    if provider is not None:
        # A covered address joins through the organisation's sign-in.
        button = ButtonForm()
        if button.validate_on_submit():
            g.invitation_went_on = True
            return send_to_provider(
                provider, email=user.email, next_url=None, invitation=token[:512]
            )
        return _accept_page(invitation, button, provider=provider)
    existing = user.has_password
    form = (
        ExistingAccountForm()
        if existing
        else NewParticipantForm(
            name=user.name, certificate_name=user.certificate_name, locale=invitation.locale
        )
    )
    if form.validate_on_submit():
        if existing and not accounts.password_matches(user, form.password.data):
            form.password.errors.append(_("That is not the password of this account."))
        else:
            if existing:
                enrolments.accept_invitation(session, invitation, user)
            else:
                enrolments.accept_invitation(
                    session,
                    invitation,
                    user,
                    name=form.name.data,
                    certificate_name=form.certificate_name.data,
                    locale=form.locale.data,
                    password=form.password.data,
                )
            session.commit()
            g.invitation_went_on = True
            with force_locale(user.locale):
                flash(_("Welcome to %(cohort)s!", cohort=enrolment.cohort.name), "success")
            if current_user.is_authenticated:
                return redirect(url_for("learn.dashboard"))
            # A password sign-in: someone with an authenticator app gives its code first.
            return after_password(
                session, user, remember=False, next_url=url_for("learn.dashboard")
            )
    return _accept_page(invitation, form, existing=existing)


def _accept_page(invitation, form, **shown):
    """The invitation's page with ``form`` (a provider's button, or the password forms)."""
    enrolment = invitation.enrolment
    return render_template(
        "invite/accept.html",
        invitation=invitation,
        enrolment=enrolment,
        cohort=enrolment.cohort,
        user=enrolment.user,
        form=form,
        **shown,
    )
