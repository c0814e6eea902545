"""Numbers and words read from URLs and query strings, bounded before anything uses them.

Every id is a PostgreSQL ``integer``: a larger number in a URL or a query string used to
reach the database and fail there (SQLite took it). The converters below replace Flask's
``int`` and ``string`` for every route (``init_app``), so an id out of range, or a path
segment with a control character, is a 404 before any view runs; the functions read
query-string and form values for the views that take them without a form.
"""

from __future__ import annotations

import re
from collections.abc import Mapping

from flask import Flask
from werkzeug.routing import IntegerConverter, UnicodeConverter

from ..text import one_line

# PostgreSQL's integer, the type of every id.
MAX_ID = 2**31 - 1
# Pages of a list: beyond this nobody pages, and the offset stays small.
MAX_PAGE = 99_999
_DIGITS = re.compile(r"[0-9]{1,10}")


def numbers_up_to(limit: int) -> str:
    """A regular expression for the whole numbers from 1 to ``limit``, in ASCII digits
    without leading zeros."""
    digits = str(limit)
    alternatives = [f"[1-9][0-9]{{0,{len(digits) - 2}}}"] if len(digits) > 1 else []
    for position, digit in enumerate(digits):
        lowest = 1 if position == 0 else 0
        if int(digit) > lowest:
            rest = len(digits) - position - 1
            alternatives.append(f"{digits[:position]}[{lowest}-{int(digit) - 1}][0-9]{{{rest}}}")
    alternatives.append(digits)
    return "(?:" + "|".join(alternatives) + ")"


class IdConverter(IntegerConverter):
    """``<int:...>``: 1 to ``MAX_ID`` (ids and page numbers). The range is in the regular
    expression, so that a number out of it matches no rule (a 404): refused after the
    match, it would make a rule of the same path for another method answer 405."""

    regex = numbers_up_to(MAX_ID)

    def __init__(self, map, fixed_digits=0, min=1, max=MAX_ID, signed=False):
        super().__init__(map, fixed_digits=fixed_digits, min=min, max=max, signed=signed)


class SegmentConverter(UnicodeConverter):
    """``<name>`` and ``<string:...>``: a path segment without control characters."""

    def __init__(self, map, minlength=1, maxlength=None, length=None):
        super().__init__(map, minlength=minlength, maxlength=maxlength, length=length)
        self.regex = self.regex.replace("[^/]", r"[^/\x00-\x1f\x7f-\x9f]")


def init_app(app: Flask) -> None:
    """Before any blueprint adds its rules: rules take their converters when added."""
    app.url_map.converters["int"] = IdConverter
    app.url_map.converters["default"] = SegmentConverter
    app.url_map.converters["string"] = SegmentConverter


def int_arg(
    source: Mapping[str, str], name: str, *, minimum: int = 1, maximum: int = MAX_ID
) -> int | None:
    """The whole number ``name`` (ASCII digits, ``minimum`` to ``maximum``), else None."""
    return _number(source.get(name), minimum, maximum)


def int_args(source, name: str, *, minimum: int = 1, maximum: int = MAX_ID) -> list[int]:
    """Every whole number given as ``name`` (a form's checkboxes); others are left out."""
    numbers = (_number(value, minimum, maximum) for value in source.getlist(name))
    return [number for number in numbers if number is not None]


def page_number(source: Mapping[str, str]) -> int:
    """``page=N`` from 1; anything else (missing, not a number, absurd) is page 1."""
    return int_arg(source, "page", maximum=MAX_PAGE) or 1


def text_arg(source: Mapping[str, str], name: str, *, max_length: int) -> str:
    """A word or phrase (a filter) on one line, at most ``max_length`` characters."""
    value = source.get(name)
    return one_line(value)[:max_length] if isinstance(value, str) else ""


def _number(value: object, minimum: int, maximum: int) -> int | None:
    if not isinstance(value, str) or not _DIGITS.fullmatch(value):
        return None
    number = int(value)
    return number if minimum <= number <= maximum else None
