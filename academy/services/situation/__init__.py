"""The lägesbild (situation picture) of a place or of a plan's area, which Lag (2023:196)
asks Swedish municipalities to make and follow up: its contents (``contents``), as PDF
(``document``) and as an Excel workbook (``workbook``), and the audit row of a download."""

from sqlalchemy.orm import Session

from ...models import Organisation
from .. import audit
from .contents import (
    MeasureLine,
    PlaceSituation,
    Situation,
    place_situation,
    plan_situation,
)
from .document import PDF_FINDINGS_MAX, SITUATION_STYLESHEET, situation_html, situation_pdf
from .workbook import situation_xlsx

__all__ = [
    "PDF_FINDINGS_MAX",
    "SITUATION_STYLESHEET",
    "MeasureLine",
    "PlaceSituation",
    "Situation",
    "document_language",
    "place_situation",
    "plan_situation",
    "record_situation_download",
    "situation_html",
    "situation_pdf",
    "situation_xlsx",
]


def document_language(organisation: Organisation, languages: list[str], fallback: str) -> str:
    """The organisation's language where it has one of ``languages``, else ``fallback``
    (the language of whoever downloads)."""
    return organisation.language if organisation.language in languages else fallback


def record_situation_download(
    session: Session,
    situation: Situation,
    *,
    object_type: str,
    object_id: int,
    file_format: str,
    language: str,
    downloaded_by_id: int,
) -> None:
    """Audit a download of a lägesbild: who took which, in which format and language."""
    audit.record(
        session,
        "situation.downloaded",
        actor_id=downloaded_by_id,
        object_type=object_type,
        object_id=object_id,
        organisation_id=situation.organisation.id,
        format=file_format,
        language=language,
        places=len(situation.places),
    )
