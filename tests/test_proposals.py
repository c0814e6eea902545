"""Measures proposed in the course (issue 15, item 6): recorded from the submitted
place-collaboration assignment, then accepted, merged or dropped by the place's owner on
the plan page. The access matrix of the routes is in test_route_security.py; the odd
input in test_odd_input.py. On both backends (ACADEMY_DATABASE_URL)."""

from __future__ import annotations

import io
import json
import re
import zipfile
from datetime import date

import pytest
from sqlalchemy import func, insert, select

from academy.content import get_course
from academy.models import (
    AuditEvent,
    Measure,
    MeasureNote,
    MeasureProposal,
    MeasureStatus,
    Plan,
    PlanKind,
    ProposalStatus,
)
from academy.services import plans, privacy
from academy.services import progress as progress_service
from academy.services.plans import MeasureValues, PlanError
from tests.factories import make_cohort, make_enrolment, make_place, make_user
from tests.test_plans import Town

PART = "place-collaboration"


def proposal_row(what: str, **overrides) -> dict:
    row = {
        "what": what,
        "who": "the municipality's street department",
        "by-when": "before autumn 2027",
        "indicator": "Fewer findings of category lighting at the next walk.",
    }
    row.update(overrides)
    return row


class Round:
    """The town of test_plans with a round of the real course at the square, and a
    participant in it."""

    def __init__(self, db, course, town: Town, *, place=None, enrolment_place=None):
        self.course = course
        self.cohort = make_cohort(
            db, town.owner, course_slug=course.slug, name="Torget våren", place=place
        )
        self.participant = make_user(db, name="Åsa Öberg-Förslag")
        self.enrolment = make_enrolment(db, self.cohort, self.participant, place=enrolment_place)

    def submit(self, db, rows, *, submit=True):
        part = self.course.part(PART)
        return progress_service.save_assignment(
            db, self.enrolment, self.course, part, {"proposed-measures": rows}, submit=submit
        )


@pytest.fixture
def town(db):
    return Town(db)


@pytest.fixture
def course(real_course):
    return real_course


@pytest.fixture
def round_(db, course, town):
    return Round(db, course, town, place=town.square)


def proposals_of(db, submission) -> list[MeasureProposal]:
    return list(
        db.scalars(
            select(MeasureProposal)
            .where(MeasureProposal.submission_id == submission.id)
            .order_by(MeasureProposal.position, MeasureProposal.id)
        )
    )


# --- the course and the recording -----------------------------------------------------------


def test_the_place_collaboration_assignment_has_the_proposals_group(course, app_context):
    groups = {
        part.slug: getattr(plans.proposals_group(part.assignment), "slug", None)
        for part in course.parts
    }
    assert groups == {
        "situational-prevention": None,
        "safe-urban-planning": None,
        "place-collaboration": "proposed-measures",
        "placemaking": None,
    }
    group = plans.proposals_group(course.part(PART).assignment)
    assert [sub.slug for sub in group.fields] == ["what", "who", "by-when", "indicator"]
    assert group.min_items == 1 and group.max_items == 10
    # The fixture course has none.
    assert all(
        plans.proposals_group(part.assignment) is None for part in get_course("safer-streets").parts
    )


def test_a_submission_records_its_proposals_at_the_rounds_place(db, round_, town):
    submission = round_.submit(
        db,
        [
            proposal_row("Replace the two broken lamps at the bike stand."),
            {"what": "", "who": "", "by-when": "", "indicator": ""},  # an empty row
            proposal_row("  Cut back the hedge along the path.  ", **{"by-when": ""}),
        ],
    )
    first, second = proposals_of(db, submission)
    assert (first.position, second.position) == (0, 2)
    assert first.place_id == second.place_id == town.square.id
    assert first.cohort_id == round_.cohort.id and first.enrolment_id == round_.enrolment.id
    assert first.part_slug == PART and first.status is ProposalStatus.OPEN
    assert first.who == "the municipality's street department"
    assert first.by_when == "before autumn 2027" and second.by_when == ""
    assert second.what == "Cut back the hedge along the path."


