"""What the organizer is told when an uploaded file cannot be read, in their language."""

from __future__ import annotations

from typing import Any

from flask_babel import format_number
from flask_babel import lazy_gettext as _l
from flask_babel.speaklater import LazyString
from openpyxl.utils import get_column_letter

from .limits import LimitExceeded


class ImportFileError(Exception):
    """The uploaded file cannot be read; ``message`` says why in the user's language.

    ``code`` names the problem for programs: empty, unreadable, not_xlsx, too_complex,
    encrypted, xls, unsupported, encoding, header_only, or the limit crossed:
    too_many_rows, lines, columns, cells, cell_chars, text_chars.
    """

    def __init__(self, code: str, message: Any) -> None:
        super().__init__(code)
        self.code = code
        self.message = message

    def __str__(self) -> str:
        return str(self.message)


UNREADABLE = _l(
    "The file could not be read. Save it from your spreadsheet program as an Excel "
    "workbook (.xlsx) or as CSV, and try again."
)
XLS = _l(
    "This is an old Excel file (.xls). Open it in Excel and save it as an Excel "
    "workbook (.xlsx) or as CSV."
)


def ole2_error(data: bytes, extension: str) -> ImportFileError:
    # Excel saves a password-protected .xlsx inside an OLE2 compound file, the container of
    # the old .xls format too; the encrypted one has an "EncryptionInfo" stream.
    if "EncryptionInfo".encode("utf-16-le") in data:
        return _encrypted()
    if extension == ".xls" or "Workbook".encode("utf-16-le") in data:
        return ImportFileError("xls", XLS)
    return _encrypted()


def _encrypted() -> ImportFileError:
    return ImportFileError(
        "encrypted",
        _l(
            "The workbook is protected with a password. Remove the password in Excel and "
            "save it again, or save it as CSV."
        ),
    )


def limit_error(error: LimitExceeded, kind: str) -> ImportFileError:
    """The message for a limit the file crossed, saying where when that is known."""
    limit = localized_number(error.limit)
    line = error.line
    column: object = error.column
    if column is not None and kind == "xlsx":
        column = get_column_letter(column) if column <= 18_278 else column
    if error.kind == "lines":
        message = _l(
            "The file has more than %(max)s rows, counting empty ones. Delete the empty "
            "rows below the list, or copy the list into a new workbook, and try again.",
            max=limit,
        )
    elif error.kind == "columns" and line is not None:
        message = _l(
            "Line %(line)d has more than %(max)s columns. Keep only the columns with the "
            "participants' details and try again.",
            line=line,
            max=limit,
        )
    elif error.kind == "cell_chars" and column is not None:
        message = _l(
            "Line %(line)d, column %(column)s holds more than %(max)s characters. Shorten "
            "it, or delete the column if it is not needed, and try again.",
            line=line,
            column=column,
            max=limit,
        )
    elif error.kind == "cell_chars":
        message = _l(
            "Line %(line)d has a cell with more than %(max)s characters. Shorten it, or "
            "delete the column if it is not needed, and try again.",
            line=line,
            max=limit,
        )
    elif error.kind == "cells":
        message = _l(
            "The file has more than %(max)s filled cells. Keep only the columns with the "
            "participants' details, or split the list into smaller files.",
            max=limit,
        )
    else:  # text_chars
        message = _l(
            "The file holds more than %(max)s characters of text. Keep only the columns "
            "with the participants' details, or split the list into smaller files.",
            max=limit,
        )
    return ImportFileError(error.kind, message)


def localized_number(value: int) -> LazyString:
    """A number as the user's language writes it (10,000; 10 000), when shown."""
    return LazyString(format_number, value)


WORKBOOK_PROBLEMS = {
    "not_xlsx": _l(
        "This file is a zip archive or another kind of document, not an Excel "
        "workbook. Save it as .xlsx or CSV."
    ),
    "too_complex": _l(
        "This workbook holds much more than a list of participants (formatting, other "
        "sheets or empty cells). Copy the list into a new workbook, or save it as CSV, "
        "and try again."
    ),
    "unreadable": UNREADABLE,
}
