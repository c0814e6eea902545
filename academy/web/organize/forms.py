from __future__ import annotations

from zoneinfo import available_timezones

from flask_babel import lazy_gettext as _l
from flask_wtf.file import FileField, FileRequired
from wtforms import (
    BooleanField,
    DateField,
    IntegerField,
    SelectChoice,
    SelectField,
    StringField,
    TextAreaField,
    TimeField,
)
from wtforms.validators import (
    URL,
    DataRequired,
    Length,
    NumberRange,
    Optional,
    ValidationError,
)

from ...i18n import language_choices
from ...labels import ROLE_SINGULAR
from ...models import OrganisationKind
from ...services.places import PLACE_DESCRIPTION_MAX, PLACE_NAME_MAX, STATUS_LABELS
from ..forms import AcademyForm, bounded_text, email_field, name_field

KIND_LABELS = {
    OrganisationKind.MUNICIPALITY: _l("Municipality"),
    OrganisationKind.POLICE: _l("Police district"),
    OrganisationKind.BUSINESS_ASSOCIATION: _l("Business association"),
    OrganisationKind.PROPERTY_OWNER: _l("Property owner"),
    OrganisationKind.OTHER: _l("Other"),
}
TIMEZONES = ("Europe/Stockholm", "Europe/Oslo", "Europe/Copenhagen", "Europe/Helsinki")


class OrganisationForm(AcademyForm):
    name = name_field(_l("Name of the organisation"))
    kind = SelectField(
        _l("Kind"), choices=[SelectChoice(kind.value, label) for kind, label in KIND_LABELS.items()]
    )
    timezone = SelectField(
        _l("Time zone for live sessions"),
        choices=[SelectChoice("", _l("The site's default"))]
        + [SelectChoice(zone, zone) for zone in TIMEZONES],
        validators=[Optional()],
    )

    def validate_timezone(self, field) -> None:
        if field.data and field.data not in available_timezones():
            raise ValidationError(_l("Choose a time zone from the list."))


class OrganizerInviteForm(AcademyForm):
    email = email_field(_l("E-mail address of the organizer"))
    locale = SelectField(_l("Language of the invitation"), choices=language_choices())


class CohortForm(AcademyForm):
    course = SelectField(_l("Course"))
    name = name_field(_l("Name of the round"))
    place = bounded_text(
        _l("Place"),
        required=False,
        hint=_l(
            "The station area, square or housing area the round works on. A new name creates "
            "the place."
        ),
    )
    starts_on = DateField(_l("Starts"), validators=[Optional()])
    ends_on = DateField(_l("Ends"), validators=[Optional()])
    deadline = DateField(_l("Complete by"), validators=[Optional()])
    attendance_required = BooleanField(_l("Attending live sessions is required to complete"))
    required_sessions = IntegerField(
        _l("Live sessions that must be attended"),
        default=0,
        validators=[
            Optional(),
            NumberRange(min=0, max=50, message=_l("Give a number from 0 to 50.")),
        ],
    )
    assignments_need_approval = BooleanField(
        _l("Assignments count only when an organizer has approved them")
    )

    def validate_ends_on(self, field) -> None:
        if field.data and self.starts_on.data and field.data < self.starts_on.data:
            raise ValidationError(_l("The round cannot end before it starts."))

    def validate_deadline(self, field) -> None:
        if field.data and self.starts_on.data and field.data < self.starts_on.data:
            raise ValidationError(_l("The deadline cannot be before the start."))


class LiveSessionForm(AcademyForm):
    title = name_field(_l("Title"))
    day = DateField(_l("Date"), validators=[DataRequired(message=_l("Give the date."))])
    starts = TimeField(_l("Starts at"), validators=[DataRequired(message=_l("Give the time."))])
    ends = TimeField(_l("Ends at"), validators=[DataRequired(message=_l("Give the time."))])
    location = bounded_text(_l("Place"), required=False, max_length=300)
    video_url = StringField(
        _l("Video link"),
        validators=[
            Optional(),
            URL(require_tld=True, message=_l("Give a full link starting with https://.")),
        ],
    )

    def validate_ends(self, field) -> None:
        if field.data and self.starts.data and field.data <= self.starts.data:
            raise ValidationError(_l("The session must end after it starts."))

    def validate_video_url(self, field) -> None:
        if field.errors:  # the URL validator has said what is wrong already
            return
        if field.data and not field.data.startswith(("https://", "http://")):
            raise ValidationError(_l("Give a full link starting with https://."))
        if field.data and len(field.data) > 500:
            raise ValidationError(_l("A link is at most 500 characters."))


class ParticipantForm(AcademyForm):
    name = name_field()
    email = email_field()
    role = SelectField(
        _l("Role in the course"),
        choices=[SelectChoice(role.value, label) for role, label in ROLE_SINGULAR.items()],
    )
    employer = bounded_text(_l("Employer"), required=False)
    place = bounded_text(_l("Place"), required=False)
    locale = SelectField(_l("Language of the invitation"), choices=language_choices())


class MoveForm(AcademyForm):
    cohort = SelectField(_l("Move to the round"))


class UploadForm(AcademyForm):
    file = FileField(
        _l("Spreadsheet (.xlsx, .csv or .txt)"),
        validators=[FileRequired(message=_l("Choose a file."))],
    )


DELIMITER_CHOICES = [
    SelectChoice("", _l("Detect")),
    SelectChoice(",", _l("Comma")),
    SelectChoice(";", _l("Semicolon")),
    SelectChoice("tab", _l("Tab")),
]
ENCODING_CHOICES = [
    SelectChoice("", _l("Detect")),
    SelectChoice("utf-8", "UTF-8"),
    SelectChoice("utf-16", "UTF-16"),
    SelectChoice("cp1252", "Windows-1252"),
]
IMPORT_FIELDS = ("name", "email", "role", "employer", "place", "language")


class ReviewForm(AcademyForm):
    comment = TextAreaField(
        _l("Comment to the participant"),
        validators=[
            Length(max=2000, message=_l("Write at most %(count)d characters.", count=2000))
        ],
    )


class PlaceForm(AcademyForm):
    name = bounded_text(
        _l("Name of the place"),
        max_length=PLACE_NAME_MAX,
        hint=_l("For example the station area, the square or a housing area."),
    )
    description = TextAreaField(
        _l("Short description"),
        description=_l("Where it begins and ends, and what is there. Optional."),
        validators=[
            Length(
                max=PLACE_DESCRIPTION_MAX,
                message=_l("Write at most %(count)d characters.", count=PLACE_DESCRIPTION_MAX),
            )
        ],
    )


class FindingStatusForm(AcademyForm):
    status = SelectField(
        _l("Status"),
        choices=[SelectChoice(status.value, label) for status, label in STATUS_LABELS.items()],
    )
