"""Measures proposed in the course, in Swedish, on a 360 px phone: the municipality's
organizer finds two proposals on the plan page, accepts one as a measure (the form filled
from it) and merges the other into an existing measure (a progress note quoting it).

Runs axe (WCAG 2 A and AA) on the plan page and the accept and merge pages at 1280 and
360 px, checks that none scrolls sideways at 360 px, and saves screenshots as
test-results/screenshots/proposal-*.png.
"""

from __future__ import annotations

from datetime import date
from pathlib import Path

import pytest
from playwright.sync_api import Page, expect

from academy.db import get_session
from academy.models import (
    AudienceRole,
    Cohort,
    Enrolment,
    MeasureProposal,
    OrganisationKind,
    Organizer,
    PlanKind,
)
from academy.services import accounts, organizers, places, plans
from tests.e2e.test_participant_journey import (
    check_both_widths,
)
from tests.e2e.test_place_journey import log_in
from tests.factories import PASSWORD

pytestmark = pytest.mark.e2e

OWNER = "Värnamo kommun, trygghetssamordning"
PLACE = "Stationsområdet"
PARTICIPANT = "Gunnel Förslagsdotter"
OWNER_EMAIL = "olle.owner.proposals@example.se"
PLAN = "Åtgärdsplan stationsområdet 2027"
MEASURE = "Belysning vid cykelstället"
LAMPS = "Byt de två trasiga lamporna vid cykelstället bakom stationen."
CARETAKER = "Fastighetsskötaren går en kvällsrunda vid cykelstället varje fredag."


@pytest.fixture
def plan_id(live_server) -> int:
    with live_server.app.app_context():
        session = get_session()
        owner = organizers.create_organisation(
            session,
            name=OWNER,
            kind=OrganisationKind.MUNICIPALITY,
            timezone=None,
            created_by_id=None,
        )
        place = places.create_place(
            session,
            owner,
            name=PLACE,
            description="Stationen och cykelstället.",
            created_by_id=None,
        )
        organizer = accounts.create_user(
            session, email=OWNER_EMAIL, name="Olle Ägare", password=PASSWORD, locale="sv"
        )
        session.add(Organizer(organisation_id=owner.id, user_id=organizer.id))
        cohort = Cohort(
            organisation_id=owner.id, course_slug="safer-places", name="Våren", place_id=place.id
        )
        participant = accounts.create_user(
            session, email="gunnel.proposals@example.se", name=PARTICIPANT, password=PASSWORD
        )
        session.add(cohort)
        session.flush()
        enrolment = Enrolment(
            cohort_id=cohort.id, user_id=participant.id, role=AudienceRole.OFFICIAL
        )
        session.add(enrolment)
        session.flush()
        plan = plans.create_plan(
            session,
            owner,
            plans.PlanValues(
                title=PLAN,
                kind=PlanKind.ACTION_PLAN,
                starts_on=date(2027, 1, 1),
                ends_on=date(2027, 12, 31),
                place_ids=(place.id,),
            ),
            created_by_id=organizer.id,
        )
        plans.create_measure(
            session,
            plan,
            plans.MeasureValues(title=MEASURE, place_id=place.id, responsible_id=owner.id),
            created_by_id=organizer.id,
        )
        for position, what in enumerate((LAMPS, CARETAKER)):
            session.add(
                MeasureProposal(
                    place_id=place.id,
                    cohort_id=cohort.id,
                    enrolment_id=enrolment.id,
                    part_slug="place-collaboration",
                    position=position,
                    what=what,
                    who="Kommunens gatuavdelning",
                    by_when="före hösten 2027",
                    indicator="Färre iakttagelser i kategorin belysning vid nästa vandring.",
                )
            )
        session.commit()
        return plan.id


def check(page: Page, folder: Path, name: str) -> None:
    check_both_widths(page, folder, f"proposal-{name}")


def test_the_owner_accepts_one_proposal_and_merges_the_other_from_a_phone(
    page: Page, live_server, plan_id, screenshot_dir
):
    page.set_viewport_size({"width": 360, "height": 780})
    log_in(page, OWNER_EMAIL)
    page.goto(f"/organize/plans/{plan_id}")
    section = page.locator("#proposals")
    expect(section.locator("h2")).to_have_text("Föreslaget i kursen")
    expect(section.locator(".proposal-card")).to_have_count(2)
    expect(page.locator("main")).not_to_contain_text(PARTICIPANT)
    check(page, screenshot_dir, "plan")

    section.locator(".proposal-card").first.get_by_role("link", name="Ta in som åtgärd").click()
    expect(page.locator("#title")).to_have_value(LAMPS)
    expect(page.locator("#description")).to_contain_text("Kommunens gatuavdelning")
    check(page, screenshot_dir, "accept")
    page.fill("#due_on", "2027-09-30")
    page.get_by_role("button", name="Lägg till åtgärden").click()
    expect(page.locator(".flash-success")).to_contain_text("Förslaget är nu en åtgärd")

    page.goto(f"/organize/plans/{plan_id}")
    expect(page.locator("main .measure-card:not(.proposal-card)")).to_have_count(2)
    card = page.locator("#proposals .proposal-card")
    expect(card).to_have_count(1)
    card.get_by_role("link", name="Slå ihop med en åtgärd").click()
    page.get_by_label(MEASURE).check()
    expect(page.locator("#note")).to_contain_text(CARETAKER)
    check(page, screenshot_dir, "merge")
    page.get_by_role("button", name="Slå ihop förslaget").click()
    expect(page.locator("#notes")).to_contain_text(CARETAKER)

    page.goto(f"/organize/plans/{plan_id}")
    expect(page.locator("#proposals")).to_have_count(0)
