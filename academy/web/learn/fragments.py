"""Kept HTML fragments of the participant's pages: the parts drawn from the course files
alone (a lesson's text, a part's trail, a quiz question's answers), rendered once and
then reused by every request that shows them.

A fragment is keyed by everything it is made of: the course's slug and content version
(a new version of the files is a new key, so a reloaded course never shows old HTML),
the language, the part, lesson or item, and the role where role notes are in it. Nothing
of a user is ever in one: no name, no progress, no token. What links to the participant's
own enrolment is rendered with ``ENROLMENT_SLOT`` for its id and slotted in per request
(``for_enrolment``), so that the trail of a part is the same fragment for everyone.

Fragments are kept per application (tests run several, each with its own course folder
and links) in a bounded least-recently-used store; text from the course files is
Markdown rendered and escaped at load time, and everything else goes through Jinja's
autoescaping as on the page itself.
"""

from __future__ import annotations

from collections.abc import Callable, Hashable, Sequence
from typing import Any

from flask import get_template_attribute, request
from markupsafe import Markup

from ...content import Course, Lesson, Part, QuizItem
from ...i18n import current_locale
from ...services.progress import PartProgress, Progress, part_steps
from ..kept import store

# The enrolment id fragments are rendered with, replaced by the participant's own per
# request. A number no real enrolment reaches, between slashes in every address that
# carries it ("/learn/<id>/..."), so the replacement cannot touch anything else.
ENROLMENT_SLOT = 9_007_199_254_740_881
_SLOT = f"/{ENROLMENT_SLOT}/"
# The number of a kept quiz question ("Question <n> of 12"), slotted in per showing.
QUESTION_SLOT = 9_007_199_254_740_877


def course_key(kind: str, course: Course, language: str, *rest: Hashable) -> tuple[Hashable, ...]:
    """The key of a fragment of ``course``: its content version and the language are always
    in it, and the script root, as every address in a fragment starts with it."""
    return (kind, course.slug, course.content_version, language, request.script_root, *rest)


def fragment(key: tuple[Hashable, ...], macro: str, *args: Any, **kwargs: Any) -> Markup:
    """The kept HTML of ``key``, rendered by ``macro`` of learn/_fragments.html the first
    time (in the request's language, which is part of every key)."""
    return store().get(key, lambda: _macro(macro)(*args, **kwargs))


def for_enrolment(html: Markup, enrolment_id: int) -> Markup:
    """``html`` with the participant's enrolment in its addresses."""
    return Markup(html.replace(_SLOT, f"/{int(enrolment_id)}/"))  # noqa: S704 - kept HTML, an int


def top_trail(language: str) -> Markup:
    """The breadcrumbs of the pages right below "My courses"."""
    return fragment(("top-trail", language, request.script_root), "top_trail")


def dossier(enrolment_id: int, language: str) -> Markup:
    """The course page's offer of the place dossier (no words of the course in it)."""
    html = fragment(("dossier", language, request.script_root), "dossier", ENROLMENT_SLOT)
    return for_enrolment(html, enrolment_id)


def trail(enrolment_id: int, course: Course, part: Part | None, language: str) -> Markup:
    """The breadcrumbs of a page of the course (or of one of its parts)."""
    key = course_key("trail", course, language, part.slug if part else None)
    return for_enrolment(
        fragment(key, "trail", ENROLMENT_SLOT, course, part, language), enrolment_id
    )


def lesson_article(
    course: Course, part: Part, lesson: Lesson, own_role: str, language: str
) -> Markup:
    """A lesson's text: heading, objectives, body with its checks, the role notes (the
    participant's own role first, then the others in the course's order) and the
    sources."""
    key = course_key("lesson", course, language, part.slug, lesson.slug, own_role)

    def notes() -> list[tuple[str, str]]:
        kept = list(lesson.role_notes.get(language, {}).items())
        kept.sort(key=lambda note: note[0] != own_role)
        return kept

    return store().get(
        key, lambda: _macro("lesson_article")(part, lesson, notes(), own_role, language)
    )


def lesson_pager(
    enrolment_id: int, course: Course, part: Part, lesson: Lesson, language: str
) -> Markup:
    """The links to the part's lessons before and after this one."""
    key = course_key("pager", course, language, part.slug, lesson.slug)
    index = part.lessons.index(lesson)
    previous = part.lessons[index - 1] if index > 0 else None
    following = part.lessons[index + 1] if index + 1 < len(part.lessons) else None
    html = fragment(key, "lesson_pager", ENROLMENT_SLOT, part, previous, following, language)
    return for_enrolment(html, enrolment_id)


def quiz_questions(
    course: Course,
    part: Part,
    asked: Sequence[tuple[QuizItem, Sequence[str], Sequence[str], str | None]],
    language: str,
) -> list[Markup]:
    """The questions of one showing of the quiz, each (item, order of its answers, errors,
    answer checked), as fieldsets with their answers as radio buttons. Each is kept per
    order drawn (a question of four answers has at most 24) with its number slotted in;
    one is rendered anew only when a sent form is shown again with its answer or errors."""
    kept = store()
    prefix = course_key("question", course, language, part.slug)
    count = len(asked)
    shown = []
    for number, (item, order, errors, checked) in enumerate(asked, start=1):
        if not (errors or checked):
            before, after = kept.get(
                (*prefix, item.slug, tuple(order), count),
                lambda item=item, order=order: _split_question(item, order, count, language),
            )
            if before is not None:
                shown.append(Markup(f"{before}{number}{after}"))  # noqa: S704 - kept HTML, an int
                continue
        shown.append(_macro("quiz_question")(item, order, number, count, language, errors, checked))
    return shown


def _split_question(item: QuizItem, order: Sequence[str], count: int, language: str):
    """A question rendered with ``QUESTION_SLOT`` for its number, cut in two around it;
    (None, None) in the unlikely case that the course's own text holds the slot."""
    html = _macro("quiz_question")(item, order, QUESTION_SLOT, count, language)
    before, slot, after = html.partition(str(QUESTION_SLOT))
    if not slot or str(QUESTION_SLOT) in after:
        return None, None
    return before, after


def _macro(name: str) -> Callable[..., Markup]:
    return get_template_attribute("learn/_fragments.html", name)


def part_bar(course: Course, part: Part, state: PartProgress) -> Markup:
    """A part's progress bar: kept per number of steps done, so that it is the same
    fragment for everyone at the same point of the part."""
    language = current_locale()
    done, total = part_steps(part, state)
    key = course_key("bar", course, language, part.slug, done, total, state.completed)
    return fragment(key, "part_bar", part, done, total, state.completed, language)


def part_bars(course: Course, progress: Progress) -> Markup:
    """The progress bars of every part of the course."""
    return Markup("").join(
        part_bar(course, part, progress.part(part.slug)) for part in course.parts
    )


def part_cards(enrolment_id: int, course: Course, progress: Progress) -> Markup:
    """The course page's card of each part: its title, summary and progress bar."""
    language = current_locale()
    cards = []
    for part in course.parts:
        state = progress.part(part.slug)
        done, total = part_steps(part, state)
        key = course_key("card", course, language, part.slug, done, total, state.completed)
        bar = part_bar(course, part, state)
        cards.append(fragment(key, "part_card", ENROLMENT_SLOT, part, bar, language))
    return for_enrolment(Markup("\n").join(cards), enrolment_id)
