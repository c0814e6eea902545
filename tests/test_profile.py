"""A person's own account: details, e-mail change, data export and erasure."""

from __future__ import annotations

import hashlib
import io
import json
import re
import tracemalloc
import zipfile

from sqlalchemy import func, select

from academy.db import new_session
from academy.models import (
    AuditEvent,
    Certificate,
    CertificateStatus,
    Enrolment,
    FindingPhoto,
    LessonProgress,
    OutboxMail,
    User,
)
from academy.services import privacy
from tests.factories import PASSWORD, make_enrolment, make_place, make_user
from tests.test_places import add_finding


def make_certificate(db, enrolment, **overrides):
    values = {
        "code": "ABCDEFGHJKMNPQRS",
        "enrolment_id": enrolment.id,
        "certificate_name": "Åsa Ødegård-Nærø",
        "holder_initials": "Å. Ø.-N.",
        "name_salt": "salt",
        "name_hash": "hash",
        "status_index": enrolment.id,
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


# --- the data export holds the photos of the person's findings (issue 13, item 7) ----------


def add_photo(db, finding, data: bytes, uploaded_by=None) -> FindingPhoto:
    photo = FindingPhoto(
        finding_id=finding.id,
        content_type="image/jpeg",
        data=data,
        width=4,
        height=3,
        sha256=hashlib.sha256(data).hexdigest(),
        uploaded_by_id=uploaded_by.id if uploaded_by else None,
    )
    db.add(photo)
    db.flush()
    return photo


def exported(client) -> tuple[dict, zipfile.ZipFile]:
    response = client.get("/account/data.zip")
    assert response.status_code == 200 and response.content_type == "application/zip"
    assert response.is_streamed
    archive = zipfile.ZipFile(io.BytesIO(response.data))
    assert archive.testzip() is None
    return json.loads(archive.read("data.json")), archive


def test_the_data_export_holds_the_findings_and_their_photos(client, db):
    enrolment = make_enrolment(db)
    place = make_place(db, enrolment.cohort.organisation, name="Torpa torg")
    lit = add_finding(db, place, enrolment.cohort, enrolment, spot="Bike stand by Åsa's door")
    dark = add_finding(
        db, place, enrolment.cohort, enrolment, spot="Tunnel", severity=None, observation="Dark"
    )
    jpeg = b"\xff\xd8\xff\xe0 a photo of the bike stand \xff\xd9"
    add_photo(db, lit, jpeg, uploaded_by=enrolment.user)
    # Someone else's finding and photo at the same place stay out.
    other = make_enrolment(db, cohort=enrolment.cohort)
    secret = add_finding(db, place, enrolment.cohort, other, spot="Someone else's spot")
    add_photo(db, secret, b"\xff\xd8 not yours")
    client.login_as(enrolment.user)

    data, archive = exported(client)

    findings = {finding["id"]: finding for finding in data["findings"]}
    assert set(findings) == {lit.id, dark.id}
    assert findings[lit.id]["spot"] == "Bike stand by Åsa's door"
    assert findings[lit.id]["enrolment"] == enrolment.id
    assert findings[lit.id]["category"] == "lighting" and findings[dark.id]["severity"] is None
    photo = findings[lit.id]["photo"]
    assert photo["file"] == f"photos/finding-{lit.id}.jpg"
    assert (photo["content_type"], photo["width"], photo["height"]) == ("image/jpeg", 4, 3)
    assert findings[dark.id]["photo"] is None
    assert archive.read(photo["file"]) == jpeg
    assert sorted(archive.namelist()) == ["data.json", photo["file"]]


def test_every_file_in_the_data_export_is_listed_in_its_json(client, db):
    enrolment = make_enrolment(db)
    make_certificate(db, enrolment)
    finding = add_finding(db, None, enrolment.cohort, enrolment)
    add_photo(db, finding, b"\xff\xd8 photo")
    client.login_as(enrolment.user)
    data, archive = exported(client)
    listed = {item["file"] for item in data["certificates"]}
    listed |= {item["photo"]["file"] for item in data["findings"] if item["photo"]}
    assert set(archive.namelist()) == {"data.json", *listed}
    assert len(listed) == 2


def test_the_data_export_holds_one_photo_in_memory_at_a_time(app, app_context, db):
    """Eight photos of 1 MB each: building the ZIP whole would hold them all at once
    (8 MB and more); streamed, memory holds about one photo and its copies."""
    enrolment = make_enrolment(db)
    megabyte = 1024 * 1024
    for n in range(8):
        finding = add_finding(db, None, enrolment.cohort, enrolment, spot=f"Spot {n}")
        add_photo(db, finding, bytes([n]) * megabyte)
    db.commit()
    session = new_session()
    try:
        user = session.get(User, enrolment.user_id)
        size, files = 0, 0
        tracemalloc.start()
        try:
            for chunk in privacy.export_user_data(session, user):
                size += len(chunk)
                files += chunk.count(b"PK\x03\x04")
            _current, peak = tracemalloc.get_traced_memory()
        finally:
            tracemalloc.stop()
    finally:
        session.close()
    assert files == 9 and size > 8 * megabyte
    # Measured: about 3.5 MB (the photo read, its chunk, the chunk before); 10.6 MB when
    # every photo is read first.
    assert peak < 5 * megabyte, f"peak {peak / megabyte:.1f} MB"
