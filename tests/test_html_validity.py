"""What the W3C Nu HTML checker found on our pages, guarded where it starts: ``<time
datetime>`` without microseconds, and no ``id`` twice on a page of several forms. The
checker itself runs over every page the browser journeys visit (tests/e2e/conftest.py,
tests/nu_html.py); these run on both backends without Java."""

from __future__ import annotations

import re
from collections import Counter
from datetime import UTC, date, datetime, timedelta, timezone
from pathlib import Path

from academy.i18n import html_datetime
from academy.web.forms import ButtonForm
from tests.factories import make_cohort, make_enrolment, make_organizer, make_user

TEMPLATES = Path(__file__).resolve().parent.parent / "academy" / "templates"
VALID_DATETIME = re.compile(r"\d{4}-\d\d-\d\dT\d\d:\d\d:\d\dZ")


def test_a_stored_time_is_written_to_the_second_in_utc():
    moment = datetime(2026, 12, 7, 18, 30, 5, 358827, tzinfo=UTC)
    assert html_datetime(moment) == "2026-12-07T18:30:05Z"
    oslo = moment.astimezone(timezone(timedelta(hours=1)))
    assert html_datetime(oslo) == "2026-12-07T18:30:05Z"
    assert html_datetime(moment.replace(tzinfo=None)) == "2026-12-07T18:30:05Z"
    assert html_datetime(date(2026, 12, 7)) == "2026-12-07"


def test_every_datetime_attribute_of_the_templates_goes_through_the_filter():
    attributes = [
        (path.relative_to(TEMPLATES), value)
        for path in TEMPLATES.rglob("*.html")
        for value in re.findall(r'datetime="([^"]*)"', path.read_text("utf-8"))
    ]
    assert attributes, "the templates have <time datetime> attributes"
    assert [
        (path, value) for path, value in attributes if not value.endswith("|html_datetime }}")
    ] == []


def test_the_csrf_token_has_no_id(app):
    with app.test_request_context():
        rendered = str(ButtonForm().csrf_token())
    assert rendered.startswith('<input name="csrf_token" type="hidden" value="')
    assert " id=" not in rendered


def duplicate_ids(page: str) -> list[str]:
    ids = Counter(re.findall(r'\sid="([^"]*)"', page))
    return sorted(value for value, count in ids.items() if count > 1)


def test_the_round_page_with_its_many_forms_repeats_no_id(client, db):
    cohort = make_cohort(db)
    organizer = make_organizer(db, cohort.organisation, make_user(db)).user
    for _ in range(3):
        make_enrolment(db, cohort, make_user(db))
    client.login_as(organizer)
    page = client.get(f"/organize/cohorts/{cohort.id}").get_data(as_text=True)
    assert page.count("<form") > 3
    assert page.count('name="csrf_token"') > 3
    assert duplicate_ids(page) == []
    for value in re.findall(r'<time datetime="([^"]*)"', page):
        assert VALID_DATETIME.fullmatch(value), value
