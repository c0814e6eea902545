"""The second edition's course format: checks inside lessons, lesson sources, quiz pools
drawn per attempt and quiz items with a table or diagram above the question."""

from __future__ import annotations

import dataclasses
import shutil

import pytest
from sqlalchemy import select

from academy.content import get_course, load_courses
from academy.models import QuizAttempt
from academy.services import progress as progress_service
from tests.factories import make_enrolment
from tests.test_content_loader import COURSE, LANGUAGES, PART_ONE, VALID, edit, problems_in

LESSON = f"{PART_ONE}/lessons/five-techniques"

CHECKS = {
    "en": ("Which technique is a better lock?", "Increase the effort", "Reduce the rewards"),
    "sv": ("Vilken teknik är ett bättre lås?", "Öka ansträngningen", "Minska vinsten"),
    "nb": ("Hvilken teknikk er en bedre lås?", "Øke innsatsen", "Redusere gevinsten"),
}


def check_block(language: str, *, right: int = 0) -> str:
    question, effort, rewards = CHECKS[language]
    choices = [effort, rewards, "Remove excuses"]
    lines = ["::: check", f'question: "{question}"', "choices:"]
    for index, text in enumerate(choices):
        lines.append(f'  - text: "{text}"')
        if index == right:
            lines.append("    correct: true")
        lines.append(f'    feedback: "Feedback {index} in {language}: because it says why."')
    return "\n".join([*lines, ":::"]) + "\n"


@pytest.fixture
def courses(tmp_path):
    target = tmp_path / "courses"
    shutil.copytree(VALID, target)
    return target


def add_checks(courses, **right_by_language) -> None:
    for language in LANGUAGES:
        edit(
            courses / f"{LESSON}.{language}.md",
            "\n::: role trader",
            "\n" + check_block(language, right=right_by_language.get(language, 0)) + "\nAfter.\n"
            "\n::: role trader",
        )


def test_a_check_is_shown_where_it_was_written_and_kept_out_of_the_body(courses):
    add_checks(courses)
    catalog, problems = load_courses(courses, LANGUAGES)
    assert problems == []
    lesson = catalog.get(COURSE).lesson("situational-prevention", "five-techniques")
    parts = lesson.body_parts["sv"]
    assert [check is not None for _html, check in parts] == [True, False]
    before, check = parts[0]
    assert "bättre lås?" not in before and "natural-surveillance" in before
    assert "<p>After.</p>" in parts[1][0]
    assert check.question == "Vilken teknik är ett bättre lås?"
    assert [c.correct for c in check.choices] == [True, False, False]
    assert check.choices[1].feedback.startswith("Feedback 1 in sv")
    assert "::: check" not in lesson.body_html["sv"] and "question:" not in lesson.body_html["sv"]
    assert lesson.body_html["sv"] == "".join(html for html, _check in parts)


def test_a_lesson_without_checks_is_one_part(courses):
    catalog, _problems = load_courses(courses, LANGUAGES)
    lesson = catalog.get(COURSE).lesson("safe-design", "natural-surveillance")
    assert [(html, check) for html, check in lesson.body_parts["en"]] == [
        (lesson.body_html["en"], None)
    ]


def test_translations_must_ask_the_same_checks(courses):
    add_checks(courses, nb=1)
    messages = [message for _file, _line, message in problems_in(courses)]
    assert messages == ["this check's choices or right answers differ from five-techniques.en.md"]


def test_a_missing_check_in_one_language_is_reported(courses):
    for language in ("en", "sv"):
        edit(
            courses / f"{LESSON}.{language}.md",
            "\n::: role trader",
            "\n" + check_block(language) + "\n::: role trader",
        )
    problems = problems_in(courses)
    assert [(file.rsplit("/", 1)[-1], message) for file, _line, message in problems] == [
        ("five-techniques.nb.md", "0 checks here but 1 in five-techniques.en.md")
    ]


@pytest.mark.parametrize(
    ("block", "message"),
    [
        (
            '::: check\nquestion: "Q?"\nchoices:\n  - text: "a"\n    feedback: "b"\n:::\n',
            "a check has 1 choices; give 3 to 6",
        ),
        (
            '::: check\nquestion: "Q?"\nchoices:\n'
            + "".join(f'  - text: "{n}"\n    feedback: "f"\n' for n in "abc")
            + ":::\n",
            "no correct choice",
        ),
        ("::: check\nquestion: Q?\n", "check is not closed with ':::'"),
        ('::: check\nquestion: "a: b: c\n:::\n', "YAML syntax error"),
        ("::: check\nquestoin: Q?\nchoices: []\n:::\n", "unknown key 'questoin'"),
        ("::: check\n::: role police\nx\n:::\n:::\n", "blocks cannot be nested"),
    ],
)
def test_broken_checks_are_reported_with_their_line(courses, block, message):
    lesson = courses / f"{LESSON}.en.md"
    if "not closed" in message:  # at the end, where nothing else can close it
        lesson.write_text(lesson.read_text(encoding="utf-8") + "\n" + block, encoding="utf-8")
    else:
        edit(lesson, "\n::: role trader", "\n" + block + "\n::: role trader")
    problems = problems_in(courses)
    assert any(
        message in text and file.endswith("five-techniques.en.md") for file, _l, text in problems
    ), problems
    assert all(line > 1 for file, line, _text in problems if file.endswith("five-techniques.en.md"))


