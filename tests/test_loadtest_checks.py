"""The load test's own checks (bench/loadtest): that a write a simulated person was told
succeeded and is not in the database is found lost, and which lines of gunicorn's log
the disruptions explain. The load test itself is not run here (it takes minutes)."""

from __future__ import annotations

import json
import time
from pathlib import Path

from academy.models import AssignmentSubmission, LessonProgress, QuizAttempt
from bench.loadtest import journal, writes
from bench.loadtest.disruptions import POSTGRES_RESTART, WORKER_KILL, Event
from bench.loadtest.serverlog import read_server_log
from tests.factories import make_cohort, make_enrolment, make_user


def by_step(checks: list[writes.StepCheck]) -> dict[str, tuple[int, int]]:
    return {check.step: (check.told, check.found) for check in checks}


def test_every_kind_of_write_told_is_found_or_counted_lost(db):
    cohort = make_cohort(db)
    enrolment = make_enrolment(db, cohort)
    other = make_enrolment(db, cohort)
    imported = make_enrolment(db, cohort, make_user(db, email="Import-o1-1-0@example.org"))
    db.add(LessonProgress(enrolment_id=enrolment.id, part_slug="basics", lesson_slug="one"))
    attempt = QuizAttempt(
        enrolment_id=enrolment.id, part_slug="basics", content_version="v1", nonce="n1"
    )
    db.add(attempt)
    # The last draft told was the 2nd; the 3rd was saved but its answer lost (fine). Of
    # the other enrolment's, the 5th was told but the database has the 4th (lost).
    db.add_all(
        [
            AssignmentSubmission(
                enrolment_id=enrolment.id,
                part_slug="basics",
                content_version="v1",
                answers={"notes": journal.draft_marker(enrolment.id, 3) + " Notes"},
            ),
            AssignmentSubmission(
                enrolment_id=other.id,
                part_slug="basics",
                content_version="v1",
                answers={"rows": [{"notes": journal.draft_marker(other.id, 4)}]},
            ),
        ]
    )
    db.flush()
    told = [
        {"step": "lesson", "enrolment": enrolment.id, "part": "basics", "lesson": "one"},
        {"step": "lesson", "enrolment": enrolment.id, "part": "basics", "lesson": "two"},
        {"step": "quiz", "enrolment": enrolment.id, "part": "basics", "attempt": attempt.id},
        # An attempt of the right id but another's is not the one told.
        {"step": "quiz", "enrolment": other.id, "part": "basics", "attempt": attempt.id + 1},
        {"step": "draft", "enrolment": enrolment.id, "part": "basics", "number": 1},
        {"step": "draft", "enrolment": enrolment.id, "part": "basics", "number": 2},
        {"step": "draft", "enrolment": other.id, "part": "basics", "number": 5},
        {
            "step": "import",
            "cohort": cohort.id,
            "emails": ["import-o1-1-0@example.org", "import-o1-1-1@example.org"],
        },
    ]

    checks = writes.check_in(db, told)

    assert by_step(checks) == {
        "lesson": (2, 1),
        "quiz": (2, 1),
        "draft": (3, 2),
        "import": (2, 1),
    }
    assert sum(check.lost for check in checks) == 4
    missing = {check.step: check.missing for check in checks}
    assert missing["lesson"] == [f"enrolment {enrolment.id}, basics/two"]
    assert missing["draft"] == [f"enrolment {other.id}, basics: draft 5 told, 4 stored"]
    assert missing["import"] == [f"import-o1-1-1@example.org in round {cohort.id}"]
    assert imported.user.email_normalized == "import-o1-1-0@example.org"


def test_the_journal_is_read_by_kind_and_a_cut_last_line_is_left_out(tmp_path):
    path = tmp_path / "journal.jsonl"
    write = journal.Journal(str(path))
    write("write", step="lesson", enrolment=1, part="p", lesson="l")
    write("retry", method="GET", name="/learn/", status=503, reason="HTTP 503", tries=1)
    write("failure", method="POST", name="/login", problem="HTTP 500")
    write.close()
    with path.open("a") as file:
        file.write('{"kind": "write", "step": "qu')

    entries = journal.read(path)

    assert [entry["step"] for entry in entries.writes] == ["lesson"]
    assert [entry["status"] for entry in entries.retries] == [503]
    assert [entry["problem"] for entry in entries.failures] == ["HTTP 500"]
    assert all(abs(entry["t"] - time.time()) < 60 for entry in entries.writes)
    assert json.loads(path.read_text().splitlines()[0])["kind"] == "write"


