"""A person's own data: export everything, or erase the account; and retention, which
erases the accounts nobody has used for RETENTION_DAYS days.

Erasure keeps issued certificates verifiable: they already hold the initials and a salted
hash of the normalised name, not the account; a person may also ask for them to be
withdrawn, which revokes them.
"""

from __future__ import annotations

import json
import zipfile
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from sqlalchemy import ColumnElement, Select, delete, exists, func, select, update
from sqlalchemy.orm import Session, defer

from ..config import ConfigError
from ..models import (
    Announcement,
    AnnouncementRecipient,
    AssignmentSubmission,
    Attendance,
    AuditEvent,
    Certificate,
    CertificateStatus,
    Cohort,
    Enrolment,
    EvaluationMarker,
    ExternalIdentity,
    Finding,
    FindingPhoto,
    Invitation,
    LessonProgress,
    Measure,
    MeasureNote,
    MeasureProposal,
    Organizer,
    OutboxMail,
    PartState,
    PlacePartner,
    Plan,
    QuizAttempt,
    Reminder,
    SecondFactor,
    User,
    Viewer,
    utcnow,
)
from ..zipstream import Chunks
from . import announcements, audit, calendar_feeds, notifications, second_factor


def _iso(value) -> str | None:
    return value.isoformat() if value is not None else None


@dataclass(frozen=True)
class _File:
    """A file of the export: where it goes in the ZIP, and the query for its bytes (run
    when it is written, so that one file at a time is in memory)."""

    path: str
    content: Select


def export_user_data(session: Session, user: User) -> Iterator[bytes]:
    """Everything stored about the person as a ZIP, in pieces to send as they come.

    ``data.json`` lists it all; the certificates' PDFs and the photos of the person's
    findings follow as files, each named in the JSON (``file``, ``photo.file``) and read
    from the database only when it is written. Memory holds the JSON and one file.
    """
    data, files = _user_data(session, user)
    buffer = Chunks()
    with zipfile.ZipFile(buffer, "w", zipfile.ZIP_DEFLATED) as archive:
        archive.writestr("data.json", json.dumps(data, ensure_ascii=False, indent=2))
        yield buffer.take()
        for file in files:
            content = session.scalar(file.content)
            if content is not None:
                # PDFs and JPEGs are compressed already.
                archive.writestr(file.path, content, compress_type=zipfile.ZIP_STORED)
                yield buffer.take()
    yield buffer.take()


