"""badge status lists and identity hashes

``certificate`` gains what Open Badges verifiers need:

- ``status_index``: the certificate's place in the published status lists (W3C Bitstring
  Status List), unique and drawn at random for every existing certificate: 65,536 to a
  list of 131,072, as ``services/badge_status.py`` hands them out;
- ``status_changed_at``: when its bit was set, for a certificate already revoked (its
  ``revoked_at``) or superseded (the issue time of the certificate that replaced it);
- ``identity_hash``: SHA-256 (hex) of the name as printed (Unicode NFC, single spaces)
  followed by the salt, the specification's identity hash; NULL where the holder's name
  was erased, since it cannot be computed again (such a certificate is no longer
  downloaded as a badge).

The downgrade drops the three columns.

Revision ID: 553d6a04001e
Revises: 58269fc5d7e4
Create Date: 2026-12-07 21:30:00
"""

import hashlib
import secrets
import unicodedata
from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

import academy.models.base

revision: str = "553d6a04001e"
down_revision: str | None = "58269fc5d7e4"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

LIST_SIZE = 131_072
LIST_FILL = LIST_SIZE // 2

certificate = sa.table(
    "certificate",
    sa.column("id", sa.Integer),
    sa.column("certificate_name", sa.String),
    sa.column("name_salt", sa.String),
    sa.column("status", sa.String),
    sa.column("revoked_at", academy.models.base.UTCDateTime(timezone=True)),
    sa.column("issued_at", academy.models.base.UTCDateTime(timezone=True)),
    sa.column("superseded_by_id", sa.Integer),
    sa.column("status_index", sa.Integer),
    sa.column("status_changed_at", academy.models.base.UTCDateTime(timezone=True)),
    sa.column("identity_hash", sa.String),
)


def _identity_hash(name: str, salt: str) -> str:
    printed = unicodedata.normalize("NFC", " ".join(name.split()))
    return hashlib.sha256((printed + salt).encode()).hexdigest()


def _random_indexes(count: int) -> list[int]:
    """``count`` distinct indexes, at random within each list, a list filled to half."""
    draw = secrets.SystemRandom()
    indexes: list[int] = []
    number = 0
    while len(indexes) < count:
        take = min(LIST_FILL, count - len(indexes))
        indexes += [number * LIST_SIZE + i for i in draw.sample(range(LIST_SIZE), take)]
        number += 1
    return indexes


def upgrade() -> None:
    with op.batch_alter_table("certificate", schema=None) as batch_op:
        batch_op.add_column(sa.Column("identity_hash", sa.String(length=64), nullable=True))
        batch_op.add_column(sa.Column("status_index", sa.Integer(), nullable=True))
        batch_op.add_column(
            sa.Column(
                "status_changed_at", academy.models.base.UTCDateTime(timezone=True), nullable=True
            )
        )

    connection = op.get_bind()
    rows = connection.execute(
        sa.select(
            certificate.c.id,
            certificate.c.certificate_name,
            certificate.c.name_salt,
            certificate.c.status,
            certificate.c.revoked_at,
            certificate.c.superseded_by_id,
        ).order_by(certificate.c.id)
    ).all()
    issued = dict(connection.execute(sa.select(certificate.c.id, certificate.c.issued_at)).all())
    for row, index in zip(rows, _random_indexes(len(rows)), strict=True):
        changed_at = None
        if row.status == "revoked":
            changed_at = row.revoked_at
        elif row.status == "superseded":
            changed_at = issued.get(row.superseded_by_id)
        connection.execute(
            certificate.update()
            .where(certificate.c.id == row.id)
            .values(
                status_index=index,
                status_changed_at=changed_at,
                identity_hash=(
                    None
                    if row.certificate_name is None
                    else _identity_hash(row.certificate_name, row.name_salt)
                ),
            )
        )

    with op.batch_alter_table("certificate", schema=None) as batch_op:
        batch_op.alter_column("status_index", existing_type=sa.Integer(), nullable=False)
        batch_op.create_unique_constraint(
            batch_op.f("uq_certificate_status_index"), ["status_index"]
        )


def downgrade() -> None:
    with op.batch_alter_table("certificate", schema=None) as batch_op:
        batch_op.drop_constraint(batch_op.f("uq_certificate_status_index"), type_="unique")
        batch_op.drop_column("status_changed_at")
        batch_op.drop_column("status_index")
        batch_op.drop_column("identity_hash")
