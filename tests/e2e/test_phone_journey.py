"""A Swedish participant on a 360 px phone meets what the first real round showed:

- an error in the quiz and in the placemaking assignment is summarised at the top, each
  problem a link to its field, in Swedish, with the answers and the rows kept;
- having done every step but lacking a live session, the dashboard says what is missing
  and when the next session is, never that the course is completed;
- an assignment returned for revision comes first on the dashboard card, before and after
  completion (when the certificate stands);
- a lesson's table is laid out so that no word is cut;
- every page visited has a title of its own.

Runs axe (WCAG 2 A and AA) on each page and saves screenshots as
test-results/screenshots/phone-*.png.
"""

from __future__ import annotations

import re
from datetime import timedelta

import pytest
from playwright.sync_api import Page, expect
from sqlalchemy import select

from academy.content import get_course
from academy.db import get_session
from academy.models import (
    Attendance,
    AudienceRole,
    Enrolment,
    EnrolmentStatus,
    LiveSession,
    utcnow,
)
from academy.services import accounts, cohorts, enrolments, progress
from tests.e2e import signing_in
from tests.e2e.test_participant_journey import asked_items, no_sideways_scroll, serious_violations
from tests.test_route_security import _assignment_answers

pytestmark = pytest.mark.e2e

COURSE = "safer-places"
PART = "placemaking"
EMAIL = "maja.phone@example.se"
PASSWORD = "ett långt och bra lösenord"
LONG = (
    "Folk sitter på bänkarna vid kiosken mellan tolv och ett; efter fem är platsen tom och "
    "belysningen vid cykelstället är trasig."
)


@pytest.fixture
def round_with_attendance(live_server):
    """A round that asks for one live session, with one next week; a Swedish participant
    who has done every part but the last through the services."""
    with live_server.app.app_context():
        session = get_session()
        course = get_course(COURSE)
        organisation = cohorts.get_or_create_organisation(session, "Värnamo kommun")
        cohort = cohorts.create_cohort(
            session,
            organisation,
            course_slug=COURSE,
            name="Tryggare Värnamo, våren 2027",
            attendance_required=True,
            required_sessions=1,
        )
        starts = utcnow() + timedelta(days=5)
        session.add(
            LiveSession(
                cohort=cohort,
                title="Trygghetsvandring vid stationen",
                starts_at=starts,
                ends_at=starts + timedelta(hours=2),
            )
        )
        enrolment, _token = enrolments.invite_participant(
            session,
            cohort,
            email=EMAIL,
            name="Maja Ödegård",
            role=AudienceRole.TRADER,
            locale="sv",
        )
        accounts.set_password(enrolment.user, PASSWORD)
        enrolment.accepted_at = utcnow()
        for part in course.parts:
            for lesson in part.lessons:
                progress.complete_lesson(session, enrolment, course, part, lesson.slug)
            if part.slug == PART:
                continue
            answers = {
                item.slug: next(c.slug for c in item.choices if c.correct)
                for item in part.quiz.draw(f"phone-{part.slug}")
            }
            progress.submit_quiz(session, enrolment, course, part, answers, f"phone-{part.slug}")
            progress.save_assignment(
                session,
                enrolment,
                course,
                part,
                _assignment_answers(part.assignment.fields),
                submit=True,
            )
        session.commit()
        return course, cohort.id, enrolment.id


class Phone:
    """A 360 px browser that checks every page it shows and remembers its title."""

    def __init__(self, page: Page, shots):
        self.page = page
        self.shots = shots
        self.titles: dict[str, str] = {}

    def look(self, name: str) -> None:
        assert serious_violations(self.page) == [], name
        assert no_sideways_scroll(self.page), name
        title = self.page.title()
        path = re.sub(r"\d+", "#", self.page.url.split("?")[0].split("#")[0])
        self.titles.setdefault(path, title)
        self.page.screenshot(path=self.shots / f"phone-{name}.png", full_page=True)

    def card_text(self) -> str:
        return " ".join(self.page.locator(".course-card").first.inner_text().split())


