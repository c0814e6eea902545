"""Immutable course content: what ``loader.load_courses`` builds from the files in ``courses/``.

Every object is a frozen dataclass; collections are tuples and ``MappingProxyType``, so
the catalog can be shared by every request and thread of a process without copies.
Translated text is a mapping from language code (``en``, ``sv``, ``nb``) to text;
``*_html`` values are Markdown already rendered (raw HTML escaped) and safe to output.
"""

from __future__ import annotations

import random
from collections.abc import Iterator, Mapping
from dataclasses import dataclass, field
from types import MappingProxyType
from typing import Any, ClassVar, Literal

ROLES: tuple[str, ...] = ("official", "politician", "property_owner", "trader", "police", "other")
QUIZ_KINDS: tuple[str, ...] = ("scenario", "recall")
FIELD_TYPES: tuple[str, ...] = ("text", "textarea", "choice", "repeat")
DEFAULT_PASS_MARK = 80

QuizKind = Literal["scenario", "recall"]
FieldType = Literal["text", "textarea", "choice", "repeat"]
Translated = Mapping[str, str]


@dataclass(frozen=True, slots=True)
class Choice:
    """One answer of a quiz item, with the feedback shown once it is chosen."""

    slug: str
    correct: bool
    text: Translated
    feedback: Translated


@dataclass(frozen=True, slots=True)
class QuizItem:
    """A question; ``source`` names the course facts or document the answer rests on."""

    slug: str
    kind: QuizKind
    source: str
    question: Translated
    choices: tuple[Choice, ...]
    # Markdown shown above the question (a data table, a diagram of the part), as HTML per
    # language; empty when the item has none.
    context_html: Translated = field(default_factory=lambda: MappingProxyType({}))

    @property
    def correct_slugs(self) -> frozenset[str]:
        return frozenset(choice.slug for choice in self.choices if choice.correct)

    def choice(self, slug: str) -> Choice | None:
        return next((choice for choice in self.choices if choice.slug == slug), None)


@dataclass(frozen=True, slots=True)
class Quiz:
    """The quiz of a part; ``pass_mark`` is the percentage of items needed to pass.

    ``items`` is the pool. With ``per_attempt`` set, each attempt asks that many of them,
    drawn by ``draw`` from the attempt's seed, so that a retry is not the same test.
    """

    pass_mark: int
    items: tuple[QuizItem, ...]
    per_attempt: int | None = None

    def item(self, slug: str) -> QuizItem | None:
        return next((item for item in self.items if item.slug == slug), None)

    @property
    def attempt_size(self) -> int:
        """How many items one attempt asks (and so its maximum score)."""
        return self.per_attempt or len(self.items)

    def draw(self, seed: str) -> tuple[QuizItem, ...]:
        """The items of one attempt, in the pool's order: the same for the same seed (a
        re-shown or re-submitted form), another sample for another attempt."""
        if self.per_attempt is None or self.per_attempt >= len(self.items):
            return self.items
        rng = random.Random(f"draw:{seed}")  # noqa: S311 - a sample of questions, not a secret
        chosen = sorted(rng.sample(range(len(self.items)), self.per_attempt))
        return tuple(self.items[index] for index in chosen)


@dataclass(frozen=True, slots=True)
class FieldChoice:
    """One option of a ``choice`` field of an assignment."""

    slug: str
    label: Translated


@dataclass(frozen=True, slots=True)
class AssignmentField:
    """A field of an assignment form.

    ``min_length``/``max_length`` apply to ``text`` and ``textarea`` (None otherwise),
    ``choices`` to ``choice``, and ``fields``/``min_items``/``max_items`` to ``repeat``, a
    group of sub-fields the learner fills in several times (e.g. findings of a safety walk).
    """

    slug: str
    type: FieldType
    label: Translated
    help: Translated
    required: bool
    min_length: int | None = None
    max_length: int | None = None
    choices: tuple[FieldChoice, ...] = ()
    fields: tuple[AssignmentField, ...] = ()
    min_items: int | None = None
    max_items: int | None = None


@dataclass(frozen=True, slots=True)
class Assignment:
    """The practical task of a part, handed in through a form built from ``fields``."""

    slug: str
    title: Translated
    instructions_html: Translated
    fields: tuple[AssignmentField, ...]


@dataclass(frozen=True, slots=True)
class CheckChoice:
    """One answer of a lesson's check, with the feedback the learner opens."""

    text: str
    correct: bool
    feedback: str


@dataclass(frozen=True, slots=True)
class LessonCheck:
    """A short question inside a lesson for the learner to test themselves: not graded,
    not recorded. Written as a ``::: check`` block of YAML in the lesson's Markdown."""

    question: str
    choices: tuple[CheckChoice, ...]


