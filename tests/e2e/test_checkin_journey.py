"""Self check-in to a live session, in Swedish, in Chromium: the organizer opens the
session's check-in screen (the code of the minute and its QR code); a participant on a
360 px phone sees on the dashboard what to finish before the next session, types a wrong
code (told at the field), then the code from the organizer's screen, and is checked in;
the organizer's screen and attendance page show it.

Runs axe (WCAG 2 A and AA) at 1280 and 360 px on the check-in screen, the dashboard and
the check-in page, checks that none scrolls sideways at 360 px, and saves screenshots as
test-results/screenshots/checkin-*.png.
"""

from __future__ import annotations

from datetime import timedelta
from pathlib import Path

import pytest
from playwright.sync_api import Page, expect

from academy.db import get_session
from academy.models import (
    AudienceRole,
    Cohort,
    Enrolment,
    EnrolmentStatus,
    LiveSession,
    OrganisationKind,
    Organizer,
    utcnow,
)
from academy.services import accounts, organizers
from tests.e2e.test_participant_journey import (
    check_both_widths,
)
from tests.e2e.test_place_journey import log_in
from tests.factories import PASSWORD

pytestmark = pytest.mark.e2e

ORGANIZER_EMAIL = "karin.checkin@example.se"
PARTICIPANT_EMAIL = "bengt.checkin@example.se"
PARTICIPANT = "Bengt Ödmark"
NOW_SESSION = "Trygghetsvandring vid Stationsparken"
NEXT_SESSION = "Uppföljning i stadshuset"


def check(page: Page, folder: Path, name: str) -> None:
    check_both_widths(page, folder, f"checkin-{name}")


@pytest.fixture
def round_ids(live_server) -> tuple[int, int]:
    """A round that requires attendance, with a session that started ten minutes ago and
    one next week about part 2; an organizer and a participant who both write Swedish.
    Returns the round and the session under way."""
    with live_server.app.app_context():
        session = get_session()
        organisation = organizers.create_organisation(
            session,
            name="Trollhättans stad, trygghet",
            kind=OrganisationKind.MUNICIPALITY,
            timezone=None,
            created_by_id=None,
        )
        cohort = Cohort(
            organisation_id=organisation.id,
            course_slug="safer-places",
            name="Tryggare Stationsparken, våren 2027",
            attendance_required=True,
            required_sessions=1,
        )
        session.add(cohort)
        organizer = accounts.create_user(
            session, email=ORGANIZER_EMAIL, name="Karin Arrangör", password=PASSWORD, locale="sv"
        )
        participant = accounts.create_user(
            session, email=PARTICIPANT_EMAIL, name=PARTICIPANT, password=PASSWORD, locale="sv"
        )
        session.flush()
        session.add(Organizer(organisation_id=organisation.id, user_id=organizer.id))
        now = utcnow().replace(microsecond=0)
        session.add(
            Enrolment(
                cohort_id=cohort.id,
                user_id=participant.id,
                role=AudienceRole.PROPERTY_OWNER,
                status=EnrolmentStatus.ACTIVE,
                accepted_at=now,
            )
        )
        under_way = LiveSession(
            cohort_id=cohort.id,
            title=NOW_SESSION,
            starts_at=now - timedelta(minutes=10),
            ends_at=now + timedelta(hours=2),
            location="Stationsparken, vid fontänen",
            part_slug="situational-prevention",
        )
        session.add(under_way)
        session.add(
            LiveSession(
                cohort_id=cohort.id,
                title=NEXT_SESSION,
                starts_at=now + timedelta(days=7),
                ends_at=now + timedelta(days=7, hours=2),
                location="Stadshuset, sal 2",
                part_slug="safe-urban-planning",
            )
        )
        session.commit()
        return cohort.id, under_way.id


def test_a_participant_checks_in_on_a_phone_with_the_code_on_the_screen(
    page: Page, browser, live_server, round_ids, screenshot_dir
):
    cohort_id, session_id = round_ids
    page.set_viewport_size({"width": 1280, "height": 900})
    log_in(page, ORGANIZER_EMAIL)
    page.goto(f"/organize/cohorts/{cohort_id}")
    expect(page.locator("main")).to_contain_text("Om Trygghetsskapande stadsplanering")
    page.locator("li", has_text=NOW_SESSION).get_by_role("link", name="Incheckningskod").click()
    expect(page.locator("h1")).to_contain_text(f"Checka in: {NOW_SESSION}")
    expect(page.locator(".checkin-qr")).to_be_visible()
    expect(page.locator("main")).to_contain_text("0 personer är markerade som närvarande.")
    check(page, screenshot_dir, "screen")

    phone = browser.new_context(
        base_url=live_server.url, viewport={"width": 360, "height": 780}, locale="sv-SE"
    ).new_page()
    log_in(phone, PARTICIPANT_EMAIL)
    phone.goto("/learn/")
    main = phone.locator("main")
    expect(main).to_contain_text(f"Checka in: {NOW_SESSION}")
    expect(main).to_contain_text("Före kursträffen den ")
    expect(phone.locator(".session-prepare")).to_contain_text(
        "gör klart Trygghetsskapande stadsplanering"
    )
    check(phone, screenshot_dir, "dashboard")

    # A wrong code is said at the field, in Swedish.
    code = page.locator(".checkin-code").get_attribute("data-code")
    wrong = "000000" if code != "000000" else "111111"
    phone.get_by_label("Incheckningskod").fill(wrong)
    phone.get_by_role("button", name="Checka in").click()
    expect(phone.locator(".field-error")).to_contain_text(
        "Det är inte koden för den här kursträffen."
    )
    check(phone, screenshot_dir, "wrong-code")

    # The code on the organizer's screen now (the screen refreshes itself each minute).
    page.reload()
    code = page.locator(".checkin-code").get_attribute("data-code")
    phone.get_by_label("Incheckningskod").fill(f"{code[:3]} {code[3:]}")
    phone.get_by_role("button", name="Checka in").click()
    expect(phone.locator(".flash-success").first).to_contain_text(
        f"Du är incheckad på {NOW_SESSION}."
    )
    expect(phone.locator("form.checkin-box")).to_have_count(0)
    check(phone, screenshot_dir, "checked-in")
    phone.context.close()

    page.set_viewport_size({"width": 1280, "height": 900})
    page.goto(f"/organize/sessions/{session_id}/check-in")
    expect(page.locator("main")).to_contain_text("1 person är markerad som närvarande.")
    page.get_by_role("link", name="Närvaro").click()
    expect(page.get_by_role("checkbox", name=PARTICIPANT)).to_be_checked()
