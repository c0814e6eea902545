"""Organizer pages for places: the list, the form, and the place page with the findings
of safety walks and place audits (counts, chart, status per finding, exports)."""

from __future__ import annotations

from collections.abc import Iterator

from flask import abort, flash, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from flask_login import current_user
from markupsafe import Markup
from sqlalchemy import select
from sqlalchemy.orm import Session
from wtforms import SelectChoice, SelectField, TextAreaField
from wtforms.validators import Length

from ...content import get_catalog
from ...db import get_session
from ...errors import back_when_too_large
from ...i18n import current_locale
from ...models import Cohort, FindingCategory, FindingSeverity, FindingStatus, Organisation, Place
from ...services import photos
from ...services import places as places_service
from ...services.places import PLACE_DESCRIPTION_MAX, PLACE_NAME_MAX, STATUS_LABELS
from .. import photos as photos_web
from ..downloads import XLSX, download, file_name, local_today, streamed_download, table_format
from ..forms import AcademyForm, bounded_text, require_button_form
from ..params import int_arg, page_number
from .access import (
    load_finding,
    load_organisation,
    load_place,
    load_readable_place,
    organizer_required,
    reader_required,
)
from .blueprint import bp
from .finding_list import finding_links, finding_words
from .partners import PartnerForm


class PlaceForm(AcademyForm):
    name = bounded_text(
        _l("Name of the place"),
        max_length=PLACE_NAME_MAX,
        hint=_l("For example the station area, the square or a housing area."),
    )
    description = TextAreaField(
        _l("Short description"),
        description=_l("Where it begins and ends, and what is there. Optional."),
        validators=[
            Length(
                max=PLACE_DESCRIPTION_MAX,
                message=_l("Write at most %(count)d characters.", count=PLACE_DESCRIPTION_MAX),
            )
        ],
    )


class FindingStatusForm(AcademyForm):
    status = SelectField(
        _l("Status"),
        choices=[SelectChoice(status.value, label) for status, label in STATUS_LABELS.items()],
    )


def name_is_free(form: PlaceForm, organisation_id: int, except_id: int | None = None) -> bool:
    """Whether the organisation has no other place of the form's name; if it has, the
    form says so."""
    if places_service.place_name_taken(
        get_session(), organisation_id, form.name.data, except_id=except_id
    ):
        form.name.errors.append(_("The organisation has a place with this name already."))
        return False
    return True


def place_values(form: PlaceForm) -> dict:
    return {"name": form.name.data, "description": form.description.data or ""}


@bp.get("/organisations/<int:organisation_id>/places")
@organizer_required
def places(organisation_id: int):
    organisation = load_organisation(organisation_id)
    overview = places_service.places_overview(get_session(), organisation)
    return render_template(
        "organize/places/index.html", organisation=organisation, overview=overview
    )


@bp.route("/organisations/<int:organisation_id>/places/new", methods=["GET", "POST"])
@organizer_required
def new_place(organisation_id: int):
    organisation = load_organisation(organisation_id)
    form = PlaceForm()
    if form.validate_on_submit():
        session = get_session()
        if name_is_free(form, organisation.id):
            place = places_service.create_place(
                session, organisation, created_by_id=current_user.id, **place_values(form)
            )
            session.commit()
            flash(_("The place %(name)s is created.", name=place.name), "success")
            return redirect(url_for("organize.place", place_id=place.id))
    return render_template(
        "organize/places/form.html", form=form, organisation=organisation, place=None
    )


@bp.route("/places/<int:place_id>/edit", methods=["GET", "POST"])
@organizer_required
def edit_place(place_id: int):
    place = load_place(place_id)
    form = PlaceForm(obj=place)
    if form.validate_on_submit():
        session = get_session()
        if name_is_free(form, place.organisation_id, except_id=place.id):
            places_service.update_place(
                session, place, changed_by_id=current_user.id, **place_values(form)
            )
            session.commit()
            flash(_("The place is saved."), "success")
            return redirect(url_for("organize.place", place_id=place.id))
    return render_template(
        "organize/places/form.html", form=form, organisation=place.organisation, place=place
    )


