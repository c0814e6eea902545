"""The streaming workbook reader reads what Excel and LibreOffice write as openpyxl would.

The workbooks are written part by part as Excel writes them (shared strings, rich text,
phonetic readings, number formats, prefixed namespaces, chart sheets), since openpyxl
writes only some of these.
"""

from __future__ import annotations

import io
import warnings

import pytest
from openpyxl import load_workbook

from academy.services.importing import ImportFileError, cell_text, read_table
from bench.import_attacks import MAIN, RELATIONSHIPS, workbook

SHEET = [
    b'<row r="1" spans="1:6"><c r="A1" t="s"><v>0</v></c><c r="B1" t="s"><v>1</v></c>'
    b'<c r="C1" t="s"><v>2</v></c><c r="D1" t="s"><v>4</v></c><c r="E1" t="s"><v>5</v></c>'
    b'<c r="F1" t="s"><v>6</v></c></row>',
    # Row 2 is missing: empty rows are not written.
    b'<row r="3" spans="1:6"><c r="A3" t="s"><v>3</v></c><c r="B3" s="1"><v>44000</v></c>'
    b'<c r="C3" s="2"><v>0.5</v></c><c r="D3" t="b"><v>1</v></c><c r="E3" t="e"><v>#N/A</v></c>'
    b'<c r="F3" t="str"><f>A1</f><v>Namn</v></c></row>',
    b'<row r="4"><c r="A4" s="3"><v>1.5</v></c><c r="C4"><v>42</v></c>'
    b'<c r="D4" s="4"><v>1.25</v></c>'
    b'<c r="E4" t="inlineStr"><is><r><t>Bo </t></r><r><rPr><b/></rPr><t>Ek</t></r></is></c>'
    b"</row>",
]
SHARED = [
    "<si><t>Namn</t></si>",
    # Rich text runs make one text; the phonetic reading is not part of it.
    '<si><r><t>E-</t></r><r><rPr><b/></rPr><t>post</t></r><rPh sb="0" eb="1"><t>X</t></rPh></si>',
    '<si><t xml:space="preserve"> Född </t></si>',
    "<si><t>Åsa_x000D_Öberg</t></si>",
    "<si><t>Tid</t></si>",
    "<si><t>Sant</t></si>",
    "<si><t>Fel</t></si>",
]
STYLES = (
    f'<styleSheet xmlns="{MAIN}"><numFmts count="2">'
    '<numFmt numFmtId="164" formatCode="yyyy\\-mm\\-dd"/>'
    '<numFmt numFmtId="165" formatCode="[h]:mm"/></numFmts>'
    # The cell style formats come first and do not count: a date format here must not
    # make style 0 a date.
    '<cellStyleXfs count="1"><xf numFmtId="14"/></cellStyleXfs>'
    '<cellXfs count="5"><xf numFmtId="0"/><xf numFmtId="164" applyNumberFormat="1"/>'
    '<xf numFmtId="20"/><xf numFmtId="2"/><xf numFmtId="165"/></cellXfs></styleSheet>'
)


def excel_style(**options) -> bytes:
    return workbook(
        options.pop("rows", SHEET),
        shared_strings=[text.encode() for text in SHARED],
        styles=[STYLES.encode()],
        **options,
    )


def test_an_excel_workbook_reads_as_openpyxl_reads_it():
    data = excel_style()
    table = read_table(data, "deltagare.xlsx")
    assert table.headers == ["Namn", "E-post", "Född", "Tid", "Sant", "Fel"]
    assert [row.line for row in table.rows] == [3, 4]
    assert table.rows[0].values == ["Åsa\rÖberg", "2020-06-18", "12:00:00", "TRUE", "#N/A", "Namn"]
    assert table.rows[1].values == ["1.5", "", "42", "1 day, 6:00:00", "Bo Ek", ""]
    # openpyxl reads the same values (it leaves Excel's _x000D_ escape as it is).
    with warnings.catch_warnings():  # "Workbook contains no default style"
        warnings.simplefilter("ignore")
        workbook_ = load_workbook(io.BytesIO(data), read_only=True, data_only=True)
        expected = [
            [cell_text(value) for value in values]
            for values in workbook_.worksheets[0].iter_rows(values_only=True)
        ]
        workbook_.close()
    assert [table.headers, *[row.values for row in table.rows]] == [
        [text.replace("_x000D_", "\r") for text in values] + [""] * (6 - len(values))
        for values in expected
        if any(values)
    ]


