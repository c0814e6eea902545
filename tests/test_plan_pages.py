"""The plan and measure pages: what each kind of reader sees and may do, the forms'
errors at their fields, the done → findings offer. The access matrix of every route is in
test_route_security.py; the rules themselves in test_plans.py."""

from __future__ import annotations

import re
from datetime import date, timedelta

import pytest
from sqlalchemy import insert, select

from academy.models import FindingStatus, Measure, MeasureStatus, Plan, PlanKind
from academy.services import plans
from tests.test_plans import Town


@pytest.fixture
def town(db):
    town = Town(db)
    db.commit()
    return town


def as_(client, user):
    client.login_as(user)
    return client


def test_the_owner_builds_a_plan_with_a_measure_and_links_findings(client, db, town):
    as_(client, town.organizer)
    page = client.get(f"/organize/organisations/{town.owner.id}/plans/new?place={town.square.id}")
    assert page.status_code == 200 and b"checked" in page.data
    response = client.post_form(
        f"/organize/organisations/{town.owner.id}/plans/new",
        {
            "title": "Medborgarlöfte Vänersborg 2027",
            "kind": "citizen_promise",
            "starts_on": "2027-01-01",
            "ends_on": "2027-12-31",
            "places": [str(town.square.id)],
        },
    )
    assert response.status_code == 302
    plan = db.scalars(select(Plan).where(Plan.title == "Medborgarlöfte Vänersborg 2027")).one()
    response = client.post_form(
        f"/organize/plans/{plan.id}/measures/new",
        {
            "title": "Trygghetsvandring med polisen",
            "place": str(town.square.id),
            "responsible": str(town.police.id),
            "contact_person": str(town.officer.id),
            "due_on": "2027-05-01",
        },
    )
    assert response.status_code == 302 and "/findings" in response.location
    measure = db.scalars(select(Measure).where(Measure.plan_id == plan.id)).one()
    chooser = client.get(response.location)
    assert "Cykelstället" in chooser.get_data(as_text=True)
    lit = town.findings[0]
    client.post_form(
        response.location, {"shown": [str(f.id) for f in town.findings], "chosen": [str(lit.id)]}
    )
    db.expire_all()
    assert db.get(type(lit), lit.id).status == FindingStatus.PLANNED
    text = client.get(f"/organize/plans/{plan.id}").get_data(as_text=True)
    assert "Trygghetsvandring med polisen" in text and "Polisen Fyrbodal" in text
    # Participants' names never appear.
    assert "Åsa Öberg" not in text
    assert "Åsa Öberg" not in client.get(f"/organize/measures/{measure.id}").get_data(as_text=True)


def test_forms_show_their_errors_at_the_fields(client, db, town):
    as_(client, town.organizer)
    response = client.post_form(
        f"/organize/organisations/{town.owner.id}/plans/new",
        {"title": "", "kind": "action_plan", "starts_on": "2027-05-01", "ends_on": "2027-01-01"},
    )
    text = response.get_data(as_text=True)
    assert response.status_code == 200
    assert 'class="error-summary"' in text
    assert "The plan cannot end before it starts." in text
    assert "Choose at least one place." in text
    response = client.post_form(
        f"/organize/plans/{town.plan.id}/measures/new",
        {
            "title": "Patrull",
            "place": str(town.station.id),
            "responsible": str(town.police.id),
            "contact_person": "",
            "due_on": "3027-01-01",
        },
    )
    text = response.get_data(as_text=True)
    assert "Give a date between 2000 and 2100." in text
    response = client.post_form(
        f"/organize/plans/{town.plan.id}/measures/new",
        {
            "title": "Patrull",
            "place": str(town.station.id),
            "responsible": str(town.police.id),
            "contact_person": "",
        },
    )
    assert "Choose the owner or a partner organisation" in response.get_data(as_text=True)


def test_the_partner_reports_progress_on_its_measure_and_nothing_else(client, db, town):
    as_(client, town.officer)
    own = f"/organize/measures/{town.police_measure.id}"
    page = client.get(own).get_data(as_text=True)
    assert 'name="status"' in page and 'name="body"' in page and "/edit" not in page
    response = client.post_form(own + "/status", {"status": "dropped", "reason": ""})
    # The officer reads Swedish: the error stands at its field.
    assert response.status_code == 200
    assert "Skriv varför åtgärden avbryts." in response.get_data(as_text=True)
    assert client.post_form(own + "/status", {"status": "in_progress"}).status_code == 302
    assert client.post_form(own + "/notes", {"body": "Patrull varje fredag"}).status_code == 302
    db.expire_all()
    assert db.get(Measure, town.police_measure.id).status == MeasureStatus.IN_PROGRESS
    # The owner's measure: read, not changed; the station's: not even read.
    other = f"/organize/measures/{town.own_measure.id}"
    assert 'name="status"' not in client.get(other).get_data(as_text=True)
    assert client.post_form(other + "/status", {"status": "done"}).status_code == 404
    assert client.post_form(other + "/notes", {"body": "x"}).status_code == 404
    assert client.get(f"/organize/measures/{town.station_measure.id}").status_code == 404
    plan_page = client.get(f"/organize/plans/{town.plan.id}").get_data(as_text=True)
    assert "Belys perrongen" not in plan_page and "Fler kvällspatruller" in plan_page


