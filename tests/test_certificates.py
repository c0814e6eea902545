"""Certificates: issued at completion, stored, verified by anyone, corrected and revoked."""

from __future__ import annotations

import hashlib
import io
import re
import zipfile

import pytest
from sqlalchemy import func, select

from academy.models import (
    AuditEvent,
    Certificate,
    CertificateStatus,
    EnrolmentStatus,
)
from academy.services import certificate_pdf, certificates, privacy
from tests.factories import (
    make_cohort,
    make_enrolment,
    make_organisation,
    make_organizer,
    make_user,
)
from tests.test_learn import complete_everything

FAKE_PDF = b"%PDF-1.7 fake certificate"


@pytest.fixture
def renders(monkeypatch):
    """Certificates rendered by a stand-in for WeasyPrint (tests/test_certificate_pdf.py
    renders real ones); the list holds the codes rendered, in order."""
    done: list[str] = []

    def render(certificate, course, *, verify_url):
        assert verify_url.endswith(certificates.format_code(certificate.code))
        done.append(certificate.code)
        return FAKE_PDF + certificate.code.encode()

    monkeypatch.setattr(certificate_pdf, "render_certificate", render)
    return done


@pytest.fixture
def course(app):
    with app.app_context():
        from academy.content import get_course

        return get_course("safer-streets")


@pytest.fixture
def organisation(db):
    return make_organisation(db, name="Vänersborgs kommun")


@pytest.fixture
def completed(client, db, organisation, course, renders):
    """A participant who completed the course through the pages, and their certificate."""
    cohort = make_cohort(db, organisation, name="Torpa hösten")
    user = make_user(db, name="Åsa-Kristin Östergård", certificate_name="Åsa-Kristin Östergård")
    enrolment = make_enrolment(db, cohort=cohort, user=user)
    client.login_as(user)
    complete_everything(client, enrolment, course)
    db.expire_all()
    certificate = db.scalars(
        select(Certificate).where(Certificate.enrolment_id == enrolment.id)
    ).one()
    return enrolment, certificate


# --- codes --------------------------------------------------------------------------------


def test_codes_carry_at_least_80_random_bits_in_crockford_base32():
    codes = {certificates.new_code() for _ in range(200)}
    assert len(codes) == 200
    for code in codes:
        assert re.fullmatch(r"[0-9A-HJKMNP-TV-Z]{20}", code)
    assert certificates.CODE_LENGTH * 5 >= 80


@pytest.mark.parametrize(
    "typed",
    [
        "ABCD-EFGH-JKMN-PQRS-TV01",
        "abcd efgh jkmn pqrs tv01",
        "abcdefghjkmnpqrstvo1",
        "ABCDEFGHJKMNPQRSTVOL",
    ],
)
def test_a_typed_code_is_read_in_any_case_with_or_without_dashes(typed):
    assert certificates.parse_code(typed) in ("ABCDEFGHJKMNPQRSTV01",)


@pytest.mark.parametrize(
    "typed", ["", "ABCD", "ABCD-EFGH-JKMN-PQRS-TVWU", "x" * 300, "ÅBCDEFGHJKMNPQRSTV01"]
)
def test_what_cannot_be_a_code_is_refused(typed):
    assert certificates.parse_code(typed) is None


def test_initials_show_no_more_than_the_first_letters():
    assert certificates.initials("Åsa-Kristin Östergård") == "Å.-K. Ö."
    assert certificates.initials("  øystein   ærø ") == "Ø. Æ."


# --- issuing ------------------------------------------------------------------------------


