"""The assignments submitted in a round: the list per part, and one participant's
assignment to approve or return with a comment."""

from __future__ import annotations

from flask import abort, flash, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from flask_login import current_user
from sqlalchemy import select
from sqlalchemy.orm import joinedload
from wtforms import TextAreaField
from wtforms.validators import Length

from ...content import get_catalog
from ...db import get_session
from ...models import AssignmentSubmission, Enrolment, SubmissionStatus
from ...services import progress as progress_service
from ..forms import AcademyForm
from .access import load_cohort_course, load_enrolment, organizer_required
from .blueprint import bp


class ReviewForm(AcademyForm):
    comment = TextAreaField(
        _l("Comment to the participant"),
        validators=[
            Length(max=2000, message=_l("Write at most %(count)d characters.", count=2000))
        ],
    )


@bp.get("/cohorts/<int:cohort_id>/assignments")
@organizer_required
def assignments(cohort_id: int):
    """Submitted assignments of a round, per part."""
    cohort, course = load_cohort_course(cohort_id)
    parts = [part for part in course.parts if part.assignment is not None]
    chosen = next(
        (part for part in parts if part.slug == request.args.get("part")),
        parts[0] if parts else None,
    )
    rows = []
    if chosen is not None:
        rows = (
            get_session()
            .execute(
                select(Enrolment, AssignmentSubmission)
                .join(AssignmentSubmission, AssignmentSubmission.enrolment_id == Enrolment.id)
                .options(joinedload(Enrolment.user), joinedload(Enrolment.place))
                .where(
                    Enrolment.cohort_id == cohort.id,
                    AssignmentSubmission.part_slug == chosen.slug,
                    AssignmentSubmission.status != SubmissionStatus.DRAFT,
                )
                .order_by(AssignmentSubmission.submitted_at.desc())
            )
            .all()
        )
    return render_template(
        "organize/assignments.html",
        cohort=cohort,
        course=course,
        parts=parts,
        chosen=chosen,
        rows=rows,
    )


@bp.route("/enrolments/<int:enrolment_id>/assignments/<part_slug>", methods=["GET", "POST"])
@organizer_required
def assignment(enrolment_id: int, part_slug: str):
    """One participant's assignment, to read, approve or return with a comment."""
    enrolment = load_enrolment(enrolment_id)
    course = get_catalog().get(enrolment.cohort.course_slug)
    part = course.part(part_slug) if course else None
    if part is None or part.assignment is None:
        abort(404)
    session = get_session()
    submission = progress_service.get_submission(session, enrolment, part)
    if submission is None or submission.status == SubmissionStatus.DRAFT:
        abort(404)
    form = ReviewForm()
    confirm_return = False
    if form.validate_on_submit():
        action = request.form.get("action")
        approve = action == "approve"
        if not approve and not (form.comment.data or "").strip():
            form.comment.errors.append(_("Say what should be revised."))
        else:
            try:
                progress_service.review_assignment(
                    session,
                    submission,
                    enrolment,
                    course,
                    approve=approve,
                    comment=form.comment.data or "",
                    reviewer_id=current_user.id,
                    confirmed_after_completion=action == "return-confirmed",
                )
            except progress_service.ReturnNeedsConfirmation:
                confirm_return = True
            else:
                session.commit()
                flash(
                    _("The assignment is approved.")
                    if approve
                    else _("The assignment is returned with your comment."),
                    "success",
                )
                return redirect(
                    url_for("organize.assignments", cohort_id=enrolment.cohort_id, part=part.slug)
                )
    return render_template(
        "organize/assignment.html",
        enrolment=enrolment,
        course=course,
        part=part,
        submission=submission,
        form=form,
        confirm_return=confirm_return,
    )
