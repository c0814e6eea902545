"""Markdown of one course rendered to HTML, with its lesson links and diagrams checked.

Links are collected while rendering and checked once every part has listed its lessons;
the diagrams used are remembered so that unused ones in ``images/`` can be reported.
"""

from __future__ import annotations

import re

from .course_files import CourseFiles
from .markdown import (
    ImageHref,
    ImageRef,
    LessonHref,
    Link,
    make_markdown,
    parse_image_src,
    parse_link_target,
    render,
)

# A scheme (http:, data:, ...) or a network path (//host/...): anything fetched from elsewhere.
EXTERNAL_SRC = re.compile(r"[a-zA-Z][a-zA-Z0-9+.-]*:|//")


class MarkdownRenderer:
    """Renders the Markdown of one course's files; ``course_slug`` is set once it is read."""

    def __init__(self, files: CourseFiles, href: LessonHref, image_src: ImageHref) -> None:
        self.files = files
        self.href = href
        self.image_src = image_src
        self.md = make_markdown()
        self.course_slug = ""
        self.links: list[tuple[str, Link]] = []
        self.used_images: set[str] = set()

    def render(self, part: str, relative: str, text: str, first_line: int) -> str:
        """HTML of Markdown in ``relative`` (a file of ``part``), its links and images checked."""
        rendered = render(
            self.md,
            text,
            first_line,
            lambda target_part, lesson: self.href(self.course_slug, target_part, lesson),
            lambda name: self.image_src(self.course_slug, part, name),
        )
        self.links.extend((self.files.path(relative), link) for link in rendered.links)
        for image in rendered.images:
            self.check_image_ref(part, relative, image)
        return rendered.html

    def check_image_ref(self, part: str, relative: str, image: ImageRef) -> None:
        if EXTERNAL_SRC.match(image.src):
            self.files.problem(
                relative,
                image.line,
                f"external image {image.src!r}: course content never loads anything from "
                f"elsewhere; draw the diagram as SVG in {part}/images/",
            )
            return
        name = parse_image_src(image.src)
        if name is None:
            self.files.problem(
                relative,
                image.line,
                f"image {image.src!r}: write images/<name>.svg for a diagram in {part}/images/",
            )
            return
        self.used_images.add(f"{part}/images/{name}.svg")
        if f"{part}/images/{name}.svg" not in self.files:
            self.files.problem(
                relative, image.line, f"image {image.src!r} not found: no {part}/{image.src}"
            )
        if not image.alt:
            # The diagram carries meaning, so readers who cannot see it need the text.
            self.files.problem(
                relative,
                image.line,
                f"image {image.src!r} has no text alternative: write "
                f"![what the diagram shows]({image.src})",
            )

    def check_links(self, listed_lessons: set[tuple[str, str]]) -> None:
        """Report ``lesson:`` links that are malformed or point at no listed lesson."""
        for file, link in self.links:
            target = parse_link_target(link.href)
            if target is None:
                self.files.report.add(
                    file,
                    link.line,
                    f"malformed lesson link {link.href!r}: write lesson:<part-slug>/<lesson-slug>",
                )
            elif target not in listed_lessons:
                self.files.report.add(
                    file,
                    link.line,
                    f"broken lesson link {link.href!r}: part {target[0]!r} has no lesson "
                    f"{target[1]!r}",
                )