def test_completing_the_course_issues_a_certificate_and_stores_its_pdf(
    client, db, completed, course, renders
):
    enrolment, certificate = completed
    assert enrolment.status == EnrolmentStatus.COMPLETED
    assert certificate.status == CertificateStatus.VALID
    assert certificate.certificate_name == "Åsa-Kristin Östergård"
    assert certificate.holder_initials == "Å.-K. Ö."
    assert certificates.name_matches(certificate, "åsa-kristin  östergård")
    assert (certificate.organisation_name, certificate.cohort_name) == (
        "Vänersborgs kommun",
        "Torpa hösten",
    )
    assert (certificate.course_slug, certificate.content_version) == (
        course.slug,
        course.content_version,
    )
    assert set(certificate.part_completed_on) == {part.slug for part in course.parts}
    # Rendered once, after the commit, and kept with its hash.
    assert renders == [certificate.code]
    assert certificate.pdf == FAKE_PDF + certificate.code.encode()
    assert certificate.pdf_sha256 == hashlib.sha256(certificate.pdf).hexdigest()

    dashboard = client.get("/learn/").data.decode()
    assert certificates.format_code(certificate.code) in dashboard
    download = client.get(f"/certificates/{certificate.id}/certificate.pdf")
    assert download.status_code == 200 and download.mimetype == "application/pdf"
    assert download.data == certificate.pdf
    assert renders == [certificate.code]  # served as stored, not rendered again


def test_a_failed_render_leaves_the_certificate_and_the_first_download_renders_it(
    client, db, organisation, course, monkeypatch
):
    def broken(certificate, course, *, verify_url):
        raise RuntimeError("WeasyPrint fell over")

    monkeypatch.setattr(certificate_pdf, "render_certificate", broken)
    cohort = make_cohort(db, organisation)
    enrolment = make_enrolment(db, cohort=cohort)
    client.login_as(enrolment.user)
    complete_everything(client, enrolment, course)
    certificate = db.scalars(select(Certificate)).one()
    assert certificate.pdf is None

    monkeypatch.setattr(
        certificate_pdf, "render_certificate", lambda c, course, *, verify_url: FAKE_PDF
    )
    first = client.get(f"/certificates/{certificate.id}/certificate.pdf")
    assert first.status_code == 200 and first.data == FAKE_PDF
    db.refresh(certificate)
    assert certificate.pdf == FAKE_PDF
    assert certificate.pdf_sha256 == hashlib.sha256(FAKE_PDF).hexdigest()


def test_completing_again_after_a_return_issues_no_second_certificate(
    app, db, completed, course, app_context
):
    enrolment, _certificate = completed
    assert certificates.issue(db, enrolment, course) is None
    assert db.scalar(select(func.count()).select_from(Certificate)) == 1


# --- verification -------------------------------------------------------------------------


def test_the_verification_page_shows_initials_not_the_name_and_checks_a_typed_name(
    client, db, completed
):
    _enrolment, certificate = completed
    client.get("/logout")
    anonymous = client.application.test_client()
    code = certificates.format_code(certificate.code)
    page = anonymous.get(f"/verify/{code}")
    text = page.data.decode()
    assert page.status_code == 200
    assert "Valid certificate" in text and "Å.-K. Ö." in text and "Vänersborgs kommun" in text
    assert "Östergård" not in text and "Åsa-Kristin" not in text
    assert page.headers["X-Robots-Tag"].startswith("noindex")
    assert '<meta name="robots" content="noindex' in text

    typed = anonymous.get("/verify", query_string={"code": certificate.code.lower()})
    assert typed.status_code == 302 and typed.headers["Location"] == f"/verify/{code}"

    from tests.conftest import Client

    visitor = Client(client.application, anonymous)
    yes = visitor.post_form(f"/verify/{code}", {"name": "ÅSA-KRISTIN ÖSTERGÅRD"})
    assert "Yes: the certificate was issued to this name." in yes.data.decode()
    no = visitor.post_form(f"/verify/{code}", {"name": "Asa-Kristin Ostergard"})
    assert "No: the certificate was not issued to this name." in no.data.decode()


def test_an_unknown_or_malformed_code_says_so(client):
    unknown = client.get("/verify/ZZZZ-ZZZZ-ZZZZ-ZZZZ-ZZZZ")
    assert unknown.status_code == 404
    assert "No certificate has this code" in unknown.data.decode()
    malformed = client.get("/verify", query_string={"code": "not a code"})
    assert malformed.status_code == 200
    assert "That is not a certificate code" in malformed.data.decode()
    assert client.get("/verify/" + "A" * 300).status_code == 404


