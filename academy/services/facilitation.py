"""What the person leading a session on a part needs besides the course's facilitator
notes: who in the round has finished the part and who has not.

Organizers see their participants' names (the name the organizer typed until the person
joins, as on the round page). Withdrawn participants are left out: they are not expected
at the session. One statement, whatever the size of the round.
"""

from __future__ import annotations

from dataclasses import dataclass
from functools import lru_cache
from typing import Any

from sqlalchemy import Select, and_, bindparam, select
from sqlalchemy.orm import Session

from ..models import AudienceRole, Enrolment, EnrolmentStatus, PartState, User
from .enrolments import shown_name_column, shown_name_order


@dataclass(frozen=True, slots=True)
class PartPerson:
    """A participant as the lead page lists them; ``started`` when any step of the part
    is recorded."""

    enrolment_id: int
    name: str
    role: AudienceRole
    started: bool


@dataclass(frozen=True, slots=True)
class PartProgress:
    """The round's participants (not withdrawn) by whether they have finished the part,
    each list by name."""

    finished: tuple[PartPerson, ...]
    not_finished: tuple[PartPerson, ...]

    @property
    def total(self) -> int:
        return len(self.finished) + len(self.not_finished)


def part_progress(session: Session, cohort_id: int, part_slug: str) -> PartProgress:
    """Who of round ``cohort_id`` has finished part ``part_slug``, and who has not."""
    rows = session.execute(
        _statement(session.get_bind().dialect.name),
        {"cohort_id": cohort_id, "part_slug": part_slug},
    )
    finished: list[PartPerson] = []
    not_finished: list[PartPerson] = []
    for row in rows:
        person = PartPerson(
            enrolment_id=row.id,
            name=row.name,
            role=row.role,
            started=row.started_at is not None,
        )
        (finished if row.completed_at is not None else not_finished).append(person)
    return PartProgress(finished=tuple(finished), not_finished=tuple(not_finished))


@lru_cache(maxsize=2)
def _statement(dialect: str) -> Select[Any]:
    return (
        select(
            Enrolment.id,
            shown_name_column().label("name"),
            Enrolment.role,
            PartState.started_at,
            PartState.completed_at,
        )
        .join(User, User.id == Enrolment.user_id)
        .outerjoin(
            PartState,
            and_(
                PartState.enrolment_id == Enrolment.id,
                PartState.part_slug == bindparam("part_slug"),
            ),
        )
        .where(
            Enrolment.cohort_id == bindparam("cohort_id"),
            Enrolment.status != EnrolmentStatus.WITHDRAWN,
        )
        .order_by(shown_name_order(dialect), Enrolment.id)
    )
