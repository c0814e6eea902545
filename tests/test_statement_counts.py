"""The regression gate: the SQL statements each main page runs, as recorded in
tests/data/statement_counts.json.

Every page is measured against the small world of tests/test_route_security.py, as the
person the page is for. A page that runs more statements than recorded fails (an N+1 or a
forgotten eager load is the usual cause); one that runs fewer fails too, so that the file
stays exact and the gain is kept. After a deliberate change, rewrite the file with

    ACADEMY_UPDATE_STATEMENT_COUNTS=1 .venv/bin/pytest tests/test_statement_counts.py

and commit it with the change that explains the new numbers. The counts are the same on
SQLite and PostgreSQL (CI runs both).
"""

from __future__ import annotations

import json
import os
from pathlib import Path

import pytest

from academy.services import certificate_pdf
from tests.conftest import Client
from tests.test_route_security import FAKE_PDF, LESSON, PART, World, build_world

COUNTS_FILE = Path(__file__).resolve().parent / "data" / "statement_counts.json"
UPDATE_VARIABLE = "ACADEMY_UPDATE_STATEMENT_COUNTS"

# label: (who asks, the page's address filled from the world's URL values)
PAGES: dict[str, tuple[str, str]] = {
    "home": ("anonymous", "/"),
    "home, logged in": ("participant", "/"),
    "login": ("anonymous", "/login"),
    "learn: dashboard": ("participant", "/learn/"),
    "learn: course overview": ("participant", "/learn/{enrolment_id}/"),
    "learn: part overview": ("participant", "/learn/{enrolment_id}/{part_slug}/"),
    "learn: lesson": ("participant", "/learn/{enrolment_id}/{part_slug}/{lesson_slug}"),
    "learn: quiz": ("participant", "/learn/{enrolment_id}/{part_slug}/quiz"),
    "learn: quiz result": ("participant", "/learn/{enrolment_id}/{part_slug}/quiz/{attempt_id}"),
    "learn: assignment": ("participant", "/learn/{enrolment_id}/{part_slug}/assignment"),
    "learn: place findings": ("participant", "/learn/{enrolment_id}/place"),
    "learn: check-in": ("participant", "/learn/sessions/{session_id}/check-in"),
    "account: profile": ("participant", "/account"),
    "certificate: PDF download": ("participant", "/certificates/{certificate_id}/certificate.pdf"),
    "verify: certificate (public)": ("anonymous", "/verify/{code}"),
    "organize: index": ("organizer", "/organize/"),
    "organize: organisation": ("organizer", "/organize/organisations/{organisation_id}"),
    "organize: cohort": ("organizer", "/organize/cohorts/{cohort_id}"),
    "organize: report": ("organizer", "/organize/cohorts/{cohort_id}/report"),
    "organize: evaluation": ("organizer", "/organize/cohorts/{cohort_id}/evaluation"),
    "organize: assignments list": ("organizer", "/organize/cohorts/{cohort_id}/assignments"),
    "organize: assignment review": (
        "organizer",
        "/organize/enrolments/{enrolment_id}/assignments/{part_slug}",
    ),
    "organize: attendance": ("organizer", "/organize/sessions/{session_id}/attendance"),
    "organize: check-in screen": ("organizer", "/organize/sessions/{session_id}/check-in"),
    "organize: import review": ("organizer", "/organize/cohorts/{cohort_id}/import/{key}"),
    "organize: certificate manage": (
        "organizer",
        "/organize/enrolments/{enrolment_id}/certificate",
    ),
    "organize: places": ("organizer", "/organize/organisations/{organisation_id}/places"),
    "organize: place page": ("organizer", "/organize/places/{place_id}"),
    "organize: place page, as a partner": ("partner_organizer", "/organize/places/{place_id}"),
    "organize: place page, as a viewer": ("viewer", "/organize/places/{place_id}"),
    "organize: index, as a viewer": ("viewer", "/organize/"),
    "organize: walks of a place": ("organizer", "/organize/places/{place_id}/walks"),
    "organize: walks of a place, as a viewer": ("viewer", "/organize/places/{place_id}/walks"),
    "organize: plan page": ("organizer", "/organize/plans/{plan_id}"),
    "organize: plan page, as a partner": ("partner_organizer", "/organize/plans/{plan_id}"),
    "organize: plan page, as a viewer": ("viewer", "/organize/plans/{plan_id}"),
    "organize: measure page": ("organizer", "/organize/measures/{measure_id}"),
    "organize: measure page, as a partner": (
        "partner_organizer",
        "/organize/measures/{measure_id}",
    ),
    "admin: index": ("admin", "/admin/"),
    "admin: audit log": ("admin", "/admin/audit"),
    "admin: outbox": ("admin", "/admin/mail/"),
}


@pytest.fixture
def world(app, db, monkeypatch) -> World:
    monkeypatch.setattr(
        certificate_pdf, "render_certificate", lambda certificate, course, *, verify_url: FAKE_PDF
    )
    return build_world(app, db)


def measure(app, world: World, count_queries) -> dict[str, int]:
    values = world.url_values()
    assert (values["part_slug"], values["lesson_slug"]) == (PART, LESSON)
    counts = {}
    for label, (actor, address) in PAGES.items():
        client = Client(app, app.test_client())
        if world.users[actor] is not None:
            client.login_as(world.users[actor])
        url = address.format(**values)
        with count_queries() as counter:
            response = client.get(url)
            response.close()
        assert response.status_code == 200, f"{label}: GET {url} answered {response.status_code}"
        counts[label] = counter.count
    return counts


def test_main_pages_run_the_recorded_number_of_statements(app, world, count_queries):
    measured = measure(app, world, count_queries)
    if os.environ.get(UPDATE_VARIABLE) == "1":
        COUNTS_FILE.write_text(json.dumps(measured, indent=2, ensure_ascii=False) + "\n")
        return
    recorded = json.loads(COUNTS_FILE.read_text()) if COUNTS_FILE.exists() else {}
    problems = []
    for label, now in measured.items():
        before = recorded.get(label)
        if before is None:
            problems.append(f"{label}: not recorded yet (runs {now})")
        elif now > before:
            problems.append(
                f"{label}: runs {now} statements, {now - before} more than the {before} recorded"
            )
        elif now < before:
            problems.append(
                f"{label}: runs {now} statements, {before - now} fewer than the {before} "
                "recorded; lower the recorded number so that the gain is kept"
            )
    stale = sorted(recorded.keys() - measured.keys())
    problems += [f"{label}: recorded but no longer measured" for label in stale]
    assert not problems, (
        "The SQL statement counts of these pages differ from tests/data/statement_counts.json:\n"
        + "\n".join(problems)
        + f"\nIf the change is deliberate, rewrite the file with {UPDATE_VARIABLE}=1 .venv/bin/"
        "pytest tests/test_statement_counts.py and commit it with the change."
    )
