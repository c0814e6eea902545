"""The participant's place dossier: the four assignments of the course as one PDF.

The course's assignments build on each other for the participant's own place (problem
analysis, walk protocol, action-plan rows, a Lighter-Quicker-Cheaper test plan), and a
steering group wants them together. The dossier prints what the participant has saved,
hand-ins and drafts alike, each with its state, and nobody else's answers.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date

from flask import render_template
from flask_babel import force_locale, format_date
from sqlalchemy import select
from sqlalchemy.orm import Session

from ..content import Course, Part
from ..models import AssignmentSubmission, Enrolment
from ..pdf import render_pdf

DOSSIER_TEMPLATE = "pdf/dossier.html"
DOSSIER_STYLESHEET = "dossier"


@dataclass(frozen=True, slots=True)
class DossierPart:
    """A part with an assignment, and what the participant saved for it (None: nothing)."""

    number: int
    part: Part
    submission: AssignmentSubmission | None


@dataclass(frozen=True, slots=True)
class Dossier:
    enrolment: Enrolment
    course: Course
    parts: tuple[DossierPart, ...]
    made_on: date

    @property
    def saved(self) -> int:
        return sum(entry.submission is not None for entry in self.parts)


def load_dossier(session: Session, enrolment: Enrolment, course: Course, today: date) -> Dossier:
    """The parts of ``course`` that have an assignment, in order, each with the
    enrolment's submission (one statement)."""
    submissions = {
        submission.part_slug: submission
        for submission in session.scalars(
            select(AssignmentSubmission).where(AssignmentSubmission.enrolment_id == enrolment.id)
        )
    }
    parts = tuple(
        DossierPart(number, part, submissions.get(part.slug))
        for number, part in enumerate(course.parts, start=1)
        if part.assignment is not None
    )
    return Dossier(enrolment=enrolment, course=course, parts=parts, made_on=today)


def dossier_pdf(dossier: Dossier, language: str) -> bytes:
    """The dossier in ``language``: every text escaped by the template, rendered by
    ``academy.pdf`` (the safe fetcher and the bundled fonts)."""
    with force_locale(language):
        html = render_template(
            DOSSIER_TEMPLATE,
            dossier=dossier,
            language=language,
            today=format_date(dossier.made_on, "long"),
        )
    return render_pdf(html, DOSSIER_STYLESHEET)
