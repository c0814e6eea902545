"""The course-file loader: the valid fixture course, every kind of problem, immutability."""

from __future__ import annotations

import dataclasses
import hashlib
import shutil
import threading
from pathlib import Path

import pytest

import academy.content as content
from academy import create_app
from academy.content import (
    Catalog,
    CourseError,
    get_catalog,
    get_course,
    load_courses,
    set_image_href,
    set_lesson_href,
)
from tests.conftest import test_config as config_for_tests

DATA = Path(__file__).parent / "data" / "courses"
VALID = DATA / "valid"
BROKEN = DATA / "broken"
LANGUAGES = ("en", "sv", "nb")
COURSE = "safer-streets"
PART_ONE = "safer-streets/situational-prevention"
PART_TWO = "safer-streets/safe-design"
TRIANGLE = f"{PART_ONE}/images/crime-triangle.svg"


@pytest.fixture(scope="module")
def catalog() -> Catalog:
    catalog, problems = load_courses(VALID, LANGUAGES)
    assert problems == []
    return catalog


@pytest.fixture
def courses(tmp_path) -> Path:
    """A writable copy of the valid courses directory."""
    target = tmp_path / "courses"
    shutil.copytree(VALID, target)
    return target


def edit(path: Path, old: str, new: str) -> None:
    text = path.read_text(encoding="utf-8")
    assert old in text, f"{old!r} not in {path}"
    path.write_text(text.replace(old, new, 1), encoding="utf-8")


def problems_in(directory: Path) -> list[tuple[str, int, str]]:
    return [(p.file, p.line, p.message) for p in load_courses(directory, LANGUAGES)[1]]


def make_app(database_url: str, courses_dir: Path):
    return create_app(config_for_tests(database_url, COURSES_DIR=str(courses_dir)))


# -- the valid course -------------------------------------------------------------------


def test_valid_course_structure(catalog):
    course = catalog.get(COURSE)
    assert course is not None
    assert [c.slug for c in catalog] == [COURSE]
    assert course.version == "2025.1"
    assert dict(course.title) == {
        "en": "Safer streets",
        "sv": "Tryggare gator",
        "nb": "Tryggere gater",
    }
    assert [part.slug for part in course.parts] == ["situational-prevention", "safe-design"]
    assert [lesson.slug for lesson in course.lessons()] == [
        "opportunity",
        "five-techniques",
        "natural-surveillance",
    ]
    assert (catalog.count_parts(), catalog.count_lessons(), catalog.count_quiz_items()) == (2, 3, 3)


def test_lesson_front_matter_and_body(catalog):
    lesson = catalog.get(COURSE).lesson("situational-prevention", "opportunity")
    assert lesson.part_slug == "situational-prevention"
    assert lesson.title["sv"] == "Brott följer tillfällen"
    assert lesson.minutes == 10
    assert lesson.objectives["nb"] == (
        "Forklare hvorfor muligheter har betydning for kriminalitet.",
        "Nevne de tre delene i kriminalitetstriangelet.",
    )
    html = lesson.body_html["en"]
    assert html.startswith("<h1>Crime follows opportunity</h1>")
    # Tables are enabled, and each body cell carries its column's name for phones.
    assert '<td data-label="Example">A bike left without a lock</td>' in html


def test_role_notes_are_taken_out_of_the_body(catalog):
    lesson = catalog.get(COURSE).lesson("situational-prevention", "opportunity")
    assert set(lesson.role_notes["sv"]) == {"official", "police"}
    assert lesson.notes_for("en", "police") == (
        "<p>Share local crime data with the municipality so that measures go where they are "
        "needed.</p>\n"
    )
    assert lesson.notes_for("en", "trader") is None
    assert "Share local crime data" not in lesson.body_html["en"]
    assert ":::" not in lesson.body_html["en"]


def test_lesson_links_become_relative_hrefs(catalog):
    course = catalog.get(COURSE)
    html = course.lesson("situational-prevention", "five-techniques").body_html["nb"]
    assert '<a href="../safe-design/natural-surveillance">naturlig overvåking</a>' in html


def test_quiz_pass_marks_and_choices(catalog):
    part_one, part_two = catalog.get(COURSE).parts
    assert part_one.quiz.pass_mark == 75  # part.yaml overrides the default
    assert part_two.quiz.pass_mark == 80
    item = part_one.quiz.item("bike-stand")
    assert item.kind == "scenario"
    assert item.source == "Course facts: the crime triangle"
    assert item.correct_slugs == frozenset({"guardian"})
    assert [choice.slug for choice in item.choices] == ["guardian", "target", "offender"]
    assert item.choice("target").feedback["sv"] == "Cyklarna är målen, och de finns där."
    assert item.question["en"].startswith("Bikes are often stolen")


