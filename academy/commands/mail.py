"""``flask --app academy mail ...``: the outbox from the command line.

A thin wrapper over :mod:`academy.mail_worker`, which runs :mod:`academy.services.delivery`
(that one documents the retry schedule and the bounce rules).
"""

from __future__ import annotations

import click
from flask.cli import AppGroup

from .. import mail_worker

mail_cli = AppGroup("mail", help="The mail outbox.")


@mail_cli.command("send")
@click.option("--loop", is_flag=True, help="Keep running as a worker until SIGTERM or Ctrl-C.")
@click.option(
    "--interval",
    type=click.FloatRange(min=0.1),
    default=30.0,
    show_default=True,
    help="Seconds to wait between runs with --loop.",
)
@click.option(
    "--limit",
    type=click.IntRange(min=1),
    default=100,
    show_default=True,
    help="The most mails sent in one run.",
)
def send(loop: bool, interval: float, limit: int) -> None:
    """Deliver the mails that are due from the outbox, then print what happened.

    Without MAIL_SERVER the mails are printed instead of sent. Runs once by default (exit
    status 1 if the mail server could not be used); with --loop it keeps delivering every
    INTERVAL seconds, at once again when a run was full, and stops cleanly on SIGTERM.
    Several workers may run at the same time: none sends a mail another has claimed.
    """
    if not loop:
        report = mail_worker.deliver_once(limit)
        click.echo(report.summary())
        if report.stopped_because:
            click.echo(f"Stopped early: {report.stopped_because}", err=True)
            raise click.exceptions.Exit(1)
        return

    click.echo(f"Delivering mail every {interval:g} s; SIGTERM or Ctrl-C stops.")
    mail_worker.run_worker(interval=interval, limit=limit, echo=click.echo)
    click.echo("Mail worker stopped.")
