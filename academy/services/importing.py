"""Enrolling participants from a spreadsheet: read the file, map its columns, preview, import.

The organizer's page calls these in turn: ``read_table`` turns an uploaded ``.xlsx``,
``.csv`` or ``.txt`` file into a ``Table`` (or raises ``ImportFileError`` with a message for
the user), ``guess_mapping`` proposes which column holds which field, ``preview`` checks
every row against the rules and the database without changing anything, and
``import_rows`` writes the previewed rows, all or nothing, in the caller's transaction.
"""

from __future__ import annotations

import csv
import difflib
import enum
import functools
import os
import re
import unicodedata
from collections.abc import Iterable, Iterator, Sequence
from dataclasses import dataclass, field
from typing import Any, Literal, NamedTuple

from email_validator import EmailNotValidError, validate_email
from email_validator.rfc_constants import (
    CASE_INSENSITIVE_MAILBOX_NAMES,
    DOT_ATOM_TEXT,
    EMAIL_MAX_LENGTH,
)
from flask_babel import format_number
from flask_babel import lazy_gettext as _l
from flask_babel.speaklater import LazyString
from openpyxl.utils import get_column_letter
from sqlalchemy import and_, select
from sqlalchemy.orm import Session

from ..db import insert_rows
from ..models import (
    AudienceRole,
    Cohort,
    Enrolment,
    Place,
    User,
    normalize_email,
)
from . import audit, enrolments, table_reading

LIMITS = table_reading.Limits()
MAX_ROWS = LIMITS.rows
# The most that reading one upload allocates (tests/test_import_limits.py measures it with
# tracemalloc, for each kind of attack and for the largest file accepted): the table, at
# most LIMITS.cells cells of LIMITS.text_chars characters in all (about 35 MB at worst,
# 4 bytes a character), and for a text file its decoded text (up to 4 bytes a character
# of the 5 MB upload). A workbook is streamed: only a row at a time of what it unpacks to.
READ_MEMORY_BOUND = 64 * 1024 * 1024
# Existing accounts and enrolments are looked up with one IN query per this many addresses:
# a whole file of the largest size allowed in one query, so that the number of statements
# does not grow with the file (SQLite takes 32,766 parameters, PostgreSQL 65,535).
LOOKUP_CHUNK = MAX_ROWS
DEFAULT_LANGUAGE = "sv"
LANGUAGES = ("en", "sv", "nb")
DELIMITERS = (",", ";", "\t")
# The review page shows this many rows (those with errors first), and this much of a value.
PREVIEW_ROWS = 250
SHOWN_CHARS = 60
# The delimiter is guessed from the start of a text file: 50 lines, or this much of it.
SNIFF_CHARS = 16 * 1024
FIELDS = ("name", "email", "role", "employer", "place", "language")
# The model's column lengths.
MAX_LENGTHS = {"name": 200, "email": 254, "employer": 200, "place": 200}

_UTF8_BOM = b"\xef\xbb\xbf"
_UTF16_BOMS = (b"\xff\xfe", b"\xfe\xff")
_ZIP_SIGNATURE = b"PK\x03\x04"
_OLE2_SIGNATURE = b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1"


# --- errors -----------------------------------------------------------------------------


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


class MappingError(ValueError):
    """The chosen columns cannot be imported (no e-mail column, say)."""

    def __init__(self, message: Any) -> None:
        super().__init__("mapping")
        self.message = message

    def __str__(self) -> str:
        return str(self.message)


class ImportRejected(Exception):
    """``import_rows`` was given a preview with errors; nothing was written."""

    def __init__(self, rows: list[RowResult], message: Any = None) -> None:
        self.rows = rows
        self.message = message or _l(
            "Nothing was imported: %(count)d rows have errors.", count=len(rows)
        )
        super().__init__(f"{len(rows)} rows have errors")

    def __str__(self) -> str:
        return str(self.message)


