"""Enrolling participants from a spreadsheet: read the file, map its columns, preview, import.

The organizer's page calls these in turn: ``read_table`` turns an uploaded ``.xlsx``,
``.csv`` or ``.txt`` file into a ``Table`` (or raises ``ImportFileError`` with a message for
the user), ``guess_mapping`` proposes which column holds which field, ``preview`` checks
every row against the rules and the database without changing anything, and
``import_rows`` writes the previewed rows, all or nothing, in the caller's transaction.

One module a step:

- ``limits``: what one file may hold, counted while it is read;
- ``text_files``, ``xlsx`` and ``xlsx_parts``: reading CSV text and workbooks as a stream;
- ``file_errors``: what the organizer is told when a file cannot be read;
- ``reading``: the uploaded file as a ``Table``;
- ``columns``: which column holds which field;
- ``rows``: one row's values checked, and its errors;
- ``lookups``: the places and accounts that exist already;
- ``previews``: what importing would do;
- ``apply``: the import, all or nothing, and the invitations.
"""

from .apply import ImportRejected, ImportResult, import_rows
from .columns import FIELDS, MappingError, fold, guess_mapping
from .file_errors import ImportFileError
from .limits import LIMITS, MAX_ROWS, READ_MEMORY_BOUND, LimitExceeded, Limits, Tally
from .lookups import LOOKUP_CHUNK
from .previews import PREVIEW_ROWS, Preview, PreviewCounts, preview
from .reading import Row, Table, read_table
from .rows import (
    DEFAULT_LANGUAGE,
    LANGUAGES,
    MAX_LENGTHS,
    SHOWN_CHARS,
    RowError,
    RowResult,
    RowStatus,
    normalized_email,
    shown,
)
from .text_files import DELIMITERS, SNIFF_CHARS, csv_records, sniff_delimiter
from .xlsx import cell_text, xlsx_records
from .xlsx_parts import Unreadable

__all__ = [
    "DEFAULT_LANGUAGE",
    "DELIMITERS",
    "FIELDS",
    "LANGUAGES",
    "LIMITS",
    "LOOKUP_CHUNK",
    "MAX_LENGTHS",
    "MAX_ROWS",
    "PREVIEW_ROWS",
    "READ_MEMORY_BOUND",
    "SHOWN_CHARS",
    "SNIFF_CHARS",
    "ImportFileError",
    "ImportRejected",
    "ImportResult",
    "LimitExceeded",
    "Limits",
    "MappingError",
    "Preview",
    "PreviewCounts",
    "Row",
    "RowError",
    "RowResult",
    "RowStatus",
    "Table",
    "Tally",
    "Unreadable",
    "cell_text",
    "csv_records",
    "fold",
    "guess_mapping",
    "import_rows",
    "normalized_email",
    "preview",
    "read_table",
    "shown",
    "sniff_delimiter",
    "xlsx_records",
]
