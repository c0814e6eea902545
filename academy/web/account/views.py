from __future__ import annotations

from flask import (
    abort,
    current_app,
    flash,
    g,
    redirect,
    render_template,
    request,
    url_for,
)
from flask import session as flask_session
from flask_babel import gettext as _
from flask_login import current_user, login_required, login_user, logout_user
from wtforms import PasswordField

from ...db import get_session
from ...extensions import limit_failed_posts, limiter
from ...models import User, normalize_email
from ...services import accounts, calendar_feeds, notifications, privacy, sign_in
from ..calendar import feed_addresses, feed_response
from ..deferred import after_response
from ..downloads import file_name, local_today, streamed_download
from ..forms import ButtonForm, require_button_form
from ..params import text_arg
from .blueprint import bp
from .forms import (
    ChangePasswordForm,
    DeleteAccountForm,
    EmailChangeForm,
    EmailStepForm,
    LoginForm,
    NotificationsForm,
    ProfileForm,
    ResetPasswordForm,
    ResetRequestForm,
)
from .provider import SIGNED_IN_WITH, send_to_provider, sign_out_offer
from .second_step import after_password


def _account_key() -> str:
    return "login-account:" + normalize_email(request.form.get("email", ""))[:254]


def _login_failed(_response) -> bool:
    # Only failed attempts count towards the limits; a user who logs in is not slowed.
    return bool(g.get("login_failed"))


def _password_step(form: LoginForm):
    return render_template("account/login.html", form=form, step="password")


@bp.route("/login", methods=["GET", "POST"])
@limit_failed_posts("login-address", _account_key, _login_failed)
def login():
    """The address first: people of a domain an organisation's provider covers go there,
    everyone else gets the password (a form sent with both, as password managers and
    older pages do, is the password step at once)."""
    if current_user.is_authenticated:
        return redirect(url_for("main.index"))
    session = get_session()
    if request.method == "POST" and "password" not in request.form:
        first = EmailStepForm()
        if not first.validate_on_submit():
            g.login_failed = True
            return render_template("account/login.html", form=first, step="email")
        provider = sign_in.provider_for_email(session, first.email.data)
        if provider is not None:
            return send_to_provider(
                provider,
                email=first.email.data,
                next_url=first.next.data,
                password_too=not provider.required,
            )
        return _password_step(
            LoginForm(formdata=None, email=first.email.data, next=first.next.data)
        )
    if request.method == "GET":
        email = text_arg(request.args, "email", max_length=254)
        if email:
            # "Use my password instead", from the page of an organisation's sign-in.
            return _password_step(
                LoginForm(formdata=None, email=email, next=request.args.get("next", ""))
            )
        first = EmailStepForm(next=request.args.get("next", ""))
        return render_template("account/login.html", form=first, step="email")
    form = LoginForm()
    if form.validate_on_submit():
        provider = sign_in.provider_for_email(session, form.email.data)
        if provider is not None and provider.required:
            # Its people sign in there; their password here is not even tried.
            return send_to_provider(provider, email=form.email.data, next_url=form.next.data)
        user = accounts.authenticate(session, form.email.data, form.password.data)
        if user is not None:
            session.commit()
            return after_password(
                session, user, remember=form.remember.data, next_url=form.next.data
            )
        g.login_failed = True
        flash(_("That e-mail and password do not match an account."), "error")
    else:
        g.login_failed = True
    return _password_step(form)


@bp.post("/logout")
@login_required
def logout():
    form = ButtonForm()
    if form.validate_on_submit():
        accounts.end_all_sessions(current_user)
        get_session().commit()
        logout_user()
        provider_sign_out = sign_out_offer(flask_session.pop(SIGNED_IN_WITH, None))
        if provider_sign_out:
            return render_template("account/signed_out.html", provider_sign_out=provider_sign_out)
        flash(_("You are logged out."), "info")
    return redirect(url_for("account.login"))


@bp.route("/password/reset", methods=["GET", "POST"])
@limiter.limit("20 per hour", methods=["POST"])
def request_reset():
    form = ResetRequestForm()
    if form.validate_on_submit():
        email = form.email.data
        # The same answer whether or not the address has an account, and given after the
        # same work: the look-up and the mail happen once it has been sent, so how long
        # it takes does not tell either.
        flash(
            _(
                "If %(email)s has an account, a link to choose a new password is on its way. "
                "It works for one hour.",
                email=email,
            ),
            "info",
        )
        return after_response(
            redirect(url_for("account.login")),
            lambda session: accounts.request_password_reset(session, email),
        )
    return render_template("account/reset_request.html", form=form)


@bp.route("/password/reset/<token>", methods=["GET", "POST"])
def reset_password(token: str):
    session = get_session()
    user = accounts.user_for_reset_token(session, token[:512])
    if user is None:
        return render_template("account/reset_invalid.html"), 404
    form = ResetPasswordForm()
    if form.validate_on_submit():
        accounts.set_password(user, form.password.data)
        session.commit()
        logout_user()
        flash(_("Your password is changed. Log in with the new one."), "success")
        return redirect(url_for("account.login"))
    return render_template("account/reset_password.html", form=form)


def _is_current_password(user: User, field: PasswordField) -> bool:
    """Whether ``field`` holds the user's password, asked again before a sensitive change;
    if not, the field says so (and the page is shown again)."""
    if not user.has_password:
        # Signed in by the organisation's provider only.
        field.errors.append(
            _("Your account has no password here. Choose one first with “Forgot your password?”.")
        )
        return False
    if accounts.password_matches(user, field.data):
        return True
    field.errors.append(_("That is not your current password."))
    return False


