"""A part's exercises: its quiz with the result, and its assignment (drafts, rows added,
submission). Their forms are built from the course files in ``forms``."""

from __future__ import annotations

from collections.abc import Sequence
from typing import NamedTuple

from flask import abort, flash, redirect, render_template, request, url_for
from flask_babel import gettext as _
from markupsafe import Markup

from ...db import get_session
from ...extensions import csrf
from ...i18n import current_locale
from ...models import Enrolment, QuizAttempt, SubmissionStatus
from ...services import progress as progress_service
from . import fragments
from .access import load_enrolment, load_enrolment_course, load_part
from .blueprint import bp
from .courses import step_url
from .forms import (
    add_row,
    answers_of,
    assignment_form_class,
    item_fields,
    quiz_form_class,
    quiz_nonce,
    validate_assignment,
)


class QuizQuestion(NamedTuple):
    """One question as the quiz page shows it."""

    name: str  # the radio group's name, and its id
    html: Markup  # the fieldset: the question and its answers in the order drawn
    errors: Sequence[str] = ()


@bp.route("/<int:enrolment_id>/<part_slug>/quiz", methods=["GET", "POST"])
def quiz(enrolment_id: int, part_slug: str):
    course = load_enrolment_course(enrolment_id)
    part = load_part(course, part_slug)
    if part.quiz is None:
        abort(404)
    language = current_locale()
    posted = request.method == "POST"
    nonce = quiz_nonce(request.form.get("nonce") if posted else None)
    order = progress_service.shuffled_choices(part.quiz, nonce)
    # A first showing builds no form: its answers are kept fragments of the course and its
    # token the page's. Answers sent are checked by the form built from the same order.
    form = None
    if posted:
        form = quiz_form_class(part.quiz, language, order)(nonce=nonce)
        known = {field.name for field in item_fields(form)}
        unknown = {key for key in request.form if key.startswith("item_")} - known
        if unknown:
            abort(400)
        if form.validate_on_submit():
            session = get_session()
            enrolment = session.get_one(Enrolment, enrolment_id)
            answers = {field.name.removeprefix("item_"): field.data for field in item_fields(form)}
            try:
                result = progress_service.submit_quiz(
                    session, enrolment, course, part, answers, nonce
                )
            except progress_service.ProgressError:
                abort(400)
            session.commit()
            return redirect(
                url_for(
                    "learn.quiz_result",
                    enrolment_id=enrolment.id,
                    part_slug=part.slug,
                    attempt_id=result.attempt.id,
                )
            )
    sent = {field.name: field for field in item_fields(form)} if form else {}
    asked = []
    for item in part.quiz.items:
        if item.slug in order:
            field = sent.get(f"item_{item.slug}")
            errors = field.errors if field else ()
            asked.append((item, order[item.slug], errors, field.data if field else None))
    html = fragments.quiz_questions(course, part, asked, language)
    questions = [
        QuizQuestion(f"item_{item.slug}", shown, errors)
        for (item, _order, errors, _checked), shown in zip(asked, html, strict=True)
    ]
    return render_template(
        "learn/quiz.html",
        part=part,
        trail=fragments.trail(enrolment_id, course, part, language),
        nonce=nonce,
        # ``questions`` in the quiz's order: the summary's "Question 12" is the twelfth.
        questions=questions,
        has_errors=bool(form and form.errors),
    )


@bp.get("/<int:enrolment_id>/<part_slug>/quiz/<int:attempt_id>")
def quiz_result(enrolment_id: int, part_slug: str, attempt_id: int):
    enrolment, course = load_enrolment(enrolment_id)
    part = load_part(course, part_slug)
    attempt = get_session().get(QuizAttempt, attempt_id)
    if attempt is None or attempt.enrolment_id != enrolment.id or attempt.part_slug != part.slug:
        abort(404)
    state = progress_service.load_progress(get_session(), [enrolment.id])[enrolment.id]
    return render_template(
        "learn/quiz_result.html",
        enrolment=enrolment,
        course=course,
        part=part,
        attempt=attempt,
        progress=state.part(part.slug),
        next=progress_service.next_step(course, state),
    )


@bp.route("/<int:enrolment_id>/<part_slug>/assignment", methods=["GET", "POST"])
# The form checks its own CSRF token, so that an expired token re-shows the form with
# everything written instead of the generic error page (which would lose the text).
@csrf.exempt
def assignment(enrolment_id: int, part_slug: str):
    enrolment, course = load_enrolment(enrolment_id)
    part = load_part(course, part_slug)
    if part.assignment is None:
        abort(404)
    session = get_session()
    submission = progress_service.get_submission(session, enrolment, part)
    form_class = assignment_form_class(part.assignment, current_locale())

    def page(form, csrf_expired=False):
        return render_template(
            "learn/assignment.html",
            enrolment=enrolment,
            course=course,
            part=part,
            form=form,
            submission=submission,
            csrf_expired=csrf_expired,
        )

    if request.method == "GET":
        return page(form_class(data=submission.answers if submission else None))
    form = form_class()
    action = request.form.get("action", "draft")
    if action.startswith("add:"):
        # Only shows the form again with a spare row; nothing is saved.
        add_row(form, action.removeprefix("add:"))
        return page(form)
    submit = action == "submit"
    if not validate_assignment(form, part.assignment, draft=not submit):
        # An expired CSRF token must not lose what was written: show it all again.
        csrf_expired = "csrf_token" in form.errors
        return page(form, csrf_expired), 400 if csrf_expired else 200
    if submission is not None and submission.status == SubmissionStatus.APPROVED:
        abort(409)
    progress_service.save_assignment(
        session, enrolment, course, part, answers_of(form, part.assignment), submit=submit
    )
    session.commit()
    if submit:
        flash(_("Your assignment is submitted."), "success")
        state = progress_service.load_progress(session, [enrolment.id])[enrolment.id]
        return redirect(step_url(enrolment, progress_service.next_step(course, state)))
    flash(_("Your draft is saved."), "success")
    return redirect(url_for("learn.assignment", enrolment_id=enrolment.id, part_slug=part.slug))
