"""Reading the first worksheet of an ``.xlsx`` workbook row by row, within limits.

``xlsx_records`` yields ``(line, cells)`` for the rows that have something in them and
counts, while it streams, every row (empty ones too), column, cell and character against
``Limits`` (see ``limits``).

The worksheet is read with expat rather than openpyxl: openpyxl builds a whole ``<row>``
element before anyone can count its cells (a row of a million cells is a million
objects) and fills the gap before ``<row r="1048576">`` with empty rows one by one. The
other parts it needs are read by ``xlsx_parts``. openpyxl's own rules for Excel dates are
reused, so a date cell reads as openpyxl would read it.
"""

from __future__ import annotations

import io
import zipfile
from collections.abc import Iterator
from datetime import date, datetime, time

from openpyxl.utils.datetime import CALENDAR_MAC_1904, WINDOWS_EPOCH, from_excel, from_ISO8601

from .limits import LimitExceeded, Tally
from .xlsx_parts import (
    MAX_UNPACKED,
    RAW_FACTOR,
    XML_ERRORS,
    Budget,
    Part,
    Relationships,
    SharedStrings,
    StringText,
    Styles,
    Unreadable,
    WorkbookPart,
    integer,
    relationship_types,
    unescape,
)

_COLUMNS: dict[str, int] = {}  # "B" -> 2, learnt as met; at most 18,278 (A to ZZZ)


def _column(reference: str) -> int:
    """The 1-based column of a cell reference ("B7" -> 2); 0 for none."""
    letters = reference.rstrip("0123456789")
    number = _COLUMNS.get(letters)
    if number is None:
        number = 0
        for char in letters[:8]:
            if not "A" <= char <= "Z":
                return 0
            number = number * 26 + ord(char) - 64
        if len(letters) <= 3:
            _COLUMNS[letters] = number
    return number


def cell_text(value: object) -> str:
    """A cell's value as the text a person typed: dates as ISO dates, whole numbers
    without ".0", booleans as Excel shows them."""
    if value is None:
        return ""
    if isinstance(value, bool):
        return "TRUE" if value else "FALSE"
    if isinstance(value, float) and value.is_integer():
        return str(int(value))
    if isinstance(value, datetime):
        if value.time() == time(0):
            return value.date().isoformat()
        return value.isoformat(sep=" ")
    if isinstance(value, date | time):
        return value.isoformat()
    return str(value).strip()


