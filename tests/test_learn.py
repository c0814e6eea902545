"""The participant's journey through a course: lessons, quizzes, assignments, completion."""

from __future__ import annotations

import re

import pytest
from sqlalchemy import func, select

from academy.content import get_course
from academy.models import (
    AssignmentSubmission,
    EnrolmentStatus,
    LessonProgress,
    PartState,
    QuizAttempt,
    SubmissionStatus,
)
from academy.services import progress as progress_service
from tests.factories import make_cohort, make_enrolment, make_user
from tests.ical_readers import read_ics

LONG = "Bikes are stolen from the unlit stand behind the station every evening after seven."


@pytest.fixture
def course(app):
    with app.app_context():
        return get_course("safer-streets")


@pytest.fixture
def enrolment(db):
    return make_enrolment(db)


def url(enrolment, *parts):
    return "/learn/" + "/".join([str(enrolment.id), *parts])


def nonce_of(page: bytes) -> str:
    return re.search(rb'name="nonce" type="hidden" value="([^"]+)"', page).group(1).decode()


def quiz_answers(part, *, correct: bool) -> dict[str, str]:
    answers = {}
    for item in part.quiz.items:
        choice = next(c for c in item.choices if c.correct == correct)
        answers[f"item_{item.slug}"] = choice.slug
    return answers


def assignment_answers(part) -> dict[str, str]:
    """Valid answers for every field of the fixture assignments (first row of repeats)."""
    data = {}
    for spec in part.assignment.fields:
        fields = spec.fields if spec.type == "repeat" else (spec,)
        prefix = f"{spec.slug}-0-" if spec.type == "repeat" else ""
        for sub in fields:
            if sub.type == "choice":
                data[prefix + sub.slug] = sub.choices[0].slug
            else:
                data[prefix + sub.slug] = LONG[: sub.max_length]
    return data


def test_dashboard_without_courses_says_so(client, db):
    client.login_as(make_user(db))
    page = client.get("/learn/")
    assert page.status_code == 200
    assert b"not enrolled in any course yet" in page.data


def test_dashboard_shows_progress_and_the_next_step(client, db, enrolment, course):
    client.login_as(enrolment.user)
    page = client.get("/learn/").data.decode()
    assert enrolment.cohort.name in page
    assert "Continue: Situational prevention, lesson 1" in page or "Continue:" in page
    assert page.count("<progress") == len(course.parts)
    resume = client.get(url(enrolment, "continue"))
    first = course.parts[0]
    assert resume.headers["Location"] == "/" + "/".join(
        ["learn", str(enrolment.id), first.slug, first.lessons[0].slug]
    )


def test_reading_a_lesson_records_nothing_until_done_is_pressed(client, db, enrolment, course):
    client.login_as(enrolment.user)
    part = course.parts[0]
    first, second = part.lessons[0], part.lessons[1]
    page = client.get(url(enrolment, part.slug, first.slug))
    assert page.status_code == 200
    assert first.title["en"].encode() in page.data
    assert db.scalar(select(func.count()).select_from(LessonProgress)) == 0

    response = client.post_form(url(enrolment, part.slug, first.slug))

    assert response.headers["Location"] == url(enrolment, part.slug, second.slug)
    assert db.scalar(select(func.count()).select_from(LessonProgress)) == 1
    db.refresh(enrolment)
    assert enrolment.status == EnrolmentStatus.ACTIVE
    # Pressing it twice changes nothing.
    client.post_form(url(enrolment, part.slug, first.slug))
    assert db.scalar(select(func.count()).select_from(LessonProgress)) == 1


def test_lesson_shows_the_participants_own_role_note_first(client, db, course):
    part, lesson = next(
        (p, lesson) for p in course.parts for lesson in p.lessons if lesson.role_notes["en"]
    )
    roles = list(lesson.role_notes["en"])
    enrolment = make_enrolment(db, role=roles[-1])
    client.login_as(enrolment.user)
    page = client.get(url(enrolment, part.slug, lesson.slug)).data.decode()
    assert "role-note-own" in page
    own = page.index("role-note-own")
    assert all(page.index('class="role-note"', own) > own for _ in [0] if len(roles) > 1)


