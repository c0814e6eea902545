"""The words for a finding's category, severity and status, shared by the place page,
the chart and the exports."""

from __future__ import annotations

from typing import NamedTuple

from flask_babel import lazy_gettext as _l

from ...i18n import per_locale
from ...models import FindingCategory, FindingSeverity, FindingStatus

CATEGORY_LABELS = {
    FindingCategory.LIGHTING: _l("Lighting"),
    FindingCategory.SIGHT_LINES: _l("Sight lines"),
    FindingCategory.MAINTENANCE: _l("Maintenance and litter"),
    FindingCategory.VEGETATION: _l("Vegetation"),
    FindingCategory.ACCESS_ROUTES: _l("Access and routes"),
    FindingCategory.ACTIVITY: _l("Activity and life"),
    FindingCategory.SIGNAGE: _l("Signage"),
    FindingCategory.OTHER: _l("Other"),
}

# Most serious first; None is a finding the assignment did not ask to rate.
SEVERITIES: tuple[FindingSeverity | None, ...] = (
    FindingSeverity.HIGH,
    FindingSeverity.MEDIUM,
    FindingSeverity.LOW,
    None,
)
SEVERITY_LABELS = {
    FindingSeverity.HIGH: _l("High"),
    FindingSeverity.MEDIUM: _l("Medium"),
    FindingSeverity.LOW: _l("Low"),
    None: _l("Not rated"),
}
# The severity filter's values: the enum's, and this one for "not rated".
UNRATED = "unrated"

STATUS_LABELS = {
    FindingStatus.NEW: _l("New"),
    FindingStatus.PLANNED: _l("Planned"),
    FindingStatus.DONE: _l("Done"),
    FindingStatus.NOT_ACTED_ON: _l("Not acted on"),
}
OPEN_STATUSES = (FindingStatus.NEW, FindingStatus.PLANNED)


class PageLabels(NamedTuple):
    """The page's words translated once per request rather than once per finding (each
    lazy label costs a Flask-Babel look-up). A tuple with names, because Jinja tries an
    attribute before an item."""

    categories: dict[FindingCategory, str]
    severities: dict[FindingSeverity | None, str]
    statuses: dict[FindingStatus, str]


@per_locale
def page_labels() -> PageLabels:
    """The labels in the current locale (``per_locale``: each lazy label costs a
    Flask-Babel look-up). The dicts are shared: read them, never change them."""
    return PageLabels(
        categories={key: str(label) for key, label in CATEGORY_LABELS.items()},
        severities={key: str(label) for key, label in SEVERITY_LABELS.items()},
        statuses={key: str(label) for key, label in STATUS_LABELS.items()},
    )
