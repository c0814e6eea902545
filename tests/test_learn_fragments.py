"""The kept HTML fragments of the participant's pages (academy/web/learn/fragments.py):
keyed by course version and language, never holding anything of a user."""

from __future__ import annotations

from dataclasses import replace

import pytest

from academy.content import EXTENSION_KEY as COURSES_KEY
from academy.content import Catalog, get_catalog, get_course
from academy.web.kept import EXTENSION_KEY, FragmentStore
from academy.web.learn import fragments
from tests.factories import make_enrolment


@pytest.fixture
def course(app):
    with app.app_context():
        return get_course("safer-streets")


def retitled(course, title: str):
    """``course`` as a new version of its files would load it: the first lesson renamed
    (in every language) and a new content version; every slug the same."""
    part = course.parts[0]
    lesson = replace(part.lessons[0], title={language: title for language in part.lessons[0].title})
    part = replace(part, lessons=(lesson, *part.lessons[1:]))
    return replace(course, parts=(part, *course.parts[1:]), content_version="a-new-version")


def kept(app, course, language: str):
    part = course.parts[0]
    with app.test_request_context("/"):
        return fragments.lesson_article(course, part, part.lessons[0], "official", language)


def test_a_fragment_is_kept_per_content_version_and_language(app, course):
    store = FragmentStore()
    app.extensions[EXTENSION_KEY] = store
    try:
        english = kept(app, course, "en")
        assert kept(app, course, "en") is english  # kept, not rendered again
        assert len(store) == 1

        swedish = kept(app, course, "sv")
        assert len(store) == 2
        assert swedish != english
        assert course.parts[0].lessons[0].title["sv"] in swedish

        newer = retitled(course, "A title from the new version")
        changed = kept(app, newer, "en")
        assert len(store) == 3
        assert "A title from the new version" in changed
        assert "A title from the new version" not in english
    finally:
        app.extensions.pop(EXTENSION_KEY, None)


def test_the_store_is_bounded_oldest_first():
    store = FragmentStore(max_size=2)
    for key in ("a", "b", "a", "c"):
        store.get(key, lambda key=key: key.upper())
    assert len(store) == 2
    assert store.get("b", lambda: "rebuilt") == "rebuilt"  # "b" was the oldest


def test_the_lesson_page_shows_a_reloaded_course_and_each_persons_own_enrolment(
    app, client, db, course, monkeypatch
):
    part, lesson = course.parts[0], course.parts[0].lessons[0]
    first, second = make_enrolment(db), make_enrolment(db)
    address = "/learn/{}/" + f"{part.slug}/{lesson.slug}"

    client.login_as(first.user)
    page = client.get(address.format(first.id)).text
    assert lesson.title["en"] in page
    assert f'href="/learn/{first.id}/"' in page
    # The same kept trail, with the other person's enrolment slotted in.
    client.login_as(second.user)
    page = client.get(address.format(second.id)).text
    assert f'href="/learn/{second.id}/"' in page
    assert f"/learn/{first.id}/" not in page
    assert str(fragments.ENROLMENT_SLOT) not in page

    # The course files change: the next request shows the new version.
    catalog = get_catalog(app)
    newer = retitled(course, "Lighting the bike stand")
    monkeypatch.setitem(
        app.extensions, COURSES_KEY, (Catalog({**catalog.courses, course.slug: newer}), [])
    )
    page = client.get(address.format(second.id)).text
    assert "Lighting the bike stand" in page

    # And in the person's own language.
    second.user.locale = "sv"
    db.flush()
    page = client.get(address.format(second.id)).text
    assert 'lang="sv"' in page
    assert "Lighting the bike stand" in page
    assert lesson.objectives["sv"][0] in page
