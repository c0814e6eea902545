"""A person's own data: export everything, or erase the account.

Erasure keeps issued certificates verifiable: they already hold the initials and a salted
hash of the normalised name, not the account; a person may also ask for them to be
withdrawn, which revokes them.
"""

from __future__ import annotations

import io
import json
import zipfile
from typing import Any

from sqlalchemy import delete, select, update
from sqlalchemy.orm import Session

from ..models import (
    AssignmentSubmission,
    Attendance,
    AuditEvent,
    Certificate,
    CertificateStatus,
    Enrolment,
    Invitation,
    LessonProgress,
    Organizer,
    PartState,
    QuizAttempt,
    Reminder,
    User,
    utcnow,
)
from . import audit


def _iso(value) -> str | None:
    return value.isoformat() if value is not None else None


def export_user_data(session: Session, user: User) -> bytes:
    """A ZIP with ``data.json`` (everything stored about the person) and their certificates."""
    enrolments = session.scalars(select(Enrolment).where(Enrolment.user_id == user.id)).all()
    ids = [enrolment.id for enrolment in enrolments]

    def rows(model) -> list:
        return (
            session.scalars(select(model).where(model.enrolment_id.in_(ids))).all() if ids else []
        )

    certificates = rows(Certificate)
    data: dict[str, Any] = {
        "account": {
            "email": user.email,
            "name": user.name,
            "certificate_name": user.certificate_name,
            "language": user.locale,
            "created_at": _iso(user.created_at),
            "last_login_at": _iso(user.last_login_at),
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
        "certificates": [
            {
                "code": c.code,
                "name": c.certificate_name,
                "course": c.course_slug,
                "issued_at": _iso(c.issued_at),
                "status": c.status.value,
            }
            for c in certificates
        ],
    }
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", zipfile.ZIP_DEFLATED) as archive:
        archive.writestr("data.json", json.dumps(data, ensure_ascii=False, indent=2))
        for certificate in certificates:
            if certificate.pdf:
                archive.writestr(f"certificates/{certificate.code}.pdf", certificate.pdf)
    return buffer.getvalue()


def erase_account(session: Session, user: User, *, withdraw_certificates: bool) -> None:
    """Delete the person and everything that belongs to them, in this transaction."""
    enrolment_ids = select(Enrolment.id).where(Enrolment.user_id == user.id).scalar_subquery()
    certificates = select(Certificate).where(Certificate.enrolment_id.in_(enrolment_ids))
    for certificate in session.scalars(certificates):
        certificate.certificate_name = None
        certificate.pdf = None
        certificate.pdf_sha256 = None
        if withdraw_certificates and certificate.status == CertificateStatus.VALID:
            certificate.status = CertificateStatus.REVOKED
            certificate.revoked_at = utcnow()
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
    ):
        session.execute(delete(model).where(model.enrolment_id.in_(enrolment_ids)))
    session.execute(delete(Enrolment).where(Enrolment.user_id == user.id))
    session.execute(delete(Organizer).where(Organizer.user_id == user.id))
    # What this person did as an organizer stays, without pointing at them.
    for column in (
        AuditEvent.actor_id,
        Invitation.created_by_id,
        Attendance.recorded_by_id,
        AssignmentSubmission.reviewed_by_id,
    ):
        session.execute(update(column.class_).where(column == user.id).values({column.key: None}))
    audit.record(
        session,
        "account.erased",
        actor_id=None,
        object_type="user",
        object_id=user.id,
        certificates_withdrawn=withdraw_certificates,
    )
    session.delete(user)
    session.flush()
