"""Live sessions as an iCalendar file (RFC 5545), for participants' and organizers'
calendars: a round's file to download, and a person's subscription
(``services.calendar_feeds``) that calendar programs poll.

The file is published (``METHOD:PUBLISH``), and each session keeps its UID on the site's
host for good, so that opening a newer file updates the events instead of adding copies:
``SEQUENCE`` goes up with every change of time, place or title and with cancellation,
``DTSTAMP`` and ``LAST-MODIFIED`` are the session's last change, and a cancelled session
stays in the file as ``STATUS:CANCELLED`` (calendars remove or strike it).
"""

from __future__ import annotations

from collections.abc import Iterable
from datetime import timedelta
from typing import NamedTuple

from icalendar import Calendar, Event, vDuration

from ..models import Cohort, LiveSession

#: How often a subscribed calendar should fetch the feed again (RFC 7986
#: ``REFRESH-INTERVAL``, and Outlook's ``X-PUBLISHED-TTL``).
FEED_REFRESH = timedelta(hours=1)


class CalendarEntry(NamedTuple):
    """A live session as it goes into a calendar: its round, and the page its
    description links to (the participant's course, the organizer's round page)."""

    live: LiveSession
    cohort: Cohort
    link: str


def live_session_uid(live: LiveSession, domain: str) -> str:
    return f"live-session-{live.id}@{domain}"


def live_sessions_ics(
    cohort: Cohort, sessions: Iterable[LiveSession], *, domain: str, link: str
) -> bytes:
    """One calendar with every live session of a cohort, cancelled ones included."""
    entries = [CalendarEntry(live, cohort, link) for live in sessions]
    return calendar_ics(entries, domain=domain, name=cohort.name)


def calendar_ics(
    entries: Iterable[CalendarEntry],
    *,
    domain: str,
    name: str,
    refresh: timedelta | None = None,
) -> bytes:
    """A published calendar of the given live sessions, named ``name``; ``refresh`` asks
    a subscribed calendar to fetch it again that often."""
    calendar = Calendar()
    calendar.add("prodid", "-//Academy//Live sessions//EN")
    calendar.add("version", "2.0")
    calendar.add("method", "PUBLISH")
    calendar.add("x-wr-calname", name)
    calendar.add("name", name)
    if refresh is not None:
        calendar.add("refresh-interval", refresh, parameters={"VALUE": "DURATION"})
        calendar.add("x-published-ttl", vDuration(refresh))
    for live, cohort, link in entries:
        calendar.add_component(_event(live, cohort, link, domain))
    return calendar.to_ical()


def _event(live: LiveSession, cohort: Cohort, link: str, domain: str) -> Event:
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
    return event
