"""Plans and measures (services.plans): who may do what, the rules of a measure's
progress (finding → planned, done → offer, dropped → reason) and the due-date mails,
never twice. On both backends (ACADEMY_DATABASE_URL)."""

from __future__ import annotations

from datetime import date, timedelta

import pytest
from sqlalchemy import func, select

from academy.models import (
    AuditEvent,
    Finding,
    FindingCategory,
    FindingStatus,
    MeasureReminder,
    MeasureStatus,
    OutboxMail,
    PlacePartner,
    PlanKind,
    User,
    Viewer,
)
from academy.services import plans
from academy.services.places import Reach
from academy.services.plans import MeasureRight, MeasureValues, PlanError, PlanValues
from tests.factories import (
    make_cohort,
    make_enrolment,
    make_organisation,
    make_organizer,
    make_place,
    make_user,
)

TODAY = date(2027, 3, 1)


class Town:
    """A municipality with two places, the police as partner of one; their organizers, a
    viewer, a stranger; a plan over both places with a measure owned by the police."""

    def __init__(self, db):
        self.owner = make_organisation(db, name="Vänersborgs kommun")
        self.police = make_organisation(db, name="Polisen Fyrbodal")
        self.stranger = make_organisation(db, name="Kongsvinger kommune")
        self.square = make_place(db, self.owner, name="Torget")
        self.station = make_place(db, self.owner, name="Stationen")
        db.add(PlacePartner(place=self.square, organisation=self.police))
        self.organizer = make_organizer(db, self.owner, make_user(db, name="Olle Org")).user
        self.officer = make_organizer(
            db, self.police, make_user(db, name="Pia Polis", locale="sv")
        ).user
        self.other = make_organizer(db, self.stranger, make_user(db, name="Per Annan")).user
        self.viewer = make_user(db, name="Vera Läsare")
        db.add(Viewer(organisation=self.owner, user=self.viewer))
        cohort = make_cohort(db, self.owner, name="Torget hösten", place=self.square)
        enrolment = make_enrolment(db, cohort, make_user(db, name="Åsa Öberg"))
        self.findings = []
        for spot, category in (
            ("Cykelstället", FindingCategory.LIGHTING),
            ("Gången", FindingCategory.SIGHT_LINES),
        ):
            finding = Finding(
                place_id=self.square.id,
                cohort_id=cohort.id,
                enrolment_id=enrolment.id,
                part_slug="safe-design",
                spot=spot,
                category=category,
            )
            db.add(finding)
            self.findings.append(finding)
        self.station_finding = Finding(
            place_id=self.station.id,
            cohort_id=cohort.id,
            part_slug="safe-design",
            spot="Perrongen",
            category=FindingCategory.LIGHTING,
        )
        db.add(self.station_finding)
        db.flush()
        self.plan = plans.create_plan(
            db,
            self.owner,
            PlanValues(
                title="Åtgärdsplan centrum 2027-2028",
                kind=PlanKind.ACTION_PLAN,
                starts_on=date(2027, 1, 1),
                ends_on=date(2028, 12, 31),
                place_ids=(self.square.id, self.station.id),
            ),
            created_by_id=self.organizer.id,
        )
        self.police_measure = plans.create_measure(
            db,
            self.plan,
            MeasureValues(
                title="Fler kvällspatruller",
                place_id=self.square.id,
                responsible_id=self.police.id,
                contact_id=self.officer.id,
                due_on=TODAY + timedelta(days=10),
            ),
            created_by_id=self.organizer.id,
        )
        self.own_measure = plans.create_measure(
            db,
            self.plan,
            MeasureValues(
                title="Byt armaturer", place_id=self.square.id, responsible_id=self.owner.id
            ),
            created_by_id=self.organizer.id,
        )
        self.station_measure = plans.create_measure(
            db,
            self.plan,
            MeasureValues(
                title="Belys perrongen", place_id=self.station.id, responsible_id=self.owner.id
            ),
            created_by_id=self.organizer.id,
        )

    def reach(self, who: str) -> Reach:
        return {
            "organizer": Reach.of([self.owner.id]),
            "admin": Reach.of(None),
            "officer": Reach.of([self.police.id]),
            "viewer": Reach.of([], [self.owner.id]),
            "other": Reach.of([self.stranger.id]),
        }[who]


