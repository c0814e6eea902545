"""Read ``courses/`` into an immutable ``Catalog``, reporting every problem with file and line.

The layout and format are described in ``courses/README.md``. A course with any problem
is left out of the catalog; ``load_courses`` returns the problems so the CLI can print
them all and the app can refuse to serve half-checked content.
"""

from __future__ import annotations

import hashlib
import os
import re
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path
from types import MappingProxyType
from typing import Any, cast

from .checks import EMPTY, Problem, Report, Section, check_unique, slug_problem
from .markdown import (
    ImageHref,
    ImageRef,
    LessonHref,
    Link,
    image_href,
    lesson_href,
    make_markdown,
    parse_image_src,
    parse_link_target,
    render,
    split_front_matter,
    split_role_notes,
)
from .model import (
    DEFAULT_PASS_MARK,
    FIELD_TYPES,
    QUIZ_KINDS,
    ROLES,
    Assignment,
    AssignmentField,
    Catalog,
    Choice,
    Course,
    FieldChoice,
    FieldType,
    Image,
    Lesson,
    Part,
    Quiz,
    QuizItem,
    QuizKind,
)
from .svg import svg_problems
from .yamlsource import LineDict, YamlSyntaxError, parse_yaml

__all__ = ["content_version", "load_courses"]

PART_FILES = ("part.yaml", "quiz.yaml", "assignment.yaml")
LESSON_FILE = re.compile(r"(?P<slug>[^.]+)\.(?P<language>[^.]+)\.md\Z")
# A scheme (http:, data:, ...) or a network path (//host/...): anything fetched from elsewhere.
EXTERNAL_SRC = re.compile(r"[a-zA-Z][a-zA-Z0-9+.-]*:|//")
MAX_MINUTES = 600
# Defaults and ceilings for assignment answers: every stored field is bounded.
DEFAULT_MAX_LENGTH = {"text": 200, "textarea": 2000}
MAX_LENGTH_LIMIT = {"text": 1000, "textarea": 20000}
DEFAULT_MAX_ITEMS = 10
MAX_ITEMS_LIMIT = 50
FIELD_TYPE_KEYS: Mapping[str, tuple[str, ...]] = {
    "text": ("min_length", "max_length"),
    "textarea": ("min_length", "max_length"),
    "choice": ("choices",),
    "repeat": ("fields", "min_items", "max_items"),
}
ALL_TYPE_KEYS = tuple(dict.fromkeys(key for keys in FIELD_TYPE_KEYS.values() for key in keys))


def load_courses(
    directory: str | os.PathLike[str],
    languages: Sequence[str],
    *,
    href: LessonHref = lesson_href,
    image_src: ImageHref = image_href,
) -> tuple[Catalog, list[Problem]]:
    """Load every course folder of ``directory``; the catalog holds the courses without problems.

    ``languages`` are the codes every translated text must have. ``href`` gives the ``href``
    of a ``lesson:`` link and ``image_src`` the ``src`` of a diagram (see
    ``academy.content.markdown``).
    """
    root = Path(directory)
    report = Report()
    courses: dict[str, Course] = {}
    if not root.is_dir():
        report.add(".", 1, f"the courses directory {root} does not exist")
        return Catalog(MappingProxyType({})), report.sorted()
    first_files: dict[str, str] = {}
    for entry in sorted(root.iterdir(), key=lambda path: path.name):
        if entry.name.startswith("."):
            continue
        if not entry.is_dir():
            if entry.name != "README.md":
                report.add(entry.name, 1, "unexpected file: only course folders and README.md")
            continue
        loader = _CourseLoader(report, entry, tuple(languages), href, image_src)
        course = loader.load()
        if loader.slug in first_files:
            report.add(
                f"{entry.name}/course.yaml",
                loader.slug_line,
                f"duplicate course slug {loader.slug!r} (also in {first_files[loader.slug]})",
            )
        elif loader.slug:
            first_files[loader.slug] = f"{entry.name}/course.yaml"
            if course is not None:
                courses[course.slug] = course
    return Catalog(MappingProxyType(courses)), report.sorted()


def content_version(files: Mapping[str, bytes]) -> str:
    """SHA-256 (first 16 hex digits) over the sorted relative paths and bytes of the files."""
    digest = hashlib.sha256()
    for path in sorted(files):
        data = files[path]
        # Lengths keep the boundaries unambiguous: no two file sets hash the same stream.
        digest.update(path.encode())
        digest.update(b"\0")
        digest.update(len(data).to_bytes(8, "big"))
        digest.update(data)
    return digest.hexdigest()[:16]


