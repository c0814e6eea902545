"""A part's quiz, built from ``quiz.yaml``: its items, their choices and the pass mark."""

from __future__ import annotations

from typing import cast

from .checks import Section, check_unique
from .course_files import CourseFiles
from .model import DEFAULT_PASS_MARK, QUIZ_KINDS, Choice, Quiz, QuizItem, QuizKind, readonly
from .rendering import MarkdownRenderer
from .yamlsource import LineDict

# A pool smaller than this many items over the drawn ones would make every retry nearly
# the same test; the loader says so rather than drawing 12 of 13.
MIN_SPARE_ITEMS = 1


class QuizBuilder:
    """Builds the quizzes of one course's parts, reporting every problem."""

    def __init__(self, files: CourseFiles, markdown: MarkdownRenderer) -> None:
        self.files = files
        self.markdown = markdown

    def load_quiz(self, part: str, part_pass_mark: int | None, pass_mark_line: int) -> Quiz | None:
        relative = f"{part}/quiz.yaml"
        if relative not in self.files:
            if part_pass_mark is not None:
                self.files.problem(
                    f"{part}/part.yaml",
                    pass_mark_line,
                    "pass_mark is set but there is no quiz.yaml",
                )
            return None
        data = self.files.read_yaml(relative)
        if data is None:
            return None
        s = self.files.section(
            relative, data, 1, required=("items",), optional=("pass_mark", "per_attempt")
        )
        pass_mark = s.integer("pass_mark", DEFAULT_PASS_MARK, 1, 100)
        if part_pass_mark is not None:
            if s.has("pass_mark"):
                s.problem(s.line("pass_mark"), "pass_mark is also set in part.yaml; keep one")
            pass_mark = part_pass_mark
        items: list[QuizItem] = []
        slugs: list[tuple[str, int]] = []
        for data_item, line in s.items("items", what="quiz items"):
            item = self.load_quiz_item(part, relative, data_item, line)
            if item.slug:
                slugs.append((item.slug, line))
            items.append(item)
        check_unique(self.files.report, self.files.path(relative), slugs, "quiz item")
        return Quiz(
            pass_mark=pass_mark, items=tuple(items), per_attempt=self.per_attempt(s, len(items))
        )

    def per_attempt(self, s: Section, pool: int) -> int | None:
        """How many items one attempt draws from the pool; None asks them all."""
        if not s.has("per_attempt"):
            return None
        value = s.integer("per_attempt", 0, 1, 500)
        if value and value + MIN_SPARE_ITEMS > pool:
            s.problem(
                s.line("per_attempt"),
                f"per_attempt is {value} but the quiz has {pool} items; an attempt draws "
                f"from a pool, so add items or ask fewer (at most {pool - MIN_SPARE_ITEMS})",
            )
            return None
        return value or None

    def load_quiz_item(self, part: str, relative: str, data: object, line: int) -> QuizItem:
        s = self.files.section(
            relative,
            data,
            line,
            required=("slug", "kind", "source", "question", "choices"),
            optional=("context",),
            what="a quiz item",
        )
        slug = s.slug()
        kind = s.text("kind")
        if kind and kind not in QUIZ_KINDS:
            s.problem(s.line("kind"), f"kind must be one of {', '.join(QUIZ_KINDS)}, not {kind!r}")
        source = s.text("source")
        question = s.translated("question")
        entries = s.items("choices", what="choices")
        choices = [
            self.load_choice(relative, choice, choice_line) for choice, choice_line in entries
        ]
        check_unique(
            self.files.report,
            self.files.path(relative),
            [
                (choice.slug, entry[1])
                for choice, entry in zip(choices, entries, strict=True)
                if choice.slug
            ],
            "choice",
        )
        if entries and len(entries) < 3:
            s.problem(
                s.line("choices"), f"quiz item has {len(entries)} choices; at least 3 are needed"
            )
        if entries and not any(choice.correct for choice in choices):
            s.problem(s.line("choices"), "quiz item has no correct choice (correct: true)")
        return QuizItem(
            slug=slug,
            kind=cast(QuizKind, kind),
            source=source,
            question=question,
            choices=tuple(choices),
            context_html=self.context_html(part, relative, s),
        )

    def context_html(self, part: str, relative: str, s: Section):
        """The item's ``context`` (a table, a diagram of the part) rendered per language."""
        texts = s.translated("context")
        lines = s.raw("context")
        return readonly(
            {
                language: self.markdown.render(
                    part,
                    relative,
                    text,
                    lines.text_line(language) if isinstance(lines, LineDict) else s.line(),
                )
                for language, text in texts.items()
            }
        )

    def load_choice(self, relative: str, data: object, line: int) -> Choice:
        s = self.files.section(
            relative,
            data,
            line,
            required=("slug", "text", "feedback"),
            optional=("correct",),
            what="a choice",
        )
        return Choice(
            slug=s.slug(),
            correct=s.boolean("correct", False),
            text=s.translated("text"),
            feedback=s.translated("feedback"),
        )
