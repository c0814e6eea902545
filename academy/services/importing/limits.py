"""What one uploaded file may hold, and the tally that stops reading at the first limit.

Both readers (``text_files.csv_records`` and ``xlsx.xlsx_records``) count, while they
stream, every row (empty ones too), column, cell and character against ``Limits``. They
stop at the first limit with ``LimitExceeded``, before the row that crosses it is held in
memory, so a small file that would unpack to millions of rows or columns costs what
reading the first rows past the limit costs.
"""

from __future__ import annotations

from dataclasses import dataclass


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


LIMITS = Limits()
MAX_ROWS = LIMITS.rows
# The most that reading one upload allocates (tests/test_import_limits.py measures it with
# tracemalloc, for each kind of attack and for the largest file accepted): the table, at
# most LIMITS.cells cells of LIMITS.text_chars characters in all (about 35 MB at worst,
# 4 bytes a character), and for a text file its decoded text (up to 4 bytes a character
# of the 5 MB upload). A workbook is streamed: only a row at a time of what it unpacks to.
READ_MEMORY_BOUND = 64 * 1024 * 1024
