from __future__ import annotations

from wtforms import HiddenField, SelectField

from ...i18n import language_choices
from ..forms import AcademyForm


class LanguageForm(AcademyForm):
    locale = SelectField(choices=language_choices())
    next = HiddenField()
