"""Form pieces shared by the blueprints, and the base every form of the app derives from."""

from __future__ import annotations

from collections.abc import Callable, Iterator
from dataclasses import dataclass
from typing import Any
from urllib.parse import urlsplit

import wtforms
from flask import abort, current_app
from flask_babel import get_translations
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from flask_babel.speaklater import LazyString
from flask_wtf import FlaskForm
from flask_wtf.csrf import _FlaskFormCSRF
from wtforms import (
    FieldList,
    FormField,
    HiddenField,
    PasswordField,
    RadioField,
    StringField,
    TextAreaField,
)
from wtforms.csrf.core import CSRFTokenField as _WTFormsCSRFTokenField
from wtforms.validators import DataRequired, Email, EqualTo, Length, ValidationError

from ..text import has_control, multi_line, one_line

# The messages WTForms and Flask-WTF themselves give for the fields our forms use, listed
# so that `make translations` puts them in our catalogs: every form looks its messages up
# there (``_FormMeta.get_translations``), so they come in the page's language.
LIBRARY_MESSAGES = (
    _l("This field is required."),
    _l("Not a valid choice."),
    _l("Not a valid date value."),
    _l("Not a valid time value."),
    _l("Not a valid integer value."),
    _l("The CSRF token is missing."),
    _l("The CSRF session token is missing."),
    _l("The CSRF token has expired."),
    _l("The CSRF token is invalid."),
    _l("The CSRF tokens do not match."),
)

# A hidden field holds what a page put there (a path, a nonce); longer or with control
# characters, someone changed it.
HIDDEN_MAX_LENGTH = 2000


def _machine_value(value: str) -> str:
    return "" if len(value) > HIDDEN_MAX_LENGTH or has_control(value) else value


def text_cleaner(field_class: type) -> Callable[[str], str] | None:
    """What a field of ``field_class`` does to the text it receives: passwords are kept
    as typed (they are hashed, never stored or shown); text areas keep their lines; a
    hidden value that was tampered with counts as empty; every other text is one line."""
    if not issubclass(field_class, StringField) or issubclass(field_class, PasswordField):
        return None
    if issubclass(field_class, TextAreaField):
        return multi_line
    if issubclass(field_class, HiddenField):
        return _machine_value
    return one_line


def _text_filter(clean: Callable[[str], str]) -> Callable[[object], object]:
    def clean_text(value: object) -> object:
        return clean(value) if isinstance(value, str) else value

    return clean_text


_FILTERS = {clean: _text_filter(clean) for clean in (one_line, multi_line, _machine_value)}


class _HiddenInputWithoutId(wtforms.widgets.HiddenInput):
    """A hidden input with no ``id``: nothing refers to it, and a page with several forms
    would otherwise repeat one ``id`` (invalid HTML, and ambiguous to assistive tech)."""

    def __call__(self, field, **kwargs):
        kwargs.setdefault("id", False)  # html_params leaves an attribute of False out
        return super().__call__(field, **kwargs)


class CSRFTokenField(_WTFormsCSRFTokenField):
    """WTForms' CSRF field (its type is still "CSRFTokenField"), rendered without an id."""

    widget = _HiddenInputWithoutId()


class _TranslatedCSRF(_FlaskFormCSRF):
    """Flask-WTF's CSRF check with its messages in the page's language, its token in a
    hidden input without an ``id`` (several forms on a page each carry one)."""

    field_class = CSRFTokenField

    def validate_csrf_token(self, form, field) -> None:
        try:
            super().validate_csrf_token(form, field)
        except ValidationError as error:
            raise ValidationError(field.gettext(error.args[0])) from error


class _FormMeta:
    """What every form shares: text cleaned as it arrives (NUL, which PostgreSQL refuses,
    and line breaks, which cut mail subjects and headers), and WTForms' own messages
    from our catalogs in the user's language."""

    csrf_class = _TranslatedCSRF

    def bind_field(self, form, unbound_field, options):
        clean = text_cleaner(unbound_field.field_class)
        if clean is not None:
            declared = tuple(unbound_field.kwargs.get("filters") or ())
            options = {**options, "filters": (_FILTERS[clean], *declared)}
        return super().bind_field(form, unbound_field, options)

    def get_translations(self, form):
        return get_translations()


class AcademyForm(FlaskForm):
    """The base of every form of the app (a test checks that each one derives from it)."""

    Meta = _FormMeta


class AcademySubForm(wtforms.Form):
    """The base of a group of fields inside a form (``FormField``): no CSRF token of its
    own, the same cleaning and messages."""

    Meta = _FormMeta


class ButtonForm(AcademyForm):
    """A form with nothing but its CSRF token, for actions that are one button."""


def require_button_form() -> None:
    """Answer 400 unless this request posts a valid ButtonForm (its CSRF token): the
    check of every one-button action before it changes anything."""
    if not ButtonForm().validate_on_submit():
        abort(400)


