"""Announcements: who each audience is, that the preview's count is what is sent, the
recipient's language, the dashboard until dismissed, the rate limit, bounded input, the
round page's list, the data export and erasure."""

from __future__ import annotations

import io
import json
import zipfile
from datetime import timedelta

import pytest
from sqlalchemy import func, select, update

from academy.content import get_catalog
from academy.models import (
    Announcement,
    AnnouncementAudience,
    AnnouncementRecipient,
    AudienceRole,
    AuditEvent,
    EnrolmentStatus,
    LiveSession,
    OutboxMail,
    PartState,
    utcnow,
)
from academy.services import announcements, privacy
from academy.services.announcements import Audience, Draft
from academy.services.delivery import OutgoingMail, build_message
from academy.text import text_html
from tests.factories import make_cohort, make_enrolment, make_organizer, make_user

PARTS = ("situational-prevention", "safe-design")  # the fixture course, in order
NEW = "/organize/cohorts/{}/announcements/new"


@pytest.fixture
def cohort(db):
    return make_cohort(db)


@pytest.fixture
def organizer(db, cohort):
    return make_organizer(db, cohort.organisation, make_user(db, name="Olle Arrangör")).user


@pytest.fixture
def course(app):
    return get_catalog(app).get("safer-streets")


def started(db, enrolment, *done_parts, also_started=()):
    for slug in done_parts:
        db.add(
            PartState(
                enrolment_id=enrolment.id,
                cohort_id=enrolment.cohort_id,
                part_slug=slug,
                completed_at=utcnow(),
            )
        )
    for slug in also_started:
        db.add(PartState(enrolment_id=enrolment.id, cohort_id=enrolment.cohort_id, part_slug=slug))
    db.flush()


def session_over(db, cohort, days_ago: int = 1):
    end = utcnow() - timedelta(days=days_ago)
    db.add(
        LiveSession(
            cohort_id=cohort.id, title="Träff", starts_at=end - timedelta(hours=2), ends_at=end
        )
    )
    db.flush()


@pytest.fixture
def people(db, cohort):
    """A round of seven: who is who for each audience."""
    p = {
        "fresh": make_enrolment(db, cohort, role=AudienceRole.PROPERTY_OWNER),
        "invited": make_enrolment(db, cohort, status=EnrolmentStatus.INVITED),
        "first_done": make_enrolment(db, cohort, status=EnrolmentStatus.ACTIVE),
        "first_started": make_enrolment(db, cohort, status=EnrolmentStatus.ACTIVE),
        "second_only": make_enrolment(db, cohort, role=AudienceRole.PROPERTY_OWNER),
        "completed": make_enrolment(db, cohort, status=EnrolmentStatus.COMPLETED),
        "withdrawn": make_enrolment(
            db, cohort, status=EnrolmentStatus.WITHDRAWN, role=AudienceRole.PROPERTY_OWNER
        ),
    }
    started(db, p["first_done"], PARTS[0])
    started(db, p["first_started"], also_started=[PARTS[0]])
    started(db, p["second_only"], PARTS[1])
    started(db, p["completed"], *PARTS)
    make_enrolment(db, make_cohort(db, cohort.organisation))  # another round: never
    return p


def ids_of(people, *names):
    return sorted(people[name].id for name in names)


def recipients(db, cohort, course, audience, now=None):
    statement = announcements._recipients(db, cohort, course, audience, now or utcnow())
    return sorted(row[0] for row in db.execute(statement)) if statement is not None else []


