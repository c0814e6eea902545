"""HTML kept between requests: a bounded store of rendered fragments, one per app.

What goes in is rendered from things that are the same for everyone who sees them (the
course files, the words of the page chrome) and keyed by everything it is made of; the
participant's pages (``web/learn/fragments.py``) and every page's chrome
(``web/chrome.py``) keep theirs here. Nothing of a user is ever in a fragment.
"""

from __future__ import annotations

import threading
from collections import OrderedDict
from collections.abc import Callable, Hashable
from typing import Any

from flask import current_app

# Enough for every lesson of a few courses in every language and role, and for the
# answers of their quiz questions in every order drawn; the oldest go first beyond it.
MAX_FRAGMENTS = 8192
EXTENSION_KEY = "academy.fragments"


class FragmentStore:
    """A bounded, thread-safe map from key to kept HTML (or pieces of it), least recently
    used dropped first."""

    def __init__(self, max_size: int = MAX_FRAGMENTS) -> None:
        self.max_size = max_size
        self._items: OrderedDict[Hashable, Any] = OrderedDict()
        self._lock = threading.Lock()

    def get(self, key: Hashable, build: Callable[[], Any]) -> Any:
        with self._lock:
            found = self._items.get(key)
            if found is not None:
                self._items.move_to_end(key)
                return found
        # Rendered outside the lock: two threads may build the same fragment once each.
        made = build()
        with self._lock:
            self._items[key] = made
            if len(self._items) > self.max_size:
                self._items.popitem(last=False)
        return made

    def __len__(self) -> int:
        return len(self._items)

    def clear(self) -> None:
        with self._lock:
            self._items.clear()


def store() -> FragmentStore:
    """The fragments of the current application."""
    found = current_app.extensions.get(EXTENSION_KEY)
    if found is None:
        found = current_app.extensions.setdefault(EXTENSION_KEY, FragmentStore())
    return found
