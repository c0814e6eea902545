"""Every route of the URL map against nine kinds of visitor, generated so none is forgotten.

ROUTES below names the answer each route gives each actor; a route added to the app and
not to the table fails ``test_every_route_is_in_the_table``. The actors, in table order:

- anonymous: not logged in;
- participant: enrolled in the round the URL's objects belong to (their enrolment, their
  certificate, their quiz attempt);
- other participant: enrolled in a round of another organisation;
- organizer: organizes the organisation the URL's objects belong to;
- other organizer: organizes another organisation;
- administrator;
- partner organizer: organizes an organisation the place is shared with (a partner);
- viewer: reads the places of the organisation the URL's objects belong to;
- other viewer: reads the places of another organisation.

A row of the table that names six answers gives the last three actors the other
organizer's answer: an organizer or viewer with no share in the URL's objects meets them
as an unrelated organizer does. Where partners and viewers read (the place page, its
exports, a finding's photo), the row names all nine. No answer to a partner or viewer
shows the round's participants or the owner's round names.

All of them meet one world (``build_world``): an organisation with a place, a round with
a live session, a participant who completed the course (quiz attempt, submitted
assignments, certificate with its PDF stored) and one who is invited, a pending organizer
invitation, an administrator link, an uploaded import, and another organisation with its
own round, participant, organizer and viewer, and a partner organisation of the place
with its organizer. Each request runs in a savepoint rolled back after
it, so every actor meets the same world.

Besides the answers, every request is checked for what it must never do: a GET writes
nothing (INSERT, UPDATE, DELETE; the one named exception is RENDER_CACHE_FILL, and only
while the PDF is missing), a POST without a CSRF token is refused with 400 and writes
nothing, a refused POST writes nothing, no answer to an outsider shows the round's
participants, and no request leaves a database transaction open after its response.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from datetime import date, timedelta
from typing import Any
from urllib.parse import quote

import pytest
from flask import Flask
from markupsafe import escape
from sqlalchemy import select
from sqlalchemy.orm import Session
from werkzeug.datastructures import Headers

from academy.content import get_course
from academy.extensions import csrf
from academy.models import (
    AnnouncementAudience,
    AudienceRole,
    Certificate,
    Cohort,
    Enrolment,
    Finding,
    FindingCategory,
    FindingPhoto,
    FindingSeverity,
    LiveSession,
    MeasureProposal,
    Organisation,
    OrganisationKind,
    OutboxMail,
    Place,
    PlacePartner,
    PlanKind,
    QuizAttempt,
    User,
    Viewer,
    utcnow,
)
from academy.services import (
    accounts,
    announcements,
    badges,
    calendar_feeds,
    certificate_pdf,
    certificates,
    enrolments,
    invitations,
    organizers,
    plans,
)
from academy.services import progress as progress_service
from academy.web.organize import uploads
from tests.conftest import Client
from tests.factories import (
    make_cohort,
    make_enrolment,
    make_organisation,
    make_organizer,
    make_place,
    make_user,
)

FAKE_PDF = b"%PDF-fake"
PART = "situational-prevention"
LESSON = "opportunity"
IMPORT_CSV = b"name,email,role\nNils Nilsson,nils@example.se,official\n"

ACTORS = (
    "anonymous",
    "participant",
    "other_participant",
    "organizer",
    "other_organizer",
    "admin",
    "partner_organizer",
    "viewer",
    "other_viewer",
)
# Actors who have nothing to do with the URL's objects: no answer they get may show them.
OUTSIDERS = ("other_participant", "other_organizer", "other_viewer")
# Actors who read the place and nothing else of its owner: no answer they get may show
# the participants or the rounds (World.not_for_readers).
READERS = ("partner_organizer", "viewer")


# --- the world ------------------------------------------------------------------------------


@dataclass
class World:
    users: dict[str, User | None]
    organisation: Organisation
    other_organisation: Organisation
    place: Place
    cohort: Cohort
    other_cohort: Cohort
    live_session: LiveSession
    enrolment: Enrolment
    invited_enrolment: Enrolment
    other_enrolment: Enrolment
    certificate: Certificate
    attempt: QuizAttempt
    finding_id: int
    organizer_id: int
    partner_id: int
    viewer_id: int
    mail_id: int
    tokens: dict[str, str]
    upload_key: str
    kid: str
    # Names and addresses of the round's participants, and what they found at the place:
    # what no outsider may see.
    private: list[str] = field(default_factory=list)
    # What partners and viewers read the place without: its participants and rounds.
    not_for_readers: list[str] = field(default_factory=list)
    # The place's plan, its measure owned by the partner (whose organizer reports its
    # progress) and the plan's review date.
    plan_id: int = 0
    measure_id: int = 0
    review_id: int = 0
    # The participant's private calendar subscription (the secret is in tokens).
    feed_id: int = 0
    # A measure a participant proposed for the place in the course: the owner's alone.
    proposal_id: int = 0
    # An announcement to the whole round (the participant is among its recipients).
    announcement_id: int = 0

    def url_values(self) -> dict[str, Any]:
        return {
            "cohort_id": self.cohort.id,
            "enrolment_id": self.enrolment.id,
            "certificate_id": self.certificate.id,
            "attempt_id": self.attempt.id,
            "part_slug": PART,
            # The world's participant has completed the course: the end survey is open.
            "survey_key": "end",
            "lesson_slug": LESSON,
            "name": "crime-triangle",
            "course_slug": "safer-streets",
            "code": certificates.format_code(self.certificate.code),
            "organisation_id": self.organisation.id,
            "place_id": self.place.id,
            "finding_id": self.finding_id,
            "organizer_id": self.organizer_id,
            "user_id": self.users["organizer"].id,
            "partner_id": self.partner_id,
            "viewer_id": self.viewer_id,
            "plan_id": self.plan_id,
            "measure_id": self.measure_id,
            "review_id": self.review_id,
            "proposal_id": self.proposal_id,
            "announcement_id": self.announcement_id,
            "session_id": self.live_session.id,
            "mail_id": self.mail_id,
            "page": 1,
            "key": self.upload_key,
            "kid": self.kid,
            # The first status list, where the world's certificate has its place.
            "number": 1,
            "filename": "css/academy.css",
            "feed_id": self.feed_id,
        }


def complete_course(session: Session, enrolment: Enrolment, course) -> QuizAttempt:
    """Read every lesson, pass every quiz and submit every assignment through the services
    (the completion hook issues the certificate); returns the first part's quiz attempt."""
    first_attempt = None
    for part in course.parts:
        for lesson in part.lessons:
            progress_service.complete_lesson(session, enrolment, course, part, lesson.slug)
        if part.quiz:
            nonce = f"world-{enrolment.id}-{part.slug}"
            answers = {
                item.slug: next(choice.slug for choice in item.choices if choice.correct)
                for item in part.quiz.draw(nonce)
            }
            result = progress_service.submit_quiz(session, enrolment, course, part, answers, nonce)
            first_attempt = first_attempt or result.attempt
        if part.assignment:
            progress_service.save_assignment(
                session,
                enrolment,
                course,
                part,
                _assignment_answers(part.assignment.fields),
                submit=True,
            )
    assert first_attempt is not None
    return first_attempt


