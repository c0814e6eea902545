"""A round's evaluation as organizers see it: nothing of a survey until at least
``MIN_ANSWERS`` people have answered it, and no role shown apart unless every group
shown has at least ``MIN_ANSWERS`` answers (docs/decisions.md, "Course evaluation")."""

from __future__ import annotations

from collections import Counter, defaultdict
from collections.abc import Iterable
from dataclasses import dataclass, field

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from ...content import Course
from ...models import AudienceRole, Cohort, EvaluationAnswer
from .surveys import RATINGS, RECOMMEND, Survey, surveys_of

MIN_ANSWERS = 5


@dataclass(frozen=True)
class Distribution:
    """The answers to a 1-5 question: how many gave each, and their average."""

    counts: tuple[int, ...]
    average: float | None

    @property
    def answered(self) -> int:
        return sum(self.counts)


def distribution(values: Iterable[int | None]) -> Distribution:
    given = [value for value in values if value in RATINGS]
    counts = Counter(given)
    average = round(sum(given) / len(given), 1) if given else None
    return Distribution(tuple(counts[rating] for rating in RATINGS), average)


@dataclass(frozen=True)
class RoleGroup:
    """The answers of one role, or (``role`` None) of the roles too small to show."""

    role: AudienceRole | None
    answered: int
    overall: Distribution
    relevance: Distribution


@dataclass
class SurveyResult:
    survey: Survey
    answered: int
    # Everything below stays empty while fewer than MIN_ANSWERS have answered.
    overall: Distribution = field(default_factory=lambda: distribution([]))
    relevance: Distribution = field(default_factory=lambda: distribution([]))
    recommend: dict[str, int] = field(default_factory=dict)
    confidence: dict[str, Distribution] = field(default_factory=dict)
    changes: list[str] = field(default_factory=list)
    roles: list[RoleGroup] = field(default_factory=list)
    # The roles named apart in the results and the export.
    shown_roles: frozenset[AudienceRole] = frozenset()

    @property
    def shown(self) -> bool:
        return self.answered >= MIN_ANSWERS

    @property
    def needed(self) -> int:
        return max(0, MIN_ANSWERS - self.answered)


@dataclass
class Evaluation:
    cohort: Cohort
    surveys: list[SurveyResult]
    rows: dict[str, list[EvaluationAnswer]]

    def result(self, key: str) -> SurveyResult | None:
        return next((each for each in self.surveys if each.survey.key == key), None)

    @property
    def shown(self) -> list[SurveyResult]:
        return [each for each in self.surveys if each.shown]


def role_groups(counts: dict[AudienceRole, int]) -> tuple[frozenset[AudienceRole], bool]:
    """The roles that may be shown apart, and whether the rest are shown as "other
    roles". A role with fewer than MIN_ANSWERS answers is never shown apart; and when the
    rest would be 1-4 answers, no role is (the rest could be worked out by subtraction
    from the whole)."""
    large = frozenset(role for role, count in counts.items() if count >= MIN_ANSWERS)
    rest = sum(count for role, count in counts.items() if role not in large)
    if not large or 0 < rest < MIN_ANSWERS:
        return frozenset(), False
    if len(large) == 1 and not rest:
        # One role answered: showing it apart says nothing the whole does not.
        return large, False
    return large, rest >= MIN_ANSWERS


def evaluation(session: Session, cohort: Cohort, course: Course) -> Evaluation:
    """The round's surveys with their results, in two queries: the counts per survey and
    role, then the answers of the surveys with enough of them."""
    counts: dict[str, dict[AudienceRole, int]] = defaultdict(dict)
    for survey, role, number in session.execute(
        select(EvaluationAnswer.survey, EvaluationAnswer.role, func.count())
        .where(EvaluationAnswer.cohort_id == cohort.id)
        .group_by(EvaluationAnswer.survey, EvaluationAnswer.role)
    ):
        counts[survey][role] = number
    surveys = surveys_of(course, cohort)
    shown = [each.key for each in surveys if sum(counts[each.key].values()) >= MIN_ANSWERS]
    rows: dict[str, list[EvaluationAnswer]] = defaultdict(list)
    if shown:
        for row in session.scalars(
            select(EvaluationAnswer)
            .where(EvaluationAnswer.cohort_id == cohort.id, EvaluationAnswer.survey.in_(shown))
            # The random key: an order that says nothing about who answered when.
            .order_by(EvaluationAnswer.survey, EvaluationAnswer.id)
        ):
            rows[row.survey].append(row)
    results = [_result(each, course, counts[each.key], rows.get(each.key, [])) for each in surveys]
    return Evaluation(cohort, results, {key: rows[key] for key in shown})


def _result(
    survey: Survey, course: Course, counts: dict[AudienceRole, int], rows: list[EvaluationAnswer]
) -> SurveyResult:
    result = SurveyResult(survey, sum(counts.values()))
    if not result.shown:
        return result
    result.overall = distribution(row.overall for row in rows)
    result.relevance = distribution(row.relevance for row in rows)
    given = Counter(row.recommend for row in rows if row.recommend in RECOMMEND)
    result.recommend = {choice: given[choice] for choice in RECOMMEND} if given else {}
    if survey.asks_confidence:
        result.confidence = {
            part.slug: distribution(_level(row.confidence, part.slug) for row in rows)
            for part in course.parts
        }
    result.changes = sorted((row.change for row in rows if row.change.strip()), key=str.casefold)
    large, rest = role_groups(counts)
    result.shown_roles = large
    if survey.asks_ratings:
        for role in sorted(large, key=list(AudienceRole).index):
            mine = [row for row in rows if row.role == role]
            result.roles.append(
                RoleGroup(
                    role,
                    len(mine),
                    distribution(row.overall for row in mine),
                    distribution(row.relevance for row in mine),
                )
            )
        if rest:
            others = [row for row in rows if row.role not in large]
            result.roles.append(
                RoleGroup(
                    None,
                    len(others),
                    distribution(row.overall for row in others),
                    distribution(row.relevance for row in others),
                )
            )
    return result


def _level(confidence: object, slug: str) -> int | None:
    value = confidence.get(slug) if isinstance(confidence, dict) else None
    return value if isinstance(value, int) else None
