"""What the startup checks found, and how it is printed for an operator."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any

import click


@dataclass
class CheckReport:
    """What the checks found: errors stop the server, warnings are printed."""

    errors: list[str] = field(default_factory=list)
    warnings: list[str] = field(default_factory=list)
    passed: list[str] = field(default_factory=list)

    @property
    def ok(self) -> bool:
        return not self.errors


class StartupError(RuntimeError):
    """The application must not serve; ``errors`` says why."""

    def __init__(self, errors: list[str]) -> None:
        self.errors = list(errors)
        lines = "\n".join(f"  - {error}" for error in self.errors)
        super().__init__(f"Academy cannot start:\n{lines}")


def print_report(report: CheckReport, env: str) -> None:
    for warning in report.warnings:
        click.echo(f"warning: {warning}", err=True)
    for error in report.errors:
        click.echo(f"error: {error}", err=True)
    if report.errors:
        count = len(report.errors)
        click.echo(
            f"Academy must not start (ENV={env}): {count} problem{'s' if count != 1 else ''} "
            "above. Settings are listed in README.md.",
            err=True,
        )
    else:
        click.echo(f"Startup checks passed (ENV={env}): {', '.join(report.passed)}.")


def check_bool(config: Mapping[str, Any], name: str, report: CheckReport) -> bool:
    value = config.get(name)
    if isinstance(value, bool):
        return True
    report.errors.append(f"{name} must be true or false, not {value!r}")
    return False
