"""``flask --app academy courses check|list``: output and exit codes."""

from __future__ import annotations

from pathlib import Path

import pytest

from academy.content import load_courses

DATA = Path(__file__).parent / "data" / "courses"
VALID = DATA / "valid"
BROKEN = DATA / "broken"


@pytest.fixture
def run(app):
    runner = app.test_cli_runner()

    def invoke(*args: str):
        return runner.invoke(args=["courses", *args])

    return invoke


def test_check_valid_courses(run):
    result = run("check", "--courses-dir", str(VALID))
    assert result.exit_code == 0, result.output
    assert result.output == "1 course, 2 parts, 3 lessons, 3 quiz items: OK\n"


def test_check_prints_every_problem_and_fails(run):
    result = run("check", "--courses-dir", str(BROKEN))
    assert result.exit_code == 1
    lines = result.output.splitlines()
    _, problems = load_courses(BROKEN, ["en", "sv", "nb"])
    assert lines[-1] == f"{len(problems)} problems"
    assert lines[:-1] == [f"{BROKEN / p.file}:{p.line}: {p.message}" for p in problems]
    assert (
        f"{BROKEN}/broken-course/course.yaml:3: unknown key 'titel' (did you mean 'title'?)"
        in lines
    )
    assert (
        f"{BROKEN}/broken-course/second-part/assignment.yaml:4: "
        "YAML syntax error: mapping values are not allowed here"
    ) in lines
    assert (
        f"{BROKEN}/broken-course/first-part/images/unsafe.svg:3: "
        "<script> is not allowed in a diagram"
    ) in lines


def test_check_empty_directory(run, tmp_path):
    (tmp_path / "README.md").write_text("Course files.\n", encoding="utf-8")
    result = run("check", "--courses-dir", str(tmp_path))
    assert result.exit_code == 0, result.output
    assert result.output == "0 courses, 0 parts, 0 lessons, 0 quiz items: OK\n"


def test_check_missing_directory_is_a_usage_error(run, tmp_path):
    result = run("check", "--courses-dir", str(tmp_path / "nowhere"))
    assert result.exit_code == 2
    assert "does not exist" in result.output


def test_repository_courses_pass_the_check(run):
    """The real courses/ folder (the default COURSES_DIR) is always valid."""
    result = run("check")
    assert result.exit_code == 0, result.output
    assert result.output.endswith(": OK\n")


def test_list_shows_content_versions(run):
    catalog, _ = load_courses(VALID, ["en", "sv", "nb"])
    version = catalog.get("safer-streets").content_version
    result = run("list", "--courses-dir", str(VALID))
    assert result.exit_code == 0, result.output
    assert result.output == f"safer-streets  {version}  2025.1  Safer streets\n"


def test_list_empty_and_broken_directories(run, tmp_path):
    result = run("list", "--courses-dir", str(tmp_path))
    assert (result.exit_code, result.output) == (0, f"No courses in {tmp_path}\n")
    result = run("list", "--courses-dir", str(BROKEN))
    assert result.exit_code == 1
    assert result.output.splitlines()[-1].endswith("problems; fix them to list the courses")


def test_commands_are_documented(run):
    result = run("--help")
    assert "check" in result.output
    assert "Check every course file" in result.output
    assert "List each course with its content version" in result.output
