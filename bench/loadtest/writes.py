"""Lost writes: every step a simulated person was told succeeded, looked up in the database.

A step counts as told when its answer was the success the browser would show (the
redirect after the POST, to where it should lead). A step answered otherwise (503, a cut
connection) was not told and is not counted, whether or not it reached the database.
"""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass, field
from typing import Any

from sqlalchemy import select, tuple_
from sqlalchemy.orm import Session

from academy.db import make_engine
from academy.models import (
    AssignmentSubmission,
    Enrolment,
    LessonProgress,
    QuizAttempt,
    User,
    normalize_email,
)
from bench.loadtest.journal import DRAFT_MARKER

# The order of the table.
STEPS = ("lesson", "quiz", "draft", "import")
LABELS = {
    "lesson": "lesson marked done",
    "quiz": "quiz answered",
    "draft": "assignment draft saved",
    "import": "participant imported",
}
# Statements stay well within PostgreSQL's 65,535 parameters.
CHUNK = 5_000


@dataclass
class StepCheck:
    step: str
    # Writes told (an import of five people counts five), and how many of them the
    # database holds.
    told: int = 0
    found: int = 0
    # A few of those it does not hold, to start looking from.
    missing: list[str] = field(default_factory=list)

    @property
    def lost(self) -> int:
        return self.told - self.found


def check(url: str, writes: list[dict[str, Any]]) -> list[StepCheck]:
    """Each kind of step told succeeded (``writes``: the journal's write lines) with how
    many of them are in the database at ``url``."""
    engine = make_engine(url)
    try:
        with Session(engine) as session:
            return check_in(session, writes)
    finally:
        engine.dispose()


def check_in(session: Session, writes: list[dict[str, Any]]) -> list[StepCheck]:
    by_step: dict[str, list[dict[str, Any]]] = defaultdict(list)
    for write in writes:
        by_step[write["step"]].append(write)
    return [CHECKS[step](session, by_step.get(step, [])) for step in STEPS]


def _chunks(items: list, size: int = CHUNK):
    for start in range(0, len(items), size):
        yield items[start : start + size]


def _lessons(session: Session, writes: list[dict[str, Any]]) -> StepCheck:
    told = {(w["enrolment"], w["part"], w["lesson"]) for w in writes}
    found: set[tuple[int, str, str]] = set()
    key = tuple_(LessonProgress.enrolment_id, LessonProgress.part_slug, LessonProgress.lesson_slug)
    for chunk in _chunks(sorted(told)):
        found.update(
            tuple(row)
            for row in session.execute(
                select(
                    LessonProgress.enrolment_id,
                    LessonProgress.part_slug,
                    LessonProgress.lesson_slug,
                ).where(key.in_(chunk))
            )
        )
    missing = sorted(told - found)
    return StepCheck(
        "lesson",
        told=len(told),
        found=len(told & found),
        missing=[f"enrolment {e}, {part}/{lesson}" for e, part, lesson in missing[:5]],
    )


def _quizzes(session: Session, writes: list[dict[str, Any]]) -> StepCheck:
    told = {w["attempt"]: (w["enrolment"], w["part"]) for w in writes}
    found: dict[int, tuple[int, str]] = {}
    for chunk in _chunks(sorted(attempt for attempt in told if attempt is not None)):
        rows = session.execute(
            select(QuizAttempt.id, QuizAttempt.enrolment_id, QuizAttempt.part_slug).where(
                QuizAttempt.id.in_(chunk)
            )
        )
        found.update({attempt: (enrolment, part) for attempt, enrolment, part in rows})
    # The attempt must be there, and be that person's attempt at that quiz.
    held = [attempt for attempt, owner in told.items() if found.get(attempt) == owner]
    missing = sorted(set(told) - set(held), key=lambda attempt: attempt or 0)
    return StepCheck(
        "quiz",
        told=len(told),
        found=len(held),
        missing=[f"attempt {attempt} of enrolment {told[attempt][0]}" for attempt in missing[:5]],
    )


def _drafts(session: Session, writes: list[dict[str, Any]]) -> StepCheck:
    """Drafts overwrite each other: of each assignment, the database must hold the last
    draft its author was told was saved, or a later one (saved, but its answer lost in a
    disruption). Every draft told is counted, and all of an assignment's count as found
    when its last does."""
    last: dict[tuple[int, str], int] = {}
    told: dict[tuple[int, str], int] = defaultdict(int)
    for write in writes:
        key = (write["enrolment"], write["part"])
        last[key] = max(last.get(key, 0), write["number"])
        told[key] += 1
    stored: dict[tuple[int, str], int] = {}
    key_column = tuple_(AssignmentSubmission.enrolment_id, AssignmentSubmission.part_slug)
    for chunk in _chunks(sorted(last)):
        rows = session.execute(
            select(
                AssignmentSubmission.enrolment_id,
                AssignmentSubmission.part_slug,
                AssignmentSubmission.answers,
            ).where(key_column.in_(chunk))
        )
        for enrolment, part, answers in rows:
            numbers = [
                int(number)
                for number, marked in DRAFT_MARKER.findall(str(answers))
                if int(marked) == enrolment
            ]
            stored[(enrolment, part)] = max(numbers, default=0)
    kept = [key for key, number in last.items() if stored.get(key, 0) >= number]
    missing = sorted(set(last) - set(kept))
    return StepCheck(
        "draft",
        told=sum(told.values()),
        found=sum(told[key] for key in kept),
        missing=[
            f"enrolment {e}, {part}: draft {last[(e, part)]} told, "
            f"{stored.get((e, part)) or 'none'} stored"
            for e, part in missing[:5]
        ],
    )


def _imports(session: Session, writes: list[dict[str, Any]]) -> StepCheck:
    told = {(w["cohort"], normalize_email(email)) for w in writes for email in w["emails"]}
    found: set[tuple[int, str]] = set()
    for chunk in _chunks(sorted(told)):
        found.update(
            tuple(row)
            for row in session.execute(
                select(Enrolment.cohort_id, User.email_normalized)
                .join(User, User.id == Enrolment.user_id)
                .where(tuple_(Enrolment.cohort_id, User.email_normalized).in_(chunk))
            )
        )
    missing = sorted(told - found)
    return StepCheck(
        "import",
        told=len(told),
        found=len(told & found),
        missing=[f"{email} in round {cohort}" for cohort, email in missing[:5]],
    )


CHECKS = {"lesson": _lessons, "quiz": _quizzes, "draft": _drafts, "import": _imports}
