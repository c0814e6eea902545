"""Invitations queued in bulk by the import (issue 13, item 9): the same mails, byte for
byte, as inviting the same people one by one, in a number of statements that grows only
per page of 1,000 rows."""

from __future__ import annotations

import itertools

import pytest
from jinja2 import ChoiceLoader, DictLoader
from sqlalchemy import select

from academy.models import AudienceRole, Invitation, OutboxMail
from academy.services import enrolments, invitations
from academy.services.importing import guess_mapping, import_rows, preview, read_table
from tests.factories import make_cohort, make_user

HEADER = ["Namn", "E-post", "Roll", "Språk"]
PEOPLE = [
    ("Åsa Öberg", "asa@example.se", "sv"),
    ("Ærlend Ødegård", "aerlend@example.no", "nb"),
    ("Märta Ångström", "marta@example.se", "en"),
    ("Øystein Bråthen", "oystein@example.no", "nb"),
    ("Äino Åkesson-Ødegaard", "aino@example.se", "sv"),
    ("Zoë Æbelø", "zoe@example.com", "en"),
]


@pytest.fixture
def cohort(db):
    return make_cohort(db, name="Trygga platser, våren")


class Tokens:
    """tok-00001, tok-00002, ... from the start again after ``restart``."""

    def __init__(self):
        self.restart()

    def restart(self) -> None:
        self.numbers = itertools.count(1)

    def __call__(self) -> str:
        return f"tok-{next(self.numbers):05d}"


@pytest.fixture
def tokens(monkeypatch):
    """The same tokens, in the same order, on either path."""
    tokens = Tokens()
    monkeypatch.setattr(enrolments, "new_token", tokens)
    monkeypatch.setattr(invitations, "new_token", tokens)
    return tokens


def csv_of(people) -> bytes:
    lines = [";".join(HEADER)] + [
        f"{name};{email};polis;{locale}" for name, email, locale in people
    ]
    return ("\r\n".join(lines) + "\r\n").encode()


def import_people(db, cohort, people, **options):
    table = read_table(csv_of(people), "deltagare.csv")
    checked = preview(db, cohort, table, guess_mapping(table.headers))
    assert not checked.has_errors
    return import_rows(
        db, cohort, checked, invited_by_id=None, create_places=True, send_invitations=True
    )


def outbox(db) -> list[tuple[str, str, str, str]]:
    return [
        (mail.to_address, mail.kind, mail.subject, mail.body_text)
        for mail in db.scalars(select(OutboxMail).order_by(OutboxMail.id))
    ]


def test_bulk_invitations_are_the_mails_one_by_one_invitations_are(db, app_context, cohort, tokens):
    # An account that exists keeps its own name and language in the mail.
    make_user(db, email="Eva.Ek@Example.se", name="Eva Ek-Lindström", locale="en")
    # An old account's name with a line break ends up in the body as it is, both ways.
    make_user(db, email="bo.berg@example.se", name="Bo\nBerg", locale="sv")
    people = [*PEOPLE, ("Bo Berg", "bo.berg@example.se", ""), ("Eva Ek", "eva.ek@example.se", "")]

    savepoint = db.begin_nested()
    result = import_people(db, cohort, people)
    bulk = outbox(db)
    savepoint.rollback()
    assert result.invitations_sent == len(people)

    tokens.restart()  # the one-by-one path gets the same tokens
    for name, email, locale in people:
        enrolments.invite_participant(
            db,
            cohort,
            email=email,
            name=name,
            role=AudienceRole.POLICE,
            locale=locale or ("sv" if email.startswith("bo.") else "en"),
        )
    one_by_one = outbox(db)

    assert bulk == one_by_one
    assert [mail[0] for mail in bulk][-1] == "Eva.Ek@Example.se"
    # The mails are in each person's language, with their name and their own link.
    for (name, _email, _locale), (_to, kind, _subject, body) in zip(PEOPLE, bulk, strict=False):
        assert kind == "invitation" and name in body
    assert "Hej Åsa Öberg!" in bulk[0][3] and "Hei, Ærlend Ødegård!" in bulk[1][3]
    assert "Hello Märta Ångström," in bulk[2][3] and "Hello Eva Ek-Lindström," in bulk[-1][3]
    assert [body.count("/invite/tok-") for *_rest, body in bulk] == [1] * len(people)


def test_a_template_that_does_more_with_a_name_is_rendered_for_each(
    app, db, app_context, cohort, tokens
):
    template = "{{ cohort.name }}\n\n{{ enrolment.user.name|upper }} {{ link }}\n"
    original = app.jinja_env.loader
    app.jinja_env.loader = ChoiceLoader([DictLoader({"email/invitation.txt": template}), original])
    compiled = app.extensions.pop("academy.mail_templates", None)  # mail.py's own cache
    try:
        import_people(db, cohort, PEOPLE)
    finally:
        app.jinja_env.loader = original
        app.extensions.pop("academy.mail_templates", None)
        if compiled is not None:
            app.extensions["academy.mail_templates"] = compiled
    bodies = [body for *_rest, body in outbox(db)]
    assert bodies == [
        f"{name.upper()} http://academy.test/invite/tok-{n:05d}\n"
        for n, (name, _email, _locale) in enumerate(PEOPLE, start=1)
    ]


def test_importing_with_invitations_runs_statements_per_page_not_per_row(
    db, app_context, count_queries
):
    """Preview and import with invitations: the same statements for 10 rows as for 1,000;
    2,500 rows add one insert per further page of 1,000, for each of the four tables
    written in bulk (accounts, enrolments, mails, invitations)."""
    statements = {}
    for size in (10, 1_000, 2_500):
        cohort = make_cohort(db)
        people = [(f"Åsa Öberg {n}", f"asa.{size}.{n}@example.se", "sv") for n in range(size)]
        make_user(db, email=f"asa.{size}.0@example.se", name="Åsa Ö.")
        table = read_table(csv_of(people), "deltagare.csv")
        with count_queries() as counter:
            checked = preview(db, cohort, table, guess_mapping(table.headers))
            result = import_rows(
                db, cohort, checked, invited_by_id=None, create_places=True, send_invitations=True
            )
        assert result.invitations_sent == size
        statements[size] = counter.count
    assert statements[1_000] == statements[10]
    assert statements[2_500] == statements[1_000] + 2 * 4
    invitation = db.scalars(select(Invitation).order_by(Invitation.id.desc())).first()
    assert invitation.mail.kind == "invitation"