def _assignment_answers(fields) -> dict[str, Any]:
    answers: dict[str, Any] = {}
    for spec in fields:
        if spec.type == "repeat":
            answers[spec.slug] = [_assignment_answers(spec.fields)]
        elif spec.type == "choice":
            answers[spec.slug] = spec.choices[0].slug
        else:
            answers[spec.slug] = "Bikes are stolen behind the station after dark, every week."
    return answers


def build_world(app: Flask, session: Session) -> World:
    """The organisations, rounds, people and links every route is tried against."""
    with app.app_context():
        course = get_course("safer-streets")
        organisation = make_organisation(session, name="Vänersborgs kommun")
        place = make_place(session, organisation, name="Torpa torg")
        cohort = make_cohort(session, organisation, name="Torpa hösten", place=place)
        now = utcnow()
        live = LiveSession(
            cohort=cohort,
            title="Safety walk at Torpa",
            starts_at=now + timedelta(days=7),
            ends_at=now + timedelta(days=7, hours=2),
            location="Torpa library",
        )
        session.add(live)

        participant = make_user(
            session,
            name="Åsa-Kristin Östergård",
            certificate_name="Åsa-Kristin Östergård",
            email="asa.ostergard@example.se",
        )
        enrolment = make_enrolment(session, cohort=cohort, user=participant)
        attempt = complete_course(session, enrolment, course)
        # The completion hook has issued it already, unless that changes.
        certificate = (
            certificates.issue(session, enrolment, course)
            or session.scalars(
                select(Certificate).where(Certificate.enrolment_id == enrolment.id)
            ).one()
        )
        certificates.store_pdf(certificate)
        # The fixture course's safety walk has no findings group (services.places): the
        # place's finding is added directly, as the real course's safety walk makes it.
        finding = Finding(
            place_id=place.id,
            cohort_id=cohort.id,
            enrolment_id=enrolment.id,
            part_slug="safe-design",
            spot="Bike stand behind Torpa library",
            category=FindingCategory.LIGHTING,
            observation="Two of the four lamps are broken; the stand is dark after 16.",
            suggestion="The property owner replaces the lamps.",
            severity=FindingSeverity.HIGH,
        )
        session.add(finding)
        session.flush()
        session.add(
            FindingPhoto(
                finding_id=finding.id,
                content_type="image/jpeg",
                data=b"\xff\xd8\xff\xe0 not a real JPEG, enough to serve",
                width=4,
                height=3,
                sha256="0" * 64,
            )
        )

        organizer = make_organizer(session, organisation, make_user(session, name="Olle Organizer"))
        invited, invite_token = enrolments.invite_participant(
            session,
            cohort,
            email="birger.invited@example.se",
            name="Birger Inbjudensson",
            role=AudienceRole.POLICE,
            locale="en",
            invited_by_id=organizer.user_id,
        )
        join_token = organizers.invite_organizer(
            session,
            organisation,
            email="new.organizer@example.se",
            locale="en",
            invited_by_id=None,
        )
        setup_token = invitations.create_admin_link(session, timedelta(hours=1))
        mail_id = session.scalars(select(OutboxMail.id).order_by(OutboxMail.id)).first()

        other_organisation = make_organisation(session, name="Kongsvinger kommune")
        other_cohort = make_cohort(session, other_organisation, name="Kongsvinger våren")
        other_enrolment = make_enrolment(
            session, cohort=other_cohort, user=make_user(session, name="Kari Annenby")
        )
        other_organizer = make_organizer(
            session, other_organisation, make_user(session, name="Per Andreorg")
        )
        admin = make_user(session, name="Ada Admin", is_admin=True)
        partner_organisation = make_organisation(
            session, name="Polisen Fyrbodal", kind=OrganisationKind.POLICE
        )
        partner_organizer = make_organizer(
            session, partner_organisation, make_user(session, name="Pia Partner")
        )
        partner = PlacePartner(place=place, organisation=partner_organisation)
        viewer = Viewer(organisation=organisation, user=make_user(session, name="Vera Viewer"))
        other_viewer = Viewer(
            organisation=other_organisation, user=make_user(session, name="Otto Annanläsare")
        )
        session.add_all([partner, viewer, other_viewer])

        tokens = {
            "invite": invite_token,
            "join": join_token,
            "setup": setup_token,
            "reset": accounts.make_reset_token(participant),
            "email": accounts.make_email_change_token(participant, "asa.new@example.se"),
        }
        feed, _renewed = calendar_feeds.start(session, participant.id)
        tokens["calendar"] = calendar_feeds.token(app.secret_key, feed)
        upload_key = uploads.save(
            IMPORT_CSV, "people.csv", cohort_id=cohort.id, user_id=organizer.user_id
        )
        kid = badges.ensure_signing_key(app).thumbprint
        session.flush()
        plan, measure, review = build_plan(session, place, partner_organisation, organizer.user_id)
        # The fixture course has no proposed measures: the participant's proposal is added
        # directly, as the real course's place-collaboration assignment makes it.
        proposal = MeasureProposal(
            place_id=place.id,
            cohort_id=cohort.id,
            enrolment_id=enrolment.id,
            part_slug="place-collaboration",
            what="Åsa's idea: a caretaker round at the bike stand every Friday night",
            who="Torpa Fastigheter",
            by_when="before autumn 2027",
            indicator="Fewer thefts reported at the stand",
        )
        session.add(proposal)
        session.flush()
        announcement = announcements.send(
            session,
            cohort,
            course,
            announcements.Draft(
                announcements.Audience(AnnouncementAudience.EVERYONE),
                "The walk at Torpa moves to Thursday",
                "We meet at the library at 18.",
            ),
            sent_by=organizer.user,
        )
    session.commit()
    return World(
        feed_id=feed.id,
        announcement_id=announcement.id,
        plan_id=plan.id,
        measure_id=measure.id,
        review_id=review.id,
        proposal_id=proposal.id,
        users={
            "anonymous": None,
            "participant": participant,
            "other_participant": other_enrolment.user,
            "organizer": organizer.user,
            "other_organizer": other_organizer.user,
            "admin": admin,
            "partner_organizer": partner_organizer.user,
            "viewer": viewer.user,
            "other_viewer": other_viewer.user,
        },
        organisation=organisation,
        other_organisation=other_organisation,
        place=place,
        cohort=cohort,
        other_cohort=other_cohort,
        live_session=live,
        enrolment=enrolment,
        invited_enrolment=invited,
        other_enrolment=other_enrolment,
        certificate=certificate,
        attempt=attempt,
        finding_id=finding.id,
        organizer_id=organizer.id,
        partner_id=partner.id,
        viewer_id=viewer.id,
        mail_id=mail_id,
        tokens=tokens,
        upload_key=upload_key,
        kid=kid,
        private=[
            participant.name,
            participant.email,
            "Östergård",
            invited.user.name,
            invited.user.email,
            finding.spot,
            proposal.what,
        ],
        not_for_readers=[
            participant.name,
            participant.email,
            "Östergård",
            invited.user.name,
            invited.user.email,
            cohort.name,
            proposal.what,
        ],
    )


