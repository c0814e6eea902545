"""enrolment sort name

``enrolment.sort_name``: the name organizers see (the person's own once they have joined
the round, before that the name the organizer gave), in lower case, for the order of the
round page and the report, with an index on (round, sort name, id) so that a page is read
from the index instead of sorting the whole round. Triggers keep it on both backends
(``academy/models/sort_names.py`` holds the same statements for ``create_all``): when an
enrolment is inserted or its ``accepted_at``, ``status``, ``invited_name`` or
``user_id`` change, and when a person's name changes. Filled here for the enrolments
there are. A second index, on (round, withdrawn, sort name, id), serves the round page,
which lists the withdrawn last. The downgrade drops the triggers, the indexes and the
column.

Revision ID: 3582beb62255
Revises: 35210da923cc
Create Date: 2026-12-07 23:00:00
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "3582beb62255"
down_revision: str | None = "35210da923cc"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

_FILL = """UPDATE enrolment SET sort_name = lower(CASE
    WHEN accepted_at IS NOT NULL OR status IN ('active', 'completed') OR invited_name = ''
    THEN (SELECT name FROM "user" WHERE "user".id = enrolment.user_id)
    ELSE invited_name END)"""

_SQLITE = [
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

_POSTGRESQL = [
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


def upgrade() -> None:
    postgresql = op.get_bind().dialect.name == "postgresql"
    column_type = sa.String(collation="C") if postgresql else sa.String()
    with op.batch_alter_table("enrolment", schema=None) as batch_op:
        batch_op.add_column(sa.Column("sort_name", column_type, server_default="", nullable=False))
    op.execute(_FILL)
    with op.batch_alter_table("enrolment", schema=None) as batch_op:
        batch_op.create_index(
            batch_op.f("ix_enrolment_cohort_id_sort_name_id"),
            ["cohort_id", "sort_name", "id"],
            unique=False,
        )
    # The round page's order, the withdrawn last.
    op.create_index(
        "ix_enrolment_roster_order",
        "enrolment",
        ["cohort_id", sa.text("(status = 'withdrawn')"), "sort_name", "id"],
        unique=False,
    )
    for statement in _POSTGRESQL if postgresql else _SQLITE:
        op.execute(statement)


def downgrade() -> None:
    if op.get_bind().dialect.name == "postgresql":
        op.execute('DROP TRIGGER IF EXISTS user_sort_name ON "user"')
        op.execute("DROP TRIGGER IF EXISTS enrolment_sort_name ON enrolment")
        op.execute("DROP FUNCTION IF EXISTS user_sort_name()")
        op.execute("DROP FUNCTION IF EXISTS enrolment_sort_name()")
    else:
        for name in ("user_sort_name", "enrolment_sort_name_update", "enrolment_sort_name_insert"):
            op.execute(f"DROP TRIGGER IF EXISTS {name}")
    op.drop_index("ix_enrolment_roster_order", table_name="enrolment")
    with op.batch_alter_table("enrolment", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_enrolment_cohort_id_sort_name_id"))
        batch_op.drop_column("sort_name")
