"""A certificate, in Chromium: the holder downloads it, a stranger verifies it, an
organizer corrects it. Runs axe (WCAG 2 A and AA) on each page, checks none scrolls
sideways at 360 px, renders the real PDF to PNG and saves screenshots.
"""

from __future__ import annotations

import shutil
import subprocess

import pytest
from playwright.sync_api import Page, expect
from sqlalchemy import select

from academy.content import get_course
from academy.db import get_session
from academy.models import (
    AssignmentSubmission,
    AudienceRole,
    Certificate,
    Cohort,
    Enrolment,
    LessonProgress,
    OrganisationKind,
    Organizer,
    QuizAttempt,
    SubmissionStatus,
    utcnow,
)
from academy.services import accounts, certificates, organizers, progress
from tests.e2e import signing_in
from tests.e2e.test_organizer_journey import Shots
from tests.factories import PASSWORD

pytestmark = pytest.mark.e2e

HOLDER = "Karl-Johan Åkesson-Øvergaard"
HOLDER_EMAIL = "karl-johan.akesson@example.se"
ORGANIZER_EMAIL = "ingrid.organizer@example.no"


@pytest.fixture
def certificate(live_server):
    """A participant who completed the real course, with an issued and rendered
    certificate, and an organizer of the round."""
    app = live_server.app
    with app.app_context():
        session = get_session()
        organisation = organizers.create_organisation(
            session,
            name="Sarpsborg kommune",
            kind=OrganisationKind.MUNICIPALITY,
            timezone="Europe/Oslo",
            created_by_id=None,
        )
        cohort = Cohort(
            organisation_id=organisation.id, course_slug="safer-places", name="Sentrum, høsten"
        )
        holder = accounts.create_user(
            session, email=HOLDER_EMAIL, name=HOLDER, password=PASSWORD, locale="sv"
        )
        organizer = accounts.create_user(
            session, email=ORGANIZER_EMAIL, name="Ingrid Ødegård", password=PASSWORD
        )
        session.add_all([cohort, Organizer(organisation_id=organisation.id, user_id=organizer.id)])
        session.flush()
        enrolment = Enrolment(cohort_id=cohort.id, user_id=holder.id, role=AudienceRole.POLICE)
        session.add(enrolment)
        session.flush()
        # Every step of the real course, recorded as the pages record them, then the
        # completion that issues the certificate in the same transaction.
        course = get_course("safer-places")
        for part in course.parts:
            for lesson in part.lessons:
                session.add(
                    LessonProgress(
                        enrolment_id=enrolment.id, part_slug=part.slug, lesson_slug=lesson.slug
                    )
                )
            items = part.quiz.attempt_size
            session.add(
                QuizAttempt(
                    enrolment_id=enrolment.id,
                    part_slug=part.slug,
                    content_version=course.content_version,
                    nonce=f"e2e-{enrolment.id}-{part.slug}",
                    score=items,
                    max_score=items,
                    passed=True,
                )
            )
            session.add(
                AssignmentSubmission(
                    enrolment_id=enrolment.id,
                    part_slug=part.slug,
                    content_version=course.content_version,
                    status=SubmissionStatus.SUBMITTED,
                    submitted_at=utcnow(),
                )
            )
        session.flush()
        progress.update_completion(session, enrolment, course)
        session.commit()
        assert certificates.render_pending(session) == 1
        issued = session.scalars(
            select(Certificate).where(Certificate.enrolment_id == enrolment.id)
        ).one()
        return issued.id, issued.code, enrolment.id


def log_in(page: Page, email: str) -> None:
    signing_in.log_in(page, email, PASSWORD)


def test_a_certificate_is_downloaded_verified_and_corrected(
    page: Page, browser, live_server, certificate, screenshot_dir, tmp_path
):
    certificate_id, code, enrolment_id = certificate
    shots = Shots(page, screenshot_dir)
    page.set_viewport_size({"width": 1280, "height": 900})
    page.set_extra_http_headers({"Accept-Language": "sv"})

    # The holder finds the certificate on the dashboard and downloads it.
    log_in(page, HOLDER_EMAIL)
    page.goto("/learn/")
    box = page.locator(".certificate-box")
    expect(box).to_contain_text(certificates.format_code(code))
    shots.take("certificate-dashboard-sv")
    with page.expect_download() as download:
        box.get_by_role("link", name="Ladda ned intyget (PDF)").click()
    pdf = tmp_path / "intyg.pdf"
    download.value.save_as(pdf)
    assert pdf.read_bytes().startswith(b"%PDF")
    if shutil.which("pdftoppm"):
        subprocess.run(
            [
                "pdftoppm",
                "-png",
                "-r",
                "60",
                "-singlefile",
                str(pdf),
                str(screenshot_dir / "certificate-pdf-sv"),
            ],
            check=True,
        )
    with page.expect_download() as badge:
        box.get_by_role("link", name="Ladda ned Open Badge").click()
    assert badge.value.suggested_filename.endswith(".jwt")

    # A stranger (an employer) types the code in lower case and checks the name.
    stranger = browser.new_page(
        base_url=live_server.url, extra_http_headers={"Accept-Language": "nb"}
    )
    stranger_shots = Shots(stranger, screenshot_dir)
    stranger.set_viewport_size({"width": 1280, "height": 900})
    stranger.goto("/verify")
    stranger.get_by_label("Kursbeviskode").fill(code.lower())
    stranger.get_by_role("button", name="Kontroller", exact=True).click()
    expect(stranger.locator("h1")).to_have_text("Gyldig kursbevis")
    expect(stranger.locator("main")).not_to_contain_text("Åkesson")
    stranger.get_by_label("Innehaverens fulle navn").fill("karl-johan åkesson-øvergaard")
    stranger.get_by_role("button", name="Kontroller navnet").click()
    expect(stranger.locator(".flash-success")).to_contain_text("Ja")
    stranger_shots.take("certificate-verify-nb")

    # The organizer corrects the name; the old code now points to the new certificate.
    page.context.clear_cookies()
    page.set_extra_http_headers({"Accept-Language": "en"})
    log_in(page, ORGANIZER_EMAIL)
    page.goto(f"/organize/enrolments/{enrolment_id}/certificate")
    shots.take("certificate-manage-en")
    page.get_by_label("Name on the certificate").fill("Karl-Johan Åkesson")
    page.get_by_role("button", name="Issue a corrected certificate").click()
    expect(page.locator(".flash-success")).to_contain_text("corrected certificate")
    stranger.goto(f"/verify/{certificates.format_code(code)}")
    expect(stranger.locator("h1")).to_have_text("Kursbeviset er erstattet")
    stranger.get_by_role("link", name="Se det gjeldende kursbeviset").click()
    expect(stranger.locator("h1")).to_have_text("Gyldig kursbevis")
    stranger_shots.take("certificate-replaced-nb", axe=True)
    stranger.close()
    assert certificate_id
