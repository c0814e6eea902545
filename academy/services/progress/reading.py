"""Reading a participant's progress: the steps recorded, where they stand, what comes next."""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable
from dataclasses import dataclass, field

from sqlalchemy import (
    CompoundSelect,
    Integer,
    String,
    bindparam,
    cast,
    func,
    literal_column,
    null,
    select,
    union_all,
)
from sqlalchemy.orm import Session

from ...content import Course, Part
from ...models import (
    AssignmentSubmission,
    Enrolment,
    LessonProgress,
    PartState,
    QuizAttempt,
    SubmissionStatus,
)
from .. import completion


@dataclass
class PartProgress:
    lessons_done: set[str] = field(default_factory=set)
    best_score: int | None = None
    max_score: int | None = None
    quiz_passed: bool = False
    attempts: int = 0
    submission_status: SubmissionStatus | None = None
    reviewer_comment: str = ""
    completed: bool = False

    @property
    def started(self) -> bool:
        """Whether any step of the part is recorded."""
        return bool(self.lessons_done or self.attempts or self.submission_status or self.completed)

    def lessons_read(self, part: Part) -> int:
        """How many of the part's lessons, as the course has them now, are read (a lesson
        since removed from the course does not count)."""
        return sum(lesson.slug in self.lessons_done for lesson in part.lessons)

    @property
    def assignment_handed_in(self) -> bool:
        """Whether the assignment is submitted or approved: the participant's step is done,
        whether or not the round waits for approval."""
        return self.submission_status in (SubmissionStatus.SUBMITTED, SubmissionStatus.APPROVED)


@dataclass
class Progress:
    """Everything the pages need about one enrolment, loaded in a fixed number of queries."""

    parts: dict[str, PartProgress] = field(default_factory=lambda: defaultdict(PartProgress))
    sessions_attended: int = 0

    def part(self, slug: str) -> PartProgress:
        return self.parts[slug]

    @property
    def any_returned(self) -> bool:
        """Whether an organizer returned an assignment of any part for revision."""
        return any(
            state.submission_status == SubmissionStatus.RETURNED for state in self.parts.values()
        )


def load_progress(session: Session, enrolment_ids: Iterable[int]) -> dict[int, Progress]:
    """Progress for many enrolments: one statement whatever their number."""
    ids = list(enrolment_ids)
    result: dict[int, Progress] = {enrolment_id: Progress() for enrolment_id in ids}
    if not ids:
        return result
    # Columns read on the connection, past the ORM's handling of a statement (a third of
    # its cost here); the flush first, as the ORM's own execute would, so that a step
    # just recorded in this transaction counts.
    session.flush()
    rows = session.connection().execute(_PROGRESS_BY_IDS, {"ids": ids})
    for kind, enrolment_id, part, text, best, maximum, passed, attempts, comment in rows:
        progress = result[enrolment_id].part(part)
        if kind == _LESSON:
            progress.lessons_done.add(text)
        elif kind == _QUIZ:
            progress.best_score, progress.max_score = best, maximum
            progress.quiz_passed, progress.attempts = bool(passed), attempts
        elif kind == _ASSIGNMENT:
            progress.submission_status = SubmissionStatus(text)
            progress.reviewer_comment = comment
        else:
            progress.completed = True
    return result


# The kinds of row of _PROGRESS_BY_IDS.
_LESSON, _QUIZ, _ASSIGNMENT, _COMPLETED = 1, 2, 3, 4


