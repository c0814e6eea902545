"""The participant's place: what the participants of their place found there, without
names, and the photos of their own findings."""

from __future__ import annotations

from flask import abort, redirect, render_template, request, url_for
from flask_login import current_user
from sqlalchemy import select

from ...db import get_session
from ...errors import back_when_too_large
from ...models import Cohort, Enrolment, Finding, Place
from ...services import photos
from ...services import places as places_service
from .. import photos as photos_web
from ..params import page_number
from .access import load_enrolment
from .blueprint import bp


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


def finding_address(enrolment_id: int, finding_id: int) -> str:
    """The finding on the participant's place page."""
    return url_for(
        "learn.place_findings", enrolment_id=enrolment_id, _anchor=f"finding-{finding_id}"
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
    finding_address,
    lambda: photos.TOO_LARGE,
)
def finding_photo_upload(enrolment_id: int, finding_id: int):
    """Add or replace the photo of one of the participant's own findings."""
    enrolment, _course = load_enrolment(enrolment_id)
    finding, organisation_id = own_finding(finding_id)
    photos_web.upload(finding, organisation_id)
    return redirect(finding_address(enrolment.id, finding.id))


@bp.post("/<int:enrolment_id>/findings/<int:finding_id>/photo/remove")
def finding_photo_remove(enrolment_id: int, finding_id: int):
    enrolment, _course = load_enrolment(enrolment_id)
    finding, organisation_id = own_finding(finding_id)
    photos_web.remove(finding, organisation_id)
    return redirect(finding_address(enrolment.id, finding.id))


@bp.get("/findings/<int:finding_id>/photo.jpg")
def finding_photo(finding_id: int):
    """A finding's photo: for the organizers of its organisation, the participant who
    made the finding, and the participants who see their place's findings."""
    return photos_web.serve(finding_id)
