from __future__ import annotations

from flask_babel import lazy_gettext as _l
from wtforms import SelectField

from ...i18n import language_choices
from ..forms import (
    AcademyForm,
    certificate_name_field,
    current_password_field,
    name_field,
    new_password_fields,
)


class NewParticipantForm(AcademyForm):
    name = name_field(_l("Your name"))
    certificate_name = certificate_name_field(
        _l("Your name as it should appear on the certificate")
    )
    locale = SelectField(_l("Language"), choices=language_choices())
    password, confirm = new_password_fields(_l("Choose a password"))


class ExistingAccountForm(AcademyForm):
    password = current_password_field()
