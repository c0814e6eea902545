"""Retention: `flask privacy purge` erases the accounts nobody has used for RETENTION_DAYS."""

from __future__ import annotations

from datetime import timedelta

import pytest
from sqlalchemy import func, select
from sqlalchemy.orm import Session

from academy.config import ConfigError
from academy.models import (
    AuditEvent,
    Base,
    Certificate,
    CertificateStatus,
    Enrolment,
    LessonProgress,
    Organizer,
    OutboxMail,
    User,
    utcnow,
)
from academy.services import privacy
from academy.services.invitations import admin_exists
from tests.factories import (
    make_cohort,
    make_enrolment,
    make_organisation,
    make_organizer,
    make_user,
)

DAYS = 1095  # the default
NOW = utcnow()
LONG_AGO = NOW - timedelta(days=DAYS + 30)
LAST_MONTH = NOW - timedelta(days=30)


def make_certificate(db: Session, enrolment: Enrolment) -> Certificate:
    certificate = Certificate(
        code=f"CERT{enrolment.id:012d}",
        enrolment_id=enrolment.id,
        certificate_name="Åsa Ødegård-Nærø",
        holder_initials="Å. Ø.-N.",
        name_salt="salt",
        name_hash="hash-of-the-name",
        status_index=enrolment.id,
        locale="sv",
        course_slug="safer-streets",
        content_version="v1",
        organisation_name="Vänersborgs kommun",
        cohort_name="Våren",
        pdf=b"%PDF-1.7 test",
        pdf_sha256="0" * 64,
    )
    db.add(certificate)
    db.flush()
    return certificate


def row_counts(db: Session) -> dict[str, int]:
    db.expire_all()
    return {
        table.name: db.scalar(select(func.count()).select_from(table)) or 0
        for table in Base.metadata.sorted_tables
    }


def purge(app, *args: str):
    return app.test_cli_runner().invoke(args=["privacy", "purge", *args])


@pytest.fixture
def people(db: Session) -> dict[str, tuple[int, str]]:
    """Unused for longer than the period: a participant with progress and a certificate, an
    account that never logged in, an administrator and an organizer of a running round.
    Used within it: a participant, and an account created last month that never logged in.
    Each as (id, e-mail).
    """
    running = make_cohort(db)
    old = make_user(db, email="Gammal@Example.se", last_login_at=LONG_AGO, created_at=LONG_AGO)
    enrolment = make_enrolment(db, running, old, created_at=LONG_AGO)
    db.add(LessonProgress(enrolment_id=enrolment.id, part_slug="p", lesson_slug="l"))
    make_certificate(db, enrolment)
    db.add(OutboxMail(to_address="gammal@example.se", subject="Påminnelse", body_text="Hej\n"))
    never = make_user(db, created_at=LONG_AGO)
    make_enrolment(db, running, never, created_at=LONG_AGO)
    admin = make_user(db, is_admin=True, last_login_at=LONG_AGO, created_at=LONG_AGO)
    organizer = make_user(db, last_login_at=LONG_AGO, created_at=LONG_AGO)
    make_organizer(db, running.organisation, organizer)
    recent = make_user(db, email="ny@example.se", last_login_at=LAST_MONTH, created_at=LONG_AGO)
    make_enrolment(db, running, recent)
    db.add(OutboxMail(to_address="ny@example.se", subject="Välkommen", body_text="Hej\n"))
    imported = make_user(db, created_at=LAST_MONTH)
    db.commit()
    users = {
        "old": old,
        "never": never,
        "admin": admin,
        "organizer": organizer,
        "recent": recent,
        "imported": imported,
    }
    return {name: (user.id, user.email) for name, user in users.items()}


@pytest.mark.parametrize(
    ("value", "days"),
    [
        (1095, 1095),
        ("1095", 1095),
        (" 365 ", 365),
        (30, 30),
        (0, None),
        ("0", None),
        ("", None),
        (None, None),
    ],
)
def test_the_retention_setting(value, days):
    assert privacy.retention_days(value) == days


@pytest.mark.parametrize(
    "value", [29, 1, -1, "-5", "three years", "3y", "\u00b2", 1.5, 1095.0, True, []]
)
def test_a_bad_retention_setting_is_refused_with_a_clear_message(value):
    with pytest.raises(ConfigError, match=r"RETENTION_DAYS must be a whole number of days"):
        privacy.retention_days(value)


def test_the_dry_run_lists_who_would_go_and_changes_nothing(app, db, people):
    before = row_counts(db)

    result = purge(app, "--dry-run")

    assert result.exit_code == 0, result.output
    lines = result.output.splitlines()
    assert lines[0].startswith("Dry run: 2 accounts not used for 1095 days (since before ")
    assert lines[0].endswith(") would be purged.")
    assert lines[1].split()[:2] == [str(people["old"][0]), "Gammal@Example.se"]
    assert lines[2].split()[:2] == [str(people["never"][0]), people["never"][1]]
    assert lines[3] == "Kept, though as long unused: 2 accounts."
    assert lines[4].split()[:2] == [str(people["admin"][0]), people["admin"][1]]
    assert lines[4].endswith("(administrator)")
    assert lines[5].split()[:2] == [str(people["organizer"][0]), people["organizer"][1]]
    assert lines[5].endswith("(organizer of an organisation with a round that is not archived)")
    assert len(lines) == 6
    assert row_counts(db) == before


