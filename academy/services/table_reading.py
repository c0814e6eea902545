"""Reading an uploaded spreadsheet row by row, within limits that bound time and memory.

``csv_records`` reads CSV text and ``xlsx_records`` the first worksheet of an ``.xlsx``
workbook; both yield ``(line, cells)`` for the rows that have something in them and
count, while they stream, every row (empty ones too), column, cell and character against
``Limits``. They stop at the first limit with ``LimitExceeded``, before the row that
crosses it is held in memory, so a small file that would unpack to millions of rows or
columns costs what reading the first rows past the limit costs.

The workbook is read with expat rather than openpyxl: openpyxl builds a whole ``<row>``
element before anyone can count its cells (a row of a million cells is a million
objects), fills the gap before ``<row r="1048576">`` with empty rows one by one, and
reads the shared strings, styles, defined names, properties and chart sheets in full
before the first row. Here only the workbook's sheet list, its relationships, the shared
strings, the number formats and the first worksheet are read, each with a budget of
elements, and nothing else in the archive is looked at. openpyxl's own rules for number
formats and Excel dates are reused, so a date cell reads as openpyxl would read it.
"""

from __future__ import annotations

import csv
import io
import posixpath
import re
import zipfile
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import date, datetime, time
from xml.parsers import expat

from openpyxl.styles.numbers import BUILTIN_FORMATS, is_date_format, is_timedelta_format
from openpyxl.utils.datetime import CALENDAR_MAC_1904, WINDOWS_EPOCH, from_excel, from_ISO8601


@dataclass(frozen=True)
class Limits:
    """What one uploaded file may hold. ``rows`` is checked by the caller, who knows which
    rows are participants (not the header, not empty ones)."""

    rows: int = 10_000  # participants
    lines: int = 20_000  # rows of the file, empty ones and gaps in a workbook included
    columns: int = 50  # the last column with something in it, in any row
    cells: int = 200_000  # cells with something in them
    cell_chars: int = 1_000  # characters in one cell
    text_chars: int = 5_000_000  # characters in all cells: what a 5 MB CSV can hold

    @property
    def record_chars(self) -> int:
        # The longest CSV record that can be within the limits: every column's cell at its
        # longest, quoted, each quote inside doubled.
        return self.columns * (2 * self.cell_chars + 3)


class LimitExceeded(Exception):
    """The file holds more than ``Limits`` allows; ``kind`` names the limit (lines,
    columns, cells, cell_chars, text_chars), ``line`` and ``column`` (1-based) where."""

    def __init__(self, kind: str, limit: int, line: int | None = None, column: int | None = None):
        super().__init__(f"{kind} over {limit} at line {line}, column {column}")
        self.kind = kind
        self.limit = limit
        self.line = line
        self.column = column


class Unreadable(Exception):
    """Not a workbook that can be read: ``code`` is not_xlsx (a zip of something else),
    too_complex (more parts, styles or markup than a list needs) or unreadable."""

    def __init__(self, code: str):
        super().__init__(code)
        self.code = code


class Tally:
    """Counts what has been read against the limits and raises at the first one crossed."""

    def __init__(self, limits: Limits):
        self.limits = limits
        self.cells = 0
        self.chars = 0

    def row(self, number: int) -> None:
        """The file's ``number``-th row (1-based, empty rows counted) is being read."""
        if number > self.limits.lines:
            raise LimitExceeded("lines", self.limits.lines, number)

    def cell(self, line: int, column: int, text: str) -> None:
        """A cell with something in it."""
        limits = self.limits
        if column > limits.columns:
            raise LimitExceeded("columns", limits.columns, line, column)
        if len(text) > limits.cell_chars:
            raise LimitExceeded("cell_chars", limits.cell_chars, line, column)
        self.cells += 1
        self.chars += len(text)
        if self.cells > limits.cells:
            raise LimitExceeded("cells", limits.cells, line, column)
        if self.chars > limits.text_chars:
            raise LimitExceeded("text_chars", limits.text_chars, line, column)

    def cells_of(self, line: int, values: list[str]) -> None:
        for column, text in enumerate(values, start=1):
            if text:
                self.cell(line, column, text)


# --- CSV --------------------------------------------------------------------------------

# One physical line with its line break (\r\n, \r or \n, as csv reads them), or the last
# line without one.
_LINE = re.compile(r"[^\r\n]*(?:\r\n|\r|\n)|[^\r\n]+\Z")


