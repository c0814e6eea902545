"""Cleaning text people type before it is stored, mailed or put in a header.

PostgreSQL refuses NUL in text, and a line break in a name would cut a mail's subject
or a header; these two functions are what every form field and every value read from a
request goes through (``academy.web.forms``, ``academy.web.params``).
"""

from __future__ import annotations

import re

from markupsafe import Markup, escape

# Unicode category Cc: C0 controls, DEL and C1 controls (NUL, TAB, LF, CR, NEL ...).
_CONTROL = re.compile(r"[\x00-\x1f\x7f-\x9f]")
# The same without the three a multi-line text keeps: TAB, LF and CR.
_CONTROL_BUT_LAYOUT = re.compile(r"[\x00-\x08\x0b\x0c\x0e-\x1f\x7f-\x9f]")
_LONE_CR = re.compile(r"\r(?!\n)")


def has_control(value: str) -> bool:
    """Whether ``value`` holds a control character (NUL, a line break, a tab ...)."""
    return _CONTROL.search(value) is not None


def one_line(value: str) -> str:
    """A single line: control characters become spaces, runs of whitespace one space,
    none at either end."""
    return " ".join(_CONTROL.sub(" ", value).split())


def multi_line(value: str) -> str:
    """A text of lines: line breaks (``\\n``, ``\\r\\n``; a lone ``\\r`` becomes ``\\n``)
    and tabs stay, NUL and every other control character go."""
    return _LONE_CR.sub("\n", _CONTROL_BUT_LAYOUT.sub("", value))


# An http(s) address, up to the first space or angle bracket; punctuation that ends a
# sentence is left outside the link (see ``_split_url``).
_URL = re.compile(r"https?://[^\s<>\"]+", re.IGNORECASE)
_TRAILING = ".,;:!?)]}'\u2019\u201d"


def text_html(text: str) -> Markup:
    """Plain text a person wrote, as HTML: everything escaped, paragraphs at blank lines,
    line breaks kept, and http(s) addresses made links (nothing else: no other scheme,
    no HTML of the writer's own)."""
    paragraphs = [p for p in re.split(r"\n[ \t]*\n", multi_line(text).strip()) if p.strip()]
    return Markup("\n").join(
        Markup("<p>{}</p>").format(Markup("<br>\n").join(_linked(line) for line in p.split("\n")))
        for p in paragraphs
    )


def _linked(line: str) -> Markup:
    pieces, last = [], 0
    for match in _URL.finditer(line):
        url, after = _split_url(match.group())
        pieces.append(escape(line[last : match.start()]))
        pieces.append(Markup('<a href="{0}">{0}</a>').format(url))
        pieces.append(escape(after))
        last = match.end()
    pieces.append(escape(line[last:]))
    return Markup("").join(pieces)


def _split_url(url: str) -> tuple[str, str]:
    """An address found in text and what follows it that is not part of it: the full stop
    or bracket that closes a sentence (a closing bracket stays when the address opened one,
    as Wikipedia's addresses do)."""
    end = len(url)
    while end and url[end - 1] in _TRAILING:
        if url[end - 1] == ")" and url[:end].count("(") >= url[:end].count(")"):
            break
        end -= 1
    return url[:end], url[end:]
