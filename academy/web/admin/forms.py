from __future__ import annotations

from flask_babel import lazy_gettext as _l
from wtforms import SelectField

from ...i18n import language_choices
from ..forms import AcademyForm, email_field, name_field, new_password_fields


class CreateAdminForm(AcademyForm):
    name = name_field()
    email = email_field()
    locale = SelectField(_l("Language"), choices=language_choices())
    password, confirm = new_password_fields()