def test_assignment_fields_and_defaults(catalog):
    part_one, part_two = catalog.get(COURSE).parts
    analysis = part_one.assignment
    assert analysis.slug == "opportunity-analysis"
    assert "<strong>brottstriangeln</strong>" in analysis.instructions_html["sv"]
    place, problem, technique = analysis.fields
    assert (place.type, place.required, place.min_length, place.max_length) == (
        "text",
        True,
        0,
        200,
    )
    assert (problem.min_length, problem.max_length) == (50, 2000)
    assert place.help["nb"] == "En gate, et torg eller en bygning."
    assert [choice.slug for choice in technique.choices][:2] == ["effort", "risks"]
    assert technique.max_length is None

    area, findings, other = part_two.assignment.fields
    assert findings.type == "repeat"
    assert (findings.min_items, findings.max_items) == (1, 20)
    assert [field.slug for field in findings.fields] == ["location", "observation", "urgency"]
    assert findings.fields[1].max_length == 1000
    assert other.required is False
    assert dict(area.help) == {}


def test_content_is_immutable(catalog):
    course = catalog.get(COURSE)
    lesson = course.lesson("situational-prevention", "opportunity")
    with pytest.raises(dataclasses.FrozenInstanceError):
        course.title = {}  # type: ignore[misc]
    with pytest.raises(dataclasses.FrozenInstanceError):
        lesson.minutes = 1  # type: ignore[misc]
    with pytest.raises(TypeError):
        course.title["en"] = "Changed"  # type: ignore[index]
    with pytest.raises(TypeError):
        lesson.role_notes["en"]["police"] = "<p>Changed</p>"  # type: ignore[index]
    with pytest.raises(TypeError):
        catalog.courses["other"] = course  # type: ignore[index]
    assert isinstance(course.parts, tuple)
    assert isinstance(course.parts[0].quiz.items[0].choices, tuple)
    assert isinstance(lesson.objectives["en"], tuple)


def test_diagrams_are_loaded_and_rendered(catalog):
    part = catalog.get(COURSE).part("situational-prevention")
    image = part.image("crime-triangle")
    data = (VALID / TRIANGLE).read_bytes()
    assert (image.name, image.file_name, image.media_type) == (
        "crime-triangle",
        "crime-triangle.svg",
        "image/svg+xml",
    )
    assert image.data == data
    assert image.sha256 == hashlib.sha256(data).hexdigest()
    assert list(part.images) == ["crime-triangle"]
    assert dict(catalog.get(COURSE).part("safe-design").images) == {}
    html = part.lesson("opportunity").body_html["nb"]
    assert (
        '<img src="../situational-prevention/images/crime-triangle.svg" '
        'alt="Kriminalitetstriangelet: en motivert gjerningsperson og et egnet mål møtes der '
        'ingen kapabel vokter er til stede." />'
    ) in html
    with pytest.raises(TypeError):
        part.images["other"] = image  # type: ignore[index]
    with pytest.raises(dataclasses.FrozenInstanceError):
        image.data = b""  # type: ignore[misc]


# -- content version --------------------------------------------------------------------


def test_content_version_is_stable_and_independent_of_location(catalog, courses):
    version = catalog.get(COURSE).content_version
    assert len(version) == 16
    int(version, 16)
    again, _ = load_courses(courses, LANGUAGES)
    assert again.get(COURSE).content_version == version


def test_content_version_changes_with_any_file(catalog, courses):
    version = catalog.get(COURSE).content_version
    edit(courses / PART_TWO / "lessons/natural-surveillance.sv.md", "gott om den", "gott om sådan")
    changed, problems = load_courses(courses, LANGUAGES)
    assert problems == []
    assert changed.get(COURSE).content_version != version


def test_content_version_changes_with_a_diagram(catalog, courses):
    version = catalog.get(COURSE).content_version
    edit(courses / TRIANGLE, "#e63946", "#d62828")
    changed, problems = load_courses(courses, LANGUAGES)
    assert problems == []
    assert changed.get(COURSE).content_version != version


def test_content_version_ignores_hidden_files_and_other_courses(catalog, courses):
    version = catalog.get(COURSE).content_version
    (courses / COURSE / ".DS_Store").write_bytes(b"\0finder")
    shutil.copytree(courses / COURSE, courses / "second-course")
    edit(courses / "second-course/course.yaml", "slug: safer-streets", "slug: second-course")
    loaded, problems = load_courses(courses, LANGUAGES)
    assert problems == []
    assert loaded.get(COURSE).content_version == version
    assert loaded.get("second-course").content_version != version


