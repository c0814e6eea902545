"""The organizer's round page at town scale: paged, searched, filtered and counted; true
invitation states; withdrawals asked first and undone; attendance only when it can be."""

from __future__ import annotations

import re
from datetime import UTC, datetime, timedelta

import pytest
from sqlalchemy import func, insert, select

from academy.models import (
    Attendance,
    AudienceRole,
    AuditEvent,
    Enrolment,
    EnrolmentStatus,
    Invitation,
    LiveSession,
    MailStatus,
    OutboxMail,
    User,
    utcnow,
)
from tests.factories import (
    make_cohort,
    make_enrolment,
    make_organisation,
    make_organizer,
    make_user,
)

STATUSES = (EnrolmentStatus.INVITED, EnrolmentStatus.ACTIVE, EnrolmentStatus.COMPLETED)
NAMES = ("Åsa Öberg", "Øystein Ærø", "Bo Bengtsson", "Märta Ek", "Per Persson")


@pytest.fixture
def organisation(db):
    return make_organisation(db, name="Värnamo kommun")


@pytest.fixture
def organizer(db, organisation):
    return make_organizer(db, organisation, make_user(db, name="Olle Organizer")).user


def fill_round(db, cohort, size: int, start: int = 0) -> list[int]:
    """``size`` participants in bulk: names cycling through NAMES, roles and statuses
    cycling too, e-mail addresses numbered from ``start``."""
    roles = list(AudienceRole)
    user_ids = db.scalars(
        insert(User.__table__).returning(User.__table__.c.id, sort_by_parameter_order=True),
        [
            {
                "email": f"Deltagare.{cohort.id}.{n}@Example.se",
                "email_normalized": f"deltagare.{cohort.id}.{n}@example.se",
                "name": f"{NAMES[n % len(NAMES)]} {n:05d}",
                "certificate_name": f"{NAMES[n % len(NAMES)]} {n:05d}",
            }
            for n in range(start, start + size)
        ],
    ).all()
    return db.scalars(
        insert(Enrolment.__table__).returning(
            Enrolment.__table__.c.id, sort_by_parameter_order=True
        ),
        [
            {
                "cohort_id": cohort.id,
                "user_id": user_id,
                "invited_name": f"{NAMES[n % len(NAMES)]} {n:05d}",
                "role": roles[n % len(roles)],
                "status": STATUSES[n % len(STATUSES)],
                "accepted_at": None if n % len(STATUSES) == 0 else utcnow(),
            }
            for n, user_id in enumerate(user_ids, start=start)
        ],
    ).all()


def rows_of(html: str) -> list[str]:
    return re.findall(r'<th scope="row">([^<]*)</th>', html)


def test_the_round_page_is_paged_and_costs_the_same_for_10_and_10000(
    client, db, organizer, organisation, count_queries
):
    small, large = make_cohort(db, organisation), make_cohort(db, organisation)
    fill_round(db, small, 10)
    fill_round(db, large, 10_000)
    client.login_as(organizer)
    client.get(f"/organize/cohorts/{small.id}")  # warm up
    with count_queries() as for_small:
        small_page = client.get(f"/organize/cohorts/{small.id}")
    with count_queries() as for_large:
        large_page = client.get(f"/organize/cohorts/{large.id}")
    assert for_small.count == for_large.count
    html = large_page.get_data(as_text=True)
    assert len(rows_of(html)) == 50
    assert "Participants 1\u201350 of 10000, by name." in html
    assert "Page 1 of 200" in html
    assert len(large_page.data) < 200_000
    assert len(rows_of(small_page.get_data(as_text=True))) == 10
    # By name, folded: Bo before Märta before Per before Åsa and Øystein (code point order).
    assert rows_of(html)[0].startswith("Bo Bengtsson")
    last = client.get(f"/organize/cohorts/{large.id}?page=200").get_data(as_text=True)
    assert len(rows_of(last)) == 50 and "Page 200 of 200" in last


def test_search_and_filters_find_the_right_people(client, db, organizer, organisation):
    cohort = make_cohort(db, organisation)
    fill_round(db, cohort, 300)
    client.login_as(organizer)
    base = f"/organize/cohorts/{cohort.id}"

    # Lower case finds Å and Ø on both backends.
    found = rows_of(client.get(base, query_string={"q": "åsa öberg"}).get_data(as_text=True))
    assert found and all(name.startswith("Åsa Öberg") for name in found)
    found = rows_of(client.get(base, query_string={"q": "ØYSTEIN"}).get_data(as_text=True))
    assert found and all(name.startswith("Øystein Ærø") for name in found)
    # An address, in any case; LIKE's wildcards are only letters here.
    one = client.get(base, query_string={"q": f"DELTAGARE.{cohort.id}.17@"}).get_data(as_text=True)
    assert rows_of(one) == [f"{NAMES[17 % len(NAMES)]} 00017"]
    assert rows_of(client.get(base, query_string={"q": "%"}).get_data(as_text=True)) == []

    page = client.get(base, query_string={"status": "completed", "role": "other"})
    html = page.get_data(as_text=True)
    expected = db.scalar(
        select(func.count()).where(
            Enrolment.cohort_id == cohort.id,
            Enrolment.status == EnrolmentStatus.COMPLETED,
            Enrolment.role == AudienceRole.OTHER,
        )
    )
    assert len(rows_of(html)) == min(expected, 50) and expected > 0
    assert f"of {expected}, by name" in html
    # The counts of the whole round stay beside the filters.
    assert "Completed (100)" in html and "Invited (100)" in html
    # Nonsense is ignored, never a 500.
    for query in ({"status": "nope"}, {"role": "x" * 500}, {"page": "-3"}, {"q": "\x00"}):
        assert client.get(base, query_string=query).status_code == 200
    assert "No participant matches." in client.get(base, query_string={"q": "zzz"}).text