def test_done_offers_to_mark_the_findings_done_all_ticked(client, db, town):
    as_(client, town.organizer)
    ids = [str(f.id) for f in town.findings]
    base = f"/organize/measures/{town.own_measure.id}"
    client.post_form(base + "/findings", {"shown": ids, "chosen": ids})
    response = client.post_form(base + "/status", {"status": "done"})
    assert response.status_code == 302 and response.location.endswith("/findings/done")
    offer = client.get(response.location).get_data(as_text=True)
    assert len(re.findall(r'name="findings"[^>]*checked', offer)) == 2
    client.post_form(response.location, {"findings": ids[:1]})
    db.expire_all()
    statuses = [db.get(type(f), f.id).status for f in town.findings]
    assert statuses == [FindingStatus.DONE, FindingStatus.PLANNED]


def test_the_plan_page_says_overdue_in_words(client, db, town):
    town.own_measure.due_on = date(2020, 1, 1)
    db.commit()
    as_(client, town.viewer)
    text = client.get(f"/organize/plans/{town.plan.id}").get_data(as_text=True)
    assert "Overdue" in text and "1 overdue" in text
    assert client.get(f"/organize/plans/{town.plan.id}/edit").status_code == 404


def bulk_measures(db, plan, place, responsible_ids, number: int) -> None:
    statuses = list(MeasureStatus)
    db.execute(
        insert(Measure),
        [
            {
                "plan_id": plan.id,
                "place_id": place.id,
                "title": f"Åtgärd {n}",
                "responsible_id": responsible_ids[n % len(responsible_ids)],
                "status": statuses[n % len(statuses)],
                "due_on": date(2026, 1, 1) + timedelta(days=n % 700),
            }
            for n in range(number)
        ],
    )
    db.flush()


@pytest.mark.parametrize("who", ["organizer", "officer"])
def test_the_plan_page_takes_the_same_statements_for_10_and_2000_measures(
    client, db, town, count_queries, who
):
    small, large = (
        town.plan,
        plans.create_plan(
            db,
            town.owner,
            plans.PlanValues(
                title="Stor plan",
                kind=PlanKind.SLT_PLAN,
                starts_on=date(2026, 1, 1),
                ends_on=date(2027, 12, 31),
                # As many places as the small plan: a reader's access is asked per place.
                place_ids=(town.square.id, town.station.id),
            ),
            created_by_id=town.organizer.id,
        ),
    )
    both = [town.owner.id, town.police.id]
    bulk_measures(db, small, town.square, both, 7)  # and its three: 10
    bulk_measures(db, large, town.square, both, 2000)
    db.commit()
    as_(client, getattr(town, who))
    client.get(f"/organize/plans/{small.id}")  # the first request loads what a process keeps
    counts = []
    for plan in (small, large):
        with count_queries() as counter:
            response = client.get(f"/organize/plans/{plan.id}")
        assert response.status_code == 200
        counts.append(counter.count)
    assert counts[0] == counts[1]
    assert response.get_data(as_text=True).count('class="measure-card') == 2000


def test_odd_ids_in_the_checkboxes_are_ignored(client, db, town):
    as_(client, town.organizer)
    odd = ["0", "-1", "x", "2147483648", "9" * 5000, "١٢", str(town.station_finding.id)]
    base = f"/organize/measures/{town.own_measure.id}"
    response = client.post_form(base + "/findings", {"shown": odd, "chosen": odd})
    assert response.status_code == 302
    town.own_measure.status = MeasureStatus.DONE
    db.commit()
    assert client.post_form(base + "/findings/done", {"findings": odd}).status_code == 302
    assert plans.measure_page(db, town.own_measure, date(2027, 1, 1)).findings == []
    response = client.post_form(
        f"/organize/plans/{town.plan.id}/edit",
        {
            "title": "x",
            "kind": "other",
            "starts_on": "2027-01-01",
            "ends_on": "2027-12-31",
            "places": odd[:-1],
        },
    )
    assert response.status_code == 200 and "Choose at least one place." in response.get_data(
        as_text=True
    )
