"""Reading an uploaded ``.xlsx``, ``.csv`` or ``.txt`` file into a ``Table``."""

from __future__ import annotations

import csv
import os
from collections.abc import Iterable
from dataclasses import dataclass
from typing import Literal

from flask_babel import lazy_gettext as _l

from .file_errors import (
    UNREADABLE,
    WORKBOOK_PROBLEMS,
    XLS,
    ImportFileError,
    limit_error,
    localized_number,
    ole2_error,
)
from .limits import LIMITS, LimitExceeded, Limits, Tally
from .text_files import UTF8_BOM, UTF16_BOMS, csv_records, decode, sniff_delimiter
from .xlsx import xlsx_records
from .xlsx_parts import Unreadable

_ZIP_SIGNATURE = b"PK\x03\x04"
_OLE2_SIGNATURE = b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1"


@dataclass(frozen=True)
class Row:
    """The cells of one data row, and where it is in the file (1-based, as Excel counts)."""

    line: int
    values: list[str]


@dataclass(frozen=True)
class Table:
    """A file's header row and data rows, every cell a stripped string."""

    headers: list[str]
    rows: list[Row]
    kind: Literal["xlsx", "csv"]
    encoding: str | None
    delimiter: str | None


def read_table(
    data: bytes,
    filename: str,
    *,
    delimiter: str | None = None,
    encoding: str | None = None,
    limits: Limits = LIMITS,
) -> Table:
    """Read an uploaded ``.xlsx``, ``.csv`` or ``.txt`` file into a ``Table``.

    The first non-empty row is the header; empty rows are skipped; every row gets as many
    cells as there are headers. Text files may be UTF-8 (with or without a BOM), UTF-16
    with a BOM, or Windows-1252, separated by commas, semicolons or tabs; ``delimiter``
    and ``encoding`` override the guesses. Raises ``ImportFileError`` for anything that
    cannot be read or holds more than ``limits`` allow, never another exception; reading
    stops at the first limit crossed.
    """
    if delimiter is not None and (len(delimiter) != 1 or delimiter in '"\r\n'):
        raise ValueError(f"not a usable delimiter: {delimiter!r}")
    if not data.strip(b" \t\r\n\x00") or data in (UTF8_BOM, *UTF16_BOMS):
        raise ImportFileError("empty", _l("The file is empty."))
    extension = os.path.splitext(filename)[1].lower()
    if data.startswith(_OLE2_SIGNATURE[:4]):
        raise ole2_error(data, extension)
    if data.startswith(_ZIP_SIGNATURE):
        headers, rows = _read_xlsx(data, limits)
        kind: Literal["xlsx", "csv"] = "xlsx"
        used_encoding = used_delimiter = None
    elif extension in (".csv", ".txt", ".tsv", ""):
        text, used_encoding = decode(data, encoding)
        used_delimiter = delimiter or sniff_delimiter(text)
        headers, rows = _read_csv(text, used_delimiter, limits)
        kind = "csv"
    elif extension in (".xlsx", ".xlsm"):
        raise ImportFileError("unreadable", UNREADABLE)
    elif extension == ".xls":
        raise ImportFileError("xls", XLS)
    else:
        raise ImportFileError(
            "unsupported",
            _l("Choose an Excel workbook (.xlsx) or a CSV or text file (.csv, .txt)."),
        )
    if not rows:
        raise ImportFileError(
            "header_only", _l("The file has a header row but no rows of participants.")
        )
    return Table(
        headers=headers, rows=rows, kind=kind, encoding=used_encoding, delimiter=used_delimiter
    )


def _read_xlsx(data: bytes, limits: Limits) -> tuple[list[str], list[Row]]:
    tally = Tally(limits)
    try:
        return _collect(xlsx_records(data, tally), limits.rows)
    except Unreadable as error:
        raise ImportFileError(error.code, WORKBOOK_PROBLEMS[error.code]) from error
    except LimitExceeded as error:
        raise limit_error(error, "xlsx") from error


def _read_csv(text: str, delimiter: str, limits: Limits) -> tuple[list[str], list[Row]]:
    tally = Tally(limits)
    try:
        return _collect(csv_records(text, delimiter, tally), limits.rows)
    except csv.Error as error:
        raise ImportFileError("unreadable", UNREADABLE) from error
    except LimitExceeded as error:
        raise limit_error(error, "csv") from error


def _collect(
    numbered: Iterable[tuple[int, list[str]]], max_rows: int
) -> tuple[list[str], list[Row]]:
    headers: list[str] | None = None
    rows: list[Row] = []
    for line, values in numbered:
        if not any(values):
            continue
        if headers is None:
            while values and not values[-1]:
                values.pop()
            headers = values
            continue
        if len(rows) == max_rows:
            raise ImportFileError(
                "too_many_rows",
                _l(
                    "The file has more than %(max)s rows of participants. Split it into "
                    "files of at most %(max)s rows.",
                    max=localized_number(max_rows),
                ),
            )
        width = len(headers)
        if len(values) < width:
            values = values + [""] * (width - len(values))
        rows.append(Row(line, values[:width]))
    if headers is None:
        raise ImportFileError("empty", _l("The file is empty."))
    return headers, rows
