"""The import preview in Chromium at 1280 and 360 px (issue 13, items 9 and 12).

A file as municipalities send them (Windows-1252, semicolons, long employer names and
addresses) with two bad rows, then the same people once they are all in the round: the
counts add up, the rows with errors come first with their messages on screen, the table
fits the window at both widths, and the button says what will happen (or there is none).
"""

from __future__ import annotations

import pytest
from playwright.sync_api import Page, expect

from academy.db import get_session
from academy.models import OrganisationKind, Organizer
from academy.services import accounts, cohorts, organizers
from tests.e2e import signing_in
from tests.e2e.test_participant_journey import no_sideways_scroll, serious_violations
from tests.factories import PASSWORD

pytestmark = pytest.mark.e2e

HEADER = "Förnamn och efternamn;E-postadress;Yrkesroll;Arbetsgivare / förvaltning;Plats;Språk"
PEOPLE = [
    "Åsa Öberg-Lindqvist;asa.oberg-lindqvist@stadsbyggnadsforvaltningen.vanersborg.se;"
    "tjänsteperson;Vänersborgs kommun, stadsbyggnadsförvaltningen;Resecentrum;sv",
    "Ærlend Østby;aerlend.ostby@haldenkommune.no;politiker;Halden kommune;Resecentrum;nb",
    "Änne Ström;anne.strom(at)stromsfastigheter.se;fastighetsägare;Ströms fastigheter AB;Torget;sv",
    "Øystein Ås;oystein.as@politiet.no;polis;Politiet, Øst politidistrikt;Torget;nb",
    "Märta Nilsson;marta.nilsson@preview.example.se;handlare;Märtas blommor;Torget;",
    "Björn Ek;bjorn.ek@preview.example.se;kock;Restaurang Hamnkrogen;Hamnen;sv",
    "Sølvi Næss;solvi.naess@preview.example.no;gårdeier;Næss Eiendom AS;Hamnen;nb",
    "Jörg Ångström;jorg.angstrom@preview.example.se;tjänsteperson;Trafikverket;Resecentrum;en",
    "Karin Berg;karin.berg@preview.example.se;politiker;Vänersborgs kommun;;sv",
]
FIXED = [line.replace("(at)", "@").replace(";kock;", ";handlare;") for line in PEOPLE]


def csv_file(lines: list[str]) -> dict:
    data = "\r\n".join([HEADER, *lines, ""]).encode("cp1252")
    return {"name": "deltagare.csv", "mimeType": "text/csv", "buffer": data}


@pytest.fixture
def import_url(live_server) -> str:
    """An organizer (logged in by the test) of a round; the round's import page."""
    with live_server.app.app_context():
        session = get_session()
        organisation = organizers.create_organisation(
            session,
            name="Vänersborgs kommun, förhandsvisning",
            kind=OrganisationKind.MUNICIPALITY,
            timezone="Europe/Stockholm",
            created_by_id=None,
        )
        user = accounts.create_user(
            session, email="preview.organizer@example.se", name="Oda", password=PASSWORD
        )
        session.add(Organizer(organisation_id=organisation.id, user_id=user.id))
        cohort = cohorts.create_cohort(
            session, organisation, course_slug="safer-places", name="Tryggare resecentrum"
        )
        session.commit()
        return f"/organize/cohorts/{cohort.id}/import"


def fits(page: Page, name: str, folder) -> None:
    """At 1280 px and at 360 px: nothing wider than the window, axe content, a picture."""
    for width, height in ((1280, 900), (360, 780)):
        page.set_viewport_size({"width": width, "height": height})
        assert no_sideways_scroll(page), f"{name} at {width} px"
        table = page.locator("table.import-preview").bounding_box()
        assert table is not None and table["x"] + table["width"] <= width, f"{name} at {width}"
        assert serious_violations(page) == [], f"{name} at {width} px"
        assert {"table", "row", "columnheader", "cell"} <= accessible_roles(page), width
        page.screenshot(path=folder / f"import-{name}-{width}.png", full_page=True)
    page.set_viewport_size({"width": 1280, "height": 900})


def accessible_roles(page: Page) -> set[str]:
    """The roles in Chromium's own accessibility tree: the preview stays a table to a
    screen reader when the phone's CSS shows each row as a card (no ARIA roles needed,
    which the Nu HTML checker refuses on table elements)."""
    cdp = page.context.new_cdp_session(page)
    try:
        nodes = cdp.send("Accessibility.getFullAXTree")["nodes"]
    finally:
        cdp.detach()
    return {node["role"]["value"] for node in nodes if "role" in node}


def upload(page: Page, url: str, lines: list[str]) -> None:
    page.goto(url)
    page.get_by_label("Spreadsheet (.xlsx, .csv or .txt)").set_input_files(csv_file(lines))
    page.get_by_role("button", name="Upload and check").click()
    expect(page.locator("h1")).to_have_text("Check the import")


def test_the_preview_adds_up_and_fits_a_laptop_and_a_phone(page: Page, import_url, screenshot_dir):
    page.set_extra_http_headers({"Accept-Language": "en"})
    signing_in.log_in(page, "preview.organizer@example.se", PASSWORD)

    # A file over the 5 MB limit goes back to the form with the limit, still logged in.
    page.goto(import_url)
    too_large = csv_file(PEOPLE)
    too_large["buffer"] += b"x" * (5 * 1024 * 1024)
    page.get_by_label("Spreadsheet (.xlsx, .csv or .txt)").set_input_files(too_large)
    page.get_by_role("button", name="Upload and check").click()
    expect(page).to_have_url(import_url)
    expect(page.locator(".flash-error")).to_contain_text("larger than the 5 MB")

    upload(page, import_url, PEOPLE)
    counts = page.locator(".import-counts li")
    expect(counts).to_have_text(
        [
            "New participants (each gets an account) 7",
            "Participants who already have an account 0",
            "Already in the round (nothing changes) 0",
            "Rows with errors 2",
        ]
    )
    expect(page.locator("main")).to_contain_text("The file has 9 rows of participants")
    rows = page.locator("table.import-preview tbody tr")
    expect(rows.nth(0).locator("td").nth(0)).to_have_text("4")
    expect(rows.nth(0)).to_contain_text("is not a valid e-mail address")
    expect(rows.nth(1).locator("td").nth(0)).to_have_text("7")
    expect(rows.nth(1)).to_contain_text("Unknown role")
    expect(page.get_by_role("button", name="Enrol", exact=False)).to_have_count(0)
    fits(page, "errors", screenshot_dir)

    upload(page, import_url, FIXED)
    expect(page.locator(".import-counts li strong")).to_have_text(["9", "0", "0", "0"])
    expect(
        page.get_by_role("button", name="Enrol 9 participants without invitations")
    ).to_be_visible()
    fits(page, "ready", screenshot_dir)
    page.get_by_role("button", name="Enrol 9 participants and send 9 invitations").click()
    expect(page.locator(".flash-success")).to_contain_text("9 enrolled")

    upload(page, import_url, FIXED)
    expect(page.locator(".import-counts li strong")).to_have_text(["0", "0", "9", "0"])
    expect(page.locator(".notice")).to_contain_text("would change nothing")
    expect(page.locator("form.import-confirm")).to_have_count(0)
    fits(page, "nothing-to-do", screenshot_dir)