# --- reading ----------------------------------------------------------------------------


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
    limits: table_reading.Limits = LIMITS,
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
    if not data.strip(b" \t\r\n\x00") or data in (_UTF8_BOM, *_UTF16_BOMS):
        raise ImportFileError("empty", _l("The file is empty."))
    extension = os.path.splitext(filename)[1].lower()
    if data.startswith(_OLE2_SIGNATURE[:4]):
        raise _ole2_error(data, extension)
    if data.startswith(_ZIP_SIGNATURE):
        headers, rows = _read_xlsx(data, limits)
        kind: Literal["xlsx", "csv"] = "xlsx"
        used_encoding = used_delimiter = None
    elif extension in (".csv", ".txt", ".tsv", ""):
        text, used_encoding = _decode(data, encoding)
        used_delimiter = delimiter or sniff_delimiter(text)
        headers, rows = _read_csv(text, used_delimiter, limits)
        kind = "csv"
    elif extension in (".xlsx", ".xlsm"):
        raise ImportFileError("unreadable", _UNREADABLE)
    elif extension == ".xls":
        raise ImportFileError("xls", _XLS)
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


_UNREADABLE = _l(
    "The file could not be read. Save it from your spreadsheet program as an Excel "
    "workbook (.xlsx) or as CSV, and try again."
)
_XLS = _l(
    "This is an old Excel file (.xls). Open it in Excel and save it as an Excel "
    "workbook (.xlsx) or as CSV."
)


def _ole2_error(data: bytes, extension: str) -> ImportFileError:
    # Excel saves a password-protected .xlsx inside an OLE2 compound file, the container of
    # the old .xls format too; the encrypted one has an "EncryptionInfo" stream.
    if "EncryptionInfo".encode("utf-16-le") in data:
        return _encrypted()
    if extension == ".xls" or "Workbook".encode("utf-16-le") in data:
        return ImportFileError("xls", _XLS)
    return _encrypted()


def _encrypted() -> ImportFileError:
    return ImportFileError(
        "encrypted",
        _l(
            "The workbook is protected with a password. Remove the password in Excel and "
            "save it again, or save it as CSV."
        ),
    )


def _limit_error(error: table_reading.LimitExceeded, kind: str) -> ImportFileError:
    """The message for a limit the file crossed, saying where when that is known."""
    limit = _number(error.limit)
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


def _number(value: int) -> LazyString:
    """A number as the user's language writes it (10,000; 10 000), when shown."""
    return LazyString(format_number, value)


_WORKBOOK_PROBLEMS = {
    "not_xlsx": _l(
        "This file is a zip archive or another kind of document, not an Excel "
        "workbook. Save it as .xlsx or CSV."
    ),
    "too_complex": _l(
        "This workbook holds much more than a list of participants (formatting, other "
        "sheets or empty cells). Copy the list into a new workbook, or save it as CSV, "
        "and try again."
    ),
    "unreadable": _UNREADABLE,
}


def _read_xlsx(data: bytes, limits: table_reading.Limits) -> tuple[list[str], list[Row]]:
    tally = table_reading.Tally(limits)
    try:
        return _collect(table_reading.xlsx_records(data, tally), limits.rows)
    except table_reading.Unreadable as error:
        raise ImportFileError(error.code, _WORKBOOK_PROBLEMS[error.code]) from error
    except table_reading.LimitExceeded as error:
        raise _limit_error(error, "xlsx") from error


def _decode(data: bytes, encoding: str | None) -> tuple[str, str]:
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
        raise ImportFileError("unreadable", _UNREADABLE)
    return text, encoding


def _guess_decode(data: bytes) -> tuple[str, str]:
    if data.startswith(_UTF8_BOM):
        encodings = ["utf-8-sig"]
    elif data.startswith(_UTF16_BOMS):
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
    raise ImportFileError("unreadable", _UNREADABLE)


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


def _read_csv(
    text: str, delimiter: str, limits: table_reading.Limits
) -> tuple[list[str], list[Row]]:
    tally = table_reading.Tally(limits)
    try:
        return _collect(table_reading.csv_records(text, delimiter, tally), limits.rows)
    except csv.Error as error:
        raise ImportFileError("unreadable", _UNREADABLE) from error
    except table_reading.LimitExceeded as error:
        raise _limit_error(error, "csv") from error


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
                    max=_number(max_rows),
                ),
            )
        width = len(headers)
        if len(values) < width:
            values = values + [""] * (width - len(values))
        rows.append(Row(line, values[:width]))
    if headers is None:
        raise ImportFileError("empty", _l("The file is empty."))
    return headers, rows


