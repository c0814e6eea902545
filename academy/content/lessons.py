"""Lessons and diagrams of a part, built from ``lessons/<slug>.<language>.md`` and
``images/<name>.svg``; the language versions of a lesson are checked against each other."""

from __future__ import annotations

import hashlib
import re
from collections.abc import Mapping
from dataclasses import dataclass
from types import MappingProxyType
from typing import cast

from .checks import Section, slug_problem
from .course_files import CourseFiles
from .markdown import CheckBlock, SplitBody, split_blocks, split_front_matter
from .model import ROLES, CheckChoice, Image, Lesson, LessonCheck, readonly
from .rendering import MarkdownRenderer
from .svg import svg_problems
from .yamlsource import YamlSyntaxError, parse_yaml

LESSON_FILE = re.compile(r"(?P<slug>[^.]+)\.(?P<language>[^.]+)\.md\Z")
MAX_MINUTES = 600
MIN_CHECK_CHOICES, MAX_CHECK_CHOICES = 3, 6


@dataclass(frozen=True, slots=True)
class LessonFile:
    """One language version of a lesson, before the versions are checked against each other."""

    file: str
    title: str
    minutes: int
    minutes_line: int
    objectives: tuple[str, ...]
    objectives_line: int
    body_html: str
    notes: Mapping[str, tuple[str, int]]
    # (HTML, check) pairs in order; each check with the line of its ``::: check``.
    parts: tuple[tuple[str, LessonCheck | None], ...]
    check_lines: tuple[int, ...]
    sources: tuple[str, ...]


