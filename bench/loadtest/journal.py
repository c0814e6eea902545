"""The load test's journal: what the simulated people were told, one JSON object a line.

The locustfile writes it (``Journal``), ``python -m bench.loadtest`` reads it (``read``).
Three kinds of line, each with its time ``t`` (seconds since the epoch):

- ``write``: a step a person was told succeeded, with what finds it in the database:
  ``step`` "lesson" (``enrolment``, ``part``, ``lesson``), "quiz" (``enrolment``, ``part``,
  ``attempt``: the id the redirect names), "draft" (``enrolment``, ``part``, ``number``:
  the draft's marker, see ``draft_marker``) or "import" (``cohort``, ``emails``);
- ``retry``: an answer that was tried again (``method``, ``name``, ``status``, ``reason``,
  ``tries``, ``ms``);
- ``failure``: a request that failed for good (``method``, ``name``, ``problem``).

Nothing here imports the application or locust: both sides import it.
"""

from __future__ import annotations

import json
import re
import time
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, TextIO

# Written into the first text box of an assignment draft; the database must hold the marker
# of the last draft a person was told was saved, or of a later one.
DRAFT_MARKER = re.compile(r"\[load draft (\d+) of enrolment (\d+)\]")


def draft_marker(enrolment: int, number: int) -> str:
    return f"[load draft {number} of enrolment {enrolment}]"


class Journal:
    """Appends lines to the journal at ``path`` (None: writes nothing)."""

    def __init__(self, path: str | None) -> None:
        # Line-buffered: a line is on disk once written, whenever the process ends.
        self._file: TextIO | None = Path(path).open("a", buffering=1) if path else None  # noqa: SIM115

    def __call__(self, kind: str, **fields: Any) -> None:
        if self._file is not None:
            line = {"kind": kind, "t": round(time.time(), 3), **fields}
            self._file.write(json.dumps(line, ensure_ascii=False) + "\n")

    def close(self) -> None:
        if self._file is not None:
            self._file.close()
            self._file = None


@dataclass
class Entries:
    writes: list[dict[str, Any]] = field(default_factory=list)
    retries: list[dict[str, Any]] = field(default_factory=list)
    failures: list[dict[str, Any]] = field(default_factory=list)


def read(path: Path) -> Entries:
    """The journal's lines by kind; a last line cut short (the process killed while
    writing it) is left out."""
    entries = Entries()
    if not path.is_file():
        return entries
    kinds = {"write": entries.writes, "retry": entries.retries, "failure": entries.failures}
    for line in path.read_text(encoding="utf-8").splitlines():
        try:
            entry = json.loads(line)
        except json.JSONDecodeError:
            continue
        kinds.get(entry.get("kind"), []).append(entry)
    return entries
