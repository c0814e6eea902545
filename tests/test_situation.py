"""The lägesbild (services.situation and its downloads): what it holds for a place and for a
plan's area, that it carries no personal name, the PDF read back by poppler,
the workbook read back by openpyxl (text never calculated), the organisation's language,
and who may take one. On both backends."""

from __future__ import annotations

import io
import shutil
import subprocess
from datetime import date

import pytest
from openpyxl import load_workbook
from sqlalchemy import select

from academy import pdf
from academy.models import AuditEvent, FindingStatus, MeasureStatus
from academy.services import plans, situation
from academy.services.plans import MeasureValues
from tests.test_walks import Walked, make_plan_with_measure

FORMULA = '=HYPERLINK("http://127.0.0.1:1/","klick")'
SECRETS = ("Åsa Öberg", "Olle Org", "Pia Polis", "Vårens runda", "Höstens runda")


@pytest.fixture
def town(db):
    walked = Walked(db)
    walked.mark(walked.dark_again, walked.dark)
    walked.mark(walked.dark_autumn, walked.dark)
    plan, lit = make_plan_with_measure(db, walked)
    # The police's measure has Pia as contact person: her name is never printed.
    plans.create_measure(
        db,
        plan,
        MeasureValues(
            title="Kvällspatrull vid cykelstället",
            place_id=walked.square.id,
            responsible_id=walked.police.id,
            contact_id=walked.officer.id,
            contact="Pia Polis, 114 14",
            due_on=date(2027, 1, 15),
            indicator="Anmälda cykelstölder vid stationen",
        ),
        created_by_id=walked.organizer.id,
    )
    plans.set_measure_status(db, lit, MeasureStatus.IN_PROGRESS, changed_by_id=walked.organizer.id)
    plans.add_note(db, lit, "Olle Org ringde elbolaget.", author_id=walked.organizer.id)
    walked.litter.status = FindingStatus.DONE
    walked.corner.observation = FORMULA
    walked.owner.language = "sv"
    walked.plan = plan
    db.commit()
    return walked


def test_a_places_situation_has_its_walks_measures_and_open_findings(app_context, db, town):
    today = date(2027, 11, 1)
    picture = situation.place_situation(db, town.square, today=today)
    (entry,) = picture.places
    assert entry.comparison.total_series == (3, 1, 2)
    assert all(column.rounds == () for column in entry.comparison.columns)
    # The litter is done: five of six findings are open.
    assert entry.open_total == 5 and len(entry.open_findings) == 5
    assert [finding.category.value for finding in entry.open_findings][:4] == ["lighting"] * 4
    titles = [line.title for line in picture.measures]
    assert titles == [
        "Kvällspatrull vid cykelstället",
        "Belysning vid cykelstället",
        "Möte med handlarna",
    ]
    patrol = picture.measures[0]
    assert patrol.responsible == "Polisen Fyrbodal" and patrol.overdue
    assert picture.overdue == 2  # the patrol and the lighting are past their dates


def test_a_plans_situation_covers_the_places_the_reader_reads(app_context, db, town):
    picture = situation.plan_situation(db, town.plan, {town.square.id}, today=date(2027, 1, 1))
    assert picture.title == "Åtgärdsplan Torget 2027" and picture.plan is town.plan
    assert [entry.name for entry in picture.places] == ["Torget"]
    none = situation.plan_situation(db, town.plan, set(), today=date(2027, 1, 1))
    assert none.places == () and none.measures == ()


def pdf_text(data: bytes, tmp_path) -> str:
    path = tmp_path / "lagesbild.pdf"
    path.write_bytes(data)
    return subprocess.run(
        ["pdftotext", "-raw", str(path), "-"], check=True, capture_output=True, text=True
    ).stdout


def test_the_pdf_is_read_by_poppler_in_swedish_without_names(
    app_context, db, town, tmp_path, monkeypatch
):
    fetched = []
    fetch = pdf.SafeURLFetcher.fetch

    def recording_fetch(self, url, *args, **kwargs):
        fetched.append(url)
        return fetch(self, url, *args, **kwargs)

    monkeypatch.setattr(pdf.SafeURLFetcher, "fetch", recording_fetch)
    picture = situation.place_situation(db, town.square, today=date(2027, 11, 1))
    data = situation.situation_pdf(picture, "sv")
    assert data.startswith(b"%PDF")
    assert fetched and all(url.startswith(("file:", "data:")) for url in fetched)
    if shutil.which("pdfinfo"):
        path = tmp_path / "info.pdf"
        path.write_bytes(data)
        info = subprocess.run(
            ["pdfinfo", str(path)], check=True, capture_output=True, text=True
        ).stdout
        assert "Lägesbild: Torget" in info and "Pages:" in info
    if shutil.which("pdftotext"):
        text = pdf_text(data, tmp_path)
        flat = "".join(text.split())
        for shown in (
            "Lägesbild: Torget",
            "Vandringarna över tid",
            "Kvällspatrull vid cykelstället",
            "Polisen Fyrbodal",
            "Anmälda cykelstölder vid stationen",
            "Försenad",
            "Öppna iakttagelser vid Torget",
            "Cykelstället",
            FORMULA,
        ):
            assert "".join(shown.split()) in flat, shown
        for secret in (*SECRETS, "114 14"):
            assert "".join(secret.split()) not in flat, secret