def test_the_enrolments_place_comes_before_the_rounds(db, course, town):
    round_ = Round(db, course, town, place=town.square, enrolment_place=town.station)
    [proposal] = proposals_of(db, round_.submit(db, [proposal_row("Light the platform.")]))
    assert proposal.place_id == town.station.id


def test_without_a_place_proposals_are_kept_but_no_plan_shows_them(db, course, town):
    round_ = Round(db, course, town)
    [proposal] = proposals_of(db, round_.submit(db, [proposal_row("Light the platform.")]))
    assert proposal.place_id is None
    page = plans.plan_page(
        db, town.plan, {p.id for p in town.plan.places}, date(2027, 3, 1), with_proposals=True
    )
    assert page.proposals == []


def test_a_draft_records_nothing(db, round_):
    submission = round_.submit(db, [proposal_row("Replace the lamps.")], submit=False)
    assert proposals_of(db, submission) == []


def test_resubmitting_replaces_the_open_proposals_and_keeps_the_decided(db, round_, town):
    submission = round_.submit(
        db,
        [
            proposal_row("Replace the two broken lamps."),
            proposal_row("Cut back the hedge."),
            proposal_row("Ask the traders to keep their lights on."),
        ],
    )
    lamps, hedge, traders = proposals_of(db, submission)
    plans.proposals.drop(db, traders, town.plan, "Not ours.", decided_by_id=town.organizer.id)
    measure = plans.proposals.accept(
        db,
        lamps,
        town.plan,
        MeasureValues(title="Byt lamporna", place_id=town.square.id, responsible_id=town.owner.id),
        decided_by_id=town.organizer.id,
    )
    # Again: the accepted row repeated, the hedge unchanged (but for its spacing), the
    # dropped one left out, and a new row.
    round_.submit(
        db,
        [
            proposal_row("Replace the two  broken lamps."),
            proposal_row("CUT back the hedge."),
            proposal_row("Paint the underpass white."),
        ],
    )
    db.expire_all()
    rows = proposals_of(db, submission)
    by_id = {proposal.id: proposal for proposal in rows}
    assert by_id[lamps.id].status is ProposalStatus.ACCEPTED
    assert by_id[lamps.id].measure_id == measure.id
    assert by_id[traders.id].status is ProposalStatus.DROPPED
    assert by_id[hedge.id].status is ProposalStatus.OPEN  # kept, id and all
    assert by_id[hedge.id].what == "CUT back the hedge."
    open_ = [p.what for p in rows if p.status is ProposalStatus.OPEN]
    assert open_ == ["CUT back the hedge.", "Paint the underpass white."]
    # Submitting with no proposals at all leaves the decided ones.
    round_.submit(db, [])
    db.expire_all()
    left = proposals_of(db, submission)
    assert {p.status for p in left} == {ProposalStatus.ACCEPTED, ProposalStatus.DROPPED}


# --- the owner's decisions, through the pages -----------------------------------------------


@pytest.fixture
def proposal(db, round_):
    [proposal] = proposals_of(
        db, round_.submit(db, [proposal_row("Replace the two broken lamps at the bike stand.")])
    )
    db.commit()
    return proposal


def url(plan: Plan, proposal: MeasureProposal, action: str) -> str:
    return f"/organize/plans/{plan.id}/proposals/{proposal.id}/{action}"


def test_the_plan_page_lists_open_proposals_to_the_owner_alone(client, db, town, proposal):
    client.login_as(town.organizer)
    text = client.get(f"/organize/plans/{town.plan.id}").get_data(as_text=True)
    assert "Proposed in the course" in text and "Replace the two broken lamps" in text
    assert url(town.plan, proposal, "accept") in text
    assert "Torget våren" in text
    assert "Åsa Öberg-Förslag" not in text  # never the participant's name
    for reader in (town.officer, town.viewer):
        client.login_as(reader)
        text = client.get(f"/organize/plans/{town.plan.id}").get_data(as_text=True)
        assert "Replace the two broken lamps" not in text and "Proposed in the course" not in text
        for action in ("accept", "merge", "drop"):
            assert client.get(url(town.plan, proposal, action)).status_code == 404
            assert client.post_form(url(town.plan, proposal, action), {}).status_code == 404
    db.expire_all()
    assert db.get(MeasureProposal, proposal.id).status is ProposalStatus.OPEN


