"""The certificate PDF: an issued ``Certificate`` row rendered in its holder's language.

Everything printed comes from the stored certificate (name, organisation, dates, content
version) and from the course it names; nothing is looked up again, so a certificate
renders the same whenever it is rendered. Rendering needs an application context (for
the template and the message catalogs), not a request.
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from datetime import date

import segno
from flask import current_app, render_template
from flask_babel import force_locale, format_date

from ..content import Course
from ..models import Certificate
from ..pdf import render_pdf
from .certificate_codes import format_code

STYLESHEET = "certificate"
TEMPLATE = "pdf/certificate.html"
FALLBACK_LANGUAGE = "en"
# Printed size classes of the holder's name, by length: the longest names get a smaller
# size so that they never push the page past one sheet.
_NAME_SIZES = ((28, "holder-name--m"), (44, "holder-name--l"), (72, "holder-name--xl"))

# The page is laid out with fixed heights (WeasyPrint lays flex boxes out many times
# slower), so the height the details at the bottom need is estimated here, in mm, from the
# lengths of their values; the middle (award and parts) gives up what they need beyond
# the height of the QR code beside them. The estimates err on the long side.
_MIDDLE_MM = 133.0
_MIDDLE_MIN_MM = 92.0
_QR_MM = 26.0
_FACT_HEAD_MM = 6.8  # the space above a detail and its label
_LONG_FACT = 60  # characters; longer values are printed smaller
_FACT_LINE_MM = {False: 4.5, True: 3.8}  # by small
_FACT_CHARS_PER_LINE = {False: 32, True: 40}


@dataclass(frozen=True, slots=True)
class Fact:
    """A detail printed at the bottom, two to a row: ``key`` names its label in the
    template; a long value is printed ``small``."""

    key: str
    value: str
    small: bool


@dataclass(frozen=True, slots=True)
class PartLine:
    """One part of the course as printed: its number, title and completion date."""

    number: int
    title: str
    completed_on: str


def qr_svg_data_uri(url: str) -> str:
    """A QR code of ``url`` as an SVG ``data:`` URI that scales to any printed size."""
    qr = segno.make(url, error="m", micro=False)
    return qr.svg_data_uri(scale=1, border=0, dark="#1d2327", omitsize=True)


def certificate_html(certificate: Certificate, course: Course, *, verify_url: str) -> str:
    """The HTML of the certificate in the certificate's language (``render_certificate``
    turns it into the PDF; the benchmark renders it bare to compare)."""
    language = _language(certificate.locale)
    with force_locale(language):
        return render_template(TEMPLATE, **_context(certificate, course, language, verify_url))


def render_certificate(certificate: Certificate, course: Course, *, verify_url: str) -> bytes:
    """The certificate as PDF bytes: A4 landscape, one page, in the certificate's language.

    ``course`` is the course the certificate names (its titles are printed in the
    certificate's language); ``verify_url`` is the public page the QR code points to.
    """
    return render_pdf(certificate_html(certificate, course, verify_url=verify_url), STYLESHEET)


def _language(locale: str | None) -> str:
    languages = current_app.config.get("LANGUAGES", [FALLBACK_LANGUAGE])
    return locale if locale in languages else FALLBACK_LANGUAGE


def _translated(texts, language: str) -> str:
    return texts.get(language) or texts.get(FALLBACK_LANGUAGE) or next(iter(texts.values()), "")


def _context(certificate: Certificate, course: Course, language: str, verify_url: str) -> dict:
    holder = certificate.certificate_name or certificate.holder_initials
    completed = dict(certificate.part_completed_on or {})
    parts = [
        PartLine(number, _translated(part.title, language), _date(completed.pop(part.slug, None)))
        for number, part in enumerate(course.parts, start=1)
    ]
    # A part the course no longer has (the content changed since) is still printed.
    for slug, day in completed.items():
        parts.append(PartLine(len(parts) + 1, slug, _date(day)))
    version = certificate.content_version
    if course.version and course.content_version == certificate.content_version:
        version = f"{course.version} ({certificate.content_version})"
    values = [
        ("organisation", certificate.organisation_name),
        ("place", certificate.place_name or ""),
        ("cohort", certificate.cohort_name),
        ("issued", format_date(certificate.issued_at, "long") if certificate.issued_at else ""),
    ]
    facts = [Fact(key, value, len(value) > _LONG_FACT) for key, value in values if value]
    return {
        "language": language,
        "holder_name": holder,
        "holder_class": _name_class(holder),
        "course_title": _translated(course.title, language),
        "parts": parts,
        "facts": facts,
        "middle_height_mm": _middle_height_mm(facts),
        "code": format_code(certificate.code),
        "content_version": version,
        "verify_url": verify_url,
        "qr_data_uri": qr_svg_data_uri(verify_url),
    }


def _date(value) -> str:
    if not value:
        return ""
    day = value if isinstance(value, date) else date.fromisoformat(str(value)[:10])
    return format_date(day, "long")


def _middle_height_mm(facts: list[Fact]) -> float:
    """The height of the middle that leaves the details the room they need."""
    heights = [
        _FACT_HEAD_MM
        + max(1, math.ceil(len(fact.value) / _FACT_CHARS_PER_LINE[fact.small]))
        * _FACT_LINE_MM[fact.small]
        for fact in facts
    ]
    rows = [max(heights[start : start + 2]) for start in range(0, len(heights), 2)]
    overflow = max(0.0, sum(rows) - _QR_MM)
    return round(max(_MIDDLE_MIN_MM, _MIDDLE_MM - overflow), 1)


def _name_class(name: str) -> str:
    for limit, css_class in _NAME_SIZES:
        if len(name) <= limit:
            return css_class
    return "holder-name--xxl"
