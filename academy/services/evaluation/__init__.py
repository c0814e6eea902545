"""The course evaluation: anonymous surveys of a round (docs/decisions.md, "Course
evaluation")."""

from .chart import evaluation_chart_svg, one_decimal
from .exports import evaluation_csv, evaluation_table, evaluation_xlsx, survey_title
from .results import MIN_ANSWERS, Evaluation, SurveyResult, evaluation, role_groups
from .surveys import (
    BEFORE,
    CHANGE_MAX,
    END,
    PART_PREFIX,
    RATINGS,
    RECOMMEND,
    AlreadyAnswered,
    Answers,
    Survey,
    answer,
    decline,
    due_surveys,
    has_answered,
    markers_of,
    open_surveys,
    survey_of,
    surveys_of,
)

__all__ = [
    "BEFORE",
    "CHANGE_MAX",
    "END",
    "MIN_ANSWERS",
    "PART_PREFIX",
    "RATINGS",
    "RECOMMEND",
    "AlreadyAnswered",
    "Answers",
    "Evaluation",
    "Survey",
    "SurveyResult",
    "answer",
    "decline",
    "due_surveys",
    "evaluation",
    "evaluation_chart_svg",
    "evaluation_csv",
    "evaluation_table",
    "evaluation_xlsx",
    "has_answered",
    "markers_of",
    "one_decimal",
    "open_surveys",
    "role_groups",
    "survey_of",
    "survey_title",
    "surveys_of",
]
