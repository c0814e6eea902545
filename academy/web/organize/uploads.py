"""Uploaded spreadsheets kept between the import steps (upload, columns, preview, import).

The bytes wait in ``instance/imports/`` under an unguessable name, with the cohort and
the user they belong to; they are removed when imported, and anything older than an
hour is removed on the next upload.
"""

from __future__ import annotations

import json
import secrets
import time
from dataclasses import dataclass
from pathlib import Path

from flask import current_app

MAX_AGE_SECONDS = 3600


@dataclass(frozen=True)
class Upload:
    key: str
    filename: str
    cohort_id: int
    user_id: int
    data: bytes


def _folder() -> Path:
    folder = Path(current_app.instance_path) / "imports"
    folder.mkdir(parents=True, exist_ok=True)
    return folder


def save(data: bytes, filename: str, *, cohort_id: int, user_id: int) -> str:
    _clean_old()
    key = secrets.token_urlsafe(24)
    folder = _folder()
    (folder / f"{key}.bin").write_bytes(data)
    meta = {"filename": filename[:200], "cohort_id": cohort_id, "user_id": user_id}
    (folder / f"{key}.json").write_text(json.dumps(meta))
    return key


def load(key: str, *, cohort_id: int, user_id: int) -> Upload | None:
    """The upload, if it exists, is fresh, and belongs to this cohort and user."""
    if not key.replace("-", "").replace("_", "").isalnum() or len(key) > 64:
        return None
    folder = _folder()
    meta_path, data_path = folder / f"{key}.json", folder / f"{key}.bin"
    try:
        meta = json.loads(meta_path.read_text())
        if time.time() - meta_path.stat().st_mtime > MAX_AGE_SECONDS:
            return None
        data = data_path.read_bytes()
    except (OSError, ValueError):
        return None
    if meta.get("cohort_id") != cohort_id or meta.get("user_id") != user_id:
        return None
    return Upload(key, meta["filename"], cohort_id, user_id, data)


def discard(key: str) -> None:
    folder = _folder()
    for suffix in (".bin", ".json"):
        (folder / f"{key}{suffix}").unlink(missing_ok=True)


def _clean_old() -> None:
    cutoff = time.time() - MAX_AGE_SECONDS
    for path in _folder().glob("*.json"):
        try:
            if path.stat().st_mtime < cutoff:
                discard(path.stem)
        except OSError:
            continue