class _Sheet(Part):
    """Turns a worksheet's elements into rows of text, counting as it goes; the rows
    finished so far wait in ``ready``."""

    def __init__(
        self,
        budget: Budget,
        tally: Tally,
        strings: list[str],
        date_styles: dict[int, bool],
        epoch: datetime,
    ):
        super().__init__(budget)
        self.tally = tally
        self.limit = tally.limits.cell_chars
        self.strings = strings
        self.date_styles = date_styles
        self.epoch = epoch
        self.ready: list[tuple[int, list[str]]] = []
        self.row = 0
        self.values: list[str] = []
        self.column = 0
        self.attributes: dict[str, str] = {}
        self.in_cell = False
        self.in_value = False
        self.value: list[str] = []
        self.value_length = 0
        self.inline = StringText(self.limit)

    def start(self, name: str, attributes: dict[str, str]) -> None:
        local = self.element(name)
        if local == "c":
            reference = attributes.get("r")
            self.column = (_column(reference) if reference else 0) or self.column + 1
            # Its type and style are read at its end, if it has a value: most do not.
            self.attributes = attributes
            self.in_cell = True
            self.value = []
            self.value_length = 0
        elif local == "v":
            self.in_value = self.in_cell
        elif local == "row":
            number = attributes.get("r")
            row = integer(number) if number else self.row + 1
            # Rows come in order; a number that goes back would let rows go uncounted.
            if row is None or row <= self.row:
                raise Unreadable("unreadable")
            self.tally.row(row)
            self.row = row
            self.values = []
            self.column = 0
        elif self.in_cell:
            self.inline.start(local)

    def text(self, data: str) -> None:
        if self.in_value:
            self.value_length += len(data)
            if self.value_length > self.limit * RAW_FACTOR:
                raise LimitExceeded("cell_chars", self.limit, self.row, self.column)
            self.value.append(data)
        elif self.in_cell:
            self.inline.add(data)

    def end(self, name: str) -> None:
        local = self.names.get(name) or self.local(name)
        if local == "c":
            self.in_cell = self.in_value = False
            kind = self.attributes.get("t", "n")
            text = self.cell_value(kind) if self.value or kind == "inlineStr" else ""
            if text:
                self.tally.cell(self.row, self.column, text)
                if len(self.values) < self.column:
                    self.values.extend([""] * (self.column - len(self.values)))
                self.values[self.column - 1] = text
        elif local == "v":
            self.in_value = False
        elif local == "row":
            if self.values:
                self.ready.append((self.row, self.values))
        elif self.in_cell:
            self.inline.end(local)

    def cell_value(self, kind: str) -> str:
        """As openpyxl reads a cell with ``data_only`` (``WorkSheetParser.parse_cell``)."""
        if kind == "inlineStr":
            return self.inline.take()
        raw = "".join(self.value)
        try:
            if kind == "s":
                if not raw.isdigit():
                    raise ValueError(raw)
                return self.strings[int(raw)]
            if kind == "b":
                return cell_text(bool(int(raw)))
            if kind == "d":
                return cell_text(from_ISO8601(raw))
            if kind in ("str", "e"):
                return cell_text(unescape(raw))
            return cell_text(self.number(raw))
        except (ValueError, IndexError, OverflowError) as error:
            raise Unreadable("unreadable") from error

    def number(self, raw: str) -> object:
        value: float = float(raw) if any(char in raw for char in ".eE") else int(raw)
        style = integer(self.attributes.get("s")) or 0
        duration = self.date_styles.get(style)
        if duration is None:
            return value
        try:
            return from_excel(value, self.epoch, timedelta=duration)
        except (OverflowError, ValueError):
            return "#VALUE!"  # what openpyxl makes of a date out of range


def xlsx_records(data: bytes, tally: Tally) -> Iterator[tuple[int, list[str]]]:
    """``(row number, cells as text)`` for the rows of the workbook's first worksheet that
    have something in them. Raises ``Unreadable`` or ``LimitExceeded``."""
    try:
        archive = zipfile.ZipFile(io.BytesIO(data))
        infos = archive.infolist()
    except XML_ERRORS as error:
        raise Unreadable("unreadable") from error
    names = {info.filename for info in infos}
    if "xl/workbook.xml" not in names:
        raise Unreadable("not_xlsx")
    if sum(info.file_size for info in infos) > MAX_UNPACKED or any(
        info.compress_type not in (zipfile.ZIP_STORED, zipfile.ZIP_DEFLATED) for info in infos
    ):
        raise Unreadable("unreadable")
    with archive:
        budget = Budget()
        relationships = Relationships(budget, "xl")
        if "xl/_rels/workbook.xml.rels" in names:
            relationships.read(archive, "xl/_rels/workbook.xml.rels")
        workbook = WorkbookPart(
            budget, {rel_id: (kind, to) for rel_id, kind, to in relationships.found}, names
        )
        workbook.read(archive, "xl/workbook.xml")
        if workbook.sheet is None:
            raise Unreadable("unreadable")

        def part(kind: str) -> str | None:
            kinds = relationship_types(kind)
            return next(
                (to for _id, k, to in relationships.found if k in kinds and to in names), None
            )

        strings = SharedStrings(budget, tally.limits)
        if (name := part("sharedStrings")) is not None:
            strings.read(archive, name)
        styles = Styles(budget)
        if (name := part("styles")) is not None:
            styles.read(archive, name)
        sheet = _Sheet(
            budget,
            tally,
            strings.strings,
            styles.date_styles(),
            CALENDAR_MAC_1904 if workbook.date1904 else WINDOWS_EPOCH,
        )
        for _chunk in sheet.chunks(archive, workbook.sheet):
            yield from sheet.ready
            sheet.ready.clear()
