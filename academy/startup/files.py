"""The folders Academy reads and writes: the course files and the instance folder."""

from __future__ import annotations

import os
from collections.abc import Mapping
from pathlib import Path
from typing import Any

from flask import Flask

from .report import CheckReport


def check_courses_dir(config: Mapping[str, Any], report: CheckReport) -> None:
    value = config.get("COURSES_DIR")
    if not value or not Path(str(value)).is_dir():
        report.errors.append(f"COURSES_DIR {value!r} is not a folder")


def check_courses(app: Flask, report: CheckReport) -> None:
    from ..content import CourseError, get_catalog

    if not Path(str(app.config.get("COURSES_DIR"))).is_dir():
        return  # reported with the settings
    try:
        catalog = get_catalog(app)
    except CourseError as error:
        report.errors.append(str(error))
        return
    report.passed.append(f"{len(catalog)} course{'s' if len(catalog) != 1 else ''}")


def check_instance_folder(app: Flask, report: CheckReport) -> None:
    """The badge signing key is created in the instance folder on first use."""
    from ..services.badges import signing_key_path

    key = signing_key_path(app)
    if key.exists():
        if not os.access(key, os.R_OK):
            report.errors.append(f"cannot read the badge signing key {key}")
    elif not os.access(key.parent, os.W_OK):
        report.errors.append(
            f"{key.parent} is not writable by this user: the badge signing key is created "
            f"there ({key.name}) when the first certificate is issued"
        )
