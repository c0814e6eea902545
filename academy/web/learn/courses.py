"""The participant's side: dashboard, lessons, quizzes and assignments."""

from __future__ import annotations

from flask import (
    Blueprint,
    abort,
    flash,
    make_response,
    redirect,
    render_template,
    request,
    url_for,
)
from flask_babel import gettext as _
from flask_login import current_user, login_required
from sqlalchemy import bindparam, exists, select
from sqlalchemy.orm import joinedload

from ...content import Course, Part, get_course
from ...db import get_session
from ...errors import back_when_too_large
from ...extensions import csrf
from ...i18n import current_locale
from ...models import (
    Cohort,
    Enrolment,
    EnrolmentStatus,
    Finding,
    LessonProgress,
    LiveSession,
    Place,
    QuizAttempt,
    SubmissionStatus,
    utcnow,
)
from ...services import certificates, completion, photos
from ...services import places as places_service
from ...services import progress as progress_service
from ...services.mail import absolute_url
from .. import photos as photos_web
from ..calendar import calendar_download
from ..forms import ButtonForm
from ..params import page_number
from .forms import (
    add_row,
    answers_of,
    assignment_form_class,
    item_fields,
    quiz_form_class,
    quiz_nonce,
    validate_assignment,
)

bp = Blueprint("learn", __name__, url_prefix="/learn")


@bp.app_template_global()
def part_steps(part, state) -> tuple[int, int]:
    return progress_service.part_steps(part, state)


@bp.before_request
@login_required
def require_login():
    return None


# The statements of the participant's most visited pages are built once, with bound
# parameters: building them anew cost more than running them.
_MY_ENROLMENTS = (
    select(Enrolment)
    .options(
        joinedload(Enrolment.cohort).joinedload(Cohort.organisation),
        joinedload(Enrolment.cohort).joinedload(Cohort.place),
    )
    .where(Enrolment.user_id == bindparam("user_id"), Enrolment.status != EnrolmentStatus.WITHDRAWN)
    .order_by(Enrolment.created_at.desc(), Enrolment.id.desc())
)
_OWN_ENROLMENT = (
    Enrolment.id == bindparam("enrolment_id"),
    Enrolment.user_id == bindparam("user_id"),
    Enrolment.status != EnrolmentStatus.WITHDRAWN,
)
_ENROLMENT = (
    select(Enrolment)
    .options(joinedload(Enrolment.cohort).joinedload(Cohort.organisation))
    .where(*_OWN_ENROLMENT)
)
# The lesson page needs only the enrolment, its course and whether the lesson is read:
# one query, with the cohort left to load lazily when a "done" needs it.
_LESSON_ENROLMENT = (
    select(
        Enrolment,
        Cohort.course_slug,
        exists().where(
            LessonProgress.enrolment_id == Enrolment.id,
            LessonProgress.part_slug == bindparam("part_slug"),
            LessonProgress.lesson_slug == bindparam("lesson_slug"),
        ),
    )
    .join(Enrolment.cohort)
    .where(*_OWN_ENROLMENT)
)
_UPCOMING_SESSIONS = (
    select(LiveSession)
    .where(
        LiveSession.cohort_id.in_(bindparam("cohort_ids", expanding=True)),
        LiveSession.ends_at >= bindparam("now"),
    )
    .order_by(LiveSession.starts_at)
)


def my_enrolments():
    return get_session().scalars(_MY_ENROLMENTS, {"user_id": current_user.id}).unique().all()


def load_enrolment(enrolment_id: int) -> tuple[Enrolment, Course]:
    """The current user's own enrolment and its course, or 404 (never someone else's)."""
    enrolment = get_session().scalar(
        _ENROLMENT, {"enrolment_id": enrolment_id, "user_id": current_user.id}
    )
    if enrolment is None:
        abort(404)
    return enrolment, own_course(enrolment.cohort.course_slug)


def own_course(course_slug: str) -> Course:
    course = get_course(course_slug)
    if course is None:
        abort(404)
    return course