def csv_records(text: str, delimiter: str, tally: Tally) -> Iterator[tuple[int, list[str]]]:
    """``(line, stripped cells)`` for every record of CSV text, empty ones included; ``line``
    is the record's first line in the file. Raises ``csv.Error`` for text csv cannot read."""
    limits = tally.limits
    since_record = [0, 0, 1]  # characters and delimiters since the record began, its line

    def lines() -> Iterator[str]:
        for match in _LINE.finditer(text):
            start, end = match.span()
            since_record[0] += end - start
            since_record[1] += text.count(delimiter, start, end)
            if since_record[0] > limits.record_chars:
                # Too long to be within the limits: many columns, or one enormous cell.
                # Stopped before csv holds the record, which could be millions of cells.
                if since_record[1] >= limits.columns:
                    raise LimitExceeded("columns", limits.columns, since_record[2])
                raise LimitExceeded("cell_chars", limits.cell_chars, since_record[2])
            yield match.group()

    reader = csv.reader(lines(), delimiter=delimiter, strict=False)
    for number, values in enumerate(reader, start=1):
        line = since_record[2]
        tally.row(number)
        values = [value.strip() for value in values]
        tally.cells_of(line, values)
        yield line, values
        since_record[:] = [0, 0, reader.line_num + 1]


# --- xlsx -------------------------------------------------------------------------------

# An archive may unpack to at most MAX_UNPACKED (a zip bomb); a part is read in chunks of
# CHUNK bytes, and markup left unfinished for more than MAX_PENDING bytes (a start tag with
# a giant attribute, a giant comment) is refused, so that expat never holds more.
MAX_UNPACKED = 100 * 1024 * 1024
CHUNK = 64 * 1024
MAX_PENDING = 1024 * 1024
# Elements read in all parts of one workbook. A list at the limits (10,000 rows of 20
# columns of text) has about 820,000: row, c and v in the sheet, si and t in the strings.
MAX_ELEMENTS = 1_000_000
# Different element and attribute names in one part (expat keeps each once); a sheet
# has a few dozen.
MAX_NAMES = 1_000
MAX_SHEETS = 1_000  # sheets listed before the first worksheet
MAX_RELATIONSHIPS = 10_000
MAX_CELL_STYLES = 64_000  # Excel's own limit
MAX_NUMBER_FORMATS = 1_000
# Raw characters kept of one text (before _xHHHH_ escapes are decoded and spaces
# stripped, which the cell limit does not count) as a multiple of the cell limit.
RAW_FACTOR = 8

_RELATIONSHIP_NAMESPACES = (
    "http://schemas.openxmlformats.org/officeDocument/2006/relationships",
    "http://purl.oclc.org/ooxml/officeDocument/relationships",  # strict Open XML
)
_ESCAPED = re.compile(r"_x([0-9A-Fa-f]{4})_")
_XML_ERRORS = (expat.ExpatError, zipfile.BadZipFile, OSError, EOFError, ValueError)


class _Stop(Exception):
    """Raised by a handler that has read what it needs."""


class _Budget:
    """Elements left to read in the workbook."""

    def __init__(self) -> None:
        self.elements = MAX_ELEMENTS


def _refuse(*_args: object) -> None:
    raise Unreadable("unreadable")


class _Part:
    """Reads one XML part: subclasses handle elements by their local name ("row" for
    "x:row"), each element spending one of the workbook's budget."""

    def __init__(self, budget: _Budget):
        self.budget = budget
        self.names: dict[str, str] = {}

    def local(self, name: str) -> str:
        """The element's name without its prefix."""
        local = self.names.get(name)
        if local is None:
            local = self.names[name] = name.rpartition(":")[2]
        return local

    def element(self, name: str) -> str:
        """An element starts: spend one of the budget; its name without its prefix."""
        budget = self.budget
        budget.elements -= 1
        if budget.elements < 0:
            raise Unreadable("too_complex")
        return self.names.get(name) or self.local(name)

    def start(self, name: str, attributes: dict[str, str]) -> None:
        raise NotImplementedError

    def end(self, name: str) -> None:
        """Called at the end of each element, once ``start`` has been."""

    def text(self, data: str) -> None:
        """Character data, in pieces."""

    def chunks(self, archive: zipfile.ZipFile, name: str) -> Iterator[None]:
        """Feed the part to expat, yielding after every chunk. No document type
        declarations, so no entities to expand."""
        # Without namespace processing: expat's is slower, and the parts use one namespace.
        parser = expat.ParserCreate()
        parser.buffer_text = True
        parser.StartDoctypeDeclHandler = _refuse
        parser.EntityDeclHandler = _refuse
        parser.StartElementHandler = self.start
        parser.EndElementHandler = self.end
        parser.CharacterDataHandler = self.text
        fed = 0
        try:
            with archive.open(name) as stream:
                while chunk := stream.read(CHUNK):
                    parser.Parse(chunk, False)
                    fed += len(chunk)
                    if (
                        fed - parser.CurrentByteIndex > MAX_PENDING
                        or len(parser.intern) > MAX_NAMES
                    ):
                        raise Unreadable("too_complex")
                    yield
                parser.Parse(b"", True)
        except _XML_ERRORS as error:
            raise Unreadable("unreadable") from error
        yield

    def read(self, archive: zipfile.ZipFile, name: str) -> None:
        try:
            for _chunk in self.chunks(archive, name):
                pass
        except _Stop:
            pass