# -- Markdown ---------------------------------------------------------------------------


def test_raw_html_stays_escaped(courses):
    lesson_file = courses / PART_ONE / "lessons/opportunity.en.md"
    edit(lesson_file, "# Crime follows", '<script>alert("x")</script>\n\n# Crime follows')
    edit(lesson_file, "decisions you take.", 'decisions you <b onclick="steal()">take</b>.')
    loaded, problems = load_courses(courses, LANGUAGES)
    assert problems == []
    lesson = loaded.get(COURSE).lesson("situational-prevention", "opportunity")
    assert "<script>" not in lesson.body_html["en"]
    assert "&lt;script&gt;alert(&quot;x&quot;)&lt;/script&gt;" in lesson.body_html["en"]
    assert "<b " not in lesson.notes_for("en", "official")
    assert "&lt;b onclick=&quot;steal()&quot;&gt;" in lesson.notes_for("en", "official")


def test_role_fences_inside_code_blocks_are_code(courses):
    edit(
        courses / PART_ONE / "lessons/opportunity.en.md",
        "Read on about",
        "```\n::: role official\nnot a note\n:::\n```\n\nRead on about",
    )
    loaded, problems = load_courses(courses, LANGUAGES)
    assert problems == []
    lesson = loaded.get(COURSE).lesson("situational-prevention", "opportunity")
    assert "<pre><code>::: role official\nnot a note\n:::\n</code></pre>" in lesson.body_html["en"]


def test_lesson_href_can_be_chosen(courses):
    def href(course: str, part: str, lesson: str) -> str:
        return f"/learn/{course}/{part}/{lesson}"

    loaded, _ = load_courses(courses, LANGUAGES, href=href)
    html = loaded.get(COURSE).lesson("safe-design", "natural-surveillance").body_html["en"]
    assert 'href="/learn/safer-streets/situational-prevention/opportunity"' in html


def test_image_src_can_be_chosen(courses):
    def src(course: str, part: str, name: str) -> str:
        return f"/media/{course}/{part}/{name}.svg"

    loaded, _ = load_courses(courses, LANGUAGES, image_src=src)
    html = loaded.get(COURSE).lesson("situational-prevention", "opportunity").body_html["en"]
    assert '<img src="/media/safer-streets/situational-prevention/crime-triangle.svg"' in html


def test_diagrams_in_role_notes_and_assignments_count_as_used(courses):
    edit(courses / f"{PART_ONE}/lessons/opportunity.en.md", "\n![The crime triangle", "\n![x")
    for language in LANGUAGES:
        lesson = courses / f"{PART_ONE}/lessons/opportunity.{language}.md"
        text = lesson.read_text(encoding="utf-8")
        lesson.write_text(text[: text.rindex("\n![")] + "\n", encoding="utf-8")
    edit(
        courses / f"{PART_ONE}/lessons/opportunity.en.md",
        "decisions you take.",
        "decisions you take.\n\n![The triangle](images/crime-triangle.svg)",
    )
    loaded, problems = load_courses(courses, LANGUAGES)
    assert problems == []
    lesson = loaded.get(COURSE).lesson("situational-prevention", "opportunity")
    assert "crime-triangle.svg" in lesson.notes_for("en", "official")
    assert "<img" not in lesson.body_html["en"]


# -- problems ---------------------------------------------------------------------------

