"""Checks that a diagram is a self-contained, script-free SVG that is safe to serve.

Diagrams are served as files of their own, so a browser may open one directly as a
document, where scripts run and external references are fetched. A diagram therefore
holds drawing only: no scripts, no event handlers, no HTML, nothing loaded from elsewhere.
Anything doubtful is refused rather than cleaned, so what is served is what was reviewed.
"""

from __future__ import annotations

import re
import xml.etree.ElementTree as ET
from collections.abc import Iterator

MAX_SVG_BYTES = 200 * 1024
SVG_NAMESPACE = "http://www.w3.org/2000/svg"
XHTML_NAMESPACE = "http://www.w3.org/1999/xhtml"
# Elements that run code or embed HTML, whatever namespace they are put in.
FORBIDDEN_ELEMENTS = ("script", "foreignObject")
# DOCTYPE and entity declarations are how XML bombs and external entities get in.
_DECLARATION = re.compile(r"<!(DOCTYPE|ENTITY)", re.IGNORECASE)
_URL = re.compile(r"url\(\s*(['\"]?)\s*([^'\")]*)", re.IGNORECASE)
_IMPORT = re.compile(r"@import", re.IGNORECASE)

SvgProblem = tuple[int, str]
"""(line, message) of a problem in an SVG file."""


def svg_problems(data: bytes) -> list[SvgProblem]:
    """Every reason ``data`` is not a safe, well-formed diagram; empty when it is one."""
    if len(data) > MAX_SVG_BYTES:
        return [(1, f"the diagram is {len(data)} bytes; at most {MAX_SVG_BYTES} (200 KB)")]
    try:
        text = data.decode("utf-8-sig")
    except UnicodeDecodeError as exc:
        return [(data[: exc.start].count(b"\n") + 1, "the file is not valid UTF-8")]
    declaration = _DECLARATION.search(text)
    if declaration:
        line = text.count("\n", 0, declaration.start()) + 1
        return [(line, f"<!{declaration[1]} is not allowed in a diagram")]
    try:
        elements = list(_parse(text))
    except ET.ParseError as exc:
        return [(exc.position[0], f"the diagram is not well-formed XML: {exc}")]
    return _check_root(elements) + [
        problem for element, line in elements for problem in _check_element(element, line)
    ]


def _parse(text: str) -> Iterator[tuple[ET.Element, int]]:
    """Each element (or processing instruction) with the line where its tag opens.

    ``ElementTree`` keeps no line numbers, so the text is fed up to one ``>`` at a time: a
    start event then belongs to the tag just completed, which opened at the last ``<`` fed
    (XML allows no ``<`` inside attribute values).
    """
    parser = ET.XMLPullParser(events=("start", "pi"))
    position = 0
    while position < len(text):
        end = text.find(">", position) + 1 or len(text)
        parser.feed(text[position:end])
        line = text.count("\n", 0, text.rfind("<", 0, end)) + 1
        yield from ((element, line) for _event, element in parser.read_events())
        position = end
    parser.close()
    yield from ((element, 1) for _event, element in parser.read_events())


def _check_root(elements: list[tuple[ET.Element, int]]) -> list[SvgProblem]:
    roots = [(element, line) for element, line in elements if isinstance(element.tag, str)]
    if not roots:
        return [(1, "the diagram has no <svg> element")]
    root, line = roots[0]
    if root.tag != f"{{{SVG_NAMESPACE}}}svg":
        return [(line, f'the root element must be <svg xmlns="{SVG_NAMESPACE}">')]
    problems: list[SvgProblem] = []
    if not root.get("viewBox", "").strip():
        problems.append((line, "the <svg> element needs a viewBox so the diagram can scale"))
    title = root.find(f"{{{SVG_NAMESPACE}}}title")
    if title is None or not "".join(title.itertext()).strip():
        problems.append((line, "the diagram needs a <title> inside <svg> naming what it shows"))
    return problems


def _check_element(element: ET.Element, line: int) -> list[SvgProblem]:
    if not isinstance(element.tag, str):  # a processing instruction, e.g. xml-stylesheet
        return [(line, "processing instructions (<?...?>) are not allowed in a diagram")]
    namespace, name = _split(element.tag)
    if name in FORBIDDEN_ELEMENTS:
        return [(line, f"<{name}> is not allowed in a diagram")]
    if namespace == XHTML_NAMESPACE:
        return [(line, f"HTML elements (<{name}>) are not allowed in a diagram")]
    problems = [(line, message) for message in _attribute_problems(element)]
    if name == "style":
        problems.extend((line, message) for message in _css_problems("<style>", element.text))
    return problems


def _attribute_problems(element: ET.Element) -> list[str]:
    problems: list[str] = []
    for qualified, value in element.attrib.items():
        name = _split(qualified)[1]
        if name.lower().startswith("on"):
            problems.append(f"event attribute {name!r} is not allowed in a diagram")
        elif name == "href" and not value.strip().startswith("#"):
            problems.append(
                f"{name}={value!r} points outside the diagram; only '#id' references are allowed"
            )
        elif name == "attributeName" and _is_link_or_event(value):
            # <set>/<animate> could otherwise write a link or a handler the checks never saw.
            problems.append(f"animating {value!r} is not allowed in a diagram")
        else:
            # Presentation attributes (fill, filter, mask, ...) take url() just like style.
            problems.extend(_css_problems(f"attribute {name!r}", value))
    return problems


def _css_problems(where: str, css: str | None) -> list[str]:
    if not css:
        return []
    problems = [
        f"url({match[2].strip()}) in {where} points outside the diagram; only url(#id) is allowed"
        for match in _URL.finditer(css)
        if not match[2].strip().startswith("#")
    ]
    if _IMPORT.search(css):
        problems.append(f"@import in {where} is not allowed in a diagram")
    return problems


def _is_link_or_event(attribute: str) -> bool:
    name = attribute.strip().rpartition(":")[2].lower()
    return name == "href" or name.startswith("on")


def _split(tag: str) -> tuple[str, str]:
    """``{namespace}name`` -> (namespace, name)."""
    if tag.startswith("{"):
        namespace, _, name = tag[1:].partition("}")
        return namespace, name
    return "", tag