def test_a_swedish_participant_on_a_phone(
    page: Page, live_server, round_with_attendance, screenshot_dir
):
    course, cohort_id, enrolment_id = round_with_attendance
    part = course.part(PART)
    page.set_viewport_size({"width": 360, "height": 780})
    phone = Phone(page, screenshot_dir)
    signing_in.log_in(page, EMAIL, PASSWORD)
    page.wait_for_url("**/")
    page.goto("/learn/")
    phone.look("dashboard-steps-left")

    # A lesson with a table: its cells become cards, no word is cut.
    lesson = next(
        lesson for p in course.parts for lesson in p.lessons if "<table" in lesson.body_html["sv"]
    )
    lesson_part = next(p for p in course.parts if lesson in p.lessons)
    page.goto(f"/learn/{enrolment_id}/{lesson_part.slug}/{lesson.slug}")
    table = page.locator(".lesson-body table").first
    table.screenshot(path=screenshot_dir / "phone-lesson-table-only.png")
    phone.look("lesson-table")

    # The quiz with its last question left out.
    page.goto(f"/learn/{enrolment_id}/{PART}/quiz")
    phone.look("quiz")
    asked = asked_items(page, part)
    for item in asked[:-1]:
        correct = next(c for c in item.choices if c.correct)
        page.check(f'input[name="item_{item.slug}"][value="{correct.slug}"]')
    page.locator("form.quiz button[type=submit]").click()
    summary = page.locator(".error-summary")
    expect(summary).to_contain_text("Något behöver rättas")
    last = len(asked)
    link = summary.get_by_role("link", name=f"Fråga {last}: Välj ett svar.")
    expect(link).to_have_count(1)
    expect(page.locator("main")).not_to_contain_text("Not a valid choice")
    phone.look("quiz-error")
    link.click()
    target = page.locator(f"#item_{asked[-1].slug}-0")
    expect(target).to_be_in_viewport()
    # The answers given are kept; answering the last one passes.
    expect(page.locator("form.quiz input[type=radio]:checked")).to_have_count(last - 1)
    final = asked[-1]
    page.check(
        f'input[name="item_{final.slug}"]'
        f'[value="{next(c for c in final.choices if c.correct).slug}"]'
    )
    page.locator("form.quiz button[type=submit]").click()
    expect(page.locator(".result-pass")).to_be_visible()

    # The assignment with one observation where three are needed.
    page.goto(f"/learn/{enrolment_id}/{PART}/assignment")
    for spec in part.assignment.fields:
        if spec.type == "repeat":
            page.fill('[name="observations-0-spot"]', "Bänken vid kiosken")
            page.fill('[name="observations-0-observation"]', LONG)
            page.check('input[name="observations-0-category"][value="activity"]')
        elif spec.type == "choice":
            page.check(f'input[name="{spec.slug}"][value="{spec.choices[0].slug}"]')
        else:
            page.fill(f'[name="{spec.slug}"]', (LONG * 40)[: max(spec.min_length or 0, 130)])
    page.locator('button[name="action"][value="submit"]').click()
    summary = page.locator(".error-summary")
    expect(summary).to_contain_text("Iakttagelser")
    expect(summary).to_contain_text("minst 3")
    phone.look("assignment-error")
    summary.get_by_role("link").first.click()
    expect(page.locator("#observations-1-spot")).to_be_in_viewport()
    expect(page.locator('[name="observations-0-spot"]')).to_have_value("Bänken vid kiosken")
    expect(page.locator('[name="observations-2-spot"]')).to_have_count(1)
    for row, spot in ((1, "Cykelstället bakom häcken"), (2, "Gångtunneln mot stationen")):
        page.fill(f'[name="observations-{row}-spot"]', spot)
        page.fill(f'[name="observations-{row}-observation"]', LONG)
        page.check(f'input[name="observations-{row}-category"][value="lighting"]')
    page.locator('button[name="action"][value="submit"]').click()
    expect(page.locator(".error-summary")).to_have_count(0)

    # Every step done, a live session missing: said, with the next session's date.
    page.goto("/learn/")
    card = phone.card_text()
    assert "Du har slutfört kursen" not in card
    assert "Var med på 1 kursträff till för att slutföra kursen." in card
    assert "Trygghetsvandring vid stationen" in card
    phone.look("dashboard-attendance-missing")

    # The organizer returns the placemaking assignment: the notice comes first.
    with live_server.app.app_context():
        session = get_session()
        enrolment = session.get(Enrolment, enrolment_id)
        submission = progress.get_submission(session, enrolment, part)
        progress.review_assignment(
            session,
            submission,
            enrolment,
            course,
            approve=False,
            comment="Beskriv vilken tid på dygnet du iakttog varje ställe.",
            reviewer_id=None,
        )
        session.commit()
    page.reload()
    card = phone.card_text()
    assert card.index("skickat tillbaka inlämningsuppgiften") < card.index("Kursträffar")
    phone.look("dashboard-returned")

    # Resubmitted, and present at a session held yesterday: completed, with a certificate.
    page.goto(f"/learn/{enrolment_id}/{PART}/assignment")
    page.locator('button[name="action"][value="submit"]').click()
    with live_server.app.app_context():
        session = get_session()
        enrolment = session.get(Enrolment, enrolment_id)
        held = LiveSession(
            cohort_id=cohort_id,
            title="Uppstartsträff",
            starts_at=utcnow() - timedelta(days=1),
            ends_at=utcnow() - timedelta(days=1) + timedelta(hours=2),
        )
        session.add(held)
        session.flush()
        session.add(Attendance(live_session_id=held.id, enrolment_id=enrolment.id))
        session.flush()
        progress.update_completion(session, enrolment, course)
        session.commit()
        assert enrolment.status == EnrolmentStatus.COMPLETED
    page.goto("/learn/")
    expect(page.locator(".course-card .flash-success")).to_contain_text("Du har slutfört kursen")
    expect(page.locator(".certificate-box")).to_be_visible()
    phone.look("dashboard-completed")

    # Returned after completion (confirmed by the organizer): the certificate stands.
    with live_server.app.app_context():
        session = get_session()
        enrolment = session.scalar(select(Enrolment).where(Enrolment.id == enrolment_id))
        submission = progress.get_submission(session, enrolment, part)
        progress.review_assignment(
            session,
            submission,
            enrolment,
            course,
            approve=False,
            comment="Lägg gärna till ett foto av kiosken.",
            reviewer_id=None,
            confirmed_after_completion=True,
        )
        session.commit()
    page.reload()
    card = phone.card_text()
    assert card.index("skickat tillbaka inlämningsuppgiften") < card.index("Ditt intyg")
    assert "Du har slutfört kursen" in card
    phone.look("dashboard-returned-after-completion")

    page.goto(f"/learn/{enrolment_id}/")
    phone.look("course")

    # Every page has a title of its own: not empty, and no two kinds of page share one.
    assert all(title and not title.startswith("·") for title in phone.titles.values())
    assert len(set(phone.titles.values())) == len(phone.titles), phone.titles
