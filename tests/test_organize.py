"""Organizer pages: organisations, organizers, cohorts, live sessions, participants, access."""

from __future__ import annotations

import re
from datetime import UTC, date, datetime

import pytest
from sqlalchemy import func, select

from academy.content import get_course
from academy.models import (
    Attendance,
    AudienceRole,
    AuditEvent,
    Cohort,
    Enrolment,
    EnrolmentStatus,
    Finding,
    FindingCategory,
    Invitation,
    LiveSession,
    MeasureProposal,
    Organisation,
    Organizer,
    OutboxMail,
    PlacePartner,
    PlanKind,
    User,
    Viewer,
)
from academy.services import plans
from tests.factories import (
    PASSWORD,
    make_cohort,
    make_enrolment,
    make_organisation,
    make_organizer,
    make_place,
    make_user,
)
from tests.ical_readers import read_ics
from tests.test_reports import bulk_cohort


@pytest.fixture
def organisation(db):
    return make_organisation(db, name="Vänersborgs kommun", timezone="Europe/Stockholm")


@pytest.fixture
def organizer(db, organisation):
    return make_organizer(db, organisation).user


@pytest.fixture
def cohort(db, organisation):
    return make_cohort(db, organisation)


def cohort_form(**overrides):
    data = {
        "course": "safer-streets",
        "name": "Tryggare centrum 2027",
        "place": "Torpa",
        "starts_on": "2027-02-01",
        "ends_on": "2027-05-31",
        "deadline": "2027-05-15",
        "required_sessions": "0",
    }
    data.update(overrides)
    return data


def test_admin_creates_an_organisation_and_invites_an_organizer(client, db):
    admin = make_user(db, is_admin=True)
    client.login_as(admin)
    response = client.post_form(
        "/organize/organisations/new",
        {
            "name": "Kongsvinger kommune",
            "kind": "municipality",
            "timezone": "Europe/Oslo",
            "language": "nb",
        },
    )
    organisation = db.scalars(select(Organisation)).one()
    assert response.headers["Location"] == f"/organize/organisations/{organisation.id}"
    # Its lägesbild is written in Norwegian, whoever downloads it.
    assert organisation.language == "nb"
    wrong = client.post_form(
        "/organize/organisations/new",
        {"name": "Sarpsborg kommune", "kind": "municipality", "language": "de"},
    )
    assert wrong.status_code == 200 and 'id="language-error"' in wrong.get_data(as_text=True)
    again = client.post_form(
        "/organize/organisations/new", {"name": "Kongsvinger kommune", "kind": "municipality"}
    )
    assert b"exists already" in again.data

    client.post_form(
        f"/organize/organisations/{organisation.id}", {"email": "Kari@Example.no", "locale": "nb"}
    )
    mail = db.scalars(select(OutboxMail)).one()
    link = re.search(r"http://academy\.test(/organize/join/\S+)", mail.body_text).group(1)

    client.post_form("/logout")
    assert client.get(link).status_code == 200
    response = client.post_form(
        link,
        {
            "name": "Kari Nordmann",
            "locale": "nb",
            "password": "a long enough password",
            "confirm": "a long enough password",
        },
    )
    # A new organizer sets up the second step before going on.
    assert response.headers["Location"] == "/login/code/setup"
    assert 'href="/organize/"' in client.set_up_second_step().get_data(as_text=True)
    user = db.scalars(select(User).where(User.email_normalized == "kari@example.no")).one()
    assert db.scalar(select(Organizer).where(Organizer.user_id == user.id)) is not None
    assert b"Kongsvinger kommune" in client.get("/organize/").data
    assert client.get(link).status_code == 404


def test_an_existing_account_accepts_an_organizer_invitation_with_its_password(client, db):
    organisation = make_organisation(db)
    existing = make_user(db, email="per@example.se")
    admin = make_user(db, is_admin=True)
    client.login_as(admin)
    client.post_form(
        f"/organize/organisations/{organisation.id}", {"email": "per@example.se", "locale": "sv"}
    )
    link = re.search(r"(/organize/join/\S+)", db.scalars(select(OutboxMail)).one().body_text)[1]
    client.post_form("/logout")
    assert client.post_form(link, {"password": "wrong one"}).status_code == 200
    response = client.post_form(link, {"password": PASSWORD})
    assert response.headers["Location"] == "/login/code/setup"
    assert db.scalar(select(Organizer).where(Organizer.user_id == existing.id)) is not None


