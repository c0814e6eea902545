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
"""

from __future__ import annotations

from flask import Flask, Response, request

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


def init_app(app: Flask) -> None:
    hsts = str(app.config.get("STRICT_TRANSPORT_SECURITY") or "").strip()

    @app.after_request
    def set_security_headers(response: Response) -> Response:
        for name, value in HEADERS.items():
            response.headers.setdefault(name, value)
        if hsts and request.is_secure:
            response.headers.setdefault("Strict-Transport-Security", hsts)
        return response
