"""A place shared with a partner, in Chromium: the municipality's organizer adds the police
as partner of a place and invites a reader (steering group); the police's organizer then
opens the shared place from the start page, on a 360 px phone, and reads it: the
findings without the round or the participants, and nothing to change.

Runs axe (WCAG 2 A and AA) on the owner's and the partner's place page at 1280 and 360 px,
checks that neither scrolls sideways at 360 px, and saves screenshots as
test-results/screenshots/place-partners-*.png.
"""

from __future__ import annotations

from pathlib import Path

import pytest
from playwright.sync_api import Page, expect

from academy.db import get_session
from academy.models import (
    AudienceRole,
    Cohort,
    Enrolment,
    Finding,
    FindingCategory,
    FindingSeverity,
    OrganisationKind,
    Organizer,
)
from academy.services import accounts, organizers, places
from tests.e2e.test_participant_journey import (
    check_both_widths,
)
from tests.e2e.test_place_journey import log_in
from tests.factories import PASSWORD

pytestmark = pytest.mark.e2e

OWNER = "Vänersborgs kommun, samverkan"
POLICE = "Polisen Fyrbodal, lokalpolisområde Trollhättan-Vänersborg"
PLACE = "Torget och Edsgatan"
ROUND = "Trygga torget, hösten"
PARTICIPANT = "Gunnel Åkerström"
OWNER_EMAIL = "olle.owner.partners@example.se"
POLICE_EMAIL = "pia.police.partners@example.se"
FINDINGS = [
    ("Gången bakom Konsum", FindingCategory.LIGHTING, FindingSeverity.HIGH),
    ("Busskuren vid Edsgatan", FindingCategory.SIGHT_LINES, FindingSeverity.MEDIUM),
    ("Cykelstället vid torget", FindingCategory.MAINTENANCE, FindingSeverity.LOW),
]


@pytest.fixture
def place_id(live_server) -> int:
    """The municipality with its organizer, the place and a round's findings there, and
    the police district with its organizer."""
    with live_server.app.app_context():
        session = get_session()
        owner = organizers.create_organisation(
            session,
            name=OWNER,
            kind=OrganisationKind.MUNICIPALITY,
            timezone=None,
            created_by_id=None,
        )
        police = organizers.create_organisation(
            session, name=POLICE, kind=OrganisationKind.POLICE, timezone=None, created_by_id=None
        )
        place = places.create_place(
            session,
            owner,
            name=PLACE,
            description="Torget med Edsgatan och busskuren.",
            created_by_id=None,
        )
        cohort = Cohort(
            organisation_id=owner.id, course_slug="safer-places", name=ROUND, place_id=place.id
        )
        participant = accounts.create_user(
            session, email="gunnel.partners@example.se", name=PARTICIPANT, password=PASSWORD
        )
        session.add(cohort)
        session.flush()
        enrolment = Enrolment(
            cohort_id=cohort.id, user_id=participant.id, role=AudienceRole.OFFICIAL
        )
        session.add(enrolment)
        session.flush()
        for spot, category, severity in FINDINGS:
            session.add(
                Finding(
                    place_id=place.id,
                    cohort_id=cohort.id,
                    enrolment_id=enrolment.id,
                    part_slug="safe-urban-planning",
                    spot=spot,
                    category=category,
                    severity=severity,
                    observation="Mörkt och ödsligt efter klockan sex.",
                    suggestion="Bättre belysning och beskurna buskar.",
                )
            )
        for email, name, organisation in (
            (OWNER_EMAIL, "Olle Ägare", owner),
            (POLICE_EMAIL, "Pia Polis", police),
        ):
            user = accounts.create_user(session, email=email, name=name, password=PASSWORD)
            session.add(Organizer(organisation_id=organisation.id, user_id=user.id))
        session.commit()
        return place.id


def check(page: Page, folder: Path, name: str) -> None:
    check_both_widths(page, folder, f"place-partners-{name}")


def test_the_owner_shares_a_place_and_the_partner_reads_it(
    page: Page, browser, live_server, place_id, screenshot_dir
):
    # The owner's organizer adds the police as partner, on the place page.
    page.set_viewport_size({"width": 1280, "height": 900})
    log_in(page, OWNER_EMAIL)
    page.goto(f"/organize/places/{place_id}")
    page.select_option("#partner-organisation", label=POLICE)
    page.get_by_role("button", name="Add the partner").click()
    expect(page.locator(".flash-success")).to_contain_text(f"{POLICE} is now a partner")
    expect(page.locator("#partners li")).to_have_text([f"{POLICE} Remove"])
    check(page, screenshot_dir, "owner")

    # ... and invites a reader for the steering group, on the organisation's page.
    page.set_viewport_size({"width": 1280, "height": 900})
    page.get_by_role("link", name=OWNER).first.click()
    page.fill("#reader_email", "styrgruppen.partners@example.se")
    page.get_by_role("button", name="Send the invitation").last.click()
    expect(page.locator(".flash-success")).to_contain_text("styrgruppen.partners@example.se")
    expect(page.locator("main")).to_contain_text("Invited, not yet accepted:")

    # The police's organizer, on a phone, finds the place on the start page.
    phone = browser.new_context(
        base_url=live_server.url, viewport={"width": 360, "height": 780}
    ).new_page()
    log_in(phone, POLICE_EMAIL)
    phone.goto("/organize/")
    shared = phone.locator("section", has_text="Places shared with you")
    shared.get_by_role("link", name=PLACE).click()
    expect(phone.locator("h1")).to_have_text(PLACE)
    main = phone.locator("main")
    expect(main).to_contain_text(
        "You can read this place's findings; the owner's organizers change them."
    )
    for spot, _category, _severity in FINDINGS:
        expect(main).to_contain_text(spot)
    expect(main).not_to_contain_text(ROUND)
    expect(main).not_to_contain_text(PARTICIPANT)
    expect(phone.get_by_role("button", name="Save the status")).to_have_count(0)
    expect(phone.get_by_role("link", name="Edit")).to_have_count(0)
    expect(phone.locator("#partners")).to_have_count(0)
    check(phone, screenshot_dir, "partner")
    phone.context.close()
