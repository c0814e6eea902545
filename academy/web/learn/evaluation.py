"""The course evaluation from the participant's side: the survey's page and its skip.

Answering is optional and anonymous (``services.evaluation``): the answer is stored
without the person, and nothing of completion or the certificate waits for it."""

from __future__ import annotations

from flask import abort, flash, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from wtforms import RadioField, SelectChoice, TextAreaField
from wtforms.validators import Length, ValidationError

from ...content import Course
from ...db import get_session
from ...i18n import current_locale
from ...models import Enrolment
from ...services import evaluation
from ...services import progress as progress_service
from ..downloads import local_today
from ..forms import AcademyForm, require_button_form
from .access import load_enrolment
from .blueprint import bp


def _chosen(form, field) -> None:
    if not field.data:
        raise ValidationError(_l("Choose an answer."))
    if field.data not in {choice.value for choice in field.choices}:
        raise ValidationError(_l("Choose one of the answers shown."))


def _scale(label, low, high) -> RadioField:
    choices = [SelectChoice(str(n), str(n)) for n in evaluation.RATINGS]
    choices[0] = SelectChoice("1", f"1 {low}")
    choices[-1] = SelectChoice("5", f"5 {high}")
    return RadioField(label, choices=choices, validators=[_chosen], validate_choice=False)


def survey_form_class(survey: evaluation.Survey, course: Course, language: str) -> type:
    """The survey's questions: the fixed ones, and a 1-5 confidence per part."""

    class Form(AcademyForm):
        pass

    if survey.asks_confidence:
        for number, part in enumerate(course.parts, 1):
            title = part.title.get(language) or part.title.get("en", part.slug)
            setattr(
                Form,
                f"confidence_{part.slug}",
                _scale(f"{number}. {title}", _("(not at all)"), _("(very confident)")),
            )
    if survey.asks_ratings:
        Form.overall = _scale(_l("Overall, how good was it?"), _("(poor)"), _("(very good)"))
        Form.relevance = _scale(
            _l("How relevant was it to your work?"), _("(not at all)"), _("(very relevant)")
        )
        Form.recommend = RadioField(
            _l("Would you recommend the course to a colleague?"),
            choices=[
                SelectChoice("yes", _l("Yes")),
                SelectChoice("no", _l("No")),
                SelectChoice("unsure", _l("Not sure")),
            ],
            validators=[_chosen],
            validate_choice=False,
        )
        Form.change = TextAreaField(
            _l("What would you change? (optional)"),
            validators=[
                Length(
                    max=evaluation.CHANGE_MAX,
                    message=_l("Write at most %(count)d characters.", count=evaluation.CHANGE_MAX),
                )
            ],
        )
    return Form


def _survey(enrolment: Enrolment, course: Course, key: str) -> tuple[evaluation.Survey, bool]:
    """The survey named in the URL (404 if the round has none such) and whether it is
    open to this enrolment now: its moment has come and it is not answered or skipped."""
    survey = evaluation.survey_of(course, enrolment.cohort, key)
    if survey is None:
        abort(404)
    session = get_session()
    state = progress_service.load_progress(session, [enrolment.id])[enrolment.id]
    due = survey in evaluation.due_surveys(course, enrolment.cohort, state)
    return survey, due and not evaluation.has_answered(session, enrolment, survey)


@bp.route("/<int:enrolment_id>/evaluation/<survey_key>", methods=["GET", "POST"])
def evaluation_survey(enrolment_id: int, survey_key: str):
    enrolment, course = load_enrolment(enrolment_id)
    survey, is_open = _survey(enrolment, course, survey_key)
    back = url_for("learn.course_overview", enrolment_id=enrolment.id)
    language = current_locale()
    form = survey_form_class(survey, course, language)() if is_open else None
    if form is None:
        if evaluation.has_answered(get_session(), enrolment, survey):
            flash(_("You have already answered this survey, or skipped it."), "info")
            return redirect(back)
        if request.method == "POST":
            flash(_("This survey is not open to you now."), "info")
            return redirect(back)
    elif form.validate_on_submit():
        answers = evaluation.Answers(
            overall=_number(getattr(form, "overall", None)),
            relevance=_number(getattr(form, "relevance", None)),
            recommend=form.recommend.data if survey.asks_ratings else None,
            change=(form.change.data or "") if survey.asks_ratings else "",
            confidence={
                part.slug: _number(getattr(form, f"confidence_{part.slug}")) or 0
                for part in course.parts
            }
            if survey.asks_confidence
            else {},
        )
        session = get_session()
        try:
            evaluation.answer(
                session,
                enrolment,
                course,
                survey,
                answers,
                today=local_today(enrolment.cohort.organisation.timezone),
            )
        except evaluation.AlreadyAnswered:
            session.rollback()
            flash(_("You have already answered this survey, or skipped it."), "info")
            return redirect(back)
        session.commit()
        flash(_("Thank you for your answers."), "success")
        return redirect(back)
    return render_template(
        "learn/evaluation.html",
        enrolment=enrolment,
        course=course,
        survey=survey,
        title=evaluation.survey_title(survey, course, language),
        form=form,
        fields=[field for field in form if field.type != "CSRFTokenField"] if form else [],
    )


@bp.post("/<int:enrolment_id>/evaluation/<survey_key>/skip")
def skip_evaluation(enrolment_id: int, survey_key: str):
    enrolment, course = load_enrolment(enrolment_id)
    require_button_form()
    survey, is_open = _survey(enrolment, course, survey_key)
    if is_open:
        session = get_session()
        try:
            evaluation.decline(session, enrolment, survey)
        except evaluation.AlreadyAnswered:
            session.rollback()
        else:
            session.commit()
            flash(_("The survey is skipped; it will not be offered again."), "info")
    return redirect(url_for("learn.course_overview", enrolment_id=enrolment.id))


def _number(field) -> int | None:
    if field is None or not field.data or not str(field.data).isdigit():
        return None
    return int(field.data)