def test_a_proposal_is_reached_only_through_a_plan_of_its_place(client, db, town, proposal):
    other = plans.create_plan(
        db,
        town.owner,
        plans.PlanValues(
            title="Stationen 2027",
            kind=PlanKind.OTHER,
            starts_on=date(2027, 1, 1),
            ends_on=date(2027, 12, 31),
            place_ids=(town.station.id,),
        ),
        created_by_id=town.organizer.id,
    )
    db.commit()
    client.login_as(town.organizer)
    assert client.get(url(other, proposal, "accept")).status_code == 404
    assert client.get(f"/organize/plans/{town.plan.id}/proposals/999999/accept").status_code == 404


def test_accept_fills_the_measure_form_and_makes_a_proposed_measure(client, db, town, proposal):
    client.login_as(town.organizer)
    form = client.get(url(town.plan, proposal, "accept")).get_data(as_text=True)
    assert 'value="Replace the two broken lamps at the bike stand."' in form
    assert "Proposed owner: the municipality&#39;s street department" in form
    assert "Fewer findings of category lighting at the next walk." in form
    # The only place offered is the proposal's.
    place_select = re.search(r'<select[^>]*name="place".*?</select>', form, re.S).group(0)
    assert re.findall(r'value="(\d+)"', place_select) == [str(town.square.id)]
    response = client.post_form(
        url(town.plan, proposal, "accept"),
        {
            "title": "Byt lamporna vid cykelstället",
            "description": "Två lampor.",
            "place": str(town.square.id),
            "responsible": str(town.police.id),
            "contact_person": "",
            "indicator": "Färre fynd om belysning.",
        },
    )
    assert response.status_code == 302 and response.location.endswith("/findings")
    db.expire_all()
    measure = db.scalars(
        select(Measure).where(Measure.title == "Byt lamporna vid cykelstället")
    ).one()
    assert measure.status is MeasureStatus.PROPOSED and measure.place_id == town.square.id
    assert measure.responsible_id == town.police.id and measure.due_on is None
    decided = db.get(MeasureProposal, proposal.id)
    assert decided.status is ProposalStatus.ACCEPTED and decided.measure_id == measure.id
    assert decided.decided_by_id == town.organizer.id and decided.decided_at is not None
    event = db.scalars(select(AuditEvent).where(AuditEvent.action == "proposal.accepted")).one()
    assert event.object_id == proposal.id and event.details["measure"] == measure.id
    # Decided: the page lists it no more, and its pages lead back to the plan.
    text = client.get(f"/organize/plans/{town.plan.id}").get_data(as_text=True)
    assert "Proposed in the course" not in text
    again = client.post_form(url(town.plan, proposal, "drop"), {})
    assert again.status_code == 302 and again.location.endswith("#proposals")
    assert db.get(MeasureProposal, proposal.id).status is ProposalStatus.ACCEPTED


def test_merge_adds_a_note_quoting_the_proposal(client, db, town, proposal):
    client.login_as(town.organizer)
    page = client.get(url(town.plan, proposal, "merge")).get_data(as_text=True)
    assert "Byt armaturer" in page and "Fler kvällspatruller" in page
    assert "Belys perrongen" not in page  # the station's measure: another place
    assert "Proposed in the course: “Replace the two broken lamps at the bike stand.”" in page
    response = client.post_form(
        url(town.plan, proposal, "merge"),
        {"measure": str(town.own_measure.id), "note": "Föreslaget i kursen: byt lamporna."},
    )
    assert response.status_code == 302
    assert response.location.endswith(f"/organize/measures/{town.own_measure.id}#notes")
    db.expire_all()
    merged = db.get(MeasureProposal, proposal.id)
    assert merged.status is ProposalStatus.MERGED and merged.measure_id == town.own_measure.id
    [note] = db.scalars(select(MeasureNote).where(MeasureNote.measure_id == town.own_measure.id))
    assert note.body == "Föreslaget i kursen: byt lamporna."
    assert db.scalar(select(func.count()).where(AuditEvent.action == "proposal.merged")) == 1


