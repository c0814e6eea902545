"""Cleaning text people type before it is stored, mailed or put in a header.

PostgreSQL refuses NUL in text, and a line break in a name would cut a mail's subject
or a header; these two functions are what every form field and every value read from a
request goes through (``academy.web.forms``, ``academy.web.params``). ``linkify`` and
``text_html`` show such text as HTML, for pages and mails alike.
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


# An http(s) address runs to the next space or character that cannot be part of one
# unescaped; punctuation that ends a sentence is not part of it.
_ADDRESS = re.compile(r"https?://[^\s<>\"'`]+", re.IGNORECASE)
_TRAILING = ".,;:!?)]}"


def linkify(text: str) -> Markup:
    """``text`` escaped, with every http:// and https:// address made a link. Nothing else
    becomes markup: HTML in the text stays text, and other schemes (javascript:, data:,
    mailto:) stay unlinked."""
    parts: list[str] = []
    position = 0
    for match in _ADDRESS.finditer(text):
        address = match.group().rstrip(_TRAILING)
        if address.endswith("://"):
            continue
        parts.append(escape(text[position : match.start()]))
        parts.append(Markup('<a href="{0}" rel="noreferrer">{0}</a>').format(address))
        position = match.start() + len(address)
    parts.append(escape(text[position:]))
    return Markup("").join(parts)


def text_html(text: str) -> Markup:
    """Plain text a person wrote, as HTML paragraphs: ``linkify``'s escaping and links,
    a paragraph at each blank line, line breaks kept."""
    paragraphs = [p for p in re.split(r"\n[ \t]*\n", multi_line(text).strip()) if p.strip()]
    return Markup("\n").join(
        Markup("<p>{}</p>").format(Markup("<br>\n").join(linkify(line) for line in p.split("\n")))
        for p in paragraphs
    )
