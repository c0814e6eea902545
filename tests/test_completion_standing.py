"""What a participant is told of completing the course, and what the organizer reads: one
answer from services.completion, never "completed" before the enrolment is."""

from __future__ import annotations

import re
from datetime import timedelta

import pytest
from sqlalchemy import func, select

from academy.content import get_course
from academy.models import (
    Attendance,
    AuditEvent,
    Certificate,
    EnrolmentStatus,
    LiveSession,
    OutboxMail,
    PartState,
    SubmissionStatus,
    utcnow,
)
from academy.services import certificate_pdf
from tests.factories import make_cohort, make_enrolment, make_organisation, make_organizer
from tests.test_learn import assignment_answers, complete_everything, url

COMPLETED = "You have completed the course."


@pytest.fixture
def course(app):
    with app.app_context():
        return get_course("safer-streets")


@pytest.fixture(autouse=True)
def cheap_pdf(monkeypatch):
    monkeypatch.setattr(
        certificate_pdf, "render_certificate", lambda certificate, _course, *, verify_url: b"%PDF"
    )


def live_session(db, cohort, *, days: int, title: str) -> LiveSession:
    starts = utcnow() + timedelta(days=days)
    live = LiveSession(
        cohort=cohort, title=title, starts_at=starts, ends_at=starts + timedelta(hours=2)
    )
    db.add(live)
    db.flush()
    return live


def text_of(response) -> str:
    return response.get_data(as_text=True)


def test_missing_attendance_is_said_everywhere_and_completed_only_when_it_is(client, db, course):
    organisation = make_organisation(db)
    organizer = make_organizer(db, organisation).user
    cohort = make_cohort(db, organisation, attendance_required=True, required_sessions=2)
    held = live_session(db, cohort, days=-3, title="Kick-off at the town hall")
    live_session(db, cohort, days=9, title="Walk at Torpa torg")
    enrolment = make_enrolment(db, cohort=cohort)
    db.add(Attendance(live_session_id=held.id, enrolment_id=enrolment.id))
    db.flush()
    client.login_as(enrolment.user)
    complete_everything(client, enrolment, course)
    db.refresh(enrolment)
    assert enrolment.status == EnrolmentStatus.ACTIVE

    for page in (client.get("/learn/"), client.get(url(enrolment) + "/")):
        body = text_of(page)
        assert COMPLETED not in body
        assert "Attend 1 more live session to complete the course." in body
        assert "The next one is Walk at Torpa torg on" in body
        assert "Course completed" not in body

    client.login_as(organizer)
    report = text_of(client.get(f"/organize/cohorts/{cohort.id}/report"))
    assert "1 more live session to attend" in report
    row = re.search(r"<tr>\s*<th scope=\"row\">.*?</tr>", report, re.S).group(0)
    assert "Completed" not in row

    # A second session, held and attended: now the course is completed, and said so.
    second = live_session(db, cohort, days=-1, title="Follow-up")
    client.post_form(
        f"/organize/sessions/{second.id}/attendance",
        {"listed": enrolment.id, "present": enrolment.id},
    )
    db.refresh(enrolment)
    assert enrolment.status == EnrolmentStatus.COMPLETED
    client.login_as(enrolment.user)
    dashboard = text_of(client.get("/learn/"))
    assert COMPLETED in dashboard and "Your certificate" in dashboard
    assert "more live session" not in dashboard


def test_an_assignment_waiting_for_approval_is_said_not_completed(client, db, course):
    cohort = make_cohort(db, assignments_need_approval=True)
    enrolment = make_enrolment(db, cohort=cohort)
    client.login_as(enrolment.user)
    complete_everything(client, enrolment, course)
    body = text_of(client.get("/learn/"))
    assert COMPLETED not in body
    assert "waits for your organizer's approval" in body or "wait for your organizer" in body


def test_lowering_the_required_sessions_completes_who_now_qualifies(client, db, course):
    organisation = make_organisation(db)
    organizer = make_organizer(db, organisation).user
    cohort = make_cohort(db, organisation, attendance_required=True, required_sessions=1)
    enrolment = make_enrolment(db, cohort=cohort)
    client.login_as(enrolment.user)
    complete_everything(client, enrolment, course)
    db.refresh(enrolment)
    assert enrolment.status == EnrolmentStatus.ACTIVE

    client.login_as(organizer)
    form = {
        "course": cohort.course_slug,
        "name": cohort.name,
        "required_sessions": "0",
        "starts_on": cohort.starts_on.isoformat(),
        "ends_on": cohort.ends_on.isoformat(),
        "deadline": cohort.deadline.isoformat(),
    }
    client.post_form(f"/organize/cohorts/{cohort.id}/edit", form)
    db.refresh(enrolment)
    assert enrolment.status == EnrolmentStatus.COMPLETED


