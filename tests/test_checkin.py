"""Live sessions that run themselves: a session tied to a part, and self check-in with a
code of the minute (services.checkin), its lifetime and scope, its idempotency, and that
it completes a course whose only missing piece was attendance."""

from __future__ import annotations

import re
from datetime import UTC, datetime, timedelta

import pytest
from sqlalchemy import func, select

from academy.content import get_course
from academy.models import (
    Attendance,
    Certificate,
    EnrolmentStatus,
    LiveSession,
    utcnow,
)
from academy.services import certificate_pdf, checkin
from tests.factories import (
    PASSWORD,
    make_cohort,
    make_enrolment,
    make_organisation,
    make_organizer,
)
from tests.test_learn import (
    assignment_answers,
    complete_everything,
    nonce_of,
    quiz_answers,
    url,
)

SECRET = "test-secret"


@pytest.fixture(autouse=True)
def cheap_pdf(monkeypatch):
    monkeypatch.setattr(
        certificate_pdf, "render_certificate", lambda certificate, _course, *, verify_url: b"%PDF"
    )


@pytest.fixture
def course(app):
    with app.app_context():
        return get_course("safer-streets")


def make_live(db, cohort, *, starts_in: timedelta, hours: int = 2, **values) -> LiveSession:
    starts = utcnow().replace(microsecond=0) + starts_in
    live = LiveSession(
        cohort=cohort,
        title=values.pop("title", "Walk at Torpa torg"),
        starts_at=starts,
        ends_at=starts + timedelta(hours=hours),
        **values,
    )
    db.add(live)
    db.flush()
    return live


def text_of(response) -> str:
    return response.get_data(as_text=True)


def code_now(app, live) -> str:
    return checkin.current_code(app.secret_key, live, utcnow()).code


def complete_part(client, enrolment, part) -> None:
    for lesson in part.lessons:
        client.post_form(url(enrolment, part.slug, lesson.slug))
    if part.quiz:
        nonce = nonce_of(client.get(url(enrolment, part.slug, "quiz")).data)
        client.post_form(
            url(enrolment, part.slug, "quiz"), {"nonce": nonce, **quiz_answers(part, correct=True)}
        )
    if part.assignment:
        client.post_form(
            url(enrolment, part.slug, "assignment"),
            {"action": "submit", **assignment_answers(part)},
        )


def attendance_rows(db, live) -> list[Attendance]:
    return list(db.scalars(select(Attendance).where(Attendance.live_session_id == live.id)))


# --- the code ----------------------------------------------------------------------------


class FakeLive:
    def __init__(self, live_id: int, starts_at: datetime, ends_at: datetime):
        self.id = live_id
        self.starts_at = starts_at
        self.ends_at = ends_at
        self.cancelled_at = None


START = datetime(2027, 3, 12, 17, 0, tzinfo=UTC)


def test_the_code_lives_for_its_minute_and_the_next_and_no_longer():
    live = FakeLive(7, START, START + timedelta(hours=2))
    at = START + timedelta(seconds=5)
    shown = checkin.current_code(SECRET, live, at)
    assert re.fullmatch(r"\d{6}", shown.code)
    assert shown.seconds_left == 55
    # The same for the whole minute, also typed with a space or a dash.
    for later in (0, 30, 54):
        assert checkin.code_is_valid(SECRET, live, shown.code, at + timedelta(seconds=later))
    assert checkin.code_is_valid(SECRET, live, f"{shown.code[:3]} {shown.code[3:]}", at)
    assert checkin.code_is_valid(SECRET, live, f"{shown.code[:3]}-{shown.code[3:]}", at)
    # Still accepted in the following minute (for typing), not in the one after.
    assert checkin.code_is_valid(SECRET, live, shown.code, at + timedelta(seconds=100))
    assert not checkin.code_is_valid(SECRET, live, shown.code, at + timedelta(seconds=120))
    # Not a code from the future either.
    following = checkin.current_code(SECRET, live, at + timedelta(minutes=1)).code
    assert following != shown.code
    assert not checkin.code_is_valid(SECRET, live, following, at)
    # The codes of the minutes differ.
    codes = {
        checkin.current_code(SECRET, live, START + timedelta(minutes=m)).code for m in range(60)
    }
    assert len(codes) > 55


