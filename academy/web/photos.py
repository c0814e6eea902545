"""Uploading, removing and serving the photo of a finding: shared by the organizer's place
page and the participant's (``services.photos`` checks and re-encodes the file)."""

from __future__ import annotations

from flask import abort, flash, make_response, request
from flask_babel import gettext as _
from flask_login import current_user
from sqlalchemy import select

from ..content import get_course
from ..db import get_session
from ..models import Cohort, Enrolment, EnrolmentStatus, Finding, FindingPhoto, Place
from ..services import photos
from ..services import places as places_service
from .forms import require_button_form


def upload(finding: Finding, organisation_id: int | None) -> None:
    """Store the photo sent in the form's ``photo`` field, or flash why not."""
    require_button_form()
    try:
        if (request.content_length or 0) > photos.MAX_BYTES + 64 * 1024:
            raise photos.PhotoError(photos.TOO_LARGE)
        processed = photos.process(photos.read_upload(request.files.get("photo")))
    except photos.PhotoError as error:
        flash(str(error.message), "error")
        return
    session = get_session()
    photos.set_photo(
        session,
        finding,
        processed,
        uploaded_by_id=current_user.id,
        organisation_id=organisation_id,
    )
    session.commit()
    flash(_("The photo of “%(spot)s” is saved.", spot=finding.spot), "success")


def remove(finding: Finding, organisation_id: int | None) -> None:
    require_button_form()
    session = get_session()
    if photos.remove_photo(
        session, finding, removed_by_id=current_user.id, organisation_id=organisation_id
    ):
        session.commit()
        flash(_("The photo of “%(spot)s” is removed.", spot=finding.spot), "success")


def may_see(finding: Finding, organisation_id: int) -> bool:
    """Whether the current user may see the finding's photo: the organizers of its
    organisation (administrators all), the participant whose finding it is, the
    participants who see their place's findings (``learn.place_findings``), and those who
    read its place as a partner or viewer (``services.places.place_access``)."""
    from .organize.access import current_reach, organisation_ids

    allowed = organisation_ids()
    if allowed is None or organisation_id in allowed:
        return True
    session = get_session()
    enrolments = session.scalars(
        select(Enrolment)
        .join(Cohort, Cohort.id == Enrolment.cohort_id)
        .where(
            Enrolment.user_id == current_user.id,
            Enrolment.status != EnrolmentStatus.WITHDRAWN,
            Cohort.organisation_id == organisation_id,
        )
    ).all()
    if any(enrolment.id == finding.enrolment_id for enrolment in enrolments):
        return True
    if finding.place_id is None:
        return False
    for enrolment in enrolments:
        if (enrolment.place_id or enrolment.cohort.place_id) != finding.place_id:
            continue
        course = get_course(enrolment.cohort.course_slug)
        if course is None:
            continue
        parts = [part.slug for part in places_service.findings_parts(course)]
        if places_service.has_shared_findings(session, enrolment.id, parts):
            return True
    place = session.get(Place, finding.place_id)
    return places_service.place_access(session, place, current_reach()) is not None


def serve(finding_id: int):
    """The photo, to those who may see it; 404 for anyone else and for no photo."""
    session = get_session()
    found = places_service.load_finding(session, finding_id)
    if found is None or not may_see(*found):
        abort(404)
    photo = session.get(FindingPhoto, finding_id)
    if photo is None:
        abort(404)
    response = make_response(photo.data)
    response.content_type = photo.content_type
    response.headers["X-Content-Type-Options"] = "nosniff"
    response.headers["Cache-Control"] = "private, max-age=300"
    response.headers["Content-Disposition"] = f'inline; filename="finding-{finding_id}.jpg"'
    response.set_etag(photo.sha256)
    return response.make_conditional(request)
