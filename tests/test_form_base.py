"""The base every form derives from: text cleaned as it arrives, messages in the user's
language; and the two places text leaves the app where a line break does harm (the
Location of a redirect, a mail's subject)."""

from __future__ import annotations

import pytest
import wtforms
from babel.messages.pofile import read_po
from flask_babel import force_locale
from flask_wtf import FlaskForm
from sqlalchemy import select
from werkzeug.datastructures import MultiDict
from wtforms import HiddenField, PasswordField, StringField, TextAreaField

from academy.models import AudienceRole, OutboxMail
from academy.services import enrolments
from academy.text import multi_line, one_line
from academy.web.forms import LIBRARY_MESSAGES, AcademyForm, AcademySubForm
from academy.web.learn import forms as learn_forms
from tests.factories import (
    PASSWORD,
    make_cohort,
    make_organisation,
    make_organizer,
    make_user,
)
from tests.test_odd_input import USES, subclasses_in_academy

# --- every form derives from the base -------------------------------------------------------


def test_every_form_in_academy_derives_from_the_base():
    # The forms built from the course files, with their groups of repeated fields.
    built = [use.form for _form, use in USES if use.form is not None]
    assert any(issubclass(form, learn_forms.AssignmentForm) for form in built)
    flask_forms = subclasses_in_academy(FlaskForm)
    plain_forms = subclasses_in_academy(wtforms.Form) - flask_forms
    assert len(flask_forms) > 20 and plain_forms, "the forms were not found"
    outside = sorted(
        form.__qualname__ for form in flask_forms if not issubclass(form, AcademyForm)
    ) + sorted(form.__qualname__ for form in plain_forms if not issubclass(form, AcademySubForm))
    assert not outside, (
        f"These forms do not derive from academy.web.forms.AcademyForm (or AcademySubForm for "
        f"a group inside a form): {outside}. Without it NUL and line breaks reach the "
        "database and mail headers, and WTForms' messages show in English."
    )


# --- cleaning -------------------------------------------------------------------------------


class _Sample(AcademyForm):
    class Meta:
        csrf = False

    name = StringField()
    notes = TextAreaField()
    password = PasswordField()
    back = HiddenField()


def posted(app, **data) -> _Sample:
    with app.test_request_context(method="POST", data=MultiDict(data)):
        return _Sample()


def test_a_single_line_field_makes_control_characters_one_space_and_trims(app):
    form = posted(app, name=" \tÅsa\r\nBcc: mallory@example.com\x00 Östergård\x7f\x85  ")
    assert form.name.data == "Åsa Bcc: mallory@example.com Östergård"
    # Right-to-left and zero-width characters are text (Arabic, Persian), not controls.
    text = "\u202e\u0645\u062d\u0637\u0629\u200c Torpa\u200btorg\x00"
    assert posted(app, name=text).name.data == text.removesuffix("\x00")


def test_a_text_area_keeps_its_lines_and_tabs_and_drops_other_control_characters(app):
    form = posted(app, notes="One\r\nTwo\nThree\rFour\tfive\x00\x0b\x1b\x85.")
    assert form.notes.data == "One\r\nTwo\nThree\nFour\tfive."


def test_a_tampered_hidden_value_counts_as_empty_and_a_password_is_kept_as_typed(app):
    assert posted(app, back="/learn/1/").back.data == "/learn/1/"
    assert posted(app, back="/learn/\r\n").back.data == ""
    assert posted(app, back="/" + "x" * 2000).back.data == ""
    # Passwords are hashed, never stored or shown: what was typed is what counts.
    assert posted(app, password=" pass\x00word\t ").password.data == " pass\x00word\t "


def test_one_line_and_multi_line():
    assert one_line("\x00") == ""
    assert one_line("a\u00a0\u2028b") == "a b"  # any whitespace, line separators too
    assert multi_line("a\r\n\r\nb\r") == "a\r\n\r\nb\n"


# --- next= ----------------------------------------------------------------------------------

BAD_NEXT = (
    "/account\r\nSet-Cookie: session=stolen",
    "/account\nX-Evil: 1",
    "/account\r",
    "/account\x00",
    "/account\tx",
    "/account\x85",
    "/" + "a" * 2001,
)


@pytest.mark.parametrize("target", BAD_NEXT)
def test_login_refuses_a_next_with_a_control_character(client, db, target):
    user = make_user(db)
    response = client.post_form(
        "/login", {"email": user.email, "password": PASSWORD, "next": target}
    )
    assert (response.status_code, response.headers["Location"]) == (302, "/")


