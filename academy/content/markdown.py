"""Markdown of lessons: front matter, role notes, rendering and links between lessons.

Rendering happens once, when the courses are loaded. Raw HTML is never passed through
(``html: False`` escapes it), so course files cannot inject markup into pages.

A lesson links to another lesson of the same course as ``[text](lesson:part/lesson)``.
The loader checks that the target exists and asks a ``LessonHref`` function for the
``href`` to write. The default, ``lesson_href``, gives ``../<part>/<lesson>``: relative to
a page at ``.../<course>/<part>/<page>``, the URL shape of lesson pages, whatever prefix the
web layer mounts them under. ``academy.content.set_lesson_href`` replaces it.

Diagrams are written ``![text alternative](images/<name>.svg)``, relative to the part
folder. The loader checks them and asks an ``ImageHref`` function for the ``src``; the
default, ``image_href``, gives ``../<part>/images/<name>.svg``, which a lesson page at
``.../<course>/<part>/<lesson>`` resolves to ``.../<course>/<part>/images/<name>.svg``.
``academy.content.set_image_href`` replaces it.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from dataclasses import dataclass, field

from markdown_it import MarkdownIt
from markdown_it.token import Token

LessonHref = Callable[[str, str, str], str]
"""``(course_slug, part_slug, lesson_slug) -> href`` for ``lesson:`` links."""

ImageHref = Callable[[str, str, str], str]
"""``(course_slug, part_slug, image_name) -> src`` for ``images/<name>.svg`` diagrams."""

LINK_SCHEME = "lesson:"
_LINK_TARGET = re.compile(r"lesson:([^/]+)/([^/]+)\Z")
_IMAGE_SRC = re.compile(r"images/([^/]+)\.svg\Z")
_FENCE = re.compile(r" {0,3}(`{3,}|~{3,})")
_ROLE_OPEN = re.compile(r":{3,}\s*role\s+(\S+)\s*\Z")
_ROLE_CLOSE = re.compile(r":{3,}\s*\Z")
_DIRECTIVE = re.compile(r":{3,}")


def lesson_href(course: str, part: str, lesson: str) -> str:
    """The default href of a ``lesson:`` link: relative to another lesson page of the course."""
    return f"../{part}/{lesson}"


def image_href(course: str, part: str, name: str) -> str:
    """The default src of a diagram: relative to a lesson page, like ``lesson_href``."""
    return f"../{part}/images/{name}.svg"


def parse_image_src(src: str) -> str | None:
    """``images/<name>.svg`` -> name; None for any other src."""
    match = _IMAGE_SRC.match(src)
    return match[1] if match else None


def parse_link_target(href: str) -> tuple[str, str] | None:
    """``lesson:part/lesson`` -> (part, lesson); None when the target is malformed."""
    match = _LINK_TARGET.match(href)
    return (match[1], match[2]) if match else None


def make_markdown() -> MarkdownIt:
    """CommonMark plus tables, raw HTML escaped."""
    return MarkdownIt("commonmark", {"html": False}).enable("table")


@dataclass(frozen=True, slots=True)
class Link:
    """A ``lesson:`` link found while rendering; ``line`` is a line of the file."""

    href: str
    line: int


@dataclass(frozen=True, slots=True)
class ImageRef:
    """An image found while rendering: its src as written, its alt text and its line."""

    src: str
    alt: str
    line: int


@dataclass(slots=True)
class Rendered:
    html: str
    links: list[Link] = field(default_factory=list)
    images: list[ImageRef] = field(default_factory=list)


def render(
    md: MarkdownIt,
    text: str,
    first_line: int,
    href: Callable[[str, str], str],
    src: Callable[[str], str] = lambda name: f"images/{name}.svg",
) -> Rendered:
    """Render ``text`` (starting at ``first_line`` of its file), rewriting links and images.

    ``href(part, lesson)`` gives the href of a ``lesson:`` link, ``src(name)`` the src of an
    ``images/<name>.svg`` diagram; both are collected for the loader to check.
    """
    tokens = md.parse(text)
    rendered = Rendered("")
    for token in tokens:
        if token.type == "inline" and token.children:
            start = first_line + (token.map[0] if token.map else 0)
            _rewrite_inline(md, token.children, start, (href, src), rendered)
    _label_table_cells(md, tokens)
    rendered.html = md.renderer.render(tokens, md.options, {})
    return rendered


def _label_table_cells(md: MarkdownIt, tokens: list[Token]) -> None:
    """Give every body cell of a table its column's header as ``data-label``: on a phone
    the stylesheet shows each row as a card and the cells' labels in place of the header
    row, so that words wrap whole instead of being cut to fit narrow columns."""
    headers: list[str] = []
    column = 0
    for index, token in enumerate(tokens):
        if token.type == "thead_open":
            headers = []
        elif token.type == "th_open":
            cell = tokens[index + 1]
            text = md.renderer.renderInlineAsText(cell.children or [], md.options, {})
            headers.append(text.strip())
        elif token.type == "tr_open":
            column = 0
        elif token.type == "td_open":
            if column < len(headers) and headers[column]:
                token.attrSet("data-label", headers[column])
            column += 1


def _rewrite_inline(
    md: MarkdownIt,
    children: list[Token],
    line: int,
    targets: tuple[Callable[[str, str], str], Callable[[str], str]],
    rendered: Rendered,
) -> None:
    href, src = targets
    for child in children:
        if child.type in ("softbreak", "hardbreak"):
            line += 1
        elif child.type == "link_open":
            target = str(child.attrs.get("href", ""))
            if target.startswith(LINK_SCHEME):
                rendered.links.append(Link(target, line))
                parsed = parse_link_target(target)
                if parsed:
                    child.attrs["href"] = href(*parsed)
        elif child.type == "image":
            written = str(child.attrs.get("src", ""))
            alt = md.renderer.renderInlineAsText(child.children, md.options, {})
            rendered.images.append(ImageRef(written, alt.strip(), line))
            name = parse_image_src(written)
            if name:
                child.attrs["src"] = src(name)


@dataclass(frozen=True, slots=True)
class FrontMatter:
    """A lesson file split in two: YAML between ``---`` lines, then the Markdown body."""

    yaml: str
    yaml_first_line: int
    body: str
    body_first_line: int


def split_front_matter(text: str) -> FrontMatter | None:
    """None when the file does not start with a closed ``---`` block."""
    lines = text.splitlines(keepends=True)
    if not lines or lines[0].rstrip() != "---":
        return None
    for index in range(1, len(lines)):
        if lines[index].rstrip() in ("---", "..."):
            return FrontMatter(
                yaml="".join(lines[1:index]),
                yaml_first_line=2,
                body="".join(lines[index + 1 :]),
                body_first_line=index + 2,
            )
    return None


@dataclass(frozen=True, slots=True)
class RoleNote:
    """A role note; ``line`` is the line of its ``::: role`` opening."""

    role: str
    text: str
    line: int


@dataclass(slots=True)
class SplitBody:
    """The body without its role notes, the notes, and (line, message) problems."""

    body: str
    notes: list[RoleNote] = field(default_factory=list)
    problems: list[tuple[int, str]] = field(default_factory=list)


def split_role_notes(body: str, first_line: int) -> SplitBody:
    """Take ``::: role <role>`` ... ``:::`` sections out of ``body``.

    The lines taken out are left blank in the body so that its line numbers still match the
    file; a note's text starts on the line after its ``::: role`` line (``RoleNote.line``).
    """
    lines = body.splitlines(keepends=True)
    kept: list[str] = []
    result = SplitBody(body="")
    fence: str | None = None
    note_role: str | None = None
    note_start = 0
    note_lines: list[str] = []
    for index, line in enumerate(lines):
        number = first_line + index
        stripped = line.strip()
        fence = _next_fence(fence, line)
        if fence is not None or not _DIRECTIVE.match(stripped):
            if note_role is None:
                kept.append(line)
            else:
                note_lines.append(line)
                kept.append("\n")
            continue
        kept.append("\n")
        if note_role is not None and _ROLE_CLOSE.match(stripped):
            result.notes.append(RoleNote(note_role, "".join(note_lines), note_start))
            note_role, note_lines = None, []
            continue
        opening = _ROLE_OPEN.match(stripped)
        if opening and note_role is None:
            note_role, note_start, note_lines = opening[1], number, []
        elif opening:
            result.problems.append((number, "role notes cannot be nested; close the previous one"))
        elif _ROLE_CLOSE.match(stripped):
            result.problems.append((number, "':::' closes nothing; role notes start '::: role'"))
        else:
            result.problems.append(
                (number, f"unknown block {stripped!r}; role notes start with '::: role <role>'")
            )
    if note_role is not None:
        result.problems.append((note_start, f"role note {note_role!r} is not closed with ':::'"))
    result.body = "".join(kept)
    return result


def _next_fence(fence: str | None, line: str) -> str | None:
    """Track fenced code blocks, whose ``:::`` lines are code, not role notes."""
    match = _FENCE.match(line)
    if fence is None:
        return match[1] if match else None
    if (
        match
        and match[1][0] == fence[0]
        and len(match[1]) >= len(fence)
        and not line.strip(" \t\r\n`~")
    ):
        return None
    return fence
