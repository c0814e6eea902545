"""``flask --app academy config check``: a thin wrapper over :mod:`academy.startup`."""

from __future__ import annotations

import click
from flask import current_app
from flask.cli import AppGroup

from ..startup import check_and_print

config_cli = AppGroup("config", help="Settings and the services they name.")


@config_cli.command("check")
@click.option(
    "--startup",
    is_flag=True,
    help="Do nothing unless the STARTUP_CHECKS setting (by default: ENV=production) asks.",
)
def check_command(startup: bool) -> None:
    """Check every setting, the database and its migrations, Redis and the course files.

    Prints each problem; exits with status 1 if there is any. Warnings do not fail.
    """
    app = current_app._get_current_object()  # type: ignore[attr-defined]
    raise SystemExit(check_and_print(app, startup=startup))
