"""Security headers on every response, error pages and downloads included.

The Content-Security-Policy allows only the site's own files: no inline script or style,
no plugins, no framing, forms posting only back to the site. Templates therefore carry no
``<script>``, ``<style>``, ``style=`` or ``on*=`` attributes (tests/test_security_headers.py
checks them all). A view may set a stricter policy of its own, as the diagram route does;
it is kept.

Referrer-Policy is ``same-origin``: invitation, reset and confirmation links carry their
token in the path, and no other site may see those addresses. Not ``no-referrer``:
Flask-WTF checks that a form posted over HTTPS carries a same-origin Referer
(``WTF_CSRF_SSL_STRICT``), so without one every form would fail in production.

HSTS is sent only on requests that came over HTTPS, never to http://127.0.0.1 in
development: a browser would then refuse plain HTTP to that host for a year.

Every answer to a logged-in user says ``Cache-Control: no-store``: pages, exports, PDFs
and photos alike, so that after logging out on a shared computer the back button and the
browser's cache show nothing of the person. The only exceptions are the answers in
``SAME_FOR_EVERYONE``. Answers to visitors who are not logged in keep what their views set.
"""

from __future__ import annotations

from flask import Flask, Response, g, request, session

CONTENT_SECURITY_POLICY = "; ".join(
    [
        "default-src 'self'",
        "script-src 'self'",
        "style-src 'self'",
        "img-src 'self' data:",
        "object-src 'none'",
        "base-uri 'self'",
        "form-action 'self'",
        "frame-ancestors 'none'",
    ]
)

# Features the site never uses, refused for it and anything it might embed.
PERMISSIONS_POLICY = "camera=(), geolocation=(), microphone=(), payment=(), usb=()"

HEADERS = {
    "Content-Security-Policy": CONTENT_SECURITY_POLICY,
    "X-Content-Type-Options": "nosniff",
    "Referrer-Policy": "same-origin",
    # For browsers without CSP frame-ancestors.
    "X-Frame-Options": "DENY",
    "Permissions-Policy": PERMISSIONS_POLICY,
}


# Endpoints whose answer is the same for everyone and says nothing about who asked, so a
# cache may keep it even for a logged-in user:
SAME_FOR_EVERYONE = frozenset(
    {
        # The stylesheet, fonts and images of the site itself.
        "static",
        # A course's diagrams: the course files' own SVGs, the same for every enrolment
        # (the enrolment in the URL is only checked for access). Cached privately.
        "learn.image",
    }
)

# Where Flask-Login keeps the id of the logged-in user in the session: set by login_user
# and when a remember cookie is used, removed by logout_user. Testing for it reads the
# session without marking it accessed, so answers to visitors are not changed.
_LOGIN_KEY = "_user_id"


def _note_a_login() -> None:
    # Before the view: a request that logs out was still made by a logged-in user.
    g.came_logged_in = _LOGIN_KEY in session


def _for_a_logged_in_user() -> bool:
    logged_in = g.get("came_logged_in") or _LOGIN_KEY in session
    return logged_in and request.endpoint not in SAME_FOR_EVERYONE


def init_app(app: Flask) -> None:
    hsts = str(app.config.get("STRICT_TRANSPORT_SECURITY") or "").strip()
    app.before_request(_note_a_login)

    @app.after_request
    def set_security_headers(response: Response) -> Response:
        for name, value in HEADERS.items():
            response.headers.setdefault(name, value)
        if hsts and request.is_secure:
            response.headers.setdefault("Strict-Transport-Security", hsts)
        if _for_a_logged_in_user() and not response.cache_control.no_store:
            # Replaces what the view set (a photo's "private, max-age=300", say).
            response.headers["Cache-Control"] = "private, no-store"
        return response
