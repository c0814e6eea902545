"""Languages, error pages, health check and the base layout."""

from __future__ import annotations

import pytest

from academy import create_app
from tests.conftest import test_config
from tests.factories import make_user


@pytest.mark.parametrize(
    ("header", "expected"),
    [
        ("sv-SE,sv;q=0.9,en;q=0.8", "sv"),
        ("nb-NO,nb;q=0.9", "nb"),
        ("no;q=0.9,en;q=0.5", "nb"),
        ("de-DE,de;q=0.9", "en"),
        ("", "en"),
    ],
)
def test_language_follows_accept_language(client, header, expected):
    response = client.get("/login", headers={"Accept-Language": header})
    assert f'<html lang="{expected}">'.encode() in response.data


def test_language_switcher_sets_the_session_and_returns_to_the_page(client):
    response = client.post_form("/language", {"locale": "nb", "next": "/login?x=1"})
    assert response.headers["Location"] == "/login?x=1"
    page = client.get("/login", headers={"Accept-Language": "sv"})
    assert b'<html lang="nb">' in page.data
    assert b'aria-current="true">Norsk' in page.data


def test_language_switcher_refuses_unknown_languages_and_foreign_redirects(client):
    response = client.post_form("/language", {"locale": "de", "next": "https://evil.example/"})
    assert response.headers["Location"] == "/"
    assert b'<html lang="en">' in client.get("/login").data


def test_a_users_own_setting_wins_and_the_switcher_saves_it(client, db):
    user = make_user(db, locale="sv")
    client.login_as(user)
    assert b'<html lang="sv">' in client.get("/", headers={"Accept-Language": "en"}).data
    client.post_form("/language", {"locale": "nb"})
    db.refresh(user)
    assert user.locale == "nb"


def test_not_found_page_is_a_page(client):
    response = client.get("/no/such/page")
    assert response.status_code == 404
    assert b"Page not found" in response.data
    assert b'id="main"' in response.data


def test_too_large_upload_gets_413_page(client):
    response = client.post("/login", data={"email": "x" * (6 * 1024 * 1024)})
    assert response.status_code == 413
    assert b"File too large" in response.data


def test_unexpected_errors_get_the_500_page(database_url):
    app = create_app(test_config(database_url, PROPAGATE_EXCEPTIONS=False))

    @app.get("/boom")
    def boom():
        raise RuntimeError("boom")

    response = app.test_client().get("/boom")
    assert response.status_code == 500
    assert b"Something went wrong on our side" in response.data


def test_method_not_allowed_names_the_allowed_methods(client):
    response = client.get("/language")
    assert response.status_code == 405
    assert "POST" in response.headers["Allow"].split(", ")


def test_healthz_answers_when_the_database_does(client):
    response = client.get("/healthz")
    assert response.status_code == 200
    assert response.json == {"status": "ok", "database": "up"}


def test_healthz_answers_503_when_the_database_does_not(tmp_path):
    missing = tmp_path / "no-such-dir" / "db.sqlite3"
    app = create_app(test_config(f"sqlite:///{missing}"))
    response = app.test_client().get("/healthz")
    assert response.status_code == 503
    assert response.json["database"] == "down"


def test_base_layout_has_landmarks_and_a_skip_link(client):
    page = client.get("/").data.decode()
    assert '<a class="skip-link" href="#main">' in page
    for landmark in ("<header", "<nav", '<main id="main"', "<footer"):
        assert landmark in page
    assert 'rel="stylesheet" href="/static/css/academy.css"' in page
    assert "https://" not in page.split("<body>")[0]


@pytest.mark.parametrize("path", ["/privacy", "/accessibility"])
def test_privacy_and_accessibility_pages_are_linked_from_every_page(client, path):
    page = client.get(path)
    assert page.status_code == 200
    assert f'href="{path}"'.encode() in client.get("/login").data
