"""An organizer runs a town-wide round of 10,000 participants in Chromium (issue 13,
items 8 to 12):

- the round page comes in pages of 50, small, with search by name or e-mail address
  (Å and Ø in any case) and filters by status and role, counted;
- each invitation says where its mail is: waiting in the outbox, sent, rejected;
- withdrawing asks first, can be cancelled, and is undone by Reinstate;
- attendance waits for the session to start and lists only those who joined;
- a bad video link is explained once;
- a file over the upload limit brings the organizer back to the import with the limit;
- a small import into the big round adds up and lands on the round page;
- the report's downloads are named for the round and the day.

Runs axe (WCAG 2 A and AA) and the sideways-scroll check at 1280 and 360 px on the round
page, the withdrawal question and the attendance page, and saves screenshots as
test-results/screenshots/town-*.png.
"""

from __future__ import annotations

import io
import re
from datetime import date, timedelta
from pathlib import Path

import openpyxl
import pytest
from playwright.sync_api import Page, expect
from sqlalchemy import func, select, update

from academy.db import get_session
from academy.models import (
    AudienceRole,
    Enrolment,
    EnrolmentStatus,
    Invitation,
    LiveSession,
    MailStatus,
    OrganisationKind,
    Organizer,
    OutboxMail,
    utcnow,
)
from academy.services import accounts, cohorts, enrolments, organizers
from tests.e2e import signing_in
from tests.e2e.test_participant_journey import no_sideways_scroll, serious_violations
from tests.factories import PASSWORD
from tests.test_round_page import NAMES, fill_round

pytestmark = pytest.mark.e2e

ROUND = "Hele Kongsvinger, høsten 2027"
ORGANIZER_EMAIL = "town.organizer@example.no"
PARTICIPANTS = 10_000


@pytest.fixture
def town_round(live_server) -> dict:
    """An organizer of a municipality with a round of 10,000 (statuses and roles in turn,
    a third invited), a session held yesterday and one next week, and three people whose
    invitation mails are waiting, sent and rejected."""
    with live_server.app.app_context():
        session = get_session()
        organisation = organizers.create_organisation(
            session,
            name="Kongsvinger kommune",
            kind=OrganisationKind.MUNICIPALITY,
            timezone="Europe/Oslo",
            created_by_id=None,
        )
        user = accounts.create_user(
            session, email=ORGANIZER_EMAIL, name="Ola Organisør", password=PASSWORD
        )
        session.add(Organizer(organisation_id=organisation.id, user_id=user.id))
        cohort = cohorts.create_cohort(
            session, organisation, course_slug="safer-places", name=ROUND
        )
        fill_round(session, cohort, PARTICIPANTS)
        now = utcnow()
        for title, starts in (
            ("Oppstart på rådhuset", now - timedelta(days=1)),
            ("Trygghetsvandring på Rasta", now + timedelta(days=6)),
        ):
            session.add(
                LiveSession(
                    cohort=cohort,
                    title=title,
                    starts_at=starts,
                    ends_at=starts + timedelta(hours=2),
                )
            )
        invited = {}
        for name, email, state in (
            ("Åse Venter", "ase.venter@example.no", MailStatus.QUEUED),
            ("Bjørn Sendt", "bjorn.sendt@example.no", MailStatus.SENT),
            ("Cato Avvist", "cato.avvist@example.no", MailStatus.BOUNCED),
        ):
            enrolment, _token = enrolments.invite_participant(
                session,
                cohort,
                email=email,
                name=name,
                role=AudienceRole.POLICE,
                locale="nb",
            )
            session.flush()
            mail_id = session.scalar(
                select(Invitation.mail_id).where(Invitation.enrolment_id == enrolment.id)
            )
            session.execute(update(OutboxMail).where(OutboxMail.id == mail_id).values(status=state))
            invited[name] = enrolment.id
        session.commit()
        return {"cohort": cohort.id, "invited": invited}


def log_in(page: Page) -> None:
    signing_in.log_in(page, ORGANIZER_EMAIL, PASSWORD)
    page.wait_for_url("**/")


def look(page: Page, name: str, folder: Path) -> None:
    for width, height in ((1280, 900), (360, 780)):
        page.set_viewport_size({"width": width, "height": height})
        assert no_sideways_scroll(page), f"{name} at {width} px"
        assert serious_violations(page) == [], f"{name} at {width} px"
        page.screenshot(path=folder / f"town-{name}-{width}.png", full_page=True)
    page.set_viewport_size({"width": 1280, "height": 900})


