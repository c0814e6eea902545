"""On a phone, in Swedish: a participant turns off the certificate mail on the profile page
(the obligations are named as always sent) and makes and turns off a private calendar
address, and an organizer cancels a live session, which stays on the round page as
cancelled. Axe at 1280 and 360 px, screenshots of both."""

from __future__ import annotations

from datetime import timedelta
from pathlib import Path

import pytest
from playwright.sync_api import Page, expect
from sqlalchemy import select

from academy.db import get_session
from academy.models import (
    AudienceRole,
    Cohort,
    Enrolment,
    EnrolmentStatus,
    LiveSession,
    NotificationOptOut,
    OrganisationKind,
    Organizer,
    OutboxMail,
    utcnow,
)
from academy.services import accounts, cohorts, organizers
from tests.e2e import signing_in
from tests.e2e.test_participant_journey import (
    check_both_widths,
)
from tests.factories import PASSWORD

pytestmark = pytest.mark.e2e

EMAIL = "e2e-mails@example.se"


@pytest.fixture
def user_id(live_server) -> int:
    with live_server.app.app_context():
        session = get_session()
        user = accounts.create_user(session, email=EMAIL, name="Åsa Ödegård", password=PASSWORD)
        user.locale = "sv"
        session.commit()
        return user.id


def check(page: Page, folder: Path, name: str) -> None:
    check_both_widths(page, folder, f"notification-settings-{name}")


def test_a_participant_turns_the_certificate_mail_off_on_a_phone(
    page: Page, live_server, user_id, screenshot_dir
):
    page.set_viewport_size({"width": 360, "height": 780})
    signing_in.log_in(page, EMAIL, PASSWORD)
    page.goto("/account")
    expect(page.locator("html")).to_have_attribute("lang", "sv")
    expect(page.get_by_text("en inlämningsuppgift som skickats tillbaka")).to_be_visible()
    certificate = page.get_by_label("Mitt intyg är utfärdat")
    expect(certificate).to_be_checked()
    check(page, screenshot_dir, "before")

    page.set_viewport_size({"width": 360, "height": 780})
    certificate.uncheck()
    page.get_by_role("button", name="Spara inställningarna").click()
    expect(page.get_by_text("Dina e-postinställningar är sparade.")).to_be_visible()
    expect(page.get_by_label("Mitt intyg är utfärdat")).not_to_be_checked()
    expect(page.get_by_label("Min inlämningsuppgift är godkänd")).to_be_checked()
    check(page, screenshot_dir, "saved")
    with live_server.app.app_context():
        off = get_session().scalars(
            select(NotificationOptOut.kind).where(NotificationOptOut.user_id == user_id)
        )
        assert list(off) == ["certificate-issued"]

    # The private calendar address: made, shown to copy, fetched as a calendar program
    # would (no login), then turned off.
    page.get_by_role("button", name="Skapa min kalenderadress").click()
    expect(page.get_by_text("Din kalenderadress är klar")).to_be_visible()
    address = page.get_by_label("Din privata kalenderadress")
    expect(address).to_have_attribute("readonly", "")
    url = address.input_value()
    assert url.startswith(live_server.url + "/calendar/") and url.endswith(".ics")
    webcal = page.get_by_role("link", name="Öppna i mitt kalenderprogram")
    expect(webcal).to_have_attribute("href", "webcal:" + url.split(":", 1)[1])
    check(page, screenshot_dir, "calendar")
    feed = page.context.request.get(url)
    assert feed.status == 200 and feed.headers["content-type"].startswith("text/calendar")
    assert b"BEGIN:VCALENDAR" in feed.body() and b"Academy: kurstr" in feed.body()
    page.get_by_role("button", name="Stäng av prenumerationen").click()
    expect(page.get_by_text("Din kalenderprenumeration är avstängd.")).to_be_visible()
    assert page.context.request.get(url).status == 404


ORGANIZER_EMAIL = "e2e-sessions@example.se"


@pytest.fixture
def cohort_id(live_server) -> int:
    """A round with one participant who joined and two sessions to come, by the services."""
    with live_server.app.app_context():
        session = get_session()
        organisation = organizers.create_organisation(
            session,
            name="Trollhättans stad",
            kind=OrganisationKind.MUNICIPALITY,
            timezone=None,
            created_by_id=None,
        )
        organizer = accounts.create_user(
            session, email=ORGANIZER_EMAIL, name="Olle Arrangör", password=PASSWORD, locale="sv"
        )
        participant = accounts.create_user(
            session, email="e2e-sessions-p@example.se", name="Pia", password=PASSWORD
        )
        cohort = Cohort(
            organisation_id=organisation.id, course_slug="safer-places", name="Centrum hösten"
        )
        session.add_all([cohort, Organizer(organisation_id=organisation.id, user_id=organizer.id)])
        session.flush()
        session.add(
            Enrolment(
                cohort_id=cohort.id,
                user_id=participant.id,
                role=AudienceRole.TRADER,
                status=EnrolmentStatus.ACTIVE,
                accepted_at=utcnow(),
            )
        )
        for days, title in ((10, "Trygghetsvandring vid resecentrum"), (24, "Uppföljning")):
            start = utcnow() + timedelta(days=days)
            cohorts.save_live_session(
                session,
                cohort,
                None,
                changed_by_id=organizer.id,
                title=title,
                starts_at=start,
                ends_at=start + timedelta(hours=2),
                location="Stadshuset, sal 3",
            )
        session.commit()
        return cohort.id


def test_an_organizer_cancels_a_live_session_on_a_phone(
    page: Page, live_server, cohort_id, screenshot_dir
):
    page.set_viewport_size({"width": 360, "height": 780})
    signing_in.log_in(page, ORGANIZER_EMAIL, PASSWORD)
    page.goto(f"/organize/cohorts/{cohort_id}")
    sessions = page.locator("#sessions-heading").locator("xpath=ancestor::section")
    sessions.get_by_role("button", name="Ställ in kursträffen").first.click()
    expect(
        page.get_by_text("Kursträffen är inställd, och deltagarna får veta det.")
    ).to_be_visible()
    expect(sessions.get_by_text("Inställd", exact=True)).to_have_count(1)
    expect(sessions.get_by_role("button", name="Ställ in kursträffen")).to_have_count(1)
    sessions.scroll_into_view_if_needed()
    check(page, screenshot_dir, "round-page")
    with live_server.app.app_context():
        session = get_session()
        cancelled = session.scalars(
            select(LiveSession).where(
                LiveSession.cohort_id == cohort_id, LiveSession.cancelled_at.is_not(None)
            )
        ).one()
        assert cancelled.sequence == 1
        subjects = session.scalars(
            select(OutboxMail.subject).where(OutboxMail.to_address == "e2e-sessions-p@example.se")
        ).all()
        assert [s.split(":")[0] for s in subjects] == ["New live session"] * 2 + ["Cancelled"]
