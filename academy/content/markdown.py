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
_CHECK_OPEN = re.compile(r":{3,}\s*check\s*\Z")
_BLOCK_CLOSE = re.compile(r":{3,}\s*\Z")
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


@dataclass(frozen=True, slots=True)
class CheckBlock:
    """The YAML of a ``::: check`` block; ``line`` is the line of its opening and ``at``
    the index of that line in the body, where the check is shown."""

    text: str
    line: int
    at: int


@dataclass(slots=True)
class SplitBody:
    """The body without its role notes and checks, those blocks, and (line, message)
    problems. ``sections`` are the body's pieces between checks as (text, first line)."""

    body: str
    notes: list[RoleNote] = field(default_factory=list)
    checks: list[CheckBlock] = field(default_factory=list)
    problems: list[tuple[int, str]] = field(default_factory=list)
    sections: list[tuple[str, int]] = field(default_factory=list)


@dataclass(slots=True)
class _OpenBlock:
    kind: str  # "role" or "check"
    name: str
    start: int
    at: int
    lines: list[str] = field(default_factory=list)


def split_blocks(body: str, first_line: int) -> SplitBody:
    """Take ``::: role <role>`` ... ``:::`` and ``::: check`` ... ``:::`` sections out of
    ``body``.

    The lines taken out are left blank in the body so that its line numbers still match the
    file; a block's text starts on the line after its opening line. The body is also cut
    into ``sections`` at each check, for the checks to be shown where they were written.
    """
    lines = body.splitlines(keepends=True)
    kept: list[str] = []
    result = SplitBody(body="")
    fence: str | None = None
    block: _OpenBlock | None = None
    for index, line in enumerate(lines):
        number = first_line + index
        stripped = line.strip()
        fence = _next_fence(fence, line)
        if fence is not None or not _DIRECTIVE.match(stripped):
            if block is None:
                kept.append(line)
            else:
                block.lines.append(line)
                kept.append("\n")
            continue
        kept.append("\n")
        if block is not None and _BLOCK_CLOSE.match(stripped):
            _close(result, block)
            block = None
            continue
        role, check = _ROLE_OPEN.match(stripped), _CHECK_OPEN.match(stripped)
        if (role or check) and block is not None:
            result.problems.append(
                (number, f"blocks cannot be nested; close the {block.kind} block first")
            )
        elif role:
            block = _OpenBlock("role", role[1], number, index)
        elif check:
            block = _OpenBlock("check", "", number, index)
        elif _BLOCK_CLOSE.match(stripped):
            result.problems.append(
                (number, "':::' closes nothing; blocks start '::: role <role>' or '::: check'")
            )
        else:
            result.problems.append(
                (
                    number,
                    f"unknown block {stripped!r}; blocks start '::: role <role>' or '::: check'",
                )
            )
    if block is not None:
        what = f"role note {block.name!r}" if block.kind == "role" else "check"
        result.problems.append((block.start, f"{what} is not closed with ':::'"))
    result.body = "".join(kept)
    cuts = [check.at for check in result.checks]
    starts = [0, *cuts]
    ends = [*cuts, len(kept)]
    result.sections = [
        ("".join(kept[start:end]), first_line + start)
        for start, end in zip(starts, ends, strict=True)
    ]
    return result


def _close(result: SplitBody, block: _OpenBlock) -> None:
    text = "".join(block.lines)
    if block.kind == "role":
        result.notes.append(RoleNote(block.name, text, block.start))
    else:
        result.checks.append(CheckBlock(text, block.start, block.at))


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
