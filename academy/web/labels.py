"""Display names of stored values, translated, for every blueprint's templates."""

from __future__ import annotations

from flask import Flask
from flask_babel import lazy_gettext as _l

from ..models import AudienceRole

ROLE_LABELS = {
    AudienceRole.OFFICIAL: _l("Municipal officials"),
    AudienceRole.POLITICIAN: _l("Politicians"),
    AudienceRole.PROPERTY_OWNER: _l("Property owners"),
    AudienceRole.TRADER: _l("Traders"),
    AudienceRole.POLICE: _l("Police"),
    AudienceRole.OTHER: _l("Others"),
}


def role_label(role: str) -> str:
    return str(ROLE_LABELS.get(AudienceRole(role), role))


def init_app(app: Flask) -> None:
    app.add_template_global(role_label, "role_label")