def place_filters(
    organisation: Organisation, source, *, with_rounds: bool = True
) -> tuple[places_service.FindingFilters, list[Cohort]]:
    """Filters from the query string or form, checked against what exists (unknown
    values are ignored rather than trusted), and the organisation's rounds to choose from:
    none for a partner or viewer (``with_rounds=False``), who never see the owner's rounds."""
    rounds = (
        list(
            get_session().scalars(
                select(Cohort)
                .where(Cohort.organisation_id == organisation.id)
                .order_by(Cohort.archived_at.is_not(None), Cohort.name, Cohort.id)
            )
        )
        if with_rounds
        else []
    )
    category = source.get("category")
    severity = source.get("severity")
    status = source.get("status")
    cohort_id = int_arg(source, "cohort")
    filters = places_service.FindingFilters.of(
        category=category if category in FindingCategory._value2member_map_ else None,
        severity=(
            severity
            if severity in FindingSeverity._value2member_map_ or severity == places_service.UNRATED
            else None
        ),
        status=status if status in FindingStatus._value2member_map_ else None,
        cohort_id=cohort_id if cohort_id in {each.id for each in rounds} else None,
    )
    return filters, rounds


def source_titles(language: str):
    """``source_title(course_slug, part_slug)``: the title of the assignment a finding
    came from, in ``language`` (the part's slug if the course no longer has it)."""
    catalog = get_catalog()

    def source_title(course_slug: str, part_slug: str) -> str:
        course = catalog.get(course_slug)
        part = course.part(part_slug) if course else None
        if part is None or part.assignment is None:
            return part_slug
        title = part.assignment.title
        return title.get(language) or title.get("en") or part_slug

    return source_title


@bp.get("/places/<int:place_id>")
@reader_required
def place(place_id: int):
    """The place's findings: to change for its owner's organizers, to read for its
    partners and viewers (without the owner's rounds and the participants' names)."""
    place, owner = load_readable_place(place_id)
    filters, rounds = place_filters(place.organisation, request.args, with_rounds=owner)
    session = get_session()
    summary = places_service.place_summary(session, place, filters)
    page = places_service.findings_page(session, place, summary, page_number(request.args))
    language = current_locale()
    labels = places_service.page_labels()
    # Where a status change leads back to: this view of the page.
    back_args = {**filters.args(), **({"page": page.number} if page.number > 1 else {})}
    return render_template(
        "organize/places/place.html",
        place=place,
        organisation=place.organisation,
        rounds=rounds,
        filters=filters,
        filter_args=filters.args(),
        summary=summary,
        page=page,
        labels=labels,
        words=finding_words(labels),
        links=finding_links(back_args),
        source_title=source_titles(language),
        # The chart escapes every text it draws (tests/test_places.py checks it).
        chart=Markup(places_service.findings_chart_svg(summary, language)),  # noqa: S704
        owner=owner,
        partners=places_service.partner_choice(session, place) if owner else None,
        partner_form=PartnerForm() if owner else None,
    )


def export_request(
    place_id: int,
) -> tuple[Place, bool, places_service.FindingFilters, list[Cohort]]:
    """The place an export (a POST of the page's button form) names, answering 404 unless
    the reader may read it and 400 without the form's token; whether the reader owns it;
    the page's filters it carries, and the organisation's rounds they were checked against
    (none for a partner or viewer, who never see the owner's rounds)."""
    place, owner = load_readable_place(place_id)
    require_button_form()
    filters, rounds = place_filters(place.organisation, request.values, with_rounds=owner)
    return place, owner, filters, rounds