@pytest.fixture
def town(db):
    return Town(db)


def test_the_owner_does_everything_the_partner_reports_progress_on_its_own_measures(db, town):
    rights = {
        who: (
            plans.measure_right(db, town.police_measure, town.reach(who)),
            plans.measure_right(db, town.own_measure, town.reach(who)),
            plans.measure_right(db, town.station_measure, town.reach(who)),
        )
        for who in ("organizer", "admin", "officer", "viewer", "other")
    }
    owner = (MeasureRight.OWNER,) * 3
    assert rights == {
        "organizer": owner,
        "admin": owner,
        # The police read the square (a partner) and not the station.
        "officer": (MeasureRight.RESPONSIBLE, MeasureRight.READER, None),
        "viewer": (MeasureRight.READER,) * 3,
        "other": (None, None, None),
    }
    assert MeasureRight.RESPONSIBLE.reports_progress and not MeasureRight.READER.reports_progress


def test_a_partner_sees_the_plan_only_at_the_places_shared_with_it(db, town):
    assert plans.plan_view(db, town.plan, town.reach("organizer")).owner
    police = plans.plan_view(db, town.plan, town.reach("officer"))
    assert not police.owner and police.place_ids == {town.square.id}
    assert plans.plan_view(db, town.plan, town.reach("other")) is None
    page = plans.plan_page(db, town.plan, police.place_ids, TODAY)
    assert [row.measure.title for row in page.measures] == [
        "Fler kvällspatruller",
        "Byt armaturer",
    ]
    assert plans.plans_of_place(db, town.station.id) == [town.plan]


def test_a_plan_needs_the_owners_places_and_a_period_that_ends_after_it_starts(db, town):
    values = PlanValues(
        title="Medborgarlöfte",
        kind=PlanKind.CITIZEN_PROMISE,
        starts_on=date(2027, 1, 1),
        ends_on=date(2026, 1, 1),
        place_ids=(town.square.id,),
    )
    with pytest.raises(PlanError) as error:
        plans.create_plan(db, town.owner, values, created_by_id=town.organizer.id)
    assert error.value.field == "ends_on"
    stranger_place = make_place(db, town.stranger)
    for place_ids in ((), (stranger_place.id,)):
        with pytest.raises(PlanError) as error:
            plans.create_plan(
                db,
                town.owner,
                PlanValues(
                    **{**values.__dict__, "ends_on": date(2027, 12, 31), "place_ids": place_ids}
                ),
                created_by_id=town.organizer.id,
            )
        assert error.value.field == "places"
    # A place with measures stays in the plan.
    with pytest.raises(PlanError) as error:
        plans.update_plan(
            db,
            town.plan,
            PlanValues(**{**values.__dict__, "ends_on": date(2027, 12, 31)}),
            changed_by_id=town.organizer.id,
        )
    assert (error.value.field, error.value.code) == ("places", "has_measures")


def test_a_measure_is_owned_by_the_owner_or_a_partner_of_its_place(db, town):
    def attempt(**changes):
        values = {"title": "x", "place_id": town.square.id, "responsible_id": town.owner.id}
        values.update(changes)
        with pytest.raises(PlanError) as error:
            plans.create_measure(
                db, town.plan, MeasureValues(**values), created_by_id=town.organizer.id
            )
        return error.value.field

    # The police are no partner at the station; a stranger is nobody's.
    assert attempt(place_id=town.station.id, responsible_id=town.police.id) == "responsible"
    assert attempt(responsible_id=town.stranger.id) == "responsible"
    assert attempt(place_id=make_place(db, town.owner).id) == "place"
    # The contact organizes the responsible organisation.
    assert attempt(responsible_id=town.police.id, contact_id=town.organizer.id) == "contact_person"