def build_plan(session: Session, place: Place, partner: Organisation, organizer_id: int):
    """The place's action plan with a measure the partner is responsible for (answering
    the place's finding) and a review date."""
    plan = plans.create_plan(
        session,
        place.organisation,
        plans.PlanValues(
            title="Åtgärdsplan Torpa 2027",
            kind=PlanKind.ACTION_PLAN,
            starts_on=date(2027, 1, 1),
            ends_on=date(2027, 12, 31),
            place_ids=(place.id,),
        ),
        created_by_id=organizer_id,
    )
    measure = plans.create_measure(
        session,
        plan,
        plans.MeasureValues(
            title="Kvällspatrull vid cykelstället",
            place_id=place.id,
            responsible_id=partner.id,
            due_on=date(2027, 4, 30),
        ),
        created_by_id=organizer_id,
    )
    finding_ids = list(session.scalars(select(Finding.id).where(Finding.place_id == place.id)))
    plans.link_findings(
        session, measure, shown=finding_ids, chosen=finding_ids, changed_by_id=organizer_id
    )
    review = plans.add_review(
        session, plan, date(2027, 6, 1), "Brottsförebyggande rådet", added_by_id=organizer_id
    )
    return plan, measure, review


@pytest.fixture
def fake_pdf(monkeypatch):
    monkeypatch.setattr(
        certificate_pdf, "render_certificate", lambda certificate, course, *, verify_url: FAKE_PDF
    )


@pytest.fixture
def world(app, db, fake_pdf) -> World:
    return build_world(app, db)


# --- the table ------------------------------------------------------------------------------


@dataclass(frozen=True)
class Redirect:
    """A redirect to ``location`` (filled from the world's URL values), or to somewhere
    that starts with it (``prefix``) when the target is made by the request itself."""

    location: str
    prefix: bool = False

    def __str__(self) -> str:
        return f"302 to {self.location}{'...' if self.prefix else ''}"


class _Login:
    """A redirect to the login page that brings the visitor back to the page asked for."""

    def __str__(self) -> str:
        return "302 to /login?next=<the page>"


LOGIN = _Login()
Cell = int | Redirect | _Login
# Six answers (the last three actors get the other organizer's) or all nine.
Row = tuple[Cell, ...]


def everyone(cell: Cell) -> Row:
    return (cell,) * 6


def answers(row: Row) -> tuple[Cell, ...]:
    """The row's answer for every actor, in the order of ACTORS."""
    if len(row) == 6:
        return (*row, row[4], row[4], row[4])
    assert len(row) == len(ACTORS), row
    return row


def participant_to(location: str) -> Row:
    return (LOGIN, Redirect(location), 404, 404, 404, 404)


def organizers_to(location: str) -> Row:
    return (LOGIN, 404, 404, Redirect(location), 404, Redirect(location))


#                anonymous participant other-participant organizer other-organizer admin
PUBLIC: Row = everyone(200)
LOGGED_IN: Row = (LOGIN, 200, 200, 200, 200, 200)
PARTICIPANT: Row = (LOGIN, 200, 404, 404, 404, 404)
ORGANIZER: Row = (LOGIN, 404, 404, 200, 404, 200)
ADMINISTRATOR: Row = (LOGIN, 404, 404, 404, 404, 200)
HOLDER_AND_ORGANIZERS: Row = (LOGIN, 200, 404, 200, 404, 200)
# The place and what is read from it: its owner's organizers to change, its partner's
# organizers and its owner's viewers to read.
PLACE_READERS: Row = (LOGIN, 404, 404, 200, 404, 200, 200, 200, 404)
# An organisation's plans: its organizers and its viewers (a partner reads them through
# its places).
PLAN_LIST_READERS: Row = (LOGIN, 404, 404, 200, 404, 200, 404, 200, 404)
# A measure's progress (status, notes): its owner's organizers and the organizers of its
# responsible organisation (the partner); a viewer reads it and changes nothing. A form
# sent empty is shown again with its error.
MEASURE_REPORTERS: Row = (LOGIN, 404, 404, 200, 404, 200, 200, 404, 404)
# Links mailed to someone without an account: whoever is logged in as another person is
# asked to log out first.
INVITATION: Row = (200, 409, 409, 409, 409, 409)
# The steps of a sign-in after the password: whoever is logged in already goes home.
SIGN_IN_STEP: Row = (Redirect("/login"), *[Redirect("/")] * 5)

COHORT_PAGE = "/organize/cohorts/{cohort_id}"
PLACE_PAGE = "/organize/places/{place_id}"
FINDING_ON_PLACE_PAGE = PLACE_PAGE + "#finding-{finding_id}"
PARTNERS = PLACE_PAGE + "#partners"
PLAN_PAGE = "/organize/plans/{plan_id}"
MEASURE_PAGE = "/organize/measures/{measure_id}"
CERTIFICATE_PAGE = "/organize/enrolments/{enrolment_id}/certificate"