@bp.route("/account/password", methods=["GET", "POST"])
@login_required
def change_password():
    form = ChangePasswordForm()
    user = current_user._get_current_object()
    if form.validate_on_submit() and _is_current_password(user, form.current_password):
        accounts.set_password(user, form.password.data)
        get_session().commit()
        # Other sessions end with the old version; this one carries on with the new.
        login_user(user)
        flash(_("Your password is changed. You were logged out everywhere else."), "success")
        return redirect(url_for("main.index"))
    return render_template("account/change_password.html", form=form)


@bp.route("/account", methods=["GET", "POST"])
@login_required
def profile():
    user = current_user._get_current_object()
    form = ProfileForm(obj=user)
    if form.validate_on_submit():
        user.name = form.name.data.strip()
        user.certificate_name = form.certificate_name.data.strip()
        user.locale = form.locale.data
        flask_session["locale"] = user.locale
        get_session().commit()
        flash(_("Your details are saved."), "success")
        return redirect(url_for("account.profile"))
    db_session = get_session()
    mails = NotificationsForm.for_user(notifications.turned_off(db_session, user.id))
    feed = calendar_feeds.feed_of(db_session, user.id)
    return render_template(
        "account/profile.html",
        form=form,
        mails=mails,
        calendar=feed_addresses(feed) if feed is not None else None,
        button=ButtonForm(),
    )


@bp.post("/account/notifications")
@login_required
def notification_settings():
    """The mails the person wants of those they may turn off (the profile page's form)."""
    form = NotificationsForm()
    if form.validate_on_submit():
        db_session = get_session()
        notifications.set_turned_off(db_session, current_user.id, form.turned_off())
        db_session.commit()
        flash(_("Your mail settings are saved."), "success")
    return redirect(url_for("account.profile"))


@bp.post("/account/calendar")
@login_required
def calendar_start():
    """A private calendar address for the person, or a new one instead of the old."""
    require_button_form()
    db_session = get_session()
    _feed, renewed = calendar_feeds.start(db_session, current_user.id)
    db_session.commit()
    if renewed:
        flash(_("Your calendar has a new address: the old one no longer works."), "success")
    else:
        flash(_("Your calendar address is ready: add it to your calendar program."), "success")
    return redirect(url_for("account.profile", _anchor="calendar"))


@bp.post("/account/calendar/stop")
@login_required
def calendar_stop():
    """Turn the subscription off: its address answers 404 from now on."""
    require_button_form()
    db_session = get_session()
    calendar_feeds.stop(db_session, current_user.id)
    db_session.commit()
    flash(_("Your calendar subscription is turned off."), "success")
    return redirect(url_for("account.profile", _anchor="calendar"))


@bp.get("/calendar/<int:feed_id>/<token>.ics")
def calendar_feed(feed_id: int, token: str):
    """A person's live sessions for their calendar program, which fetches this without
    logging in: the secret in the address is the permission (a wrong one is a 404)."""
    db_session = get_session()
    feed = calendar_feeds.find(db_session, current_app.secret_key, feed_id, token)
    if feed is None:
        abort(404)
    return feed_response(db_session.get(User, feed.user_id))


@bp.route("/account/email", methods=["GET", "POST"])
@login_required
def change_email():
    user = current_user._get_current_object()
    form = EmailChangeForm()
    if form.validate_on_submit() and _is_current_password(user, form.password):
        db_session = get_session()
        # Mailed whether or not the address is taken: the answer must not tell.
        accounts.request_email_change(db_session, user, form.email.data)
        db_session.commit()
        flash(
            _(
                "We sent a link to %(email)s. Your address changes when you open it.",
                email=form.email.data,
            ),
            "info",
        )
        return redirect(url_for("account.profile"))
    return render_template("account/change_email.html", form=form)


@bp.route("/account/email/confirm/<token>", methods=["GET", "POST"])
def confirm_email(token: str):
    db_session = get_session()
    found = accounts.email_change_for_token(db_session, token[:1024])
    if found is None:
        return render_template("account/link_invalid.html"), 404
    user, new_email = found
    form = ButtonForm()
    if form.validate_on_submit():
        if not accounts.change_email(db_session, user, new_email):
            flash(_("Another account uses that address already, so nothing changed."), "error")
            return redirect(url_for("account.login"))
        db_session.commit()
        logout_user()
        flash(
            _("Your e-mail address is now %(email)s. Log in with it.", email=new_email), "success"
        )
        return redirect(url_for("account.login"))
    return render_template("account/confirm_email.html", form=form, new_email=new_email)


@bp.get("/account/data.zip")
@login_required
def export_data():
    """All the person's data as one ZIP, sent as it is written (photos and PDFs one at a
    time)."""
    user_id = current_user.id
    return streamed_download(
        lambda session: privacy.export_user_data(session, session.get(User, user_id)),
        name=file_name(current_user.name, "academy-data", day=local_today(), extension="zip"),
        mimetype="application/zip",
    )


@bp.route("/account/delete", methods=["GET", "POST"])
@login_required
def delete_account():
    user = current_user._get_current_object()
    form = DeleteAccountForm()
    if form.validate_on_submit() and _is_current_password(user, form.password):
        db_session = get_session()
        privacy.erase_account(
            db_session, user, withdraw_certificates=form.withdraw_certificates.data
        )
        db_session.commit()
        logout_user()
        flash(_("Your account and your data are deleted."), "info")
        return redirect(url_for("main.index"))
    return render_template("account/delete.html", form=form)