def test_linking_a_new_finding_plans_it_and_the_audit_says_by_which_measure(db, town):
    lit, path = town.findings
    path.status = FindingStatus.NOT_ACTED_ON
    shown = [lit.id, path.id, town.station_finding.id]
    added, removed = plans.link_findings(
        db, town.own_measure, shown=shown, chosen=shown, changed_by_id=town.organizer.id
    )
    # The station's finding is of another place: ignored.
    assert (added, removed) == (2, 0)
    assert (lit.status, path.status) == (FindingStatus.PLANNED, FindingStatus.NOT_ACTED_ON)
    assert town.station_finding.status == FindingStatus.NEW
    moved = db.scalars(
        select(AuditEvent).where(AuditEvent.action == "finding.status_changed")
    ).all()
    assert [(event.object_id, event.details["measure"]) for event in moved] == [
        (lit.id, town.own_measure.id)
    ]
    # Unchecking on the page unlinks; findings not shown stay linked.
    assert plans.link_findings(
        db, town.own_measure, shown=[path.id], chosen=[], changed_by_id=town.organizer.id
    ) == (0, 1)
    assert [f.id for f in plans.measure_page(db, town.own_measure, TODAY).findings] == [lit.id]


def test_done_offers_the_open_findings_and_marks_only_the_chosen(db, town):
    lit, path = town.findings
    ids = [lit.id, path.id]
    plans.link_findings(
        db, town.own_measure, shown=ids, chosen=ids, changed_by_id=town.organizer.id
    )
    assert plans.set_measure_status(
        db, town.own_measure, MeasureStatus.DONE, changed_by_id=town.organizer.id
    )
    assert {f.id for f in plans.open_findings(db, town.own_measure)} == set(ids)
    changed = plans.mark_findings_done(
        db, town.own_measure, [lit.id, town.station_finding.id], changed_by_id=town.organizer.id
    )
    assert changed == 1
    assert (lit.status, path.status) == (FindingStatus.DONE, FindingStatus.PLANNED)
    assert town.station_finding.status == FindingStatus.NEW


def test_dropping_needs_a_reason_and_every_change_is_audited(db, town):
    with pytest.raises(plans.ReasonMissing):
        plans.set_measure_status(
            db,
            town.police_measure,
            MeasureStatus.DROPPED,
            reason="  ",
            changed_by_id=town.officer.id,
        )
    assert town.police_measure.status == MeasureStatus.PROPOSED
    plans.set_measure_status(
        db,
        town.police_measure,
        MeasureStatus.DROPPED,
        reason="Ersätts av kameraövervakning",
        changed_by_id=town.officer.id,
    )
    plans.add_note(db, town.police_measure, "Beslut i styrgruppen", author_id=town.officer.id)
    assert not plans.set_measure_status(
        db,
        town.police_measure,
        MeasureStatus.DROPPED,
        reason="Ersätts av kameraövervakning",
        changed_by_id=town.officer.id,
    )
    events = db.execute(
        select(AuditEvent.action, AuditEvent.actor_id, AuditEvent.details)
        .where(AuditEvent.object_type.in_(["plan", "measure"]))
        .order_by(AuditEvent.id)
    ).all()
    assert [action for action, _actor, _details in events] == [
        "plan.created",
        "measure.created",
        "measure.created",
        "measure.created",
        "measure.status_changed",
        "measure.note_added",
    ]
    assert events[4][1] == town.officer.id
    assert events[4][2]["reason"] == "Ersätts av kameraövervakning"


def test_the_plan_page_marks_overdue_counts_per_organisation_and_the_next_review(db, town):
    town.own_measure.due_on = TODAY - timedelta(days=1)
    plans.add_review(db, town.plan, TODAY - timedelta(days=30), "", added_by_id=town.organizer.id)
    plans.add_review(
        db, town.plan, TODAY + timedelta(days=60), "Styrgruppen", added_by_id=town.organizer.id
    )
    page = plans.plan_page(db, town.plan, {town.square.id, town.station.id}, TODAY)
    assert page.overdue == 1
    assert [row.overdue for row in page.measures if row.measure is town.own_measure] == [True]
    assert [(p.organisation.name, dict(p.counts)) for p in page.progress] == [
        ("Vänersborgs kommun", {MeasureStatus.PROPOSED: 2}),
        ("Polisen Fyrbodal", {MeasureStatus.PROPOSED: 1}),
    ]
    assert page.next_review.note == "Styrgruppen"


