"""The walks in figures (``WalkSummary``) stay equal to a count of the findings, whatever
writes them: the unit of work, bulk statements, marks, deletions and the database's SET
NULL. On both backends."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest
from sqlalchemy import delete, func, insert, select, update

from academy.models import (
    Finding,
    FindingCategory,
    FindingSeverity,
    FindingStatus,
    WalkSummary,
)
from academy.services import places
from tests.factories import make_cohort
from tests.test_walks import Walked


def counted(db) -> dict:
    """The figures as a fresh count of the findings would give them."""
    rows = db.execute(
        select(
            Finding.place_id,
            Finding.cohort_id,
            Finding.category,
            Finding.severity,
            func.count(),
            func.count(Finding.same_as_id),
            func.min(Finding.created_at),
            func.max(Finding.created_at),
        )
        .where(Finding.place_id.is_not(None))
        .group_by(Finding.place_id, Finding.cohort_id, Finding.category, Finding.severity)
    ).all()
    walks: dict = {}
    for place, cohort, category, severity, found, marked, first, last in rows:
        walk = walks.setdefault((place, cohort), [first, last, set()])
        walk[0], walk[1] = min(walk[0], first), max(walk[1], last)
        walk[2].add((category.value, severity.value if severity else None, found, marked))
    return walks


def stored(db) -> dict:
    db.expire_all()
    return {
        (row.place_id, row.cohort_id): [
            row.first_at,
            row.last_at,
            {tuple(entry) for entry in row.counts},
        ]
        for row in db.scalars(select(WalkSummary))
    }


@pytest.fixture
def walked(db):
    return Walked(db)


def test_findings_written_one_by_one_are_summarised(db, walked):
    assert stored(db) == counted(db)
    assert len(stored(db)) == 3  # three rounds walked the square


def test_marks_moves_edits_and_deletions_keep_the_figures(db, walked):
    walked.mark(walked.dark_again, walked.dark)
    # A follower of the second walk's bike stand moves to the first when it is marked.
    walked.mark(walked.dark_autumn, walked.dark_again)
    assert stored(db) == counted(db)
    places.clear_same_as(db, walked.square, walked.dark_autumn, changed_by_id=walked.organizer.id)
    assert stored(db) == counted(db)

    walked.corner.category = FindingCategory.VEGETATION
    walked.litter.place_id = walked.elsewhere.id  # moved: both places change
    db.flush()
    assert stored(db) == counted(db)
    assert {place for place, _cohort in stored(db)} == {walked.square.id, walked.elsewhere.id}

    # The problem's first finding goes: the database sets its followers' mark to NULL,
    # and the marked count with it.
    walked.mark(walked.dark_again, walked.dark)
    db.delete(walked.dark)
    db.flush()
    assert stored(db) == counted(db)
    assert db.get(Finding, walked.dark_again.id).same_as_id is None

    db.delete(walked.hidden)
    db.flush()
    assert stored(db) == counted(db)


def test_a_status_change_leaves_the_figures_alone(db, walked, count_queries):
    before = stored(db)
    with count_queries() as counter:
        places.set_status(db, walked.dark, FindingStatus.DONE, changed_by_id=walked.organizer.id)
        walked.dark.observation = "Nu tänd."
        db.flush()
    assert stored(db) == before == counted(db)
    assert not any("walk_summary" in statement for statement in counter.statements)


def test_bulk_statements_are_summarised(db, walked):
    later = make_cohort(db, walked.owner, name="Nästa år")
    db.execute(
        insert(Finding),
        [
            {
                "place_id": walked.square.id,
                "cohort_id": later.id,
                "part_slug": "safe-design",
                "spot": f"Plats {n}",
                "category": FindingCategory.SIGNAGE,
                "severity": FindingSeverity.LOW,
                "created_at": datetime(2028, 3, 1 + n, tzinfo=UTC),
            }
            for n in range(5)
        ],
    )
    assert stored(db) == counted(db)
    ids = db.scalars(select(Finding.id).where(Finding.cohort_id == later.id)).all()
    db.execute(update(Finding), [{"id": ids[0], "same_as_id": walked.dark.id}])
    assert stored(db) == counted(db)
    db.execute(update(Finding).where(Finding.id == ids[1]).values(category="lighting"))
    assert stored(db) == counted(db)
    db.execute(delete(Finding).where(Finding.cohort_id == later.id))
    assert stored(db) == counted(db)
    assert (walked.square.id, later.id) not in stored(db)
