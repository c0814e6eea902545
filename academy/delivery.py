"""``flask --app academy mail ...``: the outbox from the command line.

A thin wrapper over :mod:`academy.services.delivery`, which documents the retry schedule
and the bounce rules.
"""

from __future__ import annotations

import signal
import sys
import threading
import time
from collections.abc import Callable
from types import FrameType
from typing import Any

import click
from flask import current_app
from flask.cli import AppGroup
from sqlalchemy.exc import OperationalError

from .db import EXTENSION_KEY
from .services.delivery import DeliveryReport, deliver_due, transport_from_settings

mail_cli = AppGroup("mail", help="The mail outbox.")

# The longest a worker sleeps without checking whether it was asked to stop.
_SLEEP_SLICE = 0.5


class _StopRequest:
    """Turns SIGTERM and SIGINT into a flag the worker checks between mails and sleeps.

    The mail being sent is finished and recorded first; stopping in the middle would send
    it again after its claim expires. Previous handlers come back on exit.
    """

    def __init__(self) -> None:
        self.requested = False
        self._previous: dict[int, Any] = {}

    def __enter__(self) -> _StopRequest:
        # Python lets only the main thread install signal handlers.
        if threading.current_thread() is threading.main_thread():
            for signum in (signal.SIGTERM, signal.SIGINT):
                self._previous[signum] = signal.signal(signum, self._handle)
        return self

    def __exit__(self, *_exc: object) -> None:
        for signum, handler in self._previous.items():
            if handler is not None:  # None: installed outside Python, cannot be restored
                signal.signal(signum, handler)

    def _handle(self, _signum: int, _frame: FrameType | None) -> None:
        self.requested = True

    def is_requested(self) -> bool:
        return self.requested

    def sleep(self, seconds: float) -> None:
        """Sleep in short slices, so that a stop is noticed within half a second."""
        deadline = time.monotonic() + seconds
        while not self.requested:
            remaining = deadline - time.monotonic()
            if remaining <= 0:
                return
            time.sleep(min(remaining, _SLEEP_SLICE))


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
    config = current_app.config
    session_factory = current_app.extensions[EXTENSION_KEY].sessionmaker
    transport = transport_from_settings(config, sys.stdout)

    def run(should_stop: Callable[[], bool] | None = None) -> DeliveryReport:
        return deliver_due(
            session_factory,
            transport,
            limit=limit,
            max_attempts=int(config["MAIL_MAX_ATTEMPTS"]),
            should_stop=should_stop,
        )

    if not loop:
        report = run()
        click.echo(report.summary())
        if report.stopped_because:
            click.echo(f"Stopped early: {report.stopped_because}", err=True)
            raise click.exceptions.Exit(1)
        return

    click.echo(f"Delivering mail every {interval:g} s; SIGTERM or Ctrl-C stops.")
    with _StopRequest() as stop:
        while not stop.requested:
            try:
                report = run(stop.is_requested)
            except OperationalError as error:
                # The database is restarting or unreachable; wait and try again rather than
                # leave the queue unattended until someone restarts the worker.
                click.echo(f"Database unavailable: {error.orig or error}", err=True)
                stop.sleep(interval)
                continue
            if report.attempted:
                click.echo(report.summary())
            if report.stopped_because and not stop.requested:
                click.echo(f"Stopped early: {report.stopped_because}", err=True)
            elif report.attempted >= limit:
                continue  # more may be due right now
            stop.sleep(interval)
    click.echo("Mail worker stopped.")