def test_sources_are_read_from_the_front_matter(courses):
    for language in LANGUAGES:
        edit(
            courses / f"{LESSON}.{language}.md",
            "objectives:",
            'sources:\n  - "Clarke, R. V. (1997). Situational Crime Prevention: Successful Case '
            'Studies."\nobjectives:',
        )
    catalog, problems = load_courses(courses, LANGUAGES)
    assert problems == []
    lesson = catalog.get(COURSE).lesson("situational-prevention", "five-techniques")
    assert lesson.sources["nb"] == (
        "Clarke, R. V. (1997). Situational Crime Prevention: Successful Case Studies.",
    )
    assert catalog.get(COURSE).lesson("safe-design", "natural-surveillance").sources["en"] == ()


def test_an_empty_source_is_a_problem(courses):
    edit(courses / f"{LESSON}.en.md", "objectives:", 'sources:\n  - ""\nobjectives:')
    assert ("each source must be non-empty text") in [m for _f, _l, m in problems_in(courses)]


def test_a_quiz_pool_draws_per_attempt_and_needs_spare_items(courses):
    quiz = courses / f"{PART_ONE}/quiz.yaml"
    edit(quiz, "items:\n", "per_attempt: 2\nitems:\n")
    assert any(
        "per_attempt is 2 but the quiz has 2 items" in m for _f, _l, m in problems_in(courses)
    )
    edit(quiz, "per_attempt: 2", "per_attempt: 1")
    catalog, problems = load_courses(courses, LANGUAGES)
    assert problems == []
    pool = catalog.get(COURSE).parts[0].quiz
    assert pool.per_attempt == 1 and pool.attempt_size == 1
    draws = {pool.draw(f"nonce-{n}")[0].slug for n in range(40)}
    assert draws == {item.slug for item in pool.items}
    assert pool.draw("same") == pool.draw("same") and len(pool.draw("same")) == 1


def test_a_quiz_item_context_renders_tables_and_counts_its_diagram_as_used(courses):
    quiz = courses / f"{PART_ONE}/quiz.yaml"
    edit(
        quiz,
        "    question:\n",
        "    context:\n"
        '      en: "| Month | Thefts |\\n|---|---|\\n| May | 12 |"\n'
        '      sv: "| Månad | Stölder |\\n|---|---|\\n| Maj | 12 |"\n'
        '      nb: "![Trekanten](images/crime-triangle.svg)"\n'
        "    question:\n",
    )
    catalog, problems = load_courses(courses, LANGUAGES)
    assert problems == []
    item = catalog.get(COURSE).parts[0].quiz.item("bike-stand")
    assert '<td data-label="Thefts">12</td>' in item.context_html["en"]
    assert 'src="../situational-prevention/images/crime-triangle.svg"' in item.context_html["nb"]
    edit(quiz, "images/crime-triangle.svg", "images/nowhere.svg")
    assert any("nowhere" in m for _f, _l, m in problems_in(courses))


def test_an_attempt_asks_and_scores_the_drawn_items_only(app, db):
    with app.app_context():
        course = get_course(COURSE)
    part = course.parts[0]
    pooled = dataclasses.replace(part, quiz=dataclasses.replace(part.quiz, per_attempt=1))
    course = dataclasses.replace(
        course, parts=tuple(pooled if p.slug == part.slug else p for p in course.parts)
    )
    enrolment = make_enrolment(db)
    asked = pooled.quiz.draw("nonce-a")
    other = next(item for item in pooled.quiz.items if item not in asked)
    right = {item.slug: next(c.slug for c in item.choices if c.correct) for item in asked}
    with pytest.raises(progress_service.ProgressError):
        progress_service.submit_quiz(
            db, enrolment, course, pooled, {other.slug: other.choices[0].slug}, "nonce-a"
        )
    result = progress_service.submit_quiz(db, enrolment, course, pooled, right, "nonce-a")
    db.commit()
    attempt = db.scalar(select(QuizAttempt))
    assert result.attempt is attempt
    assert (attempt.score, attempt.max_score, attempt.passed) == (1, 1, True)
    assert progress_service.shuffled_choices(pooled.quiz, "nonce-a").keys() == right.keys()


def test_the_lesson_page_shows_its_checks_and_sources(client, db):
    enrolment = make_enrolment(db)
    client.login_as(enrolment.user)
    page = client.get(f"/learn/{enrolment.id}/situational-prevention/opportunity")
    html = page.data.decode()
    assert page.status_code == 200
    check = html[html.index('<section class="lesson-check"') :]
    check = check[: check.index("</section>")]
    assert "Check yourself" in check and "Which element is missing?" in check
    assert check.count("<details>") == 3 and check.count("<summary>") == 3
    assert '<p class="check-right"><strong>Right.</strong> Right: nobody is there' in check
    assert check.count("Not quite.") == 2
    # Between the lesson's first paragraph and its table, where it was written.
    assert html.index("no capable") < html.index("lesson-check") < html.index("<table")
    assert "Crime Analysis for Problem Solvers in 60 Small Steps. Step 8." in html
    assert html.index('id="sources-heading"') > html.index("lesson-check")
