from __future__ import annotations

from flask_babel import lazy_gettext as _l
from wtforms import BooleanField, HiddenField, SelectField, StringField
from wtforms.validators import DataRequired, Length

from ...i18n import language_choices
from ..forms import (
    AcademyForm,
    certificate_name_field,
    current_password_field,
    email_field,
    name_field,
    new_password_fields,
)


class EmailStepForm(AcademyForm):
    """The login page's first question: the address decides where the person signs in
    (their organisation's provider, or the password here)."""

    email = email_field()
    next = HiddenField()


class LoginForm(AcademyForm):
    email = email_field()
    password = current_password_field()
    remember = BooleanField(_l("Keep me logged in on this device for 14 days"))
    next = HiddenField()


class ResetRequestForm(AcademyForm):
    email = email_field()


class ResetPasswordForm(AcademyForm):
    password, confirm = new_password_fields()


class ChangePasswordForm(AcademyForm):
    current_password = current_password_field(_l("Current password"))
    password, confirm = new_password_fields()


class ProfileForm(AcademyForm):
    name = name_field(_l("Your name"))
    certificate_name = certificate_name_field(_l("Your name as it should appear on certificates"))
    locale = SelectField(_l("Language"), choices=language_choices())


class NotificationsForm(AcademyForm):
    """The optional mails (``services.notifications.OPTIONAL``), ticked when wanted."""

    assignment_approved = BooleanField(_l("My assignment is approved"))
    certificate_issued = BooleanField(_l("My certificate is issued"))
    welcome = BooleanField(_l("A welcome when I join a course round"))

    KINDS = {
        "assignment_approved": "assignment-approved",
        "certificate_issued": "certificate-issued",
        "welcome": "welcome",
    }

    @classmethod
    def for_user(cls, turned_off: set[str]) -> NotificationsForm:
        wanted = {name: kind not in turned_off for name, kind in cls.KINDS.items()}
        return cls(formdata=None, data=wanted)

    def turned_off(self) -> list[str]:
        return [kind for name, kind in self.KINDS.items() if not self[name].data]


class EmailChangeForm(AcademyForm):
    email = email_field(_l("New e-mail address"))
    password = current_password_field(_l("Your password"))


class DeleteAccountForm(AcademyForm):
    password = current_password_field(_l("Your password"))
    withdraw_certificates = BooleanField(_l("Also withdraw my certificates"))


def code_field(label) -> StringField:
    """A code from an authenticator app (six digits) or a recovery code."""
    return StringField(
        label,
        validators=[
            DataRequired(message=_l("Enter the code.")),
            Length(max=64, message=_l("A code is at most 64 characters.")),
        ],
        render_kw={
            "autocomplete": "one-time-code",
            "spellcheck": "false",
            "autocapitalize": "none",
        },
    )


class SecondStepForm(AcademyForm):
    code = code_field(_l("Code from your authenticator app, or a recovery code"))


class EnrolForm(AcademyForm):
    code = code_field(_l("The six-digit code your app shows"))


class NewRecoveryCodesForm(AcademyForm):
    code = code_field(_l("A code from your authenticator app"))


class RemoveSecondFactorForm(AcademyForm):
    password = current_password_field(_l("Your password"))
