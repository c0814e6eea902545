from __future__ import annotations

from flask_wtf import FlaskForm
from wtforms import HiddenField, SelectField

from ...i18n import language_choices


class LanguageForm(FlaskForm):
    locale = SelectField(choices=language_choices())
    next = HiddenField()