def test_only_administrators_create_organisations_and_invite(client, db, organizer, organisation):
    client.login_as(organizer)
    assert client.get("/organize/organisations/new").status_code == 404
    response = client.post_form(
        f"/organize/organisations/{organisation.id}", {"email": "x@example.se", "locale": "sv"}
    )
    assert response.status_code == 404
    assert db.scalar(select(func.count()).select_from(Invitation)) == 0


def test_organizer_creates_edits_and_archives_a_cohort(client, db, organizer, organisation):
    client.login_as(organizer)
    response = client.post_form(
        f"/organize/organisations/{organisation.id}/cohorts/new", cohort_form()
    )
    cohort = db.scalars(select(Cohort)).one()
    assert response.headers["Location"] == f"/organize/cohorts/{cohort.id}"
    assert cohort.place.name == "Torpa"
    page = client.get(f"/organize/cohorts/{cohort.id}").data.decode()
    assert "Tryggare centrum 2027" in page and "Torpa" in page
    # The edit form shows the place by its name (it once showed "<Place 1 'Torpa'>").
    edit = client.get(f"/organize/cohorts/{cohort.id}/edit").data.decode()
    assert 'value="Torpa"' in edit and "&lt;Place" not in edit

    client.post_form(
        f"/organize/cohorts/{cohort.id}/edit",
        cohort_form(
            name="Tryggare centrum, våren",
            place="torpa",
            attendance_required="y",
            required_sessions="2",
        ),
    )
    db.refresh(cohort)
    assert cohort.name == "Tryggare centrum, våren" and cohort.required_sessions == 2
    assert db.scalar(select(func.count()).select_from(Cohort.place.property.mapper.class_)) == 1

    client.post_form(f"/organize/cohorts/{cohort.id}/archive")
    db.refresh(cohort)
    assert cohort.archived_at is not None
    actions = set(db.scalars(select(AuditEvent.action)))
    assert {"cohort.created", "cohort.changed", "cohort.archived"} <= actions


def test_cohort_form_rejects_bad_dates_unknown_courses_and_long_names(
    client, db, organizer, organisation
):
    client.login_as(organizer)
    url = f"/organize/organisations/{organisation.id}/cohorts/new"
    bad = client.post_form(
        url,
        cohort_form(
            ends_on="2027-01-01", course="no-such-course", name="x" * 201, required_sessions="99"
        ),
    )
    assert bad.status_code == 200
    text = bad.data.decode()
    assert "cannot end before it starts" in text
    assert "Not a valid choice" in text or "choice" in text
    assert "at most 200 characters" in text
    assert "from 0 to 50" in text
    assert db.scalar(select(func.count()).select_from(Cohort)) == 0


def test_live_sessions_in_the_organisations_time_zone_and_the_calendar(
    client, db, organizer, cohort
):
    client.login_as(organizer)
    response = client.post_form(
        f"/organize/cohorts/{cohort.id}/sessions/new",
        {
            "title": "Trygghetsvandring",
            "day": "2027-03-10",
            "starts": "18:00",
            "ends": "20:00",
            "location": "Resecentrum",
            "video_url": "",
        },
    )
    assert response.headers["Location"] == f"/organize/cohorts/{cohort.id}"
    live = db.scalars(select(LiveSession)).one()
    assert live.starts_at == datetime(2027, 3, 10, 17, 0, tzinfo=UTC)  # 18:00 CET
    ics = client.get(f"/organize/cohorts/{cohort.id}/schedule.ics")
    (event,) = read_ics(ics.data).events.values()  # by icalendar and by vobject, agreeing
    assert event.summary == f"Trygghetsvandring ({cohort.name})"
    assert event.start == live.starts_at and event.location == "Resecentrum"
    assert event.description.endswith(f"/organize/cohorts/{cohort.id}")

    bad = client.post_form(
        f"/organize/sessions/{live.id}/edit",
        {
            "title": "X",
            "day": "2027-03-10",
            "starts": "18:00",
            "ends": "17:00",
            "video_url": "javascript:alert(1)",
        },
    )
    assert b"must end after it starts" in bad.data
    assert b"https://" in bad.data

    enrolment = make_enrolment(db, cohort=cohort)
    db.add(Attendance(live_session_id=live.id, enrolment_id=enrolment.id))
    db.flush()
    client.post_form(f"/organize/sessions/{live.id}/cancel")
    db.refresh(live)
    assert live.cancelled_at is None  # it took place


