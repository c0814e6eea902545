# ruff: noqa: F811 (world, ask and fake_pdf are fixtures of test_route_security, imported)
"""Nothing a logged-in user was shown stays in the browser's cache (issue 13, item 19).

Generated from the URL map through the world and the asker of test_route_security.py:
every answer a logged-in participant, organizer or administrator gets says
``Cache-Control: no-store`` (pages, exports, PDFs, photos, error pages), except the
routes in SAME_FOR_EVERYONE below. Answers to visitors who are not logged in are left as
their views make them.
"""

from __future__ import annotations

import pytest
from werkzeug.datastructures import ResponseCacheControl
from werkzeug.http import parse_cache_control_header

from academy import headers
from tests.factories import PASSWORD, make_enrolment
from tests.test_route_security import (  # noqa: F401
    Answer,
    ask,
    fake_pdf,
    rule_of,
    rules_with,
    url_for_rule,
    world,
)

LOGGED_IN = ("participant", "other_participant", "organizer", "other_organizer", "admin")

# The answers a cache may keep for a logged-in user, and why; headers.SAME_FOR_EVERYONE
# names their endpoints.
SAME_FOR_EVERYONE = {
    # The site's stylesheet, fonts and images: the same files for everyone.
    "/static/<path:filename>",
    # A course's diagrams: SVGs of the course files, the same for every enrolment; the
    # enrolment in the URL only decides who may fetch them. Cached privately for an hour.
    "/learn/<int:enrolment_id>/<part_slug>/images/<name>.svg",
}


def cache_control(answer: Answer) -> ResponseCacheControl:
    return parse_cache_control_header(answer.headers.get("Cache-Control"), cls=ResponseCacheControl)


def test_the_exceptions_are_the_endpoints_the_app_exempts(app):
    endpoints = {rule_of(app, rule).endpoint for rule in SAME_FOR_EVERYONE}
    assert endpoints == headers.SAME_FOR_EVERYONE


@pytest.mark.parametrize("rule", rules_with("GET"))
def test_every_get_answer_to_a_logged_in_user_says_no_store(app, world, ask, rule):
    url = url_for_rule(rule, world)
    problems = []
    for actor in LOGGED_IN:
        answer = ask(actor, "GET", url)
        if answer.status == 500:
            problems.append(f"GET {url} as {actor}: 500")
        elif rule in SAME_FOR_EVERYONE:
            if answer.status == 200 and cache_control(answer).no_store:
                problems.append(f"GET {url} as {actor} is the same for everyone: keep it cacheable")
        elif not cache_control(answer).no_store:
            problems.append(
                f"GET {url} as {actor} ({answer.status}) has Cache-Control: "
                f"{answer.headers.get('Cache-Control')!r}, not no-store"
            )
    assert not problems, "\n".join(problems)


@pytest.mark.parametrize("rule", rules_with("POST"))
def test_every_post_answer_to_a_logged_in_user_says_no_store(app, world, ask, rule):
    """Exports (CSV, xlsx, PDF, the certificates' ZIP) are POSTs; so are forms shown again
    with their errors."""
    url = url_for_rule(rule, world)
    problems = []
    for actor in LOGGED_IN:
        answer = ask(actor, "POST", url)
        if not cache_control(answer).no_store:
            problems.append(
                f"POST {url} as {actor} ({answer.status}) has Cache-Control: "
                f"{answer.headers.get('Cache-Control')!r}"
            )
    assert not problems, "\n".join(problems)


def test_answers_to_visitors_keep_what_their_views_set(app, world, ask):
    """Nothing about visitors changes: no answer to them gains no-store, and the public
    badge documents keep their public caching."""
    gained = [
        rule
        for rule in rules_with("GET")
        if cache_control(ask("anonymous", "GET", url_for_rule(rule, world))).no_store
    ]
    assert gained == []
    home = ask("anonymous", "GET", "/")
    assert home.status == 200 and "Cache-Control" not in home.headers
    issuer = cache_control(ask("anonymous", "GET", "/badges/issuer"))
    assert issuer.public and issuer.max_age and not issuer.no_store


def test_a_login_through_the_remember_cookie_alone_is_no_store_too(app, client, db):
    enrolment = make_enrolment(db)
    response = client.post_form(
        "/login", {"email": enrolment.user.email, "password": PASSWORD, "remember": "y"}
    )
    assert response.headers["Location"] == "/"
    assert "no-store" in response.headers["Cache-Control"]
    remember = client.get_cookie("remember_token").value
    fresh = app.test_client()  # a browser restarted: no session cookie, only the remember one
    fresh.set_cookie("remember_token", remember)
    page = fresh.get("/learn/")
    assert page.status_code == 200 and enrolment.cohort.name in page.data.decode()
    assert "no-store" in page.headers["Cache-Control"]
