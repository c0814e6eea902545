"""A new participant, in Swedish, from the invitation link to a completed course.

Walks every lesson, quiz (failing the first one once) and assignment of the real course
in Chromium, runs axe (WCAG 2 A and AA, no rule disabled) on each kind of page, checks
that no page scrolls sideways on a 360 px phone, and saves screenshots.
"""

from __future__ import annotations

import pytest
from axe_playwright_python.sync_playwright import Axe
from playwright.sync_api import Page, expect
from sqlalchemy import select

from academy.content import get_course
from academy.db import get_session
from academy.models import AudienceRole, Enrolment, EnrolmentStatus
from academy.services import cohorts, enrolments

pytestmark = pytest.mark.e2e

COURSE = "safer-places"
ANSWER = (
    "Cyklar stjäls vid det mörka cykelstället bakom stationen, oftast mellan klockan sju "
    "och tio på kvällen när ingen rör sig där."
)
# WCAG 2 A and AA, and axe's best practice that landmarks of one kind (two navigations,
# two regions) have names that tell them apart: a moderate finding, required all the same.
REQUIRED_BEST_PRACTICES = ("landmark-unique",)
AXE_OPTIONS = {
    "runOnly": {"type": "tag", "values": ["wcag2a", "wcag2aa"]},
    "rules": {rule: {"enabled": True} for rule in REQUIRED_BEST_PRACTICES},
}


def asked_items(page, part):
    """The quiz items the form on ``page`` asks: drawn from the pool by its nonce."""
    return part.quiz.draw(page.locator('input[name="nonce"]').input_value())


def serious_violations(page: Page) -> list[str]:
    results = Axe().run(page, options=AXE_OPTIONS)
    return [
        f"{violation['id']} ({violation['impact']}): "
        + "; ".join(node["target"][0] for node in violation["nodes"][:3])
        for violation in results.response["violations"]
        if violation["impact"] in ("serious", "critical")
        or violation["id"] in REQUIRED_BEST_PRACTICES
    ]


def no_sideways_scroll(page: Page) -> bool:
    return page.evaluate("document.documentElement.scrollWidth <= window.innerWidth")


def check_both_widths(page: Page, folder, name: str, *, then: int | None = None) -> None:
    """The journeys' check of a page: axe at 1280 px, then at 360 px with no sideways
    scroll, each width photographed as ``folder/<name>-<width>.png``; the page is left at
    360 px, or at the width ``then`` (``then=0``: the width it had)."""
    width = page.viewport_size["width"]
    page.set_viewport_size({"width": 1280, "height": 900})
    assert serious_violations(page) == [], name
    page.screenshot(path=folder / f"{name}-1280.png", full_page=True)
    page.set_viewport_size({"width": 360, "height": 780})
    assert no_sideways_scroll(page), name
    assert serious_violations(page) == [], f"{name} at 360 px"
    page.screenshot(path=folder / f"{name}-360.png", full_page=True)
    if then is not None:
        back = then or width
        page.set_viewport_size({"width": back, "height": 900 if back > 360 else 780})


@pytest.fixture
def invitation_link(live_server) -> tuple[str, int]:
    with live_server.app.app_context():
        session = get_session()
        organisation = cohorts.get_or_create_organisation(session, "Vänersborgs kommun")
        cohort = cohorts.create_cohort(
            session, organisation, course_slug=COURSE, name="Tryggare centrum, våren 2027"
        )
        enrolment, token = enrolments.invite_participant(
            session,
            cohort,
            email="asa.journey@example.se",
            name="Åsa",
            role=AudienceRole.PROPERTY_OWNER,
            locale="sv",
        )
        session.commit()
        return f"{live_server.url}/invite/{token}", enrolment.id


