"""What a cohort report holds: its rows, its summary, the filters it was made with."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from datetime import datetime

from ...content import Part
from ...models import AudienceRole, EnrolmentStatus, SubmissionStatus
from .. import completion

# A part is "in progress" once any step of it is recorded and it is not completed.
COMPLETED, IN_PROGRESS, NOT_STARTED = "completed", "in_progress", "not_started"


@dataclass(frozen=True, slots=True)
class PartRow:
    """One participant's state in one part of the course."""

    part_slug: str
    lessons_read: int
    lessons_total: int
    # None when the part has no quiz; best_score is None until the first attempt.
    best_score: int | None
    max_score: int | None
    quiz_passed: bool | None
    quiz_attempts: int
    # None when the part has no assignment or nothing has been written yet.
    assignment_status: SubmissionStatus | None
    completed: bool
    state: str  # COMPLETED, IN_PROGRESS or NOT_STARTED


@dataclass(frozen=True, slots=True)
class ReportRow:
    enrolment_id: int
    name: str
    email: str
    role: AudienceRole
    employer: str
    place_id: int | None
    place_name: str
    status: EnrolmentStatus
    parts: tuple[PartRow, ...]
    sessions_attended: int
    sessions_total: int
    completed_at: datetime | None
    # What the participant's own pages say of completion (services.completion).
    standing: completion.Standing


@dataclass(frozen=True, slots=True)
class PartSummary:
    part_slug: str
    completed: int
    in_progress: int
    not_started: int


@dataclass(frozen=True, slots=True)
class ReportFilters:
    role: AudienceRole | None = None
    place_id: int | None = None
    status: EnrolmentStatus | None = None

    @classmethod
    def of(
        cls,
        *,
        role: AudienceRole | str | None = None,
        place_id: int | None = None,
        status: EnrolmentStatus | str | None = None,
    ) -> ReportFilters:
        """Filters from plain values; an unknown role or status raises ValueError."""
        return cls(
            role=AudienceRole(role) if role is not None else None,
            place_id=place_id,
            status=EnrolmentStatus(status) if status is not None else None,
        )

    @property
    def active(self) -> bool:
        return self.role is not None or self.place_id is not None or self.status is not None


@dataclass(frozen=True, slots=True)
class CohortSummary:
    """What the steering group reads first, and all the chart needs: counts, no rows."""

    cohort_id: int
    cohort_name: str
    course_slug: str
    filters: ReportFilters
    rules: completion.Rules
    participants: int
    sessions_total: int
    by_role: Mapping[AudienceRole, int]
    by_status: Mapping[EnrolmentStatus, int]
    parts: tuple[PartSummary, ...]

    def part(self, slug: str) -> PartSummary | None:
        return next((part for part in self.parts if part.part_slug == slug), None)


@dataclass(frozen=True, slots=True)
class CohortReport:
    """Rows in name order and the summary the steering group reads first.

    The summary counts the rows of the report, so it follows the filters.
    """

    cohort_id: int
    cohort_name: str
    course_slug: str
    filters: ReportFilters
    rules: completion.Rules
    rows: tuple[ReportRow, ...]
    sessions_total: int
    by_role: Mapping[AudienceRole, int]
    by_status: Mapping[EnrolmentStatus, int]
    parts: tuple[PartSummary, ...]

    @property
    def participants(self) -> int:
        return len(self.rows)

    def part(self, slug: str) -> PartSummary | None:
        return next((part for part in self.parts if part.part_slug == slug), None)

    @property
    def summary(self) -> CohortSummary:
        return CohortSummary(
            cohort_id=self.cohort_id,
            cohort_name=self.cohort_name,
            course_slug=self.course_slug,
            filters=self.filters,
            rules=self.rules,
            participants=self.participants,
            sessions_total=self.sessions_total,
            by_role=self.by_role,
            by_status=self.by_status,
            parts=self.parts,
        )


def _translated(text: Mapping[str, str], language: str) -> str:
    return text.get(language) or text.get("en") or next(iter(text.values()), "")


def part_title(part: Part, number: int, language: str) -> str:
    return f"{number}. {_translated(part.title, language)}"