def _progress_by_ids() -> CompoundSelect:
    """Lessons read, quiz attempts per part, assignments and completed parts of the
    enrolments in the expanding parameter ``ids``, as one UNION ALL: every page of a
    course reads them all, and one round trip costs less than four. Each row is (kind,
    enrolment id, part, lesson slug or assignment status, best score, maximum score,
    passed, attempts, reviewer comment), the columns a kind has no use for NULL."""
    ids = bindparam("ids", expanding=True)
    no_text = cast(null(), String)
    no_number = cast(null(), Integer)
    return union_all(
        select(
            literal_column(str(_LESSON), Integer),
            LessonProgress.enrolment_id,
            LessonProgress.part_slug,
            LessonProgress.lesson_slug,
            no_number,
            no_number,
            no_number,
            no_number,
            no_text,
        ).where(LessonProgress.enrolment_id.in_(ids)),
        select(
            literal_column(str(_QUIZ), Integer),
            QuizAttempt.enrolment_id,
            QuizAttempt.part_slug,
            no_text,
            func.max(QuizAttempt.score),
            func.max(QuizAttempt.max_score),
            func.max(QuizAttempt.passed.cast(Integer)),
            func.count(),
            no_text,
        )
        .where(QuizAttempt.enrolment_id.in_(ids))
        .group_by(QuizAttempt.enrolment_id, QuizAttempt.part_slug),
        # Columns, not objects: the answers themselves (JSON, often long) are not needed here.
        select(
            literal_column(str(_ASSIGNMENT), Integer),
            AssignmentSubmission.enrolment_id,
            AssignmentSubmission.part_slug,
            cast(AssignmentSubmission.status, String),
            no_number,
            no_number,
            no_number,
            no_number,
            AssignmentSubmission.reviewer_comment,
        ).where(AssignmentSubmission.enrolment_id.in_(ids)),
        select(
            literal_column(str(_COMPLETED), Integer),
            PartState.enrolment_id,
            PartState.part_slug,
            no_text,
            no_number,
            no_number,
            no_number,
            no_number,
            no_text,
        ).where(PartState.enrolment_id.in_(ids), PartState.completed_at.is_not(None)),
    )


# Built once: constructing the statement (coercing every column and clause) cost several
# times more than running it on the participant's pages. The list of ids is an expanding
# parameter, so one compiled form serves any number of enrolments.
_PROGRESS_BY_IDS = _progress_by_ids()


def lesson_is_done(session: Session, enrolment_id: int, part_slug: str, lesson_slug: str) -> bool:
    return (
        session.scalar(
            select(LessonProgress.id).where(
                LessonProgress.enrolment_id == enrolment_id,
                LessonProgress.part_slug == part_slug,
                LessonProgress.lesson_slug == lesson_slug,
            )
        )
        is not None
    )


def part_steps(part: Part, progress: PartProgress) -> tuple[int, int]:
    """(steps done, steps in all) of a part: its lessons, its quiz and its assignment."""
    done = progress.lessons_read(part)
    total = len(part.lessons)
    if part.quiz is not None:
        total += 1
        done += progress.quiz_passed
    if part.assignment is not None:
        total += 1
        done += progress.assignment_handed_in
    return done, total


def standing(
    course: Course, enrolment: Enrolment, progress: Progress, sessions_attended: int
) -> completion.Standing:
    """Where the enrolment stands towards completion (``services.completion``)."""
    needs_approval = enrolment.cohort.assignments_need_approval
    parts = {}
    for part in course.parts:
        state = progress.part(part.slug)
        parts[part.slug] = completion.part_standing(
            part,
            completed=state.completed,
            lessons_read=state.lessons_read(part),
            quiz_passed=state.quiz_passed,
            assignment_status=state.submission_status,
            needs_approval=needs_approval,
        )
    return completion.standing(
        course, completion.Rules.of(enrolment.cohort), enrolment.status, parts, sessions_attended
    )


def part_is_complete(part: Part, progress: PartProgress, needs_approval: bool) -> bool:
    lessons = all(lesson.slug in progress.lessons_done for lesson in part.lessons)
    quiz = part.quiz is None or progress.quiz_passed
    accepted = (
        {SubmissionStatus.APPROVED}
        if needs_approval
        else {SubmissionStatus.SUBMITTED, SubmissionStatus.APPROVED}
    )
    assignment = part.assignment is None or progress.submission_status in accepted
    return lessons and quiz and assignment


def attended(session: Session, enrolment: Enrolment) -> int:
    """Live sessions of its own round the enrolment attended."""
    return completion.sessions_attended(session, [enrolment.id])[enrolment.id]


@dataclass(frozen=True)
class NextStep:
    kind: str  # "lesson", "quiz", "assignment" or "done"
    part: Part | None = None
    lesson_slug: str | None = None
    lesson_number: int | None = None


def next_step(course: Course, progress: Progress) -> NextStep:
    """The first unfinished step of the course, in order."""
    for part in course.parts:
        state = progress.part(part.slug)
        for number, lesson in enumerate(part.lessons, start=1):
            if lesson.slug not in state.lessons_done:
                return NextStep("lesson", part, lesson.slug, number)
        if part.quiz is not None and not state.quiz_passed:
            return NextStep("quiz", part)
        if part.assignment is not None and not state.assignment_handed_in:
            return NextStep("assignment", part)
    return NextStep("done")