# Every deliberate mistake in tests/data/courses/broken: (file, line, part of the message).
BROKEN_PROBLEMS = {
    "unknown key": ("broken-course/course.yaml", 3, "unknown key 'titel' (did you mean 'title'?)"),
    "missing language": ("broken-course/course.yaml", 5, "title is missing language nb"),
    "part folder not listed": (
        "broken-course/course.yaml",
        12,
        "folder unlisted-part/ is not listed in parts",
    ),
    "duplicate part": (
        "broken-course/course.yaml",
        14,
        "duplicate part slug 'first-part' (first at line 13)",
    ),
    "invalid slug": ("broken-course/course.yaml", 15, "invalid slug 'Second_Part'"),
    "part without files": (
        "broken-course/course.yaml",
        17,
        "part 'missing-part' is listed but missing-part/part.yaml does not exist",
    ),
    "duplicate field": (
        "broken-course/first-part/assignment.yaml",
        14,
        "duplicate field slug 'place' (first at line 11)",
    ),
    "key of another field type": (
        "broken-course/first-part/assignment.yaml",
        17,
        "choices does not apply to textarea fields",
    ),
    "unknown field type": (
        "broken-course/first-part/assignment.yaml",
        23,
        "type must be one of text, textarea, choice, repeat, not 'dropdown'",
    ),
    "DOCTYPE in a diagram": (
        "broken-course/first-part/images/entity.svg",
        2,
        "<!DOCTYPE is not allowed in a diagram",
    ),
    "diagram without viewBox": (
        "broken-course/first-part/images/no-viewbox.svg",
        1,
        "the <svg> element needs a viewBox",
    ),
    "diagram without title": (
        "broken-course/first-part/images/no-viewbox.svg",
        1,
        "the diagram needs a <title> inside <svg>",
    ),
    "not a diagram in images/": (
        "broken-course/first-part/images/photo.png",
        1,
        "images/ holds diagrams only: <name>.svg files",
    ),
    "script in a diagram": (
        "broken-course/first-part/images/unsafe.svg",
        3,
        "<script> is not allowed in a diagram",
    ),
    "event attribute in a diagram": (
        "broken-course/first-part/images/unsafe.svg",
        4,
        "event attribute 'onclick' is not allowed",
    ),
    "external href in a diagram": (
        "broken-course/first-part/images/unsafe.svg",
        5,
        "href='https://example.org/tracker.png' points outside the diagram",
    ),
    "external url() in a style attribute": (
        "broken-course/first-part/images/unsafe.svg",
        6,
        "url(https://example.org/paint.svg#p) in attribute 'style' points outside the diagram",
    ),
    "external url() in a <style> element": (
        "broken-course/first-part/images/unsafe.svg",
        7,
        "url(https://example.org/paint.svg#q) in <style> points outside the diagram",
    ),
    "unused diagram": (
        "broken-course/first-part/images/unused.svg",
        1,
        "diagram not used in any lesson or assignment of first-part",
    ),
    "lesson file not listed": (
        "broken-course/first-part/lessons/orphan.en.md",
        1,
        "lesson file not listed in first-part/part.yaml lessons",
    ),
    "broken lesson link": (
        "broken-course/first-part/lessons/welcome.en.md",
        7,
        "broken lesson link 'lesson:first-part/nowhere'",
    ),
    "unknown role": ("broken-course/first-part/lessons/welcome.en.md", 9, "unknown role 'mayor'"),
    "image without text alternative": (
        "broken-course/first-part/lessons/welcome.en.md",
        17,
        "image 'images/unsafe.svg' has no text alternative",
    ),
    "image file missing": (
        "broken-course/first-part/lessons/welcome.en.md",
        19,
        "image 'images/missing-map.svg' not found: no first-part/images/missing-map.svg",
    ),
    "external image": (
        "broken-course/first-part/lessons/welcome.en.md",
        21,
        "external image 'https://example.org/photo.jpg': course content never loads anything",
    ),
    "malformed lesson link": (
        "broken-course/first-part/lessons/welcome.nb.md",
        7,
        "malformed lesson link 'lesson:welcome'",
    ),
    "role note not closed": (
        "broken-course/first-part/lessons/welcome.nb.md",
        9,
        "role note 'police' is not closed with ':::'",
    ),
    "minutes differ between languages": (
        "broken-course/first-part/lessons/welcome.sv.md",
        3,
        "minutes is 7 here but 5 in welcome.en.md",
    ),
    "missing required key": (
        "broken-course/first-part/part.yaml",
        1,
        "missing required key 'summary'",
    ),
    "duplicate lesson": (
        "broken-course/first-part/part.yaml",
        7,
        "duplicate lesson slug 'welcome' (first at line 6)",
    ),
    "lesson without files": (
        "broken-course/first-part/part.yaml",
        8,
        "lesson 'ghost' is listed but has no files",
    ),
    "pass mark out of range": (
        "broken-course/first-part/part.yaml",
        9,
        "pass_mark must be between 1 and 100, not 150",
    ),
    "no correct choice": (
        "broken-course/first-part/quiz.yaml",
        9,
        "quiz item has no correct choice",
    ),
    "feedback missing a language": (
        "broken-course/first-part/quiz.yaml",
        15,
        "feedback is missing language nb",
    ),
    "duplicate choice": (
        "broken-course/first-part/quiz.yaml",
        16,
        "duplicate choice slug 'b' (first at line 13)",
    ),
    "no source": ("broken-course/first-part/quiz.yaml", 19, "missing required key 'source'"),
    "duplicate quiz item": (
        "broken-course/first-part/quiz.yaml",
        19,
        "duplicate quiz item slug 'no-correct' (first at line 2)",
    ),
    "unknown kind": (
        "broken-course/first-part/quiz.yaml",
        20,
        "kind must be one of scenario, recall, not 'guess'",
    ),
    "too few choices": (
        "broken-course/first-part/quiz.yaml",
        25,
        "quiz item has 2 choices; at least 3 are needed",
    ),
    "YAML syntax error": (
        "broken-course/second-part/assignment.yaml",
        4,
        "YAML syntax error: mapping values are not allowed here",
    ),
    "unknown language of a lesson file": (
        "broken-course/second-part/lessons/only-lesson.de.md",
        1,
        "unknown language 'de' (languages: en, sv, nb)",
    ),
    "lesson missing a language": (
        "broken-course/second-part/part.yaml",
        10,
        "lesson 'only-lesson' has no nb file: lessons/only-lesson.nb.md",
    ),
    "slug differs from folder": (
        "copied-course/course.yaml",
        1,
        "slug 'broken-course' differs from the folder 'copied-course'",
    ),
    "duplicate course": (
        "copied-course/course.yaml",
        1,
        "duplicate course slug 'broken-course' (also in broken-course/course.yaml)",
    ),
    "another part without files": (
        "copied-course/course.yaml",
        5,
        "part 'only-part' is listed but only-part/part.yaml does not exist",
    ),
    "unexpected file": ("notes.txt", 1, "unexpected file: only course folders and README.md"),
}