class Journey:
    """Moves through the course as a participant would, checking each kind of page once."""

    def __init__(self, page: Page, course, shots):
        self.page = page
        self.course = course
        self.shots = shots
        self.checked: set[str] = set()
        self.failed_once = False

    def check(self, kind: str) -> None:
        if kind in self.checked:
            return
        self.checked.add(kind)
        assert serious_violations(self.page) == [], kind
        self.page.screenshot(path=self.shots / f"journey-{kind}-1280.png", full_page=True)
        self.page.set_viewport_size({"width": 360, "height": 780})
        assert no_sideways_scroll(self.page), kind
        self.page.screenshot(path=self.shots / f"journey-{kind}-360.png", full_page=True)
        self.page.set_viewport_size({"width": 1280, "height": 900})

    def part_of(self, url: str):
        return next(part for part in self.course.parts if f"/{part.slug}/" in url)

    def lesson(self) -> None:
        self.check("lesson")
        self.submit_and_leave(self.page.locator("form.lesson-done button[type=submit]"))

    def submit_and_leave(self, button) -> None:
        """Click and wait for the next page: the loop reads the URL and the form of the
        page it is on, which must not be the one being left."""
        before = self.page.url
        button.click()
        self.page.wait_for_url(lambda url: url != before)
        self.page.wait_for_load_state()

    def quiz(self) -> None:
        self.check("quiz")
        part = self.part_of(self.page.url)
        wrong = not self.failed_once
        for item in asked_items(self.page, part):
            choice = next(c for c in item.choices if c.correct != wrong)
            self.page.check(f'input[name="item_{item.slug}"][value="{choice.slug}"]')
        self.page.locator("form.quiz button[type=submit]").click()
        expect(self.page.locator(".result-score")).to_be_visible()
        self.check("quiz-result")
        if wrong:
            self.failed_once = True
            expect(self.page.locator(".result-fail")).to_be_visible()
            self.page.locator(".actions a.button").click()
            self.quiz()
        else:
            expect(self.page.locator(".result-pass")).to_be_visible()
            self.submit_and_leave(self.page.locator(".actions a.button"))

    def assignment(self) -> None:
        self.check("assignment")
        part = self.part_of(self.page.url)
        for spec in part.assignment.fields:
            if spec.type == "repeat":
                for row in range(max(spec.min_items or 0, 1)):
                    first = f"{spec.slug}-{row}-{spec.fields[0].slug}"
                    if not self.page.locator(f'[name="{first}"]').count():
                        self.page.click(f'button[name="action"][value="add:{spec.slug}"]')
                    for sub in spec.fields:
                        self.fill(f"{spec.slug}-{row}-{sub.slug}", sub)
            else:
                self.fill(spec.slug, spec)
        self.submit_and_leave(self.page.locator('button[name="action"][value="submit"]'))
        expect(self.page.locator(".error-summary")).to_have_count(0)

    def fill(self, name: str, spec) -> None:
        if spec.type == "choice":
            self.page.check(f'input[name="{name}"][value="{spec.choices[0].slug}"]')
        else:
            size = min(spec.max_length or len(ANSWER), len(ANSWER))
            self.page.fill(f'[name="{name}"]', ANSWER[:size])


def test_a_new_participant_completes_the_course_in_swedish(
    page: Page, live_server, invitation_link, screenshot_dir
):
    link, enrolment_id = invitation_link
    with live_server.app.app_context():
        course = get_course(COURSE)
    page.set_viewport_size({"width": 1280, "height": 900})
    page.set_extra_http_headers({"Accept-Language": "sv-SE,sv;q=0.9"})
    journey = Journey(page, course, screenshot_dir)

    page.goto(link)
    expect(page.locator("html")).to_have_attribute("lang", "sv")
    journey.check("invitation")
    page.fill('[name="name"]', "Åsa Ödegård")
    page.fill('[name="certificate_name"]', "Åsa Ødegård-Nærø")
    page.select_option('select[name="locale"]', "sv")
    page.fill('[name="password"]', "ett långt och bra lösenord")
    page.fill('[name="confirm"]', "ett långt och bra lösenord")
    page.locator("main form button[type=submit]").click()
    expect(page).to_have_url(f"{live_server.url}/learn/")
    journey.check("dashboard")

    steps = 0
    page.locator(".course-card a.button").first.click()
    while "/learn/" in page.url and steps < 200:
        steps += 1
        if page.url.endswith("/quiz"):
            journey.quiz()
        elif page.url.endswith("/assignment"):
            journey.assignment()
        elif page.locator("form.lesson-done").count():
            journey.lesson()
        else:
            break

    page.goto(f"{live_server.url}/learn/")
    expect(page.locator(".course-card .flash-success")).to_be_visible()
    page.screenshot(path=screenshot_dir / "journey-completed-1280.png", full_page=True)
    page.goto(f"{live_server.url}/account")
    journey.check("profile")

    with live_server.app.app_context():
        enrolment = get_session().scalar(select(Enrolment).where(Enrolment.id == enrolment_id))
        assert enrolment.status == EnrolmentStatus.COMPLETED
        assert enrolment.user.certificate_name == "Åsa Ødegård-Nærø"
    assert journey.failed_once
    assert {"lesson", "quiz", "quiz-result", "assignment"} <= journey.checked
