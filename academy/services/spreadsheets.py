"""Safe CSV and xlsx for the exports (the cohort report, the findings of a place).

CSV has no types: every text a spreadsheet would run as a formula is made inert with a
leading quote (OWASP, "CSV Injection"). CSV is UTF-8 with a byte order mark so that Excel
reads Å Ä Ö Æ Ø right. xlsx cells have types: text is stored as a text cell, never as a
formula, so it needs no quote and shows exactly as written ("=1+1", "-5 %"); those that
look like a formula are also marked quote-prefixed, so that editing the cell in Excel or
LibreOffice does not turn it into one.
"""

from __future__ import annotations

import csv
import io
from collections.abc import Iterable, Sequence
from datetime import date
from typing import Any

from openpyxl.cell import WriteOnlyCell
from openpyxl.cell.cell import ILLEGAL_CHARACTERS_RE
from openpyxl.styles import Alignment, Font
from openpyxl.utils import get_column_letter

# What a spreadsheet would read as the start of a formula.
FORMULA_PREFIXES = ("=", "+", "-", "@", "\t", "\r")
DELIMITERS = (",", ";")
#: The separator a spreadsheet set up for the language splits a CSV at. Swedish and
#: Norwegian write decimals with a comma, so their Excel (through the system's list
#: separator) reads ``;``; with ``,`` every row would land in column A.
LANGUAGE_DELIMITERS = {"sv": ";", "nb": ";"}

Cell = str | int | date | None


def neutralise(value: Cell) -> Cell:
    """Text a spreadsheet would run as a formula, made inert with a leading quote."""
    if isinstance(value, str) and value.startswith(FORMULA_PREFIXES):
        return "'" + value
    return value


def default_delimiter(language: str) -> str:
    """The CSV separator for a user of ``language``: ``;`` for Swedish and Norwegian,
    ``,`` otherwise (English)."""
    return LANGUAGE_DELIMITERS.get(language, ",")


def csv_text(value: Cell) -> str:
    if value is None:
        return ""
    if isinstance(value, date):
        return value.isoformat()
    return str(value)


def csv_bytes(
    header: Sequence[Cell], rows: Sequence[Sequence[Cell]], delimiter: str = ","
) -> bytes:
    """A table as CSV: UTF-8 with a byte order mark, ``,`` or ``;`` between fields (``;``
    suits a Nordic Excel), CRLF line ends, formulas neutralised."""
    if delimiter not in DELIMITERS:
        raise ValueError("the delimiter must be ',' or ';'")
    buffer = io.StringIO()
    writer = csv.writer(buffer, delimiter=delimiter, lineterminator="\r\n")
    for cells in [header, *rows]:
        writer.writerow([csv_text(neutralise(cell)) for cell in cells])
    return buffer.getvalue().encode("utf-8-sig")


def text_cell(sheet: Any, value: Cell) -> WriteOnlyCell:
    """A cell whose text is stored as text, whatever it starts with."""
    result = WriteOnlyCell(sheet, value=_xlsx_value(value))
    if isinstance(value, str):
        # openpyxl would make "=..." a formula cell; a text cell is never calculated.
        result.data_type = "s"
        if value.startswith(FORMULA_PREFIXES):
            result.quotePrefix = True
    elif isinstance(value, date):
        result.number_format = "yyyy-mm-dd"
    return result


def _xlsx_value(value: Cell) -> Cell:
    if isinstance(value, str):
        # A line break is a line feed, as Excel writes it: a carriage return would be kept
        # or read back as a line feed depending on the XML library openpyxl finds (lxml
        # writes it as a character reference). Other control characters are not allowed
        # in the file format at all.
        value = value.replace("\r\n", "\n").replace("\r", "\n")
        return ILLEGAL_CHARACTERS_RE.sub("", value)
    return value


def sheet_title(title: str) -> str:
    # Sheet names: at most 31 characters, none of []:*?/\
    return "".join(c for c in title if c not in "[]:*?/\\")[:31] or "Sheet"


def write_table(
    workbook: Any,
    title: str,
    header: Sequence[str],
    rows: Sequence[Sequence[Cell]],
    *,
    max_width: int = 50,
    wrap_rows: bool = False,
) -> Any:
    """A sheet of a write-only workbook with a bold, wrapped, frozen header, an auto
    filter and columns as wide as their text (at most ``max_width``); ``wrap_rows``
    wraps the text of the rows too (for long observations)."""
    sheet = workbook.create_sheet(sheet_title(title))
    bold = Font(bold=True)
    wrap = Alignment(wrap_text=True, vertical="top")
    for index, label in enumerate(header, 1):
        values = [len(csv_text(cells[index - 1])) for cells in rows]
        width = max([min(len(label), 28), *values]) + 2
        sheet.column_dimensions[get_column_letter(index)].width = min(max(width, 8), max_width)
    sheet.freeze_panes = "B2"
    if rows:
        sheet.auto_filter.ref = f"A1:{get_column_letter(len(header))}{len(rows) + 1}"

    headings = [text_cell(sheet, label) for label in header]
    for each in headings:
        each.font, each.alignment = bold, wrap
    sheet.append(headings)
    for cells in rows:
        written = [text_cell(sheet, value) for value in cells]
        if wrap_rows:
            for each in written:
                each.alignment = wrap
        sheet.append(written)
    return sheet


def append_rows(sheet: Any, rows: Iterable[tuple[Sequence[Cell], bool]]) -> None:
    """Append (cells, is heading) rows to a write-only sheet, every text stored as text and
    the headings in bold: the summary sheet of a workbook."""
    bold = Font(bold=True)
    for values, heading in rows:
        cells = [text_cell(sheet, value) for value in values]
        if heading:
            for each in cells:
                each.font = bold
        sheet.append(cells)


def workbook_bytes(workbook: Any) -> bytes:
    buffer = io.BytesIO()
    workbook.save(buffer)
    return buffer.getvalue()
