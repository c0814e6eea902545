"""Plain text shown as HTML with its web addresses clickable: ``academy.text.linkify``,
where mails (services) reach it too."""

from __future__ import annotations

from ..text import linkify

__all__ = ["linkify"]
