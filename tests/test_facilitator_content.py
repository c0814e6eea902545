"""Facilitator notes in the course format: the fixture's notes, every problem the check
reports with file and line, and the real course's notes for its four parts."""

from __future__ import annotations

import re
import shutil
from pathlib import Path

import pytest

from academy.content import load_courses
from academy.content.facilitator import MAX_CHARACTERS, MAX_QUESTIONS, MAX_STEPS

DATA = Path(__file__).parent / "data" / "courses"
VALID = DATA / "valid"
REAL = Path(__file__).parent.parent / "courses"
LANGUAGES = ("en", "sv", "nb")
PART = "safer-streets/situational-prevention"
NOTES = f"{PART}/facilitator.yaml"


@pytest.fixture
def courses(tmp_path) -> Path:
    target = tmp_path / "courses"
    shutil.copytree(VALID, target)
    return target


def edit(path: Path, old: str, new: str) -> None:
    text = path.read_text(encoding="utf-8")
    assert old in text, f"{old!r} not in {path}"
    path.write_text(text.replace(old, new, 1), encoding="utf-8")


def problems_in(directory: Path) -> list[tuple[str, int, str]]:
    return [(p.file, p.line, p.message) for p in load_courses(directory, LANGUAGES)[1]]


def test_the_fixture_notes_are_loaded():
    catalog, problems = load_courses(VALID, LANGUAGES)
    assert problems == []
    course = catalog.get("safer-streets")
    notes = course.part("situational-prevention").facilitator
    assert notes.minutes == 60
    assert [step.minutes for step in notes.run_sheet] == [10, 35, 15]
    assert notes.questions[1]["sv"] == "Vilken sida av brottstriangeln kan vi ändra först?"
    assert notes.exercise.title["nb"] == "Ett problem, tre sider"
    assert "<strong>brottstriangeln</strong>" in notes.exercise.instructions_html["sv"]
    assert "<li>flippover og penner</li>" in notes.bring_html["nb"]
    # Notes are optional: the second part has none.
    assert course.part("safe-design").facilitator is None


def test_without_a_stated_total_the_minutes_are_the_run_sheets_sum(courses):
    edit(courses / NOTES, "minutes: 60\n", "")
    catalog, problems = load_courses(courses, LANGUAGES)
    assert problems == []
    assert catalog.get("safer-streets").part("situational-prevention").facilitator.minutes == 60


# (old, new, line, message) edits of the fixture's facilitator.yaml.
EDITS = {
    "minutes that do not add up": (
        "minutes: 60",
        "minutes: 90",
        1,
        "the run sheet's minutes add up to 60, not the 90 of minutes",
    ),
    "a zero-minute step": (
        "  - minutes: 10",
        "  - minutes: 0",
        10,
        "minutes must be between 1 and 240",
    ),
    "negative minutes": (
        "  - minutes: 35",
        "  - minutes: -5",
        15,
        "minutes must be between 1 and 240",
    ),
    "minutes as text": (
        "  - minutes: 15",
        '  - minutes: "15"',
        20,
        "minutes must be a whole number",
    ),
    "a session total out of bounds": (
        "minutes: 60",
        "minutes: 0",
        1,
        "minutes must be between 1 and 600",
    ),
    "a missing language in a question": (
        "    nb: Hvor i området vårt kommer det samme problemet stadig tilbake?\n",
        "",
        3,
        "question is missing language nb",
    ),
    "an unknown language in a step": (
        "      nb: Velkommen, og hva deltakerne leste i leksjonene.",
        "      da: Velkommen, og hvad deltagerne læste.",
        14,
        "unknown language 'da' in step",
    ),
    "an empty text": (
        "      sv: Övningen i grupper om fyra.",
        '      sv: ""',
        18,
        "step.sv must be non-empty text",
    ),
    "a step without minutes": (
        "  - minutes: 35\n    step:",
        "  - step:",
        15,
        "missing required key 'minutes'",
    ),
    "a missing exercise title": (
        "  title:\n    en: One problem, three sides\n    sv: Ett problem, tre sidor\n"
        "    nb: Ett problem, tre sider\n",
        "",
        26,
        "missing required key 'title'",
    ),
    "a missing bring": ("bring:", "brings:", 40, "unknown key 'brings' (did you mean 'bring'?)"),
    "an unknown key": ("questions:", "question:", 2, "unknown key 'question'"),
    "a lesson link": (
        "    - a printed map of the area",
        "    - a printed map; see [opportunity](lesson:situational-prevention/opportunity)",
        43,
        "facilitator notes are printed, so name the lesson in words",
    ),
    "an image": (
        "      for it on a flip chart.",
        "      for it.\n\n      ![The triangle](images/crime-triangle.svg)",
        35,
        "facilitator notes show no diagrams",
    ),
    "questions that are not a list": (
        "questions:\n  - en: Where",
        "questions: Where\nold:\n  - en: Where",
        2,
        "questions must be a list of questions",
    ),
}


