"""Findings made from submitted assignments, and the status organizers give them.

Where findings come from
------------------------
A submitted assignment yields findings when it has a *findings group*: a repeat group
whose sub-fields include ``spot`` and ``observation`` (text or textarea) and
``category`` (choice); ``suggestion`` (textarea) and ``severity`` (choice of ``low``,
``medium``, ``high``) are taken when the group has them. Each row of the group becomes one
``Finding``. Which groups qualify is decided by those field slugs, so a new course can
feed the place picture without a code change. In the course ``safer-places`` today:

=====================  =====================  ================================================
part / assignment      group                  becomes
=====================  =====================  ================================================
safe-urban-planning /  ``findings``           spot <- ``spot``, category <- ``category``,
``safety-walk``                               observation <- ``observation``, suggestion <-
                                              ``suggestion``, severity <- ``severity``
placemaking /          ``observations``       spot, category, observation as above; no
``place-audit``                               suggestion, severity None ("not rated")
situational-           (none)                 nothing: ``measures`` carry the categories of
prevention /                                  the 25 techniques (effort, risks...), which
``opportunity-                                are responses, not things seen at a spot
analysis``
place-collaboration /  (none)                 nothing: actors, data sources and problems
``actor-map``                                 have no spot or category
=====================  =====================  ================================================

The place audit's four ratings (poor, fair, good) and its experiment are about the place
as a whole, not a spot, and stay in the submission. A category slug that is not one of
``FindingCategory`` counts as "other"; a severity that is not low, medium or high as not
rated.

A finding belongs to the enrolment's place, else the round's, as they are when the
assignment is submitted (none if neither has one: it is kept, but no place page shows
it; ``places_overview`` counts such findings so that the organizer can see them missing).

Submitting again replaces the findings of that submission: a row whose spot, category and
observation are unchanged (ignoring case and spacing) keeps its finding, status and id;
failing that, a row with the same spot and category takes over the next such finding (a
corrected typo in the observation keeps the status); the other findings are deleted and
the remaining rows added as new. Only a submission is recorded: a draft saved over a
submitted assignment does not change its findings, and an assignment without a findings
group is not looked at (if a new version of the course drops the group, the findings
already made stay).
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from ...content import Assignment, AssignmentField, Course, Part
from ...models import (
    AssignmentSubmission,
    Cohort,
    Enrolment,
    Finding,
    FindingCategory,
    FindingSeverity,
    FindingStatus,
    utcnow,
)
from .. import audit

# As long as Finding.spot holds; the course's spot fields allow 200 as well.
SPOT_MAX = 200


def findings_group(assignment: Assignment | None) -> AssignmentField | None:
    """The assignment's repeat group whose rows are findings, or None (see the module)."""
    if assignment is None:
        return None
    for group in assignment.fields:
        if group.type != "repeat":
            continue
        types = {sub.slug: sub.type for sub in group.fields}
        if (
            types.get("spot") in ("text", "textarea")
            and types.get("observation") in ("text", "textarea")
            and types.get("category") == "choice"
        ):
            return group
    return None


@dataclass(frozen=True, slots=True)
class _Row:
    position: int
    spot: str
    category: FindingCategory
    observation: str
    suggestion: str
    severity: FindingSeverity | None

    @property
    def exact_key(self) -> tuple[str, str, str]:
        return (_fold(self.spot), self.category.value, _fold(self.observation))

    @property
    def spot_key(self) -> tuple[str, str]:
        return (_fold(self.spot), self.category.value)


def _fold(text: str) -> str:
    return " ".join(text.casefold().split())


def _text(value: Any) -> str:
    return value.strip() if isinstance(value, str) else ""


