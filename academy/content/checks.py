"""Problems found in course files, and a reader that checks one YAML mapping at a time.

The loader never stops at the first mistake: every reader method records what is wrong
and returns a harmless placeholder, so one run reports every problem of every file.
"""

from __future__ import annotations

import difflib
import re
from collections.abc import Collection, Iterable, Sequence
from dataclasses import dataclass
from types import MappingProxyType
from typing import Any

from .yamlsource import LineDict, LineList

SLUG_PATTERN = re.compile(r"[a-z0-9]+(?:-[a-z0-9]+)*\Z")
SLUG_MAX_LENGTH = 64
EMPTY: MappingProxyType[str, str] = MappingProxyType({})


@dataclass(frozen=True, slots=True)
class Problem:
    """One mistake in the course files: ``file`` is relative to the courses directory."""

    file: str
    line: int
    message: str

    def __str__(self) -> str:
        return f"{self.file}:{self.line}: {self.message}"


class Report:
    """Collects the problems of one load."""

    def __init__(self) -> None:
        self.problems: list[Problem] = []

    def add(self, file: str, line: int, message: str) -> None:
        self.problems.append(Problem(file, line, message))

    def __len__(self) -> int:
        return len(self.problems)

    def sorted(self) -> list[Problem]:
        # Stable: problems on one line keep the order in which they were found.
        return sorted(self.problems, key=lambda problem: (problem.file, problem.line))


def slug_problem(value: object) -> str | None:
    """Why ``value`` is not a valid slug, or None when it is one."""
    if not isinstance(value, str) or not value:
        return f"a slug must be text, not {value!r}"
    if len(value) > SLUG_MAX_LENGTH:
        return f"slug {value!r} is longer than {SLUG_MAX_LENGTH} characters"
    if not SLUG_PATTERN.match(value):
        return (
            f"invalid slug {value!r}: use lowercase letters, digits and single hyphens "
            "(e.g. 'safety-walk')"
        )
    return None


def check_unique(report: Report, file: str, entries: Iterable[tuple[str, int]], what: str) -> None:
    """Report every slug of ``entries`` (slug, line) that was already used."""
    first_lines: dict[str, int] = {}
    for slug, line in entries:
        if slug in first_lines:
            report.add(
                file, line, f"duplicate {what} slug {slug!r} (first at line {first_lines[slug]})"
            )
        else:
            first_lines[slug] = line


class Section:
    """Reads one YAML mapping of ``file``: known keys only, required keys present.

    Getters return a placeholder ("" / empty mapping / default) when the value is missing
    or wrong, after recording the problem, so the caller can carry on.
    """

    def __init__(
        self,
        report: Report,
        file: str,
        data: object,
        *,
        line: int,
        languages: Sequence[str],
        required: Collection[str],
        optional: Collection[str] = (),
        what: str = "this entry",
    ) -> None:
        self.report = report
        self.file = file
        self.languages = tuple(languages)
        if isinstance(data, LineDict):
            self.data = data
            self._check_keys(required, optional)
        else:
            report.add(file, line, f"{what} must be a mapping of keys to values")
            self.data = LineDict(line=line)

    def _check_keys(self, required: Collection[str], optional: Collection[str]) -> None:
        known = [*required, *optional]
        for key, line in self.data.duplicate_keys:
            self.problem(line, f"key {key!r} appears more than once")
        for key in self.data:
            if key not in known:
                self.problem(self.line(key), _unknown_key_message(key, known))
        for key in required:
            if key not in self.data:
                self.problem(self.line(), f"missing required key {key!r}")

    def problem(self, line: int, message: str) -> None:
        self.report.add(self.file, line, message)

    def line(self, key: str | None = None) -> int:
        """The line of ``key``, or of the mapping itself."""
        return self.data.key_line(key) if key is not None else self.data.line

    def has(self, key: str) -> bool:
        return key in self.data

    def raw(self, key: str) -> Any:
        return self.data.get(key)

    def text(self, key: str, default: str = "") -> str:
        value = self.data.get(key)
        if value is None:
            return default
        if not isinstance(value, str) or not value.strip():
            self.problem(
                self.line(key),
                f"{key} must be non-empty text (put numbers, dates, yes and no in quotes)",
            )
            return default
        return value.strip()

    def slug(self, key: str = "slug") -> str:
        if key not in self.data:
            return ""
        problem = slug_problem(self.data[key])
        if problem:
            self.problem(self.line(key), problem)
            return ""
        return self.data[key]

    def boolean(self, key: str, default: bool) -> bool:
        value = self.data.get(key, default)
        if not isinstance(value, bool):
            self.problem(self.line(key), f"{key} must be true or false, not {value!r}")
            return default
        return value

    def integer(self, key: str, default: int, low: int, high: int) -> int:
        value = self.data.get(key, default)
        # bool is an int subclass; "true" is never a sensible number here.
        if not isinstance(value, int) or isinstance(value, bool):
            self.problem(self.line(key), f"{key} must be a whole number, not {value!r}")
            return default
        if not low <= value <= high:
            self.problem(self.line(key), f"{key} must be between {low} and {high}, not {value}")
            return default
        return value

    def translated(self, key: str) -> MappingProxyType[str, str]:
        """A text per language: every configured language, no other."""
        value = self.data.get(key)
        if value is None:
            return EMPTY
        line = self.line(key)
        if not isinstance(value, LineDict):
            self.problem(line, f"{key} must be a mapping of language to text ({self._langs()})")
            return EMPTY
        texts: dict[str, str] = {}
        for language, text in value.items():
            if language not in self.languages:
                self.problem(
                    value.key_line(language),
                    f"unknown language {language!r} in {key} (languages: {self._langs()})",
                )
            elif not isinstance(text, str) or not text.strip():
                self.problem(value.key_line(language), f"{key}.{language} must be non-empty text")
            else:
                texts[language] = text.strip()
        for language, _line in value.duplicate_keys:
            self.problem(_line, f"language {language!r} appears more than once in {key}")
        missing = [language for language in self.languages if language not in value]
        if missing:
            self.problem(line, f"{key} is missing language {', '.join(missing)}")
        return MappingProxyType(texts)

    def items(self, key: str, *, what: str) -> list[tuple[Any, int]]:
        """The (item, line) pairs of a list; reports a missing, empty or non-list value."""
        if key not in self.data:
            return []
        value = self.data[key]
        if not isinstance(value, LineList):
            self.problem(self.line(key), f"{key} must be a list of {what}")
            return []
        if not value:
            self.problem(self.line(key), f"{key} is empty; list at least one of {what}")
        return [(item, value.item_line(index)) for index, item in enumerate(value)]

    def slugs(self, key: str, *, what: str) -> list[tuple[str, int]]:
        """A list of slugs as (slug, line); invalid and repeated ones are reported and left out."""
        result: list[tuple[str, int]] = []
        seen: dict[str, int] = {}
        for item, line in self.items(key, what=f"{what} slugs"):
            problem = slug_problem(item)
            if problem:
                self.problem(line, problem)
            elif item in seen:
                self.problem(line, f"duplicate {what} slug {item!r} (first at line {seen[item]})")
            else:
                seen[item] = line
                result.append((item, line))
        return result

    def _langs(self) -> str:
        return ", ".join(self.languages)


def _unknown_key_message(key: object, known: Sequence[str]) -> str:
    close = difflib.get_close_matches(str(key), known, n=1)
    if close:
        return f"unknown key {key!r} (did you mean {close[0]!r}?)"
    return f"unknown key {key!r} (known keys: {', '.join(known)})"
