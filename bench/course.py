"""The course the participant pages are measured with, read as the app will read it."""

from __future__ import annotations

from pathlib import Path

from academy.config import DEFAULTS
from academy.content import Course, load_courses
from bench.command import BenchError

# Shown when the course files do not load: the test course always does.
FIXTURE_COURSES_DIR = "tests/data/courses/valid"


def pick_course(directory: Path, slug: str | None) -> Course:
    """The course ``slug`` of ``directory`` (the first in slug order when None).

    The app refuses to serve any page of a course when a file of any course has a
    problem, so a single problem stops the benchmark here rather than as a page of 500s.
    """
    catalog, problems = load_courses(directory, list(DEFAULTS["LANGUAGES"]))
    if problems:
        shown = "\n".join(f"  {problem}" for problem in problems[:10])
        more = f"\n  ... and {len(problems) - 10} more" if len(problems) > 10 else ""
        raise BenchError(
            f"{len(problems)} problem(s) in the course files in {directory}, so the app would "
            f"not serve them:\n{shown}{more}\n"
            f"(`flask --app academy courses check --courses-dir {directory}` lists them; "
            f"`--courses-dir {FIXTURE_COURSES_DIR}` measures the test course meanwhile)"
        )
    if slug is None:
        course = next(iter(catalog), None)
        if course is None:
            raise BenchError(f"no course in {directory}")
    else:
        course = catalog.get(slug)
        if course is None:
            found = ", ".join(c.slug for c in catalog) or "none"
            raise BenchError(f"no course {slug!r} in {directory} (found: {found})")
    if len(course.parts) < 2 or not course.parts[1].lessons:
        raise BenchError(
            f"course {course.slug!r} has no second part with lessons; the lesson benchmark "
            "reads one in the middle of the course"
        )
    return course