def _snapshot(folder: Path) -> dict[str, bytes]:
    """Every file of a course folder by relative POSIX path; hidden files are not content."""
    files: dict[str, bytes] = {}
    for dirpath, dirnames, filenames in os.walk(folder):
        dirnames[:] = sorted(name for name in dirnames if not name.startswith("."))
        for name in sorted(filenames):
            if not name.startswith("."):
                path = Path(dirpath) / name
                files[path.relative_to(folder).as_posix()] = path.read_bytes()
    return files


@dataclass(frozen=True, slots=True)
class _LessonFile:
    """One language version of a lesson, before the versions are checked against each other."""

    file: str
    title: str
    minutes: int
    minutes_line: int
    objectives: tuple[str, ...]
    objectives_line: int
    body_html: str
    notes: Mapping[str, tuple[str, int]]


class _CourseLoader:
    """Loads one course folder from a snapshot of its files, so the content version matches."""

    def __init__(
        self,
        report: Report,
        folder: Path,
        languages: tuple[str, ...],
        href: LessonHref,
        image_src: ImageHref,
    ) -> None:
        self.report = report
        self.name = folder.name
        self.files = _snapshot(folder)
        self.languages = languages
        self.href = href
        self.image_src = image_src
        self.md = make_markdown()
        self.slug = ""
        self.slug_line = 1
        self.links: list[tuple[str, Link]] = []
        self.listed_lessons: set[tuple[str, str]] = set()
        self.assignment_slugs: list[tuple[str, str, int]] = []
        self.used_images: set[str] = set()

    # -- files --------------------------------------------------------------------------

    def path(self, relative: str) -> str:
        return f"{self.name}/{relative}"

    def problem(self, relative: str, line: int, message: str) -> None:
        self.report.add(self.path(relative), line, message)

    def section(self, relative: str, data: object, line: int, **kwargs: Any) -> Section:
        return Section(
            self.report, self.path(relative), data, line=line, languages=self.languages, **kwargs
        )

    def decode(self, relative: str) -> str | None:
        data = self.files[relative]
        try:
            return data.decode("utf-8-sig")
        except UnicodeDecodeError as exc:
            line = data[: exc.start].count(b"\n") + 1
            self.problem(relative, line, "the file is not valid UTF-8")
            return None

    def read_yaml(self, relative: str) -> LineDict | None:
        text = self.decode(relative)
        if text is None:
            return None
        try:
            data = parse_yaml(text)
        except YamlSyntaxError as exc:
            self.problem(relative, exc.line, exc.message)
            return None
        if not isinstance(data, LineDict):
            self.problem(relative, 1, "the file must hold a YAML mapping (key: value lines)")
            return None
        return data

    # -- course -------------------------------------------------------------------------

    def load(self) -> Course | None:
        before = len(self.report)
        if "course.yaml" not in self.files:
            self.problem("course.yaml", 1, "file missing: every course folder needs course.yaml")
            return None
        data = self.read_yaml("course.yaml")
        if data is None:
            return None
        s = self.section(
            "course.yaml",
            data,
            1,
            required=("slug", "title", "summary", "parts"),
            optional=("version",),
        )
        self.slug = s.slug()
        self.slug_line = s.line("slug")
        if self.slug and self.slug != self.name:
            s.problem(s.line("slug"), f"slug {self.slug!r} differs from the folder {self.name!r}")
        version = s.text("version") or None
        title, summary = s.translated("title"), s.translated("summary")
        part_entries = s.slugs("parts", what="part")
        self.check_layout({slug for slug, _ in part_entries}, s.line("parts"))
        parts = [self.load_part(slug, line) for slug, line in part_entries]
        self.check_links()
        self.check_assignment_slugs()
        if len(self.report) > before:
            return None
        return Course(
            slug=self.slug,
            version=version,
            title=title,
            summary=summary,
            parts=tuple(part for part in parts if part is not None),
            content_version=content_version(self.files),
        )

    def check_layout(self, listed_parts: set[str], parts_line: int) -> None:
        """Report files that belong nowhere and part folders missing from ``parts``."""
        unlisted: list[str] = []
        for relative in self.files:
            segments = relative.split("/")
            if len(segments) == 1:
                if relative != "course.yaml":
                    self.problem(
                        relative,
                        1,
                        "unexpected file: a course folder holds "
                        "course.yaml and one folder per part",
                    )
            elif segments[0] not in listed_parts:
                if segments[0] not in unlisted:
                    unlisted.append(segments[0])
            elif not _is_part_file(segments):
                self.problem(
                    relative,
                    1,
                    "unexpected file: a part folder holds part.yaml, "
                    "quiz.yaml, assignment.yaml, lessons/ and images/",
                )
        for folder in unlisted:
            self.problem("course.yaml", parts_line, f"folder {folder}/ is not listed in parts")

    def check_links(self) -> None:
        for file, link in self.links:
            target = parse_link_target(link.href)
            if target is None:
                self.report.add(
                    file,
                    link.line,
                    f"malformed lesson link {link.href!r}: write lesson:<part-slug>/<lesson-slug>",
                )
            elif target not in self.listed_lessons:
                self.report.add(
                    file,
                    link.line,
                    f"broken lesson link {link.href!r}: part {target[0]!r} has no lesson "
                    f"{target[1]!r}",
                )

    def check_assignment_slugs(self) -> None:
        first: dict[str, str] = {}
        for slug, file, line in self.assignment_slugs:
            if slug in first:
                self.report.add(
                    file, line, f"duplicate assignment slug {slug!r} (also in {first[slug]})"
                )
            else:
                first[slug] = file

    def render(self, part: str, relative: str, text: str, first_line: int) -> str:
        """HTML of Markdown in ``relative`` (a file of ``part``), its links and images checked."""
        rendered = render(
            self.md,
            text,
            first_line,
            lambda target_part, lesson: self.href(self.slug, target_part, lesson),
            lambda name: self.image_src(self.slug, part, name),
        )
        self.links.extend((self.path(relative), link) for link in rendered.links)
        for image in rendered.images:
            self.check_image_ref(part, relative, image)
        return rendered.html

    def check_image_ref(self, part: str, relative: str, image: ImageRef) -> None:
        if EXTERNAL_SRC.match(image.src):
            self.problem(
                relative,
                image.line,
                f"external image {image.src!r}: course content never loads anything from "
                f"elsewhere; draw the diagram as SVG in {part}/images/",
            )
            return
        name = parse_image_src(image.src)
        if name is None:
            self.problem(
                relative,
                image.line,
                f"image {image.src!r}: write images/<name>.svg for a diagram in {part}/images/",
            )
            return
        self.used_images.add(f"{part}/images/{name}.svg")
        if f"{part}/images/{name}.svg" not in self.files:
            self.problem(
                relative, image.line, f"image {image.src!r} not found: no {part}/{image.src}"
            )
        if not image.alt:
            # The diagram carries meaning, so readers who cannot see it need the text.
            self.problem(
                relative,
                image.line,
                f"image {image.src!r} has no text alternative: write "
                f"![what the diagram shows]({image.src})",
            )

    # -- parts --------------------------------------------------------------------------

    def load_part(self, slug: str, line: int) -> Part | None:
        relative = f"{slug}/part.yaml"
        if relative not in self.files:
            self.problem(
                "course.yaml", line, f"part {slug!r} is listed but {relative} does not exist"
            )
            return None
        data = self.read_yaml(relative)
        if data is None:
            return None
        s = self.section(
            relative,
            data,
            1,
            required=("title", "summary", "lessons"),
            optional=("pass_mark",),
        )
        title, summary = s.translated("title"), s.translated("summary")
        lesson_entries = s.slugs("lessons", what="lesson")
        self.listed_lessons.update((slug, lesson) for lesson, _ in lesson_entries)
        pass_mark = (
            s.integer("pass_mark", DEFAULT_PASS_MARK, 1, 100) if s.has("pass_mark") else None
        )
        lessons = [self.load_lesson(slug, lesson, line) for lesson, line in lesson_entries]
        self.check_lesson_files(slug, {lesson for lesson, _ in lesson_entries})
        quiz = self.load_quiz(slug, pass_mark, s.line("pass_mark"))
        assignment = self.load_assignment(slug)
        return Part(
            slug=slug,
            title=title,
            summary=summary,
            lessons=tuple(lesson for lesson in lessons if lesson is not None),
            quiz=quiz,
            assignment=assignment,
            # After the lessons and the assignment: they tell which diagrams are used.
            images=self.load_images(slug),
        )

    def check_lesson_files(self, part: str, listed: set[str]) -> None:
        prefix = f"{part}/lessons/"
        for relative in self.files:
            if not relative.startswith(prefix) or "/" in relative[len(prefix) :]:
                continue
            match = LESSON_FILE.match(relative[len(prefix) :])
            if match is None:
                self.problem(relative, 1, "lesson files are named <lesson-slug>.<language>.md")
            elif match["language"] not in self.languages:
                self.problem(
                    relative,
                    1,
                    f"unknown language {match['language']!r} "
                    f"(languages: {', '.join(self.languages)})",
                )
            elif match["slug"] not in listed:
                self.problem(relative, 1, f"lesson file not listed in {part}/part.yaml lessons")

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
                self.problem(relative, line, message)
            if relative not in self.used_images:
                self.problem(relative, 1, f"diagram not used in any lesson or assignment of {part}")
            if not problems:
                images[name] = Image(name, data, hashlib.sha256(data).hexdigest())
        return MappingProxyType(images)

    def image_name(self, file_name: str, relative: str) -> str | None:
        """The name of a diagram file (``<name>.svg``); None after reporting a bad name."""
        name, dot, extension = file_name.rpartition(".")
        if not dot or extension != "svg":
            self.problem(relative, 1, "images/ holds diagrams only: <name>.svg files")
            return None
        problem = slug_problem(name)
        if problem:
            self.problem(relative, 1, f"diagram file name: {problem}")
            return None
        return name

    # -- lessons ------------------------------------------------------------------------

    def lesson_path(self, part: str, slug: str, language: str) -> str:
        return f"{part}/lessons/{slug}.{language}.md"

    def load_lesson(self, part: str, slug: str, line: int) -> Lesson | None:
        part_file = f"{part}/part.yaml"
        missing = [
            language
            for language in self.languages
            if self.lesson_path(part, slug, language) not in self.files
        ]
        if len(missing) == len(self.languages):
            self.problem(
                part_file,
                line,
                f"lesson {slug!r} is listed but has no files ({part}/lessons/{slug}.<language>.md)",
            )
            return None
        for language in missing:
            self.problem(
                part_file,
                line,
                f"lesson {slug!r} has no {language} file: lessons/{slug}.{language}.md",
            )
        versions = {
            language: self.load_lesson_file(part, self.lesson_path(part, slug, language))
            for language in self.languages
            if language not in missing
        }
        if missing or any(version is None for version in versions.values()):
            return None
        complete = cast(dict[str, _LessonFile], versions)
        self.compare_translations(complete)
        reference = complete[self.languages[0]]
        return Lesson(
            slug=slug,
            part_slug=part,
            title=_proxy({lang: version.title for lang, version in complete.items()}),
            minutes=reference.minutes,
            objectives=_proxy({lang: version.objectives for lang, version in complete.items()}),
            body_html=_proxy({lang: version.body_html for lang, version in complete.items()}),
            role_notes=_proxy(
                {
                    lang: _proxy({role: html for role, (html, _) in version.notes.items()})
                    for lang, version in complete.items()
                }
            ),
        )

    def load_lesson_file(self, part: str, relative: str) -> _LessonFile | None:
        text = self.decode(relative)
        if text is None:
            return None
        split = split_front_matter(text)
        if split is None:
            self.problem(
                relative,
                1,
                "a lesson file starts with front matter: a '---' line, YAML with title, "
                "minutes and objectives, and another '---' line",
            )
            return None
        try:
            data = parse_yaml(split.yaml, split.yaml_first_line)
        except YamlSyntaxError as exc:
            self.problem(relative, exc.line, exc.message)
            return None
        s = self.section(
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
        return _LessonFile(
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
            self.problem(relative, line, message)
        notes: dict[str, tuple[str, int]] = {}
        for note in split.notes:
            if note.role not in ROLES:
                self.problem(
                    relative, note.line, f"unknown role {note.role!r} (roles: {', '.join(ROLES)})"
                )
            elif note.role in notes:
                self.problem(
                    relative,
                    note.line,
                    f"a second note for role {note.role!r} (first at line {notes[note.role][1]})",
                )
            else:
                html = self.render(part, relative, note.text, note.line + 1)
                notes[note.role] = (html, note.line)
        return self.render(part, relative, split.body, first_line), notes

    def compare_translations(self, versions: Mapping[str, _LessonFile]) -> None:
        """The language versions of a lesson must agree on minutes, objectives and notes."""
        reference_language = self.languages[0]
        reference = versions[reference_language]
        reference_name = reference.file.rsplit("/", 1)[-1]
        for language, version in versions.items():
            if language == reference_language:
                continue
            name = version.file.rsplit("/", 1)[-1]
            if version.minutes != reference.minutes:
                self.problem(
                    version.file,
                    version.minutes_line,
                    f"minutes is {version.minutes} here "
                    f"but {reference.minutes} in {reference_name}",
                )
            if len(version.objectives) != len(reference.objectives):
                self.problem(
                    version.file,
                    version.objectives_line,
                    f"{len(version.objectives)} objectives here but "
                    f"{len(reference.objectives)} in {reference_name}",
                )
            for role, (_html, line) in reference.notes.items():
                if role not in version.notes:
                    self.problem(reference.file, line, f"role note {role!r} is missing in {name}")
            for role, (_html, line) in version.notes.items():
                if role not in reference.notes:
                    self.problem(
                        version.file, line, f"role note {role!r} is missing in {reference_name}"
                    )

    # -- quizzes ------------------------------------------------------------------------

    def load_quiz(self, part: str, part_pass_mark: int | None, pass_mark_line: int) -> Quiz | None:
        relative = f"{part}/quiz.yaml"
        if relative not in self.files:
            if part_pass_mark is not None:
                self.problem(
                    f"{part}/part.yaml",
                    pass_mark_line,
                    "pass_mark is set but there is no quiz.yaml",
                )
            return None
        data = self.read_yaml(relative)
        if data is None:
            return None
        s = self.section(relative, data, 1, required=("items",), optional=("pass_mark",))
        pass_mark = s.integer("pass_mark", DEFAULT_PASS_MARK, 1, 100)
        if part_pass_mark is not None:
            if s.has("pass_mark"):
                s.problem(s.line("pass_mark"), "pass_mark is also set in part.yaml; keep one")
            pass_mark = part_pass_mark
        items: list[QuizItem] = []
        slugs: list[tuple[str, int]] = []
        for data_item, line in s.items("items", what="quiz items"):
            item = self.load_quiz_item(relative, data_item, line)
            if item.slug:
                slugs.append((item.slug, line))
            items.append(item)
        check_unique(self.report, self.path(relative), slugs, "quiz item")
        return Quiz(pass_mark=pass_mark, items=tuple(items))

    def load_quiz_item(self, relative: str, data: object, line: int) -> QuizItem:
        s = self.section(
            relative,
            data,
            line,
            required=("slug", "kind", "source", "question", "choices"),
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
            self.report,
            self.path(relative),
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
        )

    def load_choice(self, relative: str, data: object, line: int) -> Choice:
        s = self.section(
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

    # -- assignments --------------------------------------------------------------------

    def load_assignment(self, part: str) -> Assignment | None:
        relative = f"{part}/assignment.yaml"
        if relative not in self.files:
            return None
        data = self.read_yaml(relative)
        if data is None:
            return None
        s = self.section(relative, data, 1, required=("slug", "title", "instructions", "fields"))
        slug = s.slug()
        if slug:
            self.assignment_slugs.append((slug, self.path(relative), s.line("slug")))
        instructions = s.translated("instructions")
        lines = s.raw("instructions")
        instructions_html = {
            language: self.render(
                part,
                relative,
                text,
                lines.text_line(language) if isinstance(lines, LineDict) else s.line(),
            )
            for language, text in instructions.items()
        }
        return Assignment(
            slug=slug,
            title=s.translated("title"),
            instructions_html=_proxy(instructions_html),
            fields=self.load_fields(relative, s, in_repeat=False),
        )

    def load_fields(
        self, relative: str, s: Section, *, in_repeat: bool
    ) -> tuple[AssignmentField, ...]:
        fields: list[AssignmentField] = []
        slugs: list[tuple[str, int]] = []
        for data, line in s.items("fields", what="fields"):
            field = self.load_field(relative, data, line, in_repeat=in_repeat)
            if field.slug:
                slugs.append((field.slug, line))
            fields.append(field)
        check_unique(self.report, self.path(relative), slugs, "field")
        return tuple(fields)

    def load_field(
        self, relative: str, data: object, line: int, *, in_repeat: bool
    ) -> AssignmentField:
        field_type = data.get("type") if isinstance(data, LineDict) else None
        type_keys = FIELD_TYPE_KEYS.get(field_type, ()) if isinstance(field_type, str) else ()
        s = self.section(
            relative,
            data,
            line,
            required=(
                "slug",
                "type",
                "label",
                *(key for key in type_keys if key in ("choices", "fields")),
            ),
            optional=("help", "required", *ALL_TYPE_KEYS),
            what="a field",
        )
        if s.has("type") and field_type not in FIELD_TYPES:
            s.problem(
                s.line("type"), f"type must be one of {', '.join(FIELD_TYPES)}, not {field_type!r}"
            )
        elif field_type == "repeat" and in_repeat:
            s.problem(s.line("type"), "a repeat group cannot contain another repeat group")
        elif field_type in FIELD_TYPES:
            for key in ALL_TYPE_KEYS:
                if s.has(key) and key not in type_keys:
                    s.problem(s.line(key), f"{key} does not apply to {field_type} fields")
        required = s.boolean("required", True)
        min_length: int | None = None
        max_length: int | None = None
        min_items: int | None = None
        max_items: int | None = None
        choices: tuple[FieldChoice, ...] = ()
        fields: tuple[AssignmentField, ...] = ()
        if field_type in ("text", "textarea"):
            min_length, max_length = self.length_limits(s, str(field_type))
        elif field_type == "choice":
            choices = self.load_field_choices(relative, s)
        elif field_type == "repeat" and not in_repeat:
            fields = self.load_fields(relative, s, in_repeat=True)
            min_items, max_items = self.item_limits(s, required)
        return AssignmentField(
            slug=s.slug(),
            type=cast(FieldType, field_type if field_type in FIELD_TYPES else "text"),
            label=s.translated("label"),
            help=s.translated("help") if s.has("help") else EMPTY,
            required=required,
            min_length=min_length,
            max_length=max_length,
            choices=choices,
            fields=fields,
            min_items=min_items,
            max_items=max_items,
        )

    def length_limits(self, s: Section, field_type: str) -> tuple[int, int]:
        """(min_length, max_length) of a text or textarea field."""
        limit = MAX_LENGTH_LIMIT[field_type]
        max_length = s.integer("max_length", DEFAULT_MAX_LENGTH[field_type], 1, limit)
        min_length = s.integer("min_length", 0, 0, limit)
        if min_length > max_length:
            s.problem(
                s.line("min_length"), f"min_length {min_length} exceeds max_length {max_length}"
            )
        return min_length, max_length

    def item_limits(self, s: Section, required: bool) -> tuple[int, int]:
        """(min_items, max_items) of a repeat group."""
        max_items = s.integer("max_items", DEFAULT_MAX_ITEMS, 1, MAX_ITEMS_LIMIT)
        min_items = s.integer("min_items", 1 if required else 0, 0, MAX_ITEMS_LIMIT)
        if min_items > max_items:
            s.problem(s.line("min_items"), f"min_items {min_items} exceeds max_items {max_items}")
        return min_items, max_items

    def load_field_choices(self, relative: str, s: Section) -> tuple[FieldChoice, ...]:
        choices: list[FieldChoice] = []
        slugs: list[tuple[str, int]] = []
        entries = s.items("choices", what="choices")
        for data, line in entries:
            choice = self.section(relative, data, line, required=("slug", "label"), what="a choice")
            slug = choice.slug()
            if slug:
                slugs.append((slug, line))
            choices.append(FieldChoice(slug=slug, label=choice.translated("label")))
        check_unique(self.report, self.path(relative), slugs, "choice")
        if len(entries) == 1:
            s.problem(s.line("choices"), "a choice field needs at least 2 choices")
        return tuple(choices)


def _is_part_file(segments: list[str]) -> bool:
    if len(segments) == 2:
        return segments[1] in PART_FILES
    # Files in lessons/ and images/ are checked by check_lesson_files and load_images.
    return len(segments) == 3 and segments[1] in ("lessons", "images")


def _proxy(mapping: Mapping[str, Any]) -> MappingProxyType[str, Any]:
    return MappingProxyType(dict(mapping))