def test_adding_a_participant_invites_and_resending_rotates_the_link(client, db, organizer, cohort):
    client.login_as(organizer)
    data = {
        "name": "Åsa Ödegård",
        "email": "asa@example.se",
        "role": "trader",
        "employer": "Butiken AB",
        "place": "Torget",
        "locale": "sv",
    }
    response = client.post_form(f"/organize/cohorts/{cohort.id}/participants/new", data)
    assert response.headers["Location"] == f"/organize/cohorts/{cohort.id}"
    enrolment = db.scalars(select(Enrolment)).one()
    assert enrolment.employer == "Butiken AB" and enrolment.place.name == "Torget"
    again = client.post_form(f"/organize/cohorts/{cohort.id}/participants/new", data)
    assert b"already in the round" in again.data

    old_hash = db.scalars(select(Invitation)).one().token_hash
    client.post_form(f"/organize/enrolments/{enrolment.id}/resend")
    invitation = db.scalars(select(Invitation)).one()
    db.refresh(invitation)
    assert invitation.token_hash != old_hash and invitation.previous_token_hash == old_hash
    client.post_form(f"/organize/cohorts/{cohort.id}/resend")
    assert db.scalar(select(func.count()).select_from(OutboxMail)) == 3
    page = client.get(f"/organize/cohorts/{cohort.id}").data.decode()
    # The mail waits in the outbox until the mail worker has handed it over.
    assert "Åsa Ödegård" in page and "Waiting in the outbox" in page


def organizer_urls(
    app, cohort, organisation, live, enrolment, organizer_row, place, finding, **more
):
    """Every organizer route with ids of the given objects, built from the URL map."""
    values = {
        **more,
        "place_id": place.id,
        "finding_id": finding.id,
        "cohort_id": cohort.id,
        "organisation_id": organisation.id,
        "session_id": live.id,
        "enrolment_id": enrolment.id,
        "organizer_id": organizer_row.id,
        "key": "some-upload-key",
        "part_slug": "situational-prevention",
    }
    urls = []
    for rule in app.url_map.iter_rules():
        if not rule.endpoint.startswith("organize.") or rule.endpoint == "organize.join":
            continue
        if rule.endpoint in ("organize.index", "organize.new_organisation"):
            continue
        args = {name: values[name] for name in rule.arguments}
        path = rule.build(args)[1]
        for method in sorted(rule.methods - {"HEAD", "OPTIONS"}):
            urls.append((method, path))
    return urls


def test_organizers_of_another_organisation_get_404_everywhere(app, client, db, cohort):
    organisation = cohort.organisation
    organizer_row = make_organizer(db, organisation)
    live = LiveSession(
        cohort=cohort,
        title="Träff",
        starts_at=datetime(2027, 1, 1, tzinfo=UTC),
        ends_at=datetime(2027, 1, 1, 2, tzinfo=UTC),
    )
    db.add(live)
    enrolment = make_enrolment(db, cohort=cohort, user=make_user(db, name="Secret Person"))
    place = make_place(db, organisation, name="Secret Place")
    finding = Finding(
        place_id=place.id,
        cohort_id=cohort.id,
        enrolment_id=enrolment.id,
        part_slug="safe-design",
        spot="Secret spot",
        category=FindingCategory.LIGHTING,
    )
    db.add(finding)
    partner = PlacePartner(place=place, organisation=make_organisation(db))
    viewer = Viewer(organisation=organisation, user=make_user(db))
    db.add_all([partner, viewer])
    db.flush()
    plan = plans.create_plan(
        db,
        organisation,
        plans.PlanValues(
            title="Secret plan",
            kind=PlanKind.ACTION_PLAN,
            starts_on=date(2027, 1, 1),
            ends_on=date(2027, 12, 31),
            place_ids=(place.id,),
        ),
        created_by_id=organizer_row.user_id,
    )
    measure = plans.create_measure(
        db,
        plan,
        plans.MeasureValues(
            title="Secret measure", place_id=place.id, responsible_id=organisation.id
        ),
        created_by_id=organizer_row.user_id,
    )
    review = plans.add_review(db, plan, date(2027, 6, 1), "", added_by_id=organizer_row.user_id)
    proposal = MeasureProposal(
        place_id=place.id,
        cohort_id=cohort.id,
        enrolment_id=enrolment.id,
        part_slug="place-collaboration",
        what="Secret proposal",
    )
    db.add(proposal)
    db.flush()
    urls = organizer_urls(
        app,
        cohort,
        organisation,
        live,
        enrolment,
        organizer_row,
        place,
        finding,
        partner_id=partner.id,
        viewer_id=viewer.id,
        plan_id=plan.id,
        measure_id=measure.id,
        review_id=review.id,
        proposal_id=proposal.id,
    )
    assert len(urls) >= 15

    outsider = make_organizer(db, make_organisation(db)).user
    participant = enrolment.user
    for user in (outsider, participant):
        client.login_as(user)
        for method, path in urls:
            if method == "GET":
                response = client.get(path)
            else:
                response = client.post_form(path, {"name": "Changed", "email": "x@example.se"})
            assert response.status_code == 404, (user, method, path)
            assert b"Secret Person" not in response.data
            assert b"Secret measure" not in response.data
            assert b"Secret proposal" not in response.data
    client.login_as(participant)
    assert client.get("/organize/").status_code == 404
    db.refresh(cohort)
    assert cohort.name != "Changed"