def test_each_audience(db, app_context, cohort, course, people):
    everyone = Audience(AnnouncementAudience.EVERYONE)
    assert recipients(db, cohort, course, everyone) == ids_of(
        people, "fresh", "invited", "first_done", "first_started", "second_only", "completed"
    )
    owners = Audience(AnnouncementAudience.ROLE, AudienceRole.PROPERTY_OWNER)
    assert recipients(db, cohort, course, owners) == ids_of(people, "fresh", "second_only")
    not_started = Audience(AnnouncementAudience.NOT_STARTED)
    assert recipients(db, cohort, course, not_started) == ids_of(people, "fresh", "invited")
    behind = Audience(AnnouncementAudience.BEHIND)
    # Before any live session is over, nothing is due: nobody is behind.
    assert recipients(db, cohort, course, behind) == []
    session_over(db, cohort)
    assert recipients(db, cohort, course, behind) == ids_of(
        people, "fresh", "invited", "first_started", "second_only"
    )
    session_over(db, cohort)
    session_over(db, cohort)  # more sessions than parts: every part is due, no more
    assert recipients(db, cohort, course, behind) == ids_of(
        people, "fresh", "invited", "first_done", "first_started", "second_only"
    )


def test_a_session_not_over_yet_is_not_counted(db, app_context, cohort, course, people):
    session_over(db, cohort, days_ago=-1)  # tomorrow
    assert announcements.sessions_over(db, cohort.id, utcnow()) == []
    assert recipients(db, cohort, course, Audience(AnnouncementAudience.BEHIND)) == []


def test_expected_parts_follow_the_course_order(course):
    assert announcements.expected_parts(course, 0) == []
    assert announcements.expected_parts(course, 1) == [PARTS[0]]
    assert announcements.expected_parts(course, 5) == list(PARTS)
    assert announcements.expected_parts(course, [None, None]) == list(PARTS[:2])


def test_sessions_that_name_their_part_make_those_parts_due(course):
    # The second part's session is over (and one about no part): the second part is due,
    # not the first.
    assert announcements.expected_parts(course, [PARTS[1], None]) == [PARTS[1]]
    assert announcements.expected_parts(course, [PARTS[1], PARTS[0]]) == list(PARTS[:2])
    assert announcements.expected_parts(course, ["no-such-part"]) == []


def test_behind_follows_the_part_a_passed_session_names(db, app_context, cohort, course, people):
    session_over(db, cohort)
    db.execute(
        update(LiveSession).where(LiveSession.cohort_id == cohort.id).values(part_slug=PARTS[1])
    )
    behind = Audience(AnnouncementAudience.BEHIND)
    # Due: the second part only; who completed it (but not the first) is not behind.
    assert recipients(db, cohort, course, behind) == ids_of(
        people, "fresh", "invited", "first_done", "first_started"
    )


def test_an_audience_needs_a_role_exactly_for_role():
    with pytest.raises(ValueError):
        Audience(AnnouncementAudience.ROLE)
    with pytest.raises(ValueError):
        Audience(AnnouncementAudience.EVERYONE, AudienceRole.TRADER)


@pytest.mark.parametrize("kind", list(AnnouncementAudience))
def test_the_preview_counts_what_is_sent(db, app_context, cohort, course, people, organizer, kind):
    session_over(db, cohort)
    role = AudienceRole.PROPERTY_OWNER if kind is AnnouncementAudience.ROLE else None
    audience = Audience(kind, role)
    counted = announcements.preview(db, cohort, course, audience)
    before = db.scalar(select(func.count()).select_from(OutboxMail))
    sent = announcements.send(db, cohort, course, Draft(audience, "Hej", "Text"), sent_by=organizer)
    mails = db.scalar(select(func.count()).select_from(OutboxMail)) - before
    assert counted.recipients == mails == sent.recipient_count > 0
    assert counted.not_mailed == 0
    rows = db.scalar(
        select(func.count())
        .select_from(AnnouncementRecipient)
        .where(AnnouncementRecipient.announcement_id == sent.id)
    )
    assert rows == mails


