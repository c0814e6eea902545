"""Spreadsheets built to exhaust the participant import, each a few KB to 5 MB.

``tests/test_import_limits.py`` checks that reading each one stops with its own message
within a memory bound; ``python -m bench.import_bench --attacks`` times how soon. The
workbooks are written part by part through zipfile's streaming writer, so that one that
unpacks to 90 MB never exists unpacked in memory.
"""

from __future__ import annotations

import io
import zipfile
from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass

MAIN = "http://schemas.openxmlformats.org/spreadsheetml/2006/main"
RELATIONSHIPS = "http://schemas.openxmlformats.org/officeDocument/2006/relationships"
PACKAGE_RELATIONSHIPS = "http://schemas.openxmlformats.org/package/2006/relationships"
_TYPE = "application/vnd.openxmlformats-officedocument.spreadsheetml."
_CONTENT_TYPES = (
    '<?xml version="1.0" encoding="UTF-8" standalone="yes"?>'
    '<Types xmlns="http://schemas.openxmlformats.org/package/2006/content-types">'
    '<Default Extension="rels" '
    'ContentType="application/vnd.openxmlformats-package.relationships+xml"/>'
    '<Default Extension="xml" ContentType="application/xml"/>'
    f'<Override PartName="/xl/workbook.xml" ContentType="{_TYPE}sheet.main+xml"/>'
    f'<Override PartName="/xl/worksheets/sheet1.xml" ContentType="{_TYPE}worksheet+xml"/>'
    f'<Override PartName="/xl/sharedStrings.xml" ContentType="{_TYPE}sharedStrings+xml"/>'
    f'<Override PartName="/xl/styles.xml" ContentType="{_TYPE}styles+xml"/>'
    "</Types>"
)
_PACKAGE_RELS = (
    f'<Relationships xmlns="{PACKAGE_RELATIONSHIPS}"><Relationship Id="rId1" '
    'Type="http://schemas.openxmlformats.org/officeDocument/2006/relationships/officeDocument" '
    'Target="xl/workbook.xml"/></Relationships>'
)
_WORKBOOK = (
    f'<workbook xmlns="{MAIN}" xmlns:r="{RELATIONSHIPS}"><sheets>'
    '<sheet name="Deltagare" sheetId="1" r:id="rId1"/></sheets></workbook>'
)
_WORKBOOK_RELS = (
    f'<Relationships xmlns="{PACKAGE_RELATIONSHIPS}">'
    f'<Relationship Id="rId1" Type="{RELATIONSHIPS}/worksheet" Target="worksheets/sheet1.xml"/>'
    f'<Relationship Id="rId2" Type="{RELATIONSHIPS}/sharedStrings" Target="sharedStrings.xml"/>'
    f'<Relationship Id="rId3" Type="{RELATIONSHIPS}/styles" Target="styles.xml"/>'
    "</Relationships>"
)
_STYLES = f'<styleSheet xmlns="{MAIN}"><cellXfs count="1"><xf numFmtId="0"/></cellXfs></styleSheet>'
HEADER_ROW = (
    '<row r="1"><c r="A1" t="inlineStr"><is><t>Namn</t></is></c>'
    '<c r="B1" t="inlineStr"><is><t>E-post</t></is></c></row>'
)


def repeated(piece: bytes, times: int, block: int = 100_000) -> Iterator[bytes]:
    """``piece`` ``times`` times, in blocks, never all at once."""
    while times > 0:
        count = min(block, times)
        yield piece * count
        times -= count


def workbook(
    rows: Iterable[bytes],
    *,
    shared_strings: Iterable[bytes] = (),
    styles: Iterable[bytes] = (_STYLES.encode(),),
    parts: dict[str, str] | None = None,
) -> bytes:
    """An .xlsx whose first sheet's <sheetData> holds ``rows``, written part by part;
    ``parts`` replaces or adds whole parts (``xl/workbook.xml``, say)."""
    small = {
        "[Content_Types].xml": _CONTENT_TYPES,
        "_rels/.rels": _PACKAGE_RELS,
        "xl/workbook.xml": _WORKBOOK,
        "xl/_rels/workbook.xml.rels": _WORKBOOK_RELS,
        **(parts or {}),
    }
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", zipfile.ZIP_DEFLATED, compresslevel=9) as archive:
        for name, content in small.items():
            archive.writestr(name, content)
        parts = {
            "xl/worksheets/sheet1.xml": (
                f'<worksheet xmlns="{MAIN}"><sheetData>'.encode(),
                rows,
                b"</sheetData></worksheet>",
            ),
            "xl/sharedStrings.xml": (f'<sst xmlns="{MAIN}">'.encode(), shared_strings, b"</sst>"),
            "xl/styles.xml": (b"", styles, b""),
        }
        for name, (head, body, tail) in parts.items():
            with archive.open(name, "w", force_zip64=True) as part:
                part.write(head)
                for chunk in body:
                    part.write(chunk)
                part.write(tail)
    return buffer.getvalue()


