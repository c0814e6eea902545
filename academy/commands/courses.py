"""``flask --app academy courses ...``: check and list the course files."""

from __future__ import annotations

from pathlib import Path

import click
from flask import current_app
from flask.cli import AppGroup

from ..content import IMAGE_HREF_KEY, LESSON_HREF_KEY
from ..content.checks import Problem
from ..content.loader import load_courses
from ..content.markdown import image_href, lesson_href
from ..content.model import Catalog

courses_cli = AppGroup("courses", help="Course files.")

_courses_dir_option = click.option(
    "--courses-dir",
    type=click.Path(exists=True, file_okay=False, path_type=Path),
    help="Folder of the course files (default: the COURSES_DIR setting).",
)


@courses_cli.command("check")
@_courses_dir_option
def check_courses(courses_dir: Path | None) -> None:
    """Check every course file and print each problem as path:line: message.

    Exits with status 1 when there are problems, so CI and `make check` fail on them.
    """
    directory, catalog, problems = _load(courses_dir)
    _echo_problems(directory, problems)
    if problems:
        click.echo(_plural(len(problems), "problem"))
        raise SystemExit(1)
    click.echo(
        f"{_plural(len(catalog), 'course')}, {_plural(catalog.count_parts(), 'part')}, "
        f"{_plural(catalog.count_lessons(), 'lesson')}, "
        f"{_plural(catalog.count_quiz_items(), 'quiz item')}: OK"
    )


@courses_cli.command("list")
@_courses_dir_option
def list_courses(courses_dir: Path | None) -> None:
    """List each course with its content version, the one certificates record."""
    directory, catalog, problems = _load(courses_dir)
    if problems:
        _echo_problems(directory, problems)
        click.echo(f"{_plural(len(problems), 'problem')}; fix them to list the courses")
        raise SystemExit(1)
    if not catalog:
        click.echo(f"No courses in {directory}")
    language = current_app.config["LANGUAGES"][0]
    for course in catalog:
        click.echo(
            f"{course.slug}  {course.content_version}  "
            f"{course.version or '-'}  {course.title.get(language, '')}"
        )


def _load(courses_dir: Path | None) -> tuple[Path, Catalog, list[Problem]]:
    directory = courses_dir or Path(current_app.config["COURSES_DIR"])
    catalog, problems = load_courses(
        directory,
        current_app.config["LANGUAGES"],
        href=current_app.extensions.get(LESSON_HREF_KEY, lesson_href),
        image_src=current_app.extensions.get(IMAGE_HREF_KEY, image_href),
    )
    return directory, catalog, problems


def _echo_problems(directory: Path, problems: list[Problem]) -> None:
    # Paths joined to the folder as given, so editors and terminals can open them.
    for problem in problems:
        click.echo(f"{directory / problem.file}:{problem.line}: {problem.message}")


def _plural(count: int, noun: str) -> str:
    return f"{count} {noun}{'' if count == 1 else 's'}"