@pytest.mark.parametrize("target", BAD_NEXT)
def test_the_language_switch_refuses_a_next_with_a_control_character(client, target):
    response = client.post_form("/language", {"locale": "sv", "next": target})
    assert (response.status_code, response.headers["Location"]) == (302, "/")


# --- WTForms' own messages in the user's language -------------------------------------------


def test_a_swedish_organizer_gets_an_invalid_date_in_swedish(client, db):
    organisation = make_organisation(db)
    organizer = make_organizer(db, organisation, make_user(db, locale="sv"))
    client.login_as(organizer.user)
    response = client.post_form(
        f"/organize/organisations/{organisation.id}/cohorts/new",
        {"course": "safer-streets", "name": "Torpa hösten", "starts_on": "2026-02-31"},
    )
    page = response.get_data(as_text=True)
    assert response.status_code == 200
    assert "Ogiltigt datum." in page
    assert "Not a valid date value." not in page


def test_a_norwegian_user_gets_an_invalid_choice_in_norwegian(client, db):
    client.login_as(make_user(db, locale="nb"))
    response = client.post_form(
        "/account", {"name": "Kari Nordmann", "certificate_name": "Kari Nordmann", "locale": "xx"}
    )
    page = response.get_data(as_text=True)
    assert response.status_code == 200
    assert "Ugyldig valg." in page
    assert "Not a valid choice." not in page


def _texts(msgid) -> tuple[str, ...]:
    return msgid if isinstance(msgid, tuple) else (msgid,)


# The messages WTForms and Flask-WTF can give, in English (outside a request, the lazy
# ones are their own msgid).
with open(wtforms.__path__[0] + "/locale/wtforms.pot", "rb") as _pot:
    ENGLISH_LIBRARY_MESSAGES = {
        text for message in read_po(_pot) if message.id for text in _texts(message.id)
    } | {str(message) for message in LIBRARY_MESSAGES}


@pytest.mark.parametrize("language", ["sv", "nb"])
def test_no_form_shows_a_library_message_in_english(app, language):
    """Every form, sent with junk in every field (and without its CSRF token), shows only
    messages in the user's language."""
    forms = {
        form for form in subclasses_in_academy(AcademyForm) if "<locals>" not in form.__qualname__
    }
    forms |= {use.form for _form, use in USES if use.form is not None}
    shown: set[str] = set()
    for form_class in forms:
        for junk in ("\x00junk", ""):
            shown |= _messages(app, form_class, language, junk)
    english = sorted(shown & ENGLISH_LIBRARY_MESSAGES)
    assert not english, f"English in a {language} form: {english}"
    # The junk did reach WTForms' own checks.
    translated = {"sv": "Ogiltigt val.", "nb": "Ugyldig valg."}[language]
    assert translated in shown


def _messages(app, form_class, language: str, junk: str) -> set[str]:
    with app.test_request_context(method="POST"), force_locale(language):
        names = [field.name for field in _fields(form_class())]
    data = dict.fromkeys(names, junk)
    with app.test_request_context(method="POST", data=data), force_locale(language):
        form = form_class()
        for field in _fields(form):
            if getattr(field, "choices", ()) is None:
                field.choices = []
        form.validate()
        return set(_flat(form.errors))


def _fields(form):
    for field in form:
        if isinstance(field, wtforms.FieldList):
            for entry in field.entries:
                yield from _fields(entry.form)
        else:
            yield field


def _flat(errors) -> list[str]:
    if isinstance(errors, dict):
        return [text for each in errors.values() for text in _flat(each)]
    if isinstance(errors, list | tuple):
        return [text for each in errors for text in _flat(each)]
    return [str(errors)]


# --- mail subjects --------------------------------------------------------------------------


def test_a_name_with_a_line_break_gives_a_one_line_subject_and_the_body_where_it_belongs(app, db):
    """A round named (or a person added) without the forms, e.g. from the command line
    or an import, with line breaks in the name: the subject stays one line and the
    body starts with the template's greeting."""
    cohort = make_cohort(db, name="Torpa hösten\r\nBcc: mallory@example.com\n\nClick here")
    with app.app_context():
        enrolments.invite_participant(
            db,
            cohort,
            email="asa@example.se",
            name="Åsa\nP.S. Ignore the link",
            role=AudienceRole.TRADER,
            locale="en",
        )
    mail = db.scalars(select(OutboxMail)).one()
    assert mail.subject == "Invitation: Torpa hösten Bcc: mallory@example.com Click here"
    assert mail.body_text.startswith("Hello Åsa\nP.S. Ignore the link,\n\n")