def test_a_bounced_address_sees_it_but_gets_no_mail(db, app_context, cohort, course, organizer):
    bounced = make_enrolment(db, cohort, user=make_user(db, email_bounced_at=utcnow()))
    make_enrolment(db, cohort)
    audience = Audience(AnnouncementAudience.EVERYONE)
    assert announcements.preview(db, cohort, course, audience) == announcements.Preview(2, 1)
    sent = announcements.send(db, cohort, course, Draft(audience, "S", "B"), sent_by=organizer)
    assert sent.recipient_count == 2
    assert (
        db.scalar(
            select(func.count()).select_from(OutboxMail).where(OutboxMail.kind == "announcement")
        )
        == 1
    )
    shown = announcements.for_dashboard(db, [bounced.id], "en")
    assert [s.subject for s in shown] == ["S"]


def test_each_recipient_gets_their_language(db, app_context, cohort, course, organizer):
    swede = make_enrolment(db, cohort, user=make_user(db, locale="sv", email="sv@example.se"))
    norwegian = make_enrolment(db, cohort, user=make_user(db, locale="nb", email="nb@example.no"))
    english = make_enrolment(db, cohort, user=make_user(db, locale="en", email="en@example.org"))
    draft = Draft(
        Audience(AnnouncementAudience.EVERYONE),
        "Main subject",
        "Main text, see https://example.org/plan.",
        {"sv": {"subject": "Svenskt ämne", "body": "Svensk text <b>fet</b>"}},
    )
    announcements.send(db, cohort, course, draft, sent_by=organizer)
    mails = {
        m.to_address: m
        for m in db.scalars(select(OutboxMail).where(OutboxMail.kind == "announcement"))
    }
    assert mails["sv@example.se"].subject == "Svenskt ämne"
    assert "Svensk text <b>fet</b>" in mails["sv@example.se"].body_text
    # The HTML part escapes what the organizer typed and links only the address.
    assert "&lt;b&gt;fet&lt;/b&gt;" in mails["sv@example.se"].body_html
    assert "<b>" not in mails["sv@example.se"].body_html
    assert "Olle Arrangör" in mails["sv@example.se"].body_text
    assert "kursomgången" in mails["sv@example.se"].body_text  # the template's Swedish
    assert mails["nb@example.no"].subject == "Main subject"  # no Norwegian text: the main
    assert mails["en@example.org"].subject == "Main subject"
    html = mails["en@example.org"].body_html
    assert (
        '<a href="https://example.org/plan" rel="noreferrer">https://example.org/plan</a>.' in html
    )
    assert "http://academy.test/learn/" in mails["en@example.org"].body_text
    # The dashboard shows each reader their language's text.
    assert announcements.for_dashboard(db, [swede.id], "sv")[0].subject == "Svenskt ämne"
    assert announcements.for_dashboard(db, [norwegian.id], "nb")[0].subject == "Main subject"
    assert announcements.for_dashboard(db, [english.id], "en")[0].body.startswith("Main text")


def test_the_mail_has_an_html_alternative(db):
    mail = OutgoingMail(1, "a@example.org", "S", "See https://example.org\n", "<p>x</p>")
    message = build_message(mail, "Academy <academy@example.org>")
    assert message.get_content_type() == "multipart/alternative"
    plain = OutgoingMail(1, "a@example.org", "S", "Text\n")
    assert build_message(plain, "Academy <academy@example.org>").get_content_type() == "text/plain"


@pytest.mark.parametrize(
    ("text", "html"),
    [
        ("<script>x</script>", "<p>&lt;script&gt;x&lt;/script&gt;</p>"),
        ("javascript:alert(1) ftp://x", "<p>javascript:alert(1) ftp://x</p>"),
        ("a\nb\n\nc", "<p>a<br>\nb</p>\n<p>c</p>"),
        (
            'http://x.se/"onmouseover=1',
            '<p><a href="http://x.se/" rel="noreferrer">http://x.se/</a>&#34;onmouseover=1</p>',
        ),
        (
            "(https://x.se/a).",
            '<p>(<a href="https://x.se/a" rel="noreferrer">https://x.se/a</a>).</p>',
        ),
    ],
)
def test_text_html_escapes_and_links_only_http(text, html):
    assert str(text_html(text)) == html