# Every rule of the URL map: the answer to each actor, in the order of ACTORS. GET as a
# browser sends it; POST with a valid CSRF token and no other field (a form sent empty),
# which is enough to carry out the actions that are one button. A method the rule does
# not have must answer 405 and is not listed.
ROUTES: dict[str, dict[str, Row]] = {
    # Public pages and files
    "/": {"GET": PUBLIC},
    "/accessibility": {"GET": PUBLIC},
    "/privacy": {"GET": PUBLIC},
    "/healthz": {"GET": PUBLIC},
    "/static/<path:filename>": {"GET": PUBLIC},
    "/language": {"POST": everyone(Redirect("/"))},
    "/badges/issuer": {"GET": PUBLIC},
    "/badges/jwks.json": {"GET": PUBLIC},
    "/badges/keys/<kid>": {"GET": PUBLIC},
    "/badges/achievements/<course_slug>": {"GET": PUBLIC},
    "/badges/achievements/<course_slug>/image.png": {"GET": PUBLIC},
    "/badges/status/<int:number>": {"GET": PUBLIC},
    "/verify": {"GET": PUBLIC},
    "/verify/<code>": {"GET": PUBLIC, "POST": PUBLIC},
    # Accounts
    "/login": {
        "GET": (200, *[Redirect("/")] * 5),
        "POST": (200, *[Redirect("/")] * 5),
    },
    "/logout": {"POST": (LOGIN, *[Redirect("/login")] * 5)},
    # The second step of a password sign-in: only after the password (in this browser's
    # session); without it, back to the login page.
    # The organisation's provider answers here: without a sign-in started in this
    # browser, a page that says so (and nothing written).
    "/sign-in/callback": {"GET": everyone(400)},
    # The name on certificates of an account the provider made; a form sent without it
    # keeps the one it showed.
    "/sign-in/name": {"GET": LOGGED_IN, "POST": (LOGIN, *[Redirect("/")] * 5)},
    "/login/code": {"GET": SIGN_IN_STEP, "POST": SIGN_IN_STEP},
    "/login/code/setup": {"GET": SIGN_IN_STEP, "POST": SIGN_IN_STEP},
    # One's own second step. Forms sent empty change nothing and lead back to its page.
    "/account/two-factor": {"GET": LOGGED_IN},
    "/account/two-factor/setup": {"GET": LOGGED_IN, "POST": LOGGED_IN},
    "/account/two-factor/recovery-codes": {"POST": (LOGIN, *[Redirect("/account/two-factor")] * 5)},
    "/account/two-factor/remove": {"POST": (LOGIN, *[Redirect("/account/two-factor")] * 5)},
    "/password/reset": {"GET": PUBLIC, "POST": PUBLIC},
    # Links with a token: holding the token is the permission.
    "/password/reset/<token>": {"GET": PUBLIC, "POST": PUBLIC},
    "/account/email/confirm/<token>": {"GET": PUBLIC, "POST": everyone(Redirect("/login"))},
    "/setup/<token>": {"GET": PUBLIC, "POST": PUBLIC},
    "/invite/<token>": {"GET": INVITATION, "POST": INVITATION},
    "/organize/join/<token>": {"GET": INVITATION, "POST": INVITATION},
    "/account": {"GET": LOGGED_IN, "POST": (LOGIN, *[Redirect("/account")] * 5)},
    "/account/data.zip": {"GET": LOGGED_IN},
    "/account/delete": {"GET": LOGGED_IN, "POST": LOGGED_IN},
    "/account/email": {"GET": LOGGED_IN, "POST": LOGGED_IN},
    "/account/password": {"GET": LOGGED_IN, "POST": LOGGED_IN},
    "/account/notifications": {"POST": (LOGIN, *[Redirect("/account")] * 5)},
    "/account/calendar": {"POST": (LOGIN, *[Redirect("/account#calendar")] * 5)},
    "/account/calendar/stop": {"POST": (LOGIN, *[Redirect("/account#calendar")] * 5)},
    # A calendar program fetches a subscription without logging in: the secret in the
    # address is the permission.
    "/calendar/<int:feed_id>/<token>.ics": {"GET": PUBLIC},
    # The participant's own course
    "/learn/": {"GET": LOGGED_IN},
    "/learn/<int:enrolment_id>/": {
        "GET": PARTICIPANT,
        "POST": participant_to("/learn/{enrolment_id}/"),
    },
    "/learn/<int:enrolment_id>/continue": {"GET": participant_to("/learn/{enrolment_id}/")},
    "/learn/<int:enrolment_id>/live-sessions.ics": {"GET": PARTICIPANT},
    "/learn/<int:enrolment_id>/dossier.pdf": {"GET": PARTICIPANT},
    "/learn/<int:enrolment_id>/place": {"GET": PARTICIPANT},
    # The participant's own finding (the world's finding is theirs).
    "/learn/<int:enrolment_id>/findings/<int:finding_id>/photo": {
        "POST": participant_to("/learn/{enrolment_id}/place#finding-{finding_id}")
    },
    "/learn/<int:enrolment_id>/findings/<int:finding_id>/photo/remove": {
        "POST": participant_to("/learn/{enrolment_id}/place#finding-{finding_id}")
    },
    # The finding's photo: the participant who found it and the organizers.
    "/learn/findings/<int:finding_id>/photo.jpg": {
        "GET": (LOGIN, 200, 404, 200, 404, 200, 200, 200, 404)
    },
    # The course evaluation: an empty form is shown again with its errors; skipping
    # goes back to the course page.
    "/learn/<int:enrolment_id>/evaluation/<survey_key>": {"GET": PARTICIPANT, "POST": PARTICIPANT},
    "/learn/<int:enrolment_id>/evaluation/<survey_key>/skip": {
        "POST": participant_to("/learn/{enrolment_id}/")
    },
    # Check-in to a live session of the participant's round; a form sent empty lacks the
    # code and is shown again with its error.
    "/learn/sessions/<int:session_id>/check-in": {
        "GET": PARTICIPANT,
        "POST": PARTICIPANT,
    },
    "/learn/<int:enrolment_id>/<part_slug>/": {"GET": PARTICIPANT},
    "/learn/<int:enrolment_id>/<part_slug>/<lesson_slug>": {
        "GET": PARTICIPANT,
        "POST": participant_to("/learn/{enrolment_id}/"),
    },
    "/learn/<int:enrolment_id>/<part_slug>/images/<name>.svg": {"GET": PARTICIPANT},
    # An announcement the participant received: only they close it (for themselves).
    "/learn/announcements/<int:announcement_id>/dismiss": {"POST": participant_to("/learn/")},
    "/learn/<int:enrolment_id>/<part_slug>/quiz": {"GET": PARTICIPANT, "POST": PARTICIPANT},
    "/learn/<int:enrolment_id>/<part_slug>/quiz/<int:attempt_id>": {"GET": PARTICIPANT},
    "/learn/<int:enrolment_id>/<part_slug>/assignment": {
        "GET": PARTICIPANT,
        "POST": participant_to("/learn/{enrolment_id}/{part_slug}/assignment"),
    },
    # Certificates: the holder, and the organizers of the round
    "/certificates/<int:certificate_id>/certificate.pdf": {"GET": HOLDER_AND_ORGANIZERS},
    "/certificates/<int:certificate_id>/open-badge.jwt": {"GET": HOLDER_AND_ORGANIZERS},
    "/certificates/<int:certificate_id>/correct": {
        "GET": PARTICIPANT,
        # A form sent without the name keeps the one it showed, which is refused: the
        # certificate already carries it.
        "POST": (LOGIN, 200, 404, 404, 404, 404),
    },
    "/organize/enrolments/<int:enrolment_id>/certificate": {"GET": ORGANIZER},
    "/organize/certificates/<int:certificate_id>/correct": {
        "POST": organizers_to(CERTIFICATE_PAGE)
    },
    "/organize/certificates/<int:certificate_id>/revoke": {"POST": organizers_to(CERTIFICATE_PAGE)},
    "/organize/cohorts/<int:cohort_id>/certificates.zip": {"POST": ORGANIZER},
    "/organize/cohorts/<int:cohort_id>/certificates/render": {"POST": organizers_to(COHORT_PAGE)},
    # Organizers: their own organisations; administrators: all
    "/organize/": {"GET": (LOGIN, 404, 404, 200, 200, 200)},
    "/organize/organisations/new": {"GET": ADMINISTRATOR, "POST": ADMINISTRATOR},
    "/organize/organisations/<int:organisation_id>": {"GET": ORGANIZER, "POST": ORGANIZER},
    "/organize/organisations/<int:organisation_id>/cohorts/new": {
        "GET": ORGANIZER,
        "POST": ORGANIZER,
    },
    # Readers (viewers): invited and removed by the organisation's organizers. A form
    # sent empty is shown again with the error.
    "/organize/organisations/<int:organisation_id>/viewers": {"POST": ORGANIZER},
    "/organize/viewers/<int:viewer_id>/remove": {
        "POST": organizers_to("/organize/organisations/{organisation_id}")
    },
    "/organize/organizers/<int:organizer_id>/remove": {
        "POST": (LOGIN, 404, 404, 404, 404, Redirect("/organize/organisations/{organisation_id}"))
    },
    "/organize/cohorts/<int:cohort_id>": {"GET": ORGANIZER},
    # A form sent without fields keeps the values it showed, and saves them unchanged.
    "/organize/cohorts/<int:cohort_id>/edit": {
        "GET": ORGANIZER,
        "POST": organizers_to(COHORT_PAGE),
    },
    "/organize/cohorts/<int:cohort_id>/archive": {"POST": organizers_to(COHORT_PAGE)},
    "/organize/cohorts/<int:cohort_id>/schedule.ics": {"GET": ORGANIZER},
    # Leading a session: the facilitator notes and the participants' names.
    "/organize/cohorts/<int:cohort_id>/parts/<part_slug>/lead": {"GET": ORGANIZER},
    "/organize/cohorts/<int:cohort_id>/participants/new": {"GET": ORGANIZER, "POST": ORGANIZER},
    "/organize/cohorts/<int:cohort_id>/resend": {"POST": organizers_to(COHORT_PAGE)},
    "/organize/cohorts/<int:cohort_id>/report": {"GET": ORGANIZER},
    "/organize/cohorts/<int:cohort_id>/report/export": {"POST": ORGANIZER},
    # The evaluation's results and export: the round's organizers (below five answers
    # the page says how many more are needed; the export is then empty).
    "/organize/cohorts/<int:cohort_id>/evaluation": {"GET": ORGANIZER},
    "/organize/cohorts/<int:cohort_id>/evaluation/export": {"POST": ORGANIZER},
    "/organize/cohorts/<int:cohort_id>/assignments": {"GET": ORGANIZER},
    "/organize/cohorts/<int:cohort_id>/import": {"GET": ORGANIZER, "POST": ORGANIZER},
    # An upload belongs to the organizer who sent it; the administrator is sent to upload.
    "/organize/cohorts/<int:cohort_id>/import/<key>": {
        "GET": (LOGIN, 404, 404, 200, 404, Redirect(COHORT_PAGE + "/import")),
        "POST": (
            LOGIN,
            404,
            404,
            Redirect(COHORT_PAGE),
            404,
            Redirect(COHORT_PAGE + "/import"),
        ),
    },
    "/organize/cohorts/<int:cohort_id>/sessions/new": {"GET": ORGANIZER, "POST": ORGANIZER},
    # Sent empty: the form again, with its errors (nothing is sent).
    "/organize/cohorts/<int:cohort_id>/announcements/new": {"GET": ORGANIZER, "POST": ORGANIZER},
    "/organize/sessions/<int:session_id>/edit": {"GET": ORGANIZER, "POST": ORGANIZER},
    "/organize/sessions/<int:session_id>/cancel": {"POST": organizers_to(COHORT_PAGE)},
    # The world's session is next week: its checklist is refused until it starts.
    "/organize/sessions/<int:session_id>/attendance": {
        "GET": ORGANIZER,
        "POST": (LOGIN, 404, 404, 400, 404, 400),
    },
    # The check-in screen: the world's session is next week, so it says when it opens.
    "/organize/sessions/<int:session_id>/check-in": {"GET": ORGANIZER},
    "/organize/enrolments/<int:enrolment_id>/resend": {"POST": organizers_to(COHORT_PAGE)},
    "/organize/enrolments/<int:enrolment_id>/withdraw": {
        "GET": ORGANIZER,
        "POST": organizers_to(COHORT_PAGE),
    },
    # The world's participant is not withdrawn: nothing to do, back to the round.
    "/organize/enrolments/<int:enrolment_id>/reinstate": {"POST": organizers_to(COHORT_PAGE)},
    "/organize/enrolments/<int:enrolment_id>/move": {"GET": ORGANIZER, "POST": ORGANIZER},
    "/organize/enrolments/<int:enrolment_id>/assignments/<part_slug>": {
        "GET": ORGANIZER,
        "POST": ORGANIZER,
    },
    # Places and their findings
    "/organize/organisations/<int:organisation_id>/places": {"GET": ORGANIZER},
    # A form sent empty lacks the name: shown again with the error.
    "/organize/organisations/<int:organisation_id>/places/new": {
        "GET": ORGANIZER,
        "POST": ORGANIZER,
    },
    "/organize/places/<int:place_id>": {"GET": PLACE_READERS},
    # A form sent without fields keeps the values it showed, and saves them unchanged.
    "/organize/places/<int:place_id>/edit": {"GET": ORGANIZER, "POST": organizers_to(PLACE_PAGE)},
    "/organize/places/<int:place_id>/export": {"POST": PLACE_READERS},
    "/organize/places/<int:place_id>/summary.pdf": {"POST": PLACE_READERS},
    "/organize/places/<int:place_id>/walks": {"GET": PLACE_READERS},
    # The lägesbild: a form sent with nothing but its token is the PDF.
    "/organize/places/<int:place_id>/situation": {"POST": PLACE_READERS},
    # Partners: chosen by the owner's organizers; a form sent without an organisation
    # is refused with a message, back on the place page.
    "/organize/places/<int:place_id>/partners": {"POST": organizers_to(PARTNERS)},
    "/organize/partners/<int:partner_id>/remove": {"POST": organizers_to(PARTNERS)},
    # A form sent without the new status is refused.
    "/organize/findings/<int:finding_id>/status": {"POST": (LOGIN, 404, 404, 400, 404, 400)},
    # A form sent without a file is refused with a message, back on the place page.
    "/organize/findings/<int:finding_id>/photo": {"POST": organizers_to(FINDING_ON_PLACE_PAGE)},
    "/organize/findings/<int:finding_id>/photo/remove": {
        "POST": organizers_to(FINDING_ON_PLACE_PAGE)
    },
    # "Same as an earlier finding": a form sent empty is shown again with its error; the
    # world's finding is not marked, so clearing it changes nothing and leads back.
    "/organize/findings/<int:finding_id>/same-as": {"GET": ORGANIZER, "POST": ORGANIZER},
    "/organize/findings/<int:finding_id>/same-as/clear": {
        "POST": organizers_to(FINDING_ON_PLACE_PAGE)
    },
    # Plans and measures: the owner's organizers change them, partners and viewers read
    # them at the places they read. Forms sent empty are shown again with their errors.
    "/organize/organisations/<int:organisation_id>/plans": {"GET": PLAN_LIST_READERS},
    "/organize/organisations/<int:organisation_id>/plans/new": {
        "GET": ORGANIZER,
        "POST": ORGANIZER,
    },
    "/organize/places/<int:place_id>/plans": {"GET": PLACE_READERS},
    "/organize/plans/<int:plan_id>": {"GET": PLACE_READERS},
    "/organize/plans/<int:plan_id>/situation": {"POST": PLACE_READERS},
    "/organize/plans/<int:plan_id>/edit": {"GET": ORGANIZER, "POST": ORGANIZER},
    "/organize/plans/<int:plan_id>/reviews": {"POST": ORGANIZER},
    "/organize/plan-reviews/<int:review_id>/remove": {
        "POST": organizers_to(PLAN_PAGE + "#reviews")
    },
    "/organize/plans/<int:plan_id>/measures/new": {"GET": ORGANIZER, "POST": ORGANIZER},
    "/organize/measures/<int:measure_id>": {"GET": PLACE_READERS},
    "/organize/measures/<int:measure_id>/edit": {"GET": ORGANIZER, "POST": ORGANIZER},
    "/organize/measures/<int:measure_id>/status": {"POST": MEASURE_REPORTERS},
    "/organize/measures/<int:measure_id>/notes": {"POST": MEASURE_REPORTERS},
    # The chooser sent empty links nothing (the page showed nothing); the offer to mark
    # the findings done leads back to the measure while it is not done.
    "/organize/measures/<int:measure_id>/findings": {
        "GET": ORGANIZER,
        "POST": organizers_to(MEASURE_PAGE + "#findings"),
    },
    "/organize/measures/<int:measure_id>/findings/done": {
        "GET": organizers_to(MEASURE_PAGE),
        "POST": organizers_to(MEASURE_PAGE),
    },
    # Measures proposed in the course: the owner's organizers alone (a proposal carries a
    # participant's words). Accept and merge sent empty are shown again with their errors;
    # dropping needs no reason.
    "/organize/plans/<int:plan_id>/proposals/<int:proposal_id>/accept": {
        "GET": ORGANIZER,
        "POST": ORGANIZER,
    },
    "/organize/plans/<int:plan_id>/proposals/<int:proposal_id>/merge": {
        "GET": ORGANIZER,
        "POST": ORGANIZER,
    },
    "/organize/plans/<int:plan_id>/proposals/<int:proposal_id>/drop": {
        "GET": ORGANIZER,
        "POST": organizers_to(PLAN_PAGE + "#proposals"),
    },
    # Administrators
    "/admin/": {"GET": ADMINISTRATOR},
    "/admin/audit": {"GET": ADMINISTRATOR},
    "/admin/mail/": {"GET": ADMINISTRATOR},
    "/admin/mail/page/<int:page>": {"GET": ADMINISTRATOR},
    "/admin/mail/<int:mail_id>": {"GET": ADMINISTRATOR},
    # A person's sign-in, and the reset of their second step (the world's organizer has
    # none: nothing to reset, back to their page).
    "/admin/people": {"GET": ADMINISTRATOR},
    # An organisation's own provider; the form sent empty is shown again with its errors,
    # and removing none leads back to it.
    "/admin/organisations/<int:organisation_id>/sign-in": {
        "GET": ADMINISTRATOR,
        "POST": ADMINISTRATOR,
    },
    "/admin/organisations/<int:organisation_id>/sign-in/remove": {
        "POST": (
            LOGIN,
            404,
            404,
            404,
            404,
            Redirect("/admin/organisations/{organisation_id}/sign-in"),
        )
    },
    "/admin/people/<int:user_id>/second-factor/reset": {
        "POST": (LOGIN, 404, 404, 404, 404, Redirect("/admin/people?email=", prefix=True))
    },
}

