"""Every lesson, quiz and assignment page of the real course, in every language, fits a
360 px phone without scrolling sideways (long Nordic compounds and tables included), and
no word in a lesson's table is cut across two lines ("gärningspe|rsoner"). A quiz asks a
draw from its pool, so each part's result page is shown for an attempt that answered the
whole pool: every item's table and diagram is laid out once."""

from __future__ import annotations

import pytest
from playwright.sync_api import Page

from academy.content import get_course
from academy.db import get_session
from academy.models import AudienceRole, QuizAttempt
from academy.services import accounts, cohorts, enrolments
from tests.e2e import signing_in
from tests.e2e.test_participant_journey import serious_violations

pytestmark = pytest.mark.e2e

PASSWORD = "a long enough password"


@pytest.fixture
def enrolled(live_server):
    """One participant per language, enrolled in a round of the real course."""
    found = {}
    with live_server.app.app_context():
        session = get_session()
        organisation = cohorts.get_or_create_organisation(session, "Sarpsborg kommune")
        cohort = cohorts.create_cohort(
            session, organisation, course_slug="safer-places", name="Tryggere sentrum"
        )
        for language in ("en", "sv", "nb"):
            enrolment, _token = enrolments.invite_participant(
                session,
                cohort,
                email=f"phone-{language}@example.no",
                name="Kari",
                role=AudienceRole.TRADER,
                locale=language,
            )
            accounts.set_password(enrolment.user, PASSWORD)
            enrolment.user.locale = language
            found[language] = enrolment.id
        session.flush()
        course = get_course("safer-places")
        whole_pool = {
            (language, part.slug): QuizAttempt(
                enrolment_id=enrolment_id,
                part_slug=part.slug,
                content_version=course.content_version,
                nonce=f"whole-pool-{enrolment_id}-{part.slug}",
                answers={item.slug: item.choices[0].slug for item in part.quiz.items},
            )
            for language, enrolment_id in found.items()
            for part in course.parts
        }
        session.add_all(whole_pool.values())
        session.commit()
        attempts = {key: attempt.id for key, attempt in whole_pool.items()}
    return course, found, attempts


def log_in(page: Page, email: str) -> None:
    signing_in.log_in(page, email, PASSWORD)
    page.wait_for_url("**/")


@pytest.mark.parametrize("language", ["en", "sv", "nb"])
def test_every_course_page_fits_a_phone(page: Page, enrolled, language):
    course, enrolment_ids, attempts = enrolled
    page.set_viewport_size({"width": 360, "height": 780})
    log_in(page, f"phone-{language}@example.no")
    too_wide, cut, inaccessible = [], [], []
    for part in course.parts:
        base = f"/learn/{enrolment_ids[language]}/{part.slug}"
        paths = [f"{base}/{lesson.slug}" for lesson in part.lessons]
        paths += [f"{base}/quiz", f"{base}/assignment", f"{base}/"]
        paths.append(f"{base}/quiz/{attempts[(language, part.slug)]}")
        for path in paths:
            response = page.goto(path)
            assert response.status == 200, path
            assert page.locator("html").get_attribute("lang") == language
            if not page.evaluate("document.documentElement.scrollWidth <= window.innerWidth"):
                too_wide.append(path)
            cut.extend(f"{path}: {word}" for word in page.evaluate(WORDS_CUT_IN_TABLES))
        # The whole pool's tables and diagrams, read by axe too.
        inaccessible.extend(f"{path}: {problem}" for problem in serious_violations(page))
    assert too_wide == []
    assert cut == []
    assert inaccessible == []


# The words of the lessons' table cells that the browser laid out on more than one line:
# a word set on one line has one client rectangle.
WORDS_CUT_IN_TABLES = """() => {
  const cut = [];
  const cells = ".lesson-body td, .lesson-body th, .quiz-context td, .quiz-context th";
  for (const cell of document.querySelectorAll(cells)) {
    const walker = document.createTreeWalker(cell, NodeFilter.SHOW_TEXT);
    for (let node = walker.nextNode(); node; node = walker.nextNode()) {
      // Pieces between spaces, hyphens and dashes: "self-|reported" and "1994\u2013|2000"
      // break where typesetting breaks them; a piece on two lines is a word cut.
      for (const match of node.textContent.matchAll(/[^\\s\\-\\u2010-\\u2015]+/g)) {
        const range = document.createRange();
        range.setStart(node, match.index);
        range.setEnd(node, match.index + match[0].length);
        const lines = new Set([...range.getClientRects()].map((rect) => Math.round(rect.top)));
        if (lines.size > 1) cut.push(match[0]);
      }
    }
  }
  return cut;
}"""