def test_the_purge_erases_old_accounts_and_their_data_but_certificates_keep_verifying(
    app, db, people
):
    certificate = db.scalars(select(Certificate)).one()
    old_enrolment_id = certificate.enrolment_id

    result = purge(app)

    assert result.exit_code == 0, result.output
    assert result.output.startswith("Purged 2 accounts not used for 1095 days (since before ")
    assert "Kept, though as long unused: 2 accounts." in result.output
    db.expire_all()
    remaining = set(db.scalars(select(User.id)))
    assert remaining == {people[name][0] for name in ("admin", "organizer", "recent", "imported")}
    assert db.get(Enrolment, old_enrolment_id) is None
    assert db.scalar(select(func.count()).select_from(LessonProgress)) == 0
    assert db.scalars(select(Enrolment.user_id)).all() == [people["recent"][0]]
    assert db.scalars(select(Organizer.user_id)).all() == [people["organizer"][0]]
    # The certificate stays, as after an erasure: no account, no name, no PDF, still valid,
    # verifiable by the initials and the hash of the name.
    kept = db.get(Certificate, certificate.id)
    assert kept.enrolment_id is None
    assert kept.status == CertificateStatus.VALID
    assert (kept.holder_initials, kept.name_salt, kept.name_hash) == (
        "Å. Ø.-N.",
        "salt",
        "hash-of-the-name",
    )
    assert (kept.certificate_name, kept.pdf, kept.pdf_sha256) == (None, None, None)
    assert db.scalars(select(OutboxMail.to_address)).all() == ["ny@example.se"]
    events = db.scalars(select(AuditEvent).order_by(AuditEvent.id)).all()
    assert [(event.action, event.object_id) for event in events] == [
        ("account.erased", people["old"][0]),
        ("account.erased", people["never"][0]),
        ("privacy.purged", None),
    ]
    assert events[0].details == {"certificates_withdrawn": False, "reason": "retention"}
    assert events[2].actor_id is None
    assert events[2].details["accounts_purged"] == 2
    assert events[2].details["accounts_kept"] == 2
    assert events[2].details["retention_days"] == 1095
    assert admin_exists(db)


def test_a_second_run_changes_nothing(app, db, people):
    assert purge(app).exit_code == 0
    after_first = row_counts(db)

    again = purge(app)

    assert again.exit_code == 0, again.output
    assert again.output.startswith("Purged 0 accounts")
    assert row_counts(db) == after_first


def test_the_purge_goes_in_batches(app, db, monkeypatch):
    monkeypatch.setattr(privacy, "PURGE_BATCH", 2)
    for _ in range(5):
        make_user(db, last_login_at=LONG_AGO, created_at=LONG_AGO)
    db.commit()

    result = purge(app)

    assert result.exit_code == 0, result.output
    assert result.output.startswith("Purged 5 accounts")
    assert db.scalar(select(func.count()).select_from(User)) == 0


def test_a_recent_enrolment_counts_as_use(app, db):
    """An organizer enrolled an old account again yesterday: it stays, with its enrolment."""
    user = make_user(db, last_login_at=LONG_AGO, created_at=LONG_AGO)
    make_enrolment(db, user=user)
    db.commit()

    assert purge(app, "--dry-run").output.startswith("Dry run: 0 accounts")
    assert purge(app).exit_code == 0
    db.expire_all()
    assert db.get(User, user.id) is not None


def test_organizers_of_an_organisation_whose_rounds_are_all_archived_are_purged(app, db):
    organisation = make_organisation(db)
    make_cohort(db, organisation, archived_at=LONG_AGO)
    organizer_id = make_organizer(db, organisation, make_user(db, created_at=LONG_AGO)).user_id
    db.commit()

    result = purge(app)

    assert result.output.startswith("Purged 1 account not used"), result.output
    db.expire_all()
    assert db.get(User, organizer_id) is None
    assert db.scalar(select(func.count()).select_from(Organizer)) == 0


def test_the_last_administrator_is_never_purged(app, db):
    admin = make_user(db, is_admin=True, last_login_at=LONG_AGO, created_at=LONG_AGO)
    db.commit()

    result = purge(app)

    assert result.exit_code == 0
    assert "(administrator)" in result.output
    db.expire_all()
    assert db.get(User, admin.id) is not None


def test_a_bad_setting_stops_the_command_before_it_changes_anything(app, db, people, monkeypatch):
    monkeypatch.setitem(app.config, "RETENTION_DAYS", "three years")
    before = row_counts(db)

    result = purge(app)

    assert result.exit_code == 1
    assert (
        "Error: ACADEMY_RETENTION_DAYS must be a whole number of days, at least 30" in result.output
    )
    assert "not 'three years'" in result.output
    assert row_counts(db) == before


def test_zero_never_purges(app, db, people, monkeypatch):
    monkeypatch.setitem(app.config, "RETENTION_DAYS", 0)
    before = row_counts(db)

    result = purge(app)

    assert result.exit_code == 0
    assert result.output == "RETENTION_DAYS is 0: accounts are never purged.\n"
    assert row_counts(db) == before


def test_the_default_is_three_years(app):
    from academy.config import DEFAULTS

    assert DEFAULTS["RETENTION_DAYS"] == 1095
