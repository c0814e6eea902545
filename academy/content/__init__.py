"""Course content: the files in ``courses/`` as immutable objects, loaded once per process.

``init_app`` only registers; nothing is read until the first ``get_catalog()``, which loads
and checks every course under a lock and keeps the result on the application. Invalid
files raise ``CourseError`` instead of serving half-checked content; ``flask --app academy
courses check`` prints the same problems with file and line.
"""

from __future__ import annotations

import threading
from collections.abc import Sequence

from flask import Flask, current_app

from .checks import Problem
from .loader import content_version, load_courses
from .markdown import ImageHref, LessonHref, image_href, lesson_href
from .model import (
    ROLES,
    Assignment,
    AssignmentField,
    Catalog,
    Choice,
    Course,
    Exercise,
    FacilitatorNotes,
    FieldChoice,
    Image,
    Lesson,
    Part,
    Quiz,
    QuizItem,
    RunStep,
)

__all__ = [
    "ROLES",
    "Assignment",
    "AssignmentField",
    "Catalog",
    "Choice",
    "Course",
    "CourseError",
    "Exercise",
    "FacilitatorNotes",
    "FieldChoice",
    "Image",
    "ImageHref",
    "Lesson",
    "LessonHref",
    "Part",
    "Problem",
    "Quiz",
    "QuizItem",
    "RunStep",
    "content_version",
    "get_catalog",
    "get_course",
    "image_href",
    "init_app",
    "lesson_href",
    "load_courses",
    "set_image_href",
    "set_lesson_href",
]

EXTENSION_KEY = "academy.courses"
LESSON_HREF_KEY = "academy.courses.lesson_href"
IMAGE_HREF_KEY = "academy.courses.image_href"
_load_lock = threading.Lock()


class CourseError(RuntimeError):
    """The course files have problems; ``problems`` lists them all."""

    def __init__(self, directory: str, problems: Sequence[Problem]) -> None:
        self.directory = directory
        self.problems = tuple(problems)
        count = len(self.problems)
        lines = "\n".join(f"  {problem}" for problem in self.problems)
        super().__init__(
            f"{count} problem{'s' if count != 1 else ''} in the course files in {directory}:\n"
            f"{lines}\n(run `flask --app academy courses check` after fixing them)"
        )


def init_app(app: Flask) -> None:
    """Register the default link functions; the files are read on first ``get_catalog()``."""
    app.extensions.setdefault(LESSON_HREF_KEY, lesson_href)
    app.extensions.setdefault(IMAGE_HREF_KEY, image_href)


def set_lesson_href(app: Flask, href: LessonHref) -> None:
    """Let the web layer choose the ``href`` of ``lesson:`` links (before the first load)."""
    _before_first_load(app, "lesson href")
    app.extensions[LESSON_HREF_KEY] = href


def set_image_href(app: Flask, href: ImageHref) -> None:
    """Let the web layer choose the ``src`` of diagrams (before the first load).

    ``href(course_slug, part_slug, name)`` returns the URL of ``<part>/images/<name>.svg``,
    which the web layer serves from ``Part.images[name]``.
    """
    _before_first_load(app, "image href")
    app.extensions[IMAGE_HREF_KEY] = href


def _before_first_load(app: Flask, what: str) -> None:
    # The HTML is rendered once, at load time; a later change would never show.
    if EXTENSION_KEY in app.extensions:
        raise RuntimeError(f"the courses are already loaded; set the {what} before that")


def get_catalog(app: Flask | None = None) -> Catalog:
    """Every course, loaded and checked on first use, then shared for the life of the process."""
    app = app or current_app
    loaded = app.extensions.get(EXTENSION_KEY)
    if loaded is None:
        with _load_lock:
            # Another thread may have loaded while this one waited for the lock.
            loaded = app.extensions.get(EXTENSION_KEY)
            if loaded is None:
                loaded = load_courses(
                    app.config["COURSES_DIR"],
                    app.config["LANGUAGES"],
                    href=app.extensions.get(LESSON_HREF_KEY, lesson_href),
                    image_src=app.extensions.get(IMAGE_HREF_KEY, image_href),
                )
                app.extensions[EXTENSION_KEY] = loaded
    catalog, problems = loaded
    if problems:
        # A new exception each time: re-raising one instance would grow its traceback.
        raise CourseError(app.config["COURSES_DIR"], problems)
    return catalog


def get_course(slug: str, app: Flask | None = None) -> Course | None:
    """The course with this slug, or None."""
    return get_catalog(app).get(slug)