# --- mapping ----------------------------------------------------------------------------

_HEADER_WORDS: dict[str, tuple[str, ...]] = {
    "name": (
        "name",
        "full name",
        "participant",
        "participant name",
        "namn",
        "fullständigt namn",
        "fullt namn",
        "för- och efternamn",
        "deltagare",
        "deltagarens namn",
        "navn",
        "fullt navn",
        "fullstendig navn",
        "for- og etternavn",
        "deltaker",
        "deltakers navn",
    ),
    "email": (
        "email",
        "e-mail",
        "email address",
        "e-mail address",
        "mail",
        "mail address",
        "e-post",
        "epost",
        "e-postadress",
        "epostadress",
        "e-postadresse",
        "epostadresse",
        "mejl",
        "mejladress",
        "mailadress",
        "mailadresse",
    ),
    "role": (
        "role",
        "audience",
        "roll",
        "yrkesroll",
        "målgrupp",
        "rolle",
        "yrkesrolle",
        "målgruppe",
    ),
    "employer": (
        "employer",
        "organisation",
        "organization",
        "company",
        "arbetsgivare",
        "företag",
        "firma",
        "arbetsplats",
        "förvaltning",
        "arbeidsgiver",
        "organisasjon",
        "bedrift",
        "arbeidsplass",
        "virksomhet",
    ),
    "place": (
        "place",
        "area",
        "location",
        "plats",
        "område",
        "stadsdel",
        "sted",
        "bydel",
    ),
    "language": ("language", "locale", "språk", "språkval", "mål"),
}


def fold(text: str) -> str:
    """Lower case without accents, for comparing words: "Språk" and "sprak" fold alike,
    as do "Gårdeier" and "gardeier" and "Næringsdrivende" and "naeringsdrivende"."""
    text = text.casefold().replace("ø", "o").replace("æ", "ae").replace("đ", "d")
    text = unicodedata.normalize("NFKD", text)
    return "".join(char for char in text if not unicodedata.combining(char))


def _header_key(text: str) -> str:
    return re.sub(r"[\W_]+", "", fold(text))


def _word_key(text: str) -> str:
    return " ".join(re.sub(r"[\W_]+", " ", fold(text)).split())


_HEADER_KEYS = {_header_key(word): name for name, words in _HEADER_WORDS.items() for word in words}
# Looked for inside longer headers ("Deltagarens e-postadress", "Arbetsgivarens namn"),
# in this order, once no header matched a field exactly.
_HEADER_PARTS = (
    ("email", ("epost", "email", "mail", "mejl")),
    ("employer", ("arbetsgivare", "arbeidsgiver", "employer", "organisation", "organization")),
    ("place", ("plats", "sted", "place", "omrade")),
    ("role", ("roll", "role")),
    ("language", ("sprak", "language")),
    ("name", ("namn", "navn", "name")),
)


def guess_mapping(headers: Sequence[str]) -> dict[str, int | None]:
    """Which column (0-based) holds each field, recognised from headers in English, Swedish
    and Norwegian; None for a field no header names. A column serves one field at most."""
    mapping: dict[str, int | None] = dict.fromkeys(FIELDS)
    keys = [_header_key(header) for header in headers]
    for index, key in enumerate(keys):
        name = _HEADER_KEYS.get(key)
        if name is not None and mapping[name] is None:
            mapping[name] = index
    used = {index for index in mapping.values() if index is not None}
    for index, key in enumerate(keys):
        if index in used or not key:
            continue
        for name, parts in _HEADER_PARTS:
            if mapping[name] is None and any(part in key for part in parts):
                mapping[name] = index
                used.add(index)
                break
    return mapping


# --- preview ----------------------------------------------------------------------------

