"""Editorial rules for the real course in courses/, enforced in CI.

The loader checks the format; these tests check what issues 4 and 17 ask of the content
itself: every language complete, six to nine lessons of 500 to 1,500 words per part, each
with its public sources and a check of its own, a documented case per part, quiz pools of
at least 18 sourced items (12 asked per attempt, at least half scenarios, with data tables
and diagrams to read, the key not given away by being the longest answer), assignments
that an empty form cannot complete, a diagram in every part, and none of the wrong forms a
reviewer found coming back.
"""

from __future__ import annotations

import html
import re
from pathlib import Path

import pytest

from academy.content import load_courses
from academy.content.model import AssignmentField

COURSES = Path(__file__).resolve().parent.parent / "courses"
LANGUAGES = ("en", "sv", "nb")
COURSE = "safer-places"
PARTS = ("situational-prevention", "safe-urban-planning", "place-collaboration", "placemaking")


@pytest.fixture(scope="module")
def course():
    catalog, problems = load_courses(COURSES, LANGUAGES)
    assert problems == []
    return catalog.get(COURSE)


def words(rendered_html: str) -> int:
    text = html.unescape(re.sub(r"<[^>]+>", " ", rendered_html))
    return len(re.findall(r"\w[\w'\u2019-]*", text))


def all_lessons(course):
    return [(part, lesson) for part in course.parts for lesson in part.lessons]


def test_the_course_has_its_four_parts_in_order(course):
    assert course is not None
    assert tuple(part.slug for part in course.parts) == PARTS


def test_every_part_has_six_to_nine_lessons_a_quiz_and_an_assignment(course):
    for part in course.parts:
        assert 6 <= len(part.lessons) <= 9, part.slug
        assert part.quiz is not None, part.slug
        assert part.assignment is not None, part.slug


def test_every_lesson_is_500_to_1500_words_in_every_language(course):
    outside = []
    for part, lesson in all_lessons(course):
        for language in LANGUAGES:
            notes = "".join(lesson.role_notes.get(language, {}).values())
            count = words(lesson.body_html[language] + notes)
            if not 500 <= count <= 1500:
                outside.append(f"{part.slug}/{lesson.slug}.{language}: {count} words")
    assert outside == []


def test_every_lesson_has_objectives(course):
    for _part, lesson in all_lessons(course):
        for language in LANGUAGES:
            assert len(lesson.objectives[language]) >= 2, (lesson.slug, language)


def test_every_part_has_a_diagram_with_a_text_alternative(course):
    for part in course.parts:
        html_of_part = "".join(
            lesson.body_html[language] for lesson in part.lessons for language in LANGUAGES
        )
        images = re.findall(r'<img src="[^"]+\.svg" alt="([^"]*)"', html_of_part)
        assert images, part.slug
        assert all(alt.strip() for alt in images), part.slug


def test_role_notes_cover_the_audiences_in_every_part(course):
    for part in course.parts:
        roles = {role for lesson in part.lessons for role in lesson.role_notes["en"]}
        assert len(roles) >= 3, (part.slug, roles)


def test_quizzes_are_sourced_scenario_led_and_explained(course):
    for part in course.parts:
        quiz = part.quiz
        assert quiz.pass_mark == 80, part.slug
        # A pool, so that a retry is not the same test (issue 17, item 19).
        assert len(quiz.items) >= 18, part.slug
        assert quiz.per_attempt is not None and quiz.per_attempt >= 12, part.slug
        scenarios = sum(item.kind == "scenario" for item in quiz.items)
        assert scenarios * 2 >= len(quiz.items), part.slug
        for item in quiz.items:
            assert item.source.strip(), item.slug
            assert len(item.choices) >= 3, item.slug
            assert any(choice.correct for choice in item.choices), item.slug
            for choice in item.choices:
                for language in LANGUAGES:
                    assert len(choice.feedback[language].split()) >= 4, (item.slug, choice.slug)


def test_shown_sources_name_public_documents_not_course_facts(course):
    """Participants see each source after answering; our internal research file is not public."""
    internal = []
    for part in course.parts:
        for item in part.quiz.items:
            if re.search(r"course facts|quiz candidate|shared/cases", item.source, re.IGNORECASE):
                internal.append(f"{part.slug}/{item.slug}: {item.source}")
    assert internal == []


def required_text_fields(fields: tuple[AssignmentField, ...]):
    for field in fields:
        if field.type == "repeat":
            yield from required_text_fields(field.fields)
        elif field.required and field.type in ("text", "textarea"):
            yield field


def test_an_empty_assignment_cannot_complete_a_part(course):
    for part in course.parts:
        fields = list(required_text_fields(part.assignment.fields))
        assert fields, part.slug
        assert any((field.min_length or 0) >= 20 for field in fields), part.slug
        assert all(field.max_length for field in fields), part.slug


