"""Signing in through the login page as a person does, the second step included.

Administrators and organizers who sign in with a password give a code from an
authenticator app (SECOND_FACTOR_FOR_STAFF stays on for the live server too). The first
time, the page sets the app up: the helper reads the key the page shows to type (as a
person who cannot scan the QR code would) and keeps it, per address, for the next
sign-in. A code is accepted once, so a second sign-in within the same 30 seconds uses
the next step's code (accepted one step early), or waits for it.
"""

from __future__ import annotations

import time
from datetime import UTC, datetime

import pyotp
from playwright.sync_api import Page

from tests.factories import PASSWORD

_secrets: dict[str, str] = {}
_last_step: dict[str, int] = {}


def _next_code(email: str) -> str:
    totp = pyotp.TOTP(_secrets[email])
    current = totp.timecode(datetime.now(UTC))
    step = max(current, _last_step.get(email, current - 1) + 1)
    if step > current + 1:
        time.sleep(totp.interval - time.time() % totp.interval + 0.5)
    _last_step[email] = step
    return totp.generate_otp(step)


def _left_login(url: str) -> bool:
    return "/login" not in url or "/login/code" in url


def fill_password_step(page: Page, email: str, password: str) -> None:
    """The login page: the address, then (on the same page or the next) the password."""
    page.goto("/login")
    page.locator("input[name=email]").fill(email)
    password_field = page.locator("input[name=password]")
    if not password_field.count():
        page.locator("main form button[type=submit]").click()
        password_field.wait_for()
    password_field.fill(password)
    page.locator("main form button[type=submit]").click()


def pass_second_step(page: Page, email: str) -> None:
    """The code page, or setting the app up, whichever the sign-in leads to."""
    if "/login/code/setup" in page.url:
        _secrets[email] = page.locator("[data-secret]").get_attribute("data-secret") or ""
        page.locator("input[name=code]").fill(_next_code(email))
        page.locator("main form button[type=submit]").click()
        page.locator(".recovery-codes").wait_for()
        page.locator("main a.button").click()
    elif "/login/code" in page.url:
        page.locator("input[name=code]").fill(_next_code(email))
        page.locator("main form button[type=submit]").click()
    page.wait_for_url(lambda url: "/login" not in url)


def log_in(page: Page, email: str, password: str = PASSWORD) -> None:
    """Sign in as ``email`` and wait until the page after the sign-in is there."""
    fill_password_step(page, email, password)
    page.wait_for_url(_left_login)
    pass_second_step(page, email)