def names_on(page: Page) -> list[str]:
    return page.locator("table.roster tbody th").all_inner_texts()


def test_an_organizer_runs_a_round_of_a_whole_town(
    page: Page, live_server, town_round, screenshot_dir
):
    round_url = f"/organize/cohorts/{town_round['cohort']}"
    page.set_viewport_size({"width": 1280, "height": 900})
    page.set_extra_http_headers({"Accept-Language": "en"})
    log_in(page)

    # Item 8: paged, small, searched and filtered.
    response = page.goto(round_url)
    assert len(response.body()) < 200_000
    total = PARTICIPANTS + 3
    expect(page.locator("#participants-range")).to_have_text(
        f"Participants 1\u201350 of {total}, by name."
    )
    expect(page.locator("table.roster tbody tr")).to_have_count(50)
    look(page, "round", screenshot_dir)
    page.get_by_role("link", name="Next").click()
    expect(page.locator(".pager")).to_contain_text(f"Page 2 of {-(-total // 50)}")
    page.get_by_label("Name or e-mail").fill("øystein ærø 0")
    page.get_by_role("button", name="Show", exact=True).click()
    found = names_on(page)
    assert found and all(name.startswith(NAMES[1]) for name in found)
    page.goto(round_url)
    page.get_by_label("Status").select_option("invited")
    page.get_by_label("Role").select_option("police")
    page.get_by_role("button", name="Show", exact=True).click()
    with live_server.app.app_context():
        expected = get_session().scalar(
            select(func.count()).where(
                Enrolment.cohort_id == town_round["cohort"],
                Enrolment.status == EnrolmentStatus.INVITED,
                Enrolment.role == "police",
            )
        )
    expect(page.locator("#participants-range")).to_contain_text(f"of {expected}, by name")

    # Item 10: the invitation is where its mail is.
    for name, label in (
        ("Åse Venter", "Waiting in the outbox"),
        ("Bjørn Sendt", "Sent"),
        ("Cato Avvist", "Address rejected"),
    ):
        page.goto(f"{round_url}?q={name}")
        row = page.locator("table.roster tbody tr").filter(has_text=name)
        expect(row.locator("td").nth(3)).to_contain_text(label)

    # Item 11: withdrawing asks first; Cancel changes nothing; Reinstate undoes it.
    page.goto(f"{round_url}?q=Bjørn Sendt")
    row = page.locator("table.roster tbody tr").filter(has_text="Bjørn Sendt")
    row.get_by_role("link", name="Withdraw").click()
    expect(page.locator("h1")).to_have_text("Withdraw Bjørn Sendt from the round?")
    look(page, "withdraw", screenshot_dir)
    page.get_by_role("link", name="Cancel").click()
    expect(page.locator("h1")).to_contain_text(ROUND)
    page.goto(f"{round_url}?q=Bjørn Sendt")
    page.locator("table.roster tbody tr").get_by_role("link", name="Withdraw").click()
    page.get_by_role("button", name="Withdraw").click()
    expect(page.locator(".flash-info")).to_contain_text("can be reinstated")
    page.goto(f"{round_url}?q=Bjørn Sendt")
    row = page.locator("table.roster tbody tr").filter(has_text="Bjørn Sendt")
    expect(row).to_contain_text("Withdrawn")
    row.get_by_role("button", name="Reinstate").click()
    expect(page.locator(".flash-success")).to_contain_text("back in the round")
    with live_server.app.app_context():
        enrolment = get_session().get(Enrolment, town_round["invited"]["Bjørn Sendt"])
        assert enrolment.status == EnrolmentStatus.INVITED

    # Attendance: only the session that started, only those who joined.
    page.goto(round_url)
    sessions = page.locator("ul.sessions")
    expect(sessions.locator("li").filter(has_text="Trygghetsvandring")).not_to_contain_text(
        "Attendance"
    )
    sessions.locator("li").filter(has_text="Oppstart").get_by_role(
        "link", name="Attendance"
    ).click()
    expect(page.locator("#waiting-heading")).to_have_text("Not joined yet")
    expect(page.locator("#present-list input[type=checkbox]")).to_have_count(50)
    page.get_by_label("Name or e-mail").fill("Åse Venter")
    page.get_by_role("button", name="Show", exact=True).click()
    expect(page.locator("main")).to_contain_text("No participant matches.")
    page.get_by_label("Name or e-mail").fill("märta ek 0000")
    page.get_by_role("button", name="Show", exact=True).click()
    marta = page.locator("#present-list input[type=checkbox]")
    expect(marta).to_have_count(1)  # Märta Ek 00003 is invited, 00008 has joined
    marta.first.check()
    look(page, "attendance", screenshot_dir)
    page.get_by_role("button", name="Save attendance").click()
    expect(page.locator(".flash-success")).to_contain_text("Attendance is saved.")
    expect(page.locator("#present-list input[type=checkbox]").first).to_be_checked()

    # Item 12: a bad video link, explained once.
    page.goto(round_url)
    page.get_by_role("link", name="New live session").click()
    page.get_by_label("Title", exact=True).fill("Digital oppfølging")
    page.get_by_label("Date", exact=True).fill((date.today() + timedelta(days=20)).isoformat())
    page.get_by_label("Starts at", exact=True).fill("18:00")
    page.get_by_label("Ends at", exact=True).fill("19:00")
    page.get_by_label("Video link").fill("teams.example.no/oppfolging")
    page.get_by_role("button", name="Save", exact=True).click()
    expect(page.locator(".field-error")).to_have_count(1)
    expect(page.locator(".field-error")).to_have_text("Give a full link starting with https://.")

    # Item 12: too large a file goes back to the import with the limit.
    page.goto(f"{round_url}/import")
    too_large = b"name,email,role\n" + b"x" * (6 * 1024 * 1024)
    page.get_by_label("Spreadsheet (.xlsx, .csv or .txt)").set_input_files(
        {"name": "hele-byen.csv", "mimeType": "text/csv", "buffer": too_large}
    )
    page.get_by_role("button", name="Upload and check").click()
    expect(page).to_have_url(re.compile(r"/import$"))
    expect(page.locator("main")).to_contain_text("5 MB")

    # Item 9: a small import into the big round adds up and lands on the round page.
    existing = f"Deltagare.{town_round['cohort']}.7@Example.se"
    lines = [
        "name;email;role",
        "Signe Strand;signe.strand@example.no;trader",
        f"Someone;{existing};police",
        "Ugyldig;not-an-address;trader",
    ]
    page.get_by_label("Spreadsheet (.xlsx, .csv or .txt)").set_input_files(
        {"name": "nye.csv", "mimeType": "text/csv", "buffer": "\r\n".join(lines).encode()}
    )
    page.get_by_role("button", name="Upload and check").click()
    expect(page.locator("h1")).to_have_text("Check the import")
    expect(page.get_by_role("button", name=re.compile("^Enrol"))).to_have_count(0)
    page.goto(f"{round_url}/import")
    page.get_by_label("Spreadsheet (.xlsx, .csv or .txt)").set_input_files(
        {"name": "nye.csv", "mimeType": "text/csv", "buffer": "\r\n".join(lines[:3]).encode()}
    )
    page.get_by_role("button", name="Upload and check").click()
    page.get_by_role("button", name="Enrol 1 participant and send the invitation").click()
    expect(page).to_have_url(re.compile(rf"{round_url}$"))
    expect(page.locator("#participants-range")).to_contain_text(f"of {total + 1}")

    # Item 12: the report's downloads are named for the round and the day.
    page.goto(f"{round_url}/report")
    with page.expect_download() as csv_download:
        page.get_by_role("button", name="CSV", exact=True).click()
    assert re.fullmatch(
        r"hele-kongsvinger-hosten-2027-report-\d{4}-\d{2}-\d{2}\.csv",
        csv_download.value.suggested_filename,
    )
    with page.expect_download() as xlsx_download:
        page.get_by_role("button", name="Excel (.xlsx)").click()
    assert xlsx_download.value.suggested_filename.endswith(".xlsx")
    workbook = openpyxl.load_workbook(io.BytesIO(Path(xlsx_download.value.path()).read_bytes()))
    names = [row[0].value for row in workbook.worksheets[0].iter_rows(min_row=2, max_row=50)]
    assert names and not any(str(name).startswith("'") for name in names)