def load_part(course: Course, part_slug: str) -> Part:
    part = course.part(part_slug)
    if part is None:
        abort(404)
    return part


def upcoming_sessions(cohort_ids: list[int]) -> dict[int, list[LiveSession]]:
    """Live sessions not yet over, per cohort, in one query."""
    by_cohort: dict[int, list[LiveSession]] = {cohort_id: [] for cohort_id in cohort_ids}
    if cohort_ids:
        for live in get_session().scalars(
            _UPCOMING_SESSIONS, {"cohort_ids": cohort_ids, "now": utcnow()}
        ):
            by_cohort[live.cohort_id].append(live)
    return by_cohort


def attendance_counts(enrolments) -> dict[int, int]:
    """Sessions attended, for the enrolments whose completion may wait for them: one
    query, and none when no round of theirs requires attendance."""
    waiting = [
        e.id
        for e in enrolments
        if e.cohort.attendance_required and e.status != EnrolmentStatus.COMPLETED
    ]
    return completion.sessions_attended(get_session(), waiting) if waiting else {}


@bp.get("/")
def dashboard():
    enrolments = my_enrolments()
    progress = progress_service.load_progress(get_session(), [e.id for e in enrolments])
    completed = [e.id for e in enrolments if e.status == EnrolmentStatus.COMPLETED]
    held = certificates.certificates_of(get_session(), completed) if completed else {}
    sessions = upcoming_sessions(sorted({e.cohort_id for e in enrolments}))
    attended = attendance_counts(enrolments)
    rows = []
    for enrolment in enrolments:
        course = get_course(enrolment.cohort.course_slug)
        if course is None:
            continue
        state = progress[enrolment.id]
        rows.append(
            {
                "enrolment": enrolment,
                "course": course,
                "progress": state,
                "next": progress_service.next_step(course, state),
                "standing": progress_service.standing(
                    course, enrolment, state, attended.get(enrolment.id, 0)
                ),
                "sessions": sessions[enrolment.cohort_id],
                "certificate": held.get(enrolment.id),
            }
        )
    return render_template("learn/dashboard.html", rows=rows)


@bp.get("/<int:enrolment_id>/live-sessions.ics")
def live_sessions_calendar(enrolment_id: int):
    enrolment, _course = load_enrolment(enrolment_id)
    return calendar_download(
        enrolment.cohort,
        link=absolute_url("learn.course_overview", enrolment_id=enrolment.id),
        filename="live-sessions.ics",
    )


@bp.get("/<int:enrolment_id>/")
def course_overview(enrolment_id: int):
    enrolment, course = load_enrolment(enrolment_id)
    state = progress_service.load_progress(get_session(), [enrolment.id])[enrolment.id]
    standing = progress_service.standing(
        course, enrolment, state, attendance_counts([enrolment]).get(enrolment.id, 0)
    )
    sessions = (
        upcoming_sessions([enrolment.cohort_id])[enrolment.cohort_id]
        if standing.stage is completion.Stage.ATTENDANCE
        else []
    )
    return render_template(
        "learn/course.html",
        enrolment=enrolment,
        course=course,
        progress=state,
        next=progress_service.next_step(course, state),
        standing=standing,
        sessions=sessions,
    )


@bp.post("/<int:enrolment_id>/")
def record_completion(enrolment_id: int):
    """Bring the enrolment's completion up to date: for a participant whose every step
    is done while the completion is not recorded yet (the course files changed after
    their last step, say). Each step records it by itself; this is the way out when no
    step is left to take."""
    enrolment, course = load_enrolment(enrolment_id)
    if not ButtonForm().validate_on_submit():
        abort(400)
    session = get_session()
    progress_service.update_completion(session, enrolment, course)
    session.commit()
    return redirect(url_for("learn.course_overview", enrolment_id=enrolment.id))