# The token each link rule is tried with.
TOKENS = {
    "/invite/<token>": "invite",
    "/organize/join/<token>": "join",
    "/setup/<token>": "setup",
    "/password/reset/<token>": "reset",
    "/account/email/confirm/<token>": "email",
    "/calendar/<int:feed_id>/<token>.ics": "calendar",
}

# Views that CSRFProtect leaves alone because they check the token themselves, and what
# a POST without a token gets from them (tested further in
# test_the_assignment_checks_its_own_csrf_token_and_saves_nothing_without_it).
CSRF_EXEMPT: dict[str, Row] = {
    "academy.web.learn.exercises.assignment": (LOGIN, 400, 404, 404, 404, 404),
}

# A link whose secret belongs to one person answers with that person's own data to
# whoever holds it, round names included (a calendar program polls it without logging
# in); tests/test_calendar_feeds.py shows that only the current secret opens it.
PERSONAL_SECRET_LINKS = {"/calendar/<int:feed_id>/<token>.ics"}

# The one GET that may write: the first download of a certificate whose PDF is missing
# renders and stores it (the render cache fill).
RENDER_CACHE_FILL = "certificates.download_pdf"


# --- asking ---------------------------------------------------------------------------------

_ARGUMENT = re.compile(r"<(?:[^:<>]+:)?([^<>]+)>")
_WRITE = re.compile(r"\s*(INSERT|UPDATE|DELETE)\b", re.IGNORECASE)