@pytest.fixture(scope="module")
def broken() -> tuple[Catalog, list[tuple[str, int, str]]]:
    catalog, problems = load_courses(BROKEN, LANGUAGES)
    return catalog, [(p.file, p.line, p.message) for p in problems]


@pytest.mark.parametrize("kind", BROKEN_PROBLEMS)
def test_broken_course_reports_problem(broken, kind):
    file, line, message = BROKEN_PROBLEMS[kind]
    at_line = [text for f, n, text in broken[1] if (f, n) == (file, line)]
    assert any(message in text for text in at_line), f"{file}:{line}: {at_line}"


def test_broken_courses_report_nothing_else_and_load_no_course(broken):
    catalog, problems = broken
    assert len(catalog) == 0
    expected = sorted((file, line) for file, line, _ in BROKEN_PROBLEMS.values())
    assert sorted((file, line) for file, line, _ in problems) == expected
    assert problems == sorted(problems, key=lambda problem: (problem[0], problem[1]))


EDITS = {
    "unknown language": (
        "safer-streets/course.yaml",
        "  nb: Tryggere gater\n",
        "  nb: Tryggere gater\n  de: Sicherere Straßen\n",
        7,
        "unknown language 'de' in title (languages: en, sv, nb)",
    ),
    "repeated key": (
        "safer-streets/course.yaml",
        'version: "2025.1"\n',
        'version: "2025.1"\nversion: "2025.2"\n',
        3,
        "key 'version' appears more than once",
    ),
    "role note missing in a translation": (
        f"{PART_ONE}/lessons/opportunity.sv.md",
        "::: role police\n",
        "::: role other\n",
        38,
        "role note 'other' is missing in opportunity.en.md",
    ),
    "objectives differ between languages": (
        f"{PART_ONE}/lessons/five-techniques.nb.md",
        "  - Velge en teknikk for et lokalt problem.\n",
        "",
        4,
        "1 objectives here but 2 in five-techniques.en.md",
    ),
    "no front matter": (
        f"{PART_TWO}/lessons/natural-surveillance.sv.md",
        "---\n",
        "",
        1,
        "a lesson file starts with front matter",
    ),
    "YAML error in front matter": (
        f"{PART_TWO}/lessons/natural-surveillance.nb.md",
        "minutes: 12",
        "minutes: 12: 13",
        3,
        "YAML syntax error: mapping values are not allowed here",
    ),
    "unknown key in front matter": (
        f"{PART_TWO}/lessons/natural-surveillance.en.md",
        "minutes: 12",
        "minuts: 12",
        3,
        "unknown key 'minuts' (did you mean 'minutes'?)",
    ),
    "stray fence": (
        f"{PART_TWO}/lessons/natural-surveillance.en.md",
        "has plenty.\n",
        "has plenty.\n:::\n",
        14,
        "':::' closes nothing",
    ),
    "nested role note": (
        f"{PART_TWO}/lessons/natural-surveillance.en.md",
        "Keep hedges",
        "::: role police\nKeep hedges",
        16,
        "blocks cannot be nested",
    ),
    "unknown block": (
        f"{PART_TWO}/lessons/natural-surveillance.en.md",
        "has plenty.\n",
        "has plenty.\n::: warning\n",
        14,
        "unknown block '::: warning'",
    ),
    "unquoted yes": (
        f"{PART_ONE}/quiz.yaml",
        "en: A capable guardian",
        "en: yes",
        19,
        "text.en must be non-empty text",
    ),
    "pass mark in part.yaml and quiz.yaml": (
        f"{PART_ONE}/quiz.yaml",
        "items:\n",
        "pass_mark: 90\nitems:\n",
        1,
        "pass_mark is also set in part.yaml; keep one",
    ),
    "pass mark below 1": (
        f"{PART_ONE}/part.yaml",
        "pass_mark: 75",
        "pass_mark: 0",
        12,
        "pass_mark must be between 1 and 100, not 0",
    ),
    "min_length above max_length": (
        f"{PART_ONE}/assignment.yaml",
        "min_length: 50",
        "min_length: 3000",
        29,
        "min_length 3000 exceeds max_length 2000",
    ),
    "choice field with one choice": (
        f"{PART_TWO}/assignment.yaml",
        "          - slug: this-year\n"
        "            label: {en: Within a year, sv: Inom ett år, nb: Innen et år}\n",
        "",
        39,
        "a choice field needs at least 2 choices",
    ),
    "repeat inside repeat": (
        f"{PART_TWO}/assignment.yaml",
        "        type: text\n        label: {en: Where",
        "        type: repeat\n        label: {en: Where",
        30,
        "a repeat group cannot contain another repeat group",
    ),
    "link in assignment instructions": (
        f"{PART_ONE}/assignment.yaml",
        "choose one of the five techniques.",
        "choose one of [the techniques](lesson:situational-prevention/six-techniques).",
        9,
        "broken lesson link 'lesson:situational-prevention/six-techniques'",
    ),
    "image not found": (
        f"{PART_ONE}/lessons/opportunity.sv.md",
        "](images/crime-triangle.svg)",
        "](images/crime-square.svg)",
        44,
        "image 'images/crime-square.svg' not found",
    ),
    "empty text alternative": (
        f"{PART_ONE}/lessons/opportunity.nb.md",
        "![Kriminalitetstriangelet: en motivert gjerningsperson og et egnet mål møtes der "
        "ingen kapabel vokter er til stede.]",
        "![  ]",
        44,
        "has no text alternative",
    ),
    "image by network path": (
        f"{PART_TWO}/lessons/natural-surveillance.en.md",
        "has plenty.\n",
        "has plenty.\n\n![A street](//example.org/street.svg)\n",
        15,
        "external image '//example.org/street.svg'",
    ),
    "data: image": (
        f"{PART_TWO}/lessons/natural-surveillance.en.md",
        "has plenty.\n",
        "has plenty.\n\n![A dot](data:image/png;base64,iVBORw0KGgo=)\n",
        15,
        "external image 'data:image/png;base64,iVBORw0KGgo='",
    ),
    "image of another part": (
        f"{PART_TWO}/lessons/natural-surveillance.en.md",
        "has plenty.\n",
        "has plenty.\n\n![A triangle](../situational-prevention/images/crime-triangle.svg)\n",
        15,
        "write images/<name>.svg for a diagram in safe-design/images/",
    ),
    "image in assignment instructions": (
        f"{PART_ONE}/assignment.yaml",
        "choose one of the five techniques.",
        "choose one of the five techniques. ![](images/crime-triangle.svg)",
        9,
        "image 'images/crime-triangle.svg' has no text alternative",
    ),
    "script in a diagram": (
        TRIANGLE,
        "  <polygon",
        "  <script>fetch('/steal')</script>\n  <polygon",
        10,
        "<script> is not allowed in a diagram",
    ),
    "foreignObject in a diagram": (
        TRIANGLE,
        "  <polygon",
        "  <foreignObject><p>HTML</p></foreignObject>\n  <polygon",
        10,
        "<foreignObject> is not allowed in a diagram",
    ),
    "event attribute in a diagram": (
        TRIANGLE,
        '<circle cx="160"',
        '<circle onMouseOver="steal()" cx="160"',
        12,
        "event attribute 'onMouseOver' is not allowed in a diagram",
    ),
    "external xlink:href in a diagram": (
        TRIANGLE,
        '<circle cx="160" cy="40" r="8" fill="#1d3557"/>',
        '<use xmlns:xlink="http://www.w3.org/1999/xlink" xlink:href="https://example.org/"/>',
        12,
        "href='https://example.org/' points outside the diagram",
    ),
    "external url() in a style attribute": (
        TRIANGLE,
        'class="centre"',
        'class="centre" style="fill: url(\'https://example.org/p.svg#fill\')"',
        18,
        "url(https://example.org/p.svg#fill) in attribute 'style' points outside the diagram",
    ),
    "external url() in a presentation attribute": (
        TRIANGLE,
        'fill="#f1faee"',
        'fill="url(https://example.org/p.svg#fill)"',
        10,
        "url(https://example.org/p.svg#fill) in attribute 'fill' points outside the diagram",
    ),
    "@import in a <style> element": (
        TRIANGLE,
        "    text {",
        "    @import 'https://example.org/fonts.css';\n    text {",
        6,
        "@import in <style> is not allowed in a diagram",
    ),
    "entity declaration": (
        TRIANGLE,
        "<svg xmlns",
        '<!ENTITY a "b">\n<svg xmlns',
        1,
        "<!ENTITY is not allowed in a diagram",
    ),
    "lowercase doctype": (
        TRIANGLE,
        "<svg xmlns",
        "<!doctype svg>\n<svg xmlns",
        1,
        "<!doctype is not allowed in a diagram",
    ),
    "processing instruction": (
        TRIANGLE,
        "<svg xmlns",
        '<?xml-stylesheet href="https://example.org/a.css"?>\n<svg xmlns',
        1,
        "processing instructions (<?...?>) are not allowed",
    ),
    "animated href": (
        TRIANGLE,
        "  <polygon",
        '  <a href="#title"><set attributeName="href" to="https://example.org"/></a>\n  <polygon',
        10,
        "animating 'href' is not allowed in a diagram",
    ),
    "missing viewBox": (
        TRIANGLE,
        ' viewBox="0 0 320 270"',
        "",
        1,
        "the <svg> element needs a viewBox",
    ),
    "missing title": (
        TRIANGLE,
        '<title id="title">The crime triangle</title>',
        "",
        1,
        "the diagram needs a <title> inside <svg>",
    ),
    "root outside the SVG namespace": (
        TRIANGLE,
        ' xmlns="http://www.w3.org/2000/svg"',
        "",
        1,
        'the root element must be <svg xmlns="http://www.w3.org/2000/svg">',
    ),
    "diagram that is not well-formed": (
        TRIANGLE,
        "</desc>",
        "</description>",
        5,
        "the diagram is not well-formed XML: mismatched tag",
    ),
}


