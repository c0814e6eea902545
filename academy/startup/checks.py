"""Running every check: the settings, then the services they name."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

import click
from flask import Flask

from .database import check_database
from .files import check_courses, check_instance_folder
from .rate_limits import check_rate_limit_storage
from .report import CheckReport, StartupError, print_report
from .settings import check_settings


def checks_enabled(config: Mapping[str, Any]) -> bool:
    """STARTUP_CHECKS if set, else whether ENV is production."""
    setting = config.get("STARTUP_CHECKS")
    if setting is None:
        return config.get("ENV") == "production"
    return setting is True or str(setting).lower() in ("1", "true", "yes", "on")


def run_checks(app: Flask) -> CheckReport:
    """Check every setting, then (where the settings allow it) the services they name."""
    report = check_settings(app.config)
    with app.app_context():
        check_database(app.config, report)
        check_rate_limit_storage(app.config, report)
        check_courses(app, report)
        check_instance_folder(app, report)
    return report


def require_ready(app: Flask) -> None:
    """Raise :class:`StartupError` unless every check passes."""
    report = run_checks(app)
    if not report.ok:
        raise StartupError(report.errors)


def check_and_print(app: Flask, *, startup: bool) -> int:
    """Run the checks (with ``startup``: only if STARTUP_CHECKS asks them) and print them;
    return the exit status."""
    env = app.config.get("ENV")
    if startup and not checks_enabled(app.config):
        click.echo(
            f"Startup checks skipped (ENV={env}); ACADEMY_STARTUP_CHECKS=true runs them anyway."
        )
        return 0
    report = run_checks(app)
    print_report(report, env)
    return 0 if report.ok else 1
