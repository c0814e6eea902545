"""The files of one course folder, read once: their bytes, their text and YAML, and the
problems of reading them (bad UTF-8, YAML syntax, files that belong nowhere).

Everything is read into memory first (``snapshot``), so the content version is computed
over exactly the bytes that were checked and built into the course.
"""

from __future__ import annotations

import hashlib
import os
from collections.abc import ItemsView, Iterator, Mapping
from pathlib import Path
from typing import Any

from .checks import Report, Section
from .yamlsource import LineDict, YamlSyntaxError, parse_yaml

PART_FILES = ("part.yaml", "quiz.yaml", "assignment.yaml", "facilitator.yaml")


class CourseFiles:
    """A course folder's files by relative POSIX path; problems go to ``report`` under
    ``<folder>/<relative path>``, the path the courses directory shows."""

    def __init__(self, report: Report, folder: Path, languages: tuple[str, ...]) -> None:
        self.report = report
        self.name = folder.name
        self.contents = snapshot(folder)
        self.languages = languages

    def __contains__(self, relative: object) -> bool:
        return relative in self.contents

    def __iter__(self) -> Iterator[str]:
        return iter(self.contents)

    def __getitem__(self, relative: str) -> bytes:
        return self.contents[relative]

    def items(self) -> ItemsView[str, bytes]:
        return self.contents.items()

    def path(self, relative: str) -> str:
        return f"{self.name}/{relative}"

    def problem(self, relative: str, line: int, message: str) -> None:
        self.report.add(self.path(relative), line, message)

    def section(self, relative: str, data: object, line: int, **kwargs: Any) -> Section:
        return Section(
            self.report, self.path(relative), data, line=line, languages=self.languages, **kwargs
        )

    def decode(self, relative: str) -> str | None:
        data = self.contents[relative]
        try:
            return data.decode("utf-8-sig")
        except UnicodeDecodeError as exc:
            line = data[: exc.start].count(b"\n") + 1
            self.problem(relative, line, "the file is not valid UTF-8")
            return None

    def read_yaml(self, relative: str) -> LineDict | None:
        text = self.decode(relative)
        if text is None:
            return None
        try:
            data = parse_yaml(text)
        except YamlSyntaxError as exc:
            self.problem(relative, exc.line, exc.message)
            return None
        if not isinstance(data, LineDict):
            self.problem(relative, 1, "the file must hold a YAML mapping (key: value lines)")
            return None
        return data

    def check_layout(self, listed_parts: set[str], parts_line: int) -> None:
        """Report files that belong nowhere and part folders missing from ``parts``."""
        unlisted: list[str] = []
        for relative in self.contents:
            segments = relative.split("/")
            if len(segments) == 1:
                if relative != "course.yaml":
                    self.problem(
                        relative,
                        1,
                        "unexpected file: a course folder holds "
                        "course.yaml and one folder per part",
                    )
            elif segments[0] not in listed_parts:
                if segments[0] not in unlisted:
                    unlisted.append(segments[0])
            elif not _is_part_file(segments):
                self.problem(
                    relative,
                    1,
                    "unexpected file: a part folder holds part.yaml, quiz.yaml, "
                    "assignment.yaml, facilitator.yaml, lessons/ and images/",
                )
        for folder in unlisted:
            self.problem("course.yaml", parts_line, f"folder {folder}/ is not listed in parts")


def snapshot(folder: Path) -> dict[str, bytes]:
    """Every file of a course folder by relative POSIX path; hidden files are not content."""
    files: dict[str, bytes] = {}
    for dirpath, dirnames, filenames in os.walk(folder):
        dirnames[:] = sorted(name for name in dirnames if not name.startswith("."))
        for name in sorted(filenames):
            if not name.startswith("."):
                path = Path(dirpath) / name
                files[path.relative_to(folder).as_posix()] = path.read_bytes()
    return files


def content_version(files: Mapping[str, bytes]) -> str:
    """SHA-256 (first 16 hex digits) over the sorted relative paths and bytes of the files."""
    digest = hashlib.sha256()
    for path in sorted(files):
        data = files[path]
        # Lengths keep the boundaries unambiguous: no two file sets hash the same stream.
        digest.update(path.encode())
        digest.update(b"\0")
        digest.update(len(data).to_bytes(8, "big"))
        digest.update(data)
    return digest.hexdigest()[:16]


def _is_part_file(segments: list[str]) -> bool:
    if len(segments) == 2:
        return segments[1] in PART_FILES
    # Files in lessons/ and images/ are checked by check_lesson_files and load_images.
    return len(segments) == 3 and segments[1] in ("lessons", "images")
