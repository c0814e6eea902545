from __future__ import annotations

from flask import Blueprint, current_app, flash, g, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_login import current_user, login_required, login_user, logout_user
from werkzeug.security import check_password_hash

from ...db import get_session
from ...extensions import client_address, limiter
from ...models import normalize_email
from ...services import accounts
from ..forms import ButtonForm, safe_next
from .forms import ChangePasswordForm, LoginForm, ResetPasswordForm, ResetRequestForm

bp = Blueprint("account", __name__)


def _account_key() -> str:
    return "login-account:" + normalize_email(request.form.get("email", ""))[:254]


def _login_failed(_response) -> bool:
    # Only failed attempts count towards the limits; a user who logs in is not slowed.
    return bool(g.get("login_failed"))


def _account_limit() -> str:
    return current_app.config["LOGIN_LIMIT_PER_ACCOUNT"]


def _address_limit() -> str:
    return current_app.config["LOGIN_LIMIT_PER_ADDRESS"]


@bp.route("/login", methods=["GET", "POST"])
@limiter.limit(
    _address_limit,
    key_func=lambda: "login-address:" + client_address(),
    methods=["POST"],
    deduct_when=_login_failed,
)
@limiter.limit(_account_limit, key_func=_account_key, methods=["POST"], deduct_when=_login_failed)
def login():
    if current_user.is_authenticated:
        return redirect(url_for("main.index"))
    form = LoginForm(next=request.args.get("next", ""))
    if form.validate_on_submit():
        session = get_session()
        user = accounts.authenticate(session, form.email.data, form.password.data)
        if user is not None:
            session.commit()
            login_user(user, remember=form.remember.data)
            return redirect(safe_next(form.next.data) or url_for("main.index"))
        g.login_failed = True
        flash(_("That e-mail and password do not match an account."), "error")
    elif request.method == "POST":
        g.login_failed = True
    return render_template("account/login.html", form=form)


@bp.post("/logout")
@login_required
def logout():
    form = ButtonForm()
    if form.validate_on_submit():
        accounts.end_all_sessions(current_user)
        get_session().commit()
        logout_user()
        flash(_("You are logged out."), "info")
    return redirect(url_for("account.login"))


@bp.route("/password/reset", methods=["GET", "POST"])
@limiter.limit("20 per hour", methods=["POST"])
def request_reset():
    form = ResetRequestForm()
    if form.validate_on_submit():
        session = get_session()
        accounts.request_password_reset(session, form.email.data)
        session.commit()
        # The same answer whether or not the address has an account.
        flash(
            _(
                "If %(email)s has an account, a link to choose a new password is on its way. "
                "It works for one hour.",
                email=form.email.data,
            ),
            "info",
        )
        return redirect(url_for("account.login"))
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


@bp.route("/account/password", methods=["GET", "POST"])
@login_required
def change_password():
    form = ChangePasswordForm()
    if form.validate_on_submit():
        if not check_password_hash(current_user.password_hash, form.current_password.data):
            form.current_password.errors.append(_("That is not your current password."))
        else:
            user = current_user._get_current_object()
            accounts.set_password(user, form.password.data)
            get_session().commit()
            # Other sessions end with the old version; this one carries on with the new.
            login_user(user)
            flash(_("Your password is changed. You were logged out everywhere else."), "success")
            return redirect(url_for("main.index"))
    return render_template("account/change_password.html", form=form)
