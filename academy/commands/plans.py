"""``flask --app academy plans ...``: the due-date mails of measures (run daily from cron)."""

from __future__ import annotations

from datetime import datetime
from zoneinfo import ZoneInfo

import click
from flask import current_app
from flask.cli import AppGroup

from ..db import get_session
from ..services import plans

plans_cli = AppGroup("plans", help="Plans and measures.")


@plans_cli.command("remind")
@click.option(
    "--today",
    type=click.DateTime(formats=["%Y-%m-%d"]),
    default=None,
    help="Act as if it were this day (default: today in the site's time zone).",
)
def remind_command(today) -> None:
    """Mail the owners of measures due in two weeks, or overdue.

    Safe to run daily from cron: each mail is sent once per measure and due date.
    """
    session = get_session()
    day = today.date() if today else datetime.now(ZoneInfo(current_app.config["TIMEZONE"])).date()
    queued = plans.send_measure_reminders(session, day)
    session.commit()
    click.echo(f"Measure reminders queued: {queued}")
