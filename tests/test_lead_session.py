"""The 'lead the session' page: the part's facilitator notes for the round's organizers
only, in their language, with who has and has not finished the part; linked from the round
page; printable (a print stylesheet leaves the navigation out)."""

from __future__ import annotations

from datetime import timedelta

import pytest

from academy.models import AudienceRole, EnrolmentStatus, LiveSession, PartState, utcnow
from academy.services import facilitation
from tests.factories import (
    make_cohort,
    make_enrolment,
    make_organisation,
    make_organizer,
    make_user,
)

PART = "situational-prevention"
NO_NOTES_PART = "safe-design"


@pytest.fixture
def round_(db):
    """A round with five participants: two finished part 1, one started it, one has not
    started, one invited (the name the organizer typed), one withdrawn (finished)."""
    organisation = make_organisation(db, name="Växjö kommun")
    organizer = make_organizer(db, organisation, make_user(db, name="Olle", locale="sv")).user
    cohort = make_cohort(db, organisation, name="Vårens omgång")
    people = {}
    for name, role, status in [
        ("Östen Ek", AudienceRole.TRADER, EnrolmentStatus.ACTIVE),
        ("Anna Berg", AudienceRole.POLICE, EnrolmentStatus.COMPLETED),
        ("Bo Lind", AudienceRole.PROPERTY_OWNER, EnrolmentStatus.ACTIVE),
        ("Cia Dahl", AudienceRole.OFFICIAL, EnrolmentStatus.ACTIVE),
        ("Withdrawn Wera", AudienceRole.OTHER, EnrolmentStatus.WITHDRAWN),
    ]:
        user = make_user(db, name=name)
        people[name] = make_enrolment(
            db, cohort, user, role=role, status=status, accepted_at=utcnow()
        )
    invited = make_enrolment(
        db,
        cohort,
        make_user(db, name="The account's own name"),
        invited_name="Dan Typed",
        status=EnrolmentStatus.INVITED,
    )
    people["Dan Typed"] = invited
    now = utcnow()
    for name, completed in [
        ("Östen Ek", True),
        ("Anna Berg", True),
        ("Bo Lind", False),
        ("Withdrawn Wera", True),
    ]:
        enrolment = people[name]
        db.add(
            PartState(
                enrolment_id=enrolment.id,
                cohort_id=cohort.id,
                part_slug=PART,
                started_at=now - timedelta(days=2),
                completed_at=now if completed else None,
            )
        )
    # Another part finished says nothing about this one.
    db.add(
        PartState(
            enrolment_id=people["Cia Dahl"].id,
            cohort_id=cohort.id,
            part_slug=NO_NOTES_PART,
            completed_at=now,
        )
    )
    db.flush()
    return cohort, organizer, people


def lead_url(cohort, part=PART) -> str:
    return f"/organize/cohorts/{cohort.id}/parts/{part}/lead"


def test_part_progress_lists_who_has_and_has_not_finished(db, round_):
    cohort, _organizer, _people = round_
    progress = facilitation.part_progress(db, cohort.id, PART)
    assert [p.name for p in progress.finished] == ["Anna Berg", "Östen Ek"]
    assert [(p.name, p.started) for p in progress.not_finished] == [
        ("Bo Lind", True),
        ("Cia Dahl", False),
        ("Dan Typed", False),
    ]
    assert progress.total == 5
    other = facilitation.part_progress(db, cohort.id, NO_NOTES_PART)
    assert [p.name for p in other.finished] == ["Cia Dahl"]