def url_for_rule(rule: str, world: World) -> str:
    """The rule with its arguments filled from the world (not url_for, which would choose
    between the rules of an endpoint itself)."""
    values = world.url_values()
    if rule in TOKENS:
        values["token"] = world.tokens[TOKENS[rule]]

    def value(match: re.Match) -> str:
        if match.group(1) not in values:
            pytest.fail(
                f"{rule}: no value for <{match.group(1)}>; add one to World.url_values (or the "
                "rule to TOKENS) in tests/test_route_security.py"
            )
        return str(values[match.group(1)])

    return _ARGUMENT.sub(value, rule)


def writes_of(statements: list[str]) -> list[str]:
    return [statement for statement in statements if _WRITE.match(statement)]


@dataclass
class Answer:
    status: int
    location: str
    body: bytes
    writes: list[str]
    # Whether the request left a transaction open on the connection after its response.
    left_open: bool
    headers: Headers = field(default_factory=Headers)


class Asker:
    """Sends one request as one actor, inside a savepoint rolled back afterwards, so that
    each actor meets the same world; records the statements it ran."""

    def __init__(self, app, connection, count_queries, world):
        self.app = app
        self.connection = connection
        self.count_queries = count_queries
        self.world = world

    def __call__(self, actor: str, method: str, url: str, *, data=None, token=True) -> Answer:
        client = Client(self.app, self.app.test_client())
        if self.world.users[actor] is not None:
            client.login_as(self.world.users[actor])
        savepoint = self.connection.begin_nested()
        error = None
        try:
            with self.count_queries() as counter:
                try:
                    if method == "GET":
                        response = client.get(url)
                    elif token:
                        response = client.post_form(url, dict(data or {}))
                    else:
                        response = client.open(url, method=method, data=dict(data or {}))
                    body = response.get_data()
                    response.close()
                except Exception as raised:  # the tests propagate errors; one is an answer too
                    error = raised
        finally:
            left_open = self._roll_back(savepoint)
        if error is not None:
            return Answer(500, "", repr(error).encode(), writes_of(counter.statements), left_open)
        return Answer(
            response.status_code,
            response.headers.get("Location", ""),
            body,
            writes_of(counter.statements),
            left_open,
            response.headers,
        )

    def _roll_back(self, savepoint) -> bool:
        left_open = False
        current = self.connection.get_nested_transaction()
        while current is not None and current is not savepoint:
            left_open = True
            current.rollback()
            current = self.connection.get_nested_transaction()
        if savepoint.is_active:
            savepoint.rollback()
        return left_open