@bp.post("/places/<int:place_id>/export")
@reader_required
def export_findings(place_id: int):
    """The place's findings as a file (without the rounds for a partner or viewer), sent
    as it is written (the findings a batch at a time, from a database session of its
    own). A POST, because every export is written to the audit log, before the first
    byte is sent."""
    place, owner, filters, rounds = export_request(place_id)
    session = get_session()
    language = current_locale()
    tz = place.organisation.timezone
    summary = places_service.place_summary(session, place, filters)
    chosen = table_format(request.form.get("format", "csv"), language)
    labels = places_service.filter_labels(filters, rounds, language)
    description = place.description
    places_service.record_findings_export(
        session,
        place,
        filters,
        file_format=chosen.extension,
        rows=summary.total,
        exported_by_id=current_user.id,
    )
    session.commit()
    name = file_name(place.name, "findings", day=local_today(tz), extension=chosen.extension)
    source_title = source_titles(language)

    def chunks(reading: Session) -> Iterator[bytes]:
        rows = places_service.findings_stream(reading, reading.get(Place, place_id), filters)
        if chosen is XLSX:
            return places_service.findings_xlsx_chunks(
                summary,
                rows,
                language,
                source_title=source_title,
                description=description,
                filter_labels=labels,
                tz=tz,
                with_rounds=owner,
            )
        return places_service.findings_csv_chunks(
            rows,
            language,
            source_title=source_title,
            delimiter=chosen.delimiter,
            tz=tz,
            with_rounds=owner,
        )

    return streamed_download(chunks, name=name, mimetype=chosen.mimetype, cache_control="no-store")


@bp.post("/places/<int:place_id>/summary.pdf")
@reader_required
def summary_pdf(place_id: int):
    """The place's findings as a PDF summary in the reader's language, without the
    participants' names (nor rounds: a partner's filters have none). A POST, audited
    like the other exports."""
    place, _owner, filters, rounds = export_request(place_id)
    session = get_session()
    language = current_locale()
    summary = places_service.place_summary(session, place, filters)
    rows = places_service.all_findings(session, place, filters)
    body = places_service.summary_pdf(
        place,
        summary,
        rows,
        language,
        filter_labels=places_service.filter_labels(filters, rounds, language),
        tz=place.organisation.timezone,
    )
    places_service.record_findings_export(
        session,
        place,
        filters,
        file_format="pdf",
        rows=len(rows),
        exported_by_id=current_user.id,
    )
    session.commit()
    day = local_today(place.organisation.timezone)
    name = file_name(place.name, "summary", day=day, extension="pdf")
    return download(body, name=name, mimetype="application/pdf")


@bp.post("/findings/<int:finding_id>/status")
@organizer_required
def finding_status(finding_id: int):
    """Set a finding's status, then back to the place page as it was: its filters and
    page come in the query string."""
    finding = load_finding(finding_id)
    form = FindingStatusForm()
    if not form.validate_on_submit():
        abort(400)
    session = get_session()
    changed = places_service.set_status(
        session, finding, FindingStatus(form.status.data), changed_by_id=current_user.id
    )
    session.commit()
    if finding.place_id is None:
        return back_to_place(finding)
    if changed:
        flash(
            _(
                "The status of “%(spot)s” is now %(status)s.",
                spot=finding.spot,
                status=places_service.STATUS_LABELS[finding.status],
            ),
            "success",
        )
    return back_to_place(finding)


@bp.post("/findings/<int:finding_id>/photo")
@organizer_required
@back_when_too_large(
    lambda finding_id: place_address(load_finding(finding_id)), lambda: photos.TOO_LARGE
)
def finding_photo_upload(finding_id: int):
    """Add or replace a finding's photo, then back to the place page as it was."""
    finding = load_finding(finding_id)
    photos_web.upload(finding, finding_organisation_id(finding))
    return back_to_place(finding)


@bp.post("/findings/<int:finding_id>/photo/remove")
@organizer_required
def finding_photo_remove(finding_id: int):
    finding = load_finding(finding_id)
    photos_web.remove(finding, finding_organisation_id(finding))
    return back_to_place(finding)


def finding_organisation_id(finding) -> int:
    return get_session().scalar(
        select(Cohort.organisation_id).where(Cohort.id == finding.cohort_id)
    )


def back_to_place(finding):
    return redirect(place_address(finding))


def place_address(finding) -> str:
    """The finding on its place page, with the filters and page of the query string (the
    list of places for a finding without a place)."""
    session = get_session()
    if finding.place_id is None:
        return url_for("organize.places", organisation_id=finding_organisation_id(finding))
    place = session.get(Place, finding.place_id)
    filters, _rounds = place_filters(place.organisation, request.args)
    page = page_number(request.args)
    return url_for(
        "organize.place",
        place_id=finding.place_id,
        **filters.args(),
        **({"page": page} if page > 1 else {}),
        _anchor=f"finding-{finding.id}",
    )