def test_drop_takes_an_optional_reason(client, db, town, round_):
    submission = round_.submit(db, [proposal_row("One thing."), proposal_row("Another thing.")])
    first, second = proposals_of(db, submission)
    db.commit()
    client.login_as(town.organizer)
    assert client.get(url(town.plan, first, "drop")).status_code == 200
    response = client.post_form(url(town.plan, first, "drop"), {"reason": "In the plan already."})
    assert response.status_code == 302 and response.location.endswith("#proposals")
    response = client.post_form(url(town.plan, second, "drop"), {})
    assert response.status_code == 302
    db.expire_all()
    assert db.get(MeasureProposal, first.id).reason == "In the plan already."
    dropped = db.get(MeasureProposal, second.id)
    assert dropped.status is ProposalStatus.DROPPED and dropped.reason == ""
    assert dropped.measure_id is None
    reasons = [
        event.details.get("reason")
        for event in db.scalars(
            select(AuditEvent)
            .where(AuditEvent.action == "proposal.dropped")
            .order_by(AuditEvent.id)
        )
    ]
    assert reasons == ["In the plan already.", None]


def test_forms_show_their_errors_at_the_fields(client, db, town, proposal):
    client.login_as(town.organizer)
    response = client.post_form(
        url(town.plan, proposal, "accept"),
        {"title": "", "place": str(town.station.id), "responsible": str(town.owner.id)},
    )
    text = response.get_data(as_text=True)
    assert response.status_code == 200 and 'id="title-error"' in text
    assert 'id="place-error"' in text
    # A measure of another place, or no measure at all, is refused at the field.
    for chosen in (str(town.station_measure.id), "", "x"):
        response = client.post_form(
            url(town.plan, proposal, "merge"), {"measure": chosen, "note": "x"}
        )
        text = response.get_data(as_text=True)
        assert response.status_code == 200 and 'id="measure-error"' in text, chosen
    response = client.post_form(
        url(town.plan, proposal, "merge"), {"measure": str(town.own_measure.id), "note": ""}
    )
    assert 'id="note-error"' in response.get_data(as_text=True)
    response = client.post_form(url(town.plan, proposal, "drop"), {"reason": "x" * 2001})
    assert response.status_code == 200 and 'id="reason-error"' in response.get_data(as_text=True)
    db.expire_all()
    assert db.get(MeasureProposal, proposal.id).status is ProposalStatus.OPEN
    assert db.scalar(select(func.count()).select_from(MeasureNote)) == 0


def test_the_services_refuse_a_decided_proposal_and_a_measure_elsewhere(db, town, proposal):
    with pytest.raises(PlanError) as refused:
        plans.proposals.merge(
            db, proposal, town.plan, town.station_measure.id, "x", decided_by_id=town.organizer.id
        )
    assert (refused.value.field, refused.value.code) == ("measure", "not_at_place")
    with pytest.raises(PlanError) as refused:
        plans.proposals.accept(
            db,
            proposal,
            town.plan,
            MeasureValues(title="x", place_id=town.station.id, responsible_id=town.owner.id),
            decided_by_id=town.organizer.id,
        )
    assert (refused.value.field, refused.value.code) == ("place", "not_the_proposals")
    plans.proposals.drop(db, proposal, town.plan, "", decided_by_id=town.organizer.id)
    with pytest.raises(plans.proposals.ProposalDecided):
        plans.proposals.drop(db, proposal, town.plan, "", decided_by_id=town.organizer.id)


def test_merge_without_a_measure_at_the_place_offers_to_accept(client, db, course, town):
    round_ = Round(db, course, town, place=town.square)
    [proposal] = proposals_of(db, round_.submit(db, [proposal_row("Light the stairs.")]))
    for measure in (town.police_measure, town.own_measure):
        measure.status = MeasureStatus.DROPPED
    db.commit()
    client.login_as(town.organizer)
    text = client.get(url(town.plan, proposal, "merge")).get_data(as_text=True)
    assert "has no measure at this place" in text and url(town.plan, proposal, "accept") in text