@pytest.mark.parametrize("kind", EDITS)
def test_edited_course_reports_problem(courses, kind):
    file, old, new, line, message = EDITS[kind]
    edit(courses / file, old, new)
    found = problems_in(courses)
    assert any((f, n) == (file, line) and message in text for f, n, text in found), found


def test_pass_mark_without_quiz(courses):
    (courses / PART_TWO / "quiz.yaml").unlink()
    with (courses / PART_TWO / "part.yaml").open("a", encoding="utf-8") as part_file:
        part_file.write("pass_mark: 70\n")
    assert problems_in(courses) == [
        (f"{PART_TWO}/part.yaml", 11, "pass_mark is set but there is no quiz.yaml")
    ]


def test_unexpected_files_and_bad_encoding(courses):
    (courses / PART_ONE / "notes.txt").write_text("draft", encoding="utf-8")
    (courses / PART_ONE / "lessons/opportunity.txt").write_text("draft", encoding="utf-8")
    (courses / PART_TWO / "lessons/natural-surveillance.sv.md").write_bytes(
        b"---\ntitle: Naturlig \xf6vervakning\n"
    )
    assert problems_in(courses) == [
        (
            f"{PART_TWO}/lessons/natural-surveillance.sv.md",
            2,
            "the file is not valid UTF-8",
        ),
        (
            f"{PART_ONE}/lessons/opportunity.txt",
            1,
            "lesson files are named <lesson-slug>.<language>.md",
        ),
        (
            f"{PART_ONE}/notes.txt",
            1,
            "unexpected file: a part folder holds part.yaml, quiz.yaml, assignment.yaml, "
            "facilitator.yaml, lessons/ and images/",
        ),
    ]