def test_invitation_states_come_from_the_outbox(client, db, organizer, organisation):
    cohort = make_cohort(db, organisation)
    client.login_as(organizer)
    client.post_form(
        f"/organize/cohorts/{cohort.id}/participants/new",
        {"name": "Åsa Öberg", "email": "asa@example.se", "role": "trader", "locale": "sv"},
    )
    invitation = db.scalars(select(Invitation)).one()
    mail = db.get(OutboxMail, invitation.mail_id)
    assert mail.kind == "invitation" and mail.to_address == "asa@example.se"

    def state() -> str:
        html = client.get(f"/organize/cohorts/{cohort.id}").get_data(as_text=True)
        row = re.search(r"<tr>\s*<th scope=\"row\">Åsa Öberg.*?</tr>", html, re.S).group(0)
        return " ".join(re.sub(r"<[^>]+>", " ", row).split())

    assert "Waiting in the outbox" in state() and "Send again" not in state()
    for status, label in (
        (MailStatus.SENT, "Sent"),
        (MailStatus.FAILED, "Could not be delivered"),
        (MailStatus.BOUNCED, "Address rejected"),
    ):
        mail.status = status
        db.flush()
        assert label in state() and "Send again" in state()
    invitation.accepted_at = utcnow()
    db.flush()
    assert "Accepted" in state()


def test_withdrawing_asks_first_and_reinstating_keeps_the_progress(
    client, db, organizer, organisation
):
    cohort = make_cohort(db, organisation)
    done = make_enrolment(
        db,
        cohort=cohort,
        status=EnrolmentStatus.COMPLETED,
        completed_at=utcnow(),
        accepted_at=utcnow(),
    )
    invited = make_enrolment(db, cohort=cohort)
    client.login_as(organizer)
    path = f"/organize/enrolments/{done.id}/withdraw"
    asked = client.get(path)
    assert asked.status_code == 200 and "from the round?" in asked.text
    db.refresh(done)
    assert done.status == EnrolmentStatus.COMPLETED  # asking changed nothing
    round_page = client.get(f"/organize/cohorts/{cohort.id}").text
    assert f'href="{path}"' in round_page

    response = client.post_form(path)
    assert response.headers["Location"] == f"/organize/cohorts/{cohort.id}"
    db.refresh(done)
    assert done.status == EnrolmentStatus.WITHDRAWN
    assert "Reinstate" in client.get(f"/organize/cohorts/{cohort.id}").text

    client.post_form(f"/organize/enrolments/{done.id}/reinstate")
    db.refresh(done)
    assert done.status == EnrolmentStatus.COMPLETED and done.withdrawn_at is None
    client.post_form(f"/organize/enrolments/{invited.id}/withdraw")
    client.post_form(f"/organize/enrolments/{invited.id}/reinstate")
    db.refresh(invited)
    assert invited.status == EnrolmentStatus.INVITED
    actions = list(db.scalars(select(AuditEvent.action).order_by(AuditEvent.id)))
    assert actions.count("enrolment.withdrawn") == 2 and actions.count("enrolment.reinstated") == 2


def live(db, cohort, *, starts: datetime) -> LiveSession:
    session = LiveSession(
        cohort=cohort,
        title="Trygghetsvandring",
        starts_at=starts,
        ends_at=starts + timedelta(hours=2),
    )
    db.add(session)
    db.flush()
    return session


