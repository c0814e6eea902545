"""The participant's place dossier: their assignments as one PDF, read back with poppler."""

from __future__ import annotations

import subprocess

from academy.models import AssignmentSubmission, SubmissionStatus, utcnow
from tests.factories import (
    make_cohort,
    make_enrolment,
    make_organisation,
    make_place,
    make_user,
)


def pdf_text(data: bytes, tmp_path) -> str:
    path = tmp_path / "dossier.pdf"
    path.write_bytes(data)
    return subprocess.run(
        ["pdftotext", "-layout", str(path), "-"], check=True, capture_output=True, text=True
    ).stdout


def pdf_fonts(data: bytes, tmp_path) -> str:
    path = tmp_path / "fonts.pdf"
    path.write_bytes(data)
    return subprocess.run(
        ["pdffonts", str(path)], check=True, capture_output=True, text=True
    ).stdout


def make_participant(db):
    organisation = make_organisation(db, name="Åmåls kommun")
    place = make_place(db, organisation, name="Östra torget")
    user = make_user(db, name="Åsa Ørsted", certificate_name="Åsa Ørsted", locale="sv")
    enrolment = make_enrolment(db, make_cohort(db, organisation), user=user, place=place)
    db.add_all(
        [
            AssignmentSubmission(
                enrolment_id=enrolment.id,
                part_slug="situational-prevention",
                content_version="v",
                answers={
                    "place": "Östra torget <script>alert(1)</script>",
                    "problem": "Cyklar stjäls vid stationen varje kväll efter sju.",
                    "technique": "effort",
                },
                status=SubmissionStatus.SUBMITTED,
                submitted_at=utcnow(),
            ),
        ]
    )
    db.commit()
    return enrolment


def test_the_dossier_prints_the_saved_assignments_in_the_participants_language(
    client, db, tmp_path
):
    enrolment = make_participant(db)
    client.login_as(enrolment.user)
    overview = client.get(f"/learn/{enrolment.id}/").data.decode()
    assert f'href="/learn/{enrolment.id}/dossier.pdf"' in overview

    response = client.get(f"/learn/{enrolment.id}/dossier.pdf")
    assert response.status_code == 200
    assert response.mimetype == "application/pdf"
    assert response.headers["Cache-Control"] == "no-store"
    assert response.headers["Content-Disposition"].startswith(
        'attachment; filename="ostra-torget-dossier-'
    )
    text = pdf_text(response.data, tmp_path)
    assert "Östra torget <script>alert(1)</script>" in text  # printed as text, never run
    assert "Cyklar stjäls vid stationen" in text
    assert "Åsa Ørsted" in text
    # The choice by its label, the parts by number, and what is missing said so.
    assert "Öka ansträngningen" in text and "Increase the effort" not in text
    assert "DEL 1: SITUATIONELL BROTTSPREVENTION" in text.upper()
    assert "Inte påbörjad ännu." in text
    assert "Platsmapp: Östra torget" in text and "Åmåls kommun" in text
    fonts = pdf_fonts(response.data, tmp_path)
    rows = [line for line in fonts.splitlines()[2:] if line.strip()]
    assert rows and all(" yes " in row for row in rows), fonts  # every font embedded


def test_the_dossier_is_the_participants_own(client, db):
    enrolment = make_participant(db)
    stranger = make_user(db)
    client.login_as(stranger)
    assert client.get(f"/learn/{enrolment.id}/dossier.pdf").status_code == 404


def test_the_dossier_needs_a_login(client, db):
    enrolment = make_participant(db)
    response = client.get(f"/learn/{enrolment.id}/dossier.pdf")
    assert response.status_code == 302 and response.headers["Location"].startswith("/login")
