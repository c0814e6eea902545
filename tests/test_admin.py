"""The administrator link, the admin pages and the outbox."""

from __future__ import annotations

import re
from datetime import timedelta
from pathlib import Path
from urllib.parse import quote

from sqlalchemy import select

from academy.models import Invitation, InvitationPurpose, MailStatus, OutboxMail, User, utcnow
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
    # An administrator sets up the second step before going on.
    assert response.headers["Location"] == "/login/code/setup"
    assert 'href="/admin/"' in client.set_up_second_step().get_data(as_text=True)
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


# --- the outbox's filters and its mail view (issue 13, item 13) ----------------------------


def add_mail(db, to_address: str, kind: str = "", status=None, subject: str = "A mail"):
    mail = OutboxMail(
        to_address=to_address,
        kind=kind,
        subject=subject,
        body_text="x\n",
        status=status or MailStatus.QUEUED,
    )
    db.add(mail)
    db.flush()
    return mail


def subjects(response) -> list[str]:
    return re.findall(r'/admin/mail/\d+[^"]*">([^<]+)</a>', response.data.decode())


def test_the_outbox_filters_by_status_recipient_and_kind(client, db):
    client.login_as(make_user(db, is_admin=True))
    add_mail(db, "Åsa.Ødegård@Example.se", "invitation", subject="Invitation to Åsa")
    add_mail(db, "kari@example.no", "password_reset", MailStatus.SENT, subject="Reset for Kari")
    add_mail(db, "ola@example.no", "invitation", MailStatus.BOUNCED, subject="Invitation to Ola")
    add_mail(db, "old@example.org", subject="Old mail without a kind")

    def shown(query: str) -> list[str]:
        response = client.get("/admin/mail/" + query)
        assert response.status_code == 200, query
        return sorted(subjects(response))

    assert shown("?kind=invitation") == ["Invitation to Ola", "Invitation to Åsa"]
    assert shown("?status=sent") == ["Reset for Kari"]
    assert shown("?status=bounced&kind=invitation") == ["Invitation to Ola"]
    # Case-insensitive, Å and Ø too (SQLite's own lower() folds only ASCII).
    for term in ("åsa.ødegård", "ÅSA.ØDEGÅRD@EXAMPLE", "ødegård@example.se"):
        assert shown("?recipient=" + quote(term)) == ["Invitation to Åsa"], term
    assert shown("?recipient=example.no&kind=password_reset") == ["Reset for Kari"]
    # LIKE's wildcards are searched for, not obeyed.
    assert shown("?recipient=%25") == [] and shown("?recipient=_") == []
    # The kinds are shown by their translated names; old mails have none.
    listing = client.get("/admin/mail/?recipient=example").data.decode()
    assert "Password reset" in listing and "Invitation to a course round" in listing


def test_unknown_and_hostile_outbox_filters_are_ignored_never_a_500(client, db):
    client.login_as(make_user(db, is_admin=True))
    add_mail(db, "kari@example.no", "password_reset")
    for query in (
        "?status=nonsense&kind=nonsense",
        "?status=&kind=&recipient=",
        "?recipient=" + "a" * 10_000,
        "?recipient=kari%00@example.no",
        "?recipient=%0d%0akari",
        "?recipient=%E2%80%AEkari%E2%80%8B",
        "?status[]=sent&kind=invitation%00",
    ):
        response = client.get("/admin/mail/" + query)
        assert response.status_code == 200, query
        assert len(response.data) < 100_000, query
    # Control characters become spaces and the ends are trimmed: the address is found.
    assert subjects(client.get("/admin/mail/?recipient=%00%20kari@example.no%0d%0a")) == ["A mail"]
    page = client.get("/admin/mail/?recipient=" + "a" * 10_000).data.decode()
    kept = re.search(r'name="recipient" value="(a*)"', page).group(1)
    assert kept == "a" * 254


