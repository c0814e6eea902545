"""Live sessions as an iCalendar file (RFC 5545), for participants' calendars.

The file is published (``METHOD:PUBLISH``), and each session keeps its UID on the site's
host for good, so that opening a newer file updates the events instead of adding copies:
``SEQUENCE`` goes up with every change of time, place or title and with cancellation,
``DTSTAMP`` and ``LAST-MODIFIED`` are the session's last change, and a cancelled session
stays in the file as ``STATUS:CANCELLED`` (calendars remove or strike it).
"""

from __future__ import annotations

from collections.abc import Iterable

from icalendar import Calendar, Event

from ..models import Cohort, LiveSession


def live_session_uid(live: LiveSession, domain: str) -> str:
    return f"live-session-{live.id}@{domain}"


def live_sessions_ics(
    cohort: Cohort, sessions: Iterable[LiveSession], *, domain: str, link: str
) -> bytes:
    """One calendar with every live session of a cohort, cancelled ones included."""
    calendar = Calendar()
    calendar.add("prodid", "-//Academy//Live sessions//EN")
    calendar.add("version", "2.0")
    calendar.add("method", "PUBLISH")
    calendar.add("x-wr-calname", cohort.name)
    for live in sessions:
        event = Event()
        event.add("uid", live_session_uid(live, domain))
        event.add("sequence", live.sequence)
        event.add("dtstamp", live.changed_at)
        event.add("created", live.created_at)
        event.add("last-modified", live.changed_at)
        event.add("dtstart", live.starts_at)
        event.add("dtend", live.ends_at)
        event.add("status", "CANCELLED" if live.cancelled_at is not None else "CONFIRMED")
        event.add("summary", f"{live.title} ({cohort.name})")
        where = ", ".join(part for part in (live.location, live.video_url) if part)
        if where:
            event.add("location", where)
        description = "\n".join(part for part in (live.video_url, link) if part)
        event.add("description", description)
        if live.video_url:
            event.add("url", live.video_url)
        calendar.add_component(event)
    return calendar.to_ical()
