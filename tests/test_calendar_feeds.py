"""The private calendar subscription (services.calendar_feeds): made, renewed and turned
off from the profile page; what it holds for someone who takes part in rounds and
organises others; that a calendar polling it sees a change (a new ETag, a higher
SEQUENCE, STATUS:CANCELLED); that only the current secret opens it; its place in the
data export and erasure; its statements. Every feed is read by icalendar and by
vobject (tests/ical_readers.py). On both backends."""

from __future__ import annotations

import re
from datetime import timedelta

import pytest
from sqlalchemy import func, select

from academy.models import CalendarFeed, EnrolmentStatus, LiveSession, utcnow
from academy.services import calendar_feeds, privacy
from tests.conftest import TEST_SECRET
from tests.factories import (
    make_cohort,
    make_enrolment,
    make_organisation,
    make_organizer,
    make_user,
)
from tests.ical_readers import read_ics

ADDRESS = re.compile(r'value="(http://academy\.test(/calendar/\d+/[A-Za-z0-9_-]{32}\.ics))"')


def add_session(db, cohort, title, *, days=10, cancelled=False) -> LiveSession:
    start = utcnow().replace(microsecond=0) + timedelta(days=days)
    live = LiveSession(
        cohort_id=cohort.id,
        title=title,
        starts_at=start,
        ends_at=start + timedelta(hours=2),
        location="Resecentrum",
        cancelled_at=utcnow() if cancelled else None,
        sequence=1 if cancelled else 0,
    )
    db.add(live)
    db.flush()
    return live


@pytest.fixture
def person(db):
    """Åsa takes part in a round of Vänersborg (and was withdrawn from another), and
    organises Trollhättan's rounds (one of them archived)."""
    asa = make_user(db, name="Åsa Öberg", locale="sv")
    taken = make_cohort(db, make_organisation(db, name="Vänersborgs kommun"), name="Våren")
    enrolment = make_enrolment(db, taken, asa, status=EnrolmentStatus.ACTIVE)
    left = make_cohort(db, taken.organisation, name="Hösten")
    make_enrolment(db, left, asa, status=EnrolmentStatus.WITHDRAWN)
    town = make_organisation(db, name="Trollhättans stad")
    make_organizer(db, town, asa)
    organised = make_cohort(db, town, name="Centrum")
    archived = make_cohort(db, town, name="Förra året", archived_at=utcnow())
    sessions = {
        "walk": add_session(db, taken, "Trygghetsvandring"),
        "cancelled": add_session(db, taken, "Uppstart", days=5, cancelled=True),
        "left": add_session(db, left, "Hösten träffas"),
        "organised": add_session(db, organised, "Samråd", days=20),
        "archived": add_session(db, archived, "Gammal träff", days=-300),
    }
    db.commit()
    return {
        "user": asa,
        "enrolment": enrolment,
        "organised": organised,
        "sessions": sessions,
    }


def uid(live: LiveSession) -> str:
    return f"live-session-{live.id}@academy.test"


def address_on_profile(client) -> tuple[str, str] | None:
    page = client.get("/account").get_data(as_text=True)
    found = ADDRESS.search(page)
    if found is None:
        assert "Skapa min kalenderadress" in page
        return None
    assert f'href="webcal://academy.test{found.group(2)}"' in page
    return found.group(1), found.group(2)


