"""Every page's chrome is kept HTML (academy/web/chrome.py): one per language and
navigation, with the session's CSRF token and the address to return to slotted in."""

from __future__ import annotations

import re

from academy.web.chrome import CSRF_SLOT, NEXT_SLOT
from tests.factories import make_organisation, make_organizer, make_user

NAV = re.compile(r'<nav class="site-nav".*?</nav>', re.S)
SWEDISH_SKIP = "Hoppa till innehållet"
TOKENS = re.compile(r'name="csrf_token" value="([^"]*)"')


def header_of(page: str) -> str:
    return page.split('<main id="main"', 1)[0]


def test_each_person_gets_their_own_navigation_and_token(app, db, client):
    organizer = make_user(db, email="organizer@example.org")
    make_organizer(db, make_organisation(db), organizer)
    participant = make_user(db, email="participant@example.org")
    db.commit()

    client.login_as(organizer)
    organizer_page = client.get("/privacy").get_data(as_text=True)
    other = app.test_client()
    with other.session_transaction() as session:
        session["_user_id"] = participant.get_id()
        session["_fresh"] = True
    participant_page = other.get("/privacy").get_data(as_text=True)

    assert "/organize/" in NAV.search(organizer_page).group(0)
    assert "/organize/" not in NAV.search(participant_page).group(0)
    for page in (organizer_page, participant_page):
        header = header_of(page)
        assert CSRF_SLOT not in page and NEXT_SLOT not in page
        # The logout form and the language switcher carry the session's own token.
        assert len(set(TOKENS.findall(header))) == 1
        assert len(TOKENS.findall(header)) == 2
    assert (
        TOKENS.findall(header_of(organizer_page))[0]
        != TOKENS.findall(header_of(participant_page))[0]
    )
    # The slotted-in token is the session's: logging out with it works.
    token = TOKENS.findall(header_of(participant_page))[0]
    assert other.post("/logout", data={"csrf_token": token}).status_code == 302
    assert other.get("/learn/").status_code == 302  # to the login page: signed out


def test_the_address_to_return_to_is_escaped_and_per_request(client):
    # As a browser may send it: the query string not percent-encoded.
    raw_query = {"QUERY_STRING": 'tab="><script>alert(1)</script>'}
    first = client.get("/privacy", environ_overrides=raw_query).get_data(as_text=True)
    second = client.get("/accessibility").get_data(as_text=True)
    assert "<script>alert(1)" not in first
    assert (
        'name="next" value="/privacy?tab=&#34;&gt;&lt;script&gt;alert(1)&lt;/script&gt;"' in first
    )
    assert 'name="next" value="/accessibility"' in second


def test_the_chrome_follows_the_language(client):
    swedish = client.get("/privacy", headers={"Accept-Language": "sv"}).get_data(as_text=True)
    english = client.get("/privacy", headers={"Accept-Language": "en"}).get_data(as_text=True)
    assert SWEDISH_SKIP in swedish and "Skip to content" not in swedish
    assert "Skip to content" in english
    current = re.compile(r'value="(\w+)" lang="\w+"\s+aria-current="true"')
    assert current.findall(swedish) == ["sv"]
    assert current.findall(english) == ["en"]