def test_the_organizer_reads_the_notes_in_swedish_and_the_lists(client, round_):
    cohort, organizer, _people = round_
    client.login_as(organizer)
    page = client.get(lead_url(cohort)).get_data(as_text=True)
    assert "Leda kursträffen om del 1" in page
    # The fixture course's notes in Swedish: run sheet with running minutes, questions,
    # exercise, what to bring.
    assert "Välkommen, och vad deltagarna läste i lektionerna." in page
    assert "10\u201345" in page
    assert "Vilken sida av brottstriangeln kan vi ändra först?" in page
    assert "Ett problem, tre sidor" in page
    assert "<li>blädderblock och pennor</li>" in page
    assert "Where in our area" not in page
    assert "2 av 5 deltagare har gjort klart delen." in page
    finished, not_finished = page.split('id="not-finished-heading"')
    assert "Anna Berg" in finished and "Östen Ek" in finished
    assert "Bo Lind" in not_finished and "Cia Dahl" in not_finished
    assert "Dan Typed" in not_finished and "The account's own name" not in page
    assert "Withdrawn Wera" not in page


def test_a_part_without_notes_still_lists_the_participants(client, round_):
    cohort, organizer, _people = round_
    client.login_as(organizer)
    page = client.get(lead_url(cohort, NO_NOTES_PART)).get_data(as_text=True)
    assert "Kursfilerna har inga anteckningar" in page
    assert "1 av 5 deltagare har gjort klart delen." in page


def test_the_round_page_links_each_part(client, round_):
    cohort, organizer, _people = round_
    client.login_as(organizer)
    page = client.get(f"/organize/cohorts/{cohort.id}").get_data(as_text=True)
    assert f'href="{lead_url(cohort)}"' in page
    assert f'href="{lead_url(cohort, NO_NOTES_PART)}"' in page


def test_a_live_session_that_names_a_part_links_its_lead_page(client, db, round_):
    """A live session that names its part (``LiveSession.part_slug``) links the part's
    lead page from the round page; one that names none links nothing."""
    cohort, organizer, _people = round_
    starts = utcnow() + timedelta(days=7)
    for hours, title, part_slug in ((0, "Om del 1", PART), (24, "Utan del", None)):
        db.add(
            LiveSession(
                cohort_id=cohort.id,
                title=title,
                starts_at=starts + timedelta(hours=hours),
                ends_at=starts + timedelta(hours=hours + 2),
                part_slug=part_slug,
            )
        )
    db.flush()
    client.login_as(organizer)
    page = client.get(f"/organize/cohorts/{cohort.id}").get_data(as_text=True)
    sessions = page[page.index('id="sessions-heading"') : page.index('id="lead-heading"')]
    with_part, without_part = sessions.split("Utan del")
    assert f'href="{lead_url(cohort)}">Leda kursträffen</a>' in with_part
    assert "Leda kursträffen" not in without_part


@pytest.mark.parametrize("who", ["other organizer", "participant", "unknown part", "no round"])
def test_only_the_rounds_organizers_see_it(client, db, round_, who):
    cohort, organizer, people = round_
    url = lead_url(cohort)
    if who == "other organizer":
        client.login_as(make_organizer(db, make_organisation(db), make_user(db)).user)
    elif who == "participant":
        client.login_as(people["Anna Berg"].user)
    else:
        client.login_as(organizer)
        url = (
            lead_url(cohort, "no-such-part")
            if who == "unknown part"
            else (f"/organize/cohorts/{cohort.id + 1000}/parts/{PART}/lead")
        )
    response = client.get(url)
    assert response.status_code == 404
    assert "Anna Berg" not in response.get_data(as_text=True)


def test_the_page_costs_the_same_statements_for_a_larger_round(client, db, round_, count_queries):
    cohort, organizer, _people = round_
    client.login_as(organizer)
    client.get(lead_url(cohort))
    with count_queries() as small:
        assert client.get(lead_url(cohort)).status_code == 200
    for n in range(10):
        make_enrolment(db, cohort, make_user(db, name=f"Extra {n}"))
    with count_queries() as large:
        assert client.get(lead_url(cohort)).status_code == 200
    assert len(large.statements) == len(small.statements)


def test_the_print_stylesheet_leaves_the_navigation_out():
    from pathlib import Path

    css = (Path(__file__).parent.parent / "academy/static/css/academy.css").read_text()
    print_rules = css[css.index("@media print") :]
    for selector in (".site-header", ".site-footer", ".breadcrumbs", ".no-print"):
        assert selector in print_rules.split("}")[0]
    assert "break-before: page" in print_rules
