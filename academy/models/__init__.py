"""Every model, imported here so that Alembic and ``create_all`` see every table."""

from . import sort_names  # noqa: F401 - installs the triggers that keep enrolment.sort_name
from .announcement import Announcement, AnnouncementAudience, AnnouncementRecipient
from .audit import AuditEvent
from .base import Base, utcnow
from .calendar_feed import CalendarFeed
from .certificate import Certificate
from .cohort import Attendance, Cohort, Enrolment, LiveSession
from .evaluation import EvaluationAnswer, EvaluationMarker
from .finding import (
    Finding,
    FindingCategory,
    FindingPhoto,
    FindingSeverity,
    FindingStatus,
    WalkSummary,
)
from .invitation import Invitation
from .mail import OutboxMail
from .notification import Notification, NotificationOptOut
from .organisation import Organisation, Organizer, Place, PlacePartner, Viewer
from .plan import (
    Measure,
    MeasureNote,
    MeasureProposal,
    MeasureReminder,
    MeasureStatus,
    Plan,
    PlanKind,
    PlanReview,
    ProposalStatus,
    measure_finding,
    plan_place,
)
from .progress import AssignmentSubmission, LessonProgress, PartState, QuizAttempt
from .reminder import Reminder
from .sign_in import (
    ExternalIdentity,
    RecoveryCode,
    SecondFactor,
    SignInDomain,
    SignInProvider,
)
from .types import (
    AudienceRole,
    CertificateStatus,
    EnrolmentStatus,
    InvitationPurpose,
    MailStatus,
    OrganisationKind,
    SubmissionStatus,
)
from .user import User, normalize_email

__all__ = [
    "Announcement",
    "AnnouncementAudience",
    "AnnouncementRecipient",
    "AssignmentSubmission",
    "Attendance",
    "AudienceRole",
    "AuditEvent",
    "Base",
    "CalendarFeed",
    "Certificate",
    "CertificateStatus",
    "Cohort",
    "Enrolment",
    "EnrolmentStatus",
    "EvaluationAnswer",
    "EvaluationMarker",
    "ExternalIdentity",
    "Finding",
    "FindingCategory",
    "FindingPhoto",
    "FindingSeverity",
    "FindingStatus",
    "Invitation",
    "InvitationPurpose",
    "LessonProgress",
    "LiveSession",
    "MailStatus",
    "Measure",
    "MeasureNote",
    "MeasureProposal",
    "MeasureReminder",
    "MeasureStatus",
    "Notification",
    "NotificationOptOut",
    "Organisation",
    "OrganisationKind",
    "Organizer",
    "OutboxMail",
    "PartState",
    "Place",
    "PlacePartner",
    "Plan",
    "PlanKind",
    "PlanReview",
    "ProposalStatus",
    "QuizAttempt",
    "RecoveryCode",
    "Reminder",
    "SecondFactor",
    "SignInDomain",
    "SignInProvider",
    "SubmissionStatus",
    "User",
    "Viewer",
    "WalkSummary",
    "measure_finding",
    "normalize_email",
    "plan_place",
    "utcnow",
]
