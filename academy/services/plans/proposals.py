"""Measures proposed in the course: recorded from submitted assignments, then accepted,
merged or dropped by the place's owner.

Where proposals come from
-------------------------
A submitted assignment yields proposals when it has a *proposals group*: a repeat group
whose sub-fields include ``what`` and ``who`` (text or textarea); ``by-when`` and
``indicator`` (text or textarea) are taken when the group has them. Each row becomes one
``MeasureProposal``. Which groups qualify is decided by those field slugs, so a new
course can feed the plans without a code change. In the course ``safer-places`` today:
place-collaboration / ``actor-map``, group ``proposed-measures``.

A proposal belongs to the enrolment's place, else the round's, as they are when the
assignment is submitted (none if neither has one: it is kept, but no page shows it), like
a finding (``services.places.findings``).

Submitting again replaces the submission's *open* proposals: a row unchanged (ignoring
case and spacing) keeps its proposal and id, the other open ones are deleted and the
remaining rows added. Proposals already decided (accepted, merged, dropped) stay as they
are, and a row that repeats one of them is not proposed again. A draft changes nothing.

What the owner does with them
-----------------------------
Only the owner's organizers see proposals (they carry participants' words); the plan page
lists the open proposals of its places (``open_proposals``). ``accept`` makes a measure
(status proposed) from the form the proposal filled in; ``merge`` ties the proposal to an
existing measure of the plan at its place, with a progress note quoting it; ``drop`` closes
it, with an optional reason. Each is written to the audit log.
"""

from __future__ import annotations

from collections.abc import Collection, Mapping
from dataclasses import dataclass
from typing import Any

from sqlalchemy import bindparam, func, select
from sqlalchemy.orm import Session

from ...content import Assignment, AssignmentField, Part
from ...models import (
    AssignmentSubmission,
    Cohort,
    Enrolment,
    Measure,
    MeasureProposal,
    MeasureStatus,
    Plan,
    ProposalStatus,
    utcnow,
)
from .. import audit
from .editing import MeasureValues, PlanError, create_measure
from .progress import add_note

# As long as MeasureProposal.who and .by_when hold.
SHORT_MAX = 200
# What a proposal's own text may hold (the course asks for less).
TEXT_MAX = 5000
REASON_MAX = 2000
_TEXT_TYPES = ("text", "textarea")


def proposals_group(assignment: Assignment | None) -> AssignmentField | None:
    """The assignment's repeat group whose rows are proposed measures, or None."""
    if assignment is None:
        return None
    for group in assignment.fields:
        if group.type != "repeat":
            continue
        types = {sub.slug: sub.type for sub in group.fields}
        if types.get("what") in _TEXT_TYPES and types.get("who") in _TEXT_TYPES:
            return group
    return None


@dataclass(frozen=True, slots=True)
class _Row:
    position: int
    what: str
    who: str
    by_when: str
    indicator: str

    @property
    def key(self) -> tuple[str, str, str, str]:
        return (_fold(self.what), _fold(self.who), _fold(self.by_when), _fold(self.indicator))


def _fold(text: str) -> str:
    return " ".join(text.casefold().split())


def _text(value: Any) -> str:
    return value.strip() if isinstance(value, str) else ""


def _rows(answers: Mapping[str, Any], group: AssignmentField) -> list[_Row]:
    """The group's rows as proposals; rows without ``what`` are skipped."""
    types = {sub.slug: sub.type for sub in group.fields}

    def taken(entry: Mapping, slug: str, limit: int) -> str:
        return _text(entry.get(slug))[:limit] if types.get(slug) in _TEXT_TYPES else ""

    entries = answers.get(group.slug)
    rows = []
    for position, entry in enumerate(entries if isinstance(entries, list) else []):
        if not isinstance(entry, Mapping) or not _text(entry.get("what")):
            continue
        rows.append(
            _Row(
                position=position,
                what=taken(entry, "what", TEXT_MAX),
                who=taken(entry, "who", SHORT_MAX),
                by_when=taken(entry, "by-when", SHORT_MAX),
                indicator=taken(entry, "indicator", TEXT_MAX),
            )
        )
    return rows


def _row_of(proposal: MeasureProposal) -> _Row:
    return _Row(
        proposal.position, proposal.what, proposal.who, proposal.by_when, proposal.indicator
    )


def record_proposals(
    session: Session, submission: AssignmentSubmission, enrolment: Enrolment, part: Part
) -> list[MeasureProposal]:
    """Make the open proposals of a just submitted assignment match its answers (see the
    module). Returns the submission's open proposals in the order of its rows; flushes."""
    group = proposals_group(part.assignment)
    if group is None:
        return []
    existing = list(
        session.scalars(
            select(MeasureProposal)
            .where(MeasureProposal.submission_id == submission.id)
            .order_by(MeasureProposal.position, MeasureProposal.id)
        )
    )
    rows = _rows(submission.answers or {}, group)
    decided = {
        _fold(proposal.what) for proposal in existing if proposal.status is not ProposalStatus.OPEN
    }
    unused = [proposal for proposal in existing if proposal.status is ProposalStatus.OPEN]
    place_id = enrolment.place_id or enrolment.cohort.place_id
    result = []
    for row in rows:
        if _fold(row.what) in decided:
            continue
        proposal = next((each for each in unused if _row_of(each).key == row.key), None)
        if proposal is None:
            proposal = MeasureProposal(
                submission_id=submission.id,
                enrolment_id=enrolment.id,
                status=ProposalStatus.OPEN,
                created_at=utcnow(),
            )
            session.add(proposal)
        else:
            unused.remove(proposal)
        proposal.place_id = place_id
        proposal.cohort_id = enrolment.cohort_id
        proposal.part_slug = submission.part_slug
        proposal.position = row.position
        proposal.what = row.what
        proposal.who = row.who
        proposal.by_when = row.by_when
        proposal.indicator = row.indicator
        result.append(proposal)
    for proposal in unused:
        session.delete(proposal)
    session.flush()
    return result