def _user_data(session: Session, user: User) -> tuple[dict[str, Any], list[_File]]:
    enrolments = session.scalars(select(Enrolment).where(Enrolment.user_id == user.id)).all()
    ids = [enrolment.id for enrolment in enrolments]

    def rows(model) -> list:
        return (
            session.scalars(select(model).where(model.enrolment_id.in_(ids))).all() if ids else []
        )

    certificates, certificate_files = _certificates(session, ids)
    findings, photo_files = _findings(session, ids)
    data: dict[str, Any] = {
        "account": {
            "email": user.email,
            "name": user.name,
            "certificate_name": user.certificate_name,
            "language": user.locale,
            "created_at": _iso(user.created_at),
            "last_login_at": _iso(user.last_login_at),
            # Where the person signs in besides the password (never the app's secret).
            "organisation_sign_in": [
                {"issuer": link.issuer, "email": link.email, "linked_at": _iso(link.created_at)}
                for link in session.scalars(
                    select(ExternalIdentity).where(ExternalIdentity.user_id == user.id)
                )
            ],
            "second_step_set_up_at": _iso(
                session.scalar(
                    select(SecondFactor.created_at).where(SecondFactor.user_id == user.id)
                )
            ),
        },
        "enrolments": [
            {
                "id": e.id,
                "organisation": e.cohort.organisation.name,
                "cohort": e.cohort.name,
                "course": e.cohort.course_slug,
                "role": e.role.value,
                "employer": e.employer,
                "place": e.place.name if e.place else None,
                "status": e.status.value,
                "enrolled_at": _iso(e.created_at),
                "completed_at": _iso(e.completed_at),
            }
            for e in enrolments
        ],
        "lessons_read": [
            {
                "enrolment": r.enrolment_id,
                "part": r.part_slug,
                "lesson": r.lesson_slug,
                "at": _iso(r.completed_at),
            }
            for r in rows(LessonProgress)
        ],
        "quiz_attempts": [
            {
                "enrolment": r.enrolment_id,
                "part": r.part_slug,
                "answers": r.answers,
                "score": r.score,
                "of": r.max_score,
                "passed": r.passed,
                "at": _iso(r.submitted_at),
            }
            for r in rows(QuizAttempt)
        ],
        "assignments": [
            {
                "enrolment": r.enrolment_id,
                "part": r.part_slug,
                "status": r.status.value,
                "answers": r.answers,
                "organizer_comment": r.reviewer_comment,
                "updated_at": _iso(r.updated_at),
            }
            for r in rows(AssignmentSubmission)
        ],
        "parts": [
            {
                "enrolment": r.enrolment_id,
                "part": r.part_slug,
                "started_at": _iso(r.started_at),
                "completed_at": _iso(r.completed_at),
            }
            for r in rows(PartState)
        ],
        "attendance": [
            {"enrolment": r.enrolment_id, "live_session": r.live_session_id, "present": r.present}
            for r in rows(Attendance)
        ],
        "certificates": certificates,
        "findings": findings,
        # Only that a survey was answered or skipped: the answers carry no person, so
        # they are nobody's to export (or to erase).
        "evaluations": [
            {"enrolment": r.enrolment_id, "survey": r.survey, "skipped": r.declined}
            for r in sorted(rows(EvaluationMarker), key=lambda r: (r.enrolment_id, r.survey))
        ],
        "announcements_received": announcements.received(session, ids),
        "announcements_sent": announcements.sent_by(session, user.id),
        "proposed_measures": [
            {
                "id": r.id,
                "enrolment": r.enrolment_id,
                "part": r.part_slug,
                "what": r.what,
                "who": r.who,
                "by_when": r.by_when,
                "indicator": r.indicator,
                "status": r.status.value,
                "created_at": _iso(r.created_at),
            }
            for r in sorted(rows(MeasureProposal), key=lambda proposal: proposal.id)
        ],
        "notifications": notifications.export(session, user.id),
        "calendar_subscription": calendar_feeds.export(session, user.id),
    }
    return data, certificate_files + photo_files


def _certificates(session: Session, enrolment_ids: list[int]) -> tuple[list, list[_File]]:
    """The certificates of these enrolments, and their stored PDFs as files."""
    entries, files = [], []
    rows = session.execute(
        select(Certificate, Certificate.pdf.is_not(None))
        .where(Certificate.enrolment_id.in_(enrolment_ids))
        .options(defer(Certificate.pdf))
        .order_by(Certificate.id)
    )
    for certificate, has_pdf in rows:
        path = f"certificates/{certificate.code}.pdf" if has_pdf else None
        entries.append(
            {
                "code": certificate.code,
                "name": certificate.certificate_name,
                "course": certificate.course_slug,
                "issued_at": _iso(certificate.issued_at),
                "status": certificate.status.value,
                "file": path,
            }
        )
        if path:
            files.append(
                _File(path, select(Certificate.pdf).where(Certificate.id == certificate.id))
            )
    return entries, files


_PHOTO_SUFFIXES = {"image/jpeg": ".jpg", "image/png": ".png", "image/webp": ".webp"}


def _findings(session: Session, enrolment_ids: list[int]) -> tuple[list, list[_File]]:
    """What the person found on safety walks and place audits, and the photos of those
    findings as files."""
    entries, files = [], []
    rows = session.execute(
        select(Finding, FindingPhoto)
        .outerjoin(FindingPhoto, FindingPhoto.finding_id == Finding.id)
        .where(Finding.enrolment_id.in_(enrolment_ids))
        .options(defer(FindingPhoto.data))
        .order_by(Finding.id)
    )
    for finding, photo in rows:
        entry = {
            "id": finding.id,
            "enrolment": finding.enrolment_id,
            "part": finding.part_slug,
            "spot": finding.spot,
            "category": finding.category.value,
            "observation": finding.observation,
            "suggestion": finding.suggestion,
            "severity": finding.severity.value if finding.severity else None,
            "status": finding.status.value,
            "created_at": _iso(finding.created_at),
            "photo": None,
        }
        if photo is not None:
            path = f"photos/finding-{finding.id}{_PHOTO_SUFFIXES.get(photo.content_type, '')}"
            entry["photo"] = {
                "file": path,
                "content_type": photo.content_type,
                "width": photo.width,
                "height": photo.height,
                "uploaded_at": _iso(photo.uploaded_at),
            }
            photo_bytes = select(FindingPhoto.data).where(FindingPhoto.finding_id == finding.id)
            files.append(_File(path, photo_bytes))
        entries.append(entry)
    return entries, files