def test_the_plan_page_takes_the_same_statements_for_10_and_500_proposals(
    client, db, course, town, count_queries
):
    small = Round(db, course, town, place=town.square)
    small.submit(db, [proposal_row(f"Proposal {n}") for n in range(10)])
    big = make_place(db, town.owner, name="Storgatan")
    large_plan = plans.create_plan(
        db,
        town.owner,
        plans.PlanValues(
            title="Stor plan",
            kind=PlanKind.OTHER,
            starts_on=date(2027, 1, 1),
            ends_on=date(2027, 12, 31),
            place_ids=(big.id, town.station.id),
        ),
        created_by_id=town.organizer.id,
    )
    db.execute(
        insert(MeasureProposal),
        [
            {
                "place_id": big.id,
                "cohort_id": small.cohort.id,
                "part_slug": PART,
                "position": n,
                "what": f"Bulk proposal {n}",
                "who": "",
                "by_when": "",
                "indicator": "",
                "status": ProposalStatus.OPEN,
                "reason": "",
            }
            for n in range(500)
        ],
    )
    db.commit()
    client.login_as(town.organizer)
    client.get(f"/organize/plans/{town.plan.id}")
    counts = []
    for plan in (town.plan, large_plan):
        with count_queries() as counter:
            response = client.get(f"/organize/plans/{plan.id}")
        assert response.status_code == 200
        counts.append(counter.count)
    assert counts[0] == counts[1]
    assert response.get_data(as_text=True).count('class="measure-card proposal-card"') == 500


# --- privacy --------------------------------------------------------------------------------


def test_the_export_holds_the_persons_proposals_and_erasure_keeps_them_without_them(
    db, round_, town, app_context
):
    submission = round_.submit(db, [proposal_row("Replace the lamps."), proposal_row("Trim.")])
    first, second = proposals_of(db, submission)
    decider = make_user(db, name="Dora Decider")
    plans.proposals.drop(db, second, town.plan, "", decided_by_id=decider.id)
    data, _files = privacy._user_data(db, round_.participant)
    exported = data["proposed_measures"]
    assert [entry["what"] for entry in exported] == ["Replace the lamps.", "Trim."]
    assert exported[0]["who"] == "the municipality's street department"
    assert exported[1]["status"] == "dropped"
    archive = zipfile.ZipFile(
        io.BytesIO(b"".join(privacy.export_user_data(db, round_.participant)))
    )
    assert json.loads(archive.read("data.json"))["proposed_measures"] == exported

    privacy.erase_account(db, round_.participant, withdraw_certificates=False)
    privacy.erase_account(db, decider, withdraw_certificates=False)
    db.expire_all()
    kept = db.get(MeasureProposal, first.id)
    assert (kept.enrolment_id, kept.submission_id) == (None, None)
    assert kept.place_id == town.square.id and kept.what == "Replace the lamps."
    assert db.get(MeasureProposal, second.id).decided_by_id is None


def test_the_places_list_of_plans_tells_the_owner_of_waiting_proposals(
    client, db, course, town, proposal
):
    client.login_as(town.organizer)
    text = client.get(f"/organize/places/{town.square.id}/plans").get_data(as_text=True)
    assert "1 measure proposed in the course waits for a decision" in text
    # A place no plan covers: the organizer is asked to make one.
    lone = make_place(db, town.owner, name="Parken")
    other = Round(db, course, town, place=lone)
    other.submit(db, [proposal_row("Light the park."), proposal_row("Open the kiosk.")])
    db.commit()
    text = client.get(f"/organize/places/{lone.id}/plans").get_data(as_text=True)
    assert "2 measures proposed in the course wait for a plan that covers this place" in text
    client.login_as(town.officer)
    text = client.get(f"/organize/places/{town.square.id}/plans").get_data(as_text=True)
    assert "proposed in the course" not in text
