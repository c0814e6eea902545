"""``flask --app academy admin ...``: administrator accounts."""

from __future__ import annotations

from datetime import timedelta

import click
from flask import current_app
from flask.cli import AppGroup

from ..db import get_session
from ..services import invitations
from ..services.mail import absolute_url

admin_cli = AppGroup("admin", help="Administrator accounts.")


@admin_cli.command("create-link")
@click.option(
    "--unless-admin-exists",
    is_flag=True,
    help="Print nothing when an administrator already exists (used by `make run`).",
)
def create_admin_link(unless_admin_exists: bool) -> None:
    """Print a single-use link, valid for one hour, that creates an administrator."""
    session = get_session()
    if unless_admin_exists and invitations.admin_exists(session):
        return
    valid_for = timedelta(seconds=current_app.config["ADMIN_LINK_MAX_AGE"])
    token = invitations.create_admin_link(session, valid_for)
    session.commit()
    link = absolute_url("admin.create_admin", token=token)
    minutes = int(valid_for.total_seconds() // 60)
    click.echo(f"Create the administrator account here (single use, valid {minutes} minutes):")
    click.echo(f"  {link}")