@pytest.mark.parametrize("kind", EDITS)
def test_a_mistake_in_the_notes_is_reported_at_its_line(courses, kind):
    old, new, line, message = EDITS[kind]
    edit(courses / NOTES, old, new)
    found = problems_in(courses)
    assert any((f, n) == (NOTES, line) and message in text for f, n, text in found), found
    # A course with problems is never served.
    assert len(load_courses(courses, LANGUAGES)[0]) == 0


def test_a_missing_bring_is_reported(courses):
    edit(courses / NOTES, "bring:", "brings:")
    assert (NOTES, 1, "missing required key 'bring'") in problems_in(courses)


def test_too_long_texts_are_reported(courses):
    long = "x" * (MAX_CHARACTERS["question"] + 1)
    edit(courses / NOTES, "sv: Var i vårt område återkommer samma problem?", f"sv: {long}")
    assert problems_in(courses) == [
        (NOTES, 4, f"question.sv has {len(long)} characters; at most {MAX_CHARACTERS['question']}")
    ]


def test_too_many_questions_and_steps_are_reported(courses):
    question = "  - {en: Why, sv: Varför, nb: Hvorfor}\n"
    step = "  - {minutes: 1, step: {en: Go, sv: Gå, nb: Gå}}\n"
    edit(courses / NOTES, "questions:\n", "questions:\n" + question * MAX_QUESTIONS)
    edit(courses / NOTES, "run_sheet:\n", "run_sheet:\n" + step * MAX_STEPS)
    edit(courses / NOTES, "minutes: 60", f"minutes: {60 + MAX_STEPS}")
    found = problems_in(courses)
    assert [message for _, _, message in found] == [
        f"{MAX_QUESTIONS + 2} questions; at most {MAX_QUESTIONS} fit a session",
        f"{MAX_STEPS + 3} steps; at most {MAX_STEPS}",
    ]


def test_a_run_sheet_over_the_longest_session_is_reported(courses):
    edit(courses / NOTES, "minutes: 60\n", "")
    for minutes in ("10", "35", "15"):
        edit(courses / NOTES, f"  - minutes: {minutes}\n", "  - minutes: 240\n")
    assert problems_in(courses) == [
        (NOTES, 8, "the run sheet's minutes add up to 720, more than 600")
    ]


def test_a_notes_file_that_is_no_mapping_is_reported(courses):
    (courses / NOTES).write_text("- just a list\n", encoding="utf-8")
    assert problems_in(courses) == [
        (NOTES, 1, "the file must hold a YAML mapping (key: value lines)")
    ]


# -- the real course ---------------------------------------------------------------------

REAL_PARTS = ("situational-prevention", "safe-urban-planning", "place-collaboration", "placemaking")


@pytest.fixture(scope="module")
def real_course():
    catalog, problems = load_courses(REAL, LANGUAGES)
    assert problems == []
    return catalog.get("safer-places")


@pytest.mark.parametrize("part_slug", REAL_PARTS)
def test_every_part_of_the_real_course_has_notes(real_course, part_slug):
    notes = real_course.part(part_slug).facilitator
    assert notes is not None
    assert sum(step.minutes for step in notes.run_sheet) == notes.minutes
    assert 3 <= len(notes.questions) <= MAX_QUESTIONS
    assert len(notes.run_sheet) >= 4
    for language in LANGUAGES:
        assert notes.exercise.title[language]
        assert "<li>" in notes.bring_html[language]


@pytest.mark.parametrize("part_slug", REAL_PARTS)
def test_the_swedish_and_norwegian_notes_are_their_own_languages(real_course, part_slug):
    """A cheap guard against one language pasted into another: words only Swedish or only
    Norwegian use, in the texts of the wrong language."""
    notes = real_course.part(part_slug).facilitator
    texts = {
        language: " ".join(
            [q[language] for q in notes.questions]
            + [step.text[language] for step in notes.run_sheet]
            + [notes.exercise.instructions_html[language], notes.bring_html[language]]
        ).lower()
        for language in LANGUAGES
    }
    swedish_only = re.compile(r"\b(och|inte|hur|vad|är|deltagarna|kursträffen|också)\b")
    norwegian_only = re.compile(r"\b(og|ikke|hvordan|hva|deltakerne|samlingen|også)\b")
    assert not swedish_only.search(texts["nb"]), swedish_only.search(texts["nb"])
    assert not norwegian_only.search(texts["sv"]), norwegian_only.search(texts["sv"])
    # Letters of the other alphabet (the course's place names are in the lessons, not here).
    assert not re.search(r"[äö]", texts["nb"]), re.search(r"\w*[äö]\w*", texts["nb"])
    assert not re.search(r"[æø]", texts["sv"]), re.search(r"\w*[æø]\w*", texts["sv"])


def test_courses_check_prints_a_problem_of_the_notes_and_fails(app, courses):
    edit(courses / NOTES, "minutes: 60", "minutes: 75")
    result = app.test_cli_runner().invoke(args=["courses", "check", "--courses-dir", str(courses)])
    assert result.exit_code == 1
    assert result.output.splitlines() == [
        f"{courses / NOTES}:1: the run sheet's minutes add up to 60, not the 75 of minutes",
        "1 problem",
    ]
