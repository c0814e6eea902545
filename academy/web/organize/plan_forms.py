"""The forms of the plan and measure pages. Choices that depend on the plan (its places,
the responsible organisations, the contacts) are filled by the views; what the forms
cannot check (a partner of the chosen place) the service does (``plans.PlanError``)."""

from __future__ import annotations

from collections.abc import Callable
from typing import TypeVar

from flask_babel import lazy_gettext as _l
from wtforms import (
    DateField,
    RadioField,
    SelectChoice,
    SelectField,
    SelectMultipleField,
    TextAreaField,
)
from wtforms.validators import DataRequired, Length, Optional, ValidationError
from wtforms.widgets import CheckboxInput, ListWidget

from ...models import MeasureStatus
from ...services import plans
from ...services.plans import KIND_LABELS, MEASURE_STATUS_LABELS
from ..forms import AcademyForm, bounded_text
from ..params import MAX_ID

T = TypeVar("T")

PLAN_ERRORS = {
    ("ends_on", "before_start"): _l("The plan cannot end before it starts."),
    ("places", "none"): _l("Choose at least one place."),
    ("places", "unknown"): _l("Choose places of the organisation."),
    ("places", "has_measures"): _l(
        "A place with measures stays in the plan: move or remove its measures first."
    ),
    ("place", "not_in_plan"): _l("Choose one of the plan's places."),
    ("responsible", "not_a_partner"): _l(
        "Choose the owner or a partner organisation of the measure's place."
    ),
    ("contact_person", "not_an_organizer"): _l(
        "Choose an organizer of the responsible organisation, or no one."
    ),
    ("place", "not_the_proposals"): _l("A proposal becomes a measure at its own place."),
    ("measure", "not_at_place"): _l("Choose one of the plan's measures at the proposal's place."),
}


def show_plan_error(form: AcademyForm, error: plans.PlanError) -> None:
    """Put the service's refusal at the field it concerns."""
    getattr(form, error.field).errors.append(PLAN_ERRORS[(error.field, error.code)])


def saved(form: AcademyForm, save: Callable[[], T]) -> T | None:
    """What ``save`` (a service call) returns, or None when the service refused the
    form's values (the refusal then stands at its field)."""
    try:
        return save()
    except plans.PlanError as error:
        show_plan_error(form, error)
        return None


def _sane_date(form, field) -> None:
    if field.data and not plans.EARLIEST <= field.data <= plans.LATEST:
        raise ValidationError(
            _l(
                "Give a date between %(first)d and %(last)d.",
                first=plans.EARLIEST.year,
                last=plans.LATEST.year,
            )
        )


def long_text(label, *, required_message=None, hint=None) -> TextAreaField:
    validators = [
        Length(
            max=plans.TEXT_MAX,
            message=_l("Write at most %(count)d characters.", count=plans.TEXT_MAX),
        )
    ]
    if required_message:
        validators.insert(0, DataRequired(message=required_message))
    return TextAreaField(label, validators=validators, description=hint or "")


class IdsField(SelectMultipleField):
    """Ids ticked in a list of checkboxes: anything that is no id is ignored, and so is
    an id the list did not offer (``offered``, (id, label) pairs, when the view sets it;
    rendered by the ``checkbox_group`` macro)."""

    widget = ListWidget(prefix_label=False)
    option_widget = CheckboxInput()
    offered: list[tuple[int, str]] | None = None

    def process_formdata(self, valuelist) -> None:
        self.data = [
            int(value)
            for value in valuelist
            # At most ten digits before int(): a longer number is no id (nor worth parsing).
            if len(value) <= 10 and value.isascii() and value.isdigit() and 0 < int(value) <= MAX_ID
        ]

    def pre_validate(self, form) -> None:
        if self.offered is not None:
            known = {value for value, _label in self.offered}
            self.data = [value for value in self.data or [] if value in known]


