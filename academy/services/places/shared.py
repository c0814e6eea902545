"""A place's findings as its participants see them: without who found them or where."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

from sqlalchemy import exists, false, func, select
from sqlalchemy.orm import Session

from ...models import (
    AssignmentSubmission,
    Cohort,
    Enrolment,
    Finding,
    FindingCategory,
    FindingPhoto,
    FindingSeverity,
    FindingStatus,
    Place,
    SubmissionStatus,
)
from ..paging import Page, page_offset
from .listing import (
    FINDING_COLUMNS,
    FINDINGS_PAGE_SIZE,
    NEWEST_FIRST,
    PHOTO_SIZE_COLUMNS,
    FindingFilters,
    finding_criteria,
)

# A participant sees the findings of their place once their own walk or audit is in.
SHARING_STATUSES = (SubmissionStatus.SUBMITTED, SubmissionStatus.APPROVED)


@dataclass(frozen=True, slots=True)
class SharedFinding:
    """A finding as the place's participants see it: what was found and what became of
    it, without who found it, in which round, or who changed its status."""

    id: int
    spot: str
    category: FindingCategory
    severity: FindingSeverity | None
    observation: str
    suggestion: str
    status: FindingStatus
    # The photo's size, None without one; ``yours``: found by the participant looking,
    # who may add, replace or remove its photo.
    photo_width: int | None = None
    photo_height: int | None = None
    yours: bool = False


SharedFindingsPage = Page[SharedFinding]


def has_shared_findings(session: Session, enrolment_id: int, part_slugs: Sequence[str]) -> bool:
    """Whether the enrolment has submitted (or had approved) an assignment of one of these
    parts: one statement, none when there are no such parts."""
    if not part_slugs:
        return False
    return bool(
        session.scalar(
            select(
                exists().where(
                    AssignmentSubmission.enrolment_id == enrolment_id,
                    AssignmentSubmission.part_slug.in_(list(part_slugs)),
                    AssignmentSubmission.status.in_(SHARING_STATUSES),
                )
            )
        )
    )


def shared_findings_page(
    session: Session,
    place: Place,
    number: int = 1,
    *,
    size: int = FINDINGS_PAGE_SIZE,
    user_id: int | None = None,
) -> SharedFindingsPage:
    """The place's findings from the rounds of its organisation, newest first, without
    names: a count and, when the page is not past the end, its rows (two statements).
    The findings of ``user_id``'s own enrolments are marked ``yours``."""
    skip = page_offset(number, size)
    criteria = finding_criteria(place, FindingFilters())
    total = session.scalar(
        select(func.count())
        .select_from(Finding)
        .join(Cohort, Cohort.id == Finding.cohort_id)
        .where(*criteria)
    )
    rows: tuple[SharedFinding, ...] = ()
    if skip < total:
        statement = (
            select(
                *FINDING_COLUMNS,
                *PHOTO_SIZE_COLUMNS,
                (
                    exists().where(
                        Enrolment.id == Finding.enrolment_id, Enrolment.user_id == user_id
                    )
                    if user_id is not None
                    else false()
                ).label("yours"),
            )
            .join(Cohort, Cohort.id == Finding.cohort_id)
            .outerjoin(FindingPhoto, FindingPhoto.finding_id == Finding.id)
            .where(*criteria)
            .order_by(*NEWEST_FIRST)
            .limit(size)
            .offset(skip)
        )
        rows = tuple(SharedFinding(**row._mapping) for row in session.execute(statement))
    return SharedFindingsPage(rows=rows, number=number, size=size, total=total or 0)