def test_a_return_after_completion_is_confirmed_and_the_certificate_stands(client, db, course):
    organisation = make_organisation(db)
    organizer = make_organizer(db, organisation).user
    cohort = make_cohort(db, organisation)
    live_session(db, cohort, days=5, title="Walk at the station")
    enrolment = make_enrolment(db, cohort=cohort)
    client.login_as(enrolment.user)
    complete_everything(client, enrolment, course)
    certificate = db.scalars(
        select(Certificate).where(Certificate.enrolment_id == enrolment.id)
    ).one()
    part = next(p for p in course.parts if p.assignment)
    review = f"/organize/enrolments/{enrolment.id}/assignments/{part.slug}"

    client.login_as(organizer)
    asked = text_of(client.post_form(review, {"action": "return", "comment": "Name the spot."}))
    assert "has completed the course" in asked and "Return it all the same" in asked
    client.post_form(review, {"action": "return-confirmed", "comment": "Name the spot."})
    db.refresh(enrolment)
    assert enrolment.status == EnrolmentStatus.COMPLETED
    event = db.scalars(select(AuditEvent).where(AuditEvent.action == "assignment.returned")).one()
    assert event.details == {"part": part.slug, "after_completion": True}

    # The organizer's row, the participant's dashboard and /verify agree: it stands.
    round_page = text_of(client.get(f"/organize/cohorts/{cohort.id}"))
    assert f"/organize/enrolments/{enrolment.id}/certificate" in round_page
    assert "valid" in text_of(client.get(f"/verify/{certificate.code}")).lower()
    client.login_as(enrolment.user)
    dashboard = text_of(client.get("/learn/"))
    assert "Your certificate" in dashboard and COMPLETED in dashboard
    notice = dashboard.index("returned the assignment")
    # What the participant must act on comes first: before the certificate, the
    # progress bars and the live sessions.
    assert notice < dashboard.index("Your certificate") < dashboard.index("Live sessions")
    assert notice < dashboard.index('class="part-progress"')
    assert "Name the spot." in dashboard

    # The revision can be submitted again; the completion and the one certificate stay.
    client.post_form(
        url(enrolment, part.slug, "assignment"), {"action": "submit", **assignment_answers(part)}
    )
    db.refresh(enrolment)
    assert enrolment.status == EnrolmentStatus.COMPLETED
    state = db.scalars(
        select(PartState).where(
            PartState.enrolment_id == enrolment.id, PartState.part_slug == part.slug
        )
    ).one()
    assert state.completed_at is not None
    assert state.assignment_status == SubmissionStatus.SUBMITTED
    count = select(func.count()).select_from(Certificate)
    assert db.scalar(count.where(Certificate.enrolment_id == enrolment.id)) == 1


def test_a_return_before_completion_takes_the_part_back(client, db, course):
    organisation = make_organisation(db)
    organizer = make_organizer(db, organisation).user
    cohort = make_cohort(db, organisation, attendance_required=True, required_sessions=1)
    enrolment = make_enrolment(db, cohort=cohort)
    client.login_as(enrolment.user)
    complete_everything(client, enrolment, course)
    part = next(p for p in course.parts if p.assignment)
    client.login_as(organizer)
    client.post_form(
        f"/organize/enrolments/{enrolment.id}/assignments/{part.slug}",
        {"action": "return", "comment": "Name the spot."},
    )
    state = db.scalars(
        select(PartState).where(
            PartState.enrolment_id == enrolment.id, PartState.part_slug == part.slug
        )
    ).one()
    assert state.completed_at is None
    client.login_as(enrolment.user)
    dashboard = text_of(client.get("/learn/"))
    assert "returned the assignment" in dashboard and "more live session" not in dashboard


@pytest.mark.parametrize("language", ["en", "sv", "nb"])
def test_the_course_page_has_the_course_title(client, db, course, language):
    enrolment = make_enrolment(db)
    enrolment.user.locale = language
    db.flush()
    client.login_as(enrolment.user)
    page = text_of(client.get(url(enrolment) + "/"))
    title = re.search(r"<title>(.*?)</title>", page, re.S).group(1)
    assert title.strip() == f"{course.title[language]} · Academy"


def test_reminders_say_what_is_left_and_spare_who_only_waits_for_approval(app, client, db, course):
    deadline = (utcnow() + timedelta(days=3)).date()
    sessions = make_cohort(db, deadline=deadline, attendance_required=True, required_sessions=1)
    approval = make_cohort(db, deadline=deadline, assignments_need_approval=True)
    steps = make_cohort(db, deadline=deadline)
    lacking_a_session = make_enrolment(db, cohort=sessions)
    waiting = make_enrolment(db, cohort=approval)
    behind = make_enrolment(db, cohort=steps, status=EnrolmentStatus.ACTIVE)
    for enrolment in (lacking_a_session, waiting):
        client.login_as(enrolment.user)
        complete_everything(client, enrolment, course)
    db.commit()
    result = app.test_cli_runner().invoke(args=["reminders", "send"])
    assert "Reminders queued: 2" in result.output
    mails = {mail.to_address: mail for mail in db.scalars(select(OutboxMail))}
    assert waiting.user.email not in mails
    reminder = mails[lacking_a_session.user.email].body_text
    assert "attend 1 more live session to complete it" in reminder
    assert "you have some steps left" in mails[behind.user.email].body_text
