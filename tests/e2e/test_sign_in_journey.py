"""In a real browser, both ways in: a municipal official through her organisation's own
provider (a real OpenID Connect provider and its login page, tests/oidc_provider.py),
and an organizer with a password who sets up the second step at his first sign-in.
Screenshots of every page on the way, for a person to look at."""

from __future__ import annotations

import re
from pathlib import Path

import pyotp
import pytest
from playwright.sync_api import Page, expect

from academy.db import get_session
from academy.models import OrganisationKind, Organizer
from academy.services import accounts, organizers, sign_in
from academy.services.sign_in import oidc
from tests.factories import PASSWORD
from tests.oidc_provider import running_provider

pytestmark = pytest.mark.e2e

DOMAIN = "e2e-kommun.example"
OFFICIAL = f"karin.lind@{DOMAIN}"
ORGANIZER_EMAIL = "e2e-totp.organizer@example.se"


@pytest.fixture(scope="module")
def provider(live_server):
    """The provider, set up for an organisation of the live server as an administrator
    would (its domain is this test's own, so other tests keep the password)."""
    with running_provider() as running:
        with live_server.app.app_context():
            session = get_session()
            organisation = organizers.create_organisation(
                session,
                name="E2E kommun",
                kind=OrganisationKind.MUNICIPALITY,
                timezone=None,
                created_by_id=None,
            )
            sign_in.providers.save(
                session,
                organisation,
                sign_in.ProviderValues(
                    issuer=running.issuer,
                    client_id="academy-e2e",
                    client_secret="e2e client secret",
                    domains=(DOMAIN,),
                    required=True,
                    enabled=True,
                ),
                actor_id=None,
            )
            session.commit()
        yield running
        oidc.forget_cache()


def look(page: Page, folder: Path, name: str) -> None:
    page.screenshot(path=folder / f"sign-in-{name}.png", full_page=True)


def test_an_official_signs_in_with_her_organisations_account(
    page: Page, provider, screenshot_dir, base_url
):
    provider.person("karin-lind-0001", email=OFFICIAL, email_verified=True, name="Karin Lind")
    page.set_viewport_size({"width": 1280, "height": 800})
    page.set_extra_http_headers({"Accept-Language": "sv"})
    page.goto("/login")
    expect(page.locator("input[name=password]")).to_have_count(0)
    page.locator("input[name=email]").fill(OFFICIAL)
    look(page, screenshot_dir, "1-address")
    page.locator("main form button[type=submit]").click()

    # The provider's own login page.
    page.wait_for_url(provider.issuer + "/**")
    expect(page.get_by_text("academy-e2e")).to_be_visible()
    look(page, screenshot_dir, "2-provider")
    page.get_by_placeholder("sub").fill("karin-lind-0001")
    page.get_by_role("button", name="Authorize").click()

    # A new account: the name on certificates, asked once.
    page.wait_for_url(base_url + "/sign-in/name")
    expect(page.locator("html")).to_have_attribute("lang", "sv")
    expect(page.locator("input[name=certificate_name]")).to_have_value("Karin Lind")
    look(page, screenshot_dir, "3-certificate-name")
    page.locator("input[name=certificate_name]").fill("Karin M. Lind")
    page.locator("main form button[type=submit]").click()
    page.wait_for_url(base_url + "/")
    expect(page.get_by_text("Välkommen, Karin Lind!")).to_be_visible()

    # Signing out offers the provider's sign-out too.
    page.locator("form[action='/logout'] button").click()
    offer = page.locator("main a.button")
    expect(offer).to_have_attribute(
        "href", re.compile("^" + re.escape(provider.issuer + "/oauth2/end_session?"))
    )
    look(page, screenshot_dir, "4-signed-out")

    # The second time the account is known: straight in, no name asked.
    page.goto("/login")
    page.locator("input[name=email]").fill(OFFICIAL)
    page.locator("main form button[type=submit]").click()
    page.wait_for_url(provider.issuer + "/**")
    page.get_by_placeholder("sub").fill("karin-lind-0001")
    page.get_by_role("button", name="Authorize").click()
    page.wait_for_url(base_url + "/")
    expect(page.locator("form[action='/logout'] button")).to_be_visible()


def test_an_organizer_sets_up_the_second_step_at_his_first_sign_in(
    page: Page, live_server, screenshot_dir, base_url
):
    with live_server.app.app_context():
        session = get_session()
        user = accounts.create_user(
            session, email=ORGANIZER_EMAIL, name="Olle Organizer", password=PASSWORD
        )
        organisation = organizers.create_organisation(
            session,
            name="E2E TOTP kommun",
            kind=OrganisationKind.MUNICIPALITY,
            timezone=None,
            created_by_id=None,
        )
        session.add(Organizer(organisation_id=organisation.id, user_id=user.id))
        session.commit()
    page.set_viewport_size({"width": 390, "height": 844})
    page.set_extra_http_headers({"Accept-Language": "en"})
    page.goto("/login")
    page.get_by_label("E-mail", exact=True).fill(ORGANIZER_EMAIL)
    page.get_by_role("button", name="Next", exact=True).click()
    page.get_by_label("Password", exact=True).fill(PASSWORD)
    look(page, screenshot_dir, "5-password")
    page.get_by_role("button", name="Log in", exact=True).click()

    page.wait_for_url(base_url + "/login/code/setup")
    expect(page.get_by_role("img", name="QR code for your authenticator app")).to_be_visible()
    look(page, screenshot_dir, "6-totp-setup")
    secret = page.locator("[data-secret]").get_attribute("data-secret")
    totp = pyotp.TOTP(secret)
    page.get_by_label("The six-digit code your app shows").fill(totp.now())
    page.get_by_role("button", name="Turn on the second step").click()

    codes = page.locator(".recovery-codes li")
    expect(codes).to_have_count(10)
    look(page, screenshot_dir, "7-recovery-codes")
    recovery = codes.first.inner_text()
    page.get_by_role("link", name="I have kept them, continue").click()
    page.wait_for_url(base_url + "/")
    expect(page.locator("form[action='/logout'] button")).to_be_visible()

    # The next sign-in asks for a code: a recovery code works once.
    page.locator("form[action='/logout'] button").click()
    page.goto("/login")
    page.get_by_label("E-mail", exact=True).fill(ORGANIZER_EMAIL)
    page.get_by_role("button", name="Next", exact=True).click()
    page.get_by_label("Password", exact=True).fill(PASSWORD)
    page.get_by_role("button", name="Log in", exact=True).click()
    page.wait_for_url(base_url + "/login/code")
    page.get_by_label("Code from your authenticator app, or a recovery code").fill(recovery)
    look(page, screenshot_dir, "8-code")
    page.get_by_role("button", name="Log in", exact=True).click()
    page.wait_for_url(base_url + "/")
    expect(page.locator("form[action='/logout'] button")).to_be_visible()
