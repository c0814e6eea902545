"""Partners share a place, viewers read: the access rule (services.places.partners) on
both backends, choosing partners, inviting readers, and what a reader sees and cannot do."""

from __future__ import annotations

import csv
import io
import re

import pytest
from sqlalchemy import func, select

from academy.models import (
    AuditEvent,
    Finding,
    FindingCategory,
    FindingStatus,
    Invitation,
    InvitationPurpose,
    Organizer,
    OutboxMail,
    PlacePartner,
    User,
    Viewer,
)
from academy.services import organizers
from academy.services import places as places_service
from academy.services.places import Access, Reach
from tests.conftest import Client
from tests.factories import (
    PASSWORD,
    make_cohort,
    make_enrolment,
    make_organisation,
    make_organizer,
    make_place,
    make_user,
)


@pytest.fixture
def shared(db):
    """A municipality's place shared with the police; a reader of each; a stranger."""
    owner = make_organisation(db, name="Vänersborgs kommun")
    police = make_organisation(db, name="Polisen Fyrbodal")
    stranger = make_organisation(db, name="Kongsvinger kommune")
    place = make_place(db, owner, name="Torget")
    other_place = make_place(db, owner, name="Stationen")
    cohort = make_cohort(db, owner, name="Torget hösten", place=place)
    participant = make_enrolment(db, cohort, make_user(db, name="Åsa Öberg"))
    finding = Finding(
        place_id=place.id,
        cohort_id=cohort.id,
        enrolment_id=participant.id,
        part_slug="safe-design",
        spot="Cykelstället",
        category=FindingCategory.LIGHTING,
        observation="Mörkt efter 16.",
    )
    db.add(finding)
    organizer = make_organizer(db, owner, make_user(db, name="Olle Ägare")).user
    admin = make_user(db, is_admin=True)
    partner = places_service.add_partner(db, place, police.id, added_by_id=organizer.id)
    police_organizer = make_organizer(db, police, make_user(db, name="Pia Polis")).user
    police_viewer = Viewer(organisation=police, user=make_user(db, name="Pelle Läsare"))
    owner_viewer = Viewer(organisation=owner, user=make_user(db, name="Vera Styrgrupp"))
    stranger_organizer = make_organizer(db, stranger).user
    db.add_all([police_viewer, owner_viewer])
    db.flush()
    return {
        **locals(),
        "police_viewer": police_viewer.user,
        "owner_viewer": owner_viewer.user,
    }


def reach_of(db, user) -> Reach:
    organizes = db.scalars(select(Organizer.organisation_id).where(Organizer.user_id == user.id))
    views = db.scalars(select(Viewer.organisation_id).where(Viewer.user_id == user.id))
    return Reach.of(None if user.is_admin else list(organizes), list(views))


def test_owners_change_partners_and_viewers_read_and_strangers_see_nothing(db, shared):
    place, other_place = shared["place"], shared["other_place"]
    expected = {
        "organizer": (Access.OWNER, Access.OWNER),
        "admin": (Access.OWNER, Access.OWNER),
        "police_organizer": (Access.READER, None),
        "police_viewer": (Access.READER, None),
        "owner_viewer": (Access.READER, Access.READER),
        "stranger_organizer": (None, None),
    }
    for who, (on_place, on_other) in expected.items():
        reach = reach_of(db, shared[who])
        assert places_service.place_access(db, place, reach) is on_place, who
        assert places_service.place_access(db, other_place, reach) is on_other, who


def test_readable_places_are_the_partner_places_and_the_viewed_organisations(db, shared):
    def names(who):
        return [p.name for p in places_service.readable_places(db, reach_of(db, shared[who]))]

    assert names("police_organizer") == ["Torget"]
    assert names("police_viewer") == ["Torget"]
    assert names("owner_viewer") == ["Stationen", "Torget"]
    assert names("organizer") == []  # owned places are not "shared with you"
    assert names("stranger_organizer") == []
    assert names("admin") == []