def email_field(label=None) -> StringField:
    return StringField(
        label or _l("E-mail"),
        validators=[
            DataRequired(message=_l("Enter your e-mail address.")),
            Length(max=254, message=_l("An e-mail address is at most 254 characters.")),
            Email(message=_l("Enter a valid e-mail address."), check_deliverability=False),
        ],
        render_kw={"autocomplete": "email", "inputmode": "email", "spellcheck": "false"},
    )


def _password_length(form, field) -> None:
    minimum = current_app.config["PASSWORD_MIN_LENGTH"]
    if len(field.data or "") < minimum:
        raise ValidationError(_l("Use at least %(count)d characters.", count=minimum))


def new_password_fields(label=None) -> tuple[PasswordField, PasswordField]:
    password = PasswordField(
        label or _l("New password"),
        validators=[
            DataRequired(message=_l("Choose a password.")),
            _password_length,
            Length(max=200, message=_l("A password is at most 200 characters.")),
        ],
        render_kw={"autocomplete": "new-password"},
    )
    confirm = PasswordField(
        _l("Repeat the password"),
        validators=[
            DataRequired(message=_l("Repeat the password.")),
            EqualTo("password", message=_l("The two passwords differ.")),
        ],
        render_kw={"autocomplete": "new-password"},
    )
    return password, confirm


def name_field(label=None) -> StringField:
    return StringField(
        label or _l("Name"),
        validators=[
            DataRequired(message=_l("Enter a name.")),
            Length(max=200, message=_l("A name is at most 200 characters.")),
        ],
        render_kw={"autocomplete": "name"},
    )


def safe_next(target: str | None) -> str | None:
    """``target`` if it is a path on this site, else None (no open redirects, and no
    line break or other control character for the Location header)."""
    if not target or not target.startswith("/") or target.startswith("//"):
        return None
    if len(target) > HIDDEN_MAX_LENGTH or has_control(target):
        return None
    parts = urlsplit(target)
    if parts.scheme or parts.netloc or "\\" in target:
        return None
    return target


def current_password_field(label=None) -> PasswordField:
    """The password of the logged-in person, asked again before a sensitive change."""
    return PasswordField(
        label or _l("Password"),
        validators=[
            DataRequired(message=_l("Enter your password.")),
            Length(max=200, message=_l("A password is at most 200 characters.")),
        ],
        render_kw={"autocomplete": "current-password"},
    )


def certificate_name_field(label) -> StringField:
    return StringField(
        label,
        validators=[
            DataRequired(message=_l("Enter the name for the certificate.")),
            Length(max=200, message=_l("A name is at most 200 characters.")),
        ],
    )


def bounded_text(label, *, required: bool = True, max_length: int = 200, hint=None) -> StringField:
    """A one-line text with a length limit (and optionally required)."""
    validators = [
        Length(max=max_length, message=_l("Write at most %(count)d characters.", count=max_length)),
    ]
    if required:
        validators.insert(0, DataRequired(message=_l("This needs an answer.")))
    return StringField(label, validators=validators, description=hint or "")


# --- the error summary ---------------------------------------------------------------------


@dataclass(frozen=True)
class FieldError:
    """One problem of a form, for the summary at the top of the page: a link to the input
    it belongs to (``target``, an element id), the field's name and the message."""

    target: str
    label: str
    message: str


def form_errors(form: wtforms.Form) -> list[FieldError]:
    """Every error of ``form`` in the order of its fields, each pointing at the input to
    correct: the field itself, the first option of a radio group, each input of the
    entries of a repeat group. A repeat group's own error (too few entries) points at
    its first empty entry, where the next answer goes. The CSRF token is left out: a
    page whose token expired says so itself."""
    return list(_errors_of(form, prefix=""))


def _errors_of(form: wtforms.Form, prefix: str) -> Iterator[FieldError]:
    for field in form:
        if not field.errors or field.name == "csrf_token":
            continue
        label = f"{prefix}{field.label.text}"
        if isinstance(field, FieldList):
            for number, entry in enumerate(field.entries, start=1):
                if isinstance(entry, FormField) and entry.errors:
                    entry_prefix = _("%(group)s, entry %(number)d: ", group=label, number=number)
                    yield from _errors_of(entry.form, entry_prefix)
            own = [error for error in field.errors if isinstance(error, str | LazyString)]
            for message in own:
                yield FieldError(_first_empty_input(field), label, str(message))
        elif isinstance(field, FormField):
            yield from _errors_of(field.form, f"{label}: ")
        else:
            target = f"{field.id}-0" if isinstance(field, RadioField) else field.id
            for message in field.errors:
                yield FieldError(target, label, str(message))


def _first_empty_input(group: FieldList) -> str:
    for entry in group.entries:
        if isinstance(entry, FormField) and is_empty(entry.data):
            first = next(iter(entry.form))
            return f"{first.id}-0" if isinstance(first, RadioField) else first.id
    return group.id


def is_empty(value: Any) -> bool:
    """Whether a field's or a sub-form's data holds no answer (blank text counts as none)."""
    if isinstance(value, dict):
        return all(is_empty(v) for k, v in value.items() if k != "csrf_token")
    return value is None or (isinstance(value, str) and not value.strip())
