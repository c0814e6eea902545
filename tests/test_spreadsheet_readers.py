"""The table exports as the programs that open them read them, not as our own code does.

CSV: the separator follows the reader's language (``;`` for Swedish and Norwegian, whose
Excel splits at the list separator, ``,`` for English), both stay on offer, the file keeps
its byte order mark; Python's ``csv.Sniffer`` is given the file without being told the
separator (only the ones spreadsheets offer) and must find it. xlsx: every text is a
text cell holding exactly what was typed, with no apostrophe in front (that is for CSV),
as openpyxl reads it and as LibreOffice shows it after converting every sheet to CSV
headless. On both backends.
"""

from __future__ import annotations

import csv
import io
import re
import shutil
import subprocess

import openpyxl
import pytest
from sqlalchemy import select

from academy.models import Cohort, FindingSeverity
from academy.services.spreadsheets import default_delimiter
from academy.web.downloads import table_format
from tests.factories import make_cohort, make_enrolment, make_organizer, make_user
from tests.test_situation import FORMULA
from tests.test_situation import town as town  # the lägesbild's town, as a fixture here
from tests.test_walks import Walked

BOM = b"\xef\xbb\xbf"
# Nordic letters, and a name written surname first with a comma (quoted in the CSV with
# commas, not in the one with semicolons).
NAMES = ("Åsa Öberg", "Berg, Anna", "Øystein Ærø", "Kari Nordmann", "Lind, Per-Olof")


def sniffed(data: bytes) -> tuple[str, list[list[str]]]:
    """The separator ``csv.Sniffer`` finds in a CSV download, and its rows read with it."""
    assert data.startswith(BOM), "the byte order mark Excel needs for Å Ä Ö Æ Ø"
    text = data[len(BOM) :].decode("utf-8")
    # Among the separators spreadsheets offer: unrestricted, the sniffer takes the space
    # between words for one in any file of prose.
    dialect = csv.Sniffer().sniff(text, delimiters=",;\t|")
    rows = list(csv.reader(io.StringIO(text, newline=""), dialect))
    assert len({len(row) for row in rows}) == 1, "every row as wide as the header"
    return dialect.delimiter, rows


def offered_formats(page: str) -> list[str]:
    form = re.search(
        r'<form method="post" action="[^"]*/export[^"]*" class="export-form">'
        r"(.*?)</form>",
        page,
        re.S,
    )
    assert form, "the page has an export form"
    return re.findall(r'name="format" value="([^"]+)"', form.group(1))


@pytest.mark.parametrize(
    ("language", "expected"), [("sv", ";"), ("nb", ";"), ("en", ","), ("de", ",")]
)
def test_the_default_separator_is_the_languages(language, expected, app):
    assert default_delimiter(language) == expected
    with app.test_request_context():
        assert table_format("csv", language).delimiter == expected
        assert table_format("csv-comma", language).delimiter == ","
        assert table_format("csv-semicolon", language).delimiter == ";"
        assert table_format("xlsx", language).extension == "xlsx"


@pytest.mark.parametrize(
    ("locale", "default", "other", "label"),
    [
        ("sv", ";", "csv-comma", "CSV med kommatecken"),
        ("nb", ";", "csv-comma", "CSV med komma"),
        ("en", ",", "csv-semicolon", "CSV with semicolons"),
    ],
)
def test_the_report_csv_opens_in_columns_in_the_readers_language(
    client, db, locale, default, other, label
):
    cohort = make_cohort(db, name="Vårens omgång")
    organizer = make_user(db, name="Olle Org", locale=locale)
    make_organizer(db, cohort.organisation, organizer)
    for name in NAMES:
        make_enrolment(db, cohort, make_user(db, name=name), employer="Malmö stad")
    client.login_as(organizer)
    page = client.get(f"/organize/cohorts/{cohort.id}/report").get_data(as_text=True)
    assert offered_formats(page) == ["xlsx", "csv", other]
    assert f">{label}</button>" in page

    address = f"/organize/cohorts/{cohort.id}/report/export"
    for chosen, separator in (("csv", default), (other, ";" if default == "," else ",")):
        response = client.post_form(address, {"format": chosen})
        assert response.status_code == 200
        assert response.headers["Content-Type"] == "text/csv; charset=utf-8"
        found, rows = sniffed(response.data)
        assert found == separator, chosen
        assert len(rows) == 1 + len(NAMES) and len(rows[0]) > 10
        assert {row[0] for row in rows[1:]} == set(NAMES)
    # A form without a format (an old page) gets the language's CSV too.
    assert sniffed(client.post_form(address).data)[0] == default


