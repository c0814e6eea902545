"""Checking in to a live session with the code the organizer shows (typed on the
dashboard, or opened from the QR code, which carries it in the address)."""

from __future__ import annotations

from datetime import UTC, datetime

from flask import abort, current_app, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from flask_login import current_user
from limits import parse
from wtforms import StringField
from wtforms.validators import DataRequired, Length

from ...db import get_session
from ...extensions import limiter
from ...models import utcnow
from ...services import checkin
from ..forms import AcademyForm
from .access import load_session_enrolment
from .blueprint import bp

CODE_MAX = 20


class CheckInForm(AcademyForm):
    code = StringField(
        _l("Check-in code"),
        validators=[
            DataRequired(message=_l("Type the code shown on the organizer's screen.")),
            Length(max=CODE_MAX, message=_l("The code has 6 digits.")),
        ],
        render_kw={"inputmode": "numeric", "autocomplete": "one-time-code", "class": "code-input"},
    )


def _attempts():
    """The per-user limit of wrong codes (a quarter of an hour's worth, as for logins)
    and its key, counted in the limiter's storage (Redis in production)."""
    return parse(current_app.config["CHECKIN_LIMIT_PER_USER"]), f"checkin:{current_user.id}"


def _too_many() -> datetime | None:
    """When the user may try again, if they have used up their wrong codes."""
    if not limiter.enabled:
        return None
    limit, key = _attempts()
    if limiter.limiter.test(limit, key):
        return None
    reset = limiter.limiter.get_window_stats(limit, key).reset_time
    return datetime.fromtimestamp(reset, UTC)


def _wrong_code() -> None:
    if limiter.enabled:
        limit, key = _attempts()
        limiter.limiter.hit(limit, key)


@bp.route("/sessions/<int:session_id>/check-in", methods=["GET", "POST"])
def check_in(session_id: int):
    live, enrolment = load_session_enrolment(session_id)
    if live.cancelled_at is not None:
        abort(404)  # nobody checks in to a cancelled session
    now = utcnow()
    if request.method == "POST":
        form = CheckInForm()
    else:
        form = CheckInForm(code=request.args.get("code", "")[:CODE_MAX])
    session = get_session()
    present = checkin.attendance_of(session, live, enrolment)
    if form.validate_on_submit():
        wait_until = _too_many()
        if wait_until is not None:
            minutes = max(1, round((wait_until - now).total_seconds() / 60))
            form.code.errors.append(
                _(
                    "Too many wrong codes. Try again in %(minutes)d minutes, or ask the "
                    "organizer to mark you present.",
                    minutes=minutes,
                )
            )
        else:
            outcome = checkin.check_in(
                session,
                live,
                enrolment,
                form.code.data,
                secret=current_app.secret_key,
                now=now,
            )
            if outcome in (checkin.Outcome.CHECKED_IN, checkin.Outcome.ALREADY):
                session.commit()
                # The dashboard says it, at the top of the round's card.
                return redirect(url_for("learn.dashboard"))
            if outcome is checkin.Outcome.WRONG_CODE:
                _wrong_code()
            form.code.errors.append(_message(outcome))
    return render_template(
        "learn/check_in.html",
        live=live,
        enrolment=enrolment,
        form=form,
        open=checkin.is_open(live, now),
        opens_at=checkin.window(live)[0],
        closed=now > live.ends_at,
        present=present,
    )


def _message(outcome: checkin.Outcome) -> str:
    if outcome is checkin.Outcome.WRONG_CODE:
        return _(
            "That is not the code of this session. Type the 6 digits shown on the screen now; "
            "the code changes every minute."
        )
    if outcome is checkin.Outcome.NOT_OPEN:
        return _("Check-in opens 30 minutes before the session starts.")
    if outcome is checkin.Outcome.CLOSED:
        return _(
            "The session is over, so check-in is closed. Ask the organizer to mark you present."
        )
    return _("The organizer has recorded you as absent. Ask them to change it if you are here.")
