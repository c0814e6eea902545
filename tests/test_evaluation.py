"""The course evaluation (issue 16, item 5): anonymous surveys before the course, after
each part (when the round asks) and at its end; shown to organizers from five answers,
with a chart and an export; optional, never in the way of the certificate. The access
matrix of the routes is in test_route_security.py, the odd input in test_odd_input.py.
On both backends (ACADEMY_DATABASE_URL)."""

from __future__ import annotations

import csv
import io
import json
import zipfile
from datetime import date

import pytest
from openpyxl import load_workbook
from sqlalchemy import event, func, inspect, select

from academy.content import get_course
from academy.models import (
    AudienceRole,
    AuditEvent,
    Certificate,
    EnrolmentStatus,
    EvaluationAnswer,
    EvaluationMarker,
)
from academy.services import evaluation, privacy
from academy.services import progress as progress_service
from tests.factories import (
    make_cohort,
    make_enrolment,
    make_organisation,
    make_organizer,
    make_user,
)
from tests.test_route_security import (  # noqa: F401
    _assignment_answers,
    complete_course,
    fake_pdf,
)

pytestmark = pytest.mark.usefixtures("fake_pdf")
TODAY = date(2026, 12, 7)


def end_answers(course, *, overall=4, change="", level=4) -> evaluation.Answers:
    return evaluation.Answers(
        overall=overall,
        relevance=5,
        recommend="yes",
        change=change,
        confidence={part.slug: level for part in course.parts},
    )


class Round:
    def __init__(self, db, **cohort_values):
        self.course = get_course("safer-streets")
        self.organisation = make_organisation(db)
        self.cohort = make_cohort(db, self.organisation, name="Hösten <&> 2026", **cohort_values)
        self.organizer = make_organizer(db, self.organisation, make_user(db, name="Olga Org"))

    def enrol(self, db, role=AudienceRole.OFFICIAL, name=None):
        return make_enrolment(db, self.cohort, make_user(db, name=name or "Deltagare"), role=role)

    def answered(self, db, count, *, survey=evaluation.END, role=AudienceRole.OFFICIAL, **kw):
        """``count`` people of ``role`` who answered ``survey`` through the service."""
        chosen = evaluation.survey_of(self.course, self.cohort, survey)
        for _ in range(count):
            enrolment = self.enrol(db, role)
            evaluation.answer(
                db, enrolment, self.course, chosen, end_answers(self.course, **kw), today=TODAY
            )
        db.flush()

    def state(self, db, enrolment):
        return progress_service.load_progress(db, [enrolment.id])[enrolment.id]


@pytest.fixture
def round_(app_context, db):
    return Round(db)


# --- when each survey is asked -------------------------------------------------------------


def test_before_until_the_first_step_and_end_when_every_part_is_completed(round_, db):
    enrolment = round_.enrol(db)
    keys = lambda: [  # noqa: E731
        s.key
        for s in evaluation.due_surveys(round_.course, round_.cohort, round_.state(db, enrolment))
    ]
    assert keys() == [evaluation.BEFORE]
    part = round_.course.parts[0]
    progress_service.complete_lesson(db, enrolment, round_.course, part, part.lessons[0].slug)
    assert keys() == []
    complete_course(db, enrolment, round_.course)
    assert keys() == [evaluation.END]


def test_after_each_part_only_when_the_round_asks(app_context, db):
    each = Round(db, evaluate_each_part=True)
    enrolment = each.enrol(db)
    complete_course(db, enrolment, each.course)
    keys = [
        s.key for s in evaluation.due_surveys(each.course, each.cohort, each.state(db, enrolment))
    ]
    assert keys == [*(f"part-{part.slug}" for part in each.course.parts), evaluation.END]
    plain = Round(db)
    assert evaluation.survey_of(plain.course, plain.cohort, "part-safe-design") is None


# --- anonymity -----------------------------------------------------------------------------


def test_the_answer_carries_no_person_and_the_marker_no_answer(round_, db):
    enrolment = round_.enrol(db, AudienceRole.POLICE)
    complete_course(db, enrolment, round_.course)
    survey = evaluation.survey_of(round_.course, round_.cohort, evaluation.END)
    evaluation.answer(db, enrolment, round_.course, survey, end_answers(round_.course), today=TODAY)
    row = db.scalars(select(EvaluationAnswer)).one()
    assert (row.cohort_id, row.survey, row.role) == (round_.cohort.id, "end", AudienceRole.POLICE)
    assert row.answered_month == date(2026, 12, 1)
    assert len(row.id) == 32 and not row.id.isdigit()
    marker = db.scalars(select(EvaluationMarker)).one()
    assert (marker.enrolment_id, marker.survey, marker.declined) == (enrolment.id, "end", False)