@pytest.mark.parametrize(("locale", "separator"), [("sv", ";"), ("en", ",")])
def test_the_findings_csv_opens_in_columns_in_the_readers_language(client, db, locale, separator):
    walked = Walked(db)
    walked.corner.spot = NAMES[0]
    walked.organizer.locale = locale
    db.commit()
    client.login_as(walked.organizer)
    response = client.post_form(f"/organize/places/{walked.square.id}/export", {"format": "csv"})
    found, rows = sniffed(response.data)
    assert found == separator
    assert NAMES[0] in {row[0] for row in rows} and len(rows) == 1 + 6


def text_cells(workbook) -> dict[tuple[str, str], str]:
    """Every text cell of a workbook, by (sheet, coordinate), as openpyxl reads it."""
    return {
        (sheet.title, cell.coordinate): cell.value
        for sheet in workbook
        for row in sheet.iter_rows()
        for cell in row
        if isinstance(cell.value, str)
    }


def workbooks(client, db, town) -> dict[str, bytes]:
    """The report, a place's findings and the lägesbild as downloaded, with text that a
    spreadsheet would calculate or show differently if it were not stored as text."""
    town.corner.spot = "-2+3"
    town.hidden.spot = "@SUM(A1:A9)"
    town.hidden.severity = FindingSeverity.LOW
    cohort = db.scalars(select(Cohort).where(Cohort.name == "Höstens runda")).one()
    for name in (FORMULA, "+46 70 123 45 67", "'quoted"):
        make_enrolment(db, cohort, make_user(db, name=name), employer=name)
    db.commit()
    client.login_as(town.organizer)
    square = town.square.id
    return {
        "report": client.post_form(
            f"/organize/cohorts/{cohort.id}/report/export", {"format": "xlsx"}
        ).data,
        "findings": client.post_form(f"/organize/places/{square}/export", {"format": "xlsx"}).data,
        "situation": client.post_form(
            f"/organize/places/{square}/situation", {"format": "xlsx"}
        ).data,
    }


def test_xlsx_text_is_stored_as_typed_without_an_apostrophe(client, db, town):
    files = workbooks(client, db, town)
    typed = {FORMULA, "-2+3", "@SUM(A1:A9)", "+46 70 123 45 67", "'quoted"}
    found: set[str] = set()
    for name, data in files.items():
        workbook = openpyxl.load_workbook(io.BytesIO(data))
        for sheet in workbook:
            for row in sheet.iter_rows():
                for cell in row:
                    assert cell.data_type != "f", (name, cell.coordinate)
                    if isinstance(cell.value, str):
                        assert cell.data_type == "s"
                        # Only the name typed with an apostrophe has one.
                        assert not cell.value.startswith("'") or cell.value == "'quoted"
        found |= set(text_cells(workbook).values()) & typed
    assert found == typed


