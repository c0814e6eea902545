"""Certificates: issued when a course is completed, rendered once, verified by anyone.

A certificate is issued in the transaction that completes the enrolment (the
``on_course_completed`` hook below) and keeps a copy of everything it certifies, so it
reads the same after the course, the round or the account changes or goes. Its PDF is
rendered after that commit (``render_pending``); when that fails, the first download
renders and stores it (``stored_pdf``). A correction issues a new certificate and marks
the old one superseded; a revocation keeps the row with its reason. Verification needs
only the code: the public page shows the holder's initials and checks a full name
against a salted hash, so no page lists names.

Every certificate has a place in the Open Badges status lists (``badge_status``), given
when it is issued; revoking or superseding it sets its bit there.

The holder's name is kept as two salted hashes. ``identity_hash`` is the Open Badges
identity hash of the name exactly as printed (``printed_name``: Unicode NFC, single
spaces), which the badge carries so that any verifier can confirm a name it is given.
``name_hash`` serves the verification page's own check, a convenience beyond the standard:
it compares the tolerant form (``normalise_name``: NFKC, case-folded), so "åsa  ÖBERG"
confirms a certificate printed "Åsa Öberg". Both use the same salt.
"""

from __future__ import annotations

import hashlib
import hmac
import logging
import secrets
import unicodedata
from collections.abc import Iterable, Iterator
from dataclasses import dataclass
from zoneinfo import ZoneInfo

from flask import current_app
from sqlalchemy import event, func, select
from sqlalchemy.orm import Session, defer

from ..content import Course, get_course
from ..models import (
    Certificate,
    CertificateStatus,
    Cohort,
    Enrolment,
    PartState,
    User,
    utcnow,
)
from . import audit, badge_status, notifications
from .certificate_codes import (  # noqa: F401 (re-exported: callers use certificates.*)
    ALPHABET,
    CODE_LENGTH,
    format_code,
    new_code,
    parse_code,
    verify_url,
)
from .progress import on_course_completed

log = logging.getLogger(__name__)

NAME_MAX = 200


class CertificateError(ValueError):
    """A correction or revocation that does not apply to this certificate."""


# --- the holder's name --------------------------------------------------------------------


def printed_name(name: str) -> str:
    """The name as the certificate prints it and stores it: Unicode NFC, the spaces of a
    typed name collapsed as the printed page shows them. Nothing else changes: case and
    accents stay as typed."""
    return unicodedata.normalize("NFC", " ".join(name.split()))


def identity_hash(salt: str, name: str) -> str:
    """The Open Badges IdentityHash of ``name`` without its ``sha256$`` prefix: SHA-256 (hex)
    of the printed name followed by the salt, both UTF-8, as the specification defines
    it. What ``Certificate.identity_hash`` stores and the badge carries."""
    return hashlib.sha256((printed_name(name) + salt).encode()).hexdigest()


def normalise_name(name: str) -> str:
    """The tolerant form the verification page compares: NFKC, case-folded, single spaces.

    "  ÅSA  öberg " and "Åsa Öberg" are the same name there; "Asa Oberg" is not. Not the
    identity hash of the badge, which is of the name exactly as printed.
    """
    return " ".join(unicodedata.normalize("NFKC", name).casefold().split())


def name_hash(salt: str, name: str) -> str:
    """SHA-256 (hex) of the tolerant form of the name followed by the salt: what
    ``Certificate.name_hash`` stores for the verification page's name check."""
    return hashlib.sha256((normalise_name(name) + salt).encode()).hexdigest()


def new_name_salt() -> str:
    return secrets.token_hex(16)


def name_matches(certificate: Certificate, name: str) -> bool:
    """Whether ``name`` is the holder's, by the stored tolerant hash (the verification
    page's check: case, spacing and compatibility forms do not matter)."""
    return hmac.compare_digest(name_hash(certificate.name_salt, name), certificate.name_hash)


def initials(name: str) -> str:
    """ "Åsa Öberg-Lind" → "Å. Ö.-L.": what the public page shows of the holder."""
    words = []
    for word in name.split():
        parts = [part for part in word.split("-") if part]
        words.append("-".join(f"{part[0].upper()}." for part in parts))
    return " ".join(word for word in words if word)[:16]


def _holder_name_columns(name: str) -> dict[str, str]:
    """The columns a new certificate stores of its holder's name: the name as it will be
    printed, the initials the public page shows, and a fresh salt with the two hashes (the
    badge's identity hash and the verification page's tolerant one)."""
    name = printed_name(name)
    salt = new_name_salt()
    return {
        "certificate_name": name,
        "holder_initials": initials(name),
        "name_salt": salt,
        "name_hash": name_hash(salt, name),
        "identity_hash": identity_hash(salt, name),
    }


# --- issuing ------------------------------------------------------------------------------


