from __future__ import annotations

from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from wtforms import BooleanField, HiddenField, PasswordField, SelectField, StringField
from wtforms.validators import DataRequired, Length

from ...i18n import language_choices
from ..forms import email_field, name_field, new_password_fields


class LoginForm(FlaskForm):
    email = email_field()
    password = PasswordField(
        _l("Password"),
        validators=[
            DataRequired(message=_l("Enter your password.")),
            Length(max=200, message=_l("A password is at most 200 characters.")),
        ],
        render_kw={"autocomplete": "current-password"},
    )
    remember = BooleanField(_l("Keep me logged in on this device for 14 days"))
    next = HiddenField()


class ResetRequestForm(FlaskForm):
    email = email_field()


class ResetPasswordForm(FlaskForm):
    password, confirm = new_password_fields()


class ChangePasswordForm(FlaskForm):
    current_password = PasswordField(
        _l("Current password"),
        validators=[
            DataRequired(message=_l("Enter your current password.")),
            Length(max=200, message=_l("A password is at most 200 characters.")),
        ],
        render_kw={"autocomplete": "current-password"},
    )
    password, confirm = new_password_fields()


class ProfileForm(FlaskForm):
    name = name_field(_l("Your name"))
    certificate_name = StringField(
        _l("Your name as it should appear on certificates"),
        validators=[
            DataRequired(message=_l("Enter the name for the certificate.")),
            Length(max=200, message=_l("A name is at most 200 characters.")),
        ],
    )
    locale = SelectField(_l("Language"), choices=language_choices())


class EmailChangeForm(FlaskForm):
    email = email_field(_l("New e-mail address"))
    password = PasswordField(
        _l("Your password"),
        validators=[
            DataRequired(message=_l("Enter your password.")),
            Length(max=200, message=_l("A password is at most 200 characters.")),
        ],
        render_kw={"autocomplete": "current-password"},
    )


class DeleteAccountForm(FlaskForm):
    password = PasswordField(
        _l("Your password"),
        validators=[
            DataRequired(message=_l("Enter your password.")),
            Length(max=200, message=_l("A password is at most 200 characters.")),
        ],
        render_kw={"autocomplete": "current-password"},
    )
    withdraw_certificates = BooleanField(_l("Also withdraw my certificates"))