def test_anonymous_visitors_are_sent_to_log_in(app, client, cohort):
    response = client.get(f"/organize/cohorts/{cohort.id}")
    assert response.headers["Location"].startswith("/login")


def test_the_organizer_list_uses_the_same_number_of_statements_for_1_and_20_cohorts(
    client, db, organizer, organisation, count_queries
):
    make_cohort(db, organisation)
    client.login_as(organizer)
    with count_queries() as one:
        client.get("/organize/")
    for _ in range(19):
        make_enrolment(db, cohort=make_cohort(db, organisation))
    with count_queries() as twenty:
        client.get("/organize/")
    assert one.count == twenty.count


def test_attendance_checklist_is_saved_in_one_post_and_can_complete_a_course(
    client, db, organizer, organisation
):
    cohort = make_cohort(db, organisation)
    live = LiveSession(
        cohort=cohort,
        title="Träff 1",
        starts_at=datetime(2026, 3, 1, tzinfo=UTC),
        ends_at=datetime(2026, 3, 1, 2, tzinfo=UTC),
    )
    db.add(live)
    joined = {"status": EnrolmentStatus.ACTIVE, "accepted_at": datetime(2026, 2, 1, tzinfo=UTC)}
    first = make_enrolment(db, cohort=cohort, **joined)
    second = make_enrolment(db, cohort=cohort, **joined)
    db.flush()
    client.login_as(organizer)
    page = client.get(f"/organize/sessions/{live.id}/attendance").data.decode()
    assert first.user.name in page and second.user.name in page
    listed = [str(first.id), str(second.id)]
    response = client.flask.post(
        f"/organize/sessions/{live.id}/attendance",
        data={"csrf_token": client.csrf_token(), "listed": listed, "present": [str(first.id)]},
    )
    assert response.headers["Location"] == f"/organize/cohorts/{cohort.id}"
    rows = db.scalars(select(Attendance)).all()
    assert [(row.enrolment_id, row.present) for row in rows] == [(first.id, True)]
    client.flask.post(
        f"/organize/sessions/{live.id}/attendance",
        data={"csrf_token": client.csrf_token(), "listed": listed, "present": [str(second.id)]},
    )
    db.expire_all()
    marks = {row.enrolment_id: row.present for row in db.scalars(select(Attendance))}
    assert marks == {first.id: False, second.id: True}
    assert "attendance.saved" in set(db.scalars(select(AuditEvent.action)))


