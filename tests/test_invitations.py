"""Joining a cohort by invitation."""

from __future__ import annotations

import re
from datetime import timedelta

from sqlalchemy import func, select

from academy.models import (
    AudienceRole,
    AuditEvent,
    Enrolment,
    EnrolmentStatus,
    Invitation,
    OutboxMail,
    User,
    utcnow,
)
from academy.services import enrolments
from tests.factories import PASSWORD, make_cohort, make_user

NEW_PASSWORD = "a long enough password"


def invite(db, app, cohort=None, **overrides):
    values = {"email": "asa@example.se", "name": "Åsa", "role": AudienceRole.TRADER, "locale": "sv"}
    values.update(overrides)
    with app.app_context():
        enrolment, token = enrolments.invite_participant(db, cohort or make_cohort(db), **values)
    db.flush()
    return enrolment, f"/invite/{token}"


def join_form(**overrides):
    data = {
        "name": "Åsa Ödegård",
        "certificate_name": "Åsa Ødegård-Nærø",
        "locale": "sv",
        "password": NEW_PASSWORD,
        "confirm": NEW_PASSWORD,
    }
    data.update(overrides)
    return data


def test_invitation_mail_in_the_invited_language_with_link_and_privacy(app, db):
    enrolment, link = invite(db, app)
    mail = db.scalars(select(OutboxMail)).one()
    assert mail.to_address == "asa@example.se"
    assert "http://academy.test" + link in mail.body_text
    assert "http://academy.test/privacy" in mail.body_text
    assert enrolment.status == EnrolmentStatus.INVITED


def test_opening_the_link_records_nothing(client, db, app):
    enrolment, link = invite(db, app)
    page = client.get(link)
    assert page.status_code == 200
    assert b'<html lang="sv">' in page.data
    assert enrolment.cohort.name.encode() in page.data
    assert b"/privacy" in page.data
    client.get(link)
    invitation = db.scalars(select(Invitation)).one()
    db.refresh(invitation)
    assert invitation.accepted_at is None
    assert (
        db.scalar(
            select(func.count())
            .select_from(AuditEvent)
            .where(AuditEvent.action == "invitation.accepted")
        )
        == 0
    )


def test_a_new_participant_joins_with_a_unicode_certificate_name(client, db, app):
    enrolment, link = invite(db, app)
    response = client.post_form(link, join_form())
    assert response.headers["Location"] == "/learn/"
    user = db.get(User, enrolment.user_id)
    db.refresh(user)
    assert user.certificate_name == "Åsa Ødegård-Nærø"
    assert user.name == "Åsa Ödegård" and user.locale == "sv"
    db.refresh(enrolment)
    assert enrolment.status == EnrolmentStatus.ACTIVE and enrolment.accepted_at
    assert enrolment.cohort.name in client.get("/learn/").data.decode()
    client.post_form("/logout")
    used = client.get(link)
    assert used.status_code == 404
    assert b"already been accepted" in used.data or b"redan" in used.data


def test_an_existing_account_accepts_by_its_password(client, db, app):
    existing = make_user(db, email="kari@example.no", name="Kari Nordmann")
    enrolment, link = invite(db, app, email="KARI@example.no", name="Someone Else")
    assert enrolment.user_id == existing.id
    wrong = client.post_form(link, {"password": "not the password"})
    assert wrong.status_code == 200
    assert db.get(Enrolment, enrolment.id).accepted_at is None
    response = client.post_form(link, {"password": PASSWORD})
    assert response.headers["Location"] == "/learn/"
    db.refresh(existing)
    assert existing.name == "Kari Nordmann"


def test_expired_replaced_and_forged_links_get_clear_pages(client, db, app):
    _enrolment, link = invite(db, app)
    invitation = db.scalars(select(Invitation)).one()
    with app.app_context():
        new_token = enrolments.resend_invitation(db, invitation)
    db.flush()
    replaced = client.get(link)
    assert replaced.status_code == 404
    assert b"newer invitation" in replaced.data or b"nyare" in replaced.data
    invitation.expires_at = utcnow() - timedelta(minutes=1)
    db.flush()
    expired = client.get(f"/invite/{new_token}")
    assert expired.status_code == 404
    assert client.get("/invite/forged").status_code == 404
    assert client.post_form("/invite/forged", join_form()).status_code == 404


def test_joining_validates_the_form_and_keeps_nothing_on_errors(client, db, app):
    enrolment, link = invite(db, app)
    response = client.post_form(
        link, join_form(certificate_name="", password="short", confirm="short")
    )
    assert response.status_code == 200
    assert db.get(User, enrolment.user_id).password_hash is None


def test_someone_else_logged_in_cannot_accept(client, db, app):
    _enrolment, link = invite(db, app)
    client.login_as(make_user(db))
    assert client.get(link).status_code == 409
    assert client.post_form(link, join_form()).status_code == 409


def test_cli_creates_a_cohort_and_an_invitation(app, db):
    runner = app.test_cli_runner()
    result = runner.invoke(
        args=[
            "cohorts",
            "create",
            "--organisation",
            "Vänersborgs kommun",
            "--name",
            "Våren 2027",
            "--course",
            "safer-streets",
        ]
    )
    assert result.exit_code == 0, result.output
    cohort_id = int(re.search(r"Cohort (\d+)", result.output).group(1))
    result = runner.invoke(
        args=[
            "invitations",
            "create",
            "--cohort",
            str(cohort_id),
            "--email",
            "per@example.se",
            "--name",
            "Per Ödman",
        ]
    )
    assert result.exit_code == 0, result.output
    assert "http://academy.test/invite/" in result.output
    bad = runner.invoke(
        args=[
            "invitations",
            "create",
            "--cohort",
            str(cohort_id),
            "--email",
            "not-an-address",
            "--name",
            "X",
        ]
    )
    assert bad.exit_code == 2
    missing = runner.invoke(
        args=[
            "cohorts",
            "create",
            "--organisation",
            "X",
            "--name",
            "Y",
            "--course",
            "no-such-course",
        ]
    )
    assert missing.exit_code == 2


def test_a_class_accepts_its_invitations_from_one_address(client, db, app):
    """Only invitations that go nowhere count towards the address's limit: a class of 40
    (more than the 30 POSTs the page once allowed an address) all get in."""
    cohort = make_cohort(db)
    links = [invite(db, app, cohort, email=f"pupil{n}@example.se")[1] for n in range(40)]
    for link in links:
        browser = app.test_client()
        page = browser.get(link).text
        token = re.search(r'name="csrf_token"[^>]*value="([^"]+)"', page).group(1)
        response = browser.post(link, data={"csrf_token": token, **join_form()})
        assert response.status_code == 302, response.status_code


def test_wrong_passwords_for_one_invitation_are_limited(client, db, app):
    make_user(db, email="kari@example.no")
    _enrolment, link = invite(db, app, email="kari@example.no")
    for _ in range(10):
        assert client.post_form(link, {"password": "not the password"}).status_code == 200
    assert client.post_form(link, {"password": PASSWORD}).status_code == 429
    # Another invitation from the same address is not held up by this one.
    _other, other_link = invite(db, app, email="ola@example.no")
    assert client.post_form(other_link, join_form()).status_code == 302