def test_sending_twice_to_the_same_enrolment_is_refused(db, app_context, cohort, course, organizer):
    enrolment = make_enrolment(db, cohort)
    sent = announcements.send(
        db,
        cohort,
        course,
        Draft(Audience(AnnouncementAudience.EVERYONE), "S", "B"),
        sent_by=organizer,
    )
    from sqlalchemy.exc import IntegrityError

    with pytest.raises(IntegrityError), db.begin_nested():
        db.add(AnnouncementRecipient(announcement_id=sent.id, enrolment_id=enrolment.id))
        db.flush()


# --- The pages ------------------------------------------------------------------------


def preview_form(**values):
    form = {"audience": "everyone", "subject": "Träff på torsdag", "body": "Välkomna!"}
    form.update(values)
    return form


def test_preview_then_send(client, db, cohort, organizer, people):
    client.login_as(organizer)
    page = client.get(NEW.format(cohort.id))
    assert page.status_code == 200
    preview = client.post_form(NEW.format(cohort.id), preview_form(audience="not_started"))
    assert preview.status_code == 200
    text = preview.get_data(as_text=True)
    assert "2 people" in text and "Send to 2 people" in text
    assert db.scalar(select(func.count()).select_from(Announcement)) == 0
    sent = client.post_form(
        NEW.format(cohort.id), preview_form(audience="not_started", action="send", confirmed="2")
    )
    assert sent.status_code == 302
    assert sent.headers["Location"].endswith(f"/organize/cohorts/{cohort.id}#announcements")
    announcement = db.scalar(select(Announcement))
    assert (announcement.recipient_count, announcement.audience) == (2, "not_started")
    assert announcement.sent_by_id == organizer.id
    event = db.scalar(select(AuditEvent).where(AuditEvent.action == "announcement.sent"))
    assert event.actor_id == organizer.id and event.details["recipients"] == 2
    round_page = client.get(f"/organize/cohorts/{cohort.id}").get_data(as_text=True)
    assert "Träff på torsdag" in round_page and "Olle Arrangör" in round_page
    assert "Those who have not started" in round_page and "2 recipients" in round_page


def test_a_changed_audience_is_previewed_again(client, db, cohort, organizer, people):
    client.login_as(organizer)
    answer = client.post_form(NEW.format(cohort.id), preview_form(action="send", confirmed="3"))
    assert answer.status_code == 200
    assert "has changed since the preview" in answer.get_data(as_text=True)
    assert db.scalar(select(func.count()).select_from(Announcement)) == 0


def test_change_goes_back_to_the_form_with_the_text(client, db, cohort, organizer):
    client.login_as(organizer)
    answer = client.post_form(NEW.format(cohort.id), preview_form(action="edit"))
    text = answer.get_data(as_text=True)
    assert 'value="Träff på torsdag"' in text and "Välkomna!" in text
    assert "There is a problem" not in text


def test_role_audience_from_the_form(client, db, cohort, organizer, people):
    client.login_as(organizer)
    answer = client.post_form(NEW.format(cohort.id), preview_form(audience="role:property_owner"))
    assert "Only: Property owners" in answer.get_data(as_text=True)
    assert "2 people" in answer.get_data(as_text=True)


@pytest.mark.parametrize(
    ("values", "field", "message"),
    [
        ({"subject": ""}, "subject", "This needs an answer."),
        ({"body": "   "}, "body", "This needs an answer."),
        ({"subject": "x" * 201}, "subject", "Write at most 200 characters."),
        ({"body": "x" * 5001}, "body", "Write at most 5000 characters."),
        ({"subject_sv": "Bara ämne"}, "body_sv", "Write both the subject and the message"),
        ({"body_nb": "Bare tekst"}, "subject_nb", "Write both the subject and the message"),
        ({"audience": "role:king"}, "audience", "Not a valid choice"),
    ],
)
def test_bad_input_is_shown_at_the_field(client, db, cohort, organizer, values, field, message):
    client.login_as(organizer)
    answer = client.post_form(NEW.format(cohort.id), preview_form(**values))
    assert answer.status_code == 200
    text = answer.get_data(as_text=True)
    assert f'id="{field}-error"' in text and message in text
    assert db.scalar(select(func.count()).select_from(Announcement)) == 0


