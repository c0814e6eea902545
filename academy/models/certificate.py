from __future__ import annotations

from datetime import datetime
from typing import TYPE_CHECKING, Any

from sqlalchemy import JSON, ForeignKey, LargeBinary, String, Text
from sqlalchemy.orm import Mapped, mapped_column, relationship

from .base import Base, utcnow
from .types import CertificateStatus, string_enum

if TYPE_CHECKING:
    from .cohort import Enrolment


class Certificate(Base):
    """An issued certificate. It keeps what it certifies even after the account is erased:
    the holder's initials and salted hashes of the name stay, so a verifier who knows the
    name can still confirm it.

    Two hashes of the name, with the same salt: ``identity_hash`` is Open Badges' identity
    hash of the name exactly as printed (what the badge carries, so any verifier can check
    it), ``name_hash`` that of the tolerant form the verification page compares (case and
    spacing do not matter there). ``status_index`` is the certificate's place in the
    published status lists (``services/badge_status.py``): given once, at random, never
    to another certificate; its bit is set when the certificate stops being valid, at
    ``status_changed_at``.
    """

    __tablename__ = "certificate"

    id: Mapped[int] = mapped_column(primary_key=True)
    # At least 80 random bits in Crockford base32, stored without dashes.
    code: Mapped[str] = mapped_column(String(32), unique=True)
    enrolment_id: Mapped[int | None] = mapped_column(
        ForeignKey("enrolment.id", ondelete="SET NULL"), index=True
    )
    certificate_name: Mapped[str | None] = mapped_column(String(200))
    holder_initials: Mapped[str] = mapped_column(String(16))
    name_salt: Mapped[str] = mapped_column(String(64))
    name_hash: Mapped[str] = mapped_column(String(64))
    # None only for a certificate whose holder was erased before identity hashes existed.
    identity_hash: Mapped[str | None] = mapped_column(String(64))
    locale: Mapped[str] = mapped_column(String(8))
    course_slug: Mapped[str] = mapped_column(String(64))
    content_version: Mapped[str] = mapped_column(String(64))
    organisation_name: Mapped[str] = mapped_column(String(200))
    cohort_name: Mapped[str] = mapped_column(String(200))
    place_name: Mapped[str] = mapped_column(String(200), default="")
    # {part_slug: ISO date the part was completed}
    part_completed_on: Mapped[dict[str, Any]] = mapped_column(JSON, default=dict)
    issued_at: Mapped[datetime] = mapped_column(default=utcnow)
    status: Mapped[CertificateStatus] = mapped_column(
        string_enum(CertificateStatus, "certificate_status"), default=CertificateStatus.VALID
    )
    revoked_at: Mapped[datetime | None]
    revoked_reason: Mapped[str] = mapped_column(Text, default="")
    superseded_by_id: Mapped[int | None] = mapped_column(ForeignKey("certificate.id"))
    status_index: Mapped[int] = mapped_column(unique=True)
    # When the certificate was revoked or superseded: its status-list bit was set then.
    status_changed_at: Mapped[datetime | None]
    pdf: Mapped[bytes | None] = mapped_column(LargeBinary)
    pdf_sha256: Mapped[str | None] = mapped_column(String(64))

    # None once the holder's account is erased; the certificate still verifies.
    enrolment: Mapped[Enrolment | None] = relationship()

    def __repr__(self) -> str:
        return f"<Certificate {self.id} {self.code} {self.status}>"