def test_withdraw_keeps_history_and_move_keeps_progress(client, db, organizer, organisation):
    from academy.models import EnrolmentStatus, LessonProgress, PartState

    spring, autumn = make_cohort(db, organisation), make_cohort(db, organisation)
    enrolment = make_enrolment(db, cohort=spring)
    db.add(
        LessonProgress(
            enrolment_id=enrolment.id, part_slug="situational-prevention", lesson_slug="opportunity"
        )
    )
    state = PartState(
        enrolment_id=enrolment.id,
        cohort_id=spring.id,
        part_slug="situational-prevention",
        lessons_read=1,
    )
    db.add(state)
    other = make_enrolment(db, cohort=spring)
    db.flush()
    client.login_as(organizer)
    assert autumn.name in client.get(f"/organize/enrolments/{enrolment.id}/move").data.decode()
    response = client.post_form(
        f"/organize/enrolments/{enrolment.id}/move", {"cohort": str(autumn.id)}
    )
    assert response.headers["Location"] == f"/organize/cohorts/{spring.id}"
    db.refresh(enrolment)
    assert enrolment.cohort_id == autumn.id
    assert db.scalar(select(func.count()).select_from(LessonProgress)) == 1
    # The report of the new round counts the progress brought along.
    db.refresh(state)
    assert state.cohort_id == autumn.id

    forged = client.post_form(f"/organize/enrolments/{other.id}/move", {"cohort": "999999"})
    assert forged.status_code == 200
    db.refresh(other)
    assert other.cohort_id == spring.id

    client.post_form(f"/organize/enrolments/{other.id}/withdraw")
    db.refresh(other)
    assert other.status == EnrolmentStatus.WITHDRAWN and other.withdrawn_at is not None
    actions = set(db.scalars(select(AuditEvent.action)))
    assert {"enrolment.moved", "enrolment.withdrawn"} <= actions


def test_report_page_filters_and_exports_with_an_audit_entry(client, db, organizer, organisation):
    from academy.models import AudienceRole

    cohort = make_cohort(db, organisation)
    trader = make_enrolment(
        db, cohort=cohort, role=AudienceRole.TRADER, user=make_user(db, name="Åsa Handlare")
    )
    make_enrolment(
        db, cohort=cohort, role=AudienceRole.POLICE, user=make_user(db, name="=HYPERLINK(evil)")
    )
    client.login_as(organizer)
    page = client.get(f"/organize/cohorts/{cohort.id}/report").data.decode()
    assert "Åsa Handlare" in page and "<svg" in page
    filtered = client.get(f"/organize/cohorts/{cohort.id}/report?role=trader&place=nope").data
    assert "Åsa Handlare".encode() in filtered and b"HYPERLINK" not in filtered

    csv = client.post_form(f"/organize/cohorts/{cohort.id}/report/export", {"format": "csv"})
    assert csv.content_type == "text/csv; charset=utf-8"
    assert csv.data.startswith(b"\xef\xbb\xbf")
    assert "'=HYPERLINK(evil)" in csv.data.decode("utf-8-sig")
    xlsx = client.post_form(f"/organize/cohorts/{cohort.id}/report/export", {"format": "xlsx"})
    assert xlsx.data[:2] == b"PK"
    assert (
        client.post_form(
            f"/organize/cohorts/{cohort.id}/report/export", {"format": "exe"}
        ).status_code
        == 400
    )
    exports = db.scalars(select(AuditEvent).where(AuditEvent.action == "report.exported")).all()
    assert [event.details["format"] for event in exports] == ["csv", "xlsx"]
    assert trader.id


def test_report_page_statements_do_not_grow_with_participants(
    app, client, db, organizer, organisation, count_queries
):
    """Everything the request runs (the user, the organizer's organisations, the cohort, the
    places, the summary, one page of rows and its progress), for 10 and for 2,000."""
    with app.app_context():
        course = get_course("safer-streets")
    small = bulk_cohort(db, course, 10, organisation)
    large = bulk_cohort(db, course, 2000, organisation)
    client.login_as(organizer)
    counts = []
    for cohort in (small, large):
        with count_queries() as counter:
            page = client.get(f"/organize/cohorts/{cohort.id}/report?role=police")
        assert page.status_code == 200
        counts.append(counter.count)
    assert counts[0] == counts[1] <= 8, counter.statements
    html = page.data.decode()
    assert "<svg" in html and "of 333, by name" in html
    # One page of the table, not 2,000 rows.
    assert html.count('<th scope="row">') == 50


def report_round(db, organisation, size=120):
    """``size`` participants named in order, every other one a trader."""
    cohort = make_cohort(db, organisation)
    for n in range(size):
        make_enrolment(
            db,
            cohort=cohort,
            role=AudienceRole.TRADER if n % 2 else AudienceRole.POLICE,
            user=make_user(db, name=f"Deltagare {n:03d}"),
        )
    return cohort