_ROLE_WORDS: dict[AudienceRole, tuple[str, ...]] = {
    AudienceRole.OFFICIAL: (
        "official",
        "municipal official",
        "public official",
        "civil servant",
        "tjänsteperson",
        "tjänsteman",
        "kommunal tjänsteperson",
        "kommunanställd",
        "handläggare",
        "tjenesteperson",
        "tjenestemann",
        "kommuneansatt",
        "offentlig ansatt",
        "saksbehandler",
    ),
    AudienceRole.POLITICIAN: (
        "politician",
        "elected representative",
        "councillor",
        "politiker",
        "förtroendevald",
        "lokalpolitiker",
        "kommunalråd",
        "folkevalgt",
        "folkevald",
    ),
    AudienceRole.PROPERTY_OWNER: (
        "property owner",
        "landlord",
        "fastighetsägare",
        "fastighetsbolag",
        "hyresvärd",
        "gårdeier",
        "eiendomsbesitter",
        "eiendomseier",
        "eiendomsselskap",
    ),
    AudienceRole.TRADER: (
        "trader",
        "retailer",
        "shopkeeper",
        "merchant",
        "business owner",
        "handlare",
        "handlande",
        "näringsidkare",
        "företagare",
        "butik",
        "butiksägare",
        "næringsdrivende",
        "butikk",
        "butikkeier",
        "kjøpmann",
    ),
    AudienceRole.POLICE: (
        "police",
        "police officer",
        "polis",
        "polisen",
        "polisman",
        "politi",
        "politiet",
        "politibetjent",
    ),
    AudienceRole.OTHER: ("other", "annan", "annat", "övrig", "övrigt", "annen", "annet", "andre"),
}
# folded word -> (the word as written above, for suggestions; the role)
_ROLES: dict[str, tuple[str, AudienceRole]] = {
    _word_key(word): (word, role) for role, words in _ROLE_WORDS.items() for word in words
}
_ROLES.update({_word_key(role.value): (role.value, role) for role in AudienceRole})

_LANGUAGE_WORDS = {
    "en": ("en", "eng", "english", "engelska", "engelsk"),
    "sv": ("sv", "swe", "swedish", "svenska", "svensk"),
    "nb": ("nb", "no", "nob", "nor", "norwegian", "norsk", "norska", "bokmål", "norsk bokmål"),
}
_LANGUAGES = {_word_key(word): code for code, words in _LANGUAGE_WORDS.items() for word in words}
_LOCALE_TAG = re.compile(r"([a-z]{2,3}) [a-z]{2}")


class RowStatus(enum.StrEnum):
    NEW = "new"  # a new account is created and enrolled
    EXISTING_ACCOUNT = "existing_account"  # an account with this address joins as it is
    ALREADY_ENROLLED = "already_enrolled"  # nothing changes


@dataclass(frozen=True)
class RowError:
    """One problem with one row: which field, and a message in the user's language."""

    line: int
    field: str
    message: Any

    def __str__(self) -> str:
        return str(_l("Line %(line)d: %(message)s", line=self.line, message=self.message))


@dataclass
class RowResult:
    """A data row as it would be imported, or its errors."""

    line: int
    name: str
    email: str
    role: AudienceRole | None
    employer: str
    place_name: str
    language: str
    errors: list[RowError] = field(default_factory=list)
    status: RowStatus | None = None  # None when the e-mail address is unusable
    user_id: int | None = None
    place_id: int | None = None
    # False when the row left the language empty and got the default.
    language_given: bool = False

    @property
    def email_normalized(self) -> str:
        return normalize_email(self.email)

    @property
    def ok(self) -> bool:
        return not self.errors