def test_other_peoples_enrolments_are_not_found(client, db, enrolment, course):
    stranger = make_user(db)
    client.login_as(stranger)
    part = course.parts[0]
    for path in (
        url(enrolment) + "/",
        url(enrolment, part.slug) + "/",
        url(enrolment, part.slug, part.lessons[0].slug),
        url(enrolment, part.slug, "quiz"),
        url(enrolment, part.slug, "assignment"),
    ):
        assert client.get(path).status_code == 404, path
    assert client.post_form(url(enrolment, part.slug, part.lessons[0].slug)).status_code == 404
    assert db.scalar(select(func.count()).select_from(LessonProgress)) == 0


def test_withdrawn_enrolments_are_closed(client, db, course):
    enrolment = make_enrolment(db, status=EnrolmentStatus.WITHDRAWN)
    client.login_as(enrolment.user)
    assert client.get(url(enrolment) + "/").status_code == 404
    assert b"not enrolled" in client.get("/learn/").data


def test_unknown_parts_and_lessons_are_not_found(client, db, enrolment):
    client.login_as(enrolment.user)
    assert client.get(url(enrolment, "no-such-part") + "/").status_code == 404
    assert client.get(url(enrolment, "situational-prevention", "nope")).status_code == 404


def test_learn_pages_need_a_login(client, enrolment):
    assert client.get("/learn/").headers["Location"].startswith("/login")


def test_quiz_fail_then_retry_reshuffled_then_pass(client, db, enrolment, course):
    client.login_as(enrolment.user)
    part = course.parts[0]
    first_form = client.get(url(enrolment, part.slug, "quiz")).data
    nonce = nonce_of(first_form)

    failed = client.post_form(
        url(enrolment, part.slug, "quiz"), {"nonce": nonce, **quiz_answers(part, correct=False)}
    )
    result = client.get(failed.headers["Location"]).data.decode()
    assert "Not passed this time" in result
    for item in part.quiz.items:
        wrong = next(c for c in item.choices if not c.correct)
        assert wrong.feedback["en"] in result

    second_form = client.get(url(enrolment, part.slug, "quiz")).data
    assert nonce_of(second_form) != nonce
    passed = client.post_form(
        url(enrolment, part.slug, "quiz"),
        {"nonce": nonce_of(second_form), **quiz_answers(part, correct=True)},
    )
    assert "You passed." in client.get(passed.headers["Location"]).data.decode()
    state = progress_service.load_progress(db, [enrolment.id])[enrolment.id].part(part.slug)
    assert state.quiz_passed and state.attempts == 2


def test_quiz_double_submit_records_one_attempt(client, db, enrolment, course):
    client.login_as(enrolment.user)
    part = course.parts[0]
    data = {
        "nonce": nonce_of(client.get(url(enrolment, part.slug, "quiz")).data),
        **quiz_answers(part, correct=True),
    }
    first = client.post_form(url(enrolment, part.slug, "quiz"), data)
    second = client.post_form(url(enrolment, part.slug, "quiz"), data)
    assert first.headers["Location"] == second.headers["Location"]
    assert db.scalar(select(func.count()).select_from(QuizAttempt)) == 1


def test_quiz_tampering_is_rejected_cleanly(client, db, enrolment, course):
    client.login_as(enrolment.user)
    part = course.parts[0]
    nonce = nonce_of(client.get(url(enrolment, part.slug, "quiz")).data)
    answers = quiz_answers(part, correct=True)

    unknown_item = client.post_form(
        url(enrolment, part.slug, "quiz"), {"nonce": nonce, **answers, "item_forged": "a"}
    )
    assert unknown_item.status_code == 400

    bad_choice = dict(answers)
    bad_choice[next(iter(bad_choice))] = "not-a-choice"
    response = client.post_form(url(enrolment, part.slug, "quiz"), {"nonce": nonce, **bad_choice})
    assert response.status_code == 200
    assert b"Choose one of the answers shown." in response.data

    missing = dict(answers)
    missing.pop(next(iter(missing)))
    response = client.post_form(url(enrolment, part.slug, "quiz"), {"nonce": nonce, **missing})
    assert b"Choose an answer." in response.data
    assert db.scalar(select(func.count()).select_from(QuizAttempt)) == 0