def test_the_code_belongs_to_one_session_and_one_secret():
    live = FakeLive(7, START, START + timedelta(hours=2))
    other = FakeLive(8, START, START + timedelta(hours=2))
    code = checkin.current_code(SECRET, live, START).code
    assert not checkin.code_is_valid(SECRET, other, code, START)
    assert not checkin.code_is_valid("another-secret", live, code, START)
    for typed in ("", "12345", "1234567", "abcdef", code + "0", "١٢٣٤٥٦"):
        assert not checkin.code_is_valid(SECRET, live, typed, START)


def test_the_window_opens_half_an_hour_before_and_closes_at_the_end():
    live = FakeLive(7, START, START + timedelta(hours=2))
    assert not checkin.is_open(live, START - timedelta(minutes=31))
    assert checkin.is_open(live, START - timedelta(minutes=30))
    assert checkin.is_open(live, START + timedelta(hours=2))
    assert not checkin.is_open(live, START + timedelta(hours=2, seconds=1))


# --- the service -------------------------------------------------------------------------


def test_check_in_is_scoped_to_the_window_and_idempotent(db, app_context):
    cohort = make_cohort(db)
    enrolment = make_enrolment(db, cohort=cohort)
    starts = datetime(2027, 3, 12, 17, 0, tzinfo=UTC)
    live = LiveSession(
        cohort=cohort, title="Kick-off", starts_at=starts, ends_at=starts + timedelta(hours=1)
    )
    db.add(live)
    db.flush()

    def attempt(at: datetime, typed: str | None = None) -> checkin.Outcome:
        code = checkin.current_code(SECRET, live, at).code if typed is None else typed
        return checkin.check_in(db, live, enrolment, code, secret=SECRET, now=at)

    assert attempt(starts - timedelta(minutes=31)) is checkin.Outcome.NOT_OPEN
    assert attempt(starts + timedelta(hours=1, minutes=1)) is checkin.Outcome.CLOSED
    valid = {checkin.current_code(SECRET, live, starts - timedelta(minutes=m)).code for m in (0, 1)}
    wrong = next(code for code in ("111111", "222222", "333333") if code not in valid)
    assert attempt(starts, wrong) is checkin.Outcome.WRONG_CODE
    assert attendance_rows(db, live) == []
    assert attempt(starts - timedelta(minutes=10)) is checkin.Outcome.CHECKED_IN
    assert attempt(starts + timedelta(minutes=5)) is checkin.Outcome.ALREADY
    rows = attendance_rows(db, live)
    assert [(r.enrolment_id, r.present, r.recorded_by_id) for r in rows] == [
        (enrolment.id, True, enrolment.user_id)
    ]
    # Checking in is taking part: the invited person has joined the round.
    assert enrolment.status == EnrolmentStatus.ACTIVE and enrolment.accepted_at is not None


def test_the_organizers_absent_mark_stands(db, app_context):
    organisation = make_organisation(db)
    organizer = make_organizer(db, organisation).user
    cohort = make_cohort(db, organisation)
    enrolment = make_enrolment(db, cohort=cohort, accepted_at=utcnow())
    live = make_live(db, cohort, starts_in=timedelta(minutes=-5))
    from academy.services import cohorts

    cohorts.save_attendance(db, live, {enrolment.id}, [enrolment.id], recorded_by_id=organizer.id)
    cohorts.save_attendance(db, live, set(), [enrolment.id], recorded_by_id=organizer.id)
    now = utcnow()
    code = checkin.current_code(SECRET, live, now).code
    outcome = checkin.check_in(db, live, enrolment, code, secret=SECRET, now=now)
    assert outcome is checkin.Outcome.MARKED_ABSENT
    assert [r.present for r in attendance_rows(db, live)] == [False]