@dataclass
class Preview:
    """What importing the table would do; nothing has been written."""

    cohort_id: int
    rows: list[RowResult]
    # Place names no place of the organisation has; importing creates them.
    new_places: list[str]

    @property
    def error_rows(self) -> list[RowResult]:
        return [row for row in self.rows if row.errors]

    @property
    def errors(self) -> list[RowError]:
        return [error for row in self.rows for error in row.errors]

    @property
    def has_errors(self) -> bool:
        return any(row.errors for row in self.rows)

    def count(self, status: RowStatus) -> int:
        """Rows without errors that would be imported as ``status``."""
        return sum(1 for row in self.rows if row.status == status and not row.errors)

    @property
    def counts(self) -> PreviewCounts:
        return PreviewCounts(
            rows=len(self.rows),
            new=self.count(RowStatus.NEW),
            existing=self.count(RowStatus.EXISTING_ACCOUNT),
            already=self.count(RowStatus.ALREADY_ENROLLED),
            errors=len(self.error_rows),
        )

    def shown_rows(self, limit: int = PREVIEW_ROWS) -> list[RowResult]:
        """At most ``limit`` rows to show, those with errors first, each in file order."""
        return (self.error_rows + [row for row in self.rows if not row.errors])[:limit]


class PreviewCounts(NamedTuple):
    """What a preview's rows would do; ``new + existing + already + errors == rows``."""

    rows: int
    new: int  # a new account is created and enrolled
    existing: int  # an account with the address joins
    already: int  # already in the round: nothing changes
    errors: int  # to correct before anything is imported

    @property
    def to_enrol(self) -> int:
        return self.new + self.existing


def preview(
    session: Session,
    cohort: Cohort,
    table: Table,
    mapping: dict[str, int | None],
    *,
    default_role: AudienceRole | None = None,
    default_language: str = DEFAULT_LANGUAGE,
    allow_new_places: bool = True,
) -> Preview:
    """Check every row and say what importing it would do, without writing anything.

    A row is new, joins an existing account (same address in any case; the account keeps
    its names) or is already enrolled in ``cohort`` (importing it changes nothing). Rows
    without a role get ``default_role`` (an error when None); rows without a language get
    ``default_language``. Place names are matched to the organisation's places in any
    case; others are listed in ``new_places``, or are errors unless ``allow_new_places``.
    Runs one query for the places and one per ``LOOKUP_CHUNK`` addresses.
    """
    columns = _checked_mapping(mapping, len(table.headers))
    places = _places_by_name(session, cohort.organisation_id)
    results: list[RowResult] = []
    first_line: dict[str, int] = {}
    new_places: dict[str, str] = {}
    for row in table.rows:
        result = _clean_row(row, columns, default_role, default_language)
        if result.status is not None:
            key = result.email_normalized
            if key in first_line:
                result.errors.append(
                    RowError(
                        row.line,
                        "email",
                        _l(
                            "The e-mail address %(email)s is already on line %(first)d.",
                            email=shown(result.email),
                            first=first_line[key],
                        ),
                    )
                )
            else:
                first_line[key] = row.line
        if result.place_name:
            place = places.get(result.place_name.casefold())
            if place is not None:
                result.place_id, result.place_name = place
            elif allow_new_places:
                result.place_name = new_places.setdefault(
                    result.place_name.casefold(), result.place_name
                )
            else:
                result.errors.append(
                    RowError(
                        row.line,
                        "place",
                        _l("There is no place called “%(place)s”.", place=shown(result.place_name)),
                    )
                )
        results.append(result)
    accounts = _accounts(session, cohort.id, list(first_line))
    for result in results:
        if result.status is None:
            continue
        found = accounts.get(result.email_normalized)
        if found is None:
            continue
        result.user_id = found.id
        result.status = RowStatus.ALREADY_ENROLLED if found.enrolled else RowStatus.EXISTING_ACCOUNT
    return Preview(cohort_id=cohort.id, rows=results, new_places=list(new_places.values()))


def shown(text: str, limit: int = SHOWN_CHARS) -> str:
    """A value as the review page shows it: cut with an ellipsis past ``limit``."""
    return text if len(text) <= limit else text[: limit - 1] + "…"


def _checked_mapping(mapping: dict[str, int | None], width: int) -> dict[str, int]:
    unknown = set(mapping) - set(FIELDS)
    if unknown:
        raise ValueError(f"unknown fields: {sorted(unknown)}")
    columns = {name: index for name, index in mapping.items() if index is not None}
    for index in columns.values():
        if not 0 <= index < width:
            raise ValueError(f"no column {index}")
    if len(set(columns.values())) != len(columns):
        raise MappingError(_l("Choose a different column for each field."))
    if "email" not in columns:
        raise MappingError(_l("Choose the column with the e-mail addresses."))
    if "name" not in columns:
        raise MappingError(_l("Choose the column with the names."))
    return columns