def issue(session: Session, enrolment: Enrolment, course: Course) -> Certificate | None:
    """The certificate of a completed enrolment, in the current transaction; None when it
    already has one in force (a part returned and completed again changes nothing)."""
    in_force = session.scalar(
        select(Certificate.id).where(
            Certificate.enrolment_id == enrolment.id,
            Certificate.status == CertificateStatus.VALID,
        )
    )
    if in_force is not None:
        return None
    user = enrolment.user
    cohort = enrolment.cohort
    certificate = _new_certificate(
        enrolment,
        cohort,
        name=user.certificate_name or user.name,
        locale=user.locale,
        course=course,
        part_completed_on=_part_dates(session, enrolment, cohort),
    )
    badge_status.add(session, certificate)
    notifications.certificate_issued(session, certificate, enrolment)
    _render_after_commit(session, certificate)
    return certificate


@on_course_completed
def _issue_on_completion(session: Session, enrolment: Enrolment, course: Course) -> None:
    issue(session, enrolment, course)


def _new_certificate(
    enrolment: Enrolment,
    cohort: Cohort,
    *,
    name: str,
    locale: str,
    course: Course,
    part_completed_on: dict[str, str],
) -> Certificate:
    place = enrolment.place or cohort.place
    return Certificate(
        code=new_code(),
        enrolment_id=enrolment.id,
        **_holder_name_columns(name),
        locale=locale,
        course_slug=course.slug,
        content_version=course.content_version,
        organisation_name=cohort.organisation.name,
        cohort_name=cohort.name,
        place_name=place.name if place else "",
        part_completed_on=part_completed_on,
        issued_at=utcnow(),
    )


def _part_dates(session: Session, enrolment: Enrolment, cohort: Cohort) -> dict[str, str]:
    """{part slug: ISO date it was completed, in the organisation's time zone}."""
    zone = ZoneInfo(cohort.organisation.timezone or current_app.config["TIMEZONE"])
    rows = session.execute(
        select(PartState.part_slug, PartState.completed_at).where(
            PartState.enrolment_id == enrolment.id, PartState.completed_at.is_not(None)
        )
    )
    return {slug: when.astimezone(zone).date().isoformat() for slug, when in rows}


# --- corrections and revocation -----------------------------------------------------------


def correct_name(
    session: Session, certificate: Certificate, name: str, *, actor_id: int
) -> Certificate:
    """Issue a certificate with ``name`` that supersedes ``certificate`` (which must be in
    force and still belong to an enrolment). The new one keeps everything else the old one
    certified, including the content version and the dates."""
    name = printed_name(name)
    if not name or len(name) > NAME_MAX:
        raise CertificateError("a name of 1 to 200 characters")
    if certificate.status != CertificateStatus.VALID or certificate.enrolment is None:
        raise CertificateError("only a certificate in force can be corrected")
    if name == certificate.certificate_name:
        raise CertificateError("the certificate already carries this name")
    replacement = Certificate(
        code=new_code(),
        enrolment_id=certificate.enrolment_id,
        **_holder_name_columns(name),
        locale=certificate.locale,
        course_slug=certificate.course_slug,
        content_version=certificate.content_version,
        organisation_name=certificate.organisation_name,
        cohort_name=certificate.cohort_name,
        place_name=certificate.place_name,
        part_completed_on=dict(certificate.part_completed_on),
        issued_at=utcnow(),
    )
    badge_status.add(session, replacement)
    certificate.status = CertificateStatus.SUPERSEDED
    certificate.status_changed_at = replacement.issued_at
    certificate.superseded_by_id = replacement.id
    session.flush()
    audit.record(
        session,
        "certificate.corrected",
        actor_id=actor_id,
        object_type="certificate",
        object_id=replacement.id,
        organisation_id=certificate.enrolment.cohort.organisation_id,
        supersedes=certificate.code,
    )
    _render_after_commit(session, replacement)
    return replacement


def revoke(session: Session, certificate: Certificate, reason: str, *, actor_id: int) -> None:
    """Revoke a certificate in force, with the reason the verification page shows."""
    reason = reason.strip()
    if not reason or len(reason) > 500:
        raise CertificateError("a reason of 1 to 500 characters")
    if certificate.status != CertificateStatus.VALID:
        raise CertificateError("only a certificate in force can be revoked")
    certificate.status = CertificateStatus.REVOKED
    certificate.revoked_at = certificate.status_changed_at = utcnow()
    certificate.revoked_reason = reason
    session.flush()
    enrolment = certificate.enrolment
    audit.record(
        session,
        "certificate.revoked",
        actor_id=actor_id,
        object_type="certificate",
        object_id=certificate.id,
        organisation_id=enrolment.cohort.organisation_id if enrolment else None,
        reason=reason,
    )


# --- verification -------------------------------------------------------------------------


