"""The place picture, in Chromium: a participant submits a safety walk and then sees what
everyone found at their place; an organizer follows the place up.

A Swedish participant fills in the real safety-walk assignment of ``safer-places`` (the
findings group with Å, Ä and Ö), first seeing that the place page waits for it, then the
findings of the place, another participant's included without that participant's name.
An English organizer opens the organisation's places and the place page (counts and
chart), filters by a category, sets a finding's status to planned, and downloads the CSV
export and the PDF summary. Runs axe (WCAG 2 A and AA) on the participant's place page,
the places list and the place page, checks none scrolls sideways at 360 px, and saves
screenshots as test-results/screenshots/place-journey-*.png.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from pathlib import Path

import pytest
from playwright.sync_api import Page, expect

from academy.content import get_course
from academy.db import get_session
from academy.models import AudienceRole, Cohort, Enrolment, OrganisationKind, Organizer
from academy.services import accounts, organizers, places, progress
from tests.e2e import signing_in
from tests.e2e.test_participant_journey import no_sideways_scroll, serious_violations
from tests.factories import PASSWORD

pytestmark = pytest.mark.e2e

COURSE = "safer-places"
PART = "safe-urban-planning"
PLACE = "Resecentrum"
PARTICIPANT_EMAIL = "astrid.oberg.place@example.se"
OTHER_NAME = "Bengt Bäckström"
ORGANIZER_EMAIL = "ake.organizer.place@example.se"
ORGANIZER_NAME = "Åke Organizer"

# Participant A's findings, typed in the browser: (spot, category, observation,
# suggestion, severity).
OWN_FINDINGS = [
    (
        "Gångtunneln under spåren, norra änden",
        "lighting",
        "Två av fyra armaturer är trasiga; tunneln är nästan helt mörk efter klockan sju.",
        "Byt armaturerna och lägg till belysning vid trapporna; ansvar: kommunens gatuenhet.",
        "high",
    ),
    (
        "Cykelstället öster om stationshuset",
        "maintenance",
        "Överfulla papperskorgar och klotter på väggen gör att stället känns övergivet.",
        "Tömning två gånger i veckan och snabb klottersanering av fastighetsägaren.",
        "medium",
    ),
    (
        "Väntsalen mot bussterminalen",
        "sight-lines",
        "Reklamskyltar i fönstren skymmer sikten ut mot busshållplatserna på kvällen.",
        "Flytta skyltarna så att man ser ut och in; ansvar: Jernhusen och kommunen.",
        "low",
    ),
]
# Participant B's findings, recorded through the service.
OTHER_FINDINGS = [
    (
        "Infartsparkeringens södra del",
        "lighting",
        "Belysningen släcks redan vid midnatt fast sista tåget går kvart över ett.",
        "Förläng tändtiden till efter sista tåget; ansvar: parkeringsbolaget.",
        "medium",
    ),
    (
        "Buskagen längs gångvägen mot Öxnered",
        "vegetation",
        "Höga buskar skymmer gångvägen och skapar gömställen nära busshållplatsen.",
        "Beskär buskarna till knähöjd längs hela sträckan; ansvar: parkenheten.",
        "high",
    ),
    (
        "Skyltningen till taxi och bussar",
        "signage",
        "Resenärer som kommer sent hittar inte till taxi och går fel väg bakom husen.",
        "Sätt upp tydliga skyltar med piktogram vid båda uppgångarna från perrongen.",
        "low",
    ),
]


def answers(findings) -> dict:
    return {
        "place": "Resecentrum, från bussterminalen till infartsparkeringen",
        "date-time": "12 november, 18.30-20.00, mörkt",
        "participants": "Två boende, en handlare, fastighetsägaren och kommunpolisen gick med.",
        "findings": [
            {
                "spot": spot,
                "category": category,
                "observation": observation,
                "suggestion": suggestion,
                "severity": severity,
            }
            for spot, category, observation, suggestion, severity in findings
        ],
        "actions": [
            {
                "action": "Laga belysningen i gångtunneln",
                "owner": "Gatu- och parkenheten",
                "due": "30 november",
            },
            {
                "action": "Beskär buskagen vid cykelstället",
                "owner": "Parkenheten",
                "due": "15 december",
            },
            {
                "action": "Ny skyltning till bussarna",
                "owner": "Kommunens trafikenhet",
                "due": "Före budgetbeslutet i juni",
            },
        ],
        "summary": (
            "1. Laga belysningen i gångtunneln (kommunen, snabbt). 2. Beskär buskagen "
            "(parkenheten, snabbt). 3. Ny skyltning till bussarna (kommunen, kräver budget)."
        ),
        "follow-up": (
            "Protokollet skickas till de ansvariga senast 26 november; de svarar skriftligt "
            "till 10 december. Ny vandring den 12 mars."
        ),
    }


@dataclass(frozen=True)
class PlaceWorld:
    organisation_id: int
    place_id: int
    enrolment_id: int


@pytest.fixture
def world(live_server) -> PlaceWorld:
    """An organisation with an organizer, the place, a round of the real course at it and
    two participants; the second has submitted the safety walk through the service."""
    with live_server.app.app_context():
        session = get_session()
        organisation = organizers.create_organisation(
            session,
            name="Vänersborgs kommun, platser",
            kind=OrganisationKind.MUNICIPALITY,
            timezone="Europe/Stockholm",
            created_by_id=None,
        )
        place = places.create_place(
            session,
            organisation,
            name=PLACE,
            description="Stationsområdet med bussterminal, gångtunnel och infartsparkering.",
            created_by_id=None,
        )
        cohort = Cohort(
            organisation_id=organisation.id,
            course_slug=COURSE,
            name="Tryggare resecentrum, hösten",
            place_id=place.id,
        )
        participant = accounts.create_user(
            session, email=PARTICIPANT_EMAIL, name="Astrid Öberg", password=PASSWORD, locale="sv"
        )
        other = accounts.create_user(
            session,
            email="bengt.backstrom.place@example.se",
            name=OTHER_NAME,
            password=PASSWORD,
            locale="sv",
        )
        organizer = accounts.create_user(
            session, email=ORGANIZER_EMAIL, name=ORGANIZER_NAME, password=PASSWORD, locale="en"
        )
        session.add_all([cohort, Organizer(organisation_id=organisation.id, user_id=organizer.id)])
        session.flush()
        own = Enrolment(
            cohort_id=cohort.id, user_id=participant.id, role=AudienceRole.PROPERTY_OWNER
        )
        theirs = Enrolment(
            cohort_id=cohort.id, user_id=other.id, role=AudienceRole.POLICE, place_id=place.id
        )
        session.add_all([own, theirs])
        session.flush()
        course = get_course(COURSE)
        progress.save_assignment(
            session, theirs, course, course.part(PART), answers(OTHER_FINDINGS), submit=True
        )
        session.commit()
        return PlaceWorld(organisation.id, place.id, own.id)


class Shots:
    """Checks a page (axe, no sideways scrolling at 360 px) and photographs it, as the
    organizer journey's helper does, under place-journey-*.png."""

    def __init__(self, page: Page, folder: Path):
        self.page = page
        self.folder = folder

    def take(self, name: str) -> None:
        assert serious_violations(self.page) == [], name
        self.page.screenshot(path=self.folder / f"place-journey-{name}-1280.png", full_page=True)
        self.page.set_viewport_size({"width": 360, "height": 780})
        assert no_sideways_scroll(self.page), name
        assert serious_violations(self.page) == [], f"{name} at 360 px"
        self.page.screenshot(path=self.folder / f"place-journey-{name}-360.png", full_page=True)
        self.page.set_viewport_size({"width": 1280, "height": 900})


