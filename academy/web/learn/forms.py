"""Forms built from the course files: one quiz form per part, one assignment form per part."""

from __future__ import annotations

import re
import secrets
from contextvars import ContextVar
from typing import Any

from flask_babel import lazy_gettext as _l
from wtforms import (
    FieldList,
    FormField,
    HiddenField,
    RadioField,
    SelectChoice,
    StringField,
    TextAreaField,
)
from wtforms.validators import Length, ValidationError

from ...content import Assignment, AssignmentField, Quiz
from ..forms import AcademyForm, AcademySubForm, is_empty

# What secrets.token_urlsafe makes, at most as long as the column.
_NONCE = re.compile(r"[A-Za-z0-9_-]{1,64}")


class QuizForm(AcademyForm):
    nonce = HiddenField()


def quiz_nonce(posted: str | None) -> str:
    """The nonce a quiz form came with, if it is one this site could have made; else a
    new one (a first showing, or a form tampered with)."""
    if posted and _NONCE.fullmatch(posted):
        return posted
    return secrets.token_urlsafe(24)


def quiz_form_class(quiz: Quiz, language: str, order: dict[str, list[str]]) -> type[QuizForm]:
    """A form with one radio group per item asked (``order``'s keys), choices in the
    given order."""

    class Form(QuizForm):
        pass

    for item in quiz.items:
        if item.slug not in order:
            continue
        texts = {choice.slug: choice.text[language] for choice in item.choices}
        setattr(
            Form,
            f"item_{item.slug}",
            RadioField(
                item.question[language],
                choices=[SelectChoice(slug, texts[slug]) for slug in order[item.slug]],
                # Checked by _answered, in the participant's language, rather than by
                # WTForms ("Not a valid choice." on a question left unanswered).
                validators=[_answered],
                validate_choice=False,
            ),
        )
    return Form


def _answered(form, field) -> None:
    if not field.data:
        raise ValidationError(_l("Choose an answer."))
    if field.data not in {choice.value for choice in field.choices}:
        raise ValidationError(_l("Choose one of the answers shown."))


def item_fields(form: QuizForm) -> list:
    return [field for field in form if field.name.startswith("item_")]


class _Draftable:
    """Validators that apply only when submitting, not when saving a draft."""

    def __init__(self, field: AssignmentField):
        self.required = field.required
        self.min_length = field.min_length or 0

    def __call__(self, form, field) -> None:
        if _saving_draft.get():
            return
        value = (field.data or "").strip() if isinstance(field.data, str) else field.data
        if self.required and not value:
            raise ValidationError(_l("This needs an answer."))
        if value and isinstance(value, str) and len(value) < self.min_length:
            raise ValidationError(_l("Write at least %(count)d characters.", count=self.min_length))


def _one_of(spec: AssignmentField):
    allowed = {choice.slug for choice in spec.choices}

    def check(form, field) -> None:
        if field.data and field.data not in allowed:
            raise ValidationError(_l("Choose one of the options."))

    return check


def _field_for(spec: AssignmentField, language: str):
    label = spec.label[language]
    description = spec.help[language] if spec.help else ""
    if spec.type in ("text", "textarea"):
        kind = StringField if spec.type == "text" else TextAreaField
        return kind(
            label,
            description=description,
            validators=[
                _Draftable(spec),
                Length(
                    max=spec.max_length,
                    message=_l("Write at most %(count)d characters.", count=spec.max_length),
                ),
            ],
            render_kw={"maxlength": spec.max_length},
        )
    if spec.type == "choice":
        return RadioField(
            label,
            description=description,
            choices=[SelectChoice(choice.slug, choice.label[language]) for choice in spec.choices],
            # An unanswered choice is fine in a draft, so the choice is checked here rather
            # than by WTForms (which refuses an empty one); a forged value never is.
            validators=[_Draftable(spec), _one_of(spec)],
            validate_choice=False,
        )
    sub_form = _plain_form_class(spec.fields, language)
    return FieldList(
        FormField(sub_form),
        label=label,
        description=description,
        min_entries=max(spec.min_items or 0, 1),
        max_entries=spec.max_items,
    )


def _plain_form_class(fields: tuple[AssignmentField, ...], language: str) -> type[AcademySubForm]:
    class Group(AcademySubForm):
        pass

    for spec in fields:
        setattr(Group, spec.slug, _field_for(spec, language))
    return Group


class AssignmentForm(AcademyForm):
    pass


_saving_draft: ContextVar[bool] = ContextVar("saving_draft", default=False)


def validate_assignment(form: AssignmentForm, assignment: Assignment, *, draft: bool) -> bool:
    """Validate for a draft (lengths only) or a submission (everything the course asks)."""
    for spec in assignment.fields:
        if spec.type == "repeat":
            entries = form[spec.slug]
            # Rows left empty (say, the spare row) are not answers.
            while len(entries.entries) > 1 and is_empty(entries.entries[-1].data):
                entries.pop_entry()
    token = _saving_draft.set(draft)
    try:
        valid = form.validate()
    finally:
        _saving_draft.reset(token)
    for spec in assignment.fields:
        if spec.type != "repeat":
            continue
        entries = form[spec.slug]
        filled = sum(not is_empty(entry.data) for entry in entries.entries)
        if not draft and filled < (spec.min_items or 0):
            entries.errors.append(
                _l(
                    "Add at least %(count)d entries; %(filled)d filled in so far.",
                    count=spec.min_items,
                    filled=filled,
                )
            )
            valid = False
        # The form is shown again with the rows kept and as many empty ones as the group
        # first offered, so that the entries still missing have a place to go.
        while len(entries.entries) < entries.min_entries:
            entries.append_entry()
    return valid


def answers_of(form: AssignmentForm, assignment: Assignment) -> dict[str, Any]:
    """The answers to store: plain strings, and lists of dicts for repeat groups."""
    answers: dict[str, Any] = {}
    for spec in assignment.fields:
        field = form[spec.slug]
        if spec.type == "repeat":
            rows = [
                {sub.slug: (entry.data.get(sub.slug) or "").strip() for sub in spec.fields}
                for entry in field.entries
            ]
            answers[spec.slug] = [row for row in rows if not is_empty(row)]
        else:
            answers[spec.slug] = (field.data or "").strip()
    return answers


def add_row(form: AssignmentForm, slug: str) -> bool:
    """Append an empty row to a repeat group, if it has room."""
    field = form._fields.get(slug)
    if not isinstance(field, FieldList):
        return False
    if field.max_entries and len(field.entries) >= field.max_entries:
        return False
    field.append_entry()
    return True


def assignment_form_class(assignment: Assignment, language: str) -> type[AssignmentForm]:
    class Form(AssignmentForm):
        pass

    for spec in assignment.fields:
        setattr(Form, spec.slug, _field_for(spec, language))
    return Form
