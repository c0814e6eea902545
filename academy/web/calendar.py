"""The .ics answers: a round's live sessions to download (participants and organizers
alike), and a person's private subscription (``services.calendar_feeds``)."""

from __future__ import annotations

from urllib.parse import urlsplit

from flask import Response, current_app, make_response, request
from flask_babel import force_locale
from flask_babel import gettext as _
from sqlalchemy import select

from ..db import get_session
from ..models import CalendarFeed, Cohort, LiveSession, User
from ..services import calendar_feeds
from ..services.calendar import FEED_REFRESH, CalendarEntry, calendar_ics, live_sessions_ics
from ..services.mail import absolute_url
from .downloads import download, file_name

MIMETYPE = "text/calendar; charset=utf-8"


def site_domain() -> str:
    """The host the events' UIDs are on (the site's BASE_URL)."""
    return urlsplit(current_app.config["BASE_URL"]).hostname or "academy"


def calendar_download(cohort: Cohort, *, link: str, filename: str) -> Response:
    """The round's live sessions as an .ics file, saved as ``filename`` after the round's
    name ("live-sessions.ics" of Torpa hösten: torpa-hosten-live-sessions.ics)."""
    sessions = (
        get_session()
        .scalars(
            select(LiveSession)
            .where(LiveSession.cohort_id == cohort.id)
            .order_by(LiveSession.starts_at)
        )
        .all()
    )
    body = live_sessions_ics(cohort, sessions, domain=site_domain(), link=link)
    stem, _dot, extension = filename.rpartition(".")
    name = file_name(cohort.name, stem, extension=extension)
    return download(body, name=name, mimetype=MIMETYPE, cache_control=None)


def feed_addresses(feed: CalendarFeed) -> tuple[str, str]:
    """The subscription's address, and the same as ``webcal:`` (which opens the calendar
    program, subscribed)."""
    address = absolute_url(
        "account.calendar_feed",
        feed_id=feed.id,
        token=calendar_feeds.token(current_app.secret_key, feed),
    )
    return address, "webcal:" + address.split(":", 1)[1]


def feed_response(user: User) -> Response:
    """The person's subscription: every live session of their rounds, each linking to
    their course (or, for a round they organise, to its page), named in their language.
    Calendar programs poll it: the answer carries an ETag, and one that has not changed
    is a 304."""
    entries = [
        CalendarEntry(
            live,
            live.cohort,
            absolute_url("learn.course_overview", enrolment_id=enrolment.id)
            if enrolment is not None
            else absolute_url("organize.cohort", cohort_id=live.cohort_id),
        )
        for live, enrolment in calendar_feeds.sessions(get_session(), user.id)
    ]
    with force_locale(user.locale):
        name = _("Academy: live sessions")
    response = make_response(
        calendar_ics(entries, domain=site_domain(), name=name, refresh=FEED_REFRESH)
    )
    response.content_type = MIMETYPE
    # The address is a secret: no shared cache keeps it; the calendar asks again each time.
    response.headers["Cache-Control"] = "private, no-cache"
    response.add_etag()
    return response.make_conditional(request)