def submit_safety_walk(page: Page, data: dict) -> None:
    """Fill in the open safety-walk assignment page with ``data`` (``answers``), adding
    rows of findings as needed, and submit it (the page in Swedish)."""
    for slug in ("place", "date-time", "participants", "summary", "follow-up"):
        page.fill(f'[name="{slug}"]', data[slug])
    for row, action in enumerate(data["actions"]):
        if not page.locator(f'[name="actions-{row}-action"]').count():
            page.click('button[name="action"][value="add:actions"]')
            expect(page.locator(f'[name="actions-{row}-action"]')).to_be_visible()
        for key in ("action", "owner", "due"):
            page.fill(f'[name="actions-{row}-{key}"]', action[key])
    for row, finding in enumerate(data["findings"]):
        if not page.locator(f'[name="findings-{row}-spot"]').count():
            page.click('button[name="action"][value="add:findings"]')
            expect(page.locator(f'[name="findings-{row}-spot"]')).to_be_visible()
        for key in ("spot", "observation", "suggestion"):
            page.fill(f'[name="findings-{row}-{key}"]', finding[key])
        for key in ("category", "severity"):
            page.check(f'input[name="findings-{row}-{key}"][value="{finding[key]}"]')
    page.get_by_role("button", name="Lämna in uppgiften").click()
    expect(page.locator(".flash-success")).to_contain_text("Uppgiften är inlämnad.")


def log_in(page: Page, email: str) -> None:
    signing_in.log_in(page, email, PASSWORD)


