"""The cycle from findings to a plan and back, in Swedish, in Chromium: the municipality's
organizer adds the police as partner of a place and invites a viewer (the steering group),
then builds an action plan with two measures, one owned by the police; the police's
organizer then, on a 360 px phone, sets its measure in progress and adds a progress note.
A second round walks the place; the organizer marks its finding at the dark path as the
same as the first walk's, and the place's walks are compared before and after. Last, a
viewer (the steering group) downloads the lägesbild PDF, which is rendered to PNG with
pdftoppm (test-results/screenshots/plan-lagesbild-*.png) and read back with pdftotext.

Runs axe (WCAG 2 A and AA) on the plan page and the measure page at 1280 and 360 px,
checks that neither scrolls sideways at 360 px, and saves screenshots as
test-results/screenshots/plan-*.png.
"""

from __future__ import annotations

import re
import shutil
import subprocess
from datetime import UTC, datetime
from pathlib import Path

import pytest
from playwright.sync_api import Page, expect
from sqlalchemy import select

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
    OutboxMail,
    Place,
)
from academy.services import accounts, organizers, places
from tests.e2e.test_participant_journey import (
    check_both_widths,
    no_sideways_scroll,
)
from tests.e2e.test_place_journey import answers, log_in, submit_safety_walk
from tests.factories import PASSWORD

pytestmark = pytest.mark.e2e

OWNER = "Vänersborgs kommun, trygghet"
POLICE = "Polisen Fyrbodal, lokalpolisområde Vänersborg"
PLACE = "Resecentrum och Edsgatan"
PARTICIPANT = "Gunnel Åkerberg"
OWNER_EMAIL = "olle.owner.plans@example.se"
VIEWER_EMAIL = "stina.viewer.plans@example.se"
POLICE_EMAIL = "pia.police.plans@example.se"
PLAN = "Åtgärdsplan Vänersborg centrum 2027-2028"
LIGHTING = "Byt belysningen i gången bakom resecentrum"
PATROL = "Kvällspatrull vid busskuren fredagar"
FIRST_WALK = datetime(2026, 9, 15, 17, 0, tzinfo=UTC)
WALKER = "Tove Handlare"
WALKER_EMAIL = "tove.walker.plans@example.se"


def second_walk_round(live_server, place_id: int) -> int:
    """The autumn round at the place, with a participant who will walk it; returns the
    participant's enrolment."""
    with live_server.app.app_context():
        session = get_session()
        place = session.get(Place, place_id)
        cohort = Cohort(
            organisation_id=place.organisation_id,
            course_slug="safer-places",
            name="Hösten",
            place_id=place.id,
        )
        walker = accounts.create_user(
            session, email=WALKER_EMAIL, name=WALKER, password=PASSWORD, locale="sv"
        )
        session.add(cohort)
        session.flush()
        enrolment = Enrolment(cohort_id=cohort.id, user_id=walker.id, role=AudienceRole.TRADER)
        session.add(enrolment)
        session.commit()
        return enrolment.id


@pytest.fixture
def place_id(live_server) -> int:
    """The municipality and its organizer, the place shared with the police and two
    findings there, the police district and its organizer; both write Swedish."""
    with live_server.app.app_context():
        session = get_session()
        owner = organizers.create_organisation(
            session,
            name=OWNER,
            kind=OrganisationKind.MUNICIPALITY,
            timezone=None,
            created_by_id=None,
            language="sv",
        )
        police = organizers.create_organisation(
            session, name=POLICE, kind=OrganisationKind.POLICE, timezone=None, created_by_id=None
        )
        place = places.create_place(
            session, owner, name=PLACE, description="Resecentrum med Edsgatan.", created_by_id=None
        )
        cohort = Cohort(
            organisation_id=owner.id, course_slug="safer-places", name="Våren", place_id=place.id
        )
        participant = accounts.create_user(
            session, email="gunnel.plans@example.se", name=PARTICIPANT, password=PASSWORD
        )
        session.add(cohort)
        session.flush()
        enrolment = Enrolment(
            cohort_id=cohort.id, user_id=participant.id, role=AudienceRole.OFFICIAL
        )
        session.add(enrolment)
        session.flush()
        for spot, category in (
            ("Gången bakom resecentrum", FindingCategory.LIGHTING),
            ("Busskuren vid Edsgatan", FindingCategory.SIGHT_LINES),
        ):
            session.add(
                Finding(
                    place_id=place.id,
                    cohort_id=cohort.id,
                    enrolment_id=enrolment.id,
                    part_slug="safe-urban-planning",
                    spot=spot,
                    category=category,
                    severity=FindingSeverity.HIGH,
                    observation="Mörkt efter klockan sex.",
                    created_at=FIRST_WALK,
                )
            )
        for email, name, organisation in (
            (OWNER_EMAIL, "Olle Ägare", owner),
            (POLICE_EMAIL, "Pia Polis", police),
        ):
            user = accounts.create_user(
                session, email=email, name=name, password=PASSWORD, locale="sv"
            )
            session.add(Organizer(organisation_id=organisation.id, user_id=user.id))
        session.commit()
        return place.id


