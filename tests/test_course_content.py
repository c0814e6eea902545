"""Editorial rules for the real course in courses/, enforced in CI.

The loader checks the format; these tests check what issue 4 asks of the content itself:
every language complete, lessons of 500 to 1,500 words, quizzes of at least 8 sourced
items with at least half scenarios, assignments that an empty form cannot complete, and a
diagram in every part.
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


def test_every_part_has_four_to_six_lessons_a_quiz_and_an_assignment(course):
    for part in course.parts:
        assert 4 <= len(part.lessons) <= 6, part.slug
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
        assert len(quiz.items) >= 8, part.slug
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