def test_the_owner_is_never_its_own_partner_and_adding_twice_keeps_one(db, shared):
    place = shared["place"]
    with pytest.raises(places_service.PartnerError):
        places_service.add_partner(db, place, shared["owner"].id, added_by_id=None)
    again = places_service.add_partner(db, place, shared["police"].id, added_by_id=None)
    assert again.id == shared["partner"].id
    assert db.scalar(select(func.count()).select_from(PlacePartner)) == 1
    choice = places_service.partner_choice(db, place)
    assert [o.name for _id, o in choice.partners] == ["Polisen Fyrbodal"]
    assert [o.name for o in choice.candidates] == ["Kongsvinger kommune"]


def test_partners_are_added_and_removed_on_the_place_page_and_audited(client, db, shared):
    place = shared["place"]
    client.login_as(shared["organizer"])
    page = client.get(f"/organize/places/{place.id}").get_data(as_text=True)
    assert "Partner organisations" in page and "Polisen Fyrbodal" in page
    client.post_form(
        f"/organize/places/{place.id}/partners", {"organisation": shared["stranger"].id}
    )
    client.post_form(f"/organize/partners/{shared['partner'].id}/remove")
    partners = db.scalars(select(PlacePartner.organisation_id)).all()
    assert partners == [shared["stranger"].id]
    actions = db.scalars(
        select(AuditEvent.action).where(AuditEvent.action.like("place.partner%"))
    ).all()
    assert sorted(actions) == [
        "place.partner_added",
        "place.partner_added",
        "place.partner_removed",
    ]
    # The owner is refused as its own partner, with a message.
    response = client.post_form(
        f"/organize/places/{place.id}/partners", {"organisation": shared["owner"].id}
    )
    assert response.status_code == 302
    assert db.scalar(select(func.count()).select_from(PlacePartner)) == 1


@pytest.mark.parametrize("who", ["police_organizer", "police_viewer", "owner_viewer"])
def test_readers_read_the_place_without_rounds_or_names_and_change_nothing(client, db, shared, who):
    place, finding = shared["place"], shared["finding"]
    client.login_as(shared[who])
    page = client.get(f"/organize/places/{place.id}").get_data(as_text=True)
    assert "Cykelstället" in page
    assert "You can read this place's findings; the owner's organizers change them." in page
    for hidden in ("Åsa Öberg", "Torget hösten", "Save the status", "Edit", "Upload the photo"):
        assert hidden not in page, hidden
    assert "Partner organisations" not in page
    # The round filter is ignored rather than trusted.
    filtered = client.get(f"/organize/places/{place.id}?cohort={shared['cohort'].id}")
    assert "Cykelstället" in filtered.get_data(as_text=True)

    export = client.post_form(f"/organize/places/{place.id}/export", {"format": "csv"})
    rows = list(csv.reader(io.StringIO(export.get_data(as_text=True).lstrip("\ufeff"))))
    assert "Round" not in rows[0] and rows[1][0] == "Cykelstället"
    assert "Torget hösten" not in export.get_data(as_text=True)

    refused = client.post_form(f"/organize/findings/{finding.id}/status", {"status": "done"})
    assert refused.status_code == 404
    db.refresh(finding)
    assert finding.status is FindingStatus.NEW
    assert client.get(f"/organize/places/{place.id}/edit").status_code == 404
    assert client.get(f"/organize/cohorts/{shared['cohort'].id}").status_code == 404
    assert client.get(f"/organize/organisations/{shared['owner'].id}").status_code == 404


def test_the_start_page_lists_the_places_shared_with_a_reader(client, db, shared):
    client.login_as(shared["owner_viewer"])
    page = client.get("/organize/").get_data(as_text=True)
    assert "Places shared with you" in page and "Stationen" in page and "Torget" in page
    assert 'href="/organize/"' in client.get("/").get_data(as_text=True)  # the navigation
    client.login_as(shared["stranger_organizer"])
    assert "Places shared with you" not in client.get("/organize/").get_data(as_text=True)


