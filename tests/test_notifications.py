"""Notifications (issue 16 item 2): each mailed once through the outbox in the person's
language, the optional ones turned off on the profile page, the obligations never, all of
them in the data export and gone with the account; and the live sessions' calendar, which
updates an event after a change rather than adding a copy."""

from __future__ import annotations

import io
import json
import re
import zipfile
from datetime import timedelta

import pytest
import vobject
from icalendar import Calendar
from sqlalchemy import func, select

from academy.content import get_course
from academy.models import (
    Certificate,
    EnrolmentStatus,
    LiveSession,
    Notification,
    NotificationOptOut,
    OutboxMail,
    utcnow,
)
from academy.services import certificate_pdf, notifications, privacy
from tests.factories import make_cohort, make_enrolment, make_organisation, make_organizer
from tests.test_invitations import invite, join_form
from tests.test_learn import assignment_answers, complete_everything, url


@pytest.fixture
def course(app):
    with app.app_context():
        return get_course("safer-streets")


@pytest.fixture(autouse=True)
def cheap_pdf(monkeypatch):
    monkeypatch.setattr(
        certificate_pdf, "render_certificate", lambda certificate, _course, *, verify_url: b"%PDF"
    )


@pytest.fixture
def organisation(db):
    return make_organisation(db)


@pytest.fixture
def organizer(db, organisation):
    return make_organizer(db, organisation).user


def mails(db, kind: str, to: str | None = None) -> list[OutboxMail]:
    query = select(OutboxMail).where(OutboxMail.kind == kind).order_by(OutboxMail.id)
    if to is not None:
        query = query.where(OutboxMail.to_address == to)
    return list(db.scalars(query))


def joined(db, cohort, **user_values):
    enrolment = make_enrolment(db, cohort=cohort, status=EnrolmentStatus.ACTIVE)
    for key, value in user_values.items():
        setattr(enrolment.user, key, value)
    enrolment.accepted_at = utcnow()
    db.flush()
    return enrolment


def turn_off(app, db, user, *kinds):
    with app.app_context():
        notifications.set_turned_off(db, user.id, kinds)
    db.flush()


# --- assignments ---------------------------------------------------------------------------


def test_a_returned_assignment_is_mailed_once_with_the_comment_and_cannot_be_turned_off(
    app, client, db, course, organisation, organizer
):
    cohort = make_cohort(db, organisation, assignments_need_approval=True)
    enrolment = joined(db, cohort, locale="sv")
    # The obligations cannot be turned off, whatever is posted.
    turn_off(app, db, enrolment.user, *notifications.KINDS)
    assert {row.kind for row in db.scalars(select(NotificationOptOut))} == set(
        notifications.OPTIONAL
    )
    client.login_as(enrolment.user)
    complete_everything(client, enrolment, course)
    part = next(p for p in course.parts if p.assignment)
    review = f"/organize/enrolments/{enrolment.id}/assignments/{part.slug}"
    client.login_as(organizer)
    for _twice in range(2):  # a double click, or the form posted again
        client.post_form(review, {"action": "return", "comment": "Namnge platsen."})
    (mail,) = mails(db, "assignment_returned")
    assert mail.to_address == enrolment.user.email
    # In Swedish, the language of the person.
    assert mail.subject.startswith("Komplettera din inlämningsuppgift")
    assert "Namnge platsen." in mail.body_text
    assert f"http://academy.test{url(enrolment, part.slug, 'assignment')}" in mail.body_text
    assert "/account" not in mail.body_text  # nothing to turn off

    # Submitted again and returned again: a new event, a new mail.
    client.login_as(enrolment.user)
    client.post_form(
        url(enrolment, part.slug, "assignment"), {"action": "submit", **assignment_answers(part)}
    )
    submission_time = db.scalar(select(func.max(OutboxMail.id)))
    client.login_as(organizer)
    client.post_form(review, {"action": "return", "comment": "Och tiden."})
    assert len(mails(db, "assignment_returned")) == 2
    assert db.scalar(select(func.max(OutboxMail.id))) > submission_time


