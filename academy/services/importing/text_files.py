"""Text files (CSV and the like): their encoding, their separator, and their records.

``decode`` guesses the encoding (UTF-8 with or without a BOM, UTF-16, Windows-1252),
``sniff_delimiter`` the separator, and ``csv_records`` reads the records as a stream,
counting them against ``Limits`` as it goes (see ``limits``).
"""

from __future__ import annotations

import csv
import re
from collections.abc import Iterator

from flask_babel import lazy_gettext as _l

from .file_errors import UNREADABLE, ImportFileError
from .limits import LimitExceeded, Tally

DELIMITERS = (",", ";", "\t")
# The delimiter is guessed from the start of a text file: 50 lines, or this much of it.
SNIFF_CHARS = 16 * 1024

UTF8_BOM = b"\xef\xbb\xbf"
UTF16_BOMS = (b"\xff\xfe", b"\xfe\xff")


def decode(data: bytes, encoding: str | None) -> tuple[str, str]:
    if encoding is not None:
        try:
            text = data.decode(encoding)
        except LookupError as error:
            raise ValueError(f"unknown encoding: {encoding!r}") from error
        except UnicodeDecodeError as error:
            raise ImportFileError(
                "encoding",
                _l("The file is not written in the encoding %(encoding)s.", encoding=encoding),
            ) from error
        text = text.removeprefix("\ufeff")
    else:
        text, encoding = _guess_decode(data)
    if _looks_binary(text):
        raise ImportFileError("unreadable", UNREADABLE)
    return text, encoding


def _guess_decode(data: bytes) -> tuple[str, str]:
    if data.startswith(UTF8_BOM):
        encodings = ["utf-8-sig"]
    elif data.startswith(UTF16_BOMS):
        encodings = ["utf-16"]
    else:
        encodings = ["utf-8", "cp1252"]
        # UTF-16 without a BOM: every other byte of Latin text is NUL.
        half = len(data) // 2
        if half and len(data) % 2 == 0:
            if data[1::2].count(0) > half * 0.6:
                encodings.insert(0, "utf-16-le")
            elif data[0::2].count(0) > half * 0.6:
                encodings.insert(0, "utf-16-be")
    for name in encodings:
        try:
            text = data.decode(name)
        except UnicodeDecodeError:
            continue
        return text.removeprefix("\ufeff"), name
    raise ImportFileError("unreadable", UNREADABLE)


def _looks_binary(text: str) -> bool:
    if "\x00" in text:
        return True
    sample = text[:4096]
    controls = sum(1 for char in sample if ord(char) < 32 and char not in "\t\r\n\f\v")
    return controls > len(sample) * 0.05


def sniff_delimiter(text: str) -> str:
    """Comma, semicolon or tab: what ``csv.Sniffer`` finds in the first lines, if the
    header line has it, else whichever of the three the header line has most of. Looks
    at the first ``SNIFF_CHARS`` characters only."""
    lines = text.lstrip("\r\n")[:SNIFF_CHARS].splitlines()[:50]
    header = lines[0] if lines else ""
    try:
        found = csv.Sniffer().sniff("\n".join(lines), delimiters="".join(DELIMITERS))
        if found.delimiter in header:
            return found.delimiter
    except csv.Error:
        pass
    counts = {candidate: header.count(candidate) for candidate in DELIMITERS}
    best = max(DELIMITERS, key=lambda candidate: counts[candidate])
    return best if counts[best] else ","


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