def names(html: str) -> list[str]:
    return re.findall(r'<th scope="row">([^<]*)</th>', html)


def test_report_table_in_pages_of_50_by_name(client, db, organizer, organisation):
    cohort = report_round(db, organisation)
    client.login_as(organizer)
    url = f"/organize/cohorts/{cohort.id}/report"
    first = client.get(url).data.decode()
    second = client.get(url + "?page=2").data.decode()
    assert names(first) == [f"Deltagare {n:03d}" for n in range(50)]
    assert names(second) == [f"Deltagare {n:03d}" for n in range(50, 100)]
    assert "Participants 51\N{EN DASH}100 of 120, by name." in second
    # The summary counts everyone, whatever the page.
    assert "120 participants" in second
    assert (
        f'href="{url}?page=1" rel="prev"' in second or f'rel="prev" href="{url}?page=1"' in second
    )
    assert f'rel="next" href="{url}?page=3"' in second
    assert f'rel="next" href="{url}?page=2"' in first and 'rel="prev"' not in first
    third = client.get(url + "?page=3").data.decode()
    assert len(names(third)) == 20 and 'rel="next"' not in third
    # Not a number, zero or negative: the first page.
    for odd in ("abc", "0", "-1", "2.5", "99999999999"):
        assert names(client.get(f"{url}?page={odd}").data.decode()) == names(first), odd


def test_report_pages_keep_the_filters(client, db, organizer, organisation):
    cohort = report_round(db, organisation)
    client.login_as(organizer)
    url = f"/organize/cohorts/{cohort.id}/report"
    page = client.get(url + "?role=trader&status=invited&place=nope&page=1").data.decode()
    assert names(page) == [f"Deltagare {n:03d}" for n in range(1, 100, 2)]
    assert "60 participants" in page
    links = re.findall(r'rel="(?:prev|next)" href="([^"]*)"', page)
    assert links == [f"{url}?page=2&amp;role=trader&amp;status=invited"]
    second = client.get(links[0].replace("&amp;", "&")).data.decode()
    assert names(second) == [f"Deltagare {n:03d}" for n in range(101, 120, 2)]
    assert re.findall(r'rel="prev" href="([^"]*)"', second) == [
        f"{url}?page=1&amp;role=trader&amp;status=invited"
    ]
    export = re.search(r'action="([^"]*/report/export[^"]*)"', second).group(1)
    assert "role=trader" in export and "status=invited" in export and "page" not in export


def test_a_report_page_past_the_end_is_empty(client, db, organizer, organisation):
    cohort = report_round(db, organisation, size=3)
    client.login_as(organizer)
    url = f"/organize/cohorts/{cohort.id}/report"
    response = client.get(url + "?page=7")
    assert response.status_code == 200
    html = response.data.decode()
    assert names(html) == [] and "No participants on this page." in html
    assert "3 participants" in html
    assert re.findall(r'rel="prev" href="([^"]*)"', html) == [f"{url}?page=1"]
    nobody = client.get(url + "?role=official").data.decode()
    assert names(nobody) == [] and "No participants match." in nobody
    assert 'class="pager"' not in nobody


CSV_1252 = (
    "Namn;E-post;Roll;Arbetsgivare;Plats\r\n"
    "Åsa Öberg;asa@example.se;Handlare;Butiken AB;Torget\r\n"
    "Øystein Nærø;oystein@example.no;Polis;Polisen;Torget\r\n"
    "Bad Row;not-an-address;Kock;;\r\n"
).encode("cp1252")


def upload(client, cohort, data, filename="deltagare.csv"):
    import io

    return client.flask.post(
        f"/organize/cohorts/{cohort.id}/import",
        data={"csrf_token": client.csrf_token(), "file": (io.BytesIO(data), filename)},
        content_type="multipart/form-data",
    )