def test_the_verification_page_is_translated(client, completed):
    _enrolment, certificate = completed
    code = certificates.format_code(certificate.code)
    visitor = client.application.test_client()
    swedish = visitor.get(f"/verify/{code}", headers={"Accept-Language": "sv"}).data.decode()
    norwegian = visitor.get(f"/verify/{code}", headers={"Accept-Language": "nb"}).data.decode()
    assert "Giltigt intyg" in swedish and "Kontrollera innehavarens namn" in swedish
    assert "Gyldig kursbevis" in norwegian and "Kontroller innehaverens navn" in norwegian


def test_verification_is_rate_limited(app, client):
    limit = int(app.config["VERIFY_LIMIT"].split()[0])
    for _ in range(limit):
        assert client.get("/verify/ZZZZ-ZZZZ-ZZZZ-ZZZZ-ZZZZ").status_code == 404
    assert client.get("/verify/ZZZZ-ZZZZ-ZZZZ-ZZZZ-ZZZZ").status_code == 429


# --- corrections and revocation -----------------------------------------------------------


def test_the_holder_corrects_the_name_and_the_old_certificate_points_to_the_new(
    client, db, completed, renders
):
    enrolment, old = completed
    response = client.post_form(f"/certificates/{old.id}/correct", {"name": "Åsa Östergård"})
    assert response.status_code == 302
    db.expire_all()
    new = db.scalars(select(Certificate).where(Certificate.status == CertificateStatus.VALID)).one()
    assert new.id != old.id and new.certificate_name == "Åsa Östergård"
    assert new.part_completed_on == old.part_completed_on
    assert renders[-1] == new.code
    db.refresh(old)
    assert old.status == CertificateStatus.SUPERSEDED and old.superseded_by_id == new.id
    page = client.get(f"/verify/{certificates.format_code(old.code)}").data.decode()
    assert "This certificate has been replaced" in page
    assert f"/verify/{certificates.format_code(new.code)}" in page
    event = db.scalars(select(AuditEvent).where(AuditEvent.action == "certificate.corrected")).one()
    assert event.actor_id == enrolment.user_id and event.object_id == new.id

    # The old one cannot be corrected again; an empty name is refused with a message.
    assert client.post_form(f"/certificates/{old.id}/correct", {"name": "X"}).status_code == 404
    empty = client.post_form(f"/certificates/{new.id}/correct", {"name": "  "})
    assert "Enter a name." in empty.data.decode()


def test_an_organizer_corrects_and_revokes_and_both_are_audited(
    client, db, completed, organisation, renders
):
    enrolment, certificate = completed
    organizer = make_organizer(db, organisation).user
    client.login_as(organizer)
    manage = client.get(f"/organize/enrolments/{enrolment.id}/certificate").data.decode()
    assert "Åsa-Kristin Östergård" in manage
    client.post_form(
        f"/organize/certificates/{certificate.id}/correct", {"name": "Åsa-Kristin Östergård Lind"}
    )
    db.expire_all()
    current = db.scalars(
        select(Certificate).where(Certificate.status == CertificateStatus.VALID)
    ).one()
    assert current.certificate_name == "Åsa-Kristin Östergård Lind"

    no_reason = client.post_form(f"/organize/certificates/{current.id}/revoke", {"reason": ""})
    assert no_reason.status_code == 302
    db.refresh(current)
    assert current.status == CertificateStatus.VALID
    client.post_form(
        f"/organize/certificates/{current.id}/revoke", {"reason": "Utfärdat av misstag."}
    )
    db.refresh(current)
    assert current.status == CertificateStatus.REVOKED and current.revoked_at is not None
    page = client.get(f"/verify/{certificates.format_code(current.code)}").data.decode()
    assert "This certificate has been revoked" in page and "Utfärdat av misstag." in page
    actions = [e.action for e in db.scalars(select(AuditEvent).order_by(AuditEvent.id))]
    assert "certificate.corrected" in actions and "certificate.revoked" in actions
    # A revoked certificate is no Open Badge.
    client.login_as(enrolment.user)
    assert client.get(f"/certificates/{current.id}/open-badge.jwt").status_code == 404


# --- access -------------------------------------------------------------------------------