@dataclass(frozen=True, slots=True)
class Lesson:
    """A lesson: one Markdown file per language, rendered to HTML at load time.

    ``role_notes`` maps language -> role -> HTML of the ``::: role ...`` sections, which are
    taken out of ``body_html`` so that each learner sees the notes for their own role.
    """

    slug: str
    part_slug: str
    title: Translated
    minutes: int
    objectives: Mapping[str, tuple[str, ...]]
    body_html: Translated
    role_notes: Mapping[str, Mapping[str, str]]
    # Per language: the body in order as (HTML, check or None) pairs; the checks of a
    # lesson sit between its Markdown sections. ``body_html`` is the HTML without them.
    body_parts: Mapping[str, tuple[tuple[str, LessonCheck | None], ...]] = field(
        default_factory=lambda: MappingProxyType({})
    )
    # Per language: the public documents the lesson rests on.
    sources: Mapping[str, tuple[str, ...]] = field(default_factory=lambda: MappingProxyType({}))

    def notes_for(self, language: str, role: str) -> str | None:
        return self.role_notes.get(language, {}).get(role)


@dataclass(frozen=True, slots=True)
class Image:
    """A diagram of a part: ``<part>/images/<name>.svg``, checked safe to serve as it is.

    ``sha256`` (hex) suits an ``ETag``; serve ``data`` with ``media_type``.
    """

    media_type: ClassVar[str] = "image/svg+xml"

    name: str
    data: bytes = field(repr=False)
    sha256: str

    @property
    def file_name(self) -> str:
        return f"{self.name}.svg"


@dataclass(frozen=True, slots=True)
class RunStep:
    """One step of a session's run sheet: what happens, and for how many minutes."""

    minutes: int
    text: Translated


@dataclass(frozen=True, slots=True)
class Exercise:
    """The exercise a session does together: a title and Markdown instructions."""

    title: Translated
    instructions_html: Translated


@dataclass(frozen=True, slots=True)
class FacilitatorNotes:
    """Notes for whoever leads a session on a part, shown to organizers only.

    ``minutes`` is the session's length, which the run sheet's steps add up to;
    ``questions`` are plain text, ``bring_html`` and the exercise's instructions Markdown.
    """

    minutes: int
    questions: tuple[Translated, ...]
    run_sheet: tuple[RunStep, ...]
    exercise: Exercise
    bring_html: Translated


@dataclass(frozen=True, slots=True)
class Part:
    """A part of a course: lessons in order, then an optional quiz and assignment.

    ``facilitator`` holds the notes for leading a session on the part, if the part has
    them. ``images`` maps the name of each diagram (the file name without ``.svg``) to the image.
    """

    slug: str
    title: Translated
    summary: Translated
    lessons: tuple[Lesson, ...]
    quiz: Quiz | None
    assignment: Assignment | None
    images: Mapping[str, Image] = field(default_factory=lambda: MappingProxyType({}))
    facilitator: FacilitatorNotes | None = None

    def lesson(self, slug: str) -> Lesson | None:
        return next((lesson for lesson in self.lessons if lesson.slug == slug), None)

    def image(self, name: str) -> Image | None:
        return self.images.get(name)


@dataclass(frozen=True, slots=True)
class Course:
    """A course; ``content_version`` changes whenever any of its files changes."""

    slug: str
    version: str | None
    title: Translated
    summary: Translated
    parts: tuple[Part, ...]
    content_version: str

    def part(self, slug: str) -> Part | None:
        return next((part for part in self.parts if part.slug == slug), None)

    def lesson(self, part_slug: str, lesson_slug: str) -> Lesson | None:
        part = self.part(part_slug)
        return part.lesson(lesson_slug) if part else None

    def lessons(self) -> Iterator[Lesson]:
        for part in self.parts:
            yield from part.lessons


@dataclass(frozen=True, slots=True)
class Catalog:
    """Every course of an installation, by slug (in slug order)."""

    courses: Mapping[str, Course]

    def get(self, slug: str) -> Course | None:
        return self.courses.get(slug)

    def __iter__(self) -> Iterator[Course]:
        return iter(self.courses.values())

    def __len__(self) -> int:
        return len(self.courses)

    def count_parts(self) -> int:
        return sum(len(course.parts) for course in self)

    def count_lessons(self) -> int:
        return sum(len(part.lessons) for course in self for part in course.parts)

    def count_quiz_items(self) -> int:
        return sum(len(part.quiz.items) for course in self for part in course.parts if part.quiz)


def readonly(mapping: Mapping[str, Any]) -> MappingProxyType[str, Any]:
    """A read-only copy of ``mapping``, for the translated texts of the frozen objects."""
    return MappingProxyType(dict(mapping))