def test_an_organizer_invites_a_reader_who_joins_reads_and_is_removed(app, client, db, shared):
    owner = shared["owner"]
    client.login_as(shared["organizer"])
    client.post_form(
        f"/organize/organisations/{owner.id}/viewers",
        {"reader_email": "lena@example.se", "reader_locale": "sv"},
    )
    invitation = db.scalars(select(Invitation)).one()
    assert invitation.purpose is InvitationPurpose.VIEWER
    mail = db.scalars(select(OutboxMail)).one()
    assert mail.kind == "viewer_invitation"
    page = client.get(f"/organize/organisations/{owner.id}").get_data(as_text=True)
    assert "lena@example.se" in page

    link = re.search(r"(/organize/join/\S+)", mail.body_text)[1]
    reader = Client(app, app.test_client())
    assert "Read the places of Vänersborgs kommun" in reader.get(link).get_data(as_text=True)
    response = reader.post_form(
        link,
        {"name": "Lena Läsare", "locale": "sv", "password": PASSWORD, "confirm": PASSWORD},
    )
    assert response.headers["Location"] == "/organize/"
    lena = db.scalars(select(User).where(User.email_normalized == "lena@example.se")).one()
    viewer = db.scalars(select(Viewer).where(Viewer.user_id == lena.id)).one()
    assert db.scalar(select(Organizer).where(Organizer.user_id == lena.id)) is None
    assert reader.get(f"/organize/places/{shared['place'].id}").status_code == 200

    removed = client.post_form(f"/organize/viewers/{viewer.id}/remove")
    assert removed.status_code == 302, removed.headers["Location"]
    assert db.scalar(select(Viewer.id).where(Viewer.user_id == lena.id)) is None
    actions = set(db.scalars(select(AuditEvent.action).where(AuditEvent.action.like("viewer.%"))))
    assert actions == {"viewer.invited", "viewer.joined", "viewer.removed"}


def test_a_readers_invitation_is_refused_to_an_organizer_of_another_organisation(
    client, db, shared
):
    client.login_as(shared["police_organizer"])
    response = client.post_form(
        f"/organize/organisations/{shared['owner'].id}/viewers",
        {"reader_email": "x@example.se", "reader_locale": "sv"},
    )
    assert response.status_code == 404
    assert db.scalar(select(func.count()).select_from(Invitation)) == 0


def test_erasing_a_reader_removes_the_membership(db, shared):
    from academy.services import privacy

    privacy.erase_account(db, shared["owner_viewer"], withdraw_certificates=False)
    privacy.erase_account(db, shared["organizer"], withdraw_certificates=False)
    assert db.scalar(select(func.count()).select_from(Viewer)) == 1
    assert db.get(PlacePartner, shared["partner"].id).added_by_id is None


def test_invite_member_mails_a_reader_with_the_join_link(app_context, db, shared):
    token = organizers.invite_viewer(
        db, shared["police"], email="kim@example.se", locale="nb", invited_by_id=None
    )
    mail = db.scalars(select(OutboxMail)).one()
    assert token in mail.body_text and "/organize/join/" in mail.body_text


def test_a_partners_place_page_takes_the_same_statements_for_10_and_2000_findings(
    client, db, shared, count_queries
):
    from tests.test_places import bulk_findings

    small, large = shared["other_place"], shared["place"]
    places_service.add_partner(db, small, shared["police"].id, added_by_id=None)
    bulk_findings(db, small, shared["cohort"], 10, shared["participant"])
    bulk_findings(db, large, shared["cohort"], 2000, shared["participant"])
    db.commit()
    client.login_as(shared["police_organizer"])
    client.get(f"/organize/places/{small.id}")  # the first request loads the course files
    counts = []
    for place in (small, large):
        with count_queries() as counter:
            response = client.get(f"/organize/places/{place.id}?page=1")
        assert response.status_code == 200
        counts.append(counter.count)
    assert counts[0] == counts[1], counter.statements
    assert "Åsa Öberg" not in response.get_data(as_text=True)