def test_import_from_a_windows_1252_spreadsheet_with_a_bad_row_then_fixed(
    app, client, db, organizer, organisation, tmp_path
):
    app.instance_path = str(tmp_path)
    cohort = make_cohort(db, organisation)
    client.login_as(organizer)
    response = upload(client, cohort, CSV_1252)
    review = response.headers["Location"]
    assert review.startswith(f"/organize/cohorts/{cohort.id}/import/")
    page = client.get(review).data.decode()
    assert "Åsa Öberg" in page and "Øystein Nærø" in page
    assert ("semicolons" in page and "cp1252" in page.lower()) or "windows-1252" in page.lower()
    assert "Line 4" in page
    refused = client.post_form(review, {"send_invitations": "y"})
    assert refused.status_code == 200
    assert db.scalar(select(func.count()).select_from(Enrolment)) == 0

    fixed = CSV_1252.replace(b"not-an-address;Kock", b"bad@example.se;Annan")
    review = upload(client, cohort, fixed).headers["Location"]
    response = client.post_form(review, {"send_invitations": "y", "create_places": "y"})
    assert response.headers["Location"] == f"/organize/cohorts/{cohort.id}"
    names = set(db.scalars(select(User.name).join(Enrolment, Enrolment.user_id == User.id)))
    assert names == {"Åsa Öberg", "Øystein Nærø", "Bad Row"}
    assert db.scalar(select(func.count()).select_from(OutboxMail)) == 3
    # The same file again changes nothing.
    review = upload(client, cohort, fixed).headers["Location"]
    client.post_form(review, {"send_invitations": "y", "create_places": "y"})
    assert db.scalar(select(func.count()).select_from(Enrolment)) == 3
    assert "import.completed" in set(db.scalars(select(AuditEvent.action)))


def test_import_refuses_unreadable_files_with_a_message(app, client, db, organizer, tmp_path):
    app.instance_path = str(tmp_path)
    cohort = make_cohort(db, organizer_org(db, organizer))
    client.login_as(organizer)
    empty = upload(client, cohort, b"")
    assert empty.status_code == 200 and b"error" in empty.data
    binary = upload(client, cohort, b"\x00\x01\x02" * 100, "x.csv")
    assert binary.status_code == 200
    assert client.get(f"/organize/cohorts/{cohort.id}/import/not-a-key").status_code == 302


def test_another_organizers_upload_cannot_be_read(
    app, client, db, organizer, organisation, tmp_path
):
    app.instance_path = str(tmp_path)
    cohort = make_cohort(db, organisation)
    client.login_as(organizer)
    review = upload(client, cohort, CSV_1252).headers["Location"]
    colleague = make_organizer(db, organisation).user
    client.login_as(colleague)
    response = client.get(review)
    assert response.status_code == 302
    assert b"\xc3\x85sa" not in response.data


def organizer_org(db, user):
    return db.scalar(select(Organisation).join(Organizer).where(Organizer.user_id == user.id))


def test_reading_approving_and_returning_assignments(client, db, organizer, organisation):
    from academy.models import (
        AssignmentSubmission,
        EnrolmentStatus,
        PartState,
        SubmissionStatus,
    )

    cohort = make_cohort(db, organisation, assignments_need_approval=True)
    enrolment = make_enrolment(
        db, cohort=cohort, user=make_user(db, name="Per Ödman"), status=EnrolmentStatus.COMPLETED
    )
    submission = AssignmentSubmission(
        enrolment_id=enrolment.id,
        part_slug="situational-prevention",
        content_version="v",
        answers={
            "place": "Stationen",
            "problem": "Cyklar stjäls varje kväll vid stationen.",
            "technique": "effort",
        },
        status=SubmissionStatus.SUBMITTED,
    )
    db.add(submission)
    db.add(
        PartState(
            enrolment_id=enrolment.id,
            cohort_id=cohort.id,
            part_slug="situational-prevention",
            completed_at=datetime(2026, 4, 1, tzinfo=UTC),
            assignment_status=SubmissionStatus.SUBMITTED,
        )
    )
    db.flush()
    client.login_as(organizer)
    listing = client.get(f"/organize/cohorts/{cohort.id}/assignments").data.decode()
    assert "Per Ödman" in listing
    path = f"/organize/enrolments/{enrolment.id}/assignments/situational-prevention"
    page = client.get(path).data.decode()
    assert "Cyklar stjäls varje kväll" in page and "Increase the effort" in page

    without_comment = client.post_form(path, {"action": "return", "comment": ""})
    assert b"Say what should be revised." in without_comment.data
    # Per has completed the course: a return must be confirmed first, and changes nothing.
    asked = client.post_form(path, {"action": "return", "comment": "Beskriv platsen närmare."})
    assert asked.status_code == 200
    assert "Per Ödman has completed the course" in asked.data.decode()
    db.refresh(submission)
    assert submission.status == SubmissionStatus.SUBMITTED
    client.post_form(path, {"action": "return-confirmed", "comment": "Beskriv platsen närmare."})
    db.refresh(submission)
    db.refresh(enrolment)
    assert submission.status == SubmissionStatus.RETURNED
    # The completion (and the certificate that comes with it) stands.
    assert enrolment.status == EnrolmentStatus.COMPLETED
    state = db.scalars(select(PartState).where(PartState.enrolment_id == enrolment.id)).one()
    assert state.completed_at is not None
    assert state.assignment_status == SubmissionStatus.RETURNED
    returned = db.scalars(
        select(AuditEvent).where(AuditEvent.action == "assignment.returned")
    ).one()
    assert returned.details["after_completion"] is True

    client.login_as(enrolment.user)
    dashboard = client.get("/learn/").data.decode()
    assert "Beskriv platsen närmare." in dashboard

    client.login_as(organizer)
    submission.status = SubmissionStatus.SUBMITTED
    db.flush()
    client.post_form(path, {"action": "approve", "comment": ""})
    db.refresh(submission)
    assert submission.status == SubmissionStatus.APPROVED
    actions = set(db.scalars(select(AuditEvent.action)))
    assert {"assignment.returned", "assignment.approved"} <= actions


