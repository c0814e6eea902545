"""An organizer, in Chromium, from logging in to the report a steering group gets.

Creates a course round through the form, adds a live session, imports participants from
a Windows-1252, semicolon-separated CSV (first with a bad row, then corrected), marks
attendance and downloads both exports. Runs axe (WCAG 2 A and AA, no rule disabled) on
the round page, the import preview and the report, checks that no page scrolls sideways
on a 360 px phone, and saves screenshots.
"""

from __future__ import annotations

from datetime import date, timedelta
from pathlib import Path

import pytest
from playwright.sync_api import Page, expect
from sqlalchemy import select

from academy.db import get_session
from academy.models import Enrolment, EnrolmentStatus, OrganisationKind, Organizer, User, utcnow
from academy.services import accounts, organizers
from tests.e2e import signing_in
from tests.e2e.test_participant_journey import no_sideways_scroll, serious_violations
from tests.factories import PASSWORD

pytestmark = pytest.mark.e2e

COURSE = "safer-places"
ORGANIZER_EMAIL = "oda.organizer@example.no"
ROUND = "Tryggare resecentrum, hösten 2027"
HEADER = "Namn;E-post;Roll;Arbetsgivare;Plats;Språk"
PEOPLE = [
    "Åsa Öberg;asa.oberg@example.se;tjänsteperson;Vänersborgs kommun;Resecentrum;sv",
    "Ærlend Østby;aerlend.ostby@example.no;politiker;Haldens kommune;Resecentrum;nb",
    "Änne Ström;anne.strom(at)example.se;fastighetsägare;Ströms fastigheter;Torget;sv",
    "Øystein Ås;oystein.as@example.no;polis;Politiet;Torget;nb",
]
# Line 1 is the header, so the third person is on line 4.
BAD_LINE = 4
FIXED = [line.replace("(at)", "@") for line in PEOPLE]


def csv_file(name: str, lines: list[str]) -> dict:
    """A file as Excel in Sweden saves it: Windows-1252, semicolons, CRLF."""
    data = "\r\n".join([HEADER, *lines, ""]).encode("cp1252")
    return {"name": name, "mimeType": "text/csv", "buffer": data}


@pytest.fixture
def organizer(live_server) -> str:
    """A committed organizer of a new organisation, with ``PASSWORD``."""
    with live_server.app.app_context():
        session = get_session()
        organisation = organizers.create_organisation(
            session,
            name="Vänersborgs kommun, e2e",
            kind=OrganisationKind.MUNICIPALITY,
            timezone="Europe/Stockholm",
            created_by_id=None,
        )
        user = accounts.create_user(
            session, email=ORGANIZER_EMAIL, name="Oda Organisør", password=PASSWORD
        )
        session.add(Organizer(organisation_id=organisation.id, user_id=user.id))
        session.commit()
    return ORGANIZER_EMAIL


class Shots:
    """Checks a page once (axe, no sideways scrolling at 360 px) and photographs it."""

    def __init__(self, page: Page, folder: Path):
        self.page = page
        self.folder = folder

    def take(self, name: str, *, axe: bool = True) -> None:
        if axe:
            assert serious_violations(self.page) == [], name
        self.page.screenshot(path=self.folder / f"organizer-{name}-1280.png", full_page=True)
        self.page.set_viewport_size({"width": 360, "height": 780})
        assert no_sideways_scroll(self.page), name
        if axe:
            # Reflow can hide or squeeze things that were fine at 1280 px.
            assert serious_violations(self.page) == [], f"{name} at 360 px"
        self.page.screenshot(path=self.folder / f"organizer-{name}-360.png", full_page=True)
        self.page.set_viewport_size({"width": 1280, "height": 900})


