"""The words for a plan's kind and a measure's status."""

from __future__ import annotations

from flask_babel import lazy_gettext as _l

from ...models import MeasureStatus, PlanKind

KIND_LABELS = {
    PlanKind.ACTION_PLAN: _l("Action plan"),
    PlanKind.CITIZEN_PROMISE: _l("Citizen promise"),
    PlanKind.SLT_PLAN: _l("SLT action plan"),
    PlanKind.OTHER: _l("Other plan"),
}

MEASURE_STATUS_LABELS = {
    MeasureStatus.PROPOSED: _l("Proposed"),
    MeasureStatus.DECIDED: _l("Decided"),
    MeasureStatus.IN_PROGRESS: _l("In progress"),
    MeasureStatus.DONE: _l("Done"),
    MeasureStatus.DROPPED: _l("Dropped"),
}