def test_the_safety_walk_feeds_findings_with_the_shared_categories(course):
    """The place picture (issue 9) turns these sub-fields into findings."""
    walk = course.part("safe-urban-planning").assignment
    findings = next(field for field in walk.fields if field.slug == "findings")
    assert findings.type == "repeat"
    sub = {field.slug: field for field in findings.fields}
    assert {"spot", "category", "observation", "suggestion", "severity"} <= set(sub)
    assert [c.slug for c in sub["category"].choices] == [
        "lighting",
        "sight-lines",
        "maintenance",
        "vegetation",
        "access-routes",
        "activity",
        "signage",
        "other",
    ]
    assert [c.slug for c in sub["severity"].choices] == ["low", "medium", "high"]


def test_every_part_has_a_documented_case(course):
    """Issue 17, item 15: a Nordic case per part, as a lesson whose slug says so."""
    for part in course.parts:
        assert any(lesson.slug.startswith("case-") for lesson in part.lessons), part.slug


def test_every_lesson_names_its_sources_and_has_a_check(course):
    for part, lesson in all_lessons(course):
        for language in LANGUAGES:
            assert lesson.sources[language], (part.slug, lesson.slug, language)
            checks = [check for _html, check in lesson.body_parts[language] if check]
            assert checks, (part.slug, lesson.slug, language)


INTERNAL_NOTES = re.compile(
    r"course facts|quiz candidate|shared/cases|course sources|sources behind this course"
    r"|our sources|våra källor|kursens källor|våre kilder|kursets kilder",
    re.IGNORECASE,
)


def test_learners_never_see_internal_notes(course):
    """Issue 17, item 2: what learners read states the evidence, not our research files."""
    found = []
    for part, lesson in all_lessons(course):
        for language in LANGUAGES:
            shown = [lesson.body_html[language], *lesson.sources[language]]
            shown += lesson.role_notes[language].values()
            for _html, check in lesson.body_parts[language]:
                if check:
                    shown += [check.question] + [c.feedback for c in check.choices]
            if INTERNAL_NOTES.search(" ".join(shown)):
                found.append(f"{part.slug}/{lesson.slug}.{language}")
        for item in part.quiz.items:
            texts = [item.source, *item.question.values()]
            texts += [text for choice in item.choices for text in choice.feedback.values()]
            if INTERNAL_NOTES.search(" ".join(texts)):
                found.append(f"{part.slug}/quiz/{item.slug}")
    assert found == []


def test_every_quiz_has_a_data_table_and_a_diagram_to_read(course):
    for part in course.parts:
        contexts = [item.context_html["en"] for item in part.quiz.items if item.context_html]
        assert any("<table>" in html for html in contexts), part.slug
        assert any("<img " in html for html in contexts), part.slug


def test_the_key_is_seldom_the_longest_answer(course):
    """Issue 17, item 13: test-wise learners pick the longest, most balanced answer; it is
    the right one in at most a third of the items, in every language."""
    for language in LANGUAGES:
        items = [item for part in course.parts for item in part.quiz.items]
        longest_is_key = 0
        for item in items:
            longest = max(item.choices, key=lambda choice: len(choice.text[language]))
            longest_is_key += longest.correct
        assert longest_is_key * 3 <= len(items), (language, longest_is_key, len(items))


# Wrong forms a Swedish- and Norwegian-writing reviewer found (issue 17, items 3, 8 and
# 9), so that none of them comes back: each with what to write instead.
WRONG_FORMS = {
    r"\bgenerende\b": "genererende (nb: 'generende' means embarrassing)",
    r"samordnare for brottsförebyggande": "samordningsfunksjon for kriminalitetsforebygging",
    r"(?-i:\bOverordnet plan\b)": "kommuneplanens arealdel",
    r"\bPPS:s\b": "a phrase without the genitive, e.g. 'Project for Public Spaces beskriver'",
    r"\bräkningar\b": "besöksräkning, antal besökare ('räkningar' reads as invoices)",
    r"\bblank (vägg|vegg)": "blind vägg / blindvegg",
    r"\btriggar": "utlöser",
    r"Genomarbetat exempel": "Exempel steg för steg",
    r"Gjennomarbeidet eksempel": "Eksempel trinn for trinn",
    r"mindre provocerat": "a natural phrasing",
    r"längre kioskkvällar|lengre kioskåpent": "a natural phrasing",
    r"kriminalitetstriangel": "kriminalitetstrekanten",
}


def test_none_of_the_reviewed_wrong_forms_comes_back():
    found = []
    folder = COURSES / COURSE
    for path in sorted(folder.rglob("*")):
        if path.suffix not in (".md", ".yaml", ".svg"):
            continue
        for number, line in enumerate(path.read_text(encoding="utf-8").splitlines(), 1):
            for pattern, instead in WRONG_FORMS.items():
                if re.search(pattern, line, re.IGNORECASE):
                    found.append(f"{path.relative_to(folder)}:{number}: write {instead}")
    assert found == []