def test_the_service_refuses_an_enrolment_of_another_round(db, app_context):
    live = make_live(db, make_cohort(db), starts_in=timedelta(0))
    stranger = make_enrolment(db, cohort=make_cohort(db))
    with pytest.raises(ValueError):
        checkin.check_in(db, live, stranger, "123456", secret=SECRET, now=utcnow())


# --- the pages ---------------------------------------------------------------------------


def test_a_participant_checks_in_with_the_code_of_the_organizers_screen(app, client, db):
    organisation = make_organisation(db)
    organizer = make_organizer(db, organisation).user
    cohort = make_cohort(db, organisation)
    enrolment = make_enrolment(db, cohort=cohort, accepted_at=utcnow())
    live = make_live(db, cohort, starts_in=timedelta(minutes=-10))

    client.login_as(organizer)
    screen = client.get(f"/organize/sessions/{live.id}/check-in")
    assert screen.status_code == 200
    body = text_of(screen)
    code = re.search(r'data-code="(\d{6})"', body).group(1)
    assert 'src="data:image/svg+xml' in body
    refresh = int(re.search(r'data-refresh-in="(\d+)"', body).group(1))
    assert 1 <= refresh <= 60
    assert "0 people are marked present." in body
    assert screen.headers["Content-Security-Policy"].startswith("default-src 'self'")
    assert '<script src="/static/js/checkin-screen.js" defer></script>' in body
    round_page = text_of(client.get(f"/organize/cohorts/{cohort.id}"))
    assert f"/organize/sessions/{live.id}/check-in" in round_page

    client.login_as(enrolment.user)
    dashboard = text_of(client.get("/learn/"))
    assert f'action="/learn/sessions/{live.id}/check-in"' in dashboard
    answer = client.post_form(f"/learn/sessions/{live.id}/check-in", {"code": code})
    assert answer.status_code == 302 and answer.headers["Location"].endswith("/learn/")
    dashboard = text_of(client.get("/learn/"))
    assert "You are checked in to Walk at Torpa torg." in dashboard
    # Twice is once.
    client.post_form(f"/learn/sessions/{live.id}/check-in", {"code": code_now(app, live)})
    assert len(attendance_rows(db, live)) == 1

    # The organizer sees it, and can still change it on the attendance page.
    client.login_as(organizer)
    assert "1 person is marked present." in text_of(
        client.get(f"/organize/sessions/{live.id}/check-in")
    )
    client.post_form(f"/organize/sessions/{live.id}/attendance", {"listed": enrolment.id})
    assert [r.present for r in attendance_rows(db, live)] == [False]


def test_the_qr_code_opens_the_check_in_with_the_code_filled_in(app, client, db):
    cohort = make_cohort(db)
    enrolment = make_enrolment(db, cohort=cohort)
    live = make_live(db, cohort, starts_in=timedelta(minutes=20))
    code = code_now(app, live)
    client.login_as(enrolment.user)
    page = client.get(f"/learn/sessions/{live.id}/check-in?code={code}")
    assert page.status_code == 200
    assert f'value="{code}"' in text_of(page)
    assert attendance_rows(db, live) == []  # a GET changes nothing
    client.post_form(f"/learn/sessions/{live.id}/check-in", {"code": code})
    assert [r.enrolment_id for r in attendance_rows(db, live)] == [enrolment.id]