class PlanForm(AcademyForm):
    title = bounded_text(
        _l("Title"),
        max_length=plans.TITLE_MAX,
        hint=_l("For example “Action plan Vänersborg centre 2027-2028”."),
    )
    kind = SelectField(
        _l("Kind of plan"),
        choices=[SelectChoice(kind.value, label) for kind, label in KIND_LABELS.items()],
    )
    starts_on = DateField(
        _l("Period starts"), validators=[DataRequired(message=_l("Give the date.")), _sane_date]
    )
    ends_on = DateField(
        _l("Period ends"), validators=[DataRequired(message=_l("Give the date.")), _sane_date]
    )
    places = IdsField(_l("Places the plan covers"), coerce=int)
    description = long_text(_l("Short description"), hint=_l("Optional."))

    def validate_places(self, field) -> None:
        if not field.data:
            raise ValidationError(_l("Choose at least one place."))

    def validate_ends_on(self, field) -> None:
        if field.data and self.starts_on.data and field.data < self.starts_on.data:
            raise ValidationError(_l("The plan cannot end before it starts."))


class ReviewForm(AcademyForm):
    review_on = DateField(
        _l("Review date"), validators=[DataRequired(message=_l("Give the date.")), _sane_date]
    )
    review_note = bounded_text(
        _l("Note"),
        required=False,
        max_length=plans.REVIEW_NOTE_MAX,
        hint=_l("For example “Steering group” or “Crime-prevention council”. Optional."),
    )


class MeasureForm(AcademyForm):
    title = bounded_text(_l("What will be done"), max_length=plans.TITLE_MAX)
    description = long_text(_l("Description"), hint=_l("Optional."))
    place = SelectField(_l("Place"))
    responsible = SelectField(_l("Responsible organisation"))
    contact_person = SelectField(_l("Contact person"))
    contact = bounded_text(
        _l("Contact details"),
        required=False,
        max_length=plans.CONTACT_MAX,
        hint=_l("A name, phone number or address for questions. Optional."),
    )
    due_on = DateField(_l("Due date"), validators=[Optional(), _sane_date])
    expected_effect = long_text(_l("Expected effect"), hint=_l("Optional."))
    indicator = long_text(
        _l("Indicator"),
        hint=_l(
            "How it will be checked, for example “fewer findings of category lighting at "
            "the next walk”. Optional."
        ),
    )


class MeasureStatusForm(AcademyForm):
    status = SelectField(
        _l("Status"),
        choices=[
            SelectChoice(status.value, label) for status, label in MEASURE_STATUS_LABELS.items()
        ],
    )
    reason = TextAreaField(
        _l("Reason (when dropped)"),
        validators=[
            Length(
                max=plans.REASON_MAX,
                message=_l("Write at most %(count)d characters.", count=plans.REASON_MAX),
            )
        ],
    )

    def validate_reason(self, field) -> None:
        if self.status.data == MeasureStatus.DROPPED.value and not (field.data or "").strip():
            raise ValidationError(_l("Say why the measure is dropped."))


class NoteForm(AcademyForm):
    body = TextAreaField(
        _l("Progress note"),
        validators=[
            DataRequired(message=_l("Write the note.")),
            Length(
                max=plans.NOTE_MAX,
                message=_l("Write at most %(count)d characters.", count=plans.NOTE_MAX),
            ),
        ],
    )


class FindingsChoiceForm(AcademyForm):
    """One page of the chooser: the findings it showed and those ticked."""

    shown = IdsField(coerce=int)
    chosen = IdsField(coerce=int)


class FindingsDoneForm(AcademyForm):
    findings = IdsField(coerce=int)


class ProposalMergeForm(AcademyForm):
    """Merge a proposal into a measure (the choices are the view's), with the note that
    goes to the measure's progress notes (filled with a quote of the proposal)."""

    measure = RadioField(
        _l("The measure it joins"),
        validators=[DataRequired(message=_l("Choose the measure."))],
        validate_choice=False,
    )
    note = TextAreaField(
        _l("Progress note on the measure"),
        validators=[
            DataRequired(message=_l("Write the note.")),
            Length(
                max=plans.NOTE_MAX,
                message=_l("Write at most %(count)d characters.", count=plans.NOTE_MAX),
            ),
        ],
        description=_l("Quotes the proposal; change it as you see fit."),
    )

    def validate_measure(self, field) -> None:
        if field.data not in {choice.value for choice in field.choices or []}:
            raise ValidationError(_l("Choose the measure."))


class ProposalDropForm(AcademyForm):
    reason = TextAreaField(
        _l("Reason"),
        validators=[
            Length(
                max=plans.proposals.REASON_MAX,
                message=_l("Write at most %(count)d characters.", count=plans.proposals.REASON_MAX),
            )
        ],
        description=_l("Optional. Only the organizers of the place see it."),
    )