def test_findings_reach_the_place_picture(page: Page, live_server, world, screenshot_dir, tmp_path):
    base = live_server.url
    shots = Shots(page, screenshot_dir)
    page.set_viewport_size({"width": 1280, "height": 900})
    page.set_extra_http_headers({"Accept-Language": "sv"})
    enrolment = world.enrolment_id

    # Before submitting, the place page only says what unlocks it.
    log_in(page, PARTICIPANT_EMAIL)
    page.goto(f"/learn/{enrolment}/place")
    expect(page.locator("h1")).to_have_text(f"Iakttagelser vid {PLACE}")
    main = page.locator("main")
    expect(main).to_contain_text("när du har lämnat in din egen trygghetsvandring")
    expect(page.locator("ol.findings")).to_have_count(0)
    expect(main).not_to_contain_text(OTHER_FINDINGS[0][0])

    # The safety walk, through the real assignment page.
    page.get_by_role("link", name="Trygghetsvandring på din plats").click()
    expect(page).to_have_url(f"{base}/learn/{enrolment}/{PART}/assignment")
    submit_safety_walk(page, answers(OWN_FINDINGS))
    expect(page).not_to_have_url(f"{base}/learn/{enrolment}/{PART}/assignment")

    # Now the place page shows everyone's findings, without names.
    page.goto(f"/learn/{enrolment}/")
    page.get_by_role("link", name="Iakttagelser på din plats").click()
    expect(page).to_have_url(f"{base}/learn/{enrolment}/place")
    expect(main).to_contain_text("Inga namn visas.")
    findings = page.locator("ol.findings > li")
    expect(findings).to_have_count(6)
    for spot, *_rest in OWN_FINDINGS + OTHER_FINDINGS:
        expect(findings.filter(has_text=spot)).to_have_count(1)
    expect(main).not_to_contain_text(OTHER_NAME)
    expect(main).not_to_contain_text("Bäckström")
    shots.take("participant-place-sv")

    # The organizer follows the place up.
    page.context.clear_cookies()
    page.set_extra_http_headers({"Accept-Language": "en"})
    log_in(page, ORGANIZER_EMAIL)
    page.goto(f"/organize/organisations/{world.organisation_id}/places")
    expect(page.locator("h1")).to_have_text("Places")
    row = page.locator("table.places-table tbody tr").filter(has_text=PLACE)
    expect(row.locator("td")).to_have_text(["1", "6", "6"])
    shots.take("organizer-places-en")

    row.get_by_role("link", name=PLACE).click()
    expect(page).to_have_url(f"{base}/organize/places/{world.place_id}")
    expect(page.locator("h1")).to_have_text(PLACE)
    summary = page.locator("section[aria-labelledby=summary-heading]")
    expect(summary).to_contain_text("6 findings")
    expect(summary.locator(".chart svg")).to_be_visible()
    expect(summary.locator(".count-list").first).to_contain_text("New 6")
    expect(page.locator("ol.findings > li")).to_have_count(6)
    shots.take("organizer-place-en")

    # Only the lighting findings.
    page.get_by_label("Category", exact=True).select_option("lighting")
    page.get_by_role("button", name="Show", exact=True).click()
    expect(page).to_have_url(re.compile(rf"/organize/places/{world.place_id}\?category=lighting"))
    expect(summary).to_contain_text("2 findings (filtered)")
    findings = page.locator("ol.findings > li")
    expect(findings).to_have_count(2)
    tunnel = findings.filter(has_text=OWN_FINDINGS[0][0])
    expect(tunnel).to_contain_text("Severity: High")

    # A status, set and shown with who set it; the filter stays.
    tunnel.get_by_label("Status", exact=True).select_option("planned")
    tunnel.get_by_role("button", name="Save the status").click()
    expect(page.locator(".flash-success")).to_contain_text(
        f"The status of “{OWN_FINDINGS[0][0]}” is now Planned."
    )
    assert "category=lighting" in page.url
    tunnel = page.locator("ol.findings > li").filter(has_text=OWN_FINDINGS[0][0])
    expect(tunnel.get_by_label("Status", exact=True)).to_have_value("planned")
    expect(tunnel.locator(".status-changed")).to_contain_text(f"Status set by {ORGANIZER_NAME}")
    expect(summary.locator(".count-list").first).to_contain_text("Planned 1")

    # The exports: the filtered CSV and the PDF summary.
    with page.expect_download() as download:
        page.get_by_role("button", name="CSV", exact=True).click()
    csv_path = tmp_path / "findings.csv"
    download.value.save_as(csv_path)
    csv_text = csv_path.read_bytes().decode("utf-8-sig")
    assert OWN_FINDINGS[0][0] in csv_text
    assert OTHER_FINDINGS[0][0] in csv_text
    assert OTHER_FINDINGS[1][0] not in csv_text  # vegetation: filtered out
    with page.expect_download() as download:
        page.get_by_role("button", name="Summary (PDF)").click()
    pdf_path = tmp_path / "summary.pdf"
    download.value.save_as(pdf_path)
    assert pdf_path.read_bytes().startswith(b"%PDF")
