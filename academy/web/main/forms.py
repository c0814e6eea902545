from __future__ import annotations

from flask_wtf import FlaskForm
from wtforms import HiddenField, SelectField

from ...i18n import LANGUAGE_NAMES


class LanguageForm(FlaskForm):
    locale = SelectField(choices=list(LANGUAGE_NAMES.items()))
    next = HiddenField()