def test_assignment_drafts_submissions_and_validation(client, db, enrolment, course):
    client.login_as(enrolment.user)
    part = course.parts[0]
    path = url(enrolment, part.slug, "assignment")
    assert client.get(path).status_code == 200

    draft = client.post_form(path, {"action": "draft", "place": "Stationen"})
    assert draft.headers["Location"] == path
    saved = db.scalars(select(AssignmentSubmission)).one()
    assert saved.status == SubmissionStatus.DRAFT and saved.answers["place"] == "Stationen"
    assert "Stationen" in client.get(path).data.decode()

    empty = client.post_form(path, {"action": "submit"})
    assert empty.status_code == 200
    assert b"This needs an answer." in empty.data

    too_short = assignment_answers(part)
    long_fields = [f for f in part.assignment.fields if (f.min_length or 0) > 5]
    too_short[long_fields[0].slug] = "short"
    response = client.post_form(path, {"action": "submit", **too_short})
    assert b"Write at least" in response.data

    submitted = client.post_form(path, {"action": "submit", **assignment_answers(part)})
    assert submitted.status_code == 302
    db.refresh(saved)
    assert saved.status == SubmissionStatus.SUBMITTED and saved.submitted_at is not None


def test_expired_csrf_on_an_assignment_keeps_the_text(client, db, enrolment, course):
    client.login_as(enrolment.user)
    part = course.parts[0]
    path = url(enrolment, part.slug, "assignment")
    data = {"action": "submit", **assignment_answers(part), "csrf_token": "expired-token"}
    response = client.flask.post(path, data=data)
    assert response.status_code == 400
    assert b"Nothing is lost" in response.data
    assert LONG[:40].encode() in response.data
    assert db.scalar(select(func.count()).select_from(AssignmentSubmission)) == 0


def test_repeat_groups_grow_on_request_and_ignore_empty_rows(client, db, course):
    part = course.part("safe-design")
    enrolment = make_enrolment(db)
    client.login_as(enrolment.user)
    path = url(enrolment, part.slug, "assignment")
    repeat = next(f for f in part.assignment.fields if f.type == "repeat")
    page = client.post_form(path, {"action": f"add:{repeat.slug}", **assignment_answers(part)})
    assert page.status_code == 200
    assert f'name="{repeat.slug}-1-{repeat.fields[0].slug}"'.encode() in page.data
    # Submitting with the spare row left empty works; the empty row is not stored.
    client.post_form(path, {"action": "submit", **assignment_answers(part)})
    saved = db.scalars(select(AssignmentSubmission)).one()
    assert len(saved.answers[repeat.slug]) == 1


def complete_everything(client, enrolment, course):
    for part in course.parts:
        for lesson in part.lessons:
            client.post_form(url(enrolment, part.slug, lesson.slug))
        if part.quiz:
            nonce = nonce_of(client.get(url(enrolment, part.slug, "quiz")).data)
            client.post_form(
                url(enrolment, part.slug, "quiz"),
                {"nonce": nonce, **quiz_answers(part, correct=True)},
            )
        if part.assignment:
            client.post_form(
                url(enrolment, part.slug, "assignment"),
                {"action": "submit", **assignment_answers(part)},
            )


def test_completing_every_part_completes_the_course_in_the_same_request(
    client, db, enrolment, course, monkeypatch
):
    completed = []
    monkeypatch.setattr(
        progress_service.completing,
        "_completion_hooks",
        [lambda session, e, c: completed.append((e.id, c.slug))],
    )
    client.login_as(enrolment.user)
    complete_everything(client, enrolment, course)
    db.refresh(enrolment)
    assert enrolment.status == EnrolmentStatus.COMPLETED
    assert enrolment.completed_at is not None
    completed_parts = select(func.count()).where(
        PartState.enrolment_id == enrolment.id, PartState.completed_at.is_not(None)
    )
    assert db.scalar(completed_parts) == len(course.parts)
    assert completed == [(enrolment.id, course.slug)]
    assert b"You have completed the course." in client.get("/learn/").data