def erase_account(
    session: Session, user: User, *, withdraw_certificates: bool, reason: str = ""
) -> None:
    """Delete the person and everything that belongs to them, in this transaction.

    ``reason`` goes into the audit event when the person did not ask for it themselves
    ("retention" from :func:`purge_expired_accounts`).
    """
    enrolment_ids = select(Enrolment.id).where(Enrolment.user_id == user.id).scalar_subquery()
    certificates = select(Certificate).where(Certificate.enrolment_id.in_(enrolment_ids))
    for certificate in session.scalars(certificates):
        certificate.certificate_name = None
        certificate.pdf = None
        certificate.pdf_sha256 = None
        if withdraw_certificates and certificate.status == CertificateStatus.VALID:
            # Its status-list bit is set with the status (services/badge_status.py).
            certificate.status = CertificateStatus.REVOKED
            certificate.revoked_at = certificate.status_changed_at = utcnow()
            certificate.revoked_reason = "Withdrawn at the holder's request."
        certificate.enrolment_id = None
    session.flush()
    for model in (
        LessonProgress,
        QuizAttempt,
        AssignmentSubmission,
        PartState,
        Attendance,
        Invitation,
        Reminder,
        EvaluationMarker,
        AnnouncementRecipient,
    ):
        session.execute(delete(model).where(model.enrolment_id.in_(enrolment_ids)))
    session.execute(delete(Enrolment).where(Enrolment.user_id == user.id))
    notifications.erase(session, user.id)
    calendar_feeds.erase(session, user.id)
    second_factor.erase(session, user.id)
    session.execute(delete(ExternalIdentity).where(ExternalIdentity.user_id == user.id))
    session.execute(delete(Organizer).where(Organizer.user_id == user.id))
    session.execute(delete(Viewer).where(Viewer.user_id == user.id))
    # What this person did as an organizer stays, without pointing at them.
    for column in (
        AuditEvent.actor_id,
        Invitation.created_by_id,
        Attendance.recorded_by_id,
        AssignmentSubmission.reviewed_by_id,
        PlacePartner.added_by_id,
        Plan.created_by_id,
        Measure.created_by_id,
        Measure.contact_id,
        MeasureNote.author_id,
        MeasureProposal.decided_by_id,
        Announcement.sent_by_id,
    ):
        session.execute(update(column.class_).where(column == user.id).values({column.key: None}))
    audit.record(
        session,
        "account.erased",
        actor_id=None,
        object_type="user",
        object_id=user.id,
        certificates_withdrawn=withdraw_certificates,
        **({"reason": reason} if reason else {}),
    )
    session.delete(user)
    session.flush()


# --- Retention ---------------------------------------------------------------------------

#: The shortest retention period accepted: a slip such as 3 for 3 years would otherwise
#: erase nearly every account on the next run.
MIN_RETENTION_DAYS = 30
#: Accounts erased per transaction by ``flask privacy purge``.
PURGE_BATCH = 100
KEPT_ADMINISTRATOR = "administrator"
KEPT_ORGANIZER = "organizer of an organisation with a round that is not archived"


def retention_days(value: object) -> int | None:
    """The RETENTION_DAYS setting as a number of days, or None when accounts are never
    purged (0, empty or None). Raises ``ConfigError`` for anything but a whole number of
    at least ``MIN_RETENTION_DAYS`` (a string of digits, as an environment variable, is
    accepted)."""
    if value is None or (isinstance(value, str) and not value.strip()):
        return None
    if isinstance(value, str) and value.strip().isascii() and value.strip().isdigit():
        value = int(value.strip())
    if isinstance(value, int) and not isinstance(value, bool):
        if value == 0:
            return None
        if value >= MIN_RETENTION_DAYS:
            return value
    raise ConfigError(
        f"ACADEMY_RETENTION_DAYS must be a whole number of days, at least {MIN_RETENTION_DAYS} "
        f"(e.g. 1095 for three years), or 0 to never purge accounts; not {value!r}."
    )


