"""The course evaluation in Swedish, in Chromium: a participant who has completed the
course answers the end-of-course survey on a 360 px phone (the invitation on the
dashboard, the form, the thanks) and keeps the certificate; the organizer then sees the
results, the chart of ratings and of the confidence before and after, and the free text,
since with the participant five people have answered (the other four, and five answers
before the course, are made through the service in the fixture).

Runs axe (WCAG 2 A and AA) at 1280 and 360 px, checks that nothing scrolls sideways at
360 px, and saves screenshots as test-results/screenshots/evaluation-*.png.
"""

from __future__ import annotations

from datetime import date
from pathlib import Path

import pytest
from playwright.sync_api import Page, expect

from academy.content import get_course
from academy.db import get_session
from academy.models import AudienceRole, Enrolment, OrganisationKind, Organizer, utcnow
from academy.services import accounts, cohorts, evaluation, organizers
from tests.e2e.test_participant_journey import (
    check_both_widths,
)
from tests.e2e.test_place_journey import log_in
from tests.factories import PASSWORD
from tests.test_route_security import complete_course

pytestmark = pytest.mark.e2e

COURSE = "safer-places"
ROUND = "Tryggare Alingsås, hösten 2026"
PARTICIPANT_EMAIL = "elin.evaluation@example.se"
ORGANIZER_EMAIL = "olof.evaluation@example.se"
CHANGE = "Fler exempel från mindre orter, och mer tid för trygghetsvandringen."


def enrol(session, cohort, email: str, name: str, role: AudienceRole) -> Enrolment:
    user = accounts.create_user(session, email=email, name=name, password=PASSWORD, locale="sv")
    enrolment = Enrolment(cohort_id=cohort.id, user_id=user.id, role=role, accepted_at=utcnow())
    session.add(enrolment)
    session.flush()
    return enrolment


@pytest.fixture
def evaluated_round(live_server) -> int:
    """A round of the real course, its organizer, a participant who has completed it,
    and four others who answered at the end and five who answered before the course."""
    with live_server.app.app_context():
        session = get_session()
        course = get_course(COURSE)
        organisation = organizers.create_organisation(
            session,
            name="Alingsås kommun",
            kind=OrganisationKind.MUNICIPALITY,
            timezone=None,
            created_by_id=None,
            language="sv",
        )
        organizer = accounts.create_user(
            session, email=ORGANIZER_EMAIL, name="Olof Arrangör", password=PASSWORD, locale="sv"
        )
        session.add(Organizer(organisation_id=organisation.id, user_id=organizer.id))
        cohort = cohorts.create_cohort(session, organisation, course_slug=COURSE, name=ROUND)
        participant = enrol(
            session, cohort, PARTICIPANT_EMAIL, "Elin Ek", AudienceRole.PROPERTY_OWNER
        )
        complete_course(session, participant, course)
        before = evaluation.survey_of(course, cohort, evaluation.BEFORE)
        end = evaluation.survey_of(course, cohort, evaluation.END)
        for number in range(5):
            other = enrol(
                session,
                cohort,
                f"deltagare{number}.evaluation@example.se",
                f"Deltagare {number}",
                AudienceRole.OFFICIAL,
            )
            levels = {part.slug: 2 + number % 2 for part in course.parts}
            evaluation.answer(
                session,
                other,
                course,
                before,
                evaluation.Answers(confidence=levels),
                today=date(2026, 9, 1),
            )
            if number < 4:
                evaluation.answer(
                    session,
                    other,
                    course,
                    end,
                    evaluation.Answers(
                        overall=4 + number % 2,
                        relevance=4,
                        recommend="yes" if number else "unsure",
                        change="Kortare lektioner." if number == 1 else "",
                        confidence={part.slug: 4 for part in course.parts},
                    ),
                    today=date(2026, 12, 1),
                )
        session.commit()
        return cohort.id


def check(page: Page, folder: Path, name: str) -> None:
    check_both_widths(page, folder, f"evaluation-{name}", then=0)


def test_a_participant_answers_on_a_phone_and_the_organizer_sees_the_chart(
    page: Page, live_server, evaluated_round, screenshot_dir
):
    cohort_id = evaluated_round
    page.set_extra_http_headers({"Accept-Language": "sv"})
    page.set_viewport_size({"width": 360, "height": 780})

    # The organizer first: four answers at the end, so nothing but how many more.
    log_in(page, ORGANIZER_EMAIL)
    page.goto(f"/organize/cohorts/{cohort_id}/evaluation")
    main = page.locator("main")
    expect(main).to_contain_text("Resultaten visas när 1 till har svarat.")
    expect(main).not_to_contain_text("Kortare lektioner.")
    page.get_by_role("button", name="Logga ut").click()

    # The participant: the invitation on the dashboard, then the survey on the phone.
    log_in(page, PARTICIPANT_EMAIL)
    page.goto("/learn/")
    invitation = page.locator(".evaluation-invitation")
    expect(invitation).to_contain_text("Du har gått klart kursen. Vad tyckte du om den?")
    check(page, screenshot_dir, "dashboard")
    invitation.get_by_role("link", name="Svara på enkäten").click()
    expect(page.locator("h1")).to_have_text("Kursens slut")
    page.get_by_role("button", name="Skicka mina svar").click()
    expect(page.locator(".error-summary")).to_contain_text("Välj ett svar")
    check(page, screenshot_dir, "survey-errors")
    for fieldset in page.locator("fieldset.quiz-item").all():
        options = fieldset.locator("input[type=radio]")
        if options.count() == 5:
            options.nth(3).check()
    page.locator("fieldset.quiz-item").filter(has_text="rekommendera").get_by_label("Ja").check()
    page.get_by_label("Vad skulle du vilja ändra? (frivilligt)").fill(CHANGE)
    check(page, screenshot_dir, "survey")
    page.get_by_role("button", name="Skicka mina svar").click()
    expect(page.locator(".flash-success").first).to_contain_text("Tack för dina svar.")
    expect(page.locator(".evaluation-invitation")).to_have_count(0)
    page.goto("/learn/")
    expect(page.locator(".evaluation-invitation")).to_have_count(0)
    expect(page.locator(".certificate-box")).to_be_visible()
    page.get_by_role("button", name="Logga ut").click()

    # The organizer again: five answers, the chart, the free text.
    log_in(page, ORGANIZER_EMAIL)
    page.goto(f"/organize/cohorts/{cohort_id}")
    page.get_by_role("link", name="Utvärdering").click()
    main = page.locator("main")
    expect(main.locator("svg[role=img]")).to_be_visible()
    expect(main).to_contain_text(CHANGE)
    expect(main).to_contain_text("Kortare lektioner.")
    chart = main.locator("svg[role=img]")
    expect(chart.locator("desc")).to_contain_text("5 svar vid kursens slut.")
    expect(chart.locator("desc")).to_contain_text("Före kursen")
    check(page, screenshot_dir, "results")
