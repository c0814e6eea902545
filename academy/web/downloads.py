"""Downloads: their file names, the answer that carries them, and the formats of the
table exports.

File names say what the file is, in plain ASCII, safe in a header:
``torpa-hosten-report-2026-12-07.xlsx`` rather than ``report-1.xlsx``: the names people
and places were given, folded to ASCII (Å Ä → a, Ö Ø → o, Æ → ae), with the day it was
made. ASCII letters, digits and hyphens only, so the name goes into Content-Disposition
as a plain quoted ``filename=`` that every browser reads the same way.
"""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Callable, Iterator
from datetime import date, datetime
from typing import NamedTuple
from zoneinfo import ZoneInfo

from flask import Response, abort, current_app, make_response, stream_with_context
from sqlalchemy.orm import Session

from ..db import new_session
from ..models import utcnow
from ..services import spreadsheets

# Letters that Unicode does not decompose into an ASCII letter and a mark.
_FOLDED = str.maketrans(
    {"æ": "ae", "ø": "o", "œ": "oe", "ß": "ss", "þ": "th", "ð": "d", "đ": "d", "ł": "l"}
)
_WORD = re.compile(r"[a-z0-9]+")
#: The longest slug of one name; a file name holds a few of them and stays well under
#: the 255 bytes file systems allow.
SLUG_MAX_LENGTH = 60


def slug(text: str, max_length: int = SLUG_MAX_LENGTH) -> str:
    """``text`` as lower-case ASCII words joined by hyphens: "Torpa hösten" is
    "torpa-hosten", "Ærø & Øster" is "aero-oster". Cut at a word boundary where one is
    near ``max_length``; empty when nothing of it is a letter or a digit."""
    folded = unicodedata.normalize("NFKD", text.lower().translate(_FOLDED))
    words = _WORD.findall(folded.encode("ascii", "ignore").decode("ascii"))
    result = "-".join(words)
    if len(result) > max_length:
        cut = result[: max_length + 1].rfind("-")
        result = result[: cut if cut >= max_length // 2 else max_length]
    return result


def file_name(*parts: str, day: date | None = None, extension: str) -> str:
    """The parts slugified and joined, the day appended: ``file_name("Torpa hösten",
    "report", day=date(2026, 12, 7), extension="xlsx")`` is
    ``torpa-hosten-report-2026-12-07.xlsx``."""
    words = [word for word in (slug(part) for part in parts) if word]
    if day is not None:
        words.append(day.isoformat())
    return "-".join(words or ["download"]) + "." + slug(extension)


def local_day(moment: datetime, tz: str | None = None) -> date:
    """The day of a stored UTC time in ``tz`` (an organisation's zone) or the site's
    TIMEZONE."""
    return moment.astimezone(ZoneInfo(tz or current_app.config["TIMEZONE"])).date()


def local_today(tz: str | None = None) -> date:
    return local_day(utcnow(), tz)


def attachment(name: str) -> str:
    """A Content-Disposition value that saves the answer as ``name`` (from
    :func:`file_name`)."""
    if not re.fullmatch(r"[a-z0-9][a-z0-9.-]*", name):
        raise ValueError(f"not a file name made by file_name(): {name!r}")
    return f'attachment; filename="{name}"'


def download(
    body: bytes | str, *, name: str, mimetype: str, cache_control: str | None = "no-store"
) -> Response:
    """``body`` as an attachment saved as ``name`` (from :func:`file_name`). Exports of
    people's data are kept by no cache (``cache_control``); a calendar may be."""
    response = make_response(body)
    response.content_type = mimetype
    response.headers["Content-Disposition"] = attachment(name)
    if cache_control is not None:
        response.headers["Cache-Control"] = cache_control
    return response


class TableFormat(NamedTuple):
    """A format of the table exports (the report, a place's findings)."""

    extension: str
    mimetype: str
    #: Between the columns of a CSV file.
    delimiter: str


XLSX = TableFormat("xlsx", "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet", "")


def table_format(chosen: str, language: str) -> TableFormat:
    """The format an export form's ``format`` names: "xlsx"; "csv", the CSV that a
    spreadsheet set up for ``language`` opens in columns (``;`` for Swedish and
    Norwegian, ``,`` for English); or either separator by name, "csv-comma" and
    "csv-semicolon". Anything else is a bad request."""
    if chosen == "xlsx":
        return XLSX
    delimiter = {
        "csv": spreadsheets.default_delimiter(language),
        "csv-comma": ",",
        "csv-semicolon": ";",
    }.get(chosen)
    if delimiter is None:
        abort(400)
    return TableFormat("csv", "text/csv; charset=utf-8", delimiter)


def csv_formats(language: str) -> tuple[str, str]:
    """The two CSV buttons of an export form for a user of ``language``, as the
    ``format`` values: "csv", with the language's separator, then the other separator by
    name (the choice for someone whose spreadsheet is set up for another language)."""
    other = "csv-comma" if spreadsheets.default_delimiter(language) == ";" else "csv-semicolon"
    return "csv", other


def streamed_download(
    chunks: Callable[[Session], Iterator[bytes]],
    *,
    name: str,
    mimetype: str,
    cache_control: str = "private, no-store",
) -> Response:
    """An attachment sent while ``chunks`` makes it, from a database session of its own,
    closed when the download ends: the request's is closed before the body is sent."""

    @stream_with_context
    def generate() -> Iterator[bytes]:
        session = new_session()
        try:
            yield from chunks(session)
        finally:
            session.close()

    return Response(
        generate(),
        # As given: "text/csv; charset=utf-8" names its charset already.
        content_type=mimetype,
        headers={"Content-Disposition": attachment(name), "Cache-Control": cache_control},
    )