# The autumn walk: the path is lit now but a bit of it is still dark (the same problem);
# the bike stand by the tracks and the bushes by the car park are new.
SECOND_WALK_FINDINGS = [
    (
        "Gången bakom resecentrum",
        "lighting",
        "Nya lampor, men den norra delen är fortfarande mörk.",
        "En lampa till vid den norra trappan.",
        "low",
    ),
    (
        "Cykelstället vid spåren",
        "lighting",
        "Ingen belysning alls vid cykelstället.",
        "Belysning och en kamera som syns.",
        "medium",
    ),
    (
        "Infartsparkeringen",
        "vegetation",
        "Buskarna har vuxit igen och skymmer gångvägen.",
        "Beskär buskarna till knähöjd längs gångvägen.",
        "medium",
    ),
]


def invitation_link(live_server, email: str) -> str:
    """The join link of the invitation mailed to ``email``, as the outbox holds it."""
    with live_server.app.app_context():
        mail = (
            get_session()
            .scalars(
                select(OutboxMail)
                .where(OutboxMail.to_address == email)
                .order_by(OutboxMail.id.desc())
            )
            .first()
        )
        return re.search(r"https?://[^/\s]+(/organize/join/\S+)", mail.body_text).group(1)


def check(page: Page, folder: Path, name: str) -> None:
    check_both_widths(page, folder, f"plan-{name}")


def add_measure(page: Page, title: str, responsible: str, due: str, contact: str | None = None):
    page.get_by_role("link", name="Ny åtgärd").click()
    page.fill("#title", title)
    page.select_option("#responsible", label=responsible)
    if contact:
        page.select_option("#contact_person", label=contact)
    page.fill("#due_on", due)
    page.fill("#indicator", "Färre fynd om belysning vid nästa trygghetsvandring.")
    page.get_by_role("button", name="Spara").click()
    expect(page.locator("h1")).to_contain_text(title)


