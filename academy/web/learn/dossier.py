"""The participant's place dossier: their assignments of the course as one PDF to hand to
their steering group (``services.dossier``)."""

from __future__ import annotations

from flask_login import current_user

from ...db import get_session
from ...extensions import limiter
from ...i18n import current_locale
from ...services import dossier as dossier_service
from ..downloads import download, file_name, local_today
from .access import load_enrolment
from .blueprint import bp


@bp.get("/<int:enrolment_id>/dossier.pdf")
# Rendering a PDF costs a few hundred milliseconds of CPU: plenty for anyone who saves
# it a few times, not for someone who loops on it.
@limiter.limit("30 per hour", key_func=lambda: f"dossier:{current_user.id}")
def dossier(enrolment_id: int):
    enrolment, course = load_enrolment(enrolment_id)
    today = local_today(enrolment.cohort.organisation.timezone)
    contents = dossier_service.load_dossier(get_session(), enrolment, course, today)
    body = dossier_service.dossier_pdf(contents, current_locale())
    place = enrolment.place.name if enrolment.place else course.title[current_locale()]
    name = file_name(place, "dossier", day=today, extension="pdf")
    return download(body, name=name, mimetype="application/pdf")
