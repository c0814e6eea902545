"""In a real browser: log in, change language, log out, and a stolen cookie stays useless.

The Swedish and Norwegian catalogs may still be incomplete, so the language is checked by
``<html lang>`` and elements are found by labels that do not change with the language
(form actions, hrefs, the language names) once the page is no longer in English.
"""

from __future__ import annotations

import pytest
from playwright.sync_api import BrowserContext, Page, expect

pytestmark = pytest.mark.e2e

LANGUAGES = {"en": "English", "sv": "Svenska", "nb": "Norsk bokmål"}
# A common phone width, and a laptop.
VIEWPORTS = {360: 740, 1280: 800}

LOGOUT_BUTTON = "form[action='/logout'] button"
LOGIN_LINK = ".site-nav a[href='/login']"


def choose_language(page: Page, code: str) -> None:
    page.get_by_role("button", name=LANGUAGES[code], exact=True).click()
    expect(page.locator("html")).to_have_attribute("lang", code)


def expect_anonymous(page: Page) -> None:
    expect(page.locator(LOGIN_LINK)).to_be_visible()
    expect(page.locator(LOGOUT_BUTTON)).to_have_count(0)


def session_cookie(context: BrowserContext, name: str) -> dict:
    cookies = [cookie for cookie in context.cookies() if cookie["name"] == name]
    assert len(cookies) == 1, f"expected one {name!r} cookie, got {context.cookies()!r}"
    return cookies[0]


def test_login_language_logout(page, new_context, live_server, account, base_url):
    page.goto("/login")
    choose_language(page, "en")
    # The address first (it decides where one signs in), then the password.
    page.get_by_label("E-mail", exact=True).fill(account.email)
    page.get_by_role("button", name="Next", exact=True).click()
    expect(page.get_by_text(f"Logging in as {account.email}")).to_be_visible()
    page.get_by_label("Password", exact=True).fill(account.password)
    page.get_by_role("button", name="Log in", exact=True).click()

    expect(page).to_have_url(base_url + "/")
    expect(page.get_by_text(f"You are logged in as {account.name}.")).to_be_visible()
    expect(page.locator(LOGOUT_BUTTON)).to_be_visible()

    choose_language(page, "sv")
    expect(page).to_have_url(base_url + "/")
    expect(page.get_by_role("button", name="Svenska")).to_have_attribute("aria-current", "true")

    cookie_name = live_server.app.config["SESSION_COOKIE_NAME"]
    stolen = session_cookie(page.context, cookie_name)
    # The copied cookie alone carries the login, so the check after logout means something.
    before = new_context()
    before.add_cookies([stolen])
    replay = before.new_page()
    replay.goto("/")
    expect(replay.locator(LOGOUT_BUTTON)).to_be_visible()
    before.close()

    page.locator(LOGOUT_BUTTON).click()
    expect(page).to_have_url(base_url + "/login")
    page.goto("/")
    expect_anonymous(page)

    # Logout bumped the user's session version, so the old cookie no longer logs anyone in.
    after = new_context()
    after.add_cookies([stolen])
    replay = after.new_page()
    replay.goto("/")
    expect_anonymous(replay)


@pytest.mark.parametrize("width", sorted(VIEWPORTS))
def test_login_page_fits_and_screenshots(new_context, width, screenshot_dir, base_url):
    """Screenshots for a person to look at, and no sideways scrolling on a phone."""
    context = new_context(viewport={"width": width, "height": VIEWPORTS[width]})
    page = context.new_page()
    page.goto("/login")
    for code in LANGUAGES:
        choose_language(page, code)
        expect(page).to_have_url(base_url + "/login")
        page.screenshot(path=screenshot_dir / f"login-{code}-{width}.png", full_page=True)
        scroll_width, inner_width = page.evaluate(
            "[document.documentElement.scrollWidth, window.innerWidth]"
        )
        assert scroll_width <= inner_width, (
            f"/login in {code} at {width} px scrolls sideways: {scroll_width} > {inner_width}"
        )