def test_an_organizer_runs_a_round(page: Page, live_server, organizer, screenshot_dir):
    base = live_server.url
    shots = Shots(page, screenshot_dir)
    page.set_viewport_size({"width": 1280, "height": 900})
    page.set_extra_http_headers({"Accept-Language": "en"})

    signing_in.log_in(page, organizer, PASSWORD)
    expect(page).to_have_url(base + "/")

    # A new round of the course, through the form.
    page.goto("/organize/")
    page.get_by_role("link", name="New course round").click()
    start = date.today() + timedelta(days=14)
    page.get_by_label("Course", exact=True).select_option(COURSE)
    page.get_by_label("Name of the round", exact=True).fill(ROUND)
    page.get_by_label("Place", exact=True).fill("Resecentrum")
    page.get_by_label("Starts", exact=True).fill(start.isoformat())
    page.get_by_label("Ends", exact=True).fill((start + timedelta(days=90)).isoformat())
    page.get_by_label("Complete by", exact=True).fill((start + timedelta(days=80)).isoformat())
    page.get_by_role("button", name="Save", exact=True).click()
    expect(page.locator(".flash-success")).to_contain_text(ROUND)
    expect(page.locator("h1")).to_contain_text(ROUND)
    round_url = page.url
    assert round_url.startswith(base + "/organize/cohorts/")

    # A live session, held yesterday (attendance is taken once a session has started).
    page.get_by_role("link", name="New live session").click()
    page.get_by_label("Title", exact=True).fill("Trygghetsvandring vid resecentrum")
    page.get_by_label("Date", exact=True).fill((date.today() - timedelta(days=1)).isoformat())
    page.get_by_label("Starts at", exact=True).fill("17:30")
    page.get_by_label("Ends at", exact=True).fill("19:00")
    page.get_by_label("Place", exact=True).fill("Resecentrum, västra entrén")
    page.get_by_role("button", name="Save", exact=True).click()
    expect(page).to_have_url(round_url)
    expect(page.locator(".sessions")).to_contain_text("Trygghetsvandring vid resecentrum")

    # The import, first with a bad e-mail address on line 4.
    page.get_by_role("link", name="Import from a spreadsheet").click()
    upload_url = page.url
    page.get_by_label("Spreadsheet (.xlsx, .csv or .txt)").set_input_files(
        csv_file("deltagare.csv", PEOPLE)
    )
    page.get_by_role("button", name="Upload and check").click()
    expect(page.locator("h1")).to_have_text("Check the import")
    expect(page.locator("main")).to_contain_text("columns separated by semicolons")
    expect(page.locator("main")).to_contain_text("read as Windows-1252")
    errors = page.locator(".error-summary")
    expect(errors).to_contain_text("1 row needs correcting")
    expect(errors).to_contain_text(f"Line {BAD_LINE}:")
    expect(errors).to_contain_text("anne.strom(at)example.se")
    bad_row = page.locator("tr.row-error")
    expect(bad_row).to_have_count(1)
    expect(bad_row.locator("td").first).to_have_text(str(BAD_LINE))
    # Nothing can be imported while a row has an error.
    expect(page.get_by_role("button", name="Enrol")).to_have_count(0)
    shots.take("import-preview-error")

    # The corrected file, imported with the invitations sent.
    page.goto(upload_url)
    page.get_by_label("Spreadsheet (.xlsx, .csv or .txt)").set_input_files(
        csv_file("deltagare-rättad.csv", FIXED)
    )
    page.get_by_role("button", name="Upload and check").click()
    expect(page.locator(".error-summary")).to_have_count(0)
    expect(page.locator("tr.row-error")).to_have_count(0)
    expect(page.locator("main")).to_contain_text("Resecentrum")
    page.get_by_role("button", name="Enrol 4 participants and send 4 invitations").click()
    expect(page).to_have_url(round_url)
    expect(page.locator(".flash-success")).to_contain_text("4 invitations sent")

    table = page.locator("section[aria-labelledby=participants-heading] table")
    rows = table.locator("tbody tr")
    expect(rows).to_have_count(len(FIXED))
    for line in FIXED:
        name, email = line.split(";")[:2]
        row = rows.filter(has_text=email)
        expect(row.locator("th")).to_have_text(name)
        # Until the mail worker hands it over, the invitation waits in the outbox.
        expect(row.locator("td").nth(3)).to_contain_text("Waiting in the outbox")
    shots.take("round")

    # Two of them accept their invitations, and were at the session.
    with live_server.app.app_context():
        session = get_session()
        for email in ("asa.oberg@example.se", "oystein.as@example.no"):
            enrolment = session.scalar(
                select(Enrolment).join(User).where(User.email_normalized == email)
            )
            enrolment.accepted_at = utcnow()
            enrolment.status = EnrolmentStatus.ACTIVE
        session.commit()

    # Attendance: two of the four were there.
    page.get_by_role("link", name="Attendance", exact=True).click()
    expect(page.locator("h1")).to_contain_text("Trygghetsvandring vid resecentrum")
    page.get_by_label("Åsa Öberg").check()
    page.get_by_label("Øystein Ås").check()
    shots.take("attendance")
    page.get_by_role("button", name="Save attendance").click()
    expect(page).to_have_url(round_url)
    expect(page.locator(".flash-success")).to_contain_text("Attendance is saved.")

    # The report and its exports.
    page.get_by_role("link", name="Report", exact=True).click()
    expect(page.locator("h1")).to_contain_text(ROUND)
    report_rows = page.locator(".report-table tbody tr")
    expect(report_rows).to_have_count(len(FIXED))
    expect(report_rows.filter(has_text="Åsa Öberg").locator("td").nth(-2)).to_have_text("1/1")
    expect(report_rows.filter(has_text="Ærlend Østby").locator("td").nth(-2)).to_have_text("0/1")
    shots.take("report")

    with page.expect_download() as csv_download:
        page.get_by_role("button", name="CSV", exact=True).click()
    csv_bytes = Path(csv_download.value.path()).read_bytes()
    assert csv_download.value.suggested_filename.endswith(".csv")
    assert csv_bytes.startswith(b"\xef\xbb\xbf")
    text = csv_bytes.decode("utf-8-sig")
    assert "Ærlend Østby" in text
    assert "Åsa Öberg" in text

    with page.expect_download() as xlsx_download:
        page.get_by_role("button", name="Excel (.xlsx)").click()
    assert xlsx_download.value.suggested_filename.endswith(".xlsx")
    assert Path(xlsx_download.value.path()).read_bytes().startswith(b"PK")
