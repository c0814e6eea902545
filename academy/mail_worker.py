"""The mail worker behind ``flask --app academy mail send``: one run, or runs until stopped.

:mod:`academy.services.delivery` delivers one batch (and documents the retry schedule and
the bounce rules); this module gives it the application's settings and, for a long-running
worker, repeats it every few seconds until SIGTERM or Ctrl-C.
"""

from __future__ import annotations

import signal
import sys
import threading
import time
from collections.abc import Callable
from types import FrameType
from typing import Any

from flask import current_app
from sqlalchemy.exc import OperationalError

from .db import EXTENSION_KEY
from .services.delivery import DeliveryReport, deliver_due, transport_from_settings

# The longest a worker sleeps without checking whether it was asked to stop.
_SLEEP_SLICE = 0.5


class StopRequest:
    """Turns SIGTERM and SIGINT into a flag the worker checks between mails and sleeps.

    The mail being sent is finished and recorded first; stopping in the middle would send
    it again after its claim expires. Previous handlers come back on exit.
    """

    def __init__(self) -> None:
        self.requested = False
        self._previous: dict[int, Any] = {}

    def __enter__(self) -> StopRequest:
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


def deliver_once(limit: int) -> DeliveryReport:
    """Deliver up to ``limit`` due mails with the current application's mail settings."""
    return _batch_delivery(limit)()


def _batch_delivery(limit: int) -> Callable[..., DeliveryReport]:
    """One batch per call, all through the same transport and session factory."""
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

    return run


def run_worker(*, interval: float, limit: int, echo: Callable[..., Any]) -> None:
    """Deliver every ``interval`` seconds, at once again after a full run, until stopped.

    ``echo(text, err=False)`` prints what each run did (``click.echo`` from the command).
    """
    run = _batch_delivery(limit)
    with StopRequest() as stop:
        while not stop.requested:
            try:
                report = run(stop.is_requested)
            except OperationalError as error:
                # The database is restarting or unreachable; wait and try again rather than
                # leave the queue unattended until someone restarts the worker.
                echo(f"Database unavailable: {error.orig or error}", err=True)
                stop.sleep(interval)
                continue
            if report.attempted:
                echo(report.summary())
            if report.stopped_because and not stop.requested:
                echo(f"Stopped early: {report.stopped_because}", err=True)
            elif report.attempted >= limit:
                continue  # more may be due right now
            stop.sleep(interval)