@dataclass(frozen=True)
class ExpiredAccount:
    """An account unused since before the cutoff, and why it is kept ("" if it is not)."""

    id: int
    email: str
    last_used_at: datetime
    kept_because: str = ""


def _last_used() -> ColumnElement[datetime]:
    # Accounts created by an import or an invitation may never have logged in.
    return func.coalesce(User.last_login_at, User.created_at)


def _expired(cutoff: datetime) -> ColumnElement[bool]:
    # An enrolment made within the period is use too: an old account that an organizer
    # has just enrolled again is not erased the night after, with its new enrolment.
    enrolled_recently = exists().where(Enrolment.user_id == User.id, Enrolment.created_at >= cutoff)
    return (_last_used() < cutoff) & ~enrolled_recently


def _organizes_active_organisation() -> ColumnElement[bool]:
    return exists().where(
        Organizer.user_id == User.id,
        exists().where(
            Cohort.organisation_id == Organizer.organisation_id, Cohort.archived_at.is_(None)
        ),
    )


def find_expired_accounts(session: Session, cutoff: datetime) -> list[ExpiredAccount]:
    """Every account unused since before ``cutoff``, least recently used first.

    Unused: no login since ``cutoff`` (accounts that never logged in count from their
    creation) and no enrolment made since. Of these, administrators and the organizers of
    an organisation with a round that is not archived are kept (``kept_because`` says
    which): removing them could lock an installation or an organisation out, so a person
    decides; all others are what :func:`purge_expired_accounts` erases. Reads only.
    """
    rows = session.execute(
        select(User.id, User.email, _last_used(), User.is_admin, _organizes_active_organisation())
        .where(_expired(cutoff))
        .order_by(_last_used(), User.id)
    )
    return [
        ExpiredAccount(
            id=user_id,
            email=email,
            last_used_at=last_used,
            kept_because=KEPT_ADMINISTRATOR if is_admin else KEPT_ORGANIZER if organizes else "",
        )
        for user_id, email, last_used, is_admin, organizes in rows
    ]


def purge_expired_accounts(
    session: Session, cutoff: datetime, *, limit: int = PURGE_BATCH
) -> list[int]:
    """Erase up to ``limit`` accounts unused since before ``cutoff`` and return their ids.

    The accounts are those :func:`find_expired_accounts` does not keep, looked up again
    here, so an account used in between is spared. Each goes through
    :func:`erase_account` (certificates are kept, not withdrawn, and verify by initials
    and name hash as after any erasure; the audit event says ``reason: retention``), and
    the mails in the outbox to its address, sent or not, are deleted too: they hold the
    name and links of an account that is gone. Call it until it returns fewer than
    ``limit`` ids, committing in between; flushes, never commits.
    """
    users = session.scalars(
        select(User)
        .where(
            _expired(cutoff),
            User.is_admin.is_(False),
            ~_organizes_active_organisation(),
        )
        .order_by(_last_used(), User.id)
        .limit(limit)
    ).all()
    for user in users:
        erase_account(session, user, withdraw_certificates=False, reason="retention")
    addresses = [user.email_normalized for user in users]
    if addresses:
        # lower() approximates normalize_email's casefold in SQL (ASCII only on SQLite).
        session.execute(delete(OutboxMail).where(func.lower(OutboxMail.to_address).in_(addresses)))
    session.flush()
    return [user.id for user in users]


def record_purge(
    session: Session, *, purged: int, kept: int, retention_days: int, cutoff: datetime
) -> None:
    """The audit event of one ``flask privacy purge`` run that erased accounts."""
    audit.record(
        session,
        "privacy.purged",
        actor_id=None,
        accounts_purged=purged,
        accounts_kept=kept,
        retention_days=retention_days,
        cutoff=cutoff.isoformat(),
    )
