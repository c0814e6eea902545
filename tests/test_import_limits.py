"""Hardening (issue 13, item 14): spreadsheets built to exhaust a worker stop at the limits.

Each attack of ``bench.import_attacks`` (a workbook of 15 million empty rows, a CSV of
1.2 million columns, ...) is generated here and read: it must stop with its own message,
allocating less than ``READ_MEMORY_BOUND`` while it is read. How soon each stops is
measured by ``python -m bench.import_bench --attacks``, not here.
"""

from __future__ import annotations

import tracemalloc
from dataclasses import replace

import pytest

from academy.services.importing import LIMITS, READ_MEMORY_BOUND, ImportFileError, read_table
from bench.import_attacks import ATTACKS, HEADER_ROW, workbook

# A phrase of each limit's message, in English.
MESSAGES = {
    "lines": "rows, counting empty ones",
    "columns": "columns",
    "cells": "filled cells",
    "cell_chars": "characters",
    "text_chars": "characters of text",
    "too_many_rows": "rows of participants",
    "too_complex": "much more than a list of participants",
    "unreadable": "could not be read",
}


def read_measured(data: bytes, filename: str):
    """read_table's answer (or error) and the most it allocated meanwhile."""
    tracemalloc.start()
    try:
        try:
            answer = read_table(data, filename)
        except ImportFileError as error:
            answer = error
        _current, peak = tracemalloc.get_traced_memory()
    finally:
        tracemalloc.stop()
    return answer, peak


@pytest.mark.parametrize("attack", ATTACKS, ids=[attack.name for attack in ATTACKS])
def test_an_attack_stops_at_its_limit_within_the_memory_bound(app, attack):
    error, peak = read_measured(attack.make(), attack.filename)
    assert isinstance(error, ImportFileError)
    assert error.code == attack.code
    assert peak < READ_MEMORY_BOUND
    with app.test_request_context(headers={"Accept-Language": "en"}):
        assert MESSAGES[attack.code] in str(error)
    with app.test_request_context(headers={"Accept-Language": "sv"}):
        assert MESSAGES[attack.code] not in str(error)


def csv_of(*lines: str) -> bytes:
    return ("\r\n".join(lines) + "\r\n").encode()


def test_the_largest_file_accepted_stays_within_the_memory_bound():
    """10,000 rows of 20 columns: every cell allowed, 4 bytes a character (an emoji in
    each cell), just under the 5 MB an upload may have."""
    header = ";".join(f"Kolumn {n}" for n in range(20))
    rows = [";".join(f"Åsa😀 {r} {c}" for c in range(20)) for r in range(LIMITS.rows - 1)]
    data = csv_of(header, *rows)
    assert len(data) < 5 * 1024 * 1024
    table, peak = read_measured(data, "deltagare.csv")
    assert len(table.rows) == LIMITS.rows - 1
    assert peak < READ_MEMORY_BOUND


@pytest.mark.parametrize("kind", ["csv", "xlsx"])
@pytest.mark.parametrize(
    ("limit", "within", "over"),
    [
        ("columns", ["x"] * 50, ["x"] * 51),
        ("cell_chars", ["x" * 1_000], ["x" * 1_001]),
        ("cell_chars", ["  " + "x" * 1_000 + "  "], ["x" * 999 + " x"]),
    ],
)
def test_a_row_at_the_limit_is_read_and_one_past_it_refused(app, kind, limit, within, over):
    def read(cells):
        rows = [["Namn", "E-post"], ["Åsa", "asa@example.se"], cells]
        if kind == "csv":
            return read_table(csv_of(*(";".join(row) for row in rows)), "a.csv")
        return read_table(xlsx_of(rows), "a.xlsx")

    assert read(within).rows[1].line == 3
    with pytest.raises(ImportFileError) as raised:
        read(over)
    assert raised.value.code == limit
    with app.test_request_context(headers={"Accept-Language": "en"}):
        message = str(raised.value)
    assert message.startswith("Line 3")
    if limit == "cell_chars":
        assert ("column 1 " if kind == "csv" else "column A ") in message
        assert "1,000 characters" in message


def xlsx_of(rows: list[list[str]]) -> bytes:
    def cell(text: str) -> str:
        return f'<c t="inlineStr"><is><t xml:space="preserve">{text}</t></is></c>'

    return workbook([("<row>" + "".join(map(cell, row)) + "</row>").encode() for row in rows])


def test_empty_rows_count_towards_the_rows_a_file_may_have():
    rows = ["Namn;E-post", "Åsa;asa@example.se"]
    blank = [""] * (LIMITS.lines - len(rows))
    assert len(read_table(csv_of(*rows, *blank), "a.csv").rows) == 1
    with pytest.raises(ImportFileError) as raised:
        read_table(csv_of(*rows, *blank, ""), "a.csv")
    assert (raised.value.code, raised.value.message is not None) == ("lines", True)
    # A workbook's gaps count too: row 20,000 is the last one read.
    last = f'<row r="{LIMITS.lines}"><c t="inlineStr"><is><t>Bo</t></is></c></row>'
    assert len(read_table(workbook([HEADER_ROW.encode(), last.encode()]), "a.xlsx").rows) == 1
    with pytest.raises(ImportFileError) as raised:
        read_table(workbook([HEADER_ROW.encode(), last.replace('r="', 'r="1').encode()]), "a.xlsx")
    assert raised.value.code == "lines"


def test_filled_cells_and_characters_are_counted_over_the_whole_file():
    small = replace(LIMITS, cells=6, text_chars=42)
    rows = ["Namn;E-post", "Åsa;asa@example.se", "Bo;bo@example.se"]
    assert len(read_table(csv_of(*rows), "a.csv", limits=small).rows) == 2
    with pytest.raises(ImportFileError) as raised:
        read_table(csv_of(*rows, "Cy;"), "a.csv", limits=small)
    assert raised.value.code == "cells"
    with pytest.raises(ImportFileError) as raised:
        read_table(csv_of(*rows[:2], "Bo;bo.bengtsson@example.se"), "a.csv", limits=small)
    assert raised.value.code == "text_chars"


def test_a_shared_string_counts_each_time_a_cell_uses_it():
    """A workbook cannot multiply one long text into millions of characters."""
    text = "x" * 900
    rows = [b'<row><c t="s"><v>0</v></c></row>'] * 3
    data = workbook(rows, shared_strings=[f"<si><t>{text}</t></si>".encode()])
    assert len(read_table(data, "a.xlsx", limits=replace(LIMITS, text_chars=2_700)).rows) == 2
    with pytest.raises(ImportFileError) as raised:
        read_table(data, "a.xlsx", limits=replace(LIMITS, text_chars=2_699))
    assert raised.value.code == "text_chars"