def _rows(answers: Mapping[str, Any], group: AssignmentField) -> list[_Row]:
    """The group's rows as findings; rows with neither spot nor observation are skipped."""
    slugs = {sub.slug for sub in group.fields}
    entries = answers.get(group.slug)
    rows = []
    for position, entry in enumerate(entries if isinstance(entries, list) else []):
        if not isinstance(entry, Mapping):
            continue
        spot, observation = _text(entry.get("spot")), _text(entry.get("observation"))
        if not spot and not observation:
            continue
        category = _text(entry.get("category"))
        severity = _text(entry.get("severity")) if "severity" in slugs else ""
        rows.append(
            _Row(
                position=position,
                spot=spot[:SPOT_MAX],
                category=(
                    FindingCategory(category)
                    if category in FindingCategory._value2member_map_
                    else FindingCategory.OTHER
                ),
                observation=observation,
                suggestion=_text(entry.get("suggestion")) if "suggestion" in slugs else "",
                severity=(
                    FindingSeverity(severity)
                    if severity in FindingSeverity._value2member_map_
                    else None
                ),
            )
        )
    return rows


def record_findings(
    session: Session, submission: AssignmentSubmission, enrolment: Enrolment, part: Part
) -> list[Finding]:
    """Make the findings of a just submitted assignment match its answers (see the
    module for which assignments have findings and how a resubmission keeps statuses).
    Returns the submission's findings in the order of its rows; flushes."""
    group = findings_group(part.assignment)
    if group is None:
        return []
    existing = list(
        session.scalars(
            select(Finding)
            .where(Finding.submission_id == submission.id)
            .order_by(Finding.position, Finding.id)
        )
    )
    rows = _rows(submission.answers or {}, group)
    if not rows and not existing:
        return []

    matched: dict[int, Finding] = {}
    unused = list(existing)
    for key in (lambda row: row.exact_key, lambda row: row.spot_key):
        for row in rows:
            if row.position in matched:
                continue
            wanted = key(row)
            found = next((finding for finding in unused if key(_row_of(finding)) == wanted), None)
            if found is not None:
                matched[row.position] = found
                unused.remove(found)
    for finding in unused:
        session.delete(finding)

    place_id = enrolment.place_id or enrolment.cohort.place_id
    result = []
    for row in rows:
        finding = matched.get(row.position)
        if finding is None:
            finding = Finding(
                submission_id=submission.id,
                enrolment_id=enrolment.id,
                status=FindingStatus.NEW,
                created_at=utcnow(),
            )
            session.add(finding)
        finding.place_id = place_id
        finding.cohort_id = enrolment.cohort_id
        finding.part_slug = submission.part_slug
        finding.position = row.position
        finding.spot = row.spot
        finding.category = row.category
        finding.observation = row.observation
        finding.suggestion = row.suggestion
        finding.severity = row.severity
        result.append(finding)
    session.flush()
    return result


def _row_of(finding: Finding) -> _Row:
    return _Row(
        position=finding.position,
        spot=finding.spot,
        category=finding.category,
        observation=finding.observation,
        suggestion=finding.suggestion,
        severity=finding.severity,
    )


def set_status(
    session: Session,
    finding: Finding,
    status: FindingStatus,
    *,
    changed_by_id: int,
    **details: object,
) -> bool:
    """Give a finding a new status, recording who did it and when; False (and nothing
    written) when it has that status already. ``details`` go into the audit row (the
    measure that moved it, ``services.plans``)."""
    if finding.status == status:
        return False
    previous = finding.status
    finding.status = status
    finding.status_changed_by_id = changed_by_id
    finding.status_changed_at = utcnow()
    session.flush()
    organisation_id = session.scalar(
        select(Cohort.organisation_id).where(Cohort.id == finding.cohort_id)
    )
    audit.record(
        session,
        "finding.status_changed",
        actor_id=changed_by_id,
        object_type="finding",
        object_id=finding.id,
        organisation_id=organisation_id,
        place=finding.place_id,
        previous=previous.value,
        status=status.value,
        **details,
    )
    return True


def load_finding(session: Session, finding_id: int) -> tuple[Finding, int] | None:
    """A finding and the organisation of its round (whose organizers may see it)."""
    row = session.execute(
        select(Finding, Cohort.organisation_id)
        .join(Cohort, Cohort.id == Finding.cohort_id)
        .where(Finding.id == finding_id)
    ).first()
    return (row[0], row[1]) if row is not None else None


def findings_parts(course: Course) -> list[Part]:
    """The parts of ``course`` whose assignment makes findings (see the module)."""
    return [part for part in course.parts if findings_group(part.assignment) is not None]
