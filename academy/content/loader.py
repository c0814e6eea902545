"""Read ``courses/`` into an immutable ``Catalog``, reporting every problem with file and line.

The layout and format are described in ``courses/README.md``. Reading a folder's files is
``course_files``; the course is built from them part by part (``lessons``, ``quizzes``,
``assignments``, ``facilitator``, with Markdown rendered by ``rendering``). A course with
any problem is left out of the catalog; ``load_courses`` returns the problems so the CLI
can print them all and the app can refuse to serve half-checked content.
"""

from __future__ import annotations

import os
from collections.abc import Sequence
from pathlib import Path
from types import MappingProxyType

from .assignments import AssignmentBuilder
from .checks import Problem, Report
from .course_files import CourseFiles, content_version
from .facilitator import FacilitatorBuilder
from .lessons import LessonBuilder
from .markdown import ImageHref, LessonHref, image_href, lesson_href
from .model import DEFAULT_PASS_MARK, Catalog, Course, Part
from .quizzes import QuizBuilder
from .rendering import MarkdownRenderer

__all__ = ["content_version", "load_courses"]


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
        self.files = CourseFiles(report, folder, languages)
        self.report = report
        self.name = folder.name
        self.markdown = MarkdownRenderer(self.files, href, image_src)
        self.lessons = LessonBuilder(self.files, self.markdown)
        self.quizzes = QuizBuilder(self.files, self.markdown)
        self.assignments = AssignmentBuilder(self.files, self.markdown)
        self.facilitator = FacilitatorBuilder(self.files)
        self.slug = ""
        self.slug_line = 1
        self.listed_lessons: set[tuple[str, str]] = set()

    def load(self) -> Course | None:
        before = len(self.report)
        if "course.yaml" not in self.files:
            self.files.problem(
                "course.yaml", 1, "file missing: every course folder needs course.yaml"
            )
            return None
        data = self.files.read_yaml("course.yaml")
        if data is None:
            return None
        s = self.files.section(
            "course.yaml",
            data,
            1,
            required=("slug", "title", "summary", "parts"),
            optional=("version",),
        )
        self.slug = s.slug()
        self.slug_line = s.line("slug")
        self.markdown.course_slug = self.slug
        if self.slug and self.slug != self.name:
            s.problem(s.line("slug"), f"slug {self.slug!r} differs from the folder {self.name!r}")
        version = s.text("version") or None
        title, summary = s.translated("title"), s.translated("summary")
        part_entries = s.slugs("parts", what="part")
        self.files.check_layout({slug for slug, _ in part_entries}, s.line("parts"))
        parts = [self.load_part(slug, line) for slug, line in part_entries]
        self.markdown.check_links(self.listed_lessons)
        self.assignments.check_assignment_slugs()
        if len(self.report) > before:
            return None
        return Course(
            slug=self.slug,
            version=version,
            title=title,
            summary=summary,
            parts=tuple(part for part in parts if part is not None),
            content_version=content_version(self.files.contents),
        )

    def load_part(self, slug: str, line: int) -> Part | None:
        relative = f"{slug}/part.yaml"
        if relative not in self.files:
            self.files.problem(
                "course.yaml", line, f"part {slug!r} is listed but {relative} does not exist"
            )
            return None
        data = self.files.read_yaml(relative)
        if data is None:
            return None
        s = self.files.section(
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
        lessons = [self.lessons.load_lesson(slug, lesson, line) for lesson, line in lesson_entries]
        self.lessons.check_lesson_files(slug, {lesson for lesson, _ in lesson_entries})
        quiz = self.quizzes.load_quiz(slug, pass_mark, s.line("pass_mark"))
        assignment = self.assignments.load_assignment(slug)
        return Part(
            slug=slug,
            title=title,
            summary=summary,
            lessons=tuple(lesson for lesson in lessons if lesson is not None),
            quiz=quiz,
            assignment=assignment,
            # After the lessons and the assignment: they tell which diagrams are used.
            images=self.lessons.load_images(slug),
            facilitator=self.facilitator.load_notes(slug),
        )
