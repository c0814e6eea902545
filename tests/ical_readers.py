"""Every .ics Academy writes, read by two parsers that share no code: ``icalendar`` (the
library that writes it) and ``vobject`` (pinned in the test extra). Both must read the
file, and agree on the calendar and on every event, before a test looks at what it says.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta

import vobject
from icalendar import Calendar


@dataclass(frozen=True)
class ReadEvent:
    uid: str
    sequence: int
    status: str
    summary: str
    start: datetime
    end: datetime
    stamp: datetime
    modified: datetime
    description: str
    location: str


@dataclass(frozen=True)
class ReadCalendar:
    name: str
    refresh: timedelta | None
    events: dict[str, ReadEvent]


def read_ics(raw: bytes) -> ReadCalendar:
    """The calendar as both parsers read it (asserting that they agree)."""
    # RFC 5545: CRLF line ends, lines folded at 75 octets.
    assert raw.count(b"\r\n") == raw.count(b"\n")
    assert max(len(line) for line in raw.split(b"\r\n")) <= 75
    ours = Calendar.from_ical(raw)
    theirs = vobject.readOne(raw.decode("utf-8"))
    assert str(ours["METHOD"]) == theirs.method.value == "PUBLISH"
    assert str(ours["VERSION"]) == theirs.version.value == "2.0"
    name = str(ours["X-WR-CALNAME"])
    assert theirs.contents["x-wr-calname"][0].value == name
    refresh = ours.get("REFRESH-INTERVAL")
    if refresh is not None:
        refresh = ours.decoded("REFRESH-INTERVAL")
        line = theirs.contents["refresh-interval"][0]
        assert line.params["VALUE"] == ["DURATION"]
        assert vobject.icalendar.stringToDurations(line.value) == [refresh]
        ttl = theirs.contents["x-published-ttl"][0].value
        assert vobject.icalendar.stringToDurations(ttl) == [refresh]

    events = {}
    for event in ours.walk("VEVENT"):
        read = ReadEvent(
            uid=str(event["UID"]),
            sequence=int(event["SEQUENCE"]),
            status=str(event["STATUS"]),
            summary=str(event["SUMMARY"]),
            start=event.decoded("DTSTART"),
            end=event.decoded("DTEND"),
            stamp=event.decoded("DTSTAMP"),
            modified=event.decoded("LAST-MODIFIED"),
            description=str(event.get("DESCRIPTION", "")),
            location=str(event.get("LOCATION", "")),
        )
        assert read.uid not in events, f"UID {read.uid} twice"
        events[read.uid] = read
    other = {event.uid.value: event for event in theirs.contents.get("vevent", [])}
    assert other.keys() == events.keys()
    for uid, read in events.items():
        event = other[uid]
        assert int(event.sequence.value) == read.sequence
        assert event.status.value == read.status
        assert event.summary.value == read.summary
        assert event.dtstart.value == read.start and event.dtend.value == read.end
        assert event.dtstamp.value == read.stamp and event.last_modified.value == read.modified
        assert read.stamp.utcoffset() == timedelta(0)
        assert read.end > read.start
        description = event.contents.get("description")
        assert (description[0].value if description else "") == read.description
        location = event.contents.get("location")
        assert (location[0].value if location else "") == read.location
    return ReadCalendar(name=name, refresh=refresh, events=events)
