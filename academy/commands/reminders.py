"""``flask --app academy reminders ...``: reminders to participants (run daily from cron)."""

from __future__ import annotations

from datetime import datetime
from zoneinfo import ZoneInfo

import click
from flask import current_app
from flask.cli import AppGroup

from ..db import get_session
from ..services import reminders

reminders_cli = AppGroup("reminders", help="Reminders to participants.")


@reminders_cli.command("send")
@click.option(
    "--today",
    type=click.DateTime(formats=["%Y-%m-%d"]),
    default=None,
    help="Act as if it were this day (default: today in the site's time zone).",
)
def send_reminders_command(today) -> None:
    """Mail participants who have not completed a round whose deadline is a week away.

    Safe to run daily from cron: a reminder is never sent twice.
    """
    session = get_session()
    day = today.date() if today else datetime.now(ZoneInfo(current_app.config["TIMEZONE"])).date()
    sent = reminders.send_deadline_reminders(session, day)
    session.commit()
    click.echo(f"Reminders queued: {sent}")