def _rel_types(kind: str) -> set[str]:
    return {f"{namespace}/{kind}" for namespace in _RELATIONSHIP_NAMESPACES}


class _Relationships(_Part):
    """(id, type, the target's name in the archive) of a part's relationships."""

    def __init__(self, budget: _Budget, folder: str):
        super().__init__(budget)
        self.folder = folder
        self.found: list[tuple[str, str, str]] = []

    def start(self, name: str, attributes: dict[str, str]) -> None:
        if self.element(name) != "Relationship" or attributes.get("TargetMode") == "External":
            return
        if len(self.found) >= MAX_RELATIONSHIPS:
            raise Unreadable("too_complex")
        target = attributes.get("Target", "")
        path = target[1:] if target.startswith("/") else posixpath.join(self.folder, target)
        kind = attributes.get("Type", "")
        self.found.append((attributes.get("Id", ""), kind, posixpath.normpath(path)))


class _Workbook(_Part):
    """The first worksheet's part (openpyxl's ``worksheets[0]``: chart sheets and missing
    parts are passed over), and whether the workbook counts dates from 1904."""

    def __init__(self, budget: _Budget, targets: dict[str, tuple[str, str]], names: set[str]):
        super().__init__(budget)
        self.targets = targets
        self.archive_names = names
        self.worksheet = _rel_types("worksheet")
        self.sheets = 0
        self.sheet: str | None = None
        self.date1904 = False

    def start(self, name: str, attributes: dict[str, str]) -> None:
        local = self.element(name)
        if local == "workbookPr":
            self.date1904 = attributes.get("date1904", "").lower() in ("1", "true")
        elif local == "sheet":
            self.sheets += 1
            if self.sheets > MAX_SHEETS:
                raise Unreadable("too_complex")
            rel_id = next((v for k, v in attributes.items() if k.endswith(":id")), "")
            kind, target = self.targets.get(rel_id, ("", ""))
            if kind in self.worksheet and target in self.archive_names:
                self.sheet = target
                raise _Stop


def _unescape(text: str) -> str:
    # Excel writes characters XML cannot hold as _xHHHH_ (a line break in a cell as _x000D_).
    if "_x" not in text:
        return text
    return _ESCAPED.sub(lambda match: chr(int(match.group(1), 16)), text)


class _Text:
    """The text of the <t> elements of a shared or inline string (not of <rPh>, a
    phonetic reading), stripped; at most ``limit`` + 1 characters, so that one too
    long is still known to be."""

    def __init__(self, limit: int):
        self.limit = limit
        self.parts: list[str] = []
        self.length = 0
        self.inside_t = False
        self.phonetic = 0

    def start(self, local: str) -> None:
        if local == "t" and not self.phonetic:
            self.inside_t = True
        elif local == "rPh":
            self.phonetic += 1

    def end(self, local: str) -> None:
        if local == "t":
            self.inside_t = False
        elif local == "rPh":
            self.phonetic -= 1

    def add(self, data: str) -> None:
        if self.inside_t and self.length <= self.limit * RAW_FACTOR:
            self.parts.append(data)
            self.length += len(data)

    def take(self) -> str:
        text = _unescape("".join(self.parts)).strip()
        if self.length > self.limit * RAW_FACTOR:
            text = text[: self.limit + 1].ljust(self.limit + 1)
        self.parts = []
        self.length = 0
        return text