def _clean_row(
    row: Row,
    columns: dict[str, int],
    default_role: AudienceRole | None,
    default_language: str,
) -> RowResult:
    def value(name: str) -> str:
        index = columns.get(name)
        return " ".join(row.values[index].split()) if index is not None else ""

    line = row.line
    errors: list[RowError] = []
    result = RowResult(
        line=line,
        name=value("name"),
        email=value("email"),
        role=None,
        employer=value("employer"),
        place_name=value("place"),
        language=default_language,
        errors=errors,
    )
    if not result.name:
        errors.append(RowError(line, "name", _l("The name is missing.")))
    for name in ("name", "employer", "place"):
        text = value(name)
        if len(text) > MAX_LENGTHS[name]:
            errors.append(
                RowError(
                    line,
                    name,
                    _l(
                        "Too long: %(length)d characters, at most %(max)d.",
                        length=len(text),
                        max=MAX_LENGTHS[name],
                    ),
                )
            )
    if not result.email:
        errors.append(RowError(line, "email", _l("The e-mail address is missing.")))
    else:
        try:
            result.email = normalized_email(result.email)
        except EmailNotValidError:
            errors.append(
                RowError(
                    line,
                    "email",
                    _l("“%(email)s” is not a valid e-mail address.", email=shown(result.email)),
                )
            )
        else:
            if len(result.email) > MAX_LENGTHS["email"]:
                errors.append(RowError(line, "email", _l("The e-mail address is too long.")))
            else:
                result.status = RowStatus.NEW
    role_text = value("role")
    if role_text:
        result.role = _role(role_text, line, errors)
    elif default_role is not None:
        result.role = default_role
    else:
        errors.append(RowError(line, "role", _l("The role is missing.")))
    language_text = value("language")
    if language_text:
        result.language = _language(language_text, line, errors) or default_language
        result.language_given = True
    return result


def normalized_email(address: str) -> str:
    """``validate_email(address).normalized``, or its ``EmailNotValidError``, in a tenth
    of the time for the usual address: a plain local part at a domain seen before.

    email_validator checks the domain character by character (about 200 microseconds an
    address, half of a 10,000-row preview); a list has a few domains, each checked once
    here. A plain ASCII local part is taken as it is, which is what email_validator does
    with one; anything else, and any length near the limits, goes to email_validator.
    """
    local, at, domain = address.rpartition("@")
    checked = _checked_domain(domain) if at and domain.isascii() else None
    if (
        checked is not None
        and DOT_ATOM_TEXT.match(local)
        and local.lower() not in CASE_INSENSITIVE_MAILBOX_NAMES
    ):
        normalized, ascii_domain = f"{local}@{checked[0]}", checked[1]
        forms = (address, normalized, f"{local}@{ascii_domain}")
        if all(len(form.encode()) <= EMAIL_MAX_LENGTH for form in forms):
            return normalized
    return validate_email(address, check_deliverability=False).normalized


@functools.lru_cache(maxsize=1024)
def _checked_domain(domain: str) -> tuple[str, str] | None:
    """The normalised and the ASCII form of a domain email_validator accepts, else None."""
    try:
        checked = validate_email(f"a@{domain}", check_deliverability=False)
    except EmailNotValidError:
        return None
    return checked.domain, checked.ascii_domain


def _role(text: str, line: int, errors: list[RowError]) -> AudienceRole | None:
    key = _word_key(text)
    if key in _ROLES:
        return _ROLES[key][1]
    close = difflib.get_close_matches(key, list(_ROLES), n=1, cutoff=0.6)
    if close:
        message = _l(
            "Unknown role “%(role)s”. Did you mean “%(suggestion)s”?",
            role=shown(text),
            suggestion=_ROLES[close[0]][0],
        )
    else:
        message = _l(
            "Unknown role “%(role)s”. Use one of: %(roles)s.",
            role=shown(text),
            roles=_l("official, politician, property owner, trader, police, other"),
        )
    errors.append(RowError(line, "role", message))
    return None