def access_line(status: int, moment: float) -> str:
    stamp = time.strftime("%d/%b/%Y:%H:%M:%S +0000", time.gmtime(moment))
    return f'10.0.0.1 127.0.0.1 [{stamp}] "GET /learn/ HTTP/1.1" {status} 2433 5ms "locust"'


def test_the_disruptions_explain_their_503s_and_the_killed_worker_only(tmp_path: Path):
    now = time.time()
    restart = Event(POSTGRES_RESTART, 100, started=now - 300, ended=now - 297, ok=True)
    kill = Event(WORKER_KILL, 160, started=now - 240, ended=now - 239.9, ok=True)
    log = tmp_path / "gunicorn.log"
    log.write_text(
        "\n".join(
            [
                access_line(200, now - 400),
                # Outside any disruption: an error.
                access_line(503, now - 400),
                "[2026-12-07 22:34:56,861] WARNING in errors: The database is unavailable "
                "(GET /learn/): OperationalError: connection failed",
                access_line(503, now - 299),
                access_line(503, now - 290),
                access_line(500, now - 299),
                "[2026-12-07 22:38:05 +0000] [4010] [ERROR] Worker (pid:4296) was sent "
                "SIGKILL! Perhaps out of memory?",
                "[2026-12-07 22:38:05 +0000] [4010] [ERROR] Worker (pid:17) was sent SIGKILL!",
                "[2026-12-07 22:38:06,000] ERROR in errors: Unhandled error on /learn/",
                "Traceback (most recent call last):",
            ]
        )
    )

    result = read_server_log(log, [restart, kill], killed=[4296])

    assert result.unavailable == 1
    assert result.expected == {
        "503 answers during the disruptions": 2,
        "the killed worker's line": 1,
    }
    assert len(result.errors) == 5
    assert '" 503 ' in result.errors[0] and '" 500 ' in result.errors[1]
    assert "pid:17" in result.errors[2]


def test_gunicorns_times_are_named_per_page_as_locust_names_them(tmp_path: Path):
    plan = {"cohorts": {"load": 7, "report": 8}}
    now = time.time()
    log = tmp_path / "gunicorn.log"
    lines = []
    for path, ms in [
        ("/learn/", 12),
        ("/learn/", 30),
        ("/learn/42/placemaking/quiz/913", 20),
        ("/learn/42/placemaking/gehl-public-life", 9),
        ("/organize/cohorts/8/report?page=3", 70),
        ("/organize/cohorts/8/report?role=official&page=2", 60),
        ("/organize/cohorts/7", 90),
        ("/organize/cohorts/7/import/Ab-3_x", 40),
    ]:
        stamp = time.strftime("%d/%b/%Y:%H:%M:%S +0000", time.gmtime(now))
        lines.append(f'10.0.0.1 127.0.0.1 [{stamp}] "GET {path} HTTP/1.1" 200 99 {ms}ms "locust"')
    log.write_text("\n".join(lines))

    result = read_server_log(log, [], killed=[], plan=plan)

    assert dict(result.durations) == {
        "GET /learn/": [12, 30],
        "GET /learn/[enrolment]/[part]/quiz/[attempt]": [20],
        "GET /learn/[enrolment]/[part]/[lesson]": [9],
        "GET /organize/cohorts/[report round]/report": [70],
        "GET /organize/cohorts/[report round]/report?filtered": [60],
        "GET /organize/cohorts/[load round]": [90],
        "GET /organize/cohorts/[id]/import/[key]": [40],
    }
    assert result.percentile("GET /learn/", 95) == 30
    assert result.percentile("GET /learn/", 50) == 12
    assert not result.errors