def test_required_attendance_holds_completion_back(client, db, course):
    cohort = make_cohort(db, attendance_required=True, required_sessions=1)
    enrolment = make_enrolment(db, cohort=cohort)
    client.login_as(enrolment.user)
    complete_everything(client, enrolment, course)
    db.refresh(enrolment)
    assert enrolment.status == EnrolmentStatus.ACTIVE


def test_dashboard_and_lesson_statement_counts_do_not_grow_with_cohorts(
    client, db, count_queries, course
):
    user = make_user(db)
    first = make_enrolment(db, user=user)
    client.login_as(user)
    part = course.parts[0]
    lesson_path = url(first, part.slug, part.lessons[0].slug)
    with count_queries() as one_dashboard:
        client.get("/learn/")
    with count_queries() as one_lesson:
        client.get(lesson_path)
    for _ in range(19):
        make_enrolment(db, user=user)
    with count_queries() as many_dashboard:
        client.get("/learn/")
    with count_queries() as many_lesson:
        client.get(lesson_path)
    assert one_dashboard.count == many_dashboard.count
    assert one_lesson.count == many_lesson.count


def test_diagrams_are_served_to_the_participant_only(client, db, enrolment, course):
    part = next(p for p in course.parts if p.images)
    name = next(iter(part.images))
    lesson_html = "".join(lesson.body_html["en"] for lesson in part.lessons)
    assert f'src="../{part.slug}/images/{name}.svg"' in lesson_html
    path = url(enrolment, part.slug, "images", f"{name}.svg")
    client.login_as(enrolment.user)
    response = client.get(path)
    assert response.status_code == 200
    assert response.content_type == "image/svg+xml"
    assert response.headers["X-Content-Type-Options"] == "nosniff"
    assert "default-src 'none'" in response.headers["Content-Security-Policy"]
    assert response.data == part.images[name].data
    assert (
        client.get(path, headers={"If-None-Match": f'"{part.images[name].sha256}"'}).status_code
        == 304
    )
    assert client.get(url(enrolment, part.slug, "images", "nope.svg")).status_code == 404
    client.login_as(make_user(db))
    assert client.get(path).status_code == 404


def test_dashboard_lists_upcoming_live_sessions_and_a_calendar(client, db, enrolment):
    from datetime import timedelta

    from academy.models import LiveSession, utcnow

    soon = utcnow() + timedelta(days=3)
    db.add_all(
        [
            LiveSession(
                cohort_id=enrolment.cohort_id,
                title="Trygghetsvandring vid stationen",
                starts_at=soon,
                ends_at=soon + timedelta(hours=2),
                location="Resecentrum, Vänersborg",
                video_url="",
            ),
            LiveSession(
                cohort_id=enrolment.cohort_id,
                title="Past session",
                starts_at=soon - timedelta(days=30),
                ends_at=soon - timedelta(days=30, hours=-1),
            ),
            LiveSession(
                cohort_id=enrolment.cohort_id,
                title="Video",
                starts_at=soon,
                ends_at=soon + timedelta(hours=1),
                video_url="javascript:alert(1)",
            ),
        ]
    )
    db.flush()
    client.login_as(enrolment.user)
    page = client.get("/learn/").data.decode()
    assert "Trygghetsvandring vid stationen" in page and "Resecentrum, Vänersborg" in page
    assert "Past session" not in page
    assert "javascript:" not in page
    ics = client.get(url(enrolment, "live-sessions.ics"))
    assert ics.content_type == "text/calendar; charset=utf-8"
    calendar = read_ics(ics.data)  # by icalendar and by vobject, agreeing
    assert calendar.name == enrolment.cohort.name and calendar.refresh is None
    assert len(calendar.events) == 3
    assert any(
        e.summary.startswith("Trygghetsvandring vid stationen") for e in calendar.events.values()
    )
    client.login_as(make_user(db))
    assert client.get(url(enrolment, "live-sessions.ics")).status_code == 404