def _language(text: str, line: int, errors: list[RowError]) -> str | None:
    key = _word_key(text)
    tag = _LOCALE_TAG.fullmatch(key)
    if tag:  # sv-SE, nb_NO, en-GB
        key = tag.group(1)
    if key in _LANGUAGES:
        return _LANGUAGES[key]
    close = difflib.get_close_matches(key, list(_LANGUAGES), n=1, cutoff=0.6)
    if close:
        message = _l(
            "Unknown language “%(language)s”. Did you mean “%(suggestion)s”?",
            language=shown(text),
            suggestion=close[0],
        )
    else:
        message = _l(
            "Unknown language “%(language)s”. Use en, sv or nb.",
            language=shown(text),
        )
    errors.append(RowError(line, "language", message))
    return None


def _places_by_name(session: Session, organisation_id: int) -> dict[str, tuple[int, str]]:
    rows = session.execute(
        select(Place.id, Place.name).where(Place.organisation_id == organisation_id)
    )
    return {name.casefold(): (place_id, name) for place_id, name in rows}


def _chunks(items: Sequence[Any], size: int = LOOKUP_CHUNK) -> Iterator[Sequence[Any]]:
    for start in range(0, len(items), size):
        yield items[start : start + size]


class _Account(NamedTuple):
    """An account that exists, as the import needs it."""

    id: int
    enrolled: bool  # in the cohort
    email: str
    name: str
    locale: str


def _accounts(session: Session, cohort_id: int, emails: Sequence[str]) -> dict[str, _Account]:
    """normalised address -> the account with it, for the accounts that exist."""
    found: dict[str, _Account] = {}
    for chunk in _chunks(emails):
        rows = session.execute(
            select(
                User.email_normalized,
                User.id,
                Enrolment.id,
                User.email,
                User.name,
                User.locale,
            )
            .outerjoin(
                Enrolment, and_(Enrolment.user_id == User.id, Enrolment.cohort_id == cohort_id)
            )
            .where(User.email_normalized.in_(chunk))
        )
        for email_normalized, user_id, enrolment_id, email, name, locale in rows:
            found[email_normalized] = _Account(
                user_id, enrolment_id is not None, email, name, locale
            )
    return found


# --- import -----------------------------------------------------------------------------


@dataclass(frozen=True)
class ImportResult:
    rows: int
    users_created: int
    existing_accounts: int  # existing accounts newly enrolled
    enrolments_created: int
    already_enrolled: int
    places_created: int
    invitations_sent: int
    enrolment_ids: list[int] = field(default_factory=list)  # the new enrolments

    def counts(self) -> dict[str, int]:
        return {
            "rows": self.rows,
            "users_created": self.users_created,
            "existing_accounts": self.existing_accounts,
            "enrolments_created": self.enrolments_created,
            "already_enrolled": self.already_enrolled,
            "places_created": self.places_created,
            "invitations_sent": self.invitations_sent,
        }


