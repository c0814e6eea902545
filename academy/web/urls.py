"""Addresses of many objects of one kind, for long lists."""

from __future__ import annotations

from collections.abc import Callable

from flask import url_for

from .params import MAX_ID

_MARK = str(MAX_ID)


def url_for_ids(endpoint: str, name: str = "enrolment_id", **values) -> Callable[[int], str]:
    """``url_for(endpoint, name=id)`` for any id, built once: a page of 50 rows with a few
    links each spent a few milliseconds in Werkzeug's URL building alone."""
    template = url_for(endpoint, **{name: MAX_ID}, **values)
    if template.count(_MARK) != 1:
        raise ValueError(f"{endpoint}: cannot make a template of {template}")
    before, after = template.split(_MARK)
    return lambda object_id: f"{before}{int(object_id)}{after}"