def test_an_approval_is_mailed_once_unless_turned_off(
    app, client, db, course, organisation, organizer
):
    cohort = make_cohort(db, organisation, assignments_need_approval=True)
    wants, declines = joined(db, cohort), joined(db, cohort)
    turn_off(app, db, declines.user, notifications.APPROVED)
    part = next(p for p in course.parts if p.assignment)
    for enrolment in (wants, declines):
        client.login_as(enrolment.user)
        complete_everything(client, enrolment, course)
    client.login_as(organizer)
    for enrolment in (wants, declines):
        review = f"/organize/enrolments/{enrolment.id}/assignments/{part.slug}"
        client.post_form(review, {"action": "approve", "comment": ""})
        client.post_form(review, {"action": "approve", "comment": ""})
    (mail,) = mails(db, "assignment_approved")
    assert mail.to_address == wants.user.email
    assert "http://academy.test/account" in mail.body_text  # where to turn it off
    assert mails(db, "assignment_approved", to=declines.user.email) == []
    about = db.scalars(
        select(Notification.user_id).where(Notification.kind == "assignment-approved")
    )
    assert list(about) == [wants.user_id]


# --- certificates ---------------------------------------------------------------------------


def test_a_certificate_is_mailed_once_with_its_download_and_verify_links(
    app, client, db, course, organisation
):
    cohort = make_cohort(db, organisation)
    enrolment, declines = joined(db, cohort, locale="nb"), joined(db, cohort)
    turn_off(app, db, declines.user, notifications.CERTIFICATE)
    for person in (enrolment, declines):
        client.login_as(person.user)
        complete_everything(client, person, course)
    certificate = db.scalars(
        select(Certificate).where(Certificate.enrolment_id == enrolment.id)
    ).one()
    (mail,) = mails(db, "certificate_issued")
    assert mail.to_address == enrolment.user.email
    assert mail.subject.startswith("Kursbeviset ditt")  # Norwegian
    assert f"http://academy.test/certificates/{certificate.id}/certificate.pdf" in mail.body_text
    code = re.escape(certificate.code[:4])
    assert re.search(rf"http://academy\.test/verify/{code}", mail.body_text)
    # The service again (a recheck of the round, say): the certificate in force stands.
    with app.app_context():
        assert notifications.certificate_issued(db, certificate, enrolment) is False
    assert len(mails(db, "certificate_issued")) == 1


# --- welcome --------------------------------------------------------------------------------


def test_accepting_an_invitation_welcomes_once_in_the_chosen_language(client, db, app):
    enrolment, link = invite(db, app)
    client.post_form(link, join_form(locale="nb"))
    client.post_form(link, join_form(locale="nb"))  # the link is used up: nothing more
    (mail,) = mails(db, "welcome")
    assert mail.to_address == "asa@example.se"
    assert mail.subject.startswith("Velkommen")
    assert f"http://academy.test/learn/{enrolment.id}/" in mail.body_text
    assert "http://academy.test/account" in mail.body_text


def test_an_existing_account_that_turned_welcomes_off_gets_none(client, db, app):
    from tests.factories import PASSWORD, make_user

    existing = make_user(db, email="kari@example.no")
    turn_off(app, db, existing, notifications.WELCOME)
    _enrolment, link = invite(db, app, email="kari@example.no")
    assert client.post_form(link, {"password": PASSWORD}).status_code == 302
    assert mails(db, "welcome") == []


# --- live sessions --------------------------------------------------------------------------


def session_form(day, **overrides) -> dict:
    data = {
        "title": "Trygghetsvandring",
        "day": day.isoformat(),
        "starts": "18:00",
        "ends": "20:00",
        "location": "Resecentrum",
        "video_url": "",
    }
    data.update(overrides)
    return data


def calendar_event(client, enrolment):
    response = client.get(f"/learn/{enrolment.id}/live-sessions.ics")
    assert response.status_code == 200
    calendar = Calendar.from_ical(response.data)
    (event,) = calendar.walk("VEVENT")
    return calendar, event, response.data