def test_image_folder_holds_used_svg_files_only(courses):
    images = courses / PART_ONE / "images"
    shutil.copy(images / "crime-triangle.svg", images / "spare.svg")
    shutil.copy(images / "crime-triangle.svg", images / "Crime_Square.svg")
    (images / "photo.jpg").write_bytes(b"\xff\xd8\xff")
    (images / "drafts").mkdir()
    (images / "drafts/old.svg").write_text("<svg/>", encoding="utf-8")
    assert problems_in(courses) == [
        (
            f"{PART_ONE}/images/Crime_Square.svg",
            1,
            "diagram file name: invalid slug 'Crime_Square': "
            "use lowercase letters, digits and single hyphens (e.g. 'safety-walk')",
        ),
        (
            f"{PART_ONE}/images/drafts/old.svg",
            1,
            "unexpected file: a part folder holds part.yaml, quiz.yaml, assignment.yaml, "
            "facilitator.yaml, lessons/ and images/",
        ),
        (f"{PART_ONE}/images/photo.jpg", 1, "images/ holds diagrams only: <name>.svg files"),
        (
            f"{PART_ONE}/images/spare.svg",
            1,
            "diagram not used in any lesson or assignment of situational-prevention",
        ),
    ]


def test_a_diagram_over_200_kb_is_refused(courses):
    edit(courses / TRIANGLE, "</svg>", f"<!-- {'x' * 200 * 1024} -->\n</svg>")
    found = problems_in(courses)
    assert len(found) == 1
    assert found[0][:2] == (TRIANGLE, 1)
    assert "at most 204800 (200 KB)" in found[0][2]