def test_no_column_can_join_an_answer_to_a_person(db):
    """The schema itself: the answer points at the round and nothing else; it has no
    time finer than a month, no sequence; the marker has no id, no time, nothing of the
    answer but the survey's name."""
    schema = inspect(db.get_bind())
    answer = {column["name"]: column for column in schema.get_columns("evaluation_answer")}
    marker = {column["name"]: column for column in schema.get_columns("evaluation_marker")}
    assert [
        (fk["referred_table"], fk["constrained_columns"])
        for fk in schema.get_foreign_keys("evaluation_answer")
    ] == [("cohort", ["cohort_id"])]
    assert not any("user" in name or "enrolment" in name for name in answer)
    assert schema.get_pk_constraint("evaluation_answer")["constrained_columns"] == ["id"]
    assert "INT" not in str(answer["id"]["type"]).upper()
    temporal = [
        n
        for n, c in answer.items()
        if c["type"].python_type in (date,) or "TIME" in str(c["type"]).upper()
    ]
    assert temporal == ["answered_month"]
    assert set(marker) == {"enrolment_id", "survey", "declined"}
    assert set(marker) & set(answer) == {"survey"}
    assert schema.get_pk_constraint("evaluation_marker")["constrained_columns"] == [
        "enrolment_id",
        "survey",
    ]


@pytest.fixture
def statements(db):
    """Every SQL statement run on the connection while the test runs."""
    seen: list[str] = []

    def record(conn, cursor, statement, parameters, context, executemany):
        seen.append(statement.lower())

    engine = db.get_bind()
    target = engine.engine if hasattr(engine, "engine") else engine
    event.listen(target, "before_cursor_execute", record)
    yield seen
    event.remove(target, "before_cursor_execute", record)


def test_no_query_joins_an_answer_to_a_person(app, client, db, statements):
    """Every statement of answering, skipping, the dashboard, the results page and both
    exports: none that reads or writes the answers names the markers, enrolments or users."""
    with app.app_context():
        round_ = Round(db)
        round_.answered(db, 5, change="Mer om belysning")
        enrolment = round_.enrol(db, name="Åsa Svar")
        complete_course(db, enrolment, round_.course)
    db.commit()
    client.login_as(enrolment.user)
    client.get("/learn/")
    client.post_form(
        f"/learn/{enrolment.id}/evaluation/end",
        {
            "overall": "3",
            "relevance": "4",
            "recommend": "no",
            "change": "Kortare",
            **{f"confidence_{p.slug}": "3" for p in round_.course.parts},
        },
    )
    client.login_as(round_.organizer.user)
    client.get(f"/organize/cohorts/{round_.cohort.id}/evaluation")
    for chosen in ("csv", "xlsx"):
        client.post_form(
            f"/organize/cohorts/{round_.cohort.id}/evaluation/export", {"format": chosen}
        )
    touching = [s for s in statements if "evaluation_answer" in s]
    assert any(s.startswith("insert") for s in touching)
    assert any(s.startswith("select") for s in touching)
    for statement in touching:
        for other in ("evaluation_marker", "enrolment", '"user"', " user "):
            assert other not in statement, statement


# --- once only, optional --------------------------------------------------------------------


def test_a_second_answer_or_an_answer_after_skipping_is_refused(round_, db):
    first, second = round_.enrol(db), round_.enrol(db)
    before = evaluation.survey_of(round_.course, round_.cohort, evaluation.BEFORE)
    evaluation.answer(db, first, round_.course, before, end_answers(round_.course), today=TODAY)
    with pytest.raises(evaluation.AlreadyAnswered):
        evaluation.answer(db, first, round_.course, before, end_answers(round_.course), today=TODAY)
    evaluation.decline(db, second, before)
    with pytest.raises(evaluation.AlreadyAnswered):
        evaluation.answer(
            db, second, round_.course, before, end_answers(round_.course), today=TODAY
        )
    assert db.scalar(select(func.count()).select_from(EvaluationAnswer)) == 1
    assert db.scalar(select(func.count()).select_from(EvaluationMarker)) == 2