def test_a_live_session_added_moved_and_cancelled_is_mailed_to_who_joined_with_the_calendar(
    client, db, organisation, organizer
):
    cohort = make_cohort(db, organisation)
    member = joined(db, cohort, locale="sv")
    not_joined = make_enrolment(db, cohort=cohort)  # invited, never came
    withdrawn = joined(db, cohort)
    withdrawn.status = EnrolmentStatus.WITHDRAWN
    db.flush()
    day = utcnow().date() + timedelta(days=20)
    client.login_as(organizer)
    client.post_form(f"/organize/cohorts/{cohort.id}/sessions/new", session_form(day))
    live = db.scalars(select(LiveSession)).one()
    assert live.sequence == 0
    (added,) = mails(db, "live_session_changed")
    assert added.to_address == member.user.email
    assert added.subject.startswith("Ny kursträff: Trygghetsvandring")
    assert f"http://academy.test/learn/{member.id}/live-sessions.ics" in added.body_text
    assert "Resecentrum" in added.body_text and "18:00" in added.body_text

    client.login_as(member.user)
    _calendar, before, _raw = calendar_event(client, member)

    # Saving it unchanged (or posting the same change twice) is no news.
    client.login_as(organizer)
    client.post_form(f"/organize/sessions/{live.id}/edit", session_form(day))
    db.refresh(live)
    assert live.sequence == 0 and len(mails(db, "live_session_changed")) == 1
    for _twice in range(2):
        client.post_form(
            f"/organize/sessions/{live.id}/edit", session_form(day, starts="19:00", ends="21:00")
        )
    db.refresh(live)
    assert live.sequence == 1
    moved = mails(db, "live_session_changed")[1:]
    assert len(moved) == 1 and "19:00" in moved[0].body_text

    client.login_as(member.user)
    calendar, after, raw = calendar_event(client, member)
    assert str(calendar["METHOD"]) == "PUBLISH"
    assert str(after["UID"]) == str(before["UID"]) == f"live-session-{live.id}@academy.test"
    assert int(after["SEQUENCE"]) > int(before["SEQUENCE"])
    assert after.decoded("DTSTART") > before.decoded("DTSTART")
    changed = live.changed_at.replace(microsecond=0)  # iCalendar counts whole seconds
    assert after.decoded("LAST-MODIFIED") == after.decoded("DTSTAMP") == changed
    assert after.decoded("LAST-MODIFIED") >= before.decoded("LAST-MODIFIED")
    assert str(after["STATUS"]) == "CONFIRMED"
    assert_second_parser_agrees(raw, uid=str(after["UID"]), sequence=1)

    client.login_as(organizer)
    client.post_form(f"/organize/sessions/{live.id}/cancel")
    client.post_form(f"/organize/sessions/{live.id}/cancel")
    db.refresh(live)
    assert live.cancelled_at is not None and live.sequence == 2
    cancelled = mails(db, "live_session_changed")[2:]
    assert len(cancelled) == 1 and cancelled[0].subject.startswith("Inställt")
    assert client.get(f"/organize/sessions/{live.id}/edit").status_code == 404
    assert db.scalar(select(func.count()).select_from(LiveSession)) == 1  # kept

    client.login_as(member.user)
    _calendar, gone, raw = calendar_event(client, member)
    assert str(gone["STATUS"]) == "CANCELLED" and int(gone["SEQUENCE"]) == 2
    assert_second_parser_agrees(raw, uid=str(gone["UID"]), sequence=2)
    assert "Trygghetsvandring" not in client.get("/learn/").get_data(as_text=True)

    for nobody in (not_joined, withdrawn):
        assert mails(db, "live_session_changed", to=nobody.user.email) == []


def test_a_session_in_the_past_is_nobodys_news(app, db, organisation, organizer):
    from academy.services import cohorts

    cohort = make_cohort(db, organisation)
    joined(db, cohort)
    start = utcnow() - timedelta(days=2)
    with app.app_context():
        cohorts.save_live_session(
            db,
            cohort,
            None,
            changed_by_id=organizer.id,
            title="Kick-off",
            starts_at=start,
            ends_at=start + timedelta(hours=2),
        )
    assert mails(db, "live_session_changed") == []


def assert_second_parser_agrees(raw: bytes, *, uid: str, sequence: int) -> None:
    """The same file read by a parser that shares no code with the one that wrote it
    (vobject, besides icalendar)."""
    assert raw.count(b"\r\n") == raw.count(b"\n")  # CRLF line ends only (RFC 5545)
    calendar = vobject.readOne(raw.decode("utf-8"))
    assert calendar.method.value == "PUBLISH"
    (event,) = calendar.vevent_list
    assert event.uid.value == uid
    assert int(event.sequence.value) == sequence
    assert event.dtstamp.value.utcoffset() == timedelta(0)
    assert event.last_modified.value == event.dtstamp.value
    assert event.dtend.value > event.dtstart.value


# --- the profile page, the export, erasure --------------------------------------------------


