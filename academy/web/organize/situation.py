"""The lägesbild (situation picture) of a place or of a plan's area, as PDF or Excel, in
the organisation's language, for whoever reads the place (its owner's organizers, its
partners, the viewers). A POST, because every download is written to the audit log."""

from __future__ import annotations

from flask import abort, request
from flask_login import current_user

from ...db import get_session
from ...i18n import LANGUAGE_NAMES, current_locale, supported_languages
from ...services import situation as situation_service
from ..downloads import XLSX, download, file_name, local_today
from ..forms import require_button_form
from .access import load_plan, load_readable_place, reader_required
from .blueprint import bp

PDF = "pdf"


def _format() -> str:
    """ "pdf" or "xlsx" from the form; anything else is a bad request."""
    chosen = request.form.get("format", PDF)
    if chosen not in (PDF, XLSX.extension):
        abort(400)
    return chosen


def _answer(situation, *, object_type: str, object_id: int, chosen: str, language: str):
    session = get_session()
    if chosen == PDF:
        body = situation_service.situation_pdf(situation, language)
        mimetype = "application/pdf"
    else:
        body = situation_service.situation_xlsx(situation, language)
        mimetype = XLSX.mimetype
    situation_service.record_situation_download(
        session,
        situation,
        object_type=object_type,
        object_id=object_id,
        file_format=chosen,
        language=language,
        downloaded_by_id=current_user.id,
    )
    session.commit()
    # The file's name is in the language of the one who saves it: they name their folders.
    name = file_name(situation.title, "lagesbild", day=situation.today, extension=chosen)
    return download(body, name=name, mimetype=mimetype)


def _language(organisation) -> str:
    return situation_service.document_language(
        organisation, supported_languages(), current_locale()
    )


def language_name(organisation) -> str:
    """The name of the language its lägesbild is written in, for the download form."""
    return LANGUAGE_NAMES[_language(organisation)]


@bp.post("/places/<int:place_id>/situation")
@reader_required
def place_situation(place_id: int):
    place, _owner = load_readable_place(place_id)
    require_button_form()
    chosen = _format()
    situation = situation_service.place_situation(
        get_session(), place, today=local_today(place.organisation.timezone)
    )
    return _answer(
        situation,
        object_type="place",
        object_id=place.id,
        chosen=chosen,
        language=_language(place.organisation),
    )


@bp.post("/plans/<int:plan_id>/situation")
@reader_required
def plan_situation(plan_id: int):
    plan, view = load_plan(plan_id)
    require_button_form()
    chosen = _format()
    situation = situation_service.plan_situation(
        get_session(), plan, view.place_ids, today=local_today(plan.organisation.timezone)
    )
    return _answer(
        situation,
        object_type="plan",
        object_id=plan.id,
        chosen=chosen,
        language=_language(plan.organisation),
    )
