"""The second step of a password sign-in: the code of the person's authenticator app (or
a recovery code), or, for staff who have none yet, setting one up there and then.

Between the password and the code nobody is logged in: the browser's session holds who
passed the password (id and session version), when, and where to go next, for
SIGN_IN_STEP_MAX_AGE seconds. Wrong codes count against limits like those of wrong
passwords, per account and per address, counted apart from them.
"""

from __future__ import annotations

import time
from typing import Any

from flask import Response, current_app, flash, g, redirect, render_template, request, url_for
from flask import session as flask_session
from flask_babel import gettext as _
from flask_login import current_user, login_user
from sqlalchemy.orm import Session

from ...db import get_session
from ...extensions import limit_failed_posts
from ...models import User
from ...services import second_factor
from ..forms import safe_next
from .blueprint import bp
from .forms import SecondStepForm
from .two_factor import enrol_page

PENDING = "sign_in_pending"
# What the pending sign-in still needs (services.second_factor.needed_after_password).
CODE, ENROL = "code", "enrol"


def after_password(session: Session, user: User, *, remember: bool, next_url: str | None):
    """Where a person goes once their password was right: in, or to the second step."""
    needed = second_factor.needed_after_password(
        session, user, staff_required=current_app.config["SECOND_FACTOR_FOR_STAFF"]
    )
    if not needed:
        login_user(user, remember=remember)
        return redirect(safe_next(next_url) or url_for("main.index"))
    flask_session[PENDING] = {
        "u": user.id,
        "v": user.session_version,
        "r": bool(remember),
        "n": safe_next(next_url) or "",
        "t": int(time.time()),
        "k": needed,
    }
    return redirect(url_for("account.second_step" if needed == CODE else "account.enrol_step"))


def _pending(session: Session, needed: str) -> tuple[User, dict[str, Any]] | None:
    """The person half-way through signing in with a password, and what the session
    says of it; None when there is nobody, it took too long, or their sessions ended."""
    pending = flask_session.get(PENDING)
    if not isinstance(pending, dict) or pending.get("k") != needed:
        return None
    started = pending.get("t")
    max_age = current_app.config["SIGN_IN_STEP_MAX_AGE"]
    if not isinstance(started, int) or not 0 <= time.time() - started <= max_age:
        return None
    user_id = pending.get("u")
    user = session.get(User, user_id) if isinstance(user_id, int) else None
    if user is None or user.session_version != pending.get("v"):
        return None
    return user, pending


def _finish(user: User, pending: dict[str, Any]) -> None:
    flask_session.pop(PENDING, None)
    login_user(user, remember=bool(pending.get("r")))


def _start_again() -> Response:
    flask_session.pop(PENDING, None)
    flash(_("Your sign-in took too long or was not started. Log in again."), "info")
    return redirect(url_for("account.login"))


def _step_failed(_response) -> bool:
    return bool(g.get("second_step_failed"))


def _account_key() -> str:
    pending = flask_session.get(PENDING)
    user_id = pending.get("u") if isinstance(pending, dict) else None
    return f"second-step-account:{user_id if isinstance(user_id, int) else '-'}"


@bp.route("/login/code", methods=["GET", "POST"])
@limit_failed_posts("second-step-address", _account_key, _step_failed)
def second_step():
    if current_user.is_authenticated:
        return redirect(url_for("main.index"))
    session = get_session()
    found = _pending(session, CODE)
    if found is None:
        return _start_again()
    user, pending = found
    form = SecondStepForm()
    if form.validate_on_submit():
        if second_factor.passes(session, user, form.code.data):
            session.commit()
            _finish(user, pending)
            return redirect(pending.get("n") or url_for("main.index"))
        g.second_step_failed = True
        form.code.errors.append(
            _("That code is not right, or it has been used already. Wait for the next one.")
        )
    elif request.method == "POST":
        g.second_step_failed = True
    return render_template("account/second_step.html", form=form)


@bp.route("/login/code/setup", methods=["GET", "POST"])
def enrol_step():
    """Staff who sign in with a password and have no authenticator app set one up here
    before they are let in."""
    if current_user.is_authenticated:
        return redirect(url_for("main.index"))
    session = get_session()
    found = _pending(session, ENROL)
    if found is None:
        return _start_again()
    user, pending = found
    secret = pending.get("s")
    if not second_factor.valid_secret(secret):
        secret = second_factor.new_secret()
        flask_session[PENDING] = {**pending, "s": secret}
    return enrol_page(
        session,
        user,
        secret,
        next_url=pending.get("n") or url_for("main.index"),
        during_sign_in=True,
        on_enrolled=lambda: _finish(user, pending),
    )
