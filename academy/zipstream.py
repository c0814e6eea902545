"""ZIP files written and sent a piece at a time, so that no download holds all its files
in memory at once."""

from __future__ import annotations


class Chunks:
    """A write-only file for ZipFile that hands out what was written since last time.

    ZipFile sees that it cannot seek and writes each entry's sizes after its data, so an
    archive can be sent while it is being written: call :meth:`take` after each file.
    """

    def __init__(self) -> None:
        self._parts: list[bytes] = []
        self._position = 0

    def write(self, data: bytes) -> int:
        self._parts.append(bytes(data))
        self._position += len(data)
        return len(data)

    def tell(self) -> int:
        return self._position

    def flush(self) -> None:
        pass

    def take(self) -> bytes:
        data, self._parts = b"".join(self._parts), []
        return data
