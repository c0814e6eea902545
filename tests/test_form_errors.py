"""Errors point at their fields: a summary at the top with a link to each input to
correct, the input marked and described by its message, in the user's language, and
nothing the user wrote lost (the GOV.UK error summary pattern)."""

from __future__ import annotations

import re
from html.parser import HTMLParser

import pytest

from academy.models import AudienceRole
from academy.services import certificate_pdf
from tests import test_route_security as routes
from tests.factories import make_cohort, make_enrolment, make_user

LONG = "Folk sitter på bänkarna vid kiosken mellan tolv och ett, sedan är det tomt."


class PageParts(HTMLParser):
    """The ids of a page, the targets of its error summary's links, and the inputs
    marked invalid with what describes them."""

    def __init__(self, html: str):
        super().__init__()
        self.ids: set[str] = set()
        self.summary_links: list[tuple[str, str]] = []
        self.invalid: list[tuple[str, str]] = []
        self.error_ids: set[str] = set()
        self._in_summary = 0
        self._link: str | None = None
        self._text: list[str] = []
        self.feed(html)

    def handle_starttag(self, tag, attrs):
        attributes = dict(attrs)
        if "id" in attributes:
            self.ids.add(attributes["id"])
        classes = (attributes.get("class") or "").split()
        if "error-summary" in classes:
            self._in_summary = 1
        elif self._in_summary and tag == "div":
            self._in_summary += 1
        if "field-error" in classes and "id" in attributes:
            self.error_ids.add(attributes["id"])
        if self._in_summary and tag == "a":
            self._link, self._text = attributes.get("href", ""), []
        if attributes.get("aria-invalid") == "true":
            self.invalid.append((attributes.get("id", ""), attributes.get("aria-describedby", "")))

    def handle_data(self, data):
        if self._link is not None:
            self._text.append(data)

    def handle_endtag(self, tag):
        if tag == "a" and self._link is not None:
            self.summary_links.append((self._link, " ".join("".join(self._text).split())))
            self._link = None
        if tag == "div" and self._in_summary:
            self._in_summary -= 1


def check_pattern(html: str) -> list[str]:
    """What breaks the pattern on a page: summary links to nowhere, invalid inputs that no
    message describes, messages that are not attached."""
    page = PageParts(html)
    problems = []
    for href, text in page.summary_links:
        if not href.startswith("#") or href[1:] not in page.ids:
            problems.append(f"the summary's link {text!r} points to {href!r}, not on the page")
    for field_id, described in page.invalid:
        if not set(described.split()) & page.error_ids:
            problems.append(f"input {field_id!r} is marked invalid without its message")
    return problems


# --- the real course's assignment and quiz, in Swedish --------------------------------------


@pytest.fixture
def swedish_participant(db, real_course, with_real_course):
    cohort = make_cohort(db, course_slug=real_course.slug)
    user = make_user(db, name="Åsa Öberg", locale="sv")
    return make_enrolment(db, cohort=cohort, user=user, role=AudienceRole.TRADER)


def test_too_few_observations_are_named_linked_and_their_rows_kept(
    client, real_course, swedish_participant
):
    enrolment = swedish_participant
    client.login_as(enrolment.user)
    path = f"/learn/{enrolment.id}/placemaking/assignment"
    shown = client.get(path).get_data(as_text=True)
    assert 'name="observations-2-spot"' in shown  # three rows offered at first

    answer = {
        "observations-0-spot": "Bänken vid kiosken",
        "observations-0-observation": LONG,
        "observations-0-category": "activity",
    }
    page = client.post_form(path, {"action": "submit", **answer}).get_data(as_text=True)
    assert check_pattern(page) == []
    links = dict(PageParts(page).summary_links)
    # The group's own error leads to the first empty entry, where the next one goes.
    assert "#observations-1-spot" in links
    assert "Iakttagelser" in links["#observations-1-spot"]
    assert "3" in links["#observations-1-spot"]
    # What was written is there, and so are the three rows.
    assert "Bänken vid kiosken" in page and LONG in page
    assert 'name="observations-2-spot"' in page
    assert "Some answers need checking" not in page


def test_an_empty_assignment_names_every_missing_answer(client, real_course, swedish_participant):
    enrolment = swedish_participant
    client.login_as(enrolment.user)
    page = client.post_form(
        f"/learn/{enrolment.id}/placemaking/assignment", {"action": "submit"}
    ).get_data(as_text=True)
    assert check_pattern(page) == []
    links = PageParts(page).summary_links
    assignment = real_course.part("placemaking").assignment
    required = [spec for spec in assignment.fields if spec.type != "repeat" and spec.required]
    targets = {href for href, _text in links}
    for spec in required:
        target = f"#{spec.slug}-0" if spec.type == "choice" else f"#{spec.slug}"
        assert target in targets, spec.slug
    texts = " ".join(text for _href, text in links)
    assert required[0].label["sv"] in texts


def test_the_quiz_summary_names_the_right_question_in_the_users_language(
    client, real_course, swedish_participant
):
    enrolment = swedish_participant
    client.login_as(enrolment.user)
    path = f"/learn/{enrolment.id}/placemaking/quiz"
    shown = client.get(path).get_data(as_text=True)
    nonce = re.search(r'name="nonce" type="hidden" value="([^"]+)"', shown).group(1)
    items = real_course.part("placemaking").quiz.draw(nonce)  # the items this attempt asks
    answers = {
        f"item_{item.slug}": item.choices[0].slug for item in items[:-1]
    }  # the last question left out
    page = client.post_form(path, {"nonce": nonce, **answers}).get_data(as_text=True)
    assert check_pattern(page) == []
    links = PageParts(page).summary_links
    assert links == [(f"#item_{items[-1].slug}-0", f"Fråga {len(items)}: Välj ett svar.")]
    assert "Not a valid choice" not in page
    # The answers given are kept.
    assert page.count("checked") == len(items) - 1


# --- every form of the app ------------------------------------------------------------------


@pytest.fixture
def world(app, db, monkeypatch):
    monkeypatch.setattr(
        certificate_pdf, "render_certificate", lambda *args, **kwargs: routes.FAKE_PDF
    )
    return routes.build_world(app, db)


@pytest.fixture
def ask(app, connection, count_queries, world):
    return routes.Asker(app, connection, count_queries, world)


@pytest.mark.parametrize("rule", routes.rules_with("POST"))
def test_every_form_sent_empty_shows_the_pattern(app, world, ask, rule):
    """Each form, sent empty by everyone who may send it, answers with its errors in the
    pattern (or does what it does without a form error)."""
    url = routes.url_for_rule(rule, world)
    problems = []
    for actor, expected in zip(
        routes.ACTORS, routes.answers(routes.ROUTES[rule]["POST"]), strict=True
    ):
        if expected != 200:
            continue
        answer = ask(actor, "POST", url)
        html = answer.body.decode(errors="replace")
        problems += [f"POST {url} as {actor}: {problem}" for problem in check_pattern(html)]
    assert not problems, "\n".join(problems)