def form_of(course, **overrides) -> dict:
    data = {
        "overall": "5",
        "relevance": "4",
        "recommend": "yes",
        "change": "Fler exempel från små orter",
        **{f"confidence_{part.slug}": "4" for part in course.parts},
    }
    data.update(overrides)
    return data


def completed(app, db, round_=None, **cohort_values):
    with app.app_context():
        round_ = round_ or Round(db, **cohort_values)
        enrolment = round_.enrol(db, name="Åsa Avslutad")
        complete_course(db, enrolment, round_.course)
    db.commit()
    return round_, enrolment


def test_the_certificate_never_waits_for_the_evaluation(app, client, db):
    round_, enrolment = completed(app, db)
    db.refresh(enrolment)
    assert enrolment.status == EnrolmentStatus.COMPLETED
    assert db.scalar(select(Certificate).where(Certificate.enrolment_id == enrolment.id))
    assert db.scalar(select(func.count()).select_from(EvaluationMarker)) == 0
    client.login_as(enrolment.user)
    page = client.get("/learn/").get_data(as_text=True)
    assert "Your certificate" in page
    assert f"/learn/{enrolment.id}/evaluation/end" in page
    # Skipping hides the invitation and leaves the certificate alone.
    answer = client.post_form(f"/learn/{enrolment.id}/evaluation/end/skip")
    assert answer.status_code == 302
    page = client.get("/learn/").get_data(as_text=True)
    assert f"/learn/{enrolment.id}/evaluation/end" not in page
    assert "Your certificate" in page
    assert (
        client.post_form(
            f"/learn/{enrolment.id}/evaluation/end", form_of(round_.course)
        ).status_code
        == 302
    )
    assert db.scalar(select(func.count()).select_from(EvaluationAnswer)) == 0


def test_answering_through_the_page_once(app, client, db):
    round_, enrolment = completed(app, db)
    client.login_as(enrolment.user)
    url = f"/learn/{enrolment.id}/evaluation/end"
    assert client.get(url).status_code == 200
    answer = client.post_form(url, form_of(round_.course))
    assert answer.status_code == 302
    again = client.post_form(url, form_of(round_.course), follow_redirects=True)
    assert "already answered" in again.get_data(as_text=True)
    assert db.scalar(select(func.count()).select_from(EvaluationAnswer)) == 1
    assert f'href="{url}"' not in client.get("/learn/").get_data(as_text=True)


def test_the_before_survey_on_the_course_page_of_a_new_participant(app, client, db):
    with app.app_context():
        round_ = Round(db)
        enrolment = round_.enrol(db)
    db.commit()
    client.login_as(enrolment.user)
    page = client.get(f"/learn/{enrolment.id}/").get_data(as_text=True)
    assert f"/learn/{enrolment.id}/evaluation/before" in page
    form = client.get(f"/learn/{enrolment.id}/evaluation/before").get_data(as_text=True)
    assert "confidence_situational-prevention" in form and 'name="overall"' not in form
    data = {f"confidence_{p.slug}": "2" for p in round_.course.parts}
    assert client.post_form(f"/learn/{enrolment.id}/evaluation/before", data).status_code == 302
    row = db.scalars(select(EvaluationAnswer)).one()
    assert row.confidence == {p.slug: 2 for p in round_.course.parts} and row.overall is None


@pytest.mark.parametrize(
    "field, value",
    [
        ("overall", "7"),
        ("overall", ""),
        ("recommend", "maybe"),
        ("change", "x" * 2001),
        ("confidence_safe-design", "0"),
        ("relevance", "4.5"),
    ],
)
def test_bad_input_is_shown_again_and_nothing_stored(app, client, db, field, value):
    round_, enrolment = completed(app, db)
    client.login_as(enrolment.user)
    answer = client.post_form(
        f"/learn/{enrolment.id}/evaluation/end", form_of(round_.course, **{field: value})
    )
    assert answer.status_code == 200
    assert "There is a problem" in answer.get_data(as_text=True)
    assert db.scalar(select(func.count()).select_from(EvaluationMarker)) == 0