def test_attendance_waits_for_the_session_and_for_people_who_joined(
    client, db, organizer, organisation
):
    cohort = make_cohort(db, organisation)
    joined = make_enrolment(db, cohort=cohort, status=EnrolmentStatus.ACTIVE, accepted_at=utcnow())
    not_joined = make_enrolment(db, cohort=cohort, user=make_user(db, name="Nils Ej-Svarat"))
    future = live(db, cohort, starts=utcnow() + timedelta(days=2))
    past = live(db, cohort, starts=datetime(2026, 11, 1, 17, tzinfo=UTC))
    client.login_as(organizer)

    page = client.get(f"/organize/sessions/{future.id}/attendance")
    assert "once the session has started" in page.text and 'name="present"' not in page.text
    refused = client.post_form(f"/organize/sessions/{future.id}/attendance", {"present": joined.id})
    assert refused.status_code == 400 and "once the session has started" in refused.text
    round_page = client.get(f"/organize/cohorts/{cohort.id}").text
    assert f"/organize/sessions/{future.id}/attendance" not in round_page
    assert f"/organize/sessions/{past.id}/attendance" in round_page

    page = client.get(f"/organize/sessions/{past.id}/attendance").text
    assert f'value="{joined.id}"' in page and f'value="{not_joined.id}"' not in page
    assert "Nils Ej-Svarat" not in page
    assert "Not joined yet" in page and "1 person has not accepted the invitation" in page
    # A forged form naming someone who has not joined is refused, and nothing is saved.
    refused = client.post_form(
        f"/organize/sessions/{past.id}/attendance",
        {"listed": [joined.id, not_joined.id], "present": [joined.id, not_joined.id]},
    )
    assert refused.status_code == 400
    assert "Only people who have joined the round can be marked present" in refused.text
    assert db.scalar(select(func.count()).select_from(Attendance)) == 0

    saved = client.post_form(
        f"/organize/sessions/{past.id}/attendance", {"listed": joined.id, "present": joined.id}
    )
    assert saved.status_code == 302
    assert [a.enrolment_id for a in db.scalars(select(Attendance))] == [joined.id]


def test_attendance_is_taken_a_page_at_a_time_and_found_by_name(
    client, db, organizer, organisation, count_queries
):
    cohort = make_cohort(db, organisation)
    ids = fill_round(db, cohort, 300)
    held = live(db, cohort, starts=datetime(2026, 11, 1, 17, tzinfo=UTC))
    client.login_as(organizer)
    path = f"/organize/sessions/{held.id}/attendance"
    page = client.get(path).text
    listed = [int(i) for i in re.findall(r'name="listed" value="(\d+)"', page)]
    assert len(listed) == 50 and "Page 1 of 4" in page  # 200 of 300 have joined
    # Ticking the first two on page 1 marks them and no one else, on any page.
    client.post_form(path, {"listed": listed, "present": listed[:2]})
    marked = set(db.scalars(select(Attendance.enrolment_id).where(Attendance.present)))
    assert marked == set(listed[:2])
    second = client.get(path, query_string={"page": 2}).text
    on_second = [int(i) for i in re.findall(r'name="listed" value="(\d+)"', second)]
    client.post_form(path + "?page=2", {"listed": on_second, "present": on_second[:1]})
    marked = set(db.scalars(select(Attendance.enrolment_id).where(Attendance.present)))
    assert marked == {*listed[:2], on_second[0]}
    found = client.get(path, query_string={"q": "märta"}).text
    assert "Märta Ek" in found and "Åsa Öberg" not in found
    assert set(ids) >= set(listed)
    with count_queries() as small:
        client.get(path)
    fill_round(db, cohort, 3_000, start=300)
    with count_queries() as large:
        client.get(path)
    assert small.count == large.count


def test_a_bad_video_link_is_explained_once(client, db, organizer, organisation):
    cohort = make_cohort(db, organisation)
    client.login_as(organizer)
    page = client.post_form(
        f"/organize/cohorts/{cohort.id}/sessions/new",
        {
            "title": "Kick-off",
            "day": "2027-01-20",
            "starts": "18:00",
            "ends": "20:00",
            "video_url": "meet.example.se/kickoff",
        },
    ).text
    message = "Give a full link starting with https://."
    # Once by the field, once in the summary at the top; never twice in either.
    assert page.count(message) == 2
    assert (
        re.search(r'<p class="field-error" id="video_url-error">([^<]*)</p>', page).group(1)
        == message
    )


def test_an_organizer_sees_the_name_they_typed_until_the_person_joins(
    client, db, organizer, organisation
):
    """Adding someone else's address must not reveal the name of that account."""
    elsewhere = make_cohort(db, make_organisation(db, name="Kongsvinger kommune"))
    private = make_user(db, name="Kari Hemmelig", email="kari@example.no")
    make_enrolment(db, cohort=elsewhere, user=private, status=EnrolmentStatus.ACTIVE)
    cohort = make_cohort(db, organisation)
    client.login_as(organizer)
    client.post_form(
        f"/organize/cohorts/{cohort.id}/participants/new",
        {"name": "K. Nordmann", "email": "KARI@example.no", "role": "police", "locale": "nb"},
    )
    for path in (
        f"/organize/cohorts/{cohort.id}",
        f"/organize/cohorts/{cohort.id}/report",
        f"/organize/cohorts/{cohort.id}?q=kari",
    ):
        html = client.get(path).text
        assert "K. Nordmann" in html and "Hemmelig" not in html, path
    export = client.post_form(f"/organize/cohorts/{cohort.id}/report/export", {"format": "csv"})
    assert "K. Nordmann" in export.text and "Hemmelig" not in export.text

    enrolment = db.scalars(select(Enrolment).where(Enrolment.cohort_id == cohort.id)).one()
    enrolment.accepted_at = utcnow()
    enrolment.status = EnrolmentStatus.ACTIVE
    db.flush()
    assert "Kari Hemmelig" in client.get(f"/organize/cohorts/{cohort.id}").text
