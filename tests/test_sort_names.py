"""``enrolment.sort_name``, kept by the database's triggers (``academy/models/sort_names``),
always equals the database's ``lower()`` of the name organizers see, whatever writes the
enrolment or the person: the unit of work, bulk and Core statements, a rename, an
acceptance, a withdrawal. On both backends; the migration that adds it in
tests/test_migrations.py."""

from __future__ import annotations

from datetime import UTC, datetime

from sqlalchemy import func, insert, select, update

from academy.models import AudienceRole, Enrolment, EnrolmentStatus, User
from academy.services.enrolments import _JOINED_STATUSES, shown_name_column
from academy.services.roster import RosterFilters, roster_page
from tests.factories import make_cohort, make_enrolment, make_user


def stale(db) -> list[tuple]:
    """Enrolments whose kept name is not the shown name in lower case, as the database
    computes it."""
    db.expire_all()
    return db.execute(
        select(Enrolment.id, Enrolment.sort_name, func.lower(shown_name_column()))
        .join(User, User.id == Enrolment.user_id)
        .where(Enrolment.sort_name != func.lower(shown_name_column()))
    ).all()


def test_the_triggers_know_the_joined_statuses():
    assert {status.value for status in _JOINED_STATUSES} == {"active", "completed"}


def test_every_write_keeps_the_sort_name(db):
    cohort = make_cohort(db)
    known = make_user(db, name="Öberg, Åsa")
    # Invited under the name the organizer typed; the account's own once joined.
    invited = make_enrolment(db, cohort, known, invited_name="ZETTERBERG Åsa")
    other = make_enrolment(db, cohort, make_user(db, name="Bo Ek"), invited_name="")
    db.flush()
    assert stale(db) == []
    assert db.get(Enrolment, invited.id).sort_name.startswith("zetterberg ")
    assert db.get(Enrolment, other.id).sort_name == "bo ek"

    invited.status = EnrolmentStatus.ACTIVE
    invited.accepted_at = datetime(2026, 3, 2, tzinfo=UTC)
    db.flush()
    assert stale(db) == []
    # The account's own name now ("Öberg, Åsa"; SQLite's lower() leaves Ö and Å).
    assert "berg, " in db.get(Enrolment, invited.id).sort_name

    known.name = "Ærø Lind"
    db.flush()
    assert stale(db) == []
    other.invited_name = "Anna"
    db.flush()
    assert stale(db) == []

    # Bulk and Core statements.
    withdrawn = update(Enrolment).where(Enrolment.id == invited.id)
    db.execute(withdrawn.values(status=EnrolmentStatus.WITHDRAWN, accepted_at=None))
    db.execute(update(User).where(User.id == other.user_id).values(name="Cecilia Berg"))
    people = [make_user(db, name=f"Bulk {n}") for n in range(3)]
    db.execute(
        insert(Enrolment.__table__),
        [
            {
                "cohort_id": cohort.id,
                "user_id": person.id,
                "role": AudienceRole.OTHER.value,
                "status": EnrolmentStatus.INVITED.value,
                "invited_name": f"Given {n}" if n else "",
                "employer": "",
                "created_at": datetime(2026, 3, 1, tzinfo=UTC),
            }
            for n, person in enumerate(people)
        ],
    )
    assert stale(db) == []
    names = db.scalars(
        select(Enrolment.sort_name).where(Enrolment.cohort_id == cohort.id).order_by(Enrolment.id)
    ).all()
    assert names[2:] == ["bulk 0", "given 1", "given 2"]


def test_the_round_page_lists_by_the_kept_name(db):
    cohort = make_cohort(db)
    for name in ("Cecilia", "anna", "Bo", "ÅSA"):
        make_enrolment(db, cohort, make_user(db, name=name), invited_name=name)
    db.flush()
    page = roster_page(db, cohort, RosterFilters(), None)
    # Code point order of the lower-cased names: Å after Z.
    assert [row.name for row in page.rows][:3] == ["anna", "Bo", "Cecilia"]
    assert page.rows[3].name == "ÅSA"