def test_unknown_surveys_are_not_found_and_closed_ones_say_so(app, client, db):
    round_, enrolment = completed(app, db)
    client.login_as(enrolment.user)
    assert client.get(f"/learn/{enrolment.id}/evaluation/part-safe-design").status_code == 404
    assert client.get(f"/learn/{enrolment.id}/evaluation/nonsense").status_code == 404
    closed = client.get(f"/learn/{enrolment.id}/evaluation/before")
    assert closed.status_code == 200 and "not open to you now" in closed.get_data(as_text=True)
    assert (
        client.post_form(
            f"/learn/{enrolment.id}/evaluation/before", form_of(round_.course)
        ).status_code
        == 302
    )
    assert db.scalar(select(func.count()).select_from(EvaluationMarker)) == 0


def test_a_post_without_the_csrf_token_is_refused(app, client, db):
    round_, enrolment = completed(app, db)
    client.login_as(enrolment.user)
    answer = client.flask.post(f"/learn/{enrolment.id}/evaluation/end", data=form_of(round_.course))
    assert answer.status_code == 400
    assert db.scalar(select(func.count()).select_from(EvaluationMarker)) == 0


# --- the organizer's results ----------------------------------------------------------------


def results_page(app, client, db, round_):
    db.commit()
    client.login_as(round_.organizer.user)
    return client.get(f"/organize/cohorts/{round_.cohort.id}/evaluation").get_data(as_text=True)


def test_nothing_is_shown_below_five_answers(app, client, db):
    with app.app_context():
        round_ = Round(db)
        round_.answered(db, 4, change="Hemlig synpunkt från en av fyra")
    page = results_page(app, client, db, round_)
    assert "4 answers." in page and "when 1 more has answered" in page
    assert "Hemlig synpunkt" not in page and "<svg" not in page
    assert "Download:" not in page
    with app.app_context():
        assert evaluation.evaluation(db, round_.cohort, round_.course).result("end").changes == []


def test_from_five_answers_the_results_the_chart_and_the_free_text(app, client, db):
    with app.app_context():
        round_ = Round(db)
        round_.answered(db, 4, survey=evaluation.BEFORE, level=2)
        round_.answered(db, 1, survey=evaluation.BEFORE, level=3)
        round_.answered(db, 4, change="<b>Mer</b> om belysning")
        round_.answered(db, 1, overall=2)
    page = results_page(app, client, db, round_)
    assert "5 answers." in page
    assert "&lt;b&gt;Mer&lt;/b&gt; om belysning" in page and "<b>Mer</b>" not in page
    assert "<svg" in page and "Hösten &lt;&amp;&gt; 2026: course evaluation" in page
    assert "Before the course: 2.2" in page and "At the end: 4.0" in page
    with app.app_context():
        end = evaluation.evaluation(db, round_.cohort, round_.course).result("end")
    assert end.overall.counts == (0, 1, 0, 4, 0) and end.overall.average == 3.6
    assert end.recommend == {"yes": 5, "no": 0, "unsure": 0}


def test_the_chart_is_escaped_and_described(round_, db):
    round_.answered(db, 5)
    svg = evaluation.evaluation_chart_svg(
        evaluation.evaluation(db, round_.cohort, round_.course), round_.course, "sv"
    )
    assert 'role="img"' in svg and "<title id=" in svg and "<desc id=" in svg
    assert "Hösten &lt;&amp;&gt; 2026" in svg and "<&>" not in svg


@pytest.mark.parametrize(
    "counts, shown, others",
    [
        ({AudienceRole.OFFICIAL: 5, AudienceRole.POLICE: 2}, set(), False),
        ({AudienceRole.OFFICIAL: 5, AudienceRole.POLICE: 5}, {"official", "police"}, False),
        (
            {AudienceRole.OFFICIAL: 6, AudienceRole.POLICE: 3, AudienceRole.TRADER: 2},
            {"official"},
            True,
        ),
        ({AudienceRole.OFFICIAL: 3, AudienceRole.POLICE: 3}, set(), False),
        ({AudienceRole.OFFICIAL: 9}, {"official"}, False),
    ],
)
def test_a_role_is_shown_apart_only_with_five_answers_and_a_rest_of_none_or_five(
    counts, shown, others
):
    large, rest = evaluation.role_groups(counts)
    assert {role.value for role in large} == shown and rest is others


def test_small_roles_are_not_broken_down(app, client, db):
    with app.app_context():
        round_ = Round(db)
        round_.answered(db, 5)
        round_.answered(db, 2, role=AudienceRole.POLICE)
    page = results_page(app, client, db, round_)
    assert "Not shown by role" in page and '<th scope="row">Police' not in page


# --- the export -----------------------------------------------------------------------------