def test_libreoffice_shows_every_xlsx_text_cell_as_typed(client, db, town, tmp_path):
    """Each workbook converted by LibreOffice, every sheet to a CSV of its own (filter
    token 12 = -1), in one run: each text cell reads exactly as openpyxl stored it, so no
    text was calculated, lost a character or gained an apostrophe."""
    soffice = shutil.which("soffice")
    assert soffice, "this test needs LibreOffice: sudo apt-get install libreoffice-calc"
    files = workbooks(client, db, town)
    for name, data in files.items():
        (tmp_path / f"{name}.xlsx").write_bytes(data)
    subprocess.run(
        [
            soffice,
            f"-env:UserInstallation=file://{tmp_path}/profile",
            "--headless",
            "--norestore",
            "--convert-to",
            # separator, quote, UTF-8, first line, column formats, language, quoted text,
            # detect numbers, cells as shown, formulas, spaces, sheet (-1: every sheet)
            "csv:Text - txt - csv (StarCalc):44,34,76,1,,0,false,true,true,false,false,-1",
            "--outdir",
            str(tmp_path),
            *(str(tmp_path / f"{name}.xlsx") for name in files),
        ],
        check=True,
        capture_output=True,
        timeout=180,
    )
    compared = 0
    for name, data in files.items():
        workbook = openpyxl.load_workbook(io.BytesIO(data))
        for sheet in workbook:
            converted = tmp_path / f"{name}-{sheet.title}.csv"
            assert converted.exists(), sorted(path.name for path in tmp_path.iterdir())
            shown = list(csv.reader(io.StringIO(converted.read_text("utf-8"), newline="")))
            for row in sheet.iter_rows():
                for cell in row:
                    if isinstance(cell.value, str) and cell.value:
                        text = shown[cell.row - 1][cell.column - 1]
                        assert text == cell.value, (name, sheet.title, cell.coordinate)
                        compared += 1
                    elif isinstance(cell.value, int):
                        assert shown[cell.row - 1][cell.column - 1] == str(cell.value)
    assert compared > 50


def test_a_streamed_workbook_of_many_columns_and_rows_reads_back_as_written():
    """The exports' own xlsx writer (academy.xlsxstream): columns past Z, days, empty cells,
    text that starts like a formula, line breaks and characters the format forbids."""
    from datetime import date

    from academy.xlsxstream import BOLD, PLAIN, WRAP, StreamedWorkbook, column_letter

    assert [column_letter(n) for n in (1, 26, 27, 52, 53, 702, 703)] == [
        "A", "Z", "AA", "AZ", "BA", "ZZ", "AAA",
    ]  # fmt: skip
    header = [f"Column {n}" for n in range(1, 31)]
    day = date(2026, 12, 7)
    rows = [[f"=row {n}", n, day, None, " padded\r\nline\x01 "] * 6 for n in range(450)]
    workbook = StreamedWorkbook(quote_prefixes=("=",))
    chunks = list(
        workbook.sheet(
            "Rows: [all]",
            [(header, BOLD | WRAP), *((cells, PLAIN) for cells in rows)],
            widths=[12] * 30,
            freeze="B2",
            auto_filter=True,
        )
    )
    chunks += list(workbook.sheet("Summary", [(["It's done"], BOLD)]))
    chunks.append(workbook.close())
    assert len(chunks) >= 4  # handed out as it was written
    read = openpyxl.load_workbook(io.BytesIO(b"".join(chunks)))
    assert read.sheetnames == ["Rows all", "Summary"]
    sheet = read["Rows all"]
    assert sheet.freeze_panes == "B2" and sheet.auto_filter.ref == "A1:AD451"
    assert [cell.value for cell in sheet[1]] == header and all(cell.font.b for cell in sheet[1])
    last = [cell.value for cell in sheet[451]]
    assert last[:5] == ["=row 449", 449, last[2], None, " padded\nline "]
    assert last[2].date() == date(2026, 12, 7) and last[25:] == last[:5]
    assert sheet["A451"].data_type == "s" and sheet["A451"].quotePrefix
    assert not sheet["E451"].quotePrefix
    assert read["Summary"]["A1"].value == "It's done" and read["Summary"]["A1"].font.b
