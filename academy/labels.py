"""Display names of stored values, translated: for pages and for exports alike."""

from __future__ import annotations

from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from flask_babel import ngettext

from .models import (
    AnnouncementAudience,
    AudienceRole,
    CertificateStatus,
    EnrolmentStatus,
    SubmissionStatus,
)

# The audience groups, as role notes in lessons name them.
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
    "queued": _l("Waiting in the outbox"),
    "sent": _l("Sent"),
    "failed": _l("Could not be delivered"),
    "accepted": _l("Accepted"),
    "expired": _l("Expired"),
    "bounced": _l("Address rejected"),
}

SUBMISSION_LABELS = {
    None: _l("Not started"),
    SubmissionStatus.DRAFT: _l("Draft"),
    SubmissionStatus.SUBMITTED: _l("Submitted"),
    SubmissionStatus.RETURNED: _l("Returned"),
    SubmissionStatus.APPROVED: _l("Approved"),
}

CERTIFICATE_LABELS = {
    CertificateStatus.VALID: _l("Valid"),
    CertificateStatus.REVOKED: _l("Revoked"),
    CertificateStatus.SUPERSEDED: _l("Replaced by a corrected certificate"),
}

IMPORT_FIELD_LABELS = {
    "name": _l("Name"),
    "email": _l("E-mail"),
    "role": _l("Role"),
    "employer": _l("Employer"),
    "place": _l("Place"),
    "language": _l("Language"),
}

IMPORT_STATUS_LABELS = {
    "new": _l("New: gets an account and joins the round"),
    "existing_account": _l("Has an account: joins the round"),
    "already_enrolled": _l("Already in the round: no change"),
}


def still_to_do(standing) -> str:
    """What an enrolment still lacks to complete the course, in a few words for an
    organizer's table (``services.completion.Standing``); empty when completed or when
    steps of the course are left (the table shows those per part)."""
    stage = standing.stage
    if stage == "approval":
        return ngettext(
            "%(num)d assignment waits for approval",
            "%(num)d assignments wait for approval",
            len(standing.awaiting_approval),
        )
    if stage == "attendance":
        return ngettext(
            "%(num)d more live session to attend",
            "%(num)d more live sessions to attend",
            standing.sessions_missing,
        )
    if stage == "recording":
        return str(_l("Every requirement met; completion not yet recorded"))
    return ""


# Who an announcement goes to (``services.announcements``); a role is "Only: <role>".
AUDIENCE_LABELS = {
    AnnouncementAudience.EVERYONE: _l("Everyone in the round"),
    AnnouncementAudience.NOT_STARTED: _l("Those who have not started"),
    AnnouncementAudience.BEHIND: _l("Those behind the schedule"),
}


def audience_label(audience: str, role: str | None = None) -> str:
    if audience == AnnouncementAudience.ROLE and role:
        return _("Only: %(role)s", role=ROLE_LABELS[AudienceRole(role)])
    return str(AUDIENCE_LABELS[AnnouncementAudience(audience)])
