"""A password reset tells nobody whether an address has an account, not even by how long
the answer takes (issue 13, item 18).

Before answering, the view does the same work for every address: it checks the form,
sets the message and redirects. Looking the address up and writing the mail happen after
the answer has been sent (``web.deferred.after_response``). The test client sends a
response when it is closed; until then the mail does not exist.
"""

from __future__ import annotations

import statistics
import time

import pytest
from flask import template_rendered
from sqlalchemy import select

from academy.models import OutboxMail
from academy.services import accounts
from tests.factories import make_user

KNOWN = "known@example.org"
UNKNOWN = "nobody@example.org"


def outbox(db) -> list[tuple[str, str]]:
    db.expire_all()
    return [(mail.to_address, mail.kind) for mail in db.scalars(select(OutboxMail))]


@pytest.fixture
def rendered(app):
    """The names of the templates rendered, in order."""
    names: list[str] = []

    def record(_sender, template, context, **_extra):
        names.append(template.name)

    template_rendered.connect(record, app)
    yield names
    template_rendered.disconnect(record, app)


def test_the_answer_is_the_same_work_for_a_known_and_an_unknown_address(
    app, client, db, count_queries, rendered
):
    make_user(db, email=KNOWN, locale="sv")
    db.commit()

    def answer(email: str):
        token = client.csrf_token()
        rendered.clear()
        with count_queries() as counter:
            response = client.post("/password/reset", data={"email": email, "csrf_token": token})
        return response, counter.statements, list(rendered)

    known, known_statements, known_templates = answer(KNOWN)
    unknown, unknown_statements, unknown_templates = answer(UNKNOWN)

    # Before the answer: the same statements (none) and the same templates (none; the
    # mail's is rendered later).
    assert known_statements == unknown_statements
    assert known_templates == unknown_templates
    assert "email/password_reset.txt" not in known_templates
    # The same answer: status, where it leads, which headers and cookies.
    assert known.status_code == unknown.status_code == 302
    assert known.headers["Location"] == unknown.headers["Location"] == "/login"
    assert sorted(known.headers.keys()) == sorted(unknown.headers.keys())
    cookie = [c.split("=", 1)[0] for c in known.headers.getlist("Set-Cookie")]
    assert cookie == [c.split("=", 1)[0] for c in unknown.headers.getlist("Set-Cookie")]
    assert outbox(db) == []

    # Once the answers are sent, the known address gets its mail, in its language; the
    # unknown one nothing.
    known.close()
    unknown.close()
    assert outbox(db) == [(KNOWN, "password_reset")]
    mail = db.scalars(select(OutboxMail)).one()
    assert "/password/reset/" in mail.body_text and "lösenord" in mail.body_text.lower()
    # Both show the same page afterwards.
    page = client.get("/login").data.decode()
    assert "If nobody@example.org has an account" in page


def test_the_mail_reaches_a_known_address_in_any_case_of_letters(client, db):
    make_user(db, email="Åsa.Nærø@Example.org")
    db.commit()
    client.post_form("/password/reset", {"email": "åsa.nærø@EXAMPLE.org"}).close()
    assert outbox(db) == [("Åsa.Nærø@Example.org", "password_reset")]


def test_a_failure_after_the_answer_is_logged_and_leaves_nothing_half_done(
    client, db, monkeypatch, caplog
):
    make_user(db, email=KNOWN)
    db.commit()

    def broken(*_args, **_kwargs):
        raise RuntimeError("the template is missing")

    monkeypatch.setattr(accounts, "queue_mail", broken)
    response = client.post_form("/password/reset", {"email": KNOWN})
    assert response.status_code == 302
    response.close()
    assert outbox(db) == []
    assert "work after the response failed" in caplog.text


def test_the_reset_requests_stay_limited_per_client_address(client, db):
    for _ in range(20):
        assert client.post_form("/password/reset", {"email": UNKNOWN}).status_code == 302
    assert client.post_form("/password/reset", {"email": UNKNOWN}).status_code == 429


# The mail's work for a known address, made this long (it takes about 2 ms in
# production), so that a difference stands far out of a busy machine's noise.
MAIL_WORK_SECONDS = 0.05


def test_the_answer_for_a_known_address_does_not_wait_for_its_mail(client, db, monkeypatch):
    """A loose check of the order of magnitude: medians of interleaved requests; the
    bound is half the mail's work, which answering before the mail would exceed."""
    make_user(db, email=KNOWN)
    db.commit()
    queue_mail = accounts.queue_mail

    def slow_queue_mail(*args, **kwargs):
        time.sleep(MAIL_WORK_SECONDS)
        return queue_mail(*args, **kwargs)

    monkeypatch.setattr(accounts, "queue_mail", slow_queue_mail)
    seconds: dict[str, list[float]] = {KNOWN: [], UNKNOWN: []}
    for _ in range(10):  # 20 requests: the rate limit's allowance
        for email in seconds:
            token = client.csrf_token()
            start = time.perf_counter()
            response = client.post("/password/reset", data={"email": email, "csrf_token": token})
            seconds[email].append(time.perf_counter() - start)
            response.close()
    known, unknown = (statistics.median(seconds[email]) for email in (KNOWN, UNKNOWN))
    assert known - unknown < MAIL_WORK_SECONDS / 2, (known, unknown)
    assert len(outbox(db)) == 10
