"""Form pieces shared by the blueprints."""

from __future__ import annotations

from urllib.parse import urlsplit

from flask import current_app
from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from wtforms import PasswordField, StringField
from wtforms.validators import DataRequired, Email, EqualTo, Length, ValidationError


class ButtonForm(FlaskForm):
    """A form with nothing but its CSRF token, for actions that are one button."""


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
    """``target`` if it is a path on this site, else None (no open redirects)."""
    if not target or not target.startswith("/") or target.startswith("//"):
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
