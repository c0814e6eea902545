"""Leading a session on a part: the course's facilitator notes for the part and who in
the round has and has not finished it, for the round's organizers only, printable."""

from __future__ import annotations

from flask import abort, render_template

from ...db import get_session
from ...services import facilitation
from .access import load_cohort_course, organizer_required
from .blueprint import bp


@bp.get("/cohorts/<int:cohort_id>/parts/<part_slug>/lead")
@organizer_required
def lead_session(cohort_id: int, part_slug: str):
    cohort, course = load_cohort_course(cohort_id)
    part = course.part(part_slug)
    if part is None:
        abort(404)
    progress = facilitation.part_progress(get_session(), cohort.id, part.slug)
    return render_template(
        "organize/lead_session.html",
        cohort=cohort,
        course=course,
        part=part,
        number=course.parts.index(part) + 1,
        notes=part.facilitator,
        progress=progress,
    )
