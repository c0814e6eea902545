"""Live sessions as an iCalendar file (RFC 5545), for participants' calendars."""

from __future__ import annotations

from collections.abc import Iterable

from icalendar import Calendar, Event

from ..models import Cohort, LiveSession, utcnow


def live_sessions_ics(
    cohort: Cohort, sessions: Iterable[LiveSession], *, domain: str, link: str
) -> bytes:
    """One calendar with every live session of a cohort; stable UIDs so that importing
    the file again updates the events instead of duplicating them."""
    calendar = Calendar()
    calendar.add("prodid", "-//Academy//Live sessions//EN")
    calendar.add("version", "2.0")
    calendar.add("x-wr-calname", cohort.name)
    stamp = utcnow()
    for live in sessions:
        event = Event()
        event.add("uid", f"live-session-{live.id}@{domain}")
        event.add("dtstamp", stamp)
        event.add("dtstart", live.starts_at)
        event.add("dtend", live.ends_at)
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
