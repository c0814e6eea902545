"""The check-in screen of a live session: the code of the minute and its QR code, shown
by the organizer (on a projector, say) from 30 minutes before the start to the end. The
page reloads itself when the code changes: a small script of the site's own
(static/js/checkin-screen.js), which the Content-Security-Policy allows as it is; a meta
refresh would be a timed refresh that axe (WCAG 2.2.1) refuses."""

from __future__ import annotations

from datetime import timedelta

from flask import abort, current_app, render_template

from ...db import get_session
from ...models import utcnow
from ...services import checkin
from ...services.certificate_pdf import qr_svg_data_uri
from ...services.mail import absolute_url
from .access import load_live_session, organizer_required
from .blueprint import bp
from .live_sessions import zone_of

# Before check-in opens, the page waits for it when it is this close, else it stays put.
_WAIT_AT_MOST = timedelta(hours=2)


@bp.get("/sessions/<int:session_id>/check-in")
@organizer_required
def check_in_code(session_id: int):
    live = load_live_session(session_id)
    if live.cancelled_at is not None:
        abort(404)  # nobody checks in to a cancelled session
    now = utcnow()
    opens, closes = checkin.window(live)
    shown = qr = link = None
    refresh = None
    if opens <= now <= closes:
        shown = checkin.current_code(current_app.secret_key, live, now)
        link = absolute_url("learn.check_in", session_id=live.id, code=shown.code)
        qr = qr_svg_data_uri(link)
        # Reload when the code changes; at the end, to say that check-in has closed.
        refresh = min(shown.seconds_left, int((closes - now).total_seconds()) + 1)
    elif now < opens and opens - now <= _WAIT_AT_MOST:
        refresh = int((opens - now).total_seconds()) + 1
    return render_template(
        "organize/check_in.html",
        live=live,
        cohort=live.cohort,
        zone=zone_of(live.cohort.organisation).key,
        shown=shown,
        qr=qr,
        link=link,
        opens=opens,
        closed=now > closes,
        refresh=refresh,
        checked_in=checkin.present_count(get_session(), live),
    )
