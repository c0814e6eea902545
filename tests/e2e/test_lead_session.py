"""Leading a session, in Swedish, in Chromium: the organizer opens the round page, follows
the link of part 2 to its "lead the session" page, reads the facilitator notes of the real
course (run sheet with minutes, questions, exercise, what to bring) and who has and has not
finished the part, and prints it: Chromium's print-to-PDF (page.pdf(), the print
stylesheet) is rendered to PNG with pdftoppm (test-results/screenshots/lead-print-*.png)
and read back with pdftotext: no navigation, the participants on a page of their own.

Runs axe (WCAG 2 A and AA) at 1280 and 360 px, checks that the page does not scroll
sideways at 360 px, and saves screenshots as test-results/screenshots/lead-*.png.
"""

from __future__ import annotations

import shutil
import subprocess
from pathlib import Path

import pytest
from playwright.sync_api import Page, expect

from academy.db import get_session
from academy.models import (
    AudienceRole,
    Cohort,
    Enrolment,
    EnrolmentStatus,
    OrganisationKind,
    Organizer,
    PartState,
    utcnow,
)
from academy.services import accounts, organizers
from tests.e2e.test_participant_journey import (
    check_both_widths,
)
from tests.e2e.test_place_journey import log_in
from tests.factories import PASSWORD

pytestmark = pytest.mark.e2e

ORGANIZER_EMAIL = "lena.lead@example.se"
PART = "safe-urban-planning"
FINISHED = ("Åsa Öberg", "Karim Haddad")
NOT_FINISHED = ("Björn Ek", "Maja Lind")


@pytest.fixture
def cohort_id(live_server) -> int:
    """A Swedish municipality's round of the real course with four participants: two have
    finished part 2, one has started it, one has not."""
    with live_server.app.app_context():
        session = get_session()
        organisation = organizers.create_organisation(
            session,
            name="Alingsås kommun, kursledning",
            kind=OrganisationKind.MUNICIPALITY,
            timezone=None,
            created_by_id=None,
            language="sv",
        )
        organizer = accounts.create_user(
            session, email=ORGANIZER_EMAIL, name="Lena Ledare", password=PASSWORD, locale="sv"
        )
        session.add(Organizer(organisation_id=organisation.id, user_id=organizer.id))
        cohort = Cohort(
            organisation_id=organisation.id, course_slug="safer-places", name="Trygga Alingsås"
        )
        session.add(cohort)
        session.flush()
        roles = (
            AudienceRole.OFFICIAL,
            AudienceRole.POLICE,
            AudienceRole.TRADER,
            AudienceRole.PROPERTY_OWNER,
        )
        for number, (name, role) in enumerate(zip(FINISHED + NOT_FINISHED, roles, strict=True)):
            user = accounts.create_user(
                session, email=f"lead.{number}@example.se", name=name, password=PASSWORD
            )
            enrolment = Enrolment(
                cohort_id=cohort.id,
                user_id=user.id,
                role=role,
                invited_name=name,
                status=EnrolmentStatus.ACTIVE,
                accepted_at=utcnow(),
            )
            session.add(enrolment)
            session.flush()
            if name != NOT_FINISHED[1]:
                session.add(
                    PartState(
                        enrolment_id=enrolment.id,
                        cohort_id=cohort.id,
                        part_slug=PART,
                        completed_at=utcnow() if name in FINISHED else None,
                    )
                )
        session.commit()
        return cohort.id


def check(page: Page, folder: Path, name: str) -> None:
    check_both_widths(page, folder, f"lead-{name}")


def test_the_organizer_leads_part_two_and_prints_the_notes(
    page: Page, live_server, cohort_id, screenshot_dir
):
    page.set_viewport_size({"width": 1280, "height": 900})
    log_in(page, ORGANIZER_EMAIL)
    page.goto(f"/organize/cohorts/{cohort_id}")
    lead = page.get_by_role("region", name="Leda en kursträff")
    lead.get_by_role("link", name="Trygghetsskapande stadsplanering").click()
    expect(page.get_by_role("heading", level=1)).to_contain_text("Leda kursträffen om del 2")
    expect(page.get_by_text("Kursträffen tar 90 minuter.")).to_be_visible()
    run_sheet = page.get_by_role("table")
    expect(run_sheet.get_by_role("row")).to_have_count(7)
    expect(run_sheet).to_contain_text("Övningen \u201dFrån fynd till tre åtgärder\u201d")
    expect(page.get_by_role("heading", name="Övning: Från fynd till tre åtgärder")).to_be_visible()
    finished = page.locator("ul[aria-labelledby=finished-heading] li")
    expect(finished).to_have_count(2)
    expect(finished.first).to_contain_text("Karim Haddad")
    not_finished = page.locator("ul[aria-labelledby=not-finished-heading] li")
    expect(not_finished.first).to_contain_text("Björn Ek · Handlare · påbörjad")
    expect(not_finished.last).to_contain_text("Maja Lind")
    expect(not_finished.last).to_contain_text("inte påbörjad")
    check(page, screenshot_dir, "part-2")

    # Printing: Chromium's print-to-PDF with the print stylesheet.
    page.set_viewport_size({"width": 1280, "height": 900})
    pdf = screenshot_dir / "lead-print.pdf"
    page.emulate_media(media="print")
    page.pdf(
        path=str(pdf),
        format="A4",
        margin={"top": "15mm", "bottom": "15mm", "left": "15mm", "right": "15mm"},
    )
    if shutil.which("pdftoppm") and shutil.which("pdftotext"):
        for old in screenshot_dir.glob("lead-print-*.png"):
            old.unlink()
        subprocess.run(
            ["pdftoppm", "-png", "-r", "60", str(pdf), str(screenshot_dir / "lead-print")],
            check=True,
        )
        pages = subprocess.run(
            ["pdftotext", "-layout", str(pdf), "-"], check=True, capture_output=True, text=True
        ).stdout.split("\f")
        text = "".join(pages)
        assert "Leda kursträffen om del 2" in pages[0]
        # No navigation, footer or page-only hints on paper.
        for absent in ("Mina kurser", "Logga ut", "Tillgänglighet", "Bara arrangörer ser"):
            assert absent not in text, absent
        # The participants start a page of their own.
        people = next(n for n, text in enumerate(pages) if "Vilka som har gjort klart" in text)
        assert people > 0
        assert "Körschema" not in pages[people]
