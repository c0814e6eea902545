"""Which surveys a round asks, which of them a participant is invited to now, and the
answering itself: the answer stored without the person, the marker that stops a second
answer stored without the answer (docs/decisions.md, "Course evaluation").

The surveys: ``before`` (confidence per part, before the first lesson), ``part-<slug>``
(the fixed questions after a part, when the round asks them) and ``end`` (the fixed
questions and the confidence per part again, once every part is completed). Answering
is optional: nothing in completion or certificates looks at any of this.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date

from sqlalchemy import select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from ...content import Course
from ...models import Cohort, Enrolment, EvaluationAnswer, EvaluationMarker
from ..progress import Progress

BEFORE = "before"
END = "end"
PART_PREFIX = "part-"
RATINGS = (1, 2, 3, 4, 5)
RECOMMEND = ("yes", "no", "unsure")
CHANGE_MAX = 2000


@dataclass(frozen=True)
class Survey:
    key: str
    part_slug: str | None = None

    @property
    def kind(self) -> str:
        return "part" if self.part_slug else self.key

    @property
    def asks_ratings(self) -> bool:
        """Overall, relevance, would recommend and what to change."""
        return self.key != BEFORE

    @property
    def asks_confidence(self) -> bool:
        """The confidence per part: before the course and at its end."""
        return self.key in (BEFORE, END)


def surveys_of(course: Course, cohort: Cohort) -> list[Survey]:
    """The round's surveys in the order they come."""
    surveys = [Survey(BEFORE)]
    if cohort.evaluate_each_part:
        surveys += [Survey(PART_PREFIX + part.slug, part.slug) for part in course.parts]
    return [*surveys, Survey(END)]


def survey_of(course: Course, cohort: Cohort, key: str) -> Survey | None:
    return next((each for each in surveys_of(course, cohort) if each.key == key), None)


def due_surveys(course: Course, cohort: Cohort, progress: Progress) -> list[Survey]:
    """The surveys whose moment it is for this progress, answered or not: ``before``
    until the first step, a part's when it is completed, ``end`` when every part is."""
    parts = [progress.part(part.slug) for part in course.parts]
    due = []
    for survey in surveys_of(course, cohort):
        if survey.key == BEFORE:
            ready = not any(state.started for state in parts)
        elif survey.key == END:
            ready = bool(parts) and all(state.completed for state in parts)
        else:
            ready = progress.part(survey.part_slug or "").completed
        if ready:
            due.append(survey)
    return due


def markers_of(session: Session, enrolment_ids: list[int]) -> dict[int, set[str]]:
    """The surveys each enrolment has answered or declined, in one query."""
    found: dict[int, set[str]] = {enrolment_id: set() for enrolment_id in enrolment_ids}
    if enrolment_ids:
        rows = session.execute(
            select(EvaluationMarker.enrolment_id, EvaluationMarker.survey).where(
                EvaluationMarker.enrolment_id.in_(enrolment_ids)
            )
        )
        for enrolment_id, survey in rows:
            found[enrolment_id].add(survey)
    return found


def open_surveys(
    session: Session, rows: list[tuple[Enrolment, Course, Progress]]
) -> dict[int, list[Survey]]:
    """The surveys each enrolment is invited to now: due and neither answered nor
    declined. Asks the database only when some survey is due."""
    due = {
        enrolment.id: due_surveys(course, enrolment.cohort, progress)
        for enrolment, course, progress in rows
    }
    waiting = [enrolment_id for enrolment_id, surveys in due.items() if surveys]
    done = markers_of(session, waiting)
    return {
        enrolment_id: [each for each in surveys if each.key not in done.get(enrolment_id, set())]
        for enrolment_id, surveys in due.items()
    }


@dataclass
class Answers:
    """What a participant gave; the fields a survey does not ask stay empty."""

    overall: int | None = None
    relevance: int | None = None
    recommend: str | None = None
    change: str = ""
    confidence: dict[str, int] = field(default_factory=dict)


class AlreadyAnswered(Exception):
    """The enrolment has answered or declined this survey before."""


def has_answered(session: Session, enrolment: Enrolment, survey: Survey) -> bool:
    return (
        session.get(EvaluationMarker, {"enrolment_id": enrolment.id, "survey": survey.key})
        is not None
    )


def answer(
    session: Session,
    enrolment: Enrolment,
    course: Course,
    survey: Survey,
    answers: Answers,
    *,
    today: date,
) -> None:
    """Store the answer without the person, and the marker without the answer, in this
    transaction. Raises ``AlreadyAnswered`` (writing nothing) on a second answer."""
    _mark(session, enrolment, survey, declined=False)
    parts = {part.slug for part in course.parts}
    session.add(
        EvaluationAnswer(
            cohort_id=enrolment.cohort_id,
            survey=survey.key,
            role=enrolment.role,
            answered_month=today.replace(day=1),
            overall=_rating(answers.overall) if survey.asks_ratings else None,
            relevance=_rating(answers.relevance) if survey.asks_ratings else None,
            recommend=answers.recommend
            if survey.asks_ratings and answers.recommend in RECOMMEND
            else None,
            change=answers.change[:CHANGE_MAX] if survey.asks_ratings else "",
            confidence={
                slug: level
                for slug, level in answers.confidence.items()
                if slug in parts and level in RATINGS
            }
            if survey.asks_confidence
            else {},
        )
    )
    session.flush()


def decline(session: Session, enrolment: Enrolment, survey: Survey) -> None:
    """Skip the survey: it is not offered again (and "before" cannot be answered later,
    when it would no longer be before). Raises ``AlreadyAnswered`` when already done."""
    _mark(session, enrolment, survey, declined=True)


def _mark(session: Session, enrolment: Enrolment, survey: Survey, *, declined: bool) -> None:
    if has_answered(session, enrolment, survey):
        raise AlreadyAnswered
    try:
        with session.begin_nested():
            session.add(
                EvaluationMarker(enrolment_id=enrolment.id, survey=survey.key, declined=declined)
            )
    except IntegrityError as error:  # a second request at the same moment
        raise AlreadyAnswered from error


def _rating(value: int | None) -> int | None:
    return value if value in RATINGS else None