def test_dates_of_a_workbook_counted_from_1904():
    workbook_xml = (
        f'<workbook xmlns="{MAIN}" xmlns:r="{RELATIONSHIPS}"><workbookPr date1904="1"/>'
        '<sheets><sheet name="A" sheetId="1" r:id="rId1"/></sheets></workbook>'
    )
    table = read_table(excel_style(parts={"xl/workbook.xml": workbook_xml}), "a.xlsx")
    assert table.rows[0].values[1] == "2024-06-19"


def test_the_first_worksheet_is_read_whatever_the_order_of_the_parts():
    """The workbook's order of sheets counts, a chart sheet is passed over, and element
    names may carry a prefix (as some programs write them)."""
    workbook_xml = (
        f'<x:workbook xmlns:x="{MAIN}" xmlns:r="{RELATIONSHIPS}"><x:sheets>'
        '<x:sheet name="Diagram" sheetId="3" r:id="rId9"/>'
        '<x:sheet name="Deltagare" sheetId="2" r:id="rId8"/>'
        '<x:sheet name="Gamla" sheetId="1" r:id="rId1"/></x:sheets></x:workbook>'
    )
    rels = (
        '<Relationships xmlns="http://schemas.openxmlformats.org/package/2006/relationships">'
        f'<Relationship Id="rId1" Type="{RELATIONSHIPS}/worksheet" Target="worksheets/sheet1.xml"/>'
        f'<Relationship Id="rId8" Type="{RELATIONSHIPS}/worksheet" '
        'Target="/xl/worksheets/second.xml"/>'
        f'<Relationship Id="rId9" Type="{RELATIONSHIPS}/chartsheet" '
        'Target="chartsheets/sheet1.xml"/>'
        f'<Relationship Id="rId3" Type="{RELATIONSHIPS}/styles" Target="styles.xml"/>'
        "</Relationships>"
    )
    second = (
        f'<x:worksheet xmlns:x="{MAIN}"><x:sheetData>'
        '<x:row><x:c t="inlineStr"><x:is><x:t>Namn</x:t></x:is></x:c></x:row>'
        '<x:row><x:c t="inlineStr"><x:is><x:t>Øystein</x:t></x:is></x:c></x:row>'
        "</x:sheetData></x:worksheet>"
    )
    data = excel_style(
        parts={
            "xl/workbook.xml": workbook_xml,
            "xl/_rels/workbook.xml.rels": rels,
            "xl/worksheets/second.xml": second,
            "xl/chartsheets/sheet1.xml": "<chartsheet/>",
        }
    )
    table = read_table(data, "a.xlsx")
    assert (table.headers, table.rows[0].values) == (["Namn"], ["Øystein"])


@pytest.mark.parametrize(
    "rows",
    [
        [b'<row r="2"/>', b'<row r="2"/>'],  # rows must go forward
        [b'<row><c t="s"><v>99</v></c></row>'],  # no such shared string
        [b'<row><c t="s"><v>-1</v></c></row>'],
        [b"<row><c><v>12abc</v></c></row>"],
        [b"<row><c><v>1</v></row>"],  # not well-formed
    ],
)
def test_a_damaged_sheet_is_unreadable(rows):
    with pytest.raises(ImportFileError) as raised:
        read_table(excel_style(rows=rows), "a.xlsx")
    assert raised.value.code == "unreadable"
