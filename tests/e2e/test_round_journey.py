"""Running a round, in Swedish, in Chromium (issue 16 end to end): the organizer announces
to those who have not started; a participant on a 360 px phone sees the announcement on
the dashboard, checks in to the live session under way with the code from the
organizer's screen, and answers the evaluation before the course; the organizer then sees
the attendance and, the participant making five answers, the evaluation chart.

Runs axe (WCAG 2 A and AA) at 1280 and 360 px on each page met, checks that none scrolls
sideways at 360 px, and saves screenshots as test-results/screenshots/round-*.png.
"""

from __future__ import annotations

import re
from datetime import date, timedelta
from pathlib import Path

import pytest
from playwright.sync_api import Page, expect

from academy.content import get_course
from academy.db import get_session
from academy.models import (
    AudienceRole,
    Enrolment,
    EnrolmentStatus,
    LiveSession,
    OrganisationKind,
    Organizer,
    utcnow,
)
from academy.services import accounts, cohorts, evaluation, organizers
from tests.e2e.test_participant_journey import (
    check_both_widths,
)
from tests.e2e.test_place_journey import log_in
from tests.factories import PASSWORD
from tests.test_route_security import complete_course

pytestmark = pytest.mark.e2e

COURSE = "safer-places"
ORGANIZER_EMAIL = "maria.round@example.se"
PARTICIPANT_EMAIL = "sven.round@example.se"
PARTICIPANT = "Sven Ångström"
SESSION = "Första träffen: situationell prevention"
SUBJECT = "Välkommen till kursen: börja med del 1"
BODY = "Hej! Börja gärna med del 1 före första träffen. Programmet: https://example.se/program"


@pytest.fixture
def round_ids(live_server) -> tuple[int, int]:
    """A round of the real course with a live session under way about part 1; Sven has
    not started; four others have (one completed) and answered the survey before the
    course. Returns the round and the session."""
    with live_server.app.app_context():
        session = get_session()
        course = get_course(COURSE)
        organisation = organizers.create_organisation(
            session,
            name="Lerums kommun, trygghet",
            kind=OrganisationKind.MUNICIPALITY,
            timezone=None,
            created_by_id=None,
            language="sv",
        )
        organizer = accounts.create_user(
            session, email=ORGANIZER_EMAIL, name="Maria Arrangör", password=PASSWORD, locale="sv"
        )
        session.add(Organizer(organisation_id=organisation.id, user_id=organizer.id))
        cohort = cohorts.create_cohort(
            session, organisation, course_slug=COURSE, name="Tryggare Lerum, våren 2027"
        )
        now = utcnow().replace(microsecond=0)

        def enrol(email: str, name: str) -> Enrolment:
            user = accounts.create_user(
                session, email=email, name=name, password=PASSWORD, locale="sv"
            )
            enrolment = Enrolment(
                cohort_id=cohort.id,
                user_id=user.id,
                role=AudienceRole.TRADER,
                status=EnrolmentStatus.ACTIVE,
                accepted_at=now,
            )
            session.add(enrolment)
            session.flush()
            return enrolment

        enrol(PARTICIPANT_EMAIL, PARTICIPANT)
        before = evaluation.survey_of(course, cohort, evaluation.BEFORE)
        for number in range(4):
            other = enrol(f"deltagare{number}.round@example.se", f"Deltagare {number}")
            evaluation.answer(
                session,
                other,
                course,
                before,
                evaluation.Answers(confidence={part.slug: 2 for part in course.parts}),
                today=date(2027, 2, 1),
            )
            complete_course(session, other, course)  # they have started: no announcement
        live = LiveSession(
            cohort_id=cohort.id,
            title=SESSION,
            starts_at=now - timedelta(minutes=5),
            ends_at=now + timedelta(hours=2),
            location="Kommunhuset, sal Aspen",
            part_slug=course.parts[0].slug,
        )
        session.add(live)
        session.commit()
        return cohort.id, live.id


def check(page: Page, folder: Path, name: str) -> None:
    check_both_widths(page, folder, f"round-{name}", then=0)


def test_announce_check_in_and_evaluate(
    page: Page, browser, live_server, round_ids, screenshot_dir
):
    cohort_id, session_id = round_ids
    page.set_viewport_size({"width": 1280, "height": 900})

    # The organizer announces to those who have not started: Sven alone.
    log_in(page, ORGANIZER_EMAIL)
    page.goto(f"/organize/cohorts/{cohort_id}")
    page.get_by_role("link", name="Nytt meddelande").click()
    page.select_option("#audience", label="De som inte har börjat")
    page.fill("#subject", SUBJECT)
    page.fill("#body", BODY)
    page.get_by_role("button", name="Förhandsgranska och räkna mottagarna").click()
    send = page.get_by_role("button", name=re.compile(r"^Skicka till 1 person"))
    expect(send).to_be_visible()
    check(page, screenshot_dir, "announce-preview")
    send.click()
    expect(page.locator("#announcements")).to_contain_text(SUBJECT)

    # ... and opens the check-in screen of the session under way.
    page.goto(f"/organize/sessions/{session_id}/check-in")
    code = page.locator(".checkin-code").get_attribute("data-code")
    assert code and len(code) == 6

    # Sven, on a phone: the announcement, the check-in, the survey before the course.
    phone = browser.new_context(
        base_url=live_server.url, viewport={"width": 360, "height": 780}, locale="sv-SE"
    ).new_page()
    log_in(phone, PARTICIPANT_EMAIL)
    phone.goto("/learn/")
    main = phone.locator("main")
    expect(main).to_contain_text(SUBJECT)
    expect(main.get_by_role("link", name="https://example.se/program")).to_be_visible()
    check(phone, screenshot_dir, "dashboard")
    page.reload()  # the code of this minute
    code = page.locator(".checkin-code").get_attribute("data-code")
    phone.get_by_label("Incheckningskod").fill(code)
    phone.get_by_role("button", name="Checka in").click()
    expect(phone.locator(".flash-success").first).to_contain_text(f"Du är incheckad på {SESSION}.")

    phone.goto("/learn/")
    invitation = phone.locator(".evaluation-invitation")
    expect(invitation).to_contain_text("Innan du börjar")
    invitation.get_by_role("link", name="Svara på enkäten").click()
    for fieldset in phone.locator("fieldset.quiz-item").all():
        fieldset.locator("input[type=radio]").nth(1).check()
    check(phone, screenshot_dir, "survey")
    phone.get_by_role("button", name="Skicka mina svar").click()
    expect(phone.locator(".flash-success").first).to_contain_text("Tack för dina svar.")
    phone.context.close()

    # The organizer: Sven present at the session, and five answers before the course.
    page.goto(f"/organize/sessions/{session_id}/attendance")
    expect(page.get_by_role("checkbox", name=PARTICIPANT)).to_be_checked()
    check(page, screenshot_dir, "attendance")
    page.goto(f"/organize/cohorts/{cohort_id}")
    page.get_by_role("link", name="Utvärdering").click()
    chart = page.locator("main svg[role=img]")
    expect(chart).to_be_visible()
    expect(chart.locator("desc")).to_contain_text("Före kursen")
    expect(page.locator("main")).to_contain_text("5 svar.")
    check(page, screenshot_dir, "evaluation")