# --- the owner's decisions ------------------------------------------------------------------


@dataclass(frozen=True)
class ProposalRow:
    """An open proposal as the plan page lists it: the round it came from, never the
    person."""

    proposal: MeasureProposal
    cohort_name: str


# Read on every view of a plan by its owner: built once, run with the places' ids.
_OPEN_PROPOSALS = (
    select(MeasureProposal, Cohort.name)
    .join(Cohort, Cohort.id == MeasureProposal.cohort_id)
    .where(
        MeasureProposal.place_id.in_(bindparam("place_ids", expanding=True)),
        MeasureProposal.status == ProposalStatus.OPEN,
    )
    .order_by(MeasureProposal.created_at, MeasureProposal.position, MeasureProposal.id)
)


def open_proposals(session: Session, place_ids: Collection[int]) -> list[ProposalRow]:
    """The open proposals of these places, oldest first, in one statement."""
    if not place_ids:
        return []
    return [
        ProposalRow(proposal, cohort_name)
        for proposal, cohort_name in session.execute(
            _OPEN_PROPOSALS, {"place_ids": list(place_ids)}
        )
    ]


def open_proposal_count(session: Session, place_id: int) -> int:
    """How many open proposals wait at the place (for its owner's list of plans)."""
    return (
        session.scalar(
            select(func.count())
            .select_from(MeasureProposal)
            .where(
                MeasureProposal.place_id == place_id,
                MeasureProposal.status == ProposalStatus.OPEN,
            )
        )
        or 0
    )


def proposal_of_plan(session: Session, plan: Plan, proposal_id: int) -> MeasureProposal | None:
    """The proposal, if it is at one of the plan's places (open or not)."""
    proposal = session.get(MeasureProposal, proposal_id)
    if proposal is None or proposal.place_id not in {place.id for place in plan.places}:
        return None
    return proposal


def merge_choices(session: Session, plan: Plan, proposal: MeasureProposal) -> list[Measure]:
    """The measures of the plan at the proposal's place that it may be merged into (all
    but the dropped), by title."""
    return list(
        session.scalars(
            select(Measure)
            .where(
                Measure.plan_id == plan.id,
                Measure.place_id == proposal.place_id,
                Measure.status != MeasureStatus.DROPPED,
            )
            .order_by(Measure.title, Measure.id)
        )
    )


class ProposalDecided(ValueError):
    """The proposal was accepted, merged or dropped already (say, by another organizer
    since the page was shown)."""


def _check_open(proposal: MeasureProposal) -> None:
    if proposal.status is not ProposalStatus.OPEN:
        raise ProposalDecided(proposal.status.value)


def _decide(
    session: Session,
    proposal: MeasureProposal,
    plan: Plan,
    status: ProposalStatus,
    *,
    decided_by_id: int,
    measure: Measure | None = None,
    reason: str = "",
) -> None:
    proposal.status = status
    proposal.measure_id = measure.id if measure is not None else None
    proposal.reason = reason
    proposal.decided_by_id = decided_by_id
    proposal.decided_at = utcnow()
    session.flush()
    audit.record(
        session,
        f"proposal.{status.value}",
        actor_id=decided_by_id,
        object_type="measure_proposal",
        object_id=proposal.id,
        organisation_id=plan.organisation_id,
        plan=plan.id,
        place=proposal.place_id,
        **({"measure": measure.id} if measure is not None else {}),
        **({"reason": reason} if reason else {}),
    )


def accept(
    session: Session,
    proposal: MeasureProposal,
    plan: Plan,
    values: MeasureValues,
    *,
    decided_by_id: int,
) -> Measure:
    """Make a measure of the plan (status proposed) from ``values`` (the form the
    proposal filled in) at the proposal's place, and mark the proposal accepted.
    ``ProposalDecided`` when it is no longer open; ``PlanError`` for another place or
    what ``create_measure`` refuses."""
    _check_open(proposal)
    if values.place_id != proposal.place_id:
        raise PlanError("place", "not_the_proposals")
    measure = create_measure(
        session, plan, values, status=MeasureStatus.PROPOSED, created_by_id=decided_by_id
    )
    _decide(
        session,
        proposal,
        plan,
        ProposalStatus.ACCEPTED,
        decided_by_id=decided_by_id,
        measure=measure,
    )
    return measure


def merge(
    session: Session,
    proposal: MeasureProposal,
    plan: Plan,
    measure_id: int,
    note: str,
    *,
    decided_by_id: int,
) -> Measure:
    """Tie the proposal to a measure of the plan at its place (not dropped) and add
    ``note`` (quoting the proposal) to the measure's progress notes."""
    _check_open(proposal)
    measure = next(
        (each for each in merge_choices(session, plan, proposal) if each.id == measure_id), None
    )
    if measure is None:
        raise PlanError("measure", "not_at_place")
    add_note(session, measure, note, author_id=decided_by_id)
    _decide(
        session, proposal, plan, ProposalStatus.MERGED, decided_by_id=decided_by_id, measure=measure
    )
    return measure


def drop(
    session: Session, proposal: MeasureProposal, plan: Plan, reason: str, *, decided_by_id: int
) -> None:
    """Close the proposal without a measure; the reason is optional."""
    _check_open(proposal)
    _decide(
        session,
        proposal,
        plan,
        ProposalStatus.DROPPED,
        decided_by_id=decided_by_id,
        reason=reason.strip(),
    )
