"""Keeping ``WalkSummary`` (a place's walks in figures) in step with the findings.

The comparison of walks reads a row per walk instead of counting thousands of findings
on every view; the cost moves to the writes, which are few (a submitted walk, an
organizer marking a finding the same as an earlier one). A place's rows are rebuilt from
its findings, never adjusted, so they cannot drift:

- after every flush that adds, deletes or changes a finding in a counted column (the
  unit of work: submissions, resubmissions, marks, and the database's own SET NULL when a
  problem's first finding goes, which a flush of that deletion sees);
- after every bulk INSERT, UPDATE or DELETE of findings run through a session (the
  places named in an inserted row, those a statement names with the execution option
  ``walk_summary_places``, else every place with findings).

Both run in the writer's transaction. The place rows are locked first, so that two
writers of one place's findings (on PostgreSQL) rebuild one after the other rather than
both deleting the old rows and each inserting their own.
"""

from __future__ import annotations

from collections.abc import Iterable
from itertools import chain
from typing import Any

from sqlalchemy import Connection, bindparam, delete, event, func, insert, inspect, select
from sqlalchemy.orm import ORMExecuteState, Session, UOWTransaction

from ...models import Finding, Place, WalkSummary

# Where a bulk statement says which places it writes findings of.
PLACES_OPTION = "walk_summary_places"
# The columns a summary counts by; a change of any other (a status, a text) leaves the
# figures as they are.
_COUNTED = ("place_id", "cohort_id", "category", "severity", "same_as_id", "created_at")

_TALLY = (
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
    .where(Finding.place_id.in_(bindparam("place_ids", expanding=True)))
    .group_by(Finding.place_id, Finding.cohort_id, Finding.category, Finding.severity)
)


def refresh_walk_summaries(connection: Connection, place_ids: Iterable[int | None]) -> None:
    """Rebuild the summaries of these places from their findings."""
    ids = sorted({place_id for place_id in place_ids if place_id is not None})
    if not ids:
        return
    # FOR UPDATE on PostgreSQL; SQLite writes one at a time anyway.
    connection.execute(select(Place.id).where(Place.id.in_(ids)).with_for_update())
    connection.execute(delete(WalkSummary).where(WalkSummary.place_id.in_(ids)))
    walks: dict[tuple[int, int], dict[str, Any]] = {}
    for (
        place_id,
        cohort_id,
        category,
        severity,
        found,
        marked,
        first_at,
        last_at,
    ) in connection.execute(_TALLY, {"place_ids": ids}).all():
        walk = walks.get((place_id, cohort_id))
        if walk is None:
            walk = walks[(place_id, cohort_id)] = {
                "place_id": place_id,
                "cohort_id": cohort_id,
                "first_at": first_at,
                "last_at": last_at,
                "counts": [],
            }
        walk["first_at"] = min(walk["first_at"], first_at)
        walk["last_at"] = max(walk["last_at"], last_at)
        walk["counts"].append(
            [category.value, severity.value if severity is not None else None, found, marked]
        )
    if walks:
        connection.execute(insert(WalkSummary), list(walks.values()))


def refresh_all_walk_summaries(connection: Connection) -> None:
    """Rebuild every place's summaries (after a bulk statement that names no places)."""
    places = connection.execute(select(Finding.place_id).distinct()).scalars().all()
    summarised = connection.execute(select(WalkSummary.place_id).distinct()).scalars().all()
    refresh_walk_summaries(connection, chain(places, summarised))


@event.listens_for(Session, "after_flush")
def _after_flush(session: Session, _context: UOWTransaction) -> None:
    places: set[int | None] = set()
    for finding in chain(session.new, session.dirty, session.deleted):
        if not isinstance(finding, Finding):
            continue
        state = inspect(finding)
        if finding in session.dirty and not any(
            state.attrs[name].history.has_changes() for name in _COUNTED
        ):
            continue
        places.add(finding.place_id)
        # A finding moved to another place leaves its old place's figures too.
        places.update(state.attrs.place_id.history.deleted or ())
    if places - {None}:
        refresh_walk_summaries(session.connection(), places)


@event.listens_for(Session, "do_orm_execute")
def _after_bulk_statement(state: ORMExecuteState):
    if not (state.is_insert or state.is_update or state.is_delete):
        return None
    if not any(mapper.class_ is Finding for mapper in state.all_mappers):
        return None
    # Rows it returns (RETURNING) stay readable after the rebuild's statements: both
    # drivers' cursors hold their rows on the client.
    result = state.invoke_statement()
    named = state.execution_options.get(PLACES_OPTION)
    rows = state.parameters if isinstance(state.parameters, list) else [state.parameters or {}]
    connection = state.session.connection()
    if named is not None:
        refresh_walk_summaries(connection, named)
    elif state.is_insert and rows and all("place_id" in row for row in rows):
        refresh_walk_summaries(connection, (row["place_id"] for row in rows))
    else:
        refresh_all_walk_summaries(connection)
    return result
