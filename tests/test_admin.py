"""The administrator link, the admin pages and the outbox."""

from __future__ import annotations

import re
from datetime import timedelta

from sqlalchemy import select

from academy.models import Invitation, InvitationPurpose, OutboxMail, User, utcnow
from academy.services import invitations
from tests.factories import make_user

PASSWORD = "a long enough password"


def create_link(app) -> str:
    result = app.test_cli_runner().invoke(args=["admin", "create-link"])
    assert result.exit_code == 0, result.output
    match = re.search(r"http://academy\.test(/setup/\S+)", result.output)
    assert match, result.output
    return match.group(1)


def admin_form(**overrides):
    data = {
        "name": "Åsa Ødegård-Nærø",
        "email": "asa@example.se",
        "locale": "sv",
        "password": PASSWORD,
        "confirm": PASSWORD,
    }
    data.update(overrides)
    return data


def test_cli_link_creates_the_first_administrator_once(app, client, db):
    link = create_link(app)
    assert "valid 60 minutes" in app.test_cli_runner().invoke(args=["admin", "create-link"]).output

    # Opening the link changes nothing (mail scanners open links too).
    assert client.get(link).status_code == 200
    assert client.get(link).status_code == 200

    response = client.post_form(link, admin_form())
    assert response.headers["Location"] == "/admin/"
    admin = db.scalars(select(User).where(User.email_normalized == "asa@example.se")).one()
    assert admin.is_admin and admin.name == "Åsa Ødegård-Nærø" and admin.locale == "sv"
    assert client.get("/admin/").status_code == 200

    client.post_form("/logout")
    used = client.get(link)
    assert used.status_code == 404
    assert b"already been used" in used.data
    assert client.post_form(link, admin_form(email="second@example.se")).status_code == 404


def test_admin_link_is_quiet_when_an_admin_exists_if_asked(app, db):
    make_user(db, is_admin=True)
    db.commit()
    result = app.test_cli_runner().invoke(args=["admin", "create-link", "--unless-admin-exists"])
    assert result.exit_code == 0
    assert result.output == ""


def test_expired_unknown_and_taken_links(app, client, db):
    token = invitations.create_admin_link(db, timedelta(seconds=-1))
    db.commit()
    expired = client.get(f"/setup/{token}")
    assert expired.status_code == 404
    assert b"expired" in expired.data
    assert client.get("/setup/not-a-token").status_code == 404

    make_user(db, email="taken@example.se")
    link = create_link(app)
    response = client.post_form(link, admin_form(email="TAKEN@example.se"))
    assert response.status_code == 200
    assert b"An account with this address exists already." in response.data


def test_admin_link_form_validates_every_field(app, client):
    link = create_link(app)
    response = client.post_form(
        link, admin_form(name="", email="not-an-address", password="short", confirm="other")
    )
    assert response.status_code == 200
    for message in (
        b"Enter a name.",
        b"Enter a valid e-mail address.",
        b"Use at least 10 characters.",
        b"The two passwords differ.",
    ):
        assert message in response.data


def test_only_the_token_hash_is_stored(app, db):
    link = create_link(app)
    token = link.rsplit("/", 1)[1]
    stored = db.scalars(
        select(Invitation).where(Invitation.purpose == InvitationPurpose.ADMINISTRATOR)
    ).all()
    assert stored and all(token not in row.token_hash for row in stored)
    assert all(row.expires_at > utcnow() for row in stored)


def test_admin_pages_are_hidden_from_everyone_else(client, db):
    assert client.get("/admin/").headers["Location"].startswith("/login")
    client.login_as(make_user(db))
    assert client.get("/admin/").status_code == 404
    assert client.get("/admin/mail/").status_code == 404


def test_outbox_lists_and_shows_mails(client, db):
    mail = OutboxMail(
        to_address="kari@example.no", subject="Velkommen, Kari Ødegård", body_text="Hei!\n"
    )
    db.add(mail)
    db.flush()
    client.login_as(make_user(db, is_admin=True))
    listing = client.get("/admin/mail/")
    assert "Velkommen, Kari Ødegård" in listing.data.decode()
    detail = client.get(f"/admin/mail/{mail.id}")
    assert "Hei!" in detail.data.decode()
    assert client.get("/admin/mail/999999").status_code == 404
    assert client.get("/admin/mail/page/99").status_code == 404


def test_outbox_list_runs_the_same_statements_for_1_and_100_mails(client, db, count_queries):
    client.login_as(make_user(db, is_admin=True))
    db.add(OutboxMail(to_address="a@example.org", subject="One", body_text="x"))
    db.flush()
    with count_queries() as one:
        assert client.get("/admin/mail/").status_code == 200
    db.add_all(
        OutboxMail(to_address=f"p{n}@example.org", subject=f"Mail {n}", body_text="x")
        for n in range(99)
    )
    db.flush()
    with count_queries() as hundred:
        assert client.get("/admin/mail/").status_code == 200
    assert one.count == hundred.count
    assert one.count <= 4


def test_audit_log_lists_and_filters_events(client, db):
    from academy.models import AuditEvent, Organisation, OrganisationKind

    admin = make_user(db, is_admin=True, name="Admin Ådmin")
    organisation = Organisation(name="Karlstads kommun", kind=OrganisationKind.MUNICIPALITY)
    db.add(organisation)
    db.flush()
    db.add_all(
        [
            AuditEvent(
                action="import.completed",
                actor_id=admin.id,
                organisation_id=organisation.id,
                details={"rows": 70},
            ),
            AuditEvent(action="report.exported", actor_id=None, details={"format": "csv"}),
        ]
    )
    db.flush()
    client.login_as(admin)
    page = client.get("/admin/audit").data.decode()
    assert "import.completed" in page and "report.exported" in page and "Admin Ådmin" in page
    filtered = client.get(f"/admin/audit?action=import&organisation={organisation.id}")
    assert b"import.completed" in filtered.data
    assert b"<code>report.exported" not in filtered.data
    assert client.get("/admin/audit?page=abc&organisation=x").status_code == 200
    client.login_as(make_user(db))
    assert client.get("/admin/audit").status_code == 404
