"""One page of a long list (the report's participants, a place's findings)."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Generic, TypeVar

Row = TypeVar("Row")


# No slots: a slotted generic dataclass breaks typing's Generic machinery on 3.11.
@dataclass(frozen=True)
class Page(Generic[Row]):
    rows: tuple[Row, ...]
    number: int
    size: int
    # All the rows the filters let through, on every page.
    total: int

    @property
    def pages(self) -> int:
        return max(1, -(-self.total // self.size))

    @property
    def first(self) -> int:
        """The position (from 1) of the page's first row."""
        return (self.number - 1) * self.size + 1

    @property
    def last(self) -> int:
        return self.first + len(self.rows) - 1

    @property
    def previous(self) -> int | None:
        """The page before, or the last page when this one is past the end."""
        return min(self.number - 1, self.pages) if self.number > 1 else None

    @property
    def next(self) -> int | None:
        return self.number + 1 if self.number < self.pages else None


def page_offset(number: int, size: int) -> int:
    """How many rows come before page ``number`` (from 1) of ``size`` rows each; raises
    ValueError for a page or size below 1."""
    if number < 1 or size < 1:
        raise ValueError("pages and their size count from 1")
    return (number - 1) * size