class _SharedStrings(_Part):
    """The workbook's shared strings, stripped; none longer than a cell's limit + 1."""

    def __init__(self, budget: _Budget, limits: Limits):
        super().__init__(budget)
        self.limits = limits
        self.collected = _Text(limits.cell_chars)
        self.strings: list[str] = []
        self.chars = 0

    def start(self, name: str, attributes: dict[str, str]) -> None:
        local = self.element(name)
        if local != "si":
            self.collected.start(local)

    def end(self, name: str) -> None:
        local = self.names.get(name) or self.local(name)
        if local != "si":
            self.collected.end(local)
            return
        text = self.collected.take()
        self.strings.append(text)
        self.chars += len(text)
        if len(self.strings) > self.limits.cells:
            raise LimitExceeded("cells", self.limits.cells)
        if self.chars > self.limits.text_chars:
            raise LimitExceeded("text_chars", self.limits.text_chars)

    def text(self, data: str) -> None:
        self.collected.add(data)


class _Styles(_Part):
    """Which cell styles show a number as a date or time, and which as a duration
    (openpyxl's ``Stylesheet._normalise_numbers``)."""

    def __init__(self, budget: _Budget):
        super().__init__(budget)
        self.formats: dict[int, str] = {}
        self.styles: list[int] = []
        self.inside: list[str] = []

    def start(self, name: str, attributes: dict[str, str]) -> None:
        local = self.element(name)
        if local == "numFmt":
            if len(self.formats) >= MAX_NUMBER_FORMATS:
                raise Unreadable("too_complex")
            number = _integer(attributes.get("numFmtId"))
            if number is not None:
                self.formats[number] = attributes.get("formatCode", "")
        elif local == "xf" and self.inside and self.inside[-1] == "cellXfs":
            if len(self.styles) >= MAX_CELL_STYLES:
                raise Unreadable("too_complex")
            self.styles.append(_integer(attributes.get("numFmtId")) or 0)
        self.inside.append(local)

    def end(self, name: str) -> None:
        self.inside.pop()

    def date_styles(self) -> dict[int, bool]:
        """cell style index -> whether it is a duration, for the date and time styles."""
        kinds: dict[int, bool] = {}
        for index, number in enumerate(self.styles):
            code = self.formats.get(number, BUILTIN_FORMATS.get(number))
            if is_date_format(code):
                kinds[index] = is_timedelta_format(code)
        return kinds


def _integer(text: str | None) -> int | None:
    if not text or len(text) > 9 or not text.isdigit():
        return None
    return int(text)


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


class _Sheet(_Part):
    """Turns a worksheet's elements into rows of text, counting as it goes; the rows
    finished so far wait in ``ready``."""

    def __init__(
        self,
        budget: _Budget,
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
        self.inline = _Text(self.limit)

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
            row = _integer(number) if number else self.row + 1
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
                return cell_text(_unescape(raw))
            return cell_text(self.number(raw))
        except (ValueError, IndexError, OverflowError) as error:
            raise Unreadable("unreadable") from error

    def number(self, raw: str) -> object:
        value: float = float(raw) if any(char in raw for char in ".eE") else int(raw)
        style = _integer(self.attributes.get("s")) or 0
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
    except _XML_ERRORS as error:
        raise Unreadable("unreadable") from error
    names = {info.filename for info in infos}
    if "xl/workbook.xml" not in names:
        raise Unreadable("not_xlsx")
    if sum(info.file_size for info in infos) > MAX_UNPACKED or any(
        info.compress_type not in (zipfile.ZIP_STORED, zipfile.ZIP_DEFLATED) for info in infos
    ):
        raise Unreadable("unreadable")
    with archive:
        budget = _Budget()
        relationships = _Relationships(budget, "xl")
        if "xl/_rels/workbook.xml.rels" in names:
            relationships.read(archive, "xl/_rels/workbook.xml.rels")
        workbook = _Workbook(
            budget, {rel_id: (kind, to) for rel_id, kind, to in relationships.found}, names
        )
        workbook.read(archive, "xl/workbook.xml")
        if workbook.sheet is None:
            raise Unreadable("unreadable")

        def part(kind: str) -> str | None:
            kinds = _rel_types(kind)
            return next(
                (to for _id, k, to in relationships.found if k in kinds and to in names), None
            )

        strings = _SharedStrings(budget, tally.limits)
        if (name := part("sharedStrings")) is not None:
            strings.read(archive, name)
        styles = _Styles(budget)
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