def test_the_filters_are_kept_across_pages_and_back_from_a_mail(client, db):
    client.login_as(make_user(db, is_admin=True))
    for n in range(55):
        add_mail(db, f"p{n}@example.se", "invitation", subject=f"Invitation {n}")
    add_mail(db, "kari@example.no", "password_reset", subject="Reset")
    first = client.get("/admin/mail/?kind=invitation&recipient=example.se").data.decode()
    assert "Page 1 of 2" in first
    older = re.search(r'href="([^"]+)" rel="next"', first).group(1)
    assert older == "/admin/mail/page/2?recipient=example.se&amp;kind=invitation"
    second = client.get(older.replace("&amp;", "&"))
    assert second.status_code == 200
    assert len(subjects(second)) == 5 and "Reset" not in subjects(second)
    detail_link = re.search(r'href="(/admin/mail/\d+\?[^"]+)"', second.data.decode()).group(1)
    detail = client.get(detail_link.replace("&amp;", "&")).data.decode()
    assert 'href="/admin/mail/?recipient=example.se&amp;kind=invitation"' in detail
    # No third page of the filtered list; a page that does not exist is 404, as before.
    assert client.get("/admin/mail/page/3?kind=invitation").status_code == 404


def test_the_filtered_outbox_runs_the_same_statements_for_10_and_1000_mails(
    client, db, count_queries
):
    client.login_as(make_user(db, is_admin=True))
    kinds = ["invitation", "password_reset", "deadline_reminder", ""]

    def add(count: int, start: int) -> None:
        db.add_all(
            OutboxMail(
                to_address=f"person{n}@example.se",
                kind=kinds[n % len(kinds)],
                subject=f"Mail {n}",
                body_text="x",
            )
            for n in range(start, start + count)
        )
        db.flush()

    url = "/admin/mail/page/2?status=queued&kind=invitation&recipient=PERSON"
    add(10, 0)
    with count_queries() as ten:
        assert client.get("/admin/mail/?status=queued&recipient=person").status_code == 200
    add(990, 10)
    with count_queries() as thousand:
        assert client.get("/admin/mail/?status=queued&recipient=person").status_code == 200
    with count_queries() as paged:
        response = client.get(url)
    assert response.status_code == 200 and "Page 2 of 5" in response.data.decode()
    assert ten.count == thousand.count == paged.count
    # The user, one count and one page of mails.
    counts = [s for s in thousand.statements if "count(" in s.lower()]
    assert len(counts) == 1 and thousand.count <= 3, thousand.statements


def test_the_mail_view_links_web_addresses_and_nothing_else(client, db):
    client.login_as(make_user(db, is_admin=True))
    body = (
        "Hej Åsa!\n"
        "Open http://academy.test/invite/abc-DEF_123 to join.\n"
        "Or (https://academy.test/learn/?a=1&b=2).\n"
        '<script>alert("x")</script> <a href="/admin/">click</a> <b>bold</b>\n'
        "javascript:alert(1) data:text/html,<b>x</b> mailto:asa@example.se\n"
        'https://evil.example/"onmouseover="alert(1)\n'
    )
    mail = OutboxMail(to_address="asa@example.se", subject="Invitation", body_text=body)
    db.add(mail)
    db.flush()
    page = client.get(f"/admin/mail/{mail.id}").data.decode()
    body_html = page[page.index('<pre class="mail-body">') : page.index("</pre>")]
    links = re.findall(r'<a href="([^"]*)"[^>]*>([^<]*)</a>', body_html)
    assert links == [
        ("http://academy.test/invite/abc-DEF_123", "http://academy.test/invite/abc-DEF_123"),
        ("https://academy.test/learn/?a=1&amp;b=2", "https://academy.test/learn/?a=1&amp;b=2"),
        ("https://evil.example/", "https://evil.example/"),
    ]
    # HTML in the body stays text.
    assert "&lt;script&gt;alert(&#34;x&#34;)&lt;/script&gt;" in body_html
    assert "&lt;a href=&#34;/admin/&#34;&gt;click&lt;/a&gt; &lt;b&gt;bold&lt;/b&gt;" in body_html
    assert "<script" not in body_html and "<b>" not in body_html
    # A quote ends an address: it cannot carry an attribute into the link.
    assert "</a>&#34;onmouseover=&#34;alert(1)" in body_html
    assert "javascript:alert(1)" in body_html and 'href="javascript' not in body_html
    assert 'href="data:' not in body_html and 'href="mailto:' not in body_html


def test_every_mail_template_has_a_kind_the_outbox_offers(app):
    from academy.services.outbox import MAIL_KINDS
    from academy.web.admin.views import MAIL_KIND_LABELS

    templates = Path(app.root_path, "templates", "email")
    # "_name" templates are parts other mails include, not mails of their own.
    written = {path.stem for path in templates.glob("*.txt") if not path.stem.startswith("_")}
    assert set(MAIL_KINDS) == written == set(MAIL_KIND_LABELS)
