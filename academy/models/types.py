"""Enumerations stored as short strings with a CHECK constraint (portable across backends)."""

from __future__ import annotations

import enum

from sqlalchemy import Enum


def string_enum(enum_class: type[enum.StrEnum], name: str) -> Enum:
    return Enum(
        enum_class,
        name=name,
        native_enum=False,
        create_constraint=True,
        length=32,
        validate_strings=True,
        values_callable=lambda members: [member.value for member in members],
    )


class OrganisationKind(enum.StrEnum):
    MUNICIPALITY = "municipality"
    POLICE = "police"
    BUSINESS_ASSOCIATION = "business_association"
    PROPERTY_OWNER = "property_owner"
    OTHER = "other"


class AudienceRole(enum.StrEnum):
    OFFICIAL = "official"
    POLITICIAN = "politician"
    PROPERTY_OWNER = "property_owner"
    TRADER = "trader"
    POLICE = "police"
    OTHER = "other"


class EnrolmentStatus(enum.StrEnum):
    INVITED = "invited"
    ACTIVE = "active"
    COMPLETED = "completed"
    WITHDRAWN = "withdrawn"


class InvitationPurpose(enum.StrEnum):
    ENROLMENT = "enrolment"
    ORGANIZER = "organizer"
    ADMINISTRATOR = "administrator"
    VIEWER = "viewer"


class SubmissionStatus(enum.StrEnum):
    DRAFT = "draft"
    SUBMITTED = "submitted"
    RETURNED = "returned"
    APPROVED = "approved"


class CertificateStatus(enum.StrEnum):
    VALID = "valid"
    REVOKED = "revoked"
    SUPERSEDED = "superseded"


class MailStatus(enum.StrEnum):
    QUEUED = "queued"
    SENT = "sent"
    FAILED = "failed"
    BOUNCED = "bounced"
