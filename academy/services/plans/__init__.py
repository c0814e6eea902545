"""Plans and measures: what an organisation and its partners agree to do about a place,
and how far they have come.

- ``rules``: who may do what with a plan or measure, asked of its places;
- ``editing``: making and changing plans (with review dates) and measures;
- ``progress``: a measure's status and notes, the findings it answers;
- ``pages``: what the plan pages show, in a fixed number of statements;
- ``proposals``: measures proposed in the course (recorded from submitted assignments),
  accepted, merged or dropped by the place's owner;
- ``reminders``: the due-date mails of ``flask plans remind``;
- ``labels``: the words for a plan's kind and a measure's status.
"""

from . import proposals
from .editing import (
    CONTACT_MAX,
    EARLIEST,
    LATEST,
    REVIEW_NOTE_MAX,
    TEXT_MAX,
    TITLE_MAX,
    MeasureChoices,
    MeasureValues,
    PlanError,
    PlanValues,
    add_review,
    create_measure,
    create_plan,
    measure_choices,
    remove_review,
    update_measure,
    update_plan,
)
from .labels import KIND_LABELS, MEASURE_STATUS_LABELS
from .pages import (
    CHOOSER_PAGE_SIZE,
    ChooserFilters,
    MeasurePage,
    PlanPage,
    findings_to_choose,
    measure_page,
    plan_page,
    plans_of_organisation,
    plans_of_place,
)
from .progress import (
    NOTE_MAX,
    REASON_MAX,
    ReasonMissing,
    add_note,
    link_findings,
    mark_findings_done,
    open_findings,
    set_measure_status,
)
from .proposals import (
    ProposalRow,
    merge_choices,
    open_proposal_count,
    open_proposals,
    proposal_of_plan,
    proposals_group,
    record_proposals,
)
from .reminders import DUE_SOON, OVERDUE, REMIND_BEFORE, send_measure_reminders
from .rules import MeasureRight, PlanView, measure_right, plan_view

__all__ = [
    "CHOOSER_PAGE_SIZE",
    "CONTACT_MAX",
    "DUE_SOON",
    "EARLIEST",
    "KIND_LABELS",
    "LATEST",
    "MEASURE_STATUS_LABELS",
    "NOTE_MAX",
    "OVERDUE",
    "REASON_MAX",
    "REMIND_BEFORE",
    "REVIEW_NOTE_MAX",
    "TEXT_MAX",
    "TITLE_MAX",
    "ChooserFilters",
    "MeasureChoices",
    "MeasurePage",
    "MeasureRight",
    "MeasureValues",
    "PlanError",
    "PlanPage",
    "PlanValues",
    "PlanView",
    "ProposalRow",
    "ReasonMissing",
    "add_note",
    "add_review",
    "create_measure",
    "create_plan",
    "findings_to_choose",
    "link_findings",
    "mark_findings_done",
    "measure_choices",
    "measure_page",
    "measure_right",
    "merge_choices",
    "open_findings",
    "open_proposal_count",
    "open_proposals",
    "plan_page",
    "plan_view",
    "plans_of_organisation",
    "plans_of_place",
    "proposal_of_plan",
    "proposals",
    "proposals_group",
    "record_proposals",
    "remove_review",
    "send_measure_reminders",
    "set_measure_status",
    "update_measure",
    "update_plan",
]