@pytest.fixture
def ask(app, connection, count_queries, world) -> Asker:
    return Asker(app, connection, count_queries, world)


def mismatch(expected: Cell, answer: Answer, url: str, world: World) -> str | None:
    """Why the answer is not the expected one, or None."""
    if isinstance(expected, int):
        if answer.status == expected:
            return None
    elif isinstance(expected, _Login):
        login = "/login?next=" + quote(url, safe="")
        if answer.status == 302 and answer.location == login:
            return None
    else:
        location = expected.location.format(**world.url_values())
        matches = (
            answer.location.startswith(location) if expected.prefix else answer.location == location
        )
        if answer.status == 302 and matches:
            return None
    got = f"{answer.status}" + (f" to {answer.location}" if answer.location else "")
    if answer.status == 500:
        got += f" ({answer.body.decode(errors='replace')[:200]})"
    return f"expected {expected}, got {got}"


def leaks(answer: Answer, world: World, private: list[str] | None = None) -> list[str]:
    """The world's private data (or ``private``) found in the body."""
    return [
        text
        for text in (world.private if private is None else private)
        if text.encode() in answer.body or str(escape(text)).encode() in answer.body
    ]


def rule_of(app: Flask, rule: str):
    found = [r for r in app.url_map.iter_rules() if r.rule == rule]
    if not found:
        pytest.fail(f"{rule} is in ROUTES but not in the URL map (see test_every_route_...)")
    return found[0]


def methods_of(rule) -> set[str]:
    return set(rule.methods) - {"HEAD", "OPTIONS"}


def rules_with(method: str) -> list[str]:
    return sorted(rule for rule, methods in ROUTES.items() if method in methods)


# --- the tests ------------------------------------------------------------------------------


def test_every_route_is_in_the_table(app):
    in_app: dict[str, set[str]] = {}
    for rule in app.url_map.iter_rules():
        in_app.setdefault(rule.rule, set()).update(methods_of(rule))
    missing = [
        f"{method} {rule}"
        for rule, methods in sorted(in_app.items())
        for method in sorted(methods - set(ROUTES.get(rule, {})))
    ]
    stale = [
        f"{method} {rule}"
        for rule, methods in sorted(ROUTES.items())
        for method in sorted(set(methods) - in_app.get(rule, set()))
    ]
    assert not missing, (
        "These routes are not in ROUTES in tests/test_route_security.py: "
        + ", ".join(missing)
        + ". Add each with the answer it must give the anonymous visitor, the participant, "
        "the participant of another round, the organizer, the organizer of another "
        "organisation and the administrator (and fill its URL arguments in World.url_values "
        "or TOKENS)."
    )
    assert not stale, (
        "ROUTES in tests/test_route_security.py names routes the app no longer has: "
        + ", ".join(stale)
        + ". Remove them from the table (or rename them to the new rule)."
    )