def test_the_owner_builds_a_plan_and_the_police_update_it_from_a_phone(
    page: Page, browser, live_server, place_id, screenshot_dir
):
    page.set_viewport_size({"width": 1280, "height": 900})
    log_in(page, OWNER_EMAIL)
    page.goto(f"/organize/places/{place_id}")
    page.select_option("#partner-organisation", label=POLICE)
    page.get_by_role("button", name="Lägg till samverkansparten").click()
    expect(page.locator("#partners")).to_contain_text(POLICE)
    # The steering group's reader, invited on the organisation's page.
    page.get_by_role("link", name=OWNER).first.click()
    page.fill("#reader_email", VIEWER_EMAIL)
    page.select_option("#reader_locale", "sv")
    page.get_by_role("button", name="Skicka inbjudan").last.click()
    expect(page.locator(".flash-success")).to_contain_text(VIEWER_EMAIL)
    page.goto(f"/organize/places/{place_id}")
    page.get_by_role("link", name="Planer för platsen").click()
    page.get_by_role("link", name="Ny plan").click()
    page.fill("#title", PLAN)
    page.select_option("#kind", "action_plan")
    page.fill("#starts_on", "2027-01-01")
    page.fill("#ends_on", "2028-12-31")
    expect(page.locator("#places")).to_be_checked()
    page.get_by_role("button", name="Spara").click()
    expect(page.locator("h1")).to_have_text(PLAN)

    # The municipality's measure, answering the dark path.
    add_measure(page, LIGHTING, OWNER, "2027-03-31")
    page.get_by_label("Gången bakom resecentrum").check()
    page.get_by_role("button", name="Spara iakttagelserna").click()
    expect(page.locator("#findings")).to_contain_text("Gången bakom resecentrum")
    page.get_by_role("link", name=PLAN).first.click()

    # The police's measure, with Pia as contact.
    add_measure(page, PATROL, POLICE, "2027-06-30", contact=f"Pia Polis ({POLICE})")
    page.get_by_role("link", name=PLAN).first.click()
    main = page.locator("main")
    expect(main.locator(".measure-card")).to_have_count(2)
    expect(main).to_contain_text("Ansvarig")
    expect(main).not_to_contain_text(PARTICIPANT)
    plan_address = page.url
    check(page, screenshot_dir, "owner")

    # The police's organizer, on a phone, from the shared place to the measure.
    phone = browser.new_context(
        base_url=live_server.url, viewport={"width": 360, "height": 780}
    ).new_page()
    log_in(phone, POLICE_EMAIL)
    phone.goto("/organize/")
    phone.get_by_role("link", name=PLACE).click()
    phone.get_by_role("link", name="Planer för platsen").click()
    phone.get_by_role("link", name=PLAN).click()
    expect(phone.locator("main")).to_contain_text(LIGHTING)  # read, not changed
    phone.get_by_role("link", name=PATROL).click()
    expect(phone.locator("#status")).to_be_visible()
    assert no_sideways_scroll(phone)
    phone.select_option("#status", "in_progress")
    phone.get_by_role("button", name="Spara status").click()
    expect(phone.locator(".flash-success")).to_contain_text("Pågår")
    phone.fill("#body", "Första patrullen gick fredag 5 mars; busskuren var tom och mörk.")
    phone.get_by_role("button", name="Lägg till anteckningen").click()
    expect(phone.locator("#notes")).to_contain_text("Första patrullen gick fredag 5 mars")
    expect(phone.locator("#notes")).to_contain_text("Pia Polis")
    check(phone, screenshot_dir, "measure-partner")
    # The municipality's measure: read only.
    phone.goto(plan_address)
    phone.get_by_role("link", name=LIGHTING).click()
    expect(phone.locator("#status")).to_have_count(0)
    expect(phone.locator("#body")).to_have_count(0)
    phone.goto(plan_address)
    expect(phone.locator("main")).to_contain_text("Pågår")
    check(phone, screenshot_dir, "partner")
    phone.context.close()

    # A second round walks the place in the autumn: a trader submits the safety walk on a
    # phone, through the real assignment page.
    enrolment = second_walk_round(live_server, place_id)
    walker = browser.new_context(
        base_url=live_server.url, viewport={"width": 360, "height": 780}, locale="sv-SE"
    ).new_page()
    log_in(walker, WALKER_EMAIL)
    walker.goto(f"/learn/{enrolment}/safe-urban-planning/assignment")
    submit_safety_walk(walker, answers(SECOND_WALK_FINDINGS))
    walker.context.close()

    # The organizer marks the path as the same problem as the first walk's.
    page.goto(f"/organize/places/{place_id}")
    later = page.locator(".finding", has_text="Nya lampor")
    later.get_by_role("link", name="Samma som en tidigare iakttagelse?").click()
    expect(page.locator("h1")).to_have_text("Samma som en tidigare iakttagelse?")
    check(page, screenshot_dir, "same-as")
    page.set_viewport_size({"width": 1280, "height": 900})
    page.get_by_role("radio", name="Gången bakom resecentrum").check()
    page.get_by_role("button", name="Markera som samma").click()
    expect(page.locator(".flash-success")).to_contain_text("Gången bakom resecentrum")
    expect(page.locator(".finding", has_text="Nya lampor")).to_contain_text(
        "Samma som en tidigare iakttagelse: ”Gången bakom resecentrum”."
    )
    page.get_by_role("link", name="Före och efter").click()
    walks = page.locator(".walks-table")
    expect(walks).to_contain_text("Vandring 2")
    expect(walks).to_contain_text("Hösten")
    expect(page.locator("main")).not_to_contain_text(WALKER)
    # Walk 2: the bike stand and the bushes are new, the path still there, the bus
    # shelter gone.
    expect(walks.locator("tr", has_text="Nya problem")).to_contain_text("2")
    expect(walks.locator("tr", has_text="Kvar")).to_contain_text("1")
    expect(walks.locator("tr", has_text="Borta")).to_contain_text("1")
    expect(page.locator("#measure-list, .measure-list")).to_contain_text(LIGHTING)
    check(page, screenshot_dir, "walks")

    # The steering group's viewer, on a phone, takes the lägesbild of the place.
    viewer = browser.new_context(
        base_url=live_server.url,
        viewport={"width": 360, "height": 780},
        accept_downloads=True,
        locale="sv-SE",
    ).new_page()
    viewer.goto(invitation_link(live_server, VIEWER_EMAIL))
    viewer.fill("#name", "Stina Styrgrupp")
    viewer.fill("#password", PASSWORD)
    viewer.fill("#confirm", PASSWORD)
    viewer.get_by_role("button", name="Tacka ja").click()
    expect(viewer.locator(".flash-success")).to_contain_text(OWNER)
    viewer.get_by_role("link", name=PLACE).click()
    viewer.get_by_role("link", name="Före och efter").click()
    expect(viewer.locator("main")).not_to_contain_text("Hösten")  # no round names
    expect(viewer.locator(".situation-form")).to_contain_text("Språk: Svenska.")
    check(viewer, screenshot_dir, "walks-viewer")
    with viewer.expect_download() as download_info:
        viewer.locator(".situation-form").get_by_role("button", name="PDF").click()
    download = download_info.value
    assert download.suggested_filename.endswith(".pdf")
    saved = screenshot_dir / "plan-lagesbild.pdf"
    download.save_as(saved)
    assert saved.read_bytes().startswith(b"%PDF")
    if shutil.which("pdftoppm"):
        subprocess.run(
            ["pdftoppm", "-png", "-r", "60", str(saved), str(screenshot_dir / "plan-lagesbild")],
            check=True,
        )
        assert list(screenshot_dir.glob("plan-lagesbild-*.png"))
    if shutil.which("pdftotext"):
        text = subprocess.run(
            ["pdftotext", "-raw", str(saved), "-"], check=True, capture_output=True, text=True
        ).stdout
        flat = "".join(text.split())
        for shown in ("Lägesbild:", PLACE, LIGHTING, PATROL, "Vandring2", "Kvar"):
            assert "".join(shown.split()) in flat, shown
        for secret in (PARTICIPANT, WALKER, "Olle Ägare", "Pia Polis", "Hösten", "Våren"):
            assert "".join(secret.split()) not in flat, secret
    viewer.context.close()
