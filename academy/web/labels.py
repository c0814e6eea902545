"""Display names of stored values, translated, for every blueprint's templates."""

from __future__ import annotations

from flask import Flask
from flask_babel import lazy_gettext as _l

from ..models import AudienceRole, EnrolmentStatus

ROLE_LABELS = {
    AudienceRole.OFFICIAL: _l("Municipal officials"),
    AudienceRole.POLITICIAN: _l("Politicians"),
    AudienceRole.PROPERTY_OWNER: _l("Property owners"),
    AudienceRole.TRADER: _l("Traders"),
    AudienceRole.POLICE: _l("Police"),
    AudienceRole.OTHER: _l("Others"),
}


# One person's role, for tables and forms (ROLE_LABELS name the groups, for role notes).
ROLE_SINGULAR = {
    AudienceRole.OFFICIAL: _l("Municipal official"),
    AudienceRole.POLITICIAN: _l("Politician"),
    AudienceRole.PROPERTY_OWNER: _l("Property owner"),
    AudienceRole.TRADER: _l("Trader"),
    AudienceRole.POLICE: _l("Police officer"),
    AudienceRole.OTHER: _l("Other"),
}

ENROLMENT_LABELS = {
    EnrolmentStatus.INVITED: _l("Invited"),
    EnrolmentStatus.ACTIVE: _l("Taking the course"),
    EnrolmentStatus.COMPLETED: _l("Completed"),
    EnrolmentStatus.WITHDRAWN: _l("Withdrawn"),
}

INVITATION_LABELS = {
    "not-sent": _l("Not sent"),
    "sent": _l("Sent"),
    "accepted": _l("Accepted"),
    "expired": _l("Expired"),
    "bounced": _l("Address rejected"),
}


def person_role_label(role: str) -> str:
    return str(ROLE_SINGULAR.get(AudienceRole(role), role))


def enrolment_label(status: str) -> str:
    return str(ENROLMENT_LABELS.get(EnrolmentStatus(status), status))


def invitation_label(state: str) -> str:
    return str(INVITATION_LABELS.get(state, state))


def role_label(role: str) -> str:
    return str(ROLE_LABELS.get(AudienceRole(role), role))


def init_app(app: Flask) -> None:
    app.add_template_global(role_label, "role_label")
    app.add_template_global(enrolment_label, "enrolment_label")
    app.add_template_global(person_role_label, "person_role_label")
    app.add_template_global(invitation_label, "invitation_label")