def test_nobody_else_reaches_a_certificate(client, db, completed):
    enrolment, certificate = completed
    other_organisation = make_organisation(db)
    stranger_organizer = make_organizer(db, other_organisation).user
    other_participant = make_user(db)
    urls_get = [
        f"/certificates/{certificate.id}/certificate.pdf",
        f"/certificates/{certificate.id}/open-badge.jwt",
        f"/certificates/{certificate.id}/correct",
        f"/organize/enrolments/{enrolment.id}/certificate",
    ]
    urls_post = [
        f"/certificates/{certificate.id}/correct",
        f"/organize/certificates/{certificate.id}/correct",
        f"/organize/certificates/{certificate.id}/revoke",
        f"/organize/cohorts/{enrolment.cohort_id}/certificates.zip",
        f"/organize/cohorts/{enrolment.cohort_id}/certificates/render",
    ]
    for user in (stranger_organizer, other_participant):
        client.login_as(user)
        for url in urls_get:
            response = client.get(url)
            assert response.status_code == 404, (user.email, url)
            assert b"%PDF" not in response.data
        for url in urls_post:
            response = client.post_form(url, {"name": "Evil", "reason": "Evil"})
            assert response.status_code == 404, (user.email, url)
    db.refresh(certificate)
    assert certificate.status == CertificateStatus.VALID


# --- downloads for the round --------------------------------------------------------------


def test_the_round_zip_holds_every_stored_pdf_and_the_missing_ones_can_be_prepared(
    client, db, completed, organisation, course, renders, app
):
    enrolment, certificate = completed
    second = make_enrolment(db, cohort=enrolment.cohort, user=make_user(db, name="Øystein Ærø"))
    with app.app_context():
        extra = certificates.issue(db, second, course)
    db.flush()
    assert extra.pdf is None
    organizer = make_organizer(db, organisation).user
    client.login_as(organizer)
    round_page = client.get(f"/organize/cohorts/{enrolment.cohort_id}").data.decode()
    assert "Prepare 1 certificate missing from the ZIP" in round_page

    archive = client.post_form(f"/organize/cohorts/{enrolment.cohort_id}/certificates.zip")
    assert archive.status_code == 200 and archive.mimetype == "application/zip"
    with zipfile.ZipFile(io.BytesIO(archive.data)) as opened:
        names = opened.namelist()
        assert names == [f"asa-kristin-ostergard-{certificate.code}.pdf"]
        assert opened.read(names[0]) == certificate.pdf

    client.post_form(f"/organize/cohorts/{enrolment.cohort_id}/certificates/render")
    db.refresh(extra)
    assert extra.pdf is not None and renders[-1] == extra.code
    archive = client.post_form(f"/organize/cohorts/{enrolment.cohort_id}/certificates.zip")
    with zipfile.ZipFile(io.BytesIO(archive.data)) as opened:
        assert len(opened.namelist()) == 2
    exported = db.scalars(select(AuditEvent).where(AuditEvent.action == "certificates.exported"))
    assert [event.details["count"] for event in exported] == [1, 2]


def test_the_render_command_renders_what_is_missing(app, db, completed, course, renders):
    enrolment, _certificate = completed
    second = make_enrolment(db, cohort=enrolment.cohort)
    with app.app_context():
        extra = certificates.issue(db, second, course)
    db.flush()
    runner = app.test_cli_runner()
    result = runner.invoke(args=["certificates", "render", "--cohort", str(enrolment.cohort_id)])
    assert result.exit_code == 0, result.output
    assert "1 of 1 certificates rendered." in result.output
    db.refresh(extra)
    assert extra.pdf is not None
    bad = runner.invoke(args=["certificates", "render", "--cohort", "999999"])
    assert bad.exit_code != 0 and "no round with id 999999" in bad.output


# --- erasure ------------------------------------------------------------------------------


def test_after_erasure_the_certificate_still_verifies_by_initials_and_name(
    app, client, db, completed
):
    enrolment, certificate = completed
    with app.app_context():
        privacy.erase_account(db, enrolment.user, withdraw_certificates=False)
    db.flush()
    db.refresh(certificate)
    assert certificate.enrolment_id is None
    client.get("/logout")
    visitor = client.application.test_client()
    page = visitor.get(f"/verify/{certificates.format_code(certificate.code)}").data.decode()
    assert "Valid certificate" in page and "Å.-K. Ö." in page