def test_the_qr_code_scanned_when_logged_out_comes_back_after_the_login(app, client, db):
    cohort = make_cohort(db)
    enrolment = make_enrolment(db, cohort=cohort)
    live = make_live(db, cohort, starts_in=timedelta(minutes=-1))
    code = code_now(app, live)
    address = f"/learn/sessions/{live.id}/check-in?code={code}"
    answer = client.get(address)
    assert answer.status_code == 302 and answer.headers["Location"].startswith("/login?next=")
    logged_in = client.post_form(
        "/login", {"email": enrolment.user.email, "password": PASSWORD, "next": address}
    )
    assert logged_in.headers["Location"] == address
    assert f'value="{code}"' in text_of(client.get(address))


def test_wrong_and_missing_codes_are_said_at_the_field(app, client, db):
    cohort = make_cohort(db)
    enrolment = make_enrolment(db, cohort=cohort)
    live = make_live(db, cohort, starts_in=timedelta(0))
    client.login_as(enrolment.user)
    target = f"/learn/sessions/{live.id}/check-in"
    wrong = "111111" if code_now(app, live) != "111111" else "222222"
    answer = client.post_form(target, {"code": wrong})
    assert answer.status_code == 200
    body = text_of(answer)
    assert 'class="field-error" id="code-error"' in body
    assert "That is not the code of this session." in body
    answer = client.post_form(target, {"code": ""})
    assert "Type the code shown on the organizer&#39;s screen." in text_of(answer)
    assert attendance_rows(db, live) == []


def test_wrong_codes_are_limited_per_user(app, client, db):
    cohort = make_cohort(db)
    enrolment = make_enrolment(db, cohort=cohort)
    live = make_live(db, cohort, starts_in=timedelta(0))
    client.login_as(enrolment.user)
    target = f"/learn/sessions/{live.id}/check-in"
    right = code_now(app, live)
    wrong = "111111" if right != "111111" else "222222"
    for _ in range(10):
        assert "That is not the code" in text_of(client.post_form(target, {"code": wrong}))
    # The eleventh attempt is refused, even with the right code, and said at the field.
    answer = client.post_form(target, {"code": right})
    assert answer.status_code == 200
    assert "Too many wrong codes." in text_of(answer)
    assert attendance_rows(db, live) == []
    # Another participant is not held up.
    other = make_enrolment(db, cohort=cohort)
    client.login_as(other.user)
    assert client.post_form(target, {"code": code_now(app, live)}).status_code == 302


def test_the_check_in_is_in_the_users_language(app, client, db):
    cohort = make_cohort(db)
    enrolment = make_enrolment(db, cohort=cohort)
    enrolment.user.locale = "sv"
    live = make_live(db, cohort, starts_in=timedelta(0))
    db.flush()
    client.login_as(enrolment.user)
    body = text_of(client.post_form(f"/learn/sessions/{live.id}/check-in", {"code": "x"}))
    assert "Det är inte koden för den här kursträffen." in body


@pytest.mark.parametrize(
    "case", ["other-session", "other-round", "withdrawn", "not-enrolled", "before", "after"]
)
def test_check_in_works_only_for_that_session_round_and_time(app, client, db, case):
    cohort = make_cohort(db)
    enrolment = make_enrolment(db, cohort=cohort, accepted_at=utcnow())
    live = make_live(db, cohort, starts_in=timedelta(minutes=-10))
    code = code_now(app, live)
    target = live
    expected = 200
    if case == "other-session":
        target = make_live(db, cohort, starts_in=timedelta(minutes=-5), title="Second walk")
    elif case == "other-round":
        target = make_live(db, make_cohort(db), starts_in=timedelta(minutes=-10))
        expected = 404
    elif case == "withdrawn":
        enrolment.status = EnrolmentStatus.WITHDRAWN
        expected = 404
    elif case == "not-enrolled":
        enrolment = make_enrolment(db, cohort=make_cohort(db))
        expected = 404
    elif case == "before":
        target = make_live(db, cohort, starts_in=timedelta(minutes=45))
        code = code_now(app, target)
    elif case == "after":
        target = make_live(db, cohort, starts_in=timedelta(hours=-3))
        code = code_now(app, target)
    db.flush()
    client.login_as(enrolment.user)
    answer = client.post_form(f"/learn/sessions/{target.id}/check-in", {"code": code})
    assert answer.status_code == expected
    assert db.scalar(select(func.count()).select_from(Attendance)) == 0
    if case == "before":
        assert "Check-in opens 30 minutes before the session starts." in text_of(answer)
    if case == "after":
        assert "check-in is closed" in text_of(answer)


