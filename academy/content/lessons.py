"""Lessons and diagrams of a part, built from ``lessons/<slug>.<language>.md`` and
``images/<name>.svg``; the language versions of a lesson are checked against each other."""

from __future__ import annotations

import hashlib
import re
from collections.abc import Mapping
from dataclasses import dataclass
from types import MappingProxyType
from typing import cast

from .checks import slug_problem
from .course_files import CourseFiles
from .markdown import split_front_matter, split_role_notes
from .model import ROLES, Image, Lesson, readonly
from .rendering import MarkdownRenderer
from .svg import svg_problems
from .yamlsource import YamlSyntaxError, parse_yaml

LESSON_FILE = re.compile(r"(?P<slug>[^.]+)\.(?P<language>[^.]+)\.md\Z")
MAX_MINUTES = 600


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
            what="the front matter",
        )
        objectives = []
        for objective, line in s.items("objectives", what="learning objectives"):
            if isinstance(objective, str) and objective.strip():
                objectives.append(objective.strip())
            else:
                s.problem(line, "each objective must be non-empty text")
        body_html, notes = self.render_body(part, relative, split.body, split.body_first_line)
        return LessonFile(
            file=relative,
            title=s.text("title"),
            minutes=s.integer("minutes", 0, 1, MAX_MINUTES),
            minutes_line=s.line("minutes"),
            objectives=tuple(objectives),
            objectives_line=s.line("objectives"),
            body_html=body_html,
            notes=notes,
        )

    def render_body(
        self, part: str, relative: str, body: str, first_line: int
    ) -> tuple[str, Mapping[str, tuple[str, int]]]:
        """The body and role notes as HTML; problems of the ``::: role`` blocks are reported."""
        split = split_role_notes(body, first_line)
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
        return self.markdown.render(part, relative, split.body, first_line), notes

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