@dataclass(frozen=True)
class Verification:
    """What the public page shows for a code: the certificate (None when unknown) and, for
    a superseded one, the code of the certificate now in force."""

    certificate: Certificate | None
    current_code: str | None = None

    @property
    def status(self) -> str:
        return self.certificate.status.value if self.certificate else "unknown"


def verify(session: Session, code: str) -> Verification:
    certificate = session.scalar(select(Certificate).where(Certificate.code == code))
    if certificate is None:
        return Verification(None)
    current = certificate
    # Follow the chain of corrections to the one in force (or its end).
    for _ in range(100):
        if current.superseded_by_id is None:
            break
        current = session.get(Certificate, current.superseded_by_id)
    return Verification(certificate, current.code if current is not certificate else None)


# --- the PDF ------------------------------------------------------------------------------

_PENDING = "academy.certificates.pending"
_COMMITTED = "academy.certificates.committed"


def _render_after_commit(session: Session, certificate: Certificate) -> None:
    session.info.setdefault(_PENDING, set()).add(certificate.id)


@event.listens_for(Session, "after_commit")
def _committed(session: Session) -> None:
    pending = session.info.pop(_PENDING, None)
    if pending:
        session.info.setdefault(_COMMITTED, set()).update(pending)


@event.listens_for(Session, "after_soft_rollback")
def _rolled_back(session: Session, previous_transaction) -> None:
    if previous_transaction.parent is None:
        session.info.pop(_PENDING, None)


def render_pending(session: Session) -> int:
    """Render and store the PDFs of the certificates issued by the transactions this
    session has committed, each in a transaction of its own; returns how many. A failed
    render is logged and left for the first download."""
    ids = session.info.pop(_COMMITTED, None)
    if not ids:
        return 0
    rendered = 0
    for certificate_id in sorted(ids):
        certificate = session.get(Certificate, certificate_id)
        if certificate is None or certificate.pdf is not None:
            continue
        try:
            store_pdf(certificate)
            session.commit()
            rendered += 1
        except Exception:
            session.rollback()
            log.exception("certificate %s: the PDF could not be rendered", certificate.code)
    return rendered


def store_pdf(certificate: Certificate) -> bytes:
    """Render the certificate's PDF and keep it with its SHA-256 (the caller commits)."""
    from .certificate_pdf import render_certificate  # WeasyPrint only where it is used

    course = get_course(certificate.course_slug)
    if course is None:
        raise CertificateError(f"the course {certificate.course_slug!r} is not installed")
    pdf = render_certificate(certificate, course, verify_url=verify_url(certificate.code))
    certificate.pdf = pdf
    certificate.pdf_sha256 = hashlib.sha256(pdf).hexdigest()
    return pdf


def stored_pdf(session: Session, certificate: Certificate) -> bytes:
    """The stored PDF; the first download of one whose render failed renders it and
    stores it: the one write a GET may make."""
    if certificate.pdf is None:
        store_pdf(certificate)
        session.commit()
    assert certificate.pdf is not None
    return certificate.pdf


def render_missing(session: Session, certificate_ids: Iterable[int]) -> Iterator[Certificate]:
    """Render, store and commit each certificate of ``certificate_ids`` without a PDF
    (for the CLI); yields each as it is done."""
    for certificate_id in certificate_ids:
        certificate = session.get(Certificate, certificate_id)
        if certificate is None or certificate.pdf is not None:
            continue
        store_pdf(certificate)
        session.commit()
        yield certificate


# --- who may see what ---------------------------------------------------------------------


def certificates_of(session: Session, enrolment_ids: Iterable[int]) -> dict[int, Certificate]:
    """The certificate in force (or else the newest) of each enrolment that has one."""
    ids = list(enrolment_ids)
    result: dict[int, Certificate] = {}
    if not ids:
        return result
    rows = session.scalars(
        select(Certificate)
        .options(defer(Certificate.pdf))
        .where(Certificate.enrolment_id.in_(ids))
        .order_by(Certificate.enrolment_id, Certificate.issued_at, Certificate.id)
    )
    for certificate in rows:
        held = result.get(certificate.enrolment_id)
        if held is None or held.status != CertificateStatus.VALID:
            result[certificate.enrolment_id] = certificate
    return result


def holder(certificate: Certificate) -> User | None:
    return certificate.enrolment.user if certificate.enrolment else None


def cohort_counts(session: Session, cohort_id: int) -> tuple[int, int]:
    """(certificates in force, of which without a PDF yet) of a round."""
    total, missing = session.execute(
        select(func.count(), func.count().filter(Certificate.pdf.is_(None)))
        .select_from(Certificate)
        .join(Enrolment, Enrolment.id == Certificate.enrolment_id)
        .where(Enrolment.cohort_id == cohort_id, Certificate.status == CertificateStatus.VALID)
    ).one()
    return total, missing
