"""Migrations: a populated database upgrades without losing rows, and the models agree."""

from __future__ import annotations

import hashlib
import json
import unicodedata
from contextlib import contextmanager
from datetime import UTC, date, datetime, timedelta
from pathlib import Path

import pytest
from alembic import command
from alembic.config import Config
from alembic.script import ScriptDirectory
from sqlalchemy import MetaData, Table, create_engine, func, inspect, select, text
from sqlalchemy.engine import make_url

from academy.db import make_engine
from academy.models import Base, utcnow

ROOT = Path(__file__).resolve().parent.parent


@contextmanager
def scratch_database(database_url: str, tmp_path: Path):
    """An empty database of the same kind as the suite's, dropped afterwards."""
    url = make_url(database_url)
    if url.get_backend_name() == "sqlite":
        yield f"sqlite:///{tmp_path / 'migrations.sqlite3'}"
        return
    name = f"{url.database}_migrations"
    admin = create_engine(url, isolation_level="AUTOCOMMIT")
    with admin.connect() as connection:
        connection.execute(text(f'DROP DATABASE IF EXISTS "{name}"'))
        connection.execute(text(f'CREATE DATABASE "{name}"'))
    try:
        yield url.set(database=name).render_as_string(hide_password=False)
    finally:
        with admin.connect() as connection:
            connection.execute(text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
        admin.dispose()


def alembic_config(url: str) -> Config:
    config = Config(str(ROOT / "migrations" / "alembic.ini"))
    config.attributes["database_url"] = url
    config.attributes["configure_logger"] = False
    return config


def revisions(config: Config) -> list[str]:
    script = ScriptDirectory.from_config(config)
    return [rev.revision for rev in reversed(list(script.walk_revisions()))]


def populate_first_revision(engine) -> None:
    tables = Base.metadata.tables
    now = utcnow()
    with engine.begin() as connection:
        connection.execute(
            tables["organisation"].insert(),
            [
                {"id": 1, "name": "Värnamo kommun", "kind": "municipality", "created_at": now},
            ],
        )
        connection.execute(
            tables["user"].insert(),
            [
                {
                    "id": n,
                    "email": f"p{n}@example.se",
                    "email_normalized": f"p{n}@example.se",
                    "name": "Åsa Ödegård",
                    "certificate_name": "Åsa Ödegård",
                    "locale": "sv",
                    "password_hash": None,
                    "session_version": 1,
                    "is_admin": n == 1,
                    "created_at": now,
                }
                for n in (1, 2)
            ],
        )
        connection.execute(
            tables["organizer"].insert(),
            [
                {"organisation_id": 1, "user_id": 2, "created_at": now},
            ],
        )
        connection.execute(
            tables["place"].insert(),
            [
                {
                    "organisation_id": 1,
                    "name": "Stationsområdet",
                    "description": "",
                    "created_at": now,
                },
            ],
        )
        connection.execute(
            tables["audit_event"].insert(),
            [
                {
                    "actor_id": 1,
                    "organisation_id": 1,
                    "action": "test",
                    "object_type": "user",
                    "object_id": 2,
                    "details": {},
                    "created_at": now,
                },
            ],
        )


def row_counts(engine) -> dict[str, int]:
    names = ("organisation", "user", "organizer", "place", "audit_event")
    with engine.connect() as connection:
        return {
            name: connection.scalar(select(func.count()).select_from(Base.metadata.tables[name]))
            for name in names
        }


def expression_index_unreflected(test):
    """SQLAlchemy cannot reflect an index on an expression from SQLite (the round page's
    order, ix_enrolment_roster_order) and says so; the comparison of the models with the
    migrations leaves it out there and checks it on PostgreSQL.
    test_sort_names_are_filled_and_kept_after_the_upgrade checks that the migration
    makes it."""
    for message in (
        "Skipped unsupported reflection of expression-based index ix_enrolment_roster_order",
        "autogenerate skipping metadata-specified expression-based index "
        "'ix_enrolment_roster_order'",
    ):
        test = pytest.mark.filterwarnings(f"ignore:{message}")(test)
    return test


@expression_index_unreflected
def test_a_populated_database_upgrades_to_head_and_agrees_with_the_models(database_url, tmp_path):
    with scratch_database(database_url, tmp_path) as url:
        config = alembic_config(url)
        all_revisions = revisions(config)
        assert len(all_revisions) >= 2
        command.upgrade(config, all_revisions[0])
        engine = make_engine(url)
        try:
            populate_first_revision(engine)
            before = row_counts(engine)

            command.upgrade(config, "head")

            assert row_counts(engine) == before
            if engine.dialect.name == "sqlite":
                with engine.connect() as connection:
                    assert connection.exec_driver_sql("PRAGMA foreign_key_check").all() == []
                    assert connection.exec_driver_sql("PRAGMA foreign_keys").scalar() == 1
            command.check(config)
        finally:
            engine.dispose()


@expression_index_unreflected
def test_every_migration_downgrades_and_upgrades_again(database_url, tmp_path):
    with scratch_database(database_url, tmp_path) as url:
        config = alembic_config(url)
        command.upgrade(config, "head")
        command.downgrade(config, "base")
        command.upgrade(config, "head")
        command.check(config)


@pytest.mark.parametrize("name", sorted((ROOT / "migrations" / "versions").glob("*.py")))
def test_migration_files_are_date_prefixed(name):
    assert name.name[:8].isdigit() and name.name[8] == "_"


def test_part_states_carry_over_progress_and_completions_both_ways(database_url, tmp_path):
    """The migration to part_state makes a row per started part from the step tables and
    part_completion, and its downgrade gives the completions back."""
    before, after = "341e0cc0f21d", "f97714f358f7"
    with scratch_database(database_url, tmp_path) as url:
        config = alembic_config(url)
        command.upgrade(config, before)
        engine = make_engine(url)
        early, late = datetime(2026, 3, 1, 9, tzinfo=UTC), datetime(2026, 3, 8, 9, tzinfo=UTC)
        try:
            with engine.begin() as connection:
                insert_rows(
                    connection,
                    "organisation",
                    [{"id": 1, "name": "Vänersborg", "kind": "municipality", "created_at": early}],
                )
                insert_rows(
                    connection,
                    "user",
                    [
                        {
                            "id": n,
                            "email": f"p{n}@example.se",
                            "email_normalized": f"p{n}@example.se",
                            "name": "Øystein",
                            "certificate_name": "",
                            "locale": "sv",
                            "session_version": 1,
                            "is_admin": False,
                            "created_at": early,
                        }
                        for n in (1, 2)
                    ],
                )
                insert_rows(
                    connection,
                    "cohort",
                    [
                        {
                            "id": 1,
                            "organisation_id": 1,
                            "course_slug": "safer-places",
                            "name": "Torpa",
                            "attendance_required": False,
                            "required_sessions": 0,
                            "assignments_need_approval": False,
                            "created_at": early,
                        }
                    ],
                )
                insert_rows(
                    connection,
                    "enrolment",
                    [
                        {
                            "id": n,
                            "cohort_id": 1,
                            "user_id": n,
                            "role": "police",
                            "employer": "",
                            "status": "active",
                            "created_at": early,
                        }
                        for n in (1, 2)
                    ],
                )
                insert_rows(
                    connection,
                    "lesson_progress",
                    [
                        {
                            "enrolment_id": 1,
                            "part_slug": "one",
                            "lesson_slug": slug,
                            "completed_at": when,
                        }
                        for slug, when in (("a", late), ("b", early))
                    ],
                )
                insert_rows(
                    connection,
                    "quiz_attempt",
                    [
                        {
                            "enrolment_id": 1,
                            "part_slug": "one",
                            "content_version": "v",
                            "nonce": f"n{score}",
                            "answers": {},
                            "score": score,
                            "max_score": 4,
                            "passed": score == 4,
                            "submitted_at": late,
                        }
                        for score in (2, 4)
                    ],
                )
                insert_rows(
                    connection,
                    "assignment_submission",
                    [
                        {
                            "enrolment_id": 2,
                            "part_slug": "two",
                            "content_version": "v",
                            "answers": {},
                            "status": "draft",
                            "updated_at": late,
                            "reviewer_comment": "",
                        }
                    ],
                )
                insert_rows(
                    connection,
                    "part_completion",
                    [{"enrolment_id": 1, "part_slug": "one", "completed_at": late}],
                )

            command.upgrade(config, after)
            with engine.connect() as connection:
                states = {
                    (row.enrolment_id, row.part_slug): row
                    for row in connection.execute(text("SELECT * FROM part_state"))
                }
            assert set(states) == {(1, "one"), (2, "two")}
            one, two = states[1, "one"], states[2, "two"]
            assert (one.lessons_read, one.quiz_best, one.quiz_max, one.quiz_attempts) == (
                2,
                4,
                4,
                2,
            )
            assert bool(one.quiz_passed) and one.assignment_status is None
            assert one.completed_at is not None and two.completed_at is None
            assert (two.lessons_read, two.quiz_attempts, two.assignment_status) == (0, 0, "draft")
            assert one.cohort_id == two.cohort_id == 1

            command.downgrade(config, before)
            with engine.connect() as connection:
                completions = connection.execute(
                    text("SELECT enrolment_id, part_slug FROM part_completion")
                ).all()
            assert [tuple(row) for row in completions] == [(1, "one")]
        finally:
            engine.dispose()


def insert_rows(connection, name: str, rows: list[dict]) -> None:
    """Insert into a table as it is at the current revision (not as the models say)."""
    table = Table(name, MetaData(), autoload_with=connection)
    connection.execute(table.insert(), rows)


def test_invited_names_and_invitation_mails_are_carried_over(database_url, tmp_path):
    """Existing enrolments keep showing their account's name; existing invitations find
    the mail that carried them, which gets its kind."""
    before, after = "58ab37d5d941", "6ed0debb6425"
    with scratch_database(database_url, tmp_path) as url:
        config = alembic_config(url)
        command.upgrade(config, before)
        engine = make_engine(url)
        queued = datetime(2026, 3, 1, 9, tzinfo=UTC)
        sent = datetime(2026, 3, 1, 9, 0, 1, tzinfo=UTC)
        try:
            with engine.begin() as connection:
                insert_rows(
                    connection,
                    "organisation",
                    [{"id": 1, "name": "Värnamo", "kind": "municipality", "created_at": queued}],
                )
                insert_rows(
                    connection,
                    "user",
                    [
                        {
                            "id": 1,
                            "email": "Åsa@Example.se",
                            "email_normalized": "åsa@example.se",
                            "name": "Åsa Ödegård",
                            "certificate_name": "Åsa Ödegård",
                            "locale": "sv",
                            "session_version": 1,
                            "is_admin": False,
                            "created_at": queued,
                        }
                    ],
                )
                insert_rows(
                    connection,
                    "cohort",
                    [
                        {
                            "id": 1,
                            "organisation_id": 1,
                            "course_slug": "safer-places",
                            "name": "Torpa",
                            "attendance_required": False,
                            "required_sessions": 0,
                            "assignments_need_approval": False,
                            "created_at": queued,
                        }
                    ],
                )
                insert_rows(
                    connection,
                    "enrolment",
                    [
                        {
                            "id": 1,
                            "cohort_id": 1,
                            "user_id": 1,
                            "role": "police",
                            "employer": "",
                            "status": "invited",
                            "created_at": queued,
                        }
                    ],
                )
                insert_rows(
                    connection,
                    "outbox_mail",
                    [
                        {
                            "id": n,
                            "to_address": address,
                            "subject": "Inbjudan",
                            "body_text": "...",
                            "status": "queued",
                            "attempts": 0,
                            "next_attempt_at": queued,
                            "last_error": "",
                            "created_at": queued,
                        }
                        for n, address in ((1, "someone.else@example.se"), (2, "Åsa@Example.se"))
                    ],
                )
                insert_rows(
                    connection,
                    "invitation",
                    [
                        {
                            "id": 1,
                            "token_hash": "a" * 64,
                            "purpose": "enrolment",
                            "email": "Åsa@Example.se",
                            "locale": "sv",
                            "enrolment_id": 1,
                            "organisation_id": 1,
                            "created_at": queued,
                            "expires_at": queued,
                            "sent_at": sent,
                        }
                    ],
                )

            command.upgrade(config, after)
            with engine.connect() as connection:
                assert connection.scalar(text("SELECT invited_name FROM enrolment")) == (
                    "Åsa Ödegård"
                )
                assert connection.scalar(text("SELECT mail_id FROM invitation")) == 2
                kinds = dict(connection.execute(text("SELECT id, kind FROM outbox_mail")).all())
                assert kinds == {1: "", 2: "invitation"}
            command.downgrade(config, before)
        finally:
            engine.dispose()


def test_partners_and_viewers_arrive_and_leave_without_touching_other_rows(database_url, tmp_path):
    """The upgrade adds the two tables and lets an invitation be for a viewer; the
    downgrade removes them with the viewer invitations and keeps every other invitation."""
    before, after = "6ed0debb6425", "b3c1e5a7d9f2"
    with scratch_database(database_url, tmp_path) as url:
        config = alembic_config(url)
        command.upgrade(config, before)
        engine = make_engine(url)
        now = datetime(2026, 3, 1, 9, tzinfo=UTC)
        invitation = {
            "token_hash": "a" * 64,
            "purpose": "organizer",
            "email": "org@example.se",
            "locale": "sv",
            "organisation_id": 1,
            "created_at": now,
            "expires_at": now,
        }
        try:
            with engine.begin() as connection:
                insert_rows(
                    connection,
                    "organisation",
                    [
                        {"id": n, "name": name, "kind": "municipality", "created_at": now}
                        for n, name in ((1, "Vänersborg"), (2, "Polisen Fyrbodal"))
                    ],
                )
                insert_rows(
                    connection,
                    "place",
                    [
                        {
                            "id": 1,
                            "organisation_id": 1,
                            "name": "Torget",
                            "description": "",
                            "created_at": now,
                        }
                    ],
                )
                insert_rows(connection, "invitation", [{"id": 1, **invitation}])

            command.upgrade(config, after)
            with engine.begin() as connection:
                insert_rows(
                    connection,
                    "invitation",
                    [{"id": 2, **invitation, "token_hash": "b" * 64, "purpose": "viewer"}],
                )
                insert_rows(
                    connection,
                    "place_partner",
                    [{"place_id": 1, "organisation_id": 2, "created_at": now}],
                )
            with pytest.raises(Exception, match=r"(?i)unique"), engine.begin() as connection:
                insert_rows(
                    connection,
                    "place_partner",
                    [{"place_id": 1, "organisation_id": 2, "created_at": now}],
                )

            command.downgrade(config, before)
            with engine.connect() as connection:
                kept = connection.execute(text("SELECT id, purpose FROM invitation")).all()
                assert [tuple(row) for row in kept] == [(1, "organizer")]
                assert connection.scalar(text("SELECT count(*) FROM place")) == 1
            with (
                pytest.raises(Exception, match=r"(?i)check|constraint"),
                engine.begin() as connection,
            ):
                insert_rows(
                    connection,
                    "invitation",
                    [{"id": 3, **invitation, "token_hash": "c" * 64, "purpose": "viewer"}],
                )
        finally:
            engine.dispose()


def test_plans_and_measures_arrive_and_leave_without_touching_other_rows(database_url, tmp_path):
    """The upgrade adds the plan tables beside existing places and findings; a due-date
    mail is unique per measure, kind and date; the downgrade drops the tables and keeps
    every place."""
    before, after = "b3c1e5a7d9f2", "c4d2f6a8b0e1"
    with scratch_database(database_url, tmp_path) as url:
        config = alembic_config(url)
        command.upgrade(config, before)
        engine = make_engine(url)
        now = datetime(2026, 3, 1, 9, tzinfo=UTC)
        try:
            with engine.begin() as connection:
                insert_rows(
                    connection,
                    "organisation",
                    [{"id": 1, "name": "Vänersborg", "kind": "municipality", "created_at": now}],
                )
                insert_rows(
                    connection,
                    "place",
                    [
                        {
                            "id": 1,
                            "organisation_id": 1,
                            "name": "Torget",
                            "description": "",
                            "created_at": now,
                        }
                    ],
                )

            command.upgrade(config, after)
            with engine.begin() as connection:
                insert_rows(
                    connection,
                    "plan",
                    [
                        {
                            "id": 1,
                            "organisation_id": 1,
                            "title": "Åtgärdsplan 2027-2028",
                            "kind": "action_plan",
                            "starts_on": date(2027, 1, 1),
                            "ends_on": date(2028, 12, 31),
                            "description": "",
                            "created_at": now,
                            "updated_at": now,
                        }
                    ],
                )
                insert_rows(connection, "plan_place", [{"plan_id": 1, "place_id": 1}])
                insert_rows(
                    connection,
                    "measure",
                    [
                        {
                            "id": 1,
                            "plan_id": 1,
                            "place_id": 1,
                            "title": "Belysning",
                            "description": "",
                            "responsible_id": 1,
                            "contact": "",
                            "expected_effect": "",
                            "indicator": "",
                            "status": "proposed",
                            "dropped_reason": "",
                            "created_at": now,
                            "updated_at": now,
                        }
                    ],
                )
                reminder = {"measure_id": 1, "kind": "overdue", "due_on": date(2027, 5, 1)}
                insert_rows(connection, "measure_reminder", [{**reminder, "sent_at": now}])
            with pytest.raises(Exception, match=r"(?i)unique"), engine.begin() as connection:
                insert_rows(connection, "measure_reminder", [{**reminder, "sent_at": now}])

            command.downgrade(config, before)
            with engine.connect() as connection:
                assert connection.scalar(text("SELECT count(*) FROM place")) == 1
                tables = set(inspect(connection).get_table_names())
                assert not tables & {"plan", "measure", "measure_reminder", "plan_place"}
        finally:
            engine.dispose()


def test_live_sessions_keep_their_times_and_get_a_first_version(database_url, tmp_path):
    """An existing live session arrives at sequence 0, changed when it was made, not
    cancelled; the downgrade drops the columns and the notification tables, and keeps it."""
    before, after = "a7c3e9f1b5d2", "58269fc5d7e4"
    with scratch_database(database_url, tmp_path) as url:
        config = alembic_config(url)
        command.upgrade(config, before)
        engine = make_engine(url)
        made = datetime(2026, 3, 1, 9, tzinfo=UTC)
        try:
            with engine.begin() as connection:
                insert_rows(
                    connection,
                    "organisation",
                    [{"id": 1, "name": "Vänersborg", "kind": "municipality", "created_at": made}],
                )
                connection.execute(
                    text(
                        "INSERT INTO cohort (id, organisation_id, course_slug, name,"
                        " attendance_required, required_sessions, assignments_need_approval,"
                        " evaluate_each_part, created_at)"
                        " VALUES (1, 1, 'safer-places', 'Våren', false, 0, false, false, :at)"
                    ),
                    {"at": made},
                )
                insert_rows(
                    connection,
                    "live_session",
                    [
                        {
                            "id": 1,
                            "cohort_id": 1,
                            "title": "Trygghetsvandring",
                            "starts_at": made,
                            "ends_at": made,
                            "location": "",
                            "video_url": "",
                            "created_at": made,
                        }
                    ],
                )
            command.upgrade(config, after)
            live = Table("live_session", MetaData(), autoload_with=engine)
            with engine.connect() as connection:
                row = connection.execute(select(live)).one()
                same = text("SELECT count(*) FROM live_session WHERE changed_at = created_at")
                assert connection.scalar(same) == 1
            assert row.sequence == 0 and row.cancelled_at is None
            command.downgrade(config, before)
            with engine.connect() as connection:
                assert connection.scalar(text("SELECT count(*) FROM live_session")) == 1
            tables = inspect(engine).get_table_names()
            assert "notification" not in tables and "notification_opt_out" not in tables
        finally:
            engine.dispose()


def test_certificates_get_status_places_and_identity_hashes(database_url, tmp_path):
    """Every existing certificate gets a distinct status index in the first list; one
    already revoked or superseded gets the time its bit was set; one with its name kept
    gets the identity hash of the name as printed (NFC, single spaces), one erased none.
    The downgrade drops the three columns and keeps the certificates."""
    before, after = "58269fc5d7e4", "553d6a04001e"
    issued, replaced, revoked = (datetime(2026, 3, day, 9, tzinfo=UTC) for day in (1, 8, 9))
    typed = unicodedata.normalize("NFD", "Åsa  Ödegård")  # decomposed, two spaces
    rows = {
        "valid": {"certificate_name": typed, "status": "valid", "issued_at": replaced},
        "superseded": {"certificate_name": "Åsa Odegard", "status": "superseded"},
        "revoked": {"certificate_name": "Øystein Ærø", "status": "revoked", "revoked_at": revoked},
        "erased": {"certificate_name": None, "status": "valid"},
    }
    with scratch_database(database_url, tmp_path) as url:
        config = alembic_config(url)
        command.upgrade(config, before)
        engine = make_engine(url)
        try:
            with engine.begin() as connection:
                insert_rows(
                    connection,
                    "certificate",
                    [
                        {
                            "id": n,
                            "code": f"CODE{n:016d}",
                            "holder_initials": "Å. Ö.",
                            "name_salt": f"salt{n}",
                            "name_hash": "0" * 64,
                            "locale": "sv",
                            "course_slug": "safer-places",
                            "content_version": "v1",
                            "organisation_name": "Vänersborg",
                            "cohort_name": "Våren",
                            "place_name": "",
                            "part_completed_on": {},
                            "issued_at": issued,
                            "revoked_reason": "",
                            "revoked_at": None,
                            "superseded_by_id": 1 if kind == "superseded" else None,
                            **values,
                        }
                        for n, (kind, values) in enumerate(rows.items(), start=1)
                    ],
                )
            command.upgrade(config, after)
            certificate = Table("certificate", MetaData(), autoload_with=engine)
            with engine.connect() as connection:
                found = {
                    row.id: row
                    for row in connection.execute(select(certificate).order_by(certificate.c.id))
                }
            valid, superseded, revoked_row, erased = (found[n] for n in (1, 2, 3, 4))
            indexes = [row.status_index for row in found.values()]
            assert len(set(indexes)) == 4 and all(0 <= i < 131_072 for i in indexes)
            assert valid.status_changed_at is None and erased.status_changed_at is None

            # SQLite gives the stored UTC back without its zone.
            def aware(moment: datetime) -> datetime:
                return moment if moment.tzinfo else moment.replace(tzinfo=UTC)

            assert aware(superseded.status_changed_at) == replaced
            assert aware(revoked_row.status_changed_at) == revoked
            printed = unicodedata.normalize("NFC", "Åsa Ödegård")
            assert valid.identity_hash == hashlib.sha256((printed + "salt1").encode()).hexdigest()
            assert revoked_row.identity_hash == (
                hashlib.sha256(("Øystein Ærø" + "salt3").encode()).hexdigest()
            )
            assert erased.identity_hash is None
            unique = inspect(engine).get_unique_constraints("certificate")
            assert ["status_index"] in [constraint["column_names"] for constraint in unique]

            command.downgrade(config, before)
            columns = {column["name"] for column in inspect(engine).get_columns("certificate")}
            assert not {"status_index", "status_changed_at", "identity_hash"} & columns
            with engine.connect() as connection:
                assert connection.scalar(text("SELECT count(*) FROM certificate")) == 4
        finally:
            engine.dispose()


def insert_round(connection, now) -> None:
    """Round 1 of organisation 1, with the columns every revision since walk summaries has."""
    insert_rows(
        connection,
        "cohort",
        [
            {
                "id": 1,
                "organisation_id": 1,
                "course_slug": "safer-places",
                "name": "Våren",
                "attendance_required": False,
                "required_sessions": 0,
                "assignments_need_approval": False,
                "evaluate_each_part": False,
                "created_at": now,
            }
        ],
    )


def test_walk_summaries_are_counted_from_the_findings_there_are(database_url, tmp_path):
    """The upgrade fills ``walk_summary`` from the existing findings, as the application
    counts them; the downgrade drops it and leaves the findings."""
    before, after = "85b0d7028eeb", "b7d4e2a9c6f1"
    with scratch_database(database_url, tmp_path) as url:
        config = alembic_config(url)
        command.upgrade(config, before)
        engine = make_engine(url)
        now = datetime(2027, 3, 10, 18, tzinfo=UTC)
        finding = {
            "place_id": 1,
            "cohort_id": 1,
            "part_slug": "safe-urban-planning",
            "position": 0,
            "spot": "Cykelstället",
            "category": "lighting",
            "observation": "",
            "suggestion": "",
            "severity": "high",
            "status": "new",
            "same_as_id": None,
        }
        try:
            with engine.begin() as connection:
                insert_rows(
                    connection,
                    "organisation",
                    [{"id": 1, "name": "Vänersborg", "kind": "municipality", "created_at": now}],
                )
                insert_rows(
                    connection,
                    "place",
                    [
                        {
                            "id": 1,
                            "organisation_id": 1,
                            "name": "Torget",
                            "description": "",
                            "created_at": now,
                        }
                    ],
                )
                insert_round(connection, now)
                insert_rows(
                    connection,
                    "finding",
                    [
                        {**finding, "id": 1, "created_at": now},
                        {**finding, "id": 2, "created_at": now + timedelta(days=1)},
                        {**finding, "id": 3, "severity": None, "same_as_id": 1, "created_at": now},
                        {**finding, "id": 4, "place_id": None, "created_at": now},
                    ],
                )
            command.upgrade(config, after)
            with engine.connect() as connection:
                rows = connection.execute(
                    text("SELECT place_id, cohort_id, first_at, last_at, counts FROM walk_summary")
                ).all()
            assert len(rows) == 1
            place_id, cohort_id, first_at, last_at, counts = rows[0]
            assert (place_id, cohort_id) == (1, 1)
            counts = json.loads(counts) if isinstance(counts, str) else counts
            assert sorted(counts, key=str) == sorted(
                [["lighting", "high", 2, 0], ["lighting", None, 1, 1]], key=str
            )
            assert str(first_at).startswith("2027-03-10") and str(last_at).startswith("2027-03-11")
            command.downgrade(config, before)
            with engine.connect() as connection:
                assert connection.scalar(text("SELECT count(*) FROM finding")) == 4
                assert "walk_summary" not in inspect(connection).get_table_names()
        finally:
            engine.dispose()


def test_sort_names_are_filled_and_kept_after_the_upgrade(database_url, tmp_path):
    """The upgrade fills ``enrolment.sort_name`` from the names organizers see and installs
    the triggers that keep it (and any later migration that rebuilds the table must keep
    them: this test runs to the head); the downgrade removes both."""
    before = "35210da923cc"  # the upgrade is 3582beb62255
    with scratch_database(database_url, tmp_path) as url:
        config = alembic_config(url)
        command.upgrade(config, before)
        engine = make_engine(url)
        now = datetime(2027, 3, 10, 18, tzinfo=UTC)
        try:
            with engine.begin() as connection:
                insert_rows(
                    connection,
                    "organisation",
                    [{"id": 1, "name": "Vänersborg", "kind": "municipality", "created_at": now}],
                )
                insert_round(connection, now)
                person = {
                    "certificate_name": "",
                    "locale": "sv",
                    "session_version": 1,
                    "is_admin": False,
                    "created_at": now,
                }
                insert_rows(
                    connection,
                    "user",
                    [
                        {
                            **person,
                            "id": n,
                            "email": f"p{n}@example.org",
                            "email_normalized": f"p{n}@example.org",
                            "name": name,
                        }
                        for n, name in ((1, "Åsa Öberg"), (2, "Bo Ek"), (3, "Cilla Berg"))
                    ],
                )
                enrolment = {
                    "cohort_id": 1,
                    "role": "official",
                    "employer": "",
                    "status": "invited",
                    "created_at": now,
                    "accepted_at": None,
                }
                insert_rows(
                    connection,
                    "enrolment",
                    [
                        # Joined: the account's name; invited: the name given, if any.
                        {**enrolment, "id": 1, "user_id": 1, "invited_name": "ÅSA",
                         "status": "active", "accepted_at": now},
                        {**enrolment, "id": 2, "user_id": 2, "invited_name": "Bosse EK"},
                        {**enrolment, "id": 3, "user_id": 3, "invited_name": ""},
                    ],
                )  # fmt: skip
            command.upgrade(config, "head")
            with engine.begin() as connection:
                kept = dict(connection.execute(text("SELECT id, sort_name FROM enrolment")).all())
                assert kept[2] == "bosse ek" and kept[3] == "cilla berg"
                # The account's name (SQLite's lower() leaves Å and Ö as they are).
                assert kept[1] in (
                    "Åsa Öberg".lower(),
                    "Åsa Öberg".lower().replace("å", "Å").replace("ö", "Ö"),
                )
                # The triggers: a rename and an acceptance.
                connection.execute(text("UPDATE \"user\" SET name = 'Cecilia Berg' WHERE id = 3"))
                connection.execute(
                    text("UPDATE enrolment SET status = 'active', accepted_at = :now WHERE id = 2"),
                    {"now": now},
                )
                kept = dict(connection.execute(text("SELECT id, sort_name FROM enrolment")).all())
                assert kept[3] == "cecilia berg" and kept[2] == "bo ek"
            command.downgrade(config, before)
            with engine.connect() as connection:
                columns = inspect(connection).get_columns("enrolment")
                assert "sort_name" not in {column["name"] for column in columns}
                connection.execute(text("UPDATE \"user\" SET name = 'Cilla' WHERE id = 3"))
        finally:
            engine.dispose()