def test_only_the_known_views_check_their_own_csrf_token(app):
    exempt = set(csrf._exempt_views)  # Flask-WTF keeps the exempted views there
    assert exempt == set(CSRF_EXEMPT), (
        "A view is exempted from CSRFProtect (or no longer is). A view that checks its own "
        "token goes into CSRF_EXEMPT in tests/test_route_security.py, with a test that a POST "
        "without a valid token saves nothing."
    )


@pytest.mark.parametrize("rule", rules_with("GET"))
def test_get_answers_each_actor_as_the_table_says_and_writes_nothing(app, world, ask, rule):
    url = url_for_rule(rule, world)
    problems = []
    for actor, expected in zip(ACTORS, answers(ROUTES[rule]["GET"]), strict=True):
        answer = ask(actor, "GET", url)
        problem = mismatch(expected, answer, url, world)
        if problem:
            problems.append(f"GET {url} as {actor}: {problem}")
        if answer.writes:
            # Even the render cache fill writes nothing when the PDF is stored (it is).
            problems.append(f"GET {url} as {actor} wrote: {answer.writes}")
        if actor in OUTSIDERS and leaks(answer, world):
            problems.append(f"GET {url} as {actor} shows {leaks(answer, world)}")
        if (
            actor in READERS
            and rule not in PERSONAL_SECRET_LINKS
            and leaks(answer, world, world.not_for_readers)
        ):
            shown = leaks(answer, world, world.not_for_readers)
            problems.append(f"GET {url} as {actor} shows {shown}")
        if answer.left_open:
            problems.append(f"GET {url} as {actor} left a database transaction open")
    assert not problems, "\n".join(problems)


@pytest.mark.parametrize("rule", rules_with("POST"))
def test_post_needs_a_csrf_token_and_answers_each_actor_as_the_table_says(app, world, ask, rule):
    url = url_for_rule(rule, world)
    view = app.view_functions[rule_of(app, rule).endpoint]
    without_token = CSRF_EXEMPT.get(f"{view.__module__}.{view.__name__}", everyone(400))
    problems = []
    expectations = zip(ACTORS, answers(without_token), answers(ROUTES[rule]["POST"]), strict=True)
    for actor, refused, expected in expectations:
        answer = ask(actor, "POST", url, token=False)
        problem = mismatch(refused, answer, url, world)
        if problem:
            problems.append(f"POST {url} without a CSRF token as {actor}: {problem}")
        if answer.writes:
            problems.append(f"POST {url} without a CSRF token as {actor} wrote: {answer.writes}")

        answer = ask(actor, "POST", url)
        problem = mismatch(expected, answer, url, world)
        if problem:
            problems.append(f"POST {url} as {actor}: {problem}")
        if expected in (404, 409, LOGIN) and answer.writes:
            problems.append(f"POST {url} as {actor} was refused but wrote: {answer.writes}")
        if actor in OUTSIDERS and leaks(answer, world):
            problems.append(f"POST {url} as {actor} shows {leaks(answer, world)}")
        if actor in READERS and leaks(answer, world, world.not_for_readers):
            shown = leaks(answer, world, world.not_for_readers)
            problems.append(f"POST {url} as {actor} shows {shown}")
        if answer.left_open:
            problems.append(
                f"POST {url} as {actor} left a database transaction open after the response "
                "(a session used after the request's teardown closed it)"
            )
    assert not problems, "\n".join(problems)


def test_methods_a_route_does_not_have_answer_405(app, world, ask):
    problems = []
    for rule, methods in sorted(ROUTES.items()):
        url = url_for_rule(rule, world)
        for method in sorted({"GET", "POST"} - set(methods)):
            for actor in ("anonymous", "admin"):
                answer = ask(actor, method, url, token=False)
                if answer.status != 405 or answer.writes:
                    problems.append(f"{method} {url} as {actor}: {answer.status} {answer.writes}")
    assert not problems, "\n".join(problems)


def test_the_assignment_checks_its_own_csrf_token_and_saves_nothing_without_it(app, db, world, ask):
    """The assignment view is exempt from CSRFProtect so that an expired token shows the
    text again instead of losing it; without a valid token it must still save nothing."""
    course = get_course("safer-streets", app)
    written = "A new text that must not be saved: the stand behind the station is unlit."
    for part in course.parts:
        url = f"/learn/{world.enrolment.id}/{part.slug}/assignment"
        answers = {
            (f"{spec.slug}-0-{sub.slug}" if spec.type == "repeat" else sub.slug): (
                sub.choices[0].slug if sub.type == "choice" else written[: sub.max_length]
            )
            for spec in part.assignment.fields
            for sub in (spec.fields if spec.type == "repeat" else (spec,))
        }
        for action in ("submit", "draft"):
            for token in ({}, {"csrf_token": "forged"}):
                answer = ask(
                    "participant",
                    "POST",
                    url,
                    data={"action": action, **answers, **token},
                    token=False,
                )
                assert answer.status == 400, (action, token)
                assert answer.writes == [], (action, token)
                assert written.encode() in answer.body  # shown again, not lost
        repeats = [spec.slug for spec in part.assignment.fields if spec.type == "repeat"]
        for action in [f"add:{slug}" for slug in repeats]:
            answer = ask(
                "participant", "POST", url, data={"action": action, **answers}, token=False
            )
            assert (answer.status, answer.writes) == (200, [])
        # With a valid token the same draft is saved: the checks above would see a write.
        saved = ask("participant", "POST", url, data={"action": "draft", **answers})
        assert saved.status == 302 and saved.writes


def test_the_pdf_download_is_the_one_get_that_writes_and_only_to_fill_the_cache(
    app, db, world, ask, client, count_queries
):
    rule = next(r for r in app.url_map.iter_rules() if r.endpoint == RENDER_CACHE_FILL)
    url = url_for_rule(rule.rule, world)
    certificate = db.get(Certificate, world.certificate.id)
    certificate.pdf = None
    certificate.pdf_sha256 = None
    db.commit()
    # Whoever may not download it does not get it rendered either.
    for actor in ("anonymous", "other_participant", "other_organizer"):
        refused = ask(actor, "GET", url)
        assert refused.status in (302, 404) and refused.writes == [], actor
    client.login_as(world.users["participant"])

    with count_queries() as first:
        response = client.get(url)
    assert response.status_code == 200 and response.data == FAKE_PDF
    writes = writes_of(first.statements)
    assert writes and all(re.match(r"\s*UPDATE certificate SET", w) for w in writes), writes

    with count_queries() as second:
        again = client.get(url)
    assert again.data == FAKE_PDF
    assert writes_of(second.statements) == []
