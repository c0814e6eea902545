"""Template globals that show stored values by their translated names."""

from __future__ import annotations

from collections.abc import Iterable

from flask import Flask
from markupsafe import Markup

from ..labels import (
    CERTIFICATE_LABELS,
    ENROLMENT_LABELS,
    IMPORT_FIELD_LABELS,
    IMPORT_STATUS_LABELS,
    INVITATION_LABELS,
    ROLE_LABELS,
    ROLE_SINGULAR,
    SUBMISSION_LABELS,
    audience_label,
    still_to_do,
)
from ..models import AudienceRole, CertificateStatus, EnrolmentStatus, SubmissionStatus
from ..services.certificates import format_code
from ..services.enrolments import shown_name
from ..text import text_html


def number_cells(counts: Iterable[int | None]) -> Markup:
    """A table row's counts as ``<td class="number">12</td>`` cells ("–" for None): one
    string for the row rather than a template fragment and an escape per cell, which is
    most of the work of a comparison of eight walks (a hundred and more cells). ``int()``
    keeps anything but a number out of the markup."""
    return Markup(  # noqa: S704 - whole numbers and a dash only
        "".join(
            '<td class="number">–</td>'
            if count is None
            else f'<td class="number">{int(count)}</td>'
            for count in counts
        )
    )


def person_role_label(role: str) -> str:
    return str(ROLE_SINGULAR.get(AudienceRole(role), role))


def enrolment_label(status: str) -> str:
    return str(ENROLMENT_LABELS.get(EnrolmentStatus(status), status))


def invitation_label(state: str) -> str:
    return str(INVITATION_LABELS.get(state, state))


def submission_label(status: str | None) -> str:
    return str(SUBMISSION_LABELS.get(SubmissionStatus(status) if status else None, status))


def import_field_label(name: str) -> str:
    return str(IMPORT_FIELD_LABELS.get(name, name))


def import_status_label(status: str | None) -> str:
    return str(IMPORT_STATUS_LABELS.get(status or "", ""))


def role_label(role: str) -> str:
    return str(ROLE_LABELS.get(AudienceRole(role), role))


def certificate_status_label(status: str) -> str:
    return str(CERTIFICATE_LABELS.get(CertificateStatus(status), status))


def init_app(app: Flask) -> None:
    app.add_template_global(certificate_status_label, "certificate_status_label")
    app.add_template_global(shown_name, "person_name")
    app.add_template_global(still_to_do, "still_to_do")
    app.add_template_global(format_code, "format_code")
    app.add_template_global(role_label, "role_label")
    app.add_template_global(enrolment_label, "enrolment_label")
    app.add_template_global(person_role_label, "person_role_label")
    app.add_template_global(submission_label, "submission_label")
    app.add_template_global(import_field_label, "import_field_label")
    app.add_template_global(import_status_label, "import_status_label")
    app.add_template_global(invitation_label, "invitation_label")
    app.add_template_global(audience_label, "audience_label")
    app.add_template_filter(text_html, "text_html")
    app.add_template_filter(number_cells, "number_cells")
