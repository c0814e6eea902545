"""A person's own account: details, e-mail change, data export and erasure."""

from __future__ import annotations

import io
import json
import re
import zipfile

from sqlalchemy import func, select

from academy.models import (
    AuditEvent,
    Certificate,
    CertificateStatus,
    Enrolment,
    LessonProgress,
    OutboxMail,
    User,
)
from tests.factories import PASSWORD, make_enrolment, make_user


def make_certificate(db, enrolment, **overrides):
    values = {
        "code": "ABCDEFGHJKMNPQRS",
        "enrolment_id": enrolment.id,
        "certificate_name": "Åsa Ødegård-Nærø",
        "holder_initials": "Å. Ø.-N.",
        "name_salt": "salt",
        "name_hash": "hash",
        "locale": "sv",
        "course_slug": "safer-streets",
        "content_version": "v1",
        "organisation_name": "Vänersborgs kommun",
        "cohort_name": "Våren",
        "pdf": b"%PDF-1.7 test",
    }
    values.update(overrides)
    certificate = Certificate(**values)
    db.add(certificate)
    db.flush()
    return certificate


def test_profile_saves_names_and_language(client, db):
    user = make_user(db)
    client.login_as(user)
    response = client.post_form(
        "/account", {"name": "Åsa Ödegård", "certificate_name": "Åsa Ødegård-Nærø", "locale": "nb"}
    )
    assert response.headers["Location"] == "/account"
    db.refresh(user)
    assert (user.name, user.certificate_name, user.locale) == (
        "Åsa Ödegård",
        "Åsa Ødegård-Nærø",
        "nb",
    )
    assert b'<html lang="nb">' in client.get("/account").data


def test_profile_rejects_empty_and_overlong_names(client, db):
    user = make_user(db)
    client.login_as(user)
    response = client.post_form(
        "/account", {"name": "", "certificate_name": "x" * 201, "locale": "sv"}
    )
    assert response.status_code == 200
    assert b"Enter a name." in response.data and b"at most 200 characters" in response.data


def test_email_change_is_confirmed_by_a_link_to_the_new_address(client, db):
    user = make_user(db, email="old@example.se")
    client.login_as(user)
    response = client.post_form("/account/email", {"email": "Ny@Example.se", "password": PASSWORD})
    assert response.headers["Location"] == "/account"
    db.refresh(user)
    assert user.email == "old@example.se"
    mail = db.scalars(select(OutboxMail)).one()
    assert mail.to_address == "Ny@Example.se"
    link = re.search(r"http://academy\.test(/account/email/confirm/\S+)", mail.body_text).group(1)

    assert client.get(link).status_code == 200
    db.refresh(user)
    assert user.email == "old@example.se"  # opening the link changes nothing
    response = client.post_form(link)
    assert response.headers["Location"] == "/login"
    db.refresh(user)
    assert user.email_normalized == "ny@example.se"
    assert client.get(link).status_code == 404  # used up


def test_email_change_needs_the_password(client, db):
    user = make_user(db)
    client.login_as(user)
    response = client.post_form(
        "/account/email", {"email": "x@example.se", "password": "wrong password"}
    )
    assert b"That is not your current password." in response.data
    assert db.scalar(select(func.count()).select_from(OutboxMail)) == 0


def test_data_export_contains_everything_of_the_person_only(client, db):
    enrolment = make_enrolment(db)
    db.add(LessonProgress(enrolment_id=enrolment.id, part_slug="p", lesson_slug="l"))
    make_certificate(db, enrolment)
    other = make_enrolment(db)
    db.add(LessonProgress(enrolment_id=other.id, part_slug="secret", lesson_slug="x"))
    db.flush()
    client.login_as(enrolment.user)
    response = client.get("/account/data.zip")
    assert response.content_type == "application/zip"
    archive = zipfile.ZipFile(io.BytesIO(response.data))
    data = json.loads(archive.read("data.json"))
    assert data["account"]["email"] == enrolment.user.email
    assert [row["lesson"] for row in data["lessons_read"]] == ["l"]
    assert data["certificates"][0]["name"] == "Åsa Ødegård-Nærø"
    assert archive.read("certificates/ABCDEFGHJKMNPQRS.pdf") == b"%PDF-1.7 test"


def test_deleting_the_account_erases_it_but_certificates_stay_verifiable(client, db):
    enrolment = make_enrolment(db)
    db.add(LessonProgress(enrolment_id=enrolment.id, part_slug="p", lesson_slug="l"))
    certificate = make_certificate(db, enrolment)
    user_id = enrolment.user_id
    client.login_as(enrolment.user)
    assert b"stay verifiable" in client.get("/account/delete").data

    wrong = client.post_form("/account/delete", {"password": "wrong password"})
    assert b"That is not your current password." in wrong.data

    response = client.post_form("/account/delete", {"password": PASSWORD})
    assert response.headers["Location"] == "/"
    db.expire_all()
    assert db.get(User, user_id) is None
    assert db.scalar(select(func.count()).select_from(Enrolment)) == 0
    assert db.scalar(select(func.count()).select_from(LessonProgress)) == 0
    kept = db.get(Certificate, certificate.id)
    assert kept.status == CertificateStatus.VALID
    assert kept.certificate_name is None and kept.holder_initials == "Å. Ø.-N."
    assert kept.name_hash == "hash"
    assert db.scalars(select(AuditEvent.action)).all() == ["account.erased"]
    assert client.get("/learn/").headers["Location"].startswith("/login")


def test_deleting_with_withdrawal_revokes_the_certificates(client, db):
    enrolment = make_enrolment(db)
    certificate = make_certificate(db, enrolment)
    client.login_as(enrolment.user)
    client.post_form("/account/delete", {"password": PASSWORD, "withdraw_certificates": "y"})
    db.expire_all()
    assert db.get(Certificate, certificate.id).status == CertificateStatus.REVOKED


def test_account_pages_need_a_login(client):
    for path in ("/account", "/account/email", "/account/data.zip", "/account/delete"):
        assert client.get(path).headers["Location"].startswith("/login"), path
