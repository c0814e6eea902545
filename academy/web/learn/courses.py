"""The participant's pages of a course: the dashboard, the course and its parts, the
lessons with their diagrams, and the calendar of the round's live sessions."""

from __future__ import annotations

from flask import abort, make_response, redirect, render_template, request, url_for
from flask_login import current_user
from sqlalchemy import Row, bindparam, exists, select

from ...content import get_course
from ...db import get_session
from ...i18n import current_locale
from ...models import Cohort, Enrolment, EnrolmentStatus, LessonProgress, LiveSession, utcnow
from ...services import announcements, certificates, checkin, completion, evaluation
from ...services import progress as progress_service
from ...services.mail import absolute_url
from ..calendar import calendar_download
from ..forms import ButtonForm, require_button_form
from . import fragments
from .access import OWN_ENROLMENT, load_enrolment, load_part, my_enrolments, own_course
from .blueprint import bp

# Built once, with bound parameters, like the statements in access.py.
# The lesson page needs only the enrolment's id and role, its course and whether the
# lesson is read: one query of columns (loading the enrolment as an object cost as much
# as the query), the enrolment itself loaded only when a "done" is sent.
_LESSON_ENROLMENT = (
    select(
        Enrolment.id,
        Enrolment.role,
        Cohort.course_slug,
        exists().where(
            LessonProgress.enrolment_id == Enrolment.id,
            LessonProgress.part_slug == bindparam("part_slug"),
            LessonProgress.lesson_slug == bindparam("lesson_slug"),
        ),
    )
    .join(Enrolment.cohort)
    .where(*OWN_ENROLMENT)
)
# The sessions as rows of columns rather than objects (the pages only read them):
# loading them as objects cost half again as much.
_UPCOMING_SESSIONS = (
    select(*LiveSession.__table__.columns)
    .where(
        LiveSession.cohort_id.in_(bindparam("cohort_ids", expanding=True)),
        LiveSession.ends_at >= bindparam("now"),
        LiveSession.cancelled_at.is_(None),
    )
    .order_by(LiveSession.starts_at)
)


def upcoming_sessions(cohort_ids: list[int]) -> dict[int, list[Row]]:
    """Live sessions not yet over, per cohort, in one query: rows with the attributes of
    a LiveSession, to read."""
    by_cohort: dict[int, list[Row]] = {cohort_id: [] for cohort_id in cohort_ids}
    if cohort_ids:
        rows = (
            get_session()
            .connection()
            .execute(_UPCOMING_SESSIONS, {"cohort_ids": cohort_ids, "now": utcnow()})
        )
        for live in rows:
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


def session_notes(enrolments, sessions: dict[int, list[Row]], progress, now):
    """Per enrolment: the live sessions open for check-in now, the ids of those the
    person is checked in to (one query, and none when no session is open), and the next
    session tied to a part they have not finished, with that part."""
    open_now = {
        e.id: [live for live in sessions[e.cohort_id] if checkin.is_open(live, now)]
        for e in enrolments
    }
    pairs = [(live.id, e_id) for e_id, lives in open_now.items() for live in lives]
    present = checkin.present_pairs(get_session(), pairs) if pairs else set()
    notes = {}
    for enrolment in enrolments:
        course = get_course(enrolment.cohort.course_slug)
        prepare = None
        if course is not None and enrolment.status != EnrolmentStatus.COMPLETED:
            state = progress[enrolment.id]
            prepare = next(
                (
                    (live, part)
                    for live in sessions[enrolment.cohort_id]
                    if live.starts_at > now
                    and (part := course.part(live.part_slug or "")) is not None
                    and not state.part(part.slug).completed
                ),
                None,
            )
        notes[enrolment.id] = {
            "open_sessions": open_now[enrolment.id],
            "checked_in": {live_id for live_id, e_id in present if e_id == enrolment.id},
            "prepare": prepare,
        }
    return notes


@bp.get("/")
def dashboard():
    enrolments = my_enrolments()
    progress = progress_service.load_progress(get_session(), [e.id for e in enrolments])
    completed = [e.id for e in enrolments if e.status == EnrolmentStatus.COMPLETED]
    held = certificates.certificates_of(get_session(), completed) if completed else {}
    sessions = upcoming_sessions(sorted({e.cohort_id for e in enrolments}))
    attended = attendance_counts(enrolments)
    courses = {e.id: get_course(e.cohort.course_slug) for e in enrolments}
    surveys = evaluation.open_surveys(
        get_session(),
        [(e, courses[e.id], progress[e.id]) for e in enrolments if courses[e.id] is not None],
    )
    notes = session_notes(enrolments, sessions, progress, utcnow())
    announced: dict[int, list] = {}
    for shown in announcements.for_dashboard(
        get_session(), [e.id for e in enrolments], current_locale()
    ):
        announced.setdefault(shown.enrolment_id, []).append(shown)
    rows = []
    for enrolment in enrolments:
        course = courses[enrolment.id]
        if course is None:
            continue
        state = progress[enrolment.id]
        rows.append(
            {
                "enrolment": enrolment,
                "course": course,
                "progress": state,
                "bars": fragments.part_bars(course, state),
                "next": progress_service.next_step(course, state),
                "standing": progress_service.standing(
                    course, enrolment, state, attended.get(enrolment.id, 0)
                ),
                "sessions": sessions[enrolment.cohort_id],
                "certificate": held.get(enrolment.id),
                "surveys": surveys[enrolment.id],
                **notes[enrolment.id],
                "announcements": announced.get(enrolment.id, []),
            }
        )
    # The forms of the page write their CSRF token out themselves: building a ButtonForm
    # for it cost more than a statement.
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
    language = current_locale()
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
        surveys=evaluation.open_surveys(get_session(), [(enrolment, course, state)])[enrolment.id],
        trail=fragments.top_trail(language),
        cards=fragments.part_cards(enrolment.id, course, state),
        dossier=fragments.dossier(enrolment.id, language),
    )


@bp.post("/<int:enrolment_id>/")
def record_completion(enrolment_id: int):
    """Bring the enrolment's completion up to date: for a participant whose every step
    is done while the completion is not recorded yet (the course files changed after
    their last step, say). Each step records it by itself; this is the way out when no
    step is left to take."""
    enrolment, course = load_enrolment(enrolment_id)
    require_button_form()
    session = get_session()
    progress_service.update_completion(session, enrolment, course)
    session.commit()
    return redirect(url_for("learn.course_overview", enrolment_id=enrolment.id))


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
        .connection()
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
    enrolment_id, role, course_slug, done = row
    course = own_course(course_slug)
    part = load_part(course, part_slug)
    current = part.lesson(lesson_slug)
    if current is None:
        abort(404)
    # The page writes its CSRF token out itself, so the form is only built for a "done".
    if request.method == "POST" and ButtonForm().validate_on_submit():
        session = get_session()
        enrolment = session.get_one(Enrolment, enrolment_id)
        progress_service.complete_lesson(session, enrolment, course, part, lesson_slug)
        session.commit()
        state = progress_service.load_progress(session, [enrolment.id])[enrolment.id]
        return redirect(step_url(enrolment, progress_service.next_step(course, state)))
    language = current_locale()
    return render_template(
        "learn/lesson.html",
        lesson=current,
        language=language,
        trail=fragments.trail(enrolment_id, course, part, language),
        article=fragments.lesson_article(course, part, current, role.value, language),
        pager=fragments.lesson_pager(enrolment_id, course, part, current, language),
        last=current is part.lessons[-1],
        done=done,
    )


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
