from __future__ import annotations

from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from wtforms import PasswordField, SelectField, StringField
from wtforms.validators import DataRequired, Length

from ...i18n import language_choices
from ..forms import name_field, new_password_fields


class NewParticipantForm(FlaskForm):
    name = name_field(_l("Your name"))
    certificate_name = StringField(
        _l("Your name as it should appear on the certificate"),
        validators=[
            DataRequired(message=_l("Enter the name for the certificate.")),
            Length(max=200, message=_l("A name is at most 200 characters.")),
        ],
    )
    locale = SelectField(_l("Language"), choices=language_choices())
    password, confirm = new_password_fields(_l("Choose a password"))


class ExistingAccountForm(FlaskForm):
    password = PasswordField(
        _l("Password"),
        validators=[
            DataRequired(message=_l("Enter your password.")),
            Length(max=200, message=_l("A password is at most 200 characters.")),
        ],
        render_kw={"autocomplete": "current-password"},
    )