class LessonBuilder:
    """Builds the lessons and diagrams of one course's parts, reporting every problem."""

    def __init__(self, files: CourseFiles, markdown: MarkdownRenderer) -> None:
        self.files = files
        self.markdown = markdown

    def lesson_path(self, part: str, slug: str, language: str) -> str:
        return f"{part}/lessons/{slug}.{language}.md"

    def load_lesson(self, part: str, slug: str, line: int) -> Lesson | None:
        part_file = f"{part}/part.yaml"
        missing = [
            language
            for language in self.files.languages
            if self.lesson_path(part, slug, language) not in self.files
        ]
        if len(missing) == len(self.files.languages):
            self.files.problem(
                part_file,
                line,
                f"lesson {slug!r} is listed but has no files ({part}/lessons/{slug}.<language>.md)",
            )
            return None
        for language in missing:
            self.files.problem(
                part_file,
                line,
                f"lesson {slug!r} has no {language} file: lessons/{slug}.{language}.md",
            )
        versions = {
            language: self.load_lesson_file(part, self.lesson_path(part, slug, language))
            for language in self.files.languages
            if language not in missing
        }
        if missing or any(version is None for version in versions.values()):
            return None
        complete = cast(dict[str, LessonFile], versions)
        self.compare_translations(complete)
        reference = complete[self.files.languages[0]]
        return Lesson(
            slug=slug,
            part_slug=part,
            title=readonly({lang: version.title for lang, version in complete.items()}),
            minutes=reference.minutes,
            objectives=readonly({lang: version.objectives for lang, version in complete.items()}),
            body_html=readonly({lang: version.body_html for lang, version in complete.items()}),
            role_notes=readonly(
                {
                    lang: readonly({role: html for role, (html, _) in version.notes.items()})
                    for lang, version in complete.items()
                }
            ),
            body_parts=readonly({lang: version.parts for lang, version in complete.items()}),
            sources=readonly({lang: version.sources for lang, version in complete.items()}),
        )

    def load_lesson_file(self, part: str, relative: str) -> LessonFile | None:
        text = self.files.decode(relative)
        if text is None:
            return None
        split = split_front_matter(text)
        if split is None:
            self.files.problem(
                relative,
                1,
                "a lesson file starts with front matter: a '---' line, YAML with title, "
                "minutes and objectives, and another '---' line",
            )
            return None
        try:
            data = parse_yaml(split.yaml, split.yaml_first_line)
        except YamlSyntaxError as exc:
            self.files.problem(relative, exc.line, exc.message)
            return None
        s = self.files.section(
            relative,
            data,
            split.yaml_first_line,
            required=("title", "minutes", "objectives"),
            optional=("sources",),
            what="the front matter",
        )
        objectives = self.texts(s, "objectives", "learning objectives", "each objective")
        sources = self.texts(s, "sources", "public documents", "each source")
        body = split_blocks(split.body, split.body_first_line)
        notes = self.render_notes(part, relative, body)
        parts = self.render_parts(part, relative, body)
        return LessonFile(
            file=relative,
            title=s.text("title"),
            minutes=s.integer("minutes", 0, 1, MAX_MINUTES),
            minutes_line=s.line("minutes"),
            objectives=tuple(objectives),
            objectives_line=s.line("objectives"),
            body_html="".join(html for html, _check in parts),
            notes=notes,
            parts=parts,
            check_lines=tuple(check.line for check in body.checks),
            sources=tuple(sources),
        )

    def texts(self, s: Section, key: str, what: str, each: str) -> list[str]:
        """A front matter list of non-empty texts (objectives, sources)."""
        texts = []
        for text, line in s.items(key, what=what):
            if isinstance(text, str) and text.strip():
                texts.append(text.strip())
            else:
                s.problem(line, f"{each} must be non-empty text")
        return texts

    def render_parts(
        self, part: str, relative: str, split: SplitBody
    ) -> tuple[tuple[str, LessonCheck | None], ...]:
        """The body's Markdown sections as HTML, each followed by the check written after it."""
        checks: list[LessonCheck | None] = [self.load_check(relative, c) for c in split.checks]
        checks.append(None)
        return tuple(
            (self.markdown.render(part, relative, text, first_line), check)
            for (text, first_line), check in zip(split.sections, checks, strict=True)
        )

    def load_check(self, relative: str, block: CheckBlock) -> LessonCheck:
        """A ``::: check`` block: a question and 3 to 6 choices, at least one correct."""
        try:
            data = parse_yaml(block.text, block.line + 1)
        except YamlSyntaxError as exc:
            self.files.problem(relative, exc.line, exc.message)
            return LessonCheck("", ())
        s = self.files.section(
            relative, data, block.line, required=("question", "choices"), what="a check"
        )
        choices = []
        for entry, line in s.items("choices", what="choices"):
            c = self.files.section(
                relative,
                entry,
                line,
                required=("text", "feedback"),
                optional=("correct",),
                what="a choice",
            )
            choices.append(
                CheckChoice(c.text("text"), c.boolean("correct", False), c.text("feedback"))
            )
        if s.has("choices") and not MIN_CHECK_CHOICES <= len(choices) <= MAX_CHECK_CHOICES:
            s.problem(
                s.line("choices"),
                f"a check has {len(choices)} choices; give {MIN_CHECK_CHOICES} to "
                f"{MAX_CHECK_CHOICES}",
            )
        if choices and not any(choice.correct for choice in choices):
            s.problem(s.line("choices"), "a check has no correct choice (correct: true)")
        return LessonCheck(s.text("question"), tuple(choices))

    def render_notes(
        self, part: str, relative: str, split: SplitBody
    ) -> Mapping[str, tuple[str, int]]:
        """The role notes as HTML; problems of the body's blocks are reported."""
        for line, message in split.problems:
            self.files.problem(relative, line, message)
        notes: dict[str, tuple[str, int]] = {}
        for note in split.notes:
            if note.role not in ROLES:
                self.files.problem(
                    relative, note.line, f"unknown role {note.role!r} (roles: {', '.join(ROLES)})"
                )
            elif note.role in notes:
                self.files.problem(
                    relative,
                    note.line,
                    f"a second note for role {note.role!r} (first at line {notes[note.role][1]})",
                )
            else:
                html = self.markdown.render(part, relative, note.text, note.line + 1)
                notes[note.role] = (html, note.line)
        return notes

    def compare_translations(self, versions: Mapping[str, LessonFile]) -> None:
        """The language versions of a lesson must agree on minutes, objectives and notes."""
        reference_language = self.files.languages[0]
        reference = versions[reference_language]
        reference_name = reference.file.rsplit("/", 1)[-1]
        for language, version in versions.items():
            if language == reference_language:
                continue
            name = version.file.rsplit("/", 1)[-1]
            if version.minutes != reference.minutes:
                self.files.problem(
                    version.file,
                    version.minutes_line,
                    f"minutes is {version.minutes} here "
                    f"but {reference.minutes} in {reference_name}",
                )
            if len(version.objectives) != len(reference.objectives):
                self.files.problem(
                    version.file,
                    version.objectives_line,
                    f"{len(version.objectives)} objectives here but "
                    f"{len(reference.objectives)} in {reference_name}",
                )
            self.compare_checks(reference, version)
            for role, (_html, line) in reference.notes.items():
                if role not in version.notes:
                    self.files.problem(
                        reference.file, line, f"role note {role!r} is missing in {name}"
                    )
            for role, (_html, line) in version.notes.items():
                if role not in reference.notes:
                    self.files.problem(
                        version.file, line, f"role note {role!r} is missing in {reference_name}"
                    )

    def compare_checks(self, reference: LessonFile, version: LessonFile) -> None:
        """A translation asks the same checks: as many, with the right answers in the same
        places, so that a lesson teaches the same in every language."""
        reference_name = reference.file.rsplit("/", 1)[-1]
        ours = [check for _html, check in version.parts if check is not None]
        theirs = [check for _html, check in reference.parts if check is not None]
        if len(ours) != len(theirs):
            line = version.check_lines[0] if version.check_lines else 1
            self.files.problem(
                version.file,
                line,
                f"{len(ours)} checks here but {len(theirs)} in {reference_name}",
            )
            return
        for check, other, line in zip(ours, theirs, version.check_lines, strict=True):
            if [c.correct for c in check.choices] != [c.correct for c in other.choices]:
                self.files.problem(
                    version.file,
                    line,
                    f"this check's choices or right answers differ from {reference_name}",
                )

    def check_lesson_files(self, part: str, listed: set[str]) -> None:
        prefix = f"{part}/lessons/"
        for relative in self.files:
            if not relative.startswith(prefix) or "/" in relative[len(prefix) :]:
                continue
            match = LESSON_FILE.match(relative[len(prefix) :])
            if match is None:
                self.files.problem(
                    relative, 1, "lesson files are named <lesson-slug>.<language>.md"
                )
            elif match["language"] not in self.files.languages:
                self.files.problem(
                    relative,
                    1,
                    f"unknown language {match['language']!r} "
                    f"(languages: {', '.join(self.files.languages)})",
                )
            elif match["slug"] not in listed:
                self.files.problem(
                    relative, 1, f"lesson file not listed in {part}/part.yaml lessons"
                )

    def load_images(self, part: str) -> MappingProxyType[str, Image]:
        """The diagrams in ``<part>/images/``, each checked and used by the part's Markdown."""
        prefix = f"{part}/images/"
        images: dict[str, Image] = {}
        for relative, data in self.files.items():
            if not relative.startswith(prefix) or "/" in relative[len(prefix) :]:
                continue
            name = self.image_name(relative[len(prefix) :], relative)
            if name is None:
                continue
            problems = svg_problems(data)
            for line, message in problems:
                self.files.problem(relative, line, message)
            if relative not in self.markdown.used_images:
                self.files.problem(
                    relative, 1, f"diagram not used in any lesson or assignment of {part}"
                )
            if not problems:
                images[name] = Image(name, data, hashlib.sha256(data).hexdigest())
        return MappingProxyType(images)

    def image_name(self, file_name: str, relative: str) -> str | None:
        """The name of a diagram file (``<name>.svg``); None after reporting a bad name."""
        name, dot, extension = file_name.rpartition(".")
        if not dot or extension != "svg":
            self.files.problem(relative, 1, "images/ holds diagrams only: <name>.svg files")
            return None
        problem = slug_problem(name)
        if problem:
            self.files.problem(relative, 1, f"diagram file name: {problem}")
            return None
        return name
