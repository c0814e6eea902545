"""The person's own second factor, from their account page: set up or replace the
authenticator app, new recovery codes, turn it off (where it is not required)."""

from __future__ import annotations

from flask import current_app, flash, redirect, render_template, url_for
from flask import session as flask_session
from flask_babel import gettext as _
from flask_login import current_user, login_required, login_user
from werkzeug.security import check_password_hash

from ...db import get_session
from ...services import second_factor
from .blueprint import bp
from .forms import EnrolForm, NewRecoveryCodesForm, RemoveSecondFactorForm

# The secret being set up, kept between showing the QR code and the first code typed.
SETUP = "two_factor_setup"


def _required(session, user) -> bool:
    return bool(
        current_app.config["SECOND_FACTOR_FOR_STAFF"]
        and user.has_password
        and second_factor.is_staff(session, user)
    )


@bp.get("/account/two-factor")
@login_required
def two_factor():
    session = get_session()
    user = current_user._get_current_object()
    factor = second_factor.factor_of(session, user.id)
    return render_template(
        "account/two_factor.html",
        factor=factor,
        codes_left=second_factor.recovery_codes_left(session, user.id) if factor else 0,
        required=_required(session, user),
        codes_form=NewRecoveryCodesForm(),
        remove_form=RemoveSecondFactorForm(),
    )


@bp.route("/account/two-factor/setup", methods=["GET", "POST"])
@login_required
def two_factor_setup():
    """Set up an authenticator app, or replace the one set up before (the old one stops
    working once the new one has given its first code)."""
    session = get_session()
    user = current_user._get_current_object()
    secret = flask_session.get(SETUP)
    if not second_factor.valid_secret(secret):
        secret = second_factor.new_secret()
        flask_session[SETUP] = secret
    return enrol_page(
        session,
        user,
        secret,
        next_url=url_for("account.two_factor"),
        during_sign_in=False,
        on_enrolled=lambda: flask_session.pop(SETUP, None),
    )


def enrol_page(session, user, secret: str, *, next_url: str, during_sign_in: bool, on_enrolled):
    """The set-up page of an authenticator app (its QR code and the first code), or, once
    a right code is typed, the recovery codes, shown this once; ``on_enrolled`` runs
    after the commit. Shared by the account page and the second step of a sign-in."""
    form = EnrolForm()
    if form.validate_on_submit():
        codes = second_factor.enrol(session, user, secret, form.code.data)
        if codes is not None:
            session.commit()
            on_enrolled()
            return render_template(
                "account/recovery_codes.html",
                codes=codes,
                next=next_url,
                during_sign_in=during_sign_in,
            )
        form.code.errors.append(_("That is not the code your app shows now. Try the next one."))
    return render_template(
        "account/two_factor_setup.html",
        form=form,
        enrolment=second_factor.enrolment(
            secret, user.email, current_app.config["SECOND_FACTOR_ISSUER"]
        ),
        during_sign_in=during_sign_in,
    )


@bp.post("/account/two-factor/recovery-codes")
@login_required
def new_recovery_codes():
    """Ten new recovery codes for a code from the app; the earlier ones stop working."""
    session = get_session()
    user = current_user._get_current_object()
    form = NewRecoveryCodesForm()
    factor = second_factor.factor_of(session, user.id)
    if factor is not None and form.validate_on_submit():
        if second_factor.check_code(session, factor, form.code.data):
            codes = second_factor.new_recovery_codes(session, user.id)
            session.commit()
            return render_template(
                "account/recovery_codes.html",
                codes=codes,
                next=url_for("account.two_factor"),
                during_sign_in=False,
            )
        flash(_("That code is not right, or it has been used already. Nothing changed."), "error")
    elif factor is not None:
        flash(_("Enter a code from your authenticator app. Nothing changed."), "error")
    return redirect(url_for("account.two_factor"))


@bp.post("/account/two-factor/remove")
@login_required
def remove_two_factor():
    session = get_session()
    user = current_user._get_current_object()
    form = RemoveSecondFactorForm()
    if _required(session, user):
        flash(_("Administrators and organizers cannot turn the second step off."), "error")
    elif not form.validate_on_submit() or not (
        user.has_password and check_password_hash(user.password_hash, form.password.data)
    ):
        flash(_("That is not your current password. Nothing changed."), "error")
    elif second_factor.remove(session, user, actor_id=user.id):
        session.commit()
        # Removing it ends every session; this one carries on with the new version.
        login_user(user)
        flash(_("The second step is off. You sign in with your password alone."), "success")
    return redirect(url_for("account.two_factor"))