def test_bad_input_in_swedish(client, db, cohort, organizer):
    organizer.locale = "sv"
    db.flush()
    client.login_as(organizer)
    answer = client.post_form(NEW.format(cohort.id), preview_form(subject="", body="x" * 5001))
    text = answer.get_data(as_text=True)
    assert "Du behöver svara här." in text and "Skriv högst 5000 tecken." in text


def test_the_rate_limit_is_per_organizer_and_said_clearly(app, client, db, cohort, organizer):
    make_enrolment(db, cohort)
    client.login_as(organizer)
    app.config["ANNOUNCEMENT_LIMIT"] = "2 per hour"
    try:
        for _ in range(2):
            answer = client.post_form(
                NEW.format(cohort.id), preview_form(action="send", confirmed="1")
            )
            assert answer.status_code == 302
        answer = client.post_form(NEW.format(cohort.id), preview_form(action="send", confirmed="1"))
        assert answer.status_code == 200
        assert "as many announcements as you may" in answer.get_data(as_text=True)
        assert db.scalar(select(func.count()).select_from(Announcement)) == 2
        # Another organizer of the same organisation is not held back.
        other = make_organizer(db, cohort.organisation).user
        client.login_as(other)
        answer = client.post_form(NEW.format(cohort.id), preview_form(action="send", confirmed="1"))
        assert answer.status_code == 302
    finally:
        app.config["ANNOUNCEMENT_LIMIT"] = "5 per hour"


def test_without_csrf_nothing_is_sent(client, db, cohort, organizer):
    make_enrolment(db, cohort)
    client.login_as(organizer)
    answer = client.post(NEW.format(cohort.id), data=preview_form(action="send", confirmed="1"))
    assert answer.status_code == 400
    assert db.scalar(select(func.count()).select_from(Announcement)) == 0


def test_another_organisations_organizer_gets_404(client, db, cohort, people):
    stranger = make_organizer(db, make_cohort(db).organisation).user
    client.login_as(stranger)
    assert client.get(NEW.format(cohort.id)).status_code == 404
    answer = client.post_form(NEW.format(cohort.id), preview_form(action="send", confirmed="6"))
    assert answer.status_code == 404


# --- The dashboard ---------------------------------------------------------------------


def test_the_dashboard_shows_it_until_dismissed(client, db, app, cohort, course, organizer):
    enrolment = make_enrolment(db, cohort, user=make_user(db, locale="sv"))
    other = make_enrolment(db, cohort)
    with app.app_context():
        draft = Draft(
            Audience(AnnouncementAudience.EVERYONE),
            "Main",
            "Se https://example.org/x <i>nu</i>",
            {"sv": {"subject": "Träff flyttad", "body": "Läs https://example.org/y"}},
        )
        sent = announcements.send(db, cohort, course, draft, sent_by=organizer)
    client.login_as(enrolment.user)
    page = client.get("/learn/").get_data(as_text=True)
    assert "Träff flyttad" in page
    assert '<a href="https://example.org/y" rel="noreferrer">https://example.org/y</a>' in page
    dismiss = f"/learn/announcements/{sent.id}/dismiss"
    assert client.post(dismiss).status_code == 400  # no CSRF token
    assert client.post_form(dismiss).status_code == 302
    assert "Träff flyttad" not in client.get("/learn/").get_data(as_text=True)
    row = db.scalar(
        select(AnnouncementRecipient).where(AnnouncementRecipient.enrolment_id == enrolment.id)
    )
    assert row.dismissed_at is not None
    # Dismissed for this person only.
    client.login_as(other.user)
    page = client.get("/learn/").get_data(as_text=True)
    assert "Main" in page and "&lt;i&gt;nu&lt;/i&gt;" in page


