"""The .ics download of a cohort's live sessions, for participants and organizers alike."""

from __future__ import annotations

from urllib.parse import urlsplit

from flask import Response, current_app
from sqlalchemy import select

from ..db import get_session
from ..models import Cohort, LiveSession
from ..services.calendar import live_sessions_ics
from .downloads import download, file_name


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
    body = live_sessions_ics(
        cohort,
        sessions,
        domain=urlsplit(current_app.config["BASE_URL"]).hostname or "academy",
        link=link,
    )
    stem, _dot, extension = filename.rpartition(".")
    name = file_name(cohort.name, stem, extension=extension)
    return download(body, name=name, mimetype="text/calendar; charset=utf-8", cache_control=None)
