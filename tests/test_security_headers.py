"""Security headers and cookie flags: on pages, downloads and error pages; HSTS only over
HTTPS; templates that work under the Content-Security-Policy."""

from __future__ import annotations

import re
import secrets
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest
from sqlalchemy.orm import Session

from academy import create_app
from academy.db import get_engine
from academy.headers import CONTENT_SECURITY_POLICY
from academy.models import Base, LiveSession
from tests.conftest import test_config
from tests.factories import PASSWORD, make_enrolment, make_user

TEMPLATES = Path(__file__).resolve().parent.parent / "academy" / "templates"
HSTS = "max-age=31536000; includeSubDomains"


def assert_security_headers(response) -> None:
    headers = response.headers
    assert headers["Content-Security-Policy"] == CONTENT_SECURITY_POLICY
    assert headers["X-Content-Type-Options"] == "nosniff"
    assert headers["Referrer-Policy"] == "same-origin"
    assert headers["X-Frame-Options"] == "DENY"
    assert headers["Permissions-Policy"] == (
        "camera=(), geolocation=(), microphone=(), payment=(), usb=()"
    )


def test_the_policy_allows_only_the_sites_own_files():
    directives = dict(part.split(" ", 1) for part in CONTENT_SECURITY_POLICY.split("; "))
    assert directives == {
        "default-src": "'self'",
        "script-src": "'self'",
        "style-src": "'self'",
        "img-src": "'self' data:",
        "object-src": "'none'",
        "base-uri": "'self'",
        "form-action": "'self'",
        "frame-ancestors": "'none'",
    }
    assert "unsafe" not in CONTENT_SECURITY_POLICY


def test_html_page_has_every_header_and_no_hsts_over_http(client):
    response = client.get("/")
    assert response.status_code == 200
    assert response.content_type.startswith("text/html")
    assert_security_headers(response)
    assert "Strict-Transport-Security" not in response.headers


def test_json_response_has_the_headers(client):
    response = client.get("/healthz")
    assert response.is_json
    assert_security_headers(response)


def test_calendar_download_has_the_headers(client, db):
    enrolment = make_enrolment(db)
    soon = datetime.now(UTC) + timedelta(days=3)
    db.add(
        LiveSession(
            cohort_id=enrolment.cohort_id,
            title="Walk",
            starts_at=soon,
            ends_at=soon + timedelta(hours=1),
        )
    )
    db.flush()
    client.login_as(enrolment.user)
    response = client.get(f"/learn/{enrolment.id}/live-sessions.ics")
    assert response.status_code == 200
    assert response.content_type.startswith("text/calendar")
    assert_security_headers(response)


def test_error_pages_have_the_headers(client):
    missing = client.get("/no-such-page")
    assert missing.status_code == 404
    assert_security_headers(missing)
    no_csrf = client.post("/language", data={"locale": "sv"})
    assert no_csrf.status_code == 400
    assert_security_headers(no_csrf)


def test_unexpected_error_page_has_the_headers(new_app):
    app = new_app.make(PROPAGATE_EXCEPTIONS=False)

    @app.get("/boom")
    def boom():
        raise RuntimeError("boom")

    response = app.test_client().get("/boom")
    assert response.status_code == 500
    assert_security_headers(response)


def test_a_views_own_policy_is_kept(new_app):
    app = new_app.make()

    @app.get("/drawing.svg")
    def drawing():
        return "<svg/>", 200, {"Content-Security-Policy": "default-src 'none'"}

    response = app.test_client().get("/drawing.svg")
    assert response.headers["Content-Security-Policy"] == "default-src 'none'"
    assert response.headers["X-Frame-Options"] == "DENY"


def test_hsts_over_https(client):
    response = client.get("/", base_url="https://localhost")
    assert response.headers["Strict-Transport-Security"] == HSTS
    assert_security_headers(response)


def test_hsts_can_be_switched_off(new_app):
    app = new_app.make(STRICT_TRANSPORT_SECURITY="")
    response = app.test_client().get("/healthz", base_url="https://localhost")
    assert "Strict-Transport-Security" not in response.headers


def test_hsts_behind_a_proxy_follows_x_forwarded_proto_only_with_proxy_fix(new_app):
    forwarded = {"X-Forwarded-Proto": "https", "X-Forwarded-For": "203.0.113.9"}
    trusting = new_app.make(PROXY_FIX=1).test_client()
    assert trusting.get("/healthz", headers=forwarded).headers["Strict-Transport-Security"] == HSTS
    plain = trusting.get("/healthz", headers={"X-Forwarded-Proto": "http"})
    assert "Strict-Transport-Security" not in plain.headers

    untrusting = new_app.make().test_client()
    assert "Strict-Transport-Security" not in untrusting.get("/healthz", headers=forwarded).headers


# --- cookies ------------------------------------------------------------------------------


class _AppMaker:
    """Apps of their own for one test; their connection pools are closed afterwards."""

    def __init__(self, database_url: str):
        self.database_url = database_url
        self.apps = []

    def make(self, **overrides):
        app = create_app(test_config(self.database_url, **overrides))
        self.apps.append(app)
        return app


@pytest.fixture
def new_app(database_url):
    maker = _AppMaker(database_url)
    yield maker
    for app in maker.apps:
        get_engine(app).dispose()


@pytest.fixture
def production_app(tmp_path):
    """A production app on its own SQLite file, with one user who can log in."""
    app = create_app(
        test_config(
            f"sqlite:///{tmp_path / 'production.sqlite3'}",
            ENV="production",
            TESTING=False,
            SECRET_KEY=secrets.token_urlsafe(48),
            BASE_URL="https://academy.example.se",
        )
    )
    engine = get_engine(app)
    Base.metadata.create_all(engine)
    with Session(engine) as session:
        make_user(session, email="kari@example.no")
        session.commit()
    yield app
    engine.dispose()