def test_a_check_in_completes_the_course_and_issues_the_certificate(app, client, db, course):
    organisation = make_organisation(db)
    cohort = make_cohort(db, organisation, attendance_required=True, required_sessions=1)
    enrolment = make_enrolment(db, cohort=cohort)
    live = make_live(db, cohort, starts_in=timedelta(minutes=-15))
    client.login_as(enrolment.user)
    complete_everything(client, enrolment, course)
    db.refresh(enrolment)
    assert enrolment.status == EnrolmentStatus.ACTIVE
    assert "Attend 1 more live session" in text_of(client.get("/learn/"))

    client.post_form(f"/learn/sessions/{live.id}/check-in", {"code": code_now(app, live)})
    db.refresh(enrolment)
    assert enrolment.status == EnrolmentStatus.COMPLETED
    certificate = db.scalars(
        select(Certificate).where(Certificate.enrolment_id == enrolment.id)
    ).one()
    dashboard = text_of(client.get("/learn/"))
    assert "You have completed the course." in dashboard and "Your certificate" in dashboard
    assert (
        f"/certificates/{certificate.id}/" in dashboard or "Download the certificate" in dashboard
    )


# --- a session tied to a part -------------------------------------------------------------


def test_a_session_tied_to_a_part_asks_to_finish_it_first(client, db, course):
    organisation = make_organisation(db, timezone="Europe/Oslo")
    organizer = make_organizer(db, organisation).user
    cohort = make_cohort(db, organisation)
    enrolment = make_enrolment(db, cohort=cohort)
    part = course.parts[1]

    client.login_as(organizer)
    form_page = text_of(client.get(f"/organize/cohorts/{cohort.id}/sessions/new"))
    assert f'<option value="{part.slug}">{part.title["en"]}</option>' in form_page
    day = (utcnow() + timedelta(days=10)).date()
    answer = client.post_form(
        f"/organize/cohorts/{cohort.id}/sessions/new",
        {
            "title": "Walk at Torpa torg",
            "day": day.isoformat(),
            "starts": "17:00",
            "ends": "19:00",
            "part_slug": part.slug,
        },
    )
    assert answer.status_code == 302
    live = db.scalars(select(LiveSession).where(LiveSession.cohort_id == cohort.id)).one()
    assert live.part_slug == part.slug
    assert f"About {part.title['en']}" in text_of(client.get(f"/organize/cohorts/{cohort.id}"))
    edit = text_of(client.get(f"/organize/sessions/{live.id}/edit"))
    assert f'<option selected value="{part.slug}">' in edit
    # A part that is not the course's is refused at the field.
    bad = client.post_form(
        f"/organize/sessions/{live.id}/edit",
        {
            "title": "x",
            "day": day.isoformat(),
            "starts": "17:00",
            "ends": "19:00",
            "part_slug": "nope",
        },
    )
    assert bad.status_code == 200 and "Not a valid choice" in text_of(bad)

    client.login_as(enrolment.user)
    date_shown = f"{day.day} {day.strftime('%B')}"
    dashboard = text_of(client.get("/learn/"))
    assert f"Before the session on {date_shown}: finish {part.title['en']}." in dashboard
    enrolment.user.locale = "sv"
    db.flush()
    dashboard = text_of(client.get("/learn/"))
    assert f"Före kursträffen den {day.day} " in dashboard

    # Once the part is done the dashboard stops asking.
    complete_part(client, enrolment, part)
    dashboard = text_of(client.get("/learn/"))
    assert "Före kursträffen" not in dashboard
