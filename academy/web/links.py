"""Plain text shown as HTML with its web addresses clickable."""

from __future__ import annotations

import re

from markupsafe import Markup, escape

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