@bp.get("/<int:enrolment_id>/place")
def place_findings(enrolment_id: int):
    """What the participants of the enrolment's place (else the round's) found there, in
    every round of the organisation, without names; shown once the participant has
    submitted their own safety walk or place audit."""
    enrolment, course = load_enrolment(enrolment_id)
    place_id = enrolment.place_id or enrolment.cohort.place_id
    if place_id is None:
        abort(404)
    session = get_session()
    place = session.get(Place, place_id)
    parts = places_service.findings_parts(course)
    shared = places_service.has_shared_findings(session, enrolment.id, [p.slug for p in parts])
    page = None
    if shared:
        page = places_service.shared_findings_page(
            session, place, page_number(request.args), user_id=current_user.id
        )
    return render_template(
        "learn/place.html",
        enrolment=enrolment,
        course=course,
        place=place,
        parts=parts,
        page=page,
        labels=places_service.page_labels(),
    )


def own_finding(finding_id: int) -> tuple[Finding, int]:
    """A finding the current user made (in any of their enrolments) and the organisation
    of its round, or 404."""
    row = (
        get_session()
        .execute(
            select(Finding, Cohort.organisation_id)
            .join(Enrolment, Enrolment.id == Finding.enrolment_id)
            .join(Cohort, Cohort.id == Finding.cohort_id)
            .where(Finding.id == finding_id, Enrolment.user_id == current_user.id)
        )
        .first()
    )
    if row is None:
        abort(404)
    return row[0], row[1]


@bp.post("/<int:enrolment_id>/findings/<int:finding_id>/photo")
@back_when_too_large(
    lambda enrolment_id, finding_id: url_for(
        "learn.place_findings", enrolment_id=enrolment_id, _anchor=f"finding-{finding_id}"
    ),
    lambda: photos.TOO_LARGE,
)
def finding_photo_upload(enrolment_id: int, finding_id: int):
    """Add or replace the photo of one of the participant's own findings."""
    enrolment, _course = load_enrolment(enrolment_id)
    finding, organisation_id = own_finding(finding_id)
    photos_web.upload(finding, organisation_id)
    return redirect(
        url_for("learn.place_findings", enrolment_id=enrolment.id, _anchor=f"finding-{finding.id}")
    )


@bp.post("/<int:enrolment_id>/findings/<int:finding_id>/photo/remove")
def finding_photo_remove(enrolment_id: int, finding_id: int):
    enrolment, _course = load_enrolment(enrolment_id)
    finding, organisation_id = own_finding(finding_id)
    photos_web.remove(finding, organisation_id)
    return redirect(
        url_for("learn.place_findings", enrolment_id=enrolment.id, _anchor=f"finding-{finding.id}")
    )


@bp.get("/findings/<int:finding_id>/photo.jpg")
def finding_photo(finding_id: int):
    """A finding's photo: for the organizers of its organisation, the participant who
    made the finding, and the participants who see their place's findings."""
    return photos_web.serve(finding_id)


@bp.get("/<int:enrolment_id>/continue")
def resume(enrolment_id: int):
    enrolment, course = load_enrolment(enrolment_id)
    state = progress_service.load_progress(get_session(), [enrolment.id])[enrolment.id]
    return redirect(step_url(enrolment, progress_service.next_step(course, state)))


def step_url(enrolment: Enrolment, step: progress_service.NextStep) -> str:
    if step.kind == "lesson":
        return url_for(
            "learn.lesson",
            enrolment_id=enrolment.id,
            part_slug=step.part.slug,
            lesson_slug=step.lesson_slug,
        )
    if step.kind in ("quiz", "assignment"):
        return url_for(f"learn.{step.kind}", enrolment_id=enrolment.id, part_slug=step.part.slug)
    return url_for("learn.course_overview", enrolment_id=enrolment.id)


