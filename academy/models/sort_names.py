"""``enrolment.sort_name``, kept by the database: the name organizers see, in lower case.

The round page and the report list a round's participants by the name organizers see
(``services.enrolments.shown_name``: the person's own name once they have joined, before
that the name the organizer gave), without regard to case. Computed in the query, that
order made every page sort all of the round: on SQLite, 2.9 ms of the round page's 10
for a round of 10,000, whichever page. Kept in a column with an index on (round, name),
a page is read from the index in its order.

Triggers keep it, so that every writer does (the unit of work, bulk statements,
imports, Core statements, a migration): when an enrolment is inserted or its
``accepted_at``, ``status``, ``invited_name`` or ``user_id`` change, and when a person's
``name`` changes. The value is the database's own ``lower()`` of the shown name, as the
order was before (code point order: ``COLLATE "C"`` on PostgreSQL, where the column has
that collation; SQLite's ``lower()`` folds A-Z only). The migration that added the
column installs the same triggers; ``create_all`` (the tests) installs these.
"""

from __future__ import annotations

from sqlalchemy import DDL, event

from .base import Base

# The shown name is services.enrolments.shown_name_column, the joined statuses those of
# services.enrolments._JOINED_STATUSES (tests/test_sort_names.py holds them to it).
SQLITE = [
    """CREATE TRIGGER IF NOT EXISTS enrolment_sort_name_insert AFTER INSERT ON enrolment
BEGIN
  UPDATE enrolment SET sort_name = lower(CASE
    WHEN NEW.accepted_at IS NOT NULL OR NEW.status IN ('active', 'completed')
      OR NEW.invited_name = '' THEN (SELECT name FROM "user" WHERE id = NEW.user_id)
    ELSE NEW.invited_name END)
  WHERE id = NEW.id;
END""",
    """CREATE TRIGGER IF NOT EXISTS enrolment_sort_name_update
AFTER UPDATE OF accepted_at, status, invited_name, user_id ON enrolment
BEGIN
  UPDATE enrolment SET sort_name = lower(CASE
    WHEN NEW.accepted_at IS NOT NULL OR NEW.status IN ('active', 'completed')
      OR NEW.invited_name = '' THEN (SELECT name FROM "user" WHERE id = NEW.user_id)
    ELSE NEW.invited_name END)
  WHERE id = NEW.id;
END""",
    """CREATE TRIGGER IF NOT EXISTS user_sort_name AFTER UPDATE OF name ON "user"
BEGIN
  UPDATE enrolment SET sort_name = lower(CASE
    WHEN accepted_at IS NOT NULL OR status IN ('active', 'completed')
      OR invited_name = '' THEN NEW.name
    ELSE invited_name END)
  WHERE user_id = NEW.id;
END""",
]

POSTGRESQL = [
    """CREATE OR REPLACE FUNCTION enrolment_sort_name() RETURNS trigger AS $$
BEGIN
  NEW.sort_name := lower(CASE
    WHEN NEW.accepted_at IS NOT NULL OR NEW.status IN ('active', 'completed')
      OR NEW.invited_name = '' THEN (SELECT name FROM "user" WHERE id = NEW.user_id)
    ELSE NEW.invited_name END);
  RETURN NEW;
END $$ LANGUAGE plpgsql""",
    """CREATE OR REPLACE TRIGGER enrolment_sort_name
BEFORE INSERT OR UPDATE OF accepted_at, status, invited_name, user_id ON enrolment
FOR EACH ROW EXECUTE FUNCTION enrolment_sort_name()""",
    """CREATE OR REPLACE FUNCTION user_sort_name() RETURNS trigger AS $$
BEGIN
  UPDATE enrolment SET sort_name = lower(CASE
    WHEN accepted_at IS NOT NULL OR status IN ('active', 'completed')
      OR invited_name = '' THEN NEW.name
    ELSE invited_name END)
  WHERE user_id = NEW.id;
  RETURN NULL;
END $$ LANGUAGE plpgsql""",
    """CREATE OR REPLACE TRIGGER user_sort_name AFTER UPDATE OF name ON "user"
FOR EACH ROW WHEN (OLD.name IS DISTINCT FROM NEW.name) EXECUTE FUNCTION user_sort_name()""",
]

for _statement in SQLITE:
    event.listen(Base.metadata, "after_create", DDL(_statement).execute_if(dialect="sqlite"))
for _statement in POSTGRESQL:
    event.listen(Base.metadata, "after_create", DDL(_statement).execute_if(dialect="postgresql"))
