"""YAML parsing that remembers where things are, so problems can name a file and line.

Mappings become ``LineDict`` (the line of the mapping, of each key, and any repeated keys)
and sequences ``LineList`` (the line of the list and of each item). Both are plain
``dict``/``list`` subclasses, so the rest of the loader reads them like ordinary data.
"""

from __future__ import annotations

from typing import Any

import yaml
from yaml.nodes import MappingNode, Node, ScalarNode, SequenceNode

_MERGE_TAG = "tag:yaml.org,2002:merge"


class LineDict(dict[Any, Any]):
    """A YAML mapping plus ``line``, ``key_lines``, ``text_lines`` and ``duplicate_keys``."""

    def __init__(self, items: Any = (), /, *, line: int = 1) -> None:
        super().__init__(items)
        self.line = line
        self.key_lines: dict[Any, int] = {}
        # Where the text of a scalar value starts: the line after `key: |` for block scalars.
        self.text_lines: dict[Any, int] = {}
        self.duplicate_keys: list[tuple[Any, int]] = []

    def key_line(self, key: str) -> int:
        return self.key_lines.get(key, self.line)

    def text_line(self, key: str) -> int:
        return self.text_lines.get(key, self.key_line(key))


class LineList(list[Any]):
    """A YAML sequence plus ``line`` and ``item_lines``."""

    def __init__(self, items: Any = (), /, *, line: int = 1) -> None:
        super().__init__(items)
        self.line = line
        self.item_lines: list[int] = []

    def item_line(self, index: int) -> int:
        return self.item_lines[index] if index < len(self.item_lines) else self.line


class LineLoader(yaml.SafeLoader):
    """A safe loader whose mappings and sequences carry 1-based line numbers."""


def _line(node: Node) -> int:
    return node.start_mark.line + 1


def _construct_mapping(loader: LineLoader, node: MappingNode) -> LineDict:
    # Repeated keys are found on the raw node: PyYAML silently keeps the last one.
    seen: set[Any] = set()
    duplicates: list[tuple[Any, int]] = []
    for key_node, _value in node.value:
        if isinstance(key_node, ScalarNode) and key_node.tag != _MERGE_TAG:
            if key_node.value in seen:
                duplicates.append((key_node.value, _line(key_node)))
            seen.add(key_node.value)
    result = LineDict(loader.construct_mapping(node, deep=True), line=_line(node))
    for key_node, value_node in node.value:
        if isinstance(key_node, ScalarNode):
            key = loader.construct_object(key_node, deep=True)
            result.key_lines[key] = _line(key_node)
            if isinstance(value_node, ScalarNode):
                result.text_lines[key] = _text_line(value_node)
    result.duplicate_keys = duplicates
    return result


def _text_line(node: ScalarNode) -> int:
    return _line(node) + (1 if node.style in ("|", ">") else 0)


def _construct_sequence(loader: LineLoader, node: SequenceNode) -> LineList:
    result = LineList(loader.construct_sequence(node, deep=True), line=_line(node))
    result.item_lines = [_line(item) for item in node.value]
    return result


LineLoader.add_constructor(yaml.resolver.BaseResolver.DEFAULT_MAPPING_TAG, _construct_mapping)
LineLoader.add_constructor(yaml.resolver.BaseResolver.DEFAULT_SEQUENCE_TAG, _construct_sequence)


class YamlSyntaxError(Exception):
    """The text is not valid YAML; ``line`` is 1-based, as PyYAML reports it."""

    def __init__(self, line: int, message: str) -> None:
        super().__init__(f"line {line}: {message}")
        self.line = line
        self.message = message


def parse_yaml(text: str, first_line: int = 1) -> Any:
    """Parse one YAML document whose first line is line ``first_line`` of its file."""
    # Blank lines in front make PyYAML's marks equal to the lines of the whole file.
    loader = LineLoader("\n" * (first_line - 1) + text)
    try:
        return loader.get_single_data()
    except yaml.MarkedYAMLError as exc:
        mark = exc.problem_mark or exc.context_mark
        raise YamlSyntaxError(mark.line + 1 if mark else first_line, _describe(exc)) from None
    except yaml.YAMLError as exc:
        raise YamlSyntaxError(first_line, f"YAML error: {exc}") from None
    finally:
        loader.dispose()


def _describe(exc: yaml.MarkedYAMLError) -> str:
    context, start, end = exc.context, exc.context_mark, exc.problem_mark
    if context and start and end and start.line != end.line:
        # E.g. an unclosed quote: say where it was opened, not only where it ended.
        context = f"{context} (line {start.line + 1})"
    parts = [part for part in (context, exc.problem) if part]
    return "YAML syntax error: " + ", ".join(parts)
