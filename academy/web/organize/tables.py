"""The words of the round page's and the report's tables."""

from __future__ import annotations

from typing import NamedTuple

from flask_babel import gettext as _

from ...labels import ENROLMENT_LABELS, INVITATION_LABELS, ROLE_SINGULAR, SUBMISSION_LABELS
from ...models import AudienceRole, EnrolmentStatus, SubmissionStatus


class TableLabels(NamedTuple):
    """The words of the report's and the round page's tables, translated once per request
    rather than once per cell: each
    gettext or lazy label goes through Flask-Babel's context look-up, which made up most
    of the page's time when it showed every row. The formats keep their placeholders and
    are filled in with ``%`` in the template. A tuple with names, because Jinja tries an
    attribute before an item."""

    done: str
    lessons: str
    quiz: str
    roles: dict[AudienceRole, str]
    statuses: dict[EnrolmentStatus, str]
    submissions: dict[SubmissionStatus | None, str]
    invitations: dict[str, str]


def table_labels() -> TableLabels:
    return TableLabels(
        done=_("Done"),
        lessons=_("Lessons %(read)d/%(total)d"),
        quiz=_("Quiz %(score)d/%(max)d"),
        roles={role: str(ROLE_SINGULAR[role]) for role in AudienceRole},
        statuses={status: str(ENROLMENT_LABELS[status]) for status in EnrolmentStatus},
        submissions={key: str(label) for key, label in SUBMISSION_LABELS.items()},
        invitations={key: str(label) for key, label in INVITATION_LABELS.items()},
    )
