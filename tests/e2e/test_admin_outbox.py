"""In a real browser: the administrator filters the outbox, pages through the result and
follows a link in a mail, at 1280 px and on a 360 px phone (issue 13, item 13)."""

from __future__ import annotations

import pytest
from playwright.sync_api import expect

from academy.db import get_session
from academy.models import MailStatus, OutboxMail
from academy.services import accounts
from tests.e2e import signing_in
from tests.factories import PASSWORD

pytestmark = pytest.mark.e2e

VIEWPORTS = {1280: 900, 360: 780}


@pytest.fixture
def outbox(live_server):
    """An administrator and 57 mails: 55 invitations to Åsa's colleagues, a bounced one to
    her, a password reset. Each test makes its own, with addresses of its own: the live
    server's database lasts the session."""
    marker = f"run{id(object())}"
    with live_server.app.app_context():
        session = get_session()
        admin = accounts.create_user(
            session,
            email=f"admin-{marker}@example.org",
            name="Ada Admin",
            password=PASSWORD,
            is_admin=True,
        )
        for n in range(55):
            session.add(
                OutboxMail(
                    to_address=f"Kollega{n}.{marker}@Vänersborg.example.se",
                    kind="invitation",
                    subject=f"Välkommen till Torpa hösten, kollega {n}",
                    body_text=f"Hej!\nGå med: {live_server.url}/invite/token-{n}\n",
                )
            )
        session.add(
            OutboxMail(
                to_address=f"Åsa.Ødegård.{marker}@Vänersborg.example.se",
                kind="invitation",
                subject="Välkommen till Torpa hösten, Åsa",
                body_text=f"Hej Åsa!\nGå med: {live_server.url}/privacy\n<b>inte fet</b>\n",
                status=MailStatus.BOUNCED,
                last_error="550 5.1.1 no such user",
            )
        )
        session.add(
            OutboxMail(
                to_address=f"kari.{marker}@example.no",
                kind="password_reset",
                subject="Velg et nytt passord",
                body_text="Hei Kari!\n",
            )
        )
        session.commit()
    return admin.email, marker


@pytest.mark.parametrize("width", sorted(VIEWPORTS))
def test_the_administrator_filters_the_outbox(page, outbox, width, screenshot_dir, base_url):
    email, marker = outbox
    page.set_viewport_size({"width": width, "height": VIEWPORTS[width]})
    signing_in.log_in(page, email, PASSWORD)

    page.goto("/admin/mail/")
    page.get_by_label("Recipient").fill(f"{marker}@vänersborg.example.se")
    page.get_by_label("Kind").select_option("invitation")
    page.get_by_role("button", name="Show").click()
    expect(page.get_by_text("Page 1 of 2")).to_be_visible()
    expect(page.get_by_label("Kind")).to_have_value("invitation")
    page.screenshot(path=screenshot_dir / f"outbox-filtered-{width}.png", full_page=True)
    assert page.evaluate("document.documentElement.scrollWidth <= window.innerWidth"), (
        f"the outbox scrolls sideways at {width} px"
    )

    page.get_by_role("link", name="Older").click()
    expect(page.get_by_text("Page 2 of 2")).to_be_visible()
    expect(page.get_by_label("Recipient")).to_have_value(f"{marker}@vänersborg.example.se")

    page.get_by_label("Recipient").fill(f"ÅSA.ØDEGÅRD.{marker}")
    page.get_by_label("Status").select_option("bounced")
    page.get_by_role("button", name="Show").click()
    rows = page.locator("tbody tr")
    expect(rows).to_have_count(1)
    expect(rows.first).to_contain_text("Rejected by the receiving server")
    page.screenshot(path=screenshot_dir / f"outbox-bounced-{width}.png", full_page=True)

    rows.first.get_by_role("link").click()
    expect(page.locator(".mail-body")).to_contain_text("<b>inte fet</b>")
    page.screenshot(path=screenshot_dir / f"outbox-mail-{width}.png", full_page=True)
    assert page.evaluate("document.documentElement.scrollWidth <= window.innerWidth"), (
        f"the mail's page scrolls sideways at {width} px"
    )
    page.locator(".mail-body a").click()
    expect(page).to_have_url(base_url + "/privacy")