def test_empty_and_missing_directories(tmp_path):
    (tmp_path / "README.md").write_text("Course files.\n", encoding="utf-8")
    catalog, problems = load_courses(tmp_path, LANGUAGES)
    assert (len(catalog), problems) == (0, [])
    _, problems = load_courses(tmp_path / "nowhere", LANGUAGES)
    assert [(p.file, p.line) for p in problems] == [(".", 1)]
    assert "does not exist" in problems[0].message


# -- the catalog of the application -----------------------------------------------------


def test_catalog_loads_lazily_once_and_finds_courses(database_url):
    app = make_app(database_url, VALID)
    assert "academy.courses" not in app.extensions  # create_app read no course file
    with app.app_context():
        catalog = get_catalog()
        assert get_catalog() is catalog
        assert get_course(COURSE) is catalog.get(COURSE)
        assert get_course("no-such-course") is None


def test_catalog_loads_once_across_threads(database_url, monkeypatch):
    app = make_app(database_url, VALID)
    calls = []
    original = content.load_courses

    def counting_load(*args, **kwargs):
        calls.append(args)
        return original(*args, **kwargs)

    monkeypatch.setattr(content, "load_courses", counting_load)
    results = []
    threads = [threading.Thread(target=lambda: results.append(get_catalog(app))) for _ in range(8)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert len(calls) == 1
    assert len(results) == 8
    assert all(result is results[0] for result in results)


def test_invalid_files_raise_a_clear_error(database_url):
    app = make_app(database_url, BROKEN)
    with app.app_context(), pytest.raises(CourseError) as raised:
        get_catalog()
    assert len(raised.value.problems) == len(BROKEN_PROBLEMS)
    message = str(raised.value)
    assert f"{len(BROKEN_PROBLEMS)} problems in the course files in {BROKEN}" in message
    assert "broken-course/course.yaml:3: unknown key 'titel'" in message
    with app.app_context(), pytest.raises(CourseError):
        get_course(COURSE)


def test_set_lesson_href_before_the_first_load(database_url):
    app = make_app(database_url, VALID)
    set_lesson_href(app, lambda course, part, lesson: f"/courses/{course}/{part}/{lesson}")
    course = get_course(COURSE, app)
    html = course.lesson("safe-design", "natural-surveillance").body_html["sv"]
    assert 'href="/courses/safer-streets/situational-prevention/opportunity"' in html
    with pytest.raises(RuntimeError, match="already loaded"):
        set_lesson_href(app, lambda course, part, lesson: "#")


def test_set_image_href_before_the_first_load(database_url):
    app = make_app(database_url, VALID)
    set_image_href(app, lambda course, part, name: f"/courses/{course}/{part}/images/{name}.svg")
    html = get_course(COURSE, app).lesson("situational-prevention", "opportunity").body_html["en"]
    assert 'src="/courses/safer-streets/situational-prevention/images/crime-triangle.svg"' in html
    with pytest.raises(RuntimeError, match="set the image href before that"):
        set_image_href(app, lambda course, part, name: "#")
