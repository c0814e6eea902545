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
from .markdown import LessonHref, lesson_href
from .model import (
    ROLES,
    Assignment,
    AssignmentField,
    Catalog,
    Choice,
    Course,
    FieldChoice,
    Lesson,
    Part,
    Quiz,
    QuizItem,
)

__all__ = [
    "ROLES",
    "Assignment",
    "AssignmentField",
    "Catalog",
    "Choice",
    "Course",
    "CourseError",
    "FieldChoice",
    "Lesson",
    "LessonHref",
    "Part",
    "Problem",
    "Quiz",
    "QuizItem",
    "content_version",
    "get_catalog",
    "get_course",
    "init_app",
    "lesson_href",
    "load_courses",
    "set_lesson_href",
]

EXTENSION_KEY = "academy.courses"
LESSON_HREF_KEY = "academy.courses.lesson_href"
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
    """Register the default link function; the files are read on first ``get_catalog()``."""
    app.extensions.setdefault(LESSON_HREF_KEY, lesson_href)


def set_lesson_href(app: Flask, href: LessonHref) -> None:
    """Let the web layer choose the ``href`` of ``lesson:`` links (before the first load)."""
    if EXTENSION_KEY in app.extensions:
        raise RuntimeError("the courses are already loaded; set the lesson href before that")
    app.extensions[LESSON_HREF_KEY] = href


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
