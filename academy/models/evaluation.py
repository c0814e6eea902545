"""The course evaluation: anonymous answers, and apart from them who has answered.

An answer carries the round, the survey, the role and the month it was given, never the
person: no user, no enrolment, no timestamp and a random key (an ordinal id would put the
answers in the order the markers were written). Whether someone has answered (or
declined) a survey is a marker of its own, keyed by the enrolment and the survey, with
nothing the answer also has but the round's survey: the two are written in one
transaction and nothing can join them. See docs/decisions.md, "Course evaluation".
"""

from __future__ import annotations

import secrets
from datetime import date
from typing import Any

from sqlalchemy import JSON, ForeignKey, Index, SmallInteger, String, Text
from sqlalchemy.orm import Mapped, mapped_column

from .base import Base
from .types import AudienceRole, string_enum


def random_key() -> str:
    return secrets.token_hex(16)


class EvaluationAnswer(Base):
    """One person's answers to one survey of a round, stored without the person."""

    __tablename__ = "evaluation_answer"
    __table_args__ = (Index(None, "cohort_id", "survey"),)

    # Random, not a sequence: ids in insertion order could be matched to the markers.
    id: Mapped[str] = mapped_column(String(32), primary_key=True, default=random_key)
    cohort_id: Mapped[int] = mapped_column(ForeignKey("cohort.id"))
    # "before", "end" or "part-<part slug>" (services.evaluation.surveys).
    survey: Mapped[str] = mapped_column(String(80))
    role: Mapped[AudienceRole] = mapped_column(string_enum(AudienceRole, "audience_role"))
    # The first day of the month it was given: coarse on purpose.
    answered_month: Mapped[date]
    overall: Mapped[int | None] = mapped_column(SmallInteger)
    relevance: Mapped[int | None] = mapped_column(SmallInteger)
    # "yes", "no" or "unsure".
    recommend: Mapped[str | None] = mapped_column(String(8))
    change: Mapped[str] = mapped_column(Text, default="")
    # Confidence per part, 1-5, by part slug.
    confidence: Mapped[dict[str, Any]] = mapped_column(JSON, default=dict)

    def __repr__(self) -> str:
        return f"<EvaluationAnswer cohort={self.cohort_id} {self.survey}>"


class EvaluationMarker(Base):
    """That an enrolment has answered (or declined) a survey: what stops a second answer
    and the invitation. No id and no time, so that nothing matches it to its answer."""

    __tablename__ = "evaluation_marker"

    enrolment_id: Mapped[int] = mapped_column(ForeignKey("enrolment.id"), primary_key=True)
    survey: Mapped[str] = mapped_column(String(80), primary_key=True)
    declined: Mapped[bool] = mapped_column(default=False)

    def __repr__(self) -> str:
        return f"<EvaluationMarker enrolment={self.enrolment_id} {self.survey}>"