def test_the_profile_page_turns_the_optional_mails_off_and_on(client, db):
    enrolment = joined(db, make_cohort(db))
    user = enrolment.user
    client.login_as(user)
    page = client.get("/account").get_data(as_text=True)
    for name in ("assignment_approved", "certificate_issued", "welcome"):
        assert re.search(rf'<input checked id="{name}" name="{name}" type="checkbox"', page)
    response = client.post_form("/account/notifications", {"welcome": "y"})
    assert response.headers["Location"] == "/account"
    off = set(
        db.scalars(select(NotificationOptOut.kind).where(NotificationOptOut.user_id == user.id))
    )
    assert off == {notifications.APPROVED, notifications.CERTIFICATE}
    page = client.get("/account").get_data(as_text=True)
    assert '<input id="certificate_issued"' in page and '<input checked id="welcome"' in page
    # Without the CSRF token nothing changes.
    assert client.post("/account/notifications", data={}).status_code == 400
    client.post_form("/account/notifications", {"assignment_approved": "y", "welcome": "y"})
    off = set(
        db.scalars(select(NotificationOptOut.kind).where(NotificationOptOut.user_id == user.id))
    )
    assert off == {notifications.CERTIFICATE}


def test_the_export_lists_the_notifications_and_erasure_deletes_them(
    app, client, db, course, organisation
):
    cohort = make_cohort(db, organisation)
    enrolment = joined(db, cohort)
    turn_off(app, db, enrolment.user, notifications.WELCOME)
    client.login_as(enrolment.user)
    complete_everything(client, enrolment, course)
    archive = zipfile.ZipFile(io.BytesIO(client.get("/account/data.zip").data))
    data = json.loads(archive.read("data.json"))["notifications"]
    (sent,) = data["sent"]
    assert sent["kind"] == "certificate-issued" and sent["subject"].startswith("Your certificate")
    assert [row["kind"] for row in data["turned_off"]] == ["welcome"]

    user_id = enrolment.user_id
    with app.app_context():
        privacy.erase_account(db, enrolment.user, withdraw_certificates=False)
    for model in (Notification, NotificationOptOut):
        count = select(func.count()).select_from(model).where(model.user_id == user_id)
        assert db.scalar(count) == 0


def test_notify_twice_for_the_same_event_queues_one_mail(app, db):
    enrolment = joined(db, make_cohort(db))
    with app.app_context():
        first = notifications.welcome(db, enrolment)
        second = notifications.welcome(db, enrolment)
    assert (first, second) == (True, False)
    assert len(mails(db, "welcome")) == 1


def test_a_cancelled_session_takes_no_attendance(client, db, organisation, organizer):
    cohort = make_cohort(db, organisation)
    start = utcnow() + timedelta(days=3)
    live = LiveSession(cohort=cohort, title="Kick-off", starts_at=start, ends_at=start)
    db.add(live)
    db.flush()
    client.login_as(organizer)
    client.post_form(f"/organize/sessions/{live.id}/cancel")
    assert client.get(f"/organize/sessions/{live.id}/attendance").status_code == 404
    page = client.get(f"/organize/cohorts/{cohort.id}").get_data(as_text=True)
    assert "Cancelled" in page and f"/organize/sessions/{live.id}/edit" not in page


def test_nobody_checks_in_to_a_cancelled_session(app, client, db, organisation, organizer):
    from academy.services import checkin

    cohort = make_cohort(db, organisation)
    member = joined(db, cohort)
    start = utcnow() + timedelta(minutes=10)  # check-in is open
    live = LiveSession(
        cohort=cohort, title="Kick-off", starts_at=start, ends_at=start + timedelta(hours=1)
    )
    db.add(live)
    db.flush()
    client.login_as(organizer)
    assert client.get(f"/organize/sessions/{live.id}/check-in").status_code == 200
    client.post_form(f"/organize/sessions/{live.id}/cancel")
    db.refresh(live)
    assert not checkin.is_open(live, utcnow())
    assert client.get(f"/organize/sessions/{live.id}/check-in").status_code == 404
    client.login_as(member.user)
    assert client.get(f"/learn/sessions/{live.id}/check-in").status_code == 404
    with app.app_context():
        code = checkin.current_code(app.secret_key, live, utcnow()).code
        outcome = checkin.check_in(db, live, member, code, secret=app.secret_key, now=utcnow())
    assert outcome is checkin.Outcome.CLOSED