@dataclass(frozen=True)
class Attack:
    name: str
    filename: str
    make: Callable[[], bytes]
    code: str  # the ImportFileError code reading it must stop with


def _wide_csv() -> bytes:
    # 1.2 million columns in one 3.6 MB header line.
    return ";".join(["ab"] * 1_200_000).encode() + "\r\nÅsa;asa@example.se\r\n".encode()


def _csv_enormous_cell() -> bytes:
    return b"Namn;E-post\r\n" + b"x" * 4_000_000 + b";asa@example.se\r\n"


def _csv_enormous_quoted_cell() -> bytes:
    # Short physical lines, but one quoted cell that runs over a million of them.
    return b'Namn;E-post\r\n"' + b"x\r\n" * 1_000_000 + b'";asa@example.se\r\n'


def _csv_many_empty_lines() -> bytes:
    return b"Namn;E-post\r\n" + b"\r\n" * 2_400_000


def _csv_many_short_lines() -> bytes:
    return b"Namn;E-post\r\n" + b"x;y\r\n" * 1_200_000


ATTACKS = [
    # The 129 KB workbook: 15 million empty rows, 90 MB unpacked.
    Attack(
        "xlsx, 15 million empty rows",
        "deltagare.xlsx",
        lambda: workbook(repeated(b"<row/>", 15_000_000)),
        "lines",
    ),
    Attack(
        "xlsx, one row numbered 1,048,576",
        "deltagare.xlsx",
        lambda: workbook([HEADER_ROW.encode(), b'<row r="1048576"><c><v>1</v></c></row>']),
        "lines",
    ),
    Attack(
        "xlsx, a row of a million numbers",
        "deltagare.xlsx",
        lambda: workbook([b"<row>", *repeated(b"<c><v>1</v></c>", 1_000_000), b"</row>"]),
        "columns",
    ),
    Attack(
        "xlsx, a row of three million empty cells",
        "deltagare.xlsx",
        lambda: workbook([b"<row>", *repeated(b"<c/>", 3_000_000), b"</row>"]),
        "too_complex",
    ),
    Attack(
        "xlsx, three million shared strings",
        "deltagare.xlsx",
        lambda: workbook(
            [HEADER_ROW.encode()],
            shared_strings=repeated(b"<si><t>x</t></si>", 3_000_000),
        ),
        "cells",
    ),
    Attack(
        "xlsx, a million cell styles",
        "deltagare.xlsx",
        lambda: workbook(
            [HEADER_ROW.encode()],
            styles=[
                f'<styleSheet xmlns="{MAIN}"><cellXfs>'.encode(),
                *repeated(b'<xf numFmtId="14"/>', 1_000_000),
                b"</cellXfs></styleSheet>",
            ],
        ),
        "too_complex",
    ),
    Attack(
        "xlsx, a 50 MB attribute",
        "deltagare.xlsx",
        lambda: workbook([b'<row r="1" spans="', *repeated(b"1", 50_000_000), b'"/>']),
        "too_complex",
    ),
    Attack(
        "xlsx, a cell of 40 million characters",
        "deltagare.xlsx",
        lambda: workbook(
            [
                HEADER_ROW.encode(),
                b'<row><c t="str"><v>',
                *repeated(b"x", 40_000_000),
                b"</v></c></row>",
            ]
        ),
        "cell_chars",
    ),
    Attack(
        "xlsx, entities (billion laughs)",
        "deltagare.xlsx",
        lambda: _billion_laughs(),
        "unreadable",
    ),
    Attack("CSV, 1.2 million columns", "deltagare.csv", _wide_csv, "columns"),
    Attack("CSV, a 4 MB cell", "deltagare.csv", _csv_enormous_cell, "cell_chars"),
    Attack(
        "CSV, a quoted cell over a million lines",
        "deltagare.csv",
        _csv_enormous_quoted_cell,
        "cell_chars",
    ),
    Attack("CSV, 2.4 million empty lines", "deltagare.csv", _csv_many_empty_lines, "lines"),
    Attack("CSV, 1.2 million short lines", "deltagare.csv", _csv_many_short_lines, "too_many_rows"),
]


def _billion_laughs() -> bytes:
    entities = '<!ENTITY a0 "ha">' + "".join(
        f'<!ENTITY a{n} "{f"&a{n - 1};" * 10}">' for n in range(1, 10)
    )
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", zipfile.ZIP_DEFLATED) as archive:
        archive.writestr("[Content_Types].xml", _CONTENT_TYPES)
        archive.writestr("xl/workbook.xml", _WORKBOOK)
        archive.writestr("xl/_rels/workbook.xml.rels", _WORKBOOK_RELS)
        archive.writestr(
            "xl/worksheets/sheet1.xml",
            f'<!DOCTYPE worksheet [{entities}]><worksheet xmlns="{MAIN}"><sheetData>'
            '<row><c t="inlineStr"><is><t>&a9;</t></is></c></row></sheetData></worksheet>',
        )
    return buffer.getvalue()