def mails(db) -> list[tuple[str, str]]:
    return [
        tuple(row)
        for row in db.execute(
            select(OutboxMail.to_address, OutboxMail.kind).order_by(OutboxMail.id)
        )
    ]


def test_due_date_mails_go_once_two_weeks_before_and_once_overdue(db, town, app_context):
    # The police measure is due in 10 days, its contact the officer: one mail, in Swedish.
    assert plans.send_measure_reminders(db, TODAY) == 1
    assert plans.send_measure_reminders(db, TODAY) == 0
    assert plans.send_measure_reminders(db, TODAY + timedelta(days=3)) == 0
    assert db.scalar(select(OutboxMail.subject)) == "Två veckor kvar: Fler kvällspatruller"
    # Overdue: once.
    late = TODAY + timedelta(days=11)
    assert plans.send_measure_reminders(db, late) == 1
    assert plans.send_measure_reminders(db, late + timedelta(days=1)) == 0
    assert mails(db) == [
        (town.officer.email, "measure_due_soon"),
        (town.officer.email, "measure_overdue"),
    ]
    # A new due date is reminded of again; a measure done is not.
    town.police_measure.due_on = late + timedelta(days=5)
    assert plans.send_measure_reminders(db, late) == 1
    town.own_measure.due_on = late
    town.own_measure.status = MeasureStatus.DONE
    assert plans.send_measure_reminders(db, late + timedelta(days=1)) == 0
    assert db.scalar(select(func.count()).select_from(MeasureReminder)) == 3


def test_without_a_contact_the_responsible_organisations_organizers_are_mailed(
    db, town, app_context
):
    second = make_organizer(db, town.owner, make_user(db, name="Olga Org")).user
    bounced = make_organizer(db, town.owner, make_user(db, name="Bo Studs")).user
    bounced.email_bounced_at = bounced.created_at
    town.own_measure.due_on = TODAY + timedelta(days=14)
    town.police_measure.due_on = None
    assert plans.send_measure_reminders(db, TODAY) == 2
    assert sorted(address for address, _kind in mails(db)) == sorted(
        [town.organizer.email, second.email]
    )


def test_a_measure_moved_to_another_place_leaves_its_findings(db, town):
    lit = town.findings[0]
    plans.link_findings(
        db, town.own_measure, shown=[lit.id], chosen=[lit.id], changed_by_id=town.organizer.id
    )
    plans.update_measure(
        db,
        town.own_measure,
        MeasureValues(
            title="Byt armaturer", place_id=town.station.id, responsible_id=town.owner.id
        ),
        changed_by_id=town.organizer.id,
    )
    assert plans.measure_page(db, town.own_measure, TODAY).findings == []
    assert town.own_measure.place.name == "Stationen"


def test_erasing_a_contact_or_author_keeps_the_measure_and_its_notes(db, town):
    from academy.services import privacy

    plans.add_note(db, town.police_measure, "Patrull varje fredag", author_id=town.officer.id)
    privacy.erase_account(db, db.get(User, town.officer.id), withdraw_certificates=False)
    db.expire_all()
    page = plans.measure_page(db, town.police_measure, TODAY)
    assert page.contact_person is None
    assert [(note.body, name) for note, name in page.notes] == [("Patrull varje fredag", "")]


def test_the_daily_command_mails_once_and_refuses_a_bad_date(app, db, town):
    db.commit()
    runner = app.test_cli_runner()
    first = runner.invoke(args=["plans", "remind", "--today", TODAY.isoformat()])
    assert first.exit_code == 0, first.output
    assert "Measure reminders queued: 1" in first.output
    again = runner.invoke(args=["plans", "remind", "--today", TODAY.isoformat()])
    assert "Measure reminders queued: 0" in again.output
    mail = db.scalars(select(OutboxMail)).one()
    # In the contact's language (Swedish), with the link to the measure.
    assert mail.subject == "Två veckor kvar: Fler kvällspatruller"
    assert f"/organize/measures/{town.police_measure.id}" in mail.body_text
    assert runner.invoke(args=["plans", "remind", "--today", "tomorrow"]).exit_code == 2