def test_deadline_reminders_go_once_to_those_not_done(app, db):
    from datetime import date

    from academy.models import EnrolmentStatus, Reminder

    organisation = make_organisation(db)
    soon = make_cohort(db, organisation, deadline=date(2027, 5, 20))
    later = make_cohort(db, organisation, deadline=date(2027, 6, 30))
    behind = make_enrolment(db, cohort=soon, status=EnrolmentStatus.ACTIVE)
    make_enrolment(db, cohort=soon, status=EnrolmentStatus.COMPLETED)
    make_enrolment(db, cohort=later, status=EnrolmentStatus.ACTIVE)
    db.commit()
    runner = app.test_cli_runner()
    first = runner.invoke(args=["reminders", "send", "--today", "2027-05-14"])
    assert first.exit_code == 0, first.output
    assert "Reminders queued: 1" in first.output
    mail = db.scalars(select(OutboxMail)).one()
    assert mail.to_address == behind.user.email
    again = runner.invoke(args=["reminders", "send", "--today", "2027-05-15"])
    assert "Reminders queued: 0" in again.output
    assert db.scalar(select(func.count()).select_from(Reminder)) == 1
    bad = runner.invoke(args=["reminders", "send", "--today", "tomorrow"])
    assert bad.exit_code == 2


def test_participants_imported_without_mails_can_be_invited_later(client, db, organizer, cohort):
    enrolment = make_enrolment(db, cohort=cohort)
    client.login_as(organizer)
    page = client.get(f"/organize/cohorts/{cohort.id}").data.decode()
    assert "Not sent" in page
    client.post_form(f"/organize/enrolments/{enrolment.id}/resend")
    invitation = db.scalars(select(Invitation)).one()
    assert invitation.enrolment_id == enrolment.id and invitation.sent_at is not None
    assert db.scalars(select(OutboxMail)).one().to_address == enrolment.user.email
    other = make_enrolment(db, cohort=cohort)
    client.post_form(f"/organize/cohorts/{cohort.id}/resend")
    assert (
        db.scalar(
            select(func.count()).select_from(Invitation).where(Invitation.enrolment_id == other.id)
        )
        == 1
    )


def test_an_expired_import_form_says_so_and_keeps_the_upload(
    app, client, db, organizer, organisation, tmp_path
):
    app.instance_path = str(tmp_path)
    cohort = make_cohort(db, organisation)
    client.login_as(organizer)
    fixed = CSV_1252.replace(b"not-an-address;Kock", b"bad@example.se;Annan")
    review = upload(client, cohort, fixed).headers["Location"]
    expired = client.flask.post(review, data={"csrf_token": "stale", "send_invitations": "y"})
    assert expired.status_code == 400
    assert b"The form had expired" in expired.data
    assert db.scalar(select(func.count()).select_from(Enrolment)) == 0
    done = client.post_form(review, {"send_invitations": "y", "create_places": "y"})
    assert done.headers["Location"] == f"/organize/cohorts/{cohort.id}"
