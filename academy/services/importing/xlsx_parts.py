"""The parts of an ``.xlsx`` workbook that reading its first worksheet needs.

The workbook is read with expat rather than openpyxl: openpyxl reads the shared strings,
styles, defined names, properties and chart sheets in full before the first row. Here
only the workbook's sheet list, its relationships, the shared strings and the number
formats are read (``xlsx`` reads the worksheet itself), each with a budget of elements,
and nothing else in the archive is looked at. openpyxl's own rules for number formats
are reused, so a date cell reads as openpyxl would read it.
"""

from __future__ import annotations

import posixpath
import re
import zipfile
from abc import ABC, abstractmethod
from collections.abc import Iterator
from xml.parsers import expat

from openpyxl.styles.numbers import BUILTIN_FORMATS, is_date_format, is_timedelta_format

from .limits import LimitExceeded, Limits


class Unreadable(Exception):
    """Not a workbook that can be read: ``code`` is not_xlsx (a zip of something else),
    too_complex (more parts, styles or markup than a list needs) or unreadable."""

    def __init__(self, code: str):
        super().__init__(code)
        self.code = code


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
XML_ERRORS = (expat.ExpatError, zipfile.BadZipFile, OSError, EOFError, ValueError)


class Stop(Exception):
    """Raised by a handler that has read what it needs."""


class Budget:
    """Elements left to read in the workbook."""

    def __init__(self) -> None:
        self.elements = MAX_ELEMENTS


def _refuse(*_args: object) -> None:
    raise Unreadable("unreadable")


class Part(ABC):
    """Reads one XML part: subclasses handle elements by their local name ("row" for
    "x:row"), each element spending one of the workbook's budget."""

    def __init__(self, budget: Budget):
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

    @abstractmethod
    def start(self, name: str, attributes: dict[str, str]) -> None:
        """Called at the start of each element; every part reads its own elements."""

    # Optional hooks, deliberately empty: most parts need neither ends nor text.
    def end(self, name: str) -> None:  # noqa: B027
        """Called at the end of each element, once ``start`` has been."""

    def text(self, data: str) -> None:  # noqa: B027
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
        except XML_ERRORS as error:
            raise Unreadable("unreadable") from error
        yield

    def read(self, archive: zipfile.ZipFile, name: str) -> None:
        try:
            for _chunk in self.chunks(archive, name):
                pass
        except Stop:
            pass


def relationship_types(kind: str) -> set[str]:
    return {f"{namespace}/{kind}" for namespace in _RELATIONSHIP_NAMESPACES}


class Relationships(Part):
    """(id, type, the target's name in the archive) of a part's relationships."""

    def __init__(self, budget: Budget, folder: str):
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


class WorkbookPart(Part):
    """The first worksheet's part (openpyxl's ``worksheets[0]``: chart sheets and missing
    parts are passed over), and whether the workbook counts dates from 1904."""

    def __init__(self, budget: Budget, targets: dict[str, tuple[str, str]], names: set[str]):
        super().__init__(budget)
        self.targets = targets
        self.archive_names = names
        self.worksheet = relationship_types("worksheet")
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
                raise Stop


def unescape(text: str) -> str:
    # Excel writes characters XML cannot hold as _xHHHH_ (a line break in a cell as _x000D_).
    if "_x" not in text:
        return text
    return _ESCAPED.sub(lambda match: chr(int(match.group(1), 16)), text)


class StringText:
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
        text = unescape("".join(self.parts)).strip()
        if self.length > self.limit * RAW_FACTOR:
            text = text[: self.limit + 1].ljust(self.limit + 1)
        self.parts = []
        self.length = 0
        return text


class SharedStrings(Part):
    """The workbook's shared strings, stripped; none longer than a cell's limit + 1."""

    def __init__(self, budget: Budget, limits: Limits):
        super().__init__(budget)
        self.limits = limits
        self.collected = StringText(limits.cell_chars)
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


class Styles(Part):
    """Which cell styles show a number as a date or time, and which as a duration
    (openpyxl's ``Stylesheet._normalise_numbers``)."""

    def __init__(self, budget: Budget):
        super().__init__(budget)
        self.formats: dict[int, str] = {}
        self.styles: list[int] = []
        self.inside: list[str] = []

    def start(self, name: str, attributes: dict[str, str]) -> None:
        local = self.element(name)
        if local == "numFmt":
            if len(self.formats) >= MAX_NUMBER_FORMATS:
                raise Unreadable("too_complex")
            number = integer(attributes.get("numFmtId"))
            if number is not None:
                self.formats[number] = attributes.get("formatCode", "")
        elif local == "xf" and self.inside and self.inside[-1] == "cellXfs":
            if len(self.styles) >= MAX_CELL_STYLES:
                raise Unreadable("too_complex")
            self.styles.append(integer(attributes.get("numFmtId")) or 0)
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


def integer(text: str | None) -> int | None:
    if not text or len(text) > 9 or not text.isdigit():
        return None
    return int(text)
