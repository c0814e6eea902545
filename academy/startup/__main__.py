"""``python -m academy.startup [--startup]``: the startup checks before gunicorn starts.

The one module of the package that builds the application (``create_app``), which is why
nothing imports it: the checks themselves stay below the app factory.
"""

from __future__ import annotations

import sys

import click

from .. import create_app
from ..config import ConfigError
from .checks import check_and_print


def main(argv: list[str] | None = None) -> int:
    """``python -m academy.startup [--startup]``: as ``flask config check``, and a setting
    that stops ``create_app`` is reported as one line too."""
    args = sys.argv[1:] if argv is None else argv
    if set(args) - {"--startup"}:
        click.echo("usage: python -m academy.startup [--startup]", err=True)
        return 2
    try:
        app = create_app()
    except ConfigError as error:
        click.echo(f"error: {error}", err=True)
        click.echo("Academy must not start: 1 problem above.", err=True)
        return 1
    return check_and_print(app, startup="--startup" in args)


if __name__ == "__main__":
    raise SystemExit(main())
