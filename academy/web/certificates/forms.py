from __future__ import annotations

from flask_babel import lazy_gettext as _l
from wtforms import StringField, TextAreaField
from wtforms.validators import DataRequired, Length

from ..forms import AcademyForm, name_field


class VerifyForm(AcademyForm):
    """The code as printed on the certificate; a GET form, so no CSRF token."""

    class Meta:
        csrf = False

    code = StringField(
        _l("Certificate code"),
        validators=[
            DataRequired(message=_l("Enter the code printed on the certificate.")),
            Length(max=64, message=_l("A certificate code is 20 letters and digits.")),
        ],
        description=_l("For example ABCD-EFGH-JKMN-PQRS-TVWX. Capitals and dashes do not matter."),
        render_kw={"autocomplete": "off", "spellcheck": "false", "autocapitalize": "characters"},
    )


class NameCheckForm(AcademyForm):
    name = name_field(_l("The holder's full name"))


class CorrectNameForm(AcademyForm):
    name = name_field(_l("Name on the certificate"))


class RevokeForm(AcademyForm):
    reason = TextAreaField(
        _l("Reason"),
        validators=[
            DataRequired(message=_l("Say why the certificate is revoked.")),
            Length(max=500, message=_l("Write at most %(count)d characters.", count=500)),
        ],
        description=_l("Shown on the public verification page."),
    )
