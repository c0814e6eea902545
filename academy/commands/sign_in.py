"""``flask --app academy sign-in new-key``: a key for SIGN_IN_ENCRYPTION_KEYS."""

from __future__ import annotations

import click
from flask.cli import AppGroup

from ..services.sign_in import encryption

sign_in_cli = AppGroup("sign-in", help="Sign-in through organisations' own providers.")


@sign_in_cli.command("new-key")
def new_key_command() -> None:
    """Print a new key for SIGN_IN_ENCRYPTION_KEYS (which encrypts the client secrets).

    To rotate: put the new key first, keep the old one after a comma, save each
    provider's client secret again, then drop the old key.
    """
    click.echo(encryption.new_key())
