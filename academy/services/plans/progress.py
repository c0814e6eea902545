"""A measure's progress: its status, its notes, and the findings it answers.

- Linking a finding to a measure moves a *new* finding to *planned* (written to the audit
  log as the measure's doing); a finding already planned, done or not acted on keeps its
  status, and unlinking leaves the status as it is (the organizer decides).
- A measure *dropped* needs a reason.
- A measure *done* offers its open findings to be marked done: ``open_findings`` lists
  them for the confirm page and ``mark_findings_done`` marks those chosen. Findings are the
  owner's to change, so the offer is the owner's organizers' (a partner's organizer who
  marks a measure done leaves the findings to them).
"""

from __future__ import annotations

from collections.abc import Collection

from sqlalchemy import delete, insert, select
from sqlalchemy.orm import Session

from ...models import Finding, FindingStatus, Measure, MeasureNote, MeasureStatus, measure_finding
from .. import audit
from ..places.findings import set_status

NOTE_MAX = 5000
REASON_MAX = 2000


class ReasonMissing(ValueError):
    """A measure is dropped without saying why."""


def audit_measure(
    session: Session, action: str, measure: Measure, actor_id: int, **details
) -> None:
    """The audit row of a change to ``measure`` (its plan, place and responsible
    organisation with it), for this module and ``editing``."""
    audit.record(
        session,
        action,
        actor_id=actor_id,
        object_type="measure",
        object_id=measure.id,
        organisation_id=measure.plan.organisation_id,
        plan=measure.plan_id,
        place=measure.place_id,
        responsible=measure.responsible_id,
        **details,
    )


def set_measure_status(
    session: Session,
    measure: Measure,
    status: MeasureStatus,
    *,
    reason: str = "",
    changed_by_id: int,
) -> bool:
    """Give the measure a new status; False (nothing written) when it has it already and,
    for *dropped*, the same reason. Raises ``ReasonMissing`` for *dropped* without one."""
    reason = reason.strip()
    if status is MeasureStatus.DROPPED and not reason:
        raise ReasonMissing
    new_reason = reason if status is MeasureStatus.DROPPED else ""
    if measure.status == status and measure.dropped_reason == new_reason:
        return False
    previous = measure.status
    measure.status = status
    measure.dropped_reason = new_reason
    session.flush()
    audit_measure(
        session,
        "measure.status_changed",
        measure,
        changed_by_id,
        previous=previous.value,
        status=status.value,
        **({"reason": new_reason} if new_reason else {}),
    )
    return True


def add_note(session: Session, measure: Measure, body: str, *, author_id: int) -> MeasureNote:
    note = MeasureNote(measure_id=measure.id, author_id=author_id, body=body.strip())
    session.add(note)
    session.flush()
    audit_measure(session, "measure.note_added", measure, author_id, note=note.id)
    return note


def linked_finding_ids(session: Session, measure: Measure) -> set[int]:
    return set(
        session.scalars(
            select(measure_finding.c.finding_id).where(measure_finding.c.measure_id == measure.id)
        )
    )


def link_findings(
    session: Session,
    measure: Measure,
    *,
    shown: Collection[int],
    chosen: Collection[int],
    changed_by_id: int,
) -> tuple[int, int]:
    """Make the findings ``shown`` on one page of the chooser linked exactly when they are
    ``chosen`` (findings of other pages stay as they are). Only the measure's place's
    findings count; others are ignored. Returns (linked, unlinked)."""
    of_place = set(
        session.scalars(
            select(Finding.id).where(
                Finding.id.in_(set(shown)), Finding.place_id == measure.place_id
            )
        )
    )
    wanted = of_place & set(chosen)
    linked = linked_finding_ids(session, measure)
    to_link = sorted(wanted - linked)
    to_unlink = sorted((of_place & linked) - wanted)
    if to_link:
        session.execute(
            insert(measure_finding),
            [{"measure_id": measure.id, "finding_id": finding_id} for finding_id in to_link],
        )
        for finding in session.scalars(select(Finding).where(Finding.id.in_(to_link))):
            if finding.status == FindingStatus.NEW:
                set_status(
                    session,
                    finding,
                    FindingStatus.PLANNED,
                    changed_by_id=changed_by_id,
                    measure=measure.id,
                )
    if to_unlink:
        session.execute(
            delete(measure_finding).where(
                measure_finding.c.measure_id == measure.id,
                measure_finding.c.finding_id.in_(to_unlink),
            )
        )
    if to_link or to_unlink:
        audit_measure(
            session,
            "measure.findings_changed",
            measure,
            changed_by_id,
            linked=to_link,
            unlinked=to_unlink,
        )
    session.flush()
    return len(to_link), len(to_unlink)


def unlink_all_findings(session: Session, measure: Measure) -> None:
    """Unlink every finding (the measure moved to another place)."""
    session.execute(delete(measure_finding).where(measure_finding.c.measure_id == measure.id))


def open_findings(session: Session, measure: Measure) -> list[Finding]:
    """The measure's findings not done yet, for the offer to mark them done."""
    return list(
        session.scalars(
            select(Finding)
            .join(measure_finding, measure_finding.c.finding_id == Finding.id)
            .where(
                measure_finding.c.measure_id == measure.id,
                Finding.status != FindingStatus.DONE,
            )
            .order_by(Finding.spot, Finding.id)
        )
    )


def mark_findings_done(
    session: Session, measure: Measure, finding_ids: Collection[int], *, changed_by_id: int
) -> int:
    """Mark the chosen open findings of a done measure done; others are ignored. Returns
    how many changed."""
    chosen = set(finding_ids)
    changed = 0
    for finding in open_findings(session, measure):
        if finding.id in chosen and set_status(
            session, finding, FindingStatus.DONE, changed_by_id=changed_by_id, measure=measure.id
        ):
            changed += 1
    if changed:
        audit_measure(
            session, "measure.findings_done", measure, changed_by_id, findings=sorted(chosen)
        )
    return changed