def export(client, round_, chosen):
    return client.post_form(
        f"/organize/cohorts/{round_.cohort.id}/evaluation/export", {"format": chosen}
    )


def test_the_export_holds_only_surveys_with_five_answers_text_never_calculated(app, client, db):
    with app.app_context():
        round_ = Round(db)
        round_.answered(db, 4, survey=evaluation.BEFORE)
        round_.answered(db, 4, change='=HYPERLINK("http://evil")')
        round_.answered(db, 1, role=AudienceRole.POLICE)
    results_page(app, client, db, round_)
    answer = export(client, round_, "csv")
    assert answer.status_code == 200
    assert "evaluation" in answer.headers["Content-Disposition"]
    rows = list(csv.reader(io.StringIO(answer.data.decode("utf-8-sig"))))
    assert rows[0][:3] == ["Survey", "Role", "Month"]
    assert len(rows) == 6 and {row[0] for row in rows[1:]} == {"End of the course"}
    assert {row[1] for row in rows[1:]} == {""}  # one police answer: no role is named
    assert rows[1][2] == "2026-12"
    assert sum(row[6] == '\'=HYPERLINK("http://evil")' for row in rows) == 4
    book = load_workbook(io.BytesIO(export(client, round_, "xlsx").data))
    sheet = book.active
    cells = [row[6] for row in sheet.iter_rows(min_row=2)]
    assert {cell.data_type for cell in cells if cell.value} == {"s"}
    assert (
        db.scalar(
            select(func.count())
            .select_from(AuditEvent)
            .where(AuditEvent.action == "evaluation.exported")
        )
        == 2
    )


# --- privacy --------------------------------------------------------------------------------


def test_the_marker_is_in_the_data_export_and_erased_the_answer_stays(round_, db):
    enrolment = round_.enrol(db)
    before = evaluation.survey_of(round_.course, round_.cohort, evaluation.BEFORE)
    evaluation.answer(db, enrolment, round_.course, before, end_answers(round_.course), today=TODAY)
    data = b"".join(privacy.export_user_data(db, enrolment.user))
    with zipfile.ZipFile(io.BytesIO(data)) as archive:
        name = next(n for n in archive.namelist() if n.endswith(".json"))
        exported = json.loads(archive.read(name))
    assert exported["evaluations"] == [
        {"enrolment": enrolment.id, "survey": "before", "skipped": False}
    ]
    privacy.erase_account(db, enrolment.user, withdraw_certificates=False)
    assert db.scalar(select(func.count()).select_from(EvaluationMarker)) == 0
    assert db.scalar(select(func.count()).select_from(EvaluationAnswer)) == 1


def test_the_organizer_turns_on_the_survey_after_each_part(app, client, db):
    with app.app_context():
        round_ = Round(db)
        enrolment = round_.enrol(db)
        part = round_.course.parts[0]
        for lesson in part.lessons:
            progress_service.complete_lesson(db, enrolment, round_.course, part, lesson.slug)
        answers = {
            item.slug: next(c.slug for c in item.choices if c.correct)
            for item in part.quiz.draw("eval-part")
        }
        progress_service.submit_quiz(db, enrolment, round_.course, part, answers, "eval-part")
        progress_service.save_assignment(
            db,
            enrolment,
            round_.course,
            part,
            _assignment_answers(part.assignment.fields),
            submit=True,
        )
    db.commit()
    client.login_as(enrolment.user)
    survey = f"/learn/{enrolment.id}/evaluation/part-{part.slug}"
    assert survey not in client.get(f"/learn/{enrolment.id}/").get_data(as_text=True)
    client.login_as(round_.organizer.user)
    answer = client.post_form(
        f"/organize/cohorts/{round_.cohort.id}/edit",
        {"course": "safer-streets", "name": round_.cohort.name, "evaluate_each_part": "y"},
    )
    assert answer.status_code == 302
    db.refresh(round_.cohort)
    assert round_.cohort.evaluate_each_part is True
    client.login_as(enrolment.user)
    assert survey in client.get(f"/learn/{enrolment.id}/").get_data(as_text=True)
    form = client.get(survey).get_data(as_text=True)
    assert 'name="overall"' in form and "confidence_" not in form
    data = form_of(round_.course)
    assert client.post_form(survey, data).status_code == 302
    row = db.scalars(select(EvaluationAnswer)).one()
    assert (row.survey, row.overall, row.confidence) == (f"part-{part.slug}", 5, {})