def test_dismissing_someone_elses_or_an_unknown_is_404(client, db, app, cohort, course, organizer):
    make_enrolment(db, cohort)
    outsider = make_user(db)
    with app.app_context():
        sent = announcements.send(
            db,
            cohort,
            course,
            Draft(Audience(AnnouncementAudience.EVERYONE), "S", "B"),
            sent_by=organizer,
        )
    client.login_as(outsider)
    assert client.post_form(f"/learn/announcements/{sent.id}/dismiss").status_code == 404
    assert client.post_form("/learn/announcements/999999/dismiss").status_code == 404


def test_withdrawn_people_no_longer_see_or_dismiss_it(client, db, app, cohort, course, organizer):
    enrolment = make_enrolment(db, cohort)
    with app.app_context():
        sent = announcements.send(
            db,
            cohort,
            course,
            Draft(Audience(AnnouncementAudience.EVERYONE), "S", "B"),
            sent_by=organizer,
        )
    enrolment.status = EnrolmentStatus.WITHDRAWN
    db.flush()
    client.login_as(enrolment.user)
    assert client.post_form(f"/learn/announcements/{sent.id}/dismiss").status_code == 404


# --- Privacy ----------------------------------------------------------------------------


def test_the_export_holds_what_was_received_and_erasure_removes_it(
    db, app_context, cohort, course, organizer
):
    enrolment = make_enrolment(db, cohort)
    sent = announcements.send(
        db,
        cohort,
        course,
        Draft(Audience(AnnouncementAudience.EVERYONE), "Hej", "Text"),
        sent_by=organizer,
    )
    recipient = announcements.recipient_of(db, sent.id, enrolment.user_id)
    announcements.dismiss(db, recipient)
    archive = zipfile.ZipFile(io.BytesIO(b"".join(privacy.export_user_data(db, enrolment.user))))
    data = json.loads(archive.read("data.json"))
    [received] = data["announcements_received"]
    assert received["subject"] == "Hej" and received["dismissed_at"] is not None
    assert received["enrolment"] == enrolment.id
    organizer_data = json.loads(
        zipfile.ZipFile(io.BytesIO(b"".join(privacy.export_user_data(db, organizer)))).read(
            "data.json"
        )
    )
    [own] = organizer_data["announcements_sent"]
    assert (own["subject"], own["recipients"], own["audience"]) == ("Hej", 1, "everyone")
    privacy.erase_account(db, enrolment.user, withdraw_certificates=False)
    assert db.scalar(select(func.count()).select_from(AnnouncementRecipient)) == 0
    # The organizer's erasure keeps the announcement, without them.
    privacy.erase_account(db, organizer, withdraw_certificates=False)
    db.refresh(sent)
    assert sent.sent_by_id is None and sent.recipient_count == 1


def test_someone_moved_to_another_round_no_longer_sees_it(
    db, app_context, cohort, course, organizer
):
    enrolment = make_enrolment(db, cohort)
    announcements.send(
        db,
        cohort,
        course,
        Draft(Audience(AnnouncementAudience.EVERYONE), "S", "B"),
        sent_by=organizer,
    )
    assert len(announcements.for_dashboard(db, [enrolment.id], "en")) == 1
    enrolment.cohort_id = make_cohort(db, cohort.organisation).id
    db.flush()
    assert announcements.for_dashboard(db, [enrolment.id], "en") == []


def test_an_empty_audience_is_said_and_never_sent(client, db, cohort, organizer, people):
    client.login_as(organizer)
    # No live session is over yet: nobody is behind.
    answer = client.post_form(NEW.format(cohort.id), preview_form(audience="behind"))
    text = answer.get_data(as_text=True)
    assert "Nobody in the round is in this group now" in text and "Send to" not in text
    answer = client.post_form(
        NEW.format(cohort.id), preview_form(audience="behind", action="send", confirmed="0")
    )
    assert answer.status_code == 200
    assert db.scalar(select(func.count()).select_from(Announcement)) == 0
