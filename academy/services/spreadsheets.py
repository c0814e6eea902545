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
from collections.abc import Iterable, Iterator, Sequence
from datetime import date
from itertools import chain, islice
from typing import Any

from openpyxl.cell import WriteOnlyCell
from openpyxl.cell.cell import ILLEGAL_CHARACTERS_RE
from openpyxl.styles import Alignment, Font
from openpyxl.utils import get_column_letter

from .. import xlsxstream

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
    header: Sequence[Cell], rows: Iterable[Sequence[Cell]], delimiter: str = ","
) -> bytes:
    """A table as CSV: UTF-8 with a byte order mark, ``,`` or ``;`` between fields (``;``
    suits a Nordic Excel), CRLF line ends, formulas neutralised."""
    return b"".join(csv_chunks(header, rows, delimiter))


#: Rows of a CSV or xlsx export written between two pieces handed to the response.
BATCH = 200


def csv_chunks(
    header: Sequence[Cell], rows: Iterable[Sequence[Cell]], delimiter: str = ","
) -> Iterator[bytes]:
    """``csv_bytes`` a piece at a time, ``BATCH`` rows each, as ``rows`` come: the file is
    never all in memory."""
    if delimiter not in DELIMITERS:
        raise ValueError("the delimiter must be ',' or ';'")
    buffer = io.StringIO()
    writer = csv.writer(buffer, delimiter=delimiter, lineterminator="\r\n")
    writer.writerow([csv_text(neutralise(cell)) for cell in header])
    first = True
    batch: list[list[str]] = []
    for cells in rows:
        batch.append([_csv_cell(cell) for cell in cells])
        if len(batch) >= BATCH:
            writer.writerows(batch)
            batch.clear()
            yield _take(buffer, first)
            first = False
    writer.writerows(batch)
    yield _take(buffer, first)


def _csv_cell(value: Cell) -> str:
    if isinstance(value, str):
        return "'" + value if value.startswith(FORMULA_PREFIXES) else value
    return csv_text(value)


def _take(buffer: io.StringIO, first: bool) -> bytes:
    text = buffer.getvalue()
    buffer.seek(0)
    buffer.truncate()
    return text.encode("utf-8-sig" if first else "utf-8")


def column_widths(
    header: Sequence[str], rows: Iterable[Sequence[Cell]], max_width: int = 50
) -> list[int]:
    """Columns as wide as their text (a long header wraps at 28 characters), between 8 and
    ``max_width`` characters."""
    longest = [min(len(label), 28) for label in header]
    for cells in rows:
        for index, cell in enumerate(cells[: len(longest)]):
            longest[index] = max(longest[index], len(csv_text(cell)))
    return [min(max(width + 2, 8), max_width) for width in longest]


#: The rows of a streamed sheet whose text sets the columns' widths: the widths come
#: before the rows in the file, so they are measured on the first rows only.
WIDTH_SAMPLE = BATCH


def xlsx_table(
    workbook: xlsxstream.StreamedWorkbook,
    title: str,
    header: Sequence[str],
    rows: Iterable[Sequence[Cell]],
    *,
    max_width: int = 50,
    wrap_rows: bool = False,
) -> Iterator[bytes]:
    """A sheet of a streamed workbook with a bold, wrapped header, the first row and
    column frozen, an auto filter and columns as wide as the text of the header and the
    first ``WIDTH_SAMPLE`` rows (at most ``max_width``); ``wrap_rows`` wraps the rows'
    text too (for long observations). Text is stored as text, never as a formula."""
    rows = iter(rows)
    sample = list(islice(rows, WIDTH_SAMPLE))
    look = xlsxstream.WRAP if wrap_rows else xlsxstream.PLAIN
    yield from workbook.sheet(
        title,
        chain(
            [(header, xlsxstream.BOLD | xlsxstream.WRAP)],
            ((cells, look) for cells in chain(sample, rows)),
        ),
        widths=column_widths(header, sample, max_width),
        freeze="B2",
        auto_filter=bool(sample),
    )


def xlsx_rows(
    workbook: xlsxstream.StreamedWorkbook,
    title: str,
    rows: Iterable[tuple[Sequence[Cell], bool]],
    *,
    widths: Sequence[float] = (),
) -> Iterator[bytes]:
    """A sheet of (cells, is heading) rows, the headings in bold: a workbook's summary."""
    yield from workbook.sheet(
        title,
        ((cells, xlsxstream.BOLD if heading else xlsxstream.PLAIN) for cells, heading in rows),
        widths=widths,
    )


def streamed_workbook() -> xlsxstream.StreamedWorkbook:
    """A workbook whose text that looks like a formula is marked quote-prefixed."""
    return xlsxstream.StreamedWorkbook(quote_prefixes=FORMULA_PREFIXES)


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
