"""An announcement, in Swedish, in Chromium: the organizer writes to those who have not
started a round (with a Norwegian text for the Norwegian participant), sees the number of
recipients before sending, and finds it listed on the round page; a participant on a
360 px phone sees it on the dashboard, with its link clickable, and closes it.

Runs axe (WCAG 2 A and AA) on the form, the preview, the round page and the dashboard at
1280 and 360 px, checks that none scrolls sideways at 360 px, and saves screenshots as
test-results/screenshots/announce-*.png.
"""

from __future__ import annotations

from pathlib import Path

import pytest
from playwright.sync_api import Page, expect
from sqlalchemy import select

from academy.db import get_session
from academy.models import (
    AudienceRole,
    Enrolment,
    EnrolmentStatus,
    Organizer,
    OutboxMail,
    PartState,
)
from academy.services import accounts, cohorts
from tests.e2e.test_participant_journey import (
    check_both_widths,
    no_sideways_scroll,
)
from tests.e2e.test_place_journey import log_in
from tests.factories import PASSWORD

pytestmark = pytest.mark.e2e

ORGANIZER_EMAIL = "olle.announce@example.se"
NOT_STARTED_EMAIL = "gunnel.announce@example.se"
NORWEGIAN_EMAIL = "ola.announce@example.no"
STARTED_EMAIL = "tove.announce@example.se"
SUBJECT = "Första träffen flyttas till torsdag"
BODY = (
    "Hej! Vi ses torsdag 11 mars kl. 18 i Torpa bibliotek.\n\n"
    "Börja gärna med del 1 före träffen: https://example.se/torpa/program."
)


@pytest.fixture
def cohort_id(live_server) -> int:
    with live_server.app.app_context():
        session = get_session()
        organisation = cohorts.get_or_create_organisation(
            session, "Vänersborgs kommun, meddelanden"
        )
        cohort = cohorts.create_cohort(
            session, organisation, course_slug="safer-places", name="Torpa våren 2027"
        )
        organizer = accounts.create_user(
            session, email=ORGANIZER_EMAIL, name="Olle Arrangör", password=PASSWORD, locale="sv"
        )
        session.add(Organizer(organisation_id=organisation.id, user_id=organizer.id))
        people = [
            (NOT_STARTED_EMAIL, "Gunnel Åkerberg", "sv", AudienceRole.PROPERTY_OWNER),
            (NORWEGIAN_EMAIL, "Ola Nordmann", "nb", AudienceRole.TRADER),
            (STARTED_EMAIL, "Tove Handlare", "sv", AudienceRole.TRADER),
        ]
        for email, name, locale, role in people:
            user = accounts.create_user(
                session, email=email, name=name, password=PASSWORD, locale=locale
            )
            enrolment = Enrolment(
                cohort_id=cohort.id,
                user_id=user.id,
                role=role,
                invited_name=name,
                status=EnrolmentStatus.ACTIVE,
            )
            session.add(enrolment)
            session.flush()
            if email == STARTED_EMAIL:
                session.add(
                    PartState(enrolment_id=enrolment.id, cohort_id=cohort.id, part_slug="x")
                )
        session.commit()
        return cohort.id


def check(page: Page, folder: Path, name: str) -> None:
    check_both_widths(page, folder, f"announce-{name}", then=1280)


def test_an_organizer_announces_to_those_not_started_and_a_phone_closes_it(
    page: Page, browser, live_server, cohort_id, screenshot_dir
):
    page.set_viewport_size({"width": 1280, "height": 900})
    log_in(page, ORGANIZER_EMAIL)
    page.goto(f"/organize/cohorts/{cohort_id}")
    expect(page.locator("#announcements")).to_contain_text("Inga meddelanden än")
    page.get_by_role("link", name="Nytt meddelande").click()
    page.select_option("#audience", label="De som inte har börjat")
    page.fill("#subject", SUBJECT)
    page.fill("#body", BODY)
    page.get_by_text("Texter på deltagarnas egna språk").click()
    page.fill("#subject_nb", "Første samling flyttes til torsdag")
    page.fill("#body_nb", "Hei! Vi ses torsdag 11. mars kl. 18 i Torpa bibliotek.")
    check(page, screenshot_dir, "form")
    page.get_by_role("button", name="Förhandsgranska och räkna mottagarna").click()
    expect(page.locator(".recipient-count")).to_contain_text("De som inte har börjat: 2 personer")
    check(page, screenshot_dir, "preview")
    page.get_by_role("button", name="Skicka till 2 personer").click()
    expect(page.locator(".flash-success")).to_contain_text("Meddelandet är skickat till 2 personer")
    listed = page.locator("#announcements")
    expect(listed).to_contain_text(SUBJECT)
    expect(listed).to_contain_text("Olle Arrangör")
    expect(listed).to_contain_text("2 mottagare")
    check(page, screenshot_dir, "round")

    with live_server.app.app_context():
        mails = {
            mail.to_address: mail
            for mail in get_session().scalars(
                select(OutboxMail).where(OutboxMail.kind == "announcement")
            )
        }
    assert set(mails) == {NOT_STARTED_EMAIL, NORWEGIAN_EMAIL}
    assert mails[NOT_STARTED_EMAIL].subject == SUBJECT
    assert "Skickat av Olle Arrangör" in mails[NOT_STARTED_EMAIL].body_text
    assert mails[NORWEGIAN_EMAIL].subject == "Første samling flyttes til torsdag"
    assert "Sendt av Olle Arrangör til kursrunden" in mails[NORWEGIAN_EMAIL].body_text
    assert 'href="https://example.se/torpa/program"' in mails[NOT_STARTED_EMAIL].body_html

    # The participant who has not started, on a phone.
    phone = browser.new_context(
        base_url=live_server.url, viewport={"width": 360, "height": 780}, locale="sv-SE"
    ).new_page()
    log_in(phone, NOT_STARTED_EMAIL)
    phone.goto("/learn/")
    note = phone.locator(".announcement")
    expect(note).to_contain_text(SUBJECT)
    expect(note).to_contain_text("Meddelande från arrangören")
    link = note.get_by_role("link", name="https://example.se/torpa/program")
    expect(link).to_have_attribute("href", "https://example.se/torpa/program")
    assert no_sideways_scroll(phone)
    check(phone, screenshot_dir, "dashboard")
    phone.set_viewport_size({"width": 360, "height": 780})
    note.get_by_role("button", name="Stäng meddelandet").click()
    expect(phone.locator(".announcement")).to_have_count(0)
    expect(phone.locator("h1")).to_have_text("Mina kurser")
    phone.context.close()

    # The one who has started got nothing.
    started = browser.new_context(base_url=live_server.url, locale="sv-SE").new_page()
    log_in(started, STARTED_EMAIL)
    started.goto("/learn/")
    expect(started.locator("h1")).to_have_text("Mina kurser")
    expect(started.locator(".announcement")).to_have_count(0)
    started.context.close()
