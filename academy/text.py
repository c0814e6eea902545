"""Cleaning text people type before it is stored, mailed or put in a header.

PostgreSQL refuses NUL in text, and a line break in a name would cut a mail's subject
or a header; these two functions are what every form field and every value read from a
request goes through (``academy.web.forms``, ``academy.web.params``).
"""

from __future__ import annotations

import re

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
