"""Every page's chrome (the head's links, the site header with the navigation and the
language switcher, the footer), rendered once per language and navigation and kept.

base.html rendered these on every request: about twenty translations, a dozen
``url_for`` and the language loop cost a logged-in page about 0.2 ms of its 1-2 ms
(issue 20's profile). What differs between people is only which links the navigation
shows (signed in, organizer or viewer, administrator), which is part of the key, and the
session's CSRF token and the address the language switcher returns to, which are
slotted into the kept HTML per request.
"""

from __future__ import annotations

from flask import get_template_attribute, request
from flask_login import current_user
from flask_wtf.csrf import generate_csrf
from markupsafe import Markup, escape

from ..i18n import LANGUAGE_NAMES, current_locale
from .kept import store
from .organize.blueprint import reads_places

# Rendered in the kept HTML where the per-request values go: Unicode noncharacters,
# which no translation, address or token holds.
CSRF_SLOT = "\ufdd0csrf\ufdd0"
NEXT_SLOT = "\ufdd0next\ufdd0"

_TEMPLATE = "_macros/chrome.html"


def head_links() -> Markup:
    """The style sheet and icon links of the head."""
    return store().get(("chrome-head", request.script_root), lambda: _macro("head_links")())


def site_header() -> Markup:
    """The skip link and the site header, with this session's CSRF token in its forms and
    the current address for the language switcher to return to."""
    language = current_locale()
    signed_in = bool(current_user.is_authenticated)
    places = signed_in and reads_places()
    admin = signed_in and bool(current_user.is_admin)
    key = ("chrome-header", language, request.script_root, signed_in, places, admin)
    html = store().get(
        key,
        lambda: _macro("site_header")(
            language, LANGUAGE_NAMES, signed_in, places, admin, CSRF_SLOT, NEXT_SLOT
        ),
    )
    address = request.full_path if request.query_string else request.path
    # On str, not Markup: Markup.replace would escape the escaped values once more.
    slotted = (
        str(html)
        .replace(CSRF_SLOT, str(escape(generate_csrf())))
        .replace(NEXT_SLOT, str(escape(address)))
    )
    return Markup(slotted)  # noqa: S704 - kept HTML with escaped values slotted in


def site_footer() -> Markup:
    """The footer with the privacy and accessibility links."""
    key = ("chrome-footer", current_locale(), request.script_root)
    return store().get(key, lambda: _macro("site_footer")())


def _macro(name: str):
    return get_template_attribute(_TEMPLATE, name)


def init_app(app) -> None:
    app.add_template_global(head_links, "head_links")
    app.add_template_global(site_header, "site_header")
    app.add_template_global(site_footer, "site_footer")