def test_the_pdf_lists_at_most_its_share_of_open_findings(app_context, db, town, monkeypatch):
    monkeypatch.setattr(situation.document, "PDF_FINDINGS_MAX", 2)
    picture = situation.place_situation(db, town.square, today=date(2027, 11, 1))
    html = situation.situation_html(picture, "en")
    assert "3 more open findings are in the workbook." in html


def test_the_workbook_has_walks_measures_and_every_open_finding_as_text(app_context, db, town):
    picture = situation.place_situation(db, town.square, today=date(2027, 11, 1))
    workbook = load_workbook(io.BytesIO(situation.situation_xlsx(picture, "nb")))
    assert workbook.sheetnames == ["Vandringer over tid", "Tiltak", "Åpne funn"]
    walks = [
        [cell for cell in row]
        for row in workbook["Vandringer over tid"].iter_rows(values_only=True)
    ]
    assert ["Alle funn", 3, 1, 2] in [list(row[:4]) for row in walks]
    assert ["Fortsatt der", "", 1, 1] in [
        [cell if cell is not None else "" for cell in row[:4]] for row in walks
    ]
    measures = list(workbook["Tiltak"].iter_rows(values_only=True))
    assert measures[0][0] == "Tiltak" and len(measures) == 4
    findings = list(workbook["Åpne funn"].iter_rows(values_only=True))
    assert len(findings) == 1 + 5
    formula_cells = [
        cell for row in workbook["Åpne funn"].iter_rows() for cell in row if cell.value == FORMULA
    ]
    assert formula_cells and all(cell.data_type == "s" for cell in formula_cells)
    everything = " ".join(
        str(value)
        for sheet in workbook
        for row in sheet.iter_rows(values_only=True)
        for value in row
        if value is not None
    )
    for secret in (*SECRETS, "114 14"):
        assert secret not in everything, secret


def test_the_owner_downloads_it_from_the_walks_page_in_the_organisations_language(
    client, db, town, tmp_path
):
    client.login_as(town.organizer)  # reads English
    page = client.get(f"/organize/places/{town.square.id}/walks").get_data(as_text=True)
    address = f"/organize/places/{town.square.id}/situation"
    assert address in page and "Language: Svenska." in page
    response = client.post_form(address, {"format": "pdf"})
    assert response.status_code == 200 and response.content_type == "application/pdf"
    assert response.headers["Cache-Control"] == "no-store"
    assert "torget-lagesbild-" in response.headers["Content-Disposition"]
    if shutil.which("pdftotext"):
        assert "Lägesbild" in pdf_text(response.data, tmp_path)
    event = db.scalars(select(AuditEvent).where(AuditEvent.action == "situation.downloaded")).one()
    assert event.details["format"] == "pdf" and event.details["language"] == "sv"
    workbook = client.post_form(address, {"format": "xlsx"})
    assert workbook.status_code == 200 and workbook.data[:2] == b"PK"


def test_without_a_language_it_is_the_readers(client, db, town):
    town.owner.language = None
    db.commit()
    client.login_as(town.organizer)
    response = client.post_form(f"/organize/places/{town.square.id}/situation", {"format": "xlsx"})
    workbook = load_workbook(io.BytesIO(response.data))
    assert workbook.sheetnames == ["Walks over time", "Measures", "Open findings"]


@pytest.mark.parametrize("who", ["officer", "viewer"])
def test_partners_and_viewers_take_the_plans_situation(client, db, town, who):
    client.login_as(getattr(town, who))
    plan_page = client.get(f"/organize/plans/{town.plan.id}").get_data(as_text=True)
    address = f"/organize/plans/{town.plan.id}/situation"
    assert address in plan_page
    response = client.post_form(address, {"format": "xlsx"})
    assert response.status_code == 200
    workbook = load_workbook(io.BytesIO(response.data))
    assert "Torget" in str(list(workbook.worksheets[0].iter_rows(values_only=True)))


@pytest.mark.parametrize("value", ["csv", "", "PDF", "x" * 500])
def test_an_unknown_format_is_a_bad_request(client, town, value):
    client.login_as(town.organizer)
    response = client.post_form(f"/organize/places/{town.square.id}/situation", {"format": value})
    assert response.status_code == 400


def test_strangers_get_404_and_no_token_400(client, db, town):
    client.login_as(town.other)
    for address in (
        f"/organize/places/{town.square.id}/situation",
        f"/organize/plans/{town.plan.id}/situation",
    ):
        assert client.post_form(address, {"format": "pdf"}).status_code == 404
    client.login_as(town.organizer)
    assert client.post(f"/organize/places/{town.square.id}/situation").status_code == 400
    assert not db.scalars(
        select(AuditEvent).where(AuditEvent.action == "situation.downloaded")
    ).all()