def test_the_profile_makes_renews_and_turns_off_a_private_address(app, client, db, person):
    client.login_as(person["user"])
    assert address_on_profile(client) is None
    made = client.post_form("/account/calendar")
    assert made.status_code == 302 and made.headers["Location"] == "/account#calendar"
    first = address_on_profile(client)
    assert first is not None

    calendar = app.test_client()  # a calendar program: no login, no cookie
    answer = calendar.get(first[1])
    assert answer.status_code == 200
    assert answer.content_type == "text/calendar; charset=utf-8"
    assert answer.headers["Cache-Control"] == "private, no-cache"
    feed = read_ics(answer.data)
    assert feed.name == "Academy: kursträffar" and feed.refresh == timedelta(hours=1)
    sessions = person["sessions"]
    assert set(feed.events) == {uid(sessions[key]) for key in ("walk", "cancelled", "organised")}
    walk = feed.events[uid(sessions["walk"])]
    assert walk.summary == "Trygghetsvandring (Våren)" and walk.status == "CONFIRMED"
    assert walk.description.endswith(f"/learn/{person['enrolment'].id}/")
    assert feed.events[uid(sessions["cancelled"])].status == "CANCELLED"
    organised = feed.events[uid(sessions["organised"])]
    assert organised.description.endswith(f"/organize/cohorts/{person['organised'].id}")

    # A calendar that asks again gets "not modified" until something changes.
    etag = answer.headers["ETag"]
    assert calendar.get(first[1], headers={"If-None-Match": etag}).status_code == 304
    client.post_form(f"/organize/sessions/{sessions['organised'].id}/cancel")
    changed = calendar.get(first[1], headers={"If-None-Match": etag})
    assert changed.status_code == 200 and changed.headers["ETag"] != etag
    now = read_ics(changed.data).events[uid(sessions["organised"])]
    assert now.status == "CANCELLED" and now.sequence == organised.sequence + 1

    # A new address stops the old one; turning it off stops the new one.
    client.post_form("/account/calendar")
    second = address_on_profile(client)
    assert second is not None and second != first
    assert calendar.get(first[1]).status_code == 404
    assert calendar.get(second[1]).status_code == 200
    stopped = client.post_form("/account/calendar/stop")
    assert stopped.headers["Location"] == "/account#calendar"
    assert calendar.get(second[1]).status_code == 404
    assert address_on_profile(client) is None
    assert db.scalar(select(func.count()).select_from(CalendarFeed)) == 0


def test_only_the_current_secret_of_that_feed_opens_it(app, db, person):
    other = make_user(db)
    feed, renewed = calendar_feeds.start(db, person["user"].id)
    theirs, _renewed = calendar_feeds.start(db, other.id)
    db.commit()
    assert renewed is False
    token = calendar_feeds.token(TEST_SECRET, feed)
    assert re.fullmatch(r"[A-Za-z0-9_-]{32}", token)
    calendar = app.test_client()
    assert calendar.get(f"/calendar/{feed.id}/{token}.ics").status_code == 200
    wrong = token[:-1] + ("A" if token[-1] != "A" else "B")
    for path in (
        f"/calendar/{feed.id}/{wrong}.ics",
        f"/calendar/{theirs.id}/{token}.ics",  # a secret opens its own feed only
        f"/calendar/{feed.id}/{token[:16]}.ics",
        f"/calendar/{feed.id + theirs.id + 1}/{token}.ics",
    ):
        assert calendar.get(path).status_code == 404, path
    # The secret is derived, not stored: another secret key, another address.
    assert calendar_feeds.token("another key", feed) != token
    assert token not in {feed.nonce, theirs.nonce}


def test_the_data_export_says_since_when_and_erasure_ends_it(db, person):
    user = person["user"]
    calendar_feeds.start(db, user.id)
    data, _files = privacy._user_data(db, user)
    assert set(data["calendar_subscription"]) == {"created_at"}
    privacy.erase_account(db, user, withdraw_certificates=False)
    assert db.scalar(select(func.count()).select_from(CalendarFeed)) == 0


def test_the_feed_takes_the_same_statements_for_one_round_and_for_ten(
    app, db, person, count_queries
):
    feed, _renewed = calendar_feeds.start(db, person["user"].id)
    db.commit()
    path = f"/calendar/{feed.id}/{calendar_feeds.token(TEST_SECRET, feed)}.ics"
    calendar = app.test_client()
    with count_queries() as few:
        assert calendar.get(path).status_code == 200
    for number in range(9):
        cohort = make_cohort(db, person["organised"].organisation, name=f"Runda {number}")
        add_session(db, cohort, "Träff")
        add_session(db, cohort, "Träff igen", days=12)
        make_enrolment(db, make_cohort(db), person["user"])
    db.commit()
    with count_queries() as many:
        answer = calendar.get(path)
    assert len(read_ics(answer.data).events) == 3 + 18
    assert many.count == few.count
