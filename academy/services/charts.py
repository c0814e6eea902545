"""The frame of the server-side SVG charts (the cohort report's progress, the findings of
a place): standalone SVG with ``role="img"``, a ``<title>`` and ``<desc>`` that screen
readers read, a white background, a heading and a legend. Every text is escaped here or
by the caller with ``escape``; colours are chosen against the white background (WCAG AA:
4.5:1 for text, 3:1 for graphics), and every number is also written out as text.
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from xml.sax.saxutils import escape, quoteattr, unescape

# 17.4:1 on white.
TEXT = "#1a1a1a"
WHITE = "#ffffff"
WIDTH = 640
MARGIN = 16
FONT = "system-ui, -apple-system, 'Segoe UI', Roboto, Arial, sans-serif"
#: A chart drawn into a PDF uses the PDFs' bundled face (static/css/pdf/fonts.css): the
#: web's list would end in a system font, embedded in the PDF.
PDF_FONT = "'Open Sans'"
_TEXT_ALTERNATIVE = re.compile(r"<title id=[^>]*>(.*?)</title>\s*<desc id=[^>]*>(.*?)</desc>", re.S)


def open_svg(
    *,
    language: str,
    title: str,
    description: str,
    id_prefix: str,
    height: int,
    width: int = WIDTH,
    heading: bool = True,
    font: str = FONT,
) -> list[str]:
    """The opening lines of a chart: the ``<svg>`` element labelled by its title and
    description, the white background and (unless ``heading`` is false, for a caller
    that draws its own) the title as a heading at the top (y 0-36). The caller appends
    its drawing and ``"</svg>"``."""
    title_id, desc_id = f"{id_prefix}-title", f"{id_prefix}-desc"
    lines = [
        f'<svg xmlns="http://www.w3.org/2000/svg" role="img" lang={quoteattr(language)} '
        f"aria-labelledby={quoteattr(f'{title_id} {desc_id}')} "
        f'width="{width}" height="{height}" viewBox="0 0 {width} {height}" '
        f'font-family={quoteattr(font)} font-size="14" fill="{TEXT}">',
        f"<title id={quoteattr(title_id)}>{escape(title)}</title>",
        f"<desc id={quoteattr(desc_id)}>{escape(description)}</desc>",
        f'<rect width="{width}" height="{height}" fill="{WHITE}"/>',
    ]
    if heading:
        lines.append(
            f'<text x="{MARGIN}" y="28" font-size="18" font-weight="bold">{escape(title)}</text>'
        )
    return lines


def text_alternative(svg: str) -> str:
    """What a chart of ``open_svg`` says in words, its title and description: the
    ``alt`` of the chart where it is an image (the PDFs, whose tags carry it)."""
    found = _TEXT_ALTERNATIVE.search(svg)
    if found is None:
        raise ValueError("not a chart of open_svg: no <title> and <desc>")
    quotes = {"&quot;": '"', "&apos;": "'"}
    return " ".join(unescape(part, quotes) for part in found.groups())


def wrap(text: str, characters: int) -> list[str]:
    """``text`` in lines of at most ``characters`` (SVG text does not wrap by itself); a
    word longer than a line gets a line of its own."""
    lines: list[str] = []
    for word in text.split():
        if lines and len(lines[-1]) + 1 + len(word) <= characters:
            lines[-1] += " " + word
        else:
            lines.append(word)
    return lines or [""]


def legend(
    entries: Sequence[tuple[str, str]], *, y: int = 44, width: int | None = None
) -> list[str]:
    """A row of legend keys from the left margin: (the swatch's style attributes, label).
    With ``width``, keys that would pass the right margin start a new row
    (``legend_positions`` tells where each key goes)."""
    out = []
    positions = legend_positions([label for _style, label in entries], y=y, width=width)
    for (style, label), (x, top) in zip(entries, positions, strict=True):
        out.append(f'<rect x="{x}" y="{top}" width="14" height="14" {style}/>')
        out.append(f'<text x="{x + 20}" y="{top + 12}">{escape(label)}</text>')
    return out


LEGEND_ROW = 22


def legend_positions(
    labels: Sequence[str], *, y: int = 44, width: int | None = None
) -> list[tuple[int, int]]:
    """The (x, y) of each legend key's swatch; rows are ``LEGEND_ROW`` apart."""
    positions = []
    x = MARGIN
    for label in labels:
        advance = 20 + 9 * len(label) + 24
        if width is not None and x > MARGIN and x + advance - 24 > width - MARGIN:
            x, y = MARGIN, y + LEGEND_ROW
        positions.append((x, y))
        x += advance
    return positions


def narrow_heading(heading: str, subtitle: str, width: int) -> tuple[list[str], int]:
    """For a chart that draws its own heading (``open_svg(heading=False)``): ``heading``
    in bold, wrapped to ``width`` (about 10px a character: SVG text does not wrap), and
    ``subtitle`` under it. Returns the ``<text>`` lines and the y of the subtitle's
    baseline, below which the chart goes on."""
    lines = wrap(heading, (width - 2 * MARGIN) // 10)
    out = [
        f'<text x="{MARGIN}" y="{28 + 22 * index}" font-size="18" font-weight="bold">'
        f"{escape(line)}</text>"
        for index, line in enumerate(lines)
    ]
    bottom = 28 + 22 * len(lines)
    out.append(f'<text x="{MARGIN}" y="{bottom}">{escape(subtitle)}</text>')
    return out, bottom