@bp.get("/<int:enrolment_id>/<part_slug>/")
def part_overview(enrolment_id: int, part_slug: str):
    enrolment, course = load_enrolment(enrolment_id)
    part = load_part(course, part_slug)
    state = progress_service.load_progress(get_session(), [enrolment.id])[enrolment.id]
    return render_template(
        "learn/part.html",
        enrolment=enrolment,
        course=course,
        part=part,
        progress=state.part(part.slug),
    )


@bp.route("/<int:enrolment_id>/<part_slug>/<lesson_slug>", methods=["GET", "POST"])
def lesson(enrolment_id: int, part_slug: str, lesson_slug: str):
    row = (
        get_session()
        .execute(
            _LESSON_ENROLMENT,
            {
                "enrolment_id": enrolment_id,
                "user_id": current_user.id,
                "part_slug": part_slug,
                "lesson_slug": lesson_slug,
            },
        )
        .first()
    )
    if row is None:
        abort(404)
    enrolment, course_slug, done = row
    course = own_course(course_slug)
    part = load_part(course, part_slug)
    current = part.lesson(lesson_slug)
    if current is None:
        abort(404)
    # The page writes its CSRF token out itself, so the form is only built for a "done".
    if request.method == "POST" and ButtonForm().validate_on_submit():
        session = get_session()
        progress_service.complete_lesson(session, enrolment, course, part, lesson_slug)
        session.commit()
        state = progress_service.load_progress(session, [enrolment.id])[enrolment.id]
        return redirect(step_url(enrolment, progress_service.next_step(course, state)))
    index = part.lessons.index(current)
    previous = part.lessons[index - 1] if index > 0 else None
    following = part.lessons[index + 1] if index + 1 < len(part.lessons) else None
    language = current_locale()
    notes = [(role, html) for role, html in current.role_notes.get(language, {}).items()]
    # The participant's own role first, then the others in the course's order.
    notes.sort(key=lambda note: note[0] != enrolment.role.value)
    return render_template(
        "learn/lesson.html",
        enrolment=enrolment,
        course=course,
        part=part,
        lesson=current,
        number=index + 1,
        previous=previous,
        following=following,
        notes=notes,
        done=done,
    )


@bp.route("/<int:enrolment_id>/<part_slug>/quiz", methods=["GET", "POST"])
def quiz(enrolment_id: int, part_slug: str):
    enrolment, course = load_enrolment(enrolment_id)
    part = load_part(course, part_slug)
    if part.quiz is None:
        abort(404)
    language = current_locale()
    nonce = quiz_nonce(request.form.get("nonce") if request.method == "POST" else None)
    order = progress_service.shuffled_choices(part.quiz, nonce)
    form = quiz_form_class(part.quiz, language, order)(nonce=nonce)
    # The posted nonce only if it is one this site could have made.
    form.nonce.data = nonce
    if request.method == "POST":
        known = {field.name for field in item_fields(form)}
        unknown = {key for key in request.form if key.startswith("item_")} - known
        if unknown:
            abort(400)
    if form.validate_on_submit():
        answers = {field.name.removeprefix("item_"): field.data for field in item_fields(form)}
        session = get_session()
        try:
            result = progress_service.submit_quiz(
                session, enrolment, course, part, answers, form.nonce.data
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
    return render_template(
        "learn/quiz.html",
        enrolment=enrolment,
        course=course,
        part=part,
        form=form,
        questions=item_fields(form),
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


@bp.get("/<int:enrolment_id>/<part_slug>/images/<name>.svg")
def image(enrolment_id: int, part_slug: str, name: str):
    _enrolment, course = load_enrolment(enrolment_id)
    diagram = load_part(course, part_slug).image(name)
    if diagram is None:
        abort(404)
    response = make_response(diagram.data)
    response.content_type = diagram.media_type
    response.set_etag(diagram.sha256)
    response.headers["Content-Security-Policy"] = "default-src 'none'; style-src 'unsafe-inline'"
    response.headers["X-Content-Type-Options"] = "nosniff"
    response.cache_control.private = True
    response.cache_control.max_age = 3600
    return response.make_conditional(request)
