from __future__ import annotations

from flask_wtf import FlaskForm
from wtforms import SelectField

from ...i18n import LANGUAGE_NAMES
from ..forms import email_field, name_field, new_password_fields


class CreateAdminForm(FlaskForm):
    name = name_field()
    email = email_field()
    locale = SelectField(choices=list(LANGUAGE_NAMES.items()))
    password, confirm = new_password_fields()
