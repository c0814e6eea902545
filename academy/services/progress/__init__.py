"""A participant's progress through a course: lessons read, quizzes taken, assignments
written, and the completion they add up to.

Completion is recorded in the same transaction as the step that finishes it, and so is
each part's ``PartState`` (what the cohort report reads). Code that must act when a course
is completed (the certificate) registers with ``on_course_completed`` and runs inside
that transaction.

- ``reading``: the steps recorded, where an enrolment stands, what comes next;
- ``steps``: recording lessons, quizzes and assignments, and reviewing assignments;
- ``completing``: recording the completion of parts and of the course.
"""

from .completing import CompletionHook, on_course_completed, recheck_completions, update_completion
from .reading import (
    NextStep,
    PartProgress,
    Progress,
    attended,
    lesson_is_done,
    load_progress,
    next_step,
    part_is_complete,
    part_steps,
    standing,
)
from .steps import (
    ProgressError,
    QuizResult,
    ReturnNeedsConfirmation,
    complete_lesson,
    get_submission,
    review_assignment,
    save_assignment,
    shuffled_choices,
    submit_quiz,
)

__all__ = [
    "CompletionHook",
    "NextStep",
    "PartProgress",
    "Progress",
    "ProgressError",
    "QuizResult",
    "ReturnNeedsConfirmation",
    "attended",
    "complete_lesson",
    "get_submission",
    "lesson_is_done",
    "load_progress",
    "next_step",
    "on_course_completed",
    "part_is_complete",
    "part_steps",
    "recheck_completions",
    "review_assignment",
    "save_assignment",
    "shuffled_choices",
    "standing",
    "submit_quiz",
    "update_completion",
]