def csrf_token_of(page: bytes) -> str:
    match = re.search(rb'name="csrf_token" type="hidden" value="([^"]+)"', page)
    assert match, "the login form has no CSRF token"
    return match[1].decode()


def cookie_attributes(response, name: str) -> set[str]:
    """The attributes of the ``name`` cookie set by ``response``, e.g. {"secure", "path=/"}."""
    for header in response.headers.getlist("Set-Cookie"):
        if header.startswith(f"{name}="):
            return {part.strip().lower() for part in header.split(";")[1:]}
    raise AssertionError(f"no {name} cookie in {response.headers.getlist('Set-Cookie')}")


def test_production_cookies_are_secure_httponly_and_lax(production_app):
    client = production_app.test_client()
    https = {"base_url": "https://academy.example.se"}
    page = client.get("/login", **https)
    session_cookie = cookie_attributes(page, "session")
    assert {"secure", "httponly", "samesite=lax"} <= session_cookie

    form = {
        "csrf_token": csrf_token_of(page.data),
        "email": "kari@example.no",
        "password": PASSWORD,
        "remember": "y",
        "next": "",
    }
    # A browser on a page with Referrer-Policy: same-origin sends the page's address;
    # Flask-WTF insists on it for HTTPS posts.
    referer = {"Referer": "https://academy.example.se/login"}
    response = client.post("/login", data=form, headers=referer, **https)
    assert response.status_code == 302, response.data[:500]
    assert {"secure", "httponly", "samesite=lax"} <= cookie_attributes(response, "remember_token")
    assert {"secure", "httponly", "samesite=lax"} <= cookie_attributes(response, "session")


def test_an_https_form_without_a_referer_is_refused(production_app):
    """Why no page may use Referrer-Policy no-referrer: its forms would all fail."""
    client = production_app.test_client()
    https = {"base_url": "https://academy.example.se"}
    page = client.get("/login", **https)
    form = {"csrf_token": csrf_token_of(page.data), "email": "kari@example.no", "password": "x"}
    assert client.post("/login", data=form, **https).status_code == 400


def test_development_over_http_keeps_plain_cookies(new_app):
    app = new_app.make(BASE_URL="http://127.0.0.1:5000")
    assert app.config["SESSION_COOKIE_SECURE"] is False
    assert app.config["REMEMBER_COOKIE_SECURE"] is False
    attributes = cookie_attributes(app.test_client().get("/login"), "session")
    assert "secure" not in attributes
    assert {"httponly", "samesite=lax"} <= attributes


def test_cookies_follow_an_https_base_url_unless_set(new_app):
    https = new_app.make(BASE_URL="https://academy.example.se")
    assert https.config["SESSION_COOKIE_SECURE"] is True
    assert https.config["REMEMBER_COOKIE_SECURE"] is True
    explicit = new_app.make(BASE_URL="https://academy.example.se", SESSION_COOKIE_SECURE=False)
    assert explicit.config["SESSION_COOKIE_SECURE"] is False


# --- templates under the policy -----------------------------------------------------------

# Served to browsers; pdf/ is read by WeasyPrint only and email/ is plain text.
PAGE_TEMPLATES = sorted(
    path
    for path in TEMPLATES.rglob("*.html")
    if path.relative_to(TEMPLATES).parts[0] not in ("pdf", "email")
)
# What the policy would block: inline scripts and styles, event handlers, javascript: URLs.
FORBIDDEN = {
    "an inline <script>": re.compile(r"<script(?![^>]*\ssrc=)[^>]*>", re.IGNORECASE),
    "a <style> element": re.compile(r"<style[\s>]", re.IGNORECASE),
    "a style= attribute": re.compile(r"<[a-z][^>]*\sstyle\s*=", re.IGNORECASE),
    "an on*= event handler": re.compile(r"<[a-z][^>]*\son[a-z]+\s*=", re.IGNORECASE),
    "a javascript: URL": re.compile(r"javascript:", re.IGNORECASE),
}


def test_templates_are_found():
    assert len(PAGE_TEMPLATES) > 20
    assert TEMPLATES / "base.html" in PAGE_TEMPLATES


@pytest.mark.parametrize(
    "template", PAGE_TEMPLATES, ids=lambda path: str(path.relative_to(TEMPLATES))
)
def test_template_needs_nothing_the_policy_blocks(template):
    text = template.read_text(encoding="utf-8")
    found = [what for what, pattern in FORBIDDEN.items() if pattern.search(text)]
    assert not found, f"{template.relative_to(TEMPLATES)} has {', '.join(found)}"
    # A page-level no-referrer would override the header and, over HTTPS, fail every form
    # on the page (see test_an_https_form_without_a_referer_is_refused).
    assert not re.search(r'name="referrer"\s+content="no-referrer"', text)


def test_forbidden_patterns_catch_what_they_should():
    samples = {
        "an inline <script>": "<script>alert(1)</script>",
        "a <style> element": "<style>p{}</style>",
        "a style= attribute": '<p class="x" style="color:red">',
        "an on*= event handler": '<button type="button" onclick="go()">',
        "a javascript: URL": '<a href="javascript:go()">',
    }
    for what, sample in samples.items():
        assert FORBIDDEN[what].search(sample), what
    harmless = '<script src="/static/app.js"></script><p class="one">{% set one = 1 %}</p>'
    assert not any(pattern.search(harmless) for pattern in FORBIDDEN.values())