def import_rows(
    session: Session,
    cohort: Cohort,
    preview: Preview,
    *,
    invited_by_id: int | None,
    create_places: bool,
    send_invitations: bool,
) -> ImportResult:
    """Create the places, accounts and enrolments of a previewed table, all or nothing.

    Raises ``ImportRejected`` (having written nothing) when a row has errors, or when the
    table names new places and ``create_places`` is false. Accounts and enrolments are
    looked up again, so a preview that has gone stale in the meantime cannot create an
    account twice; rows already enrolled change nothing, so importing the same file again
    does nothing. With ``send_invitations`` every new enrolment gets an invitation mail
    (needs an application context), queued in bulk. Records one ``import.completed`` audit
    event, which counts the invitations (there is no event per invitation); flushes, never
    commits. The number of statements does not grow with the rows, but for the inserts,
    one per 1,000 rows and table.
    """
    if preview.cohort_id != cohort.id:
        raise ValueError("the preview is of another cohort")
    if preview.has_errors:
        raise ImportRejected(preview.error_rows)
    if preview.new_places and not create_places:
        rows = [row for row in preview.rows if row.place_name and row.place_id is None]
        for row in rows:
            row.errors.append(
                RowError(
                    row.line,
                    "place",
                    _l("There is no place called “%(place)s”.", place=shown(row.place_name)),
                )
            )
        raise ImportRejected(rows)

    session.flush()
    place_ids, places_created = _ensure_places(session, cohort.organisation_id, preview.rows)
    rows = preview.rows
    accounts = _accounts(session, cohort.id, [row.email_normalized for row in rows])

    new_users = [row for row in rows if row.email_normalized not in accounts]
    user_ids = _insert_users(session, new_users)
    enrol: list[tuple[RowResult, int]] = []
    joining: list[_Account | None] = []  # the existing account of each, or None
    existing = already = 0
    for row in rows:
        found = accounts.get(row.email_normalized)
        if found is None:
            enrol.append((row, user_ids[row.email_normalized]))
        elif found.enrolled:
            already += 1
            continue
        else:
            existing += 1
            enrol.append((row, found.id))
        joining.append(found)
    enrolment_ids = _insert_enrolments(session, cohort.id, enrol, place_ids)

    invitees = []
    if send_invitations:
        for (row, _user_id), account, enrolment_id in zip(
            enrol, joining, enrolment_ids, strict=True
        ):
            if account is None:
                email, name, locale = row.email.strip(), row.name, row.language
            else:
                # An existing account is invited in its own language unless the row says.
                language = row.language if row.language_given else account.locale
                email, name, locale = account.email, account.name, language
            invitees.append(enrolments.Invitee(enrolment_id, email, name, row.name, locale))
        enrolments.invite_enrolments(session, cohort, invitees, invited_by_id=invited_by_id)
    invited = len(invitees)

    result = ImportResult(
        rows=len(rows),
        users_created=len(new_users),
        existing_accounts=existing,
        enrolments_created=len(enrolment_ids),
        already_enrolled=already,
        places_created=places_created,
        invitations_sent=invited,
        enrolment_ids=enrolment_ids,
    )
    audit.record(
        session,
        "import.completed",
        actor_id=invited_by_id,
        object_type="cohort",
        object_id=cohort.id,
        organisation_id=cohort.organisation_id,
        **result.counts(),
    )
    session.flush()
    return result


def _ensure_places(
    session: Session, organisation_id: int, rows: list[RowResult]
) -> tuple[dict[str, int], int]:
    """folded place name -> id for every place the rows name, creating the missing ones."""
    existing = _places_by_name(session, organisation_id)
    ids = {key: place_id for key, (place_id, _name) in existing.items()}
    created: list[Place] = []
    for row in rows:
        key = row.place_name.casefold()
        if row.place_name and key not in ids:
            place = Place(organisation_id=organisation_id, name=row.place_name)
            session.add(place)
            created.append(place)
            ids[key] = 0
    if created:
        session.flush()
        ids.update({place.name.casefold(): place.id for place in created})
    return ids, len(created)


def _insert_users(session: Session, rows: list[RowResult]) -> dict[str, int]:
    """Create accounts without a password in bulk, as ``accounts.create_user`` would one
    by one; returns normalised address -> user id."""
    if not rows:
        return {}
    values = [
        {
            "email": row.email.strip(),
            "email_normalized": row.email_normalized,
            "name": row.name,
            "certificate_name": row.name,
            "locale": row.language,
            "password_hash": None,
        }
        for row in rows
    ]
    ids = insert_rows(session, User, values, key="email_normalized")
    return {row.email_normalized: user_id for row, user_id in zip(rows, ids, strict=True)}


def _insert_enrolments(
    session: Session,
    cohort_id: int,
    enrol: list[tuple[RowResult, int]],
    place_ids: dict[str, int],
) -> list[int]:
    if not enrol:
        return []
    values = [
        {
            "cohort_id": cohort_id,
            "user_id": user_id,
            "invited_name": row.name,
            "role": row.role,
            "employer": row.employer,
            "place_id": place_ids[row.place_name.casefold()] if row.place_name else None,
        }
        for row, user_id in enrol
    ]
    return insert_rows(session, Enrolment, values, key="user_id")
