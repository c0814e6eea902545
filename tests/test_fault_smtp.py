"""Fault: the SMTP server goes down. Mails stay queued, retried with backoff, and each goes
out exactly once when the server is back (a real aiosmtpd server on 127.0.0.1)."""

from __future__ import annotations

import signal
import socket
from collections.abc import Iterator
from datetime import datetime, timedelta
from typing import Any

import pytest
from aiosmtpd.controller import Controller
from sqlalchemy import func, select
from sqlalchemy.orm import Session, sessionmaker

from academy import mail_worker
from academy.db import EXTENSION_KEY
from academy.models import MailStatus, OutboxMail, utcnow
from academy.services import delivery
from academy.services.delivery import OutgoingMail, SMTPTransport, deliver_due

ADDRESSES = [f"deltagare{n}@kommun.example.se" for n in range(6)]


class Recorder:
    """Accepts every mail and remembers its recipients, in order."""

    def __init__(self) -> None:
        self.recipients: list[str] = []

    async def handle_DATA(self, server, session, envelope) -> str:
        self.recipients.extend(envelope.rcpt_tos)
        return "250 Message accepted for delivery"


class SMTPServer:
    """An SMTP server on a fixed port that can go down and come back, as a real one does."""

    def __init__(self) -> None:
        with socket.socket() as probe:
            probe.bind(("127.0.0.1", 0))
            self.port: int = probe.getsockname()[1]
        self.handler = Recorder()
        self._controller: Controller | None = None

    @property
    def running(self) -> bool:
        return self._controller is not None

    def start(self) -> None:
        controller = Controller(self.handler, hostname="127.0.0.1", port=self.port)
        controller.start()
        self._controller = controller

    def stop(self) -> None:
        controller, self._controller = self._controller, None
        if controller is not None:
            controller.stop()

    def settings(self, app) -> dict[str, Any]:
        return {
            **app.config,
            "MAIL_SERVER": "127.0.0.1",
            "MAIL_PORT": self.port,
            "MAIL_TIMEOUT": 5,
            "MAIL_FROM": "Academy <academy@academy.test>",
        }


@pytest.fixture
def smtp() -> Iterator[SMTPServer]:
    server = SMTPServer()  # not started: the tests decide when it is up
    try:
        yield server
    finally:
        server.stop()


@pytest.fixture
def sessions(app, connection) -> sessionmaker[Session]:
    """The app's sessionmaker, bound to the test's rolled-back connection."""
    return app.extensions[EXTENSION_KEY].sessionmaker


def queue(db: Session, when: datetime) -> None:
    db.add_all(
        OutboxMail(
            to_address=address,
            subject="Välkommen till kursen \u2013 Å Ä Ö Æ Ø",
            body_text="Hej!\n",
            created_at=when,
            next_attempt_at=when,
        )
        for address in ADDRESSES
    )
    db.commit()


def mails(db: Session) -> list[OutboxMail]:
    db.expire_all()
    return list(db.scalars(select(OutboxMail).order_by(OutboxMail.id)))


def test_mails_wait_out_an_outage_and_each_goes_out_once_when_the_server_returns(
    app, db, sessions, smtp
):
    start = utcnow()
    queue(db, start)
    smtp.start()

    class GoesDownAfterTwo(SMTPTransport):
        """The server dies between two mails of a batch, the connection still open."""

        sent = 0

        def send(self, mail: OutgoingMail) -> None:
            super().send(mail)
            self.sent += 1
            if self.sent == 2:
                smtp.stop()

    first = deliver_due(sessions, GoesDownAfterTwo(smtp.settings(app)), now=start)

    assert (first.sent, first.retried, first.failed) == (2, 1, 0)
    assert first.stopped_because  # the rest of the batch waits for the next run
    assert smtp.handler.recipients == ADDRESSES[:2]

    # Four hours of outage, the worker running every five minutes.
    transport = SMTPTransport(smtp.settings(app))
    clock = start
    outage_runs = []
    while clock < start + timedelta(hours=4):
        clock += timedelta(minutes=5)
        outage_runs.append(deliver_due(sessions, transport, now=clock))

    assert sum(run.sent for run in outage_runs) == 0
    assert sum(run.failed for run in outage_runs) == 0
    # One attempt per run at most: a dead server ends the batch at the first mail.
    assert all(run.attempted <= 1 for run in outage_runs)
    waiting = [mail for mail in mails(db) if mail.status != MailStatus.SENT]
    assert [mail.to_address for mail in waiting] == ADDRESSES[2:]
    for mail in waiting:
        assert mail.status == MailStatus.QUEUED
        assert mail.claimed_until is None
        assert "127.0.0.1" in mail.last_error
        # Backoff: 1, 5, 15, 60, 240 minutes allow at most 5 attempts in 4 hours.
        assert 1 <= mail.attempts <= 5
    assert sum(mail.attempts for mail in waiting) == sum(run.attempted for run in outage_runs) + 1

    smtp.start()
    # The next run once every waiting mail is due again sends them all.
    back = max(mail.next_attempt_at for mail in waiting)
    report = deliver_due(sessions, SMTPTransport(smtp.settings(app)), now=back)

    assert (report.sent, report.retried, report.failed, report.stopped_because) == (4, 0, 0, "")
    assert sorted(smtp.handler.recipients) == sorted(ADDRESSES)  # each exactly once
    assert {mail.status for mail in mails(db)} == {MailStatus.SENT}
    later = deliver_due(sessions, SMTPTransport(smtp.settings(app)), now=back + timedelta(days=2))
    assert later.attempted == 0
    assert len(smtp.handler.recipients) == len(ADDRESSES)


def test_the_mail_worker_keeps_running_through_an_outage(app, db, sessions, smtp, monkeypatch):
    """`flask mail send --loop` against a server that is down and comes back, in real time.

    The backoff is shrunk to a tenth of a second so that the retries happen during the test.
    """
    monkeypatch.setattr(delivery, "BACKOFF_MINUTES", (0.1 / 60,))
    for key, value in smtp.settings(app).items():
        monkeypatch.setitem(app.config, key, value)
    queue(db, utcnow())
    handler_before = signal.getsignal(signal.SIGTERM)
    runs = []

    def worker_run(*args, **kwargs):
        runs.append(deliver_due(*args, **kwargs))
        unsent = db.scalar(select(func.count()).where(OutboxMail.status != MailStatus.SENT))
        if not smtp.running and len(runs) == 5:
            smtp.start()
        elif (smtp.running and unsent == 0) or len(runs) == 200:
            # Guard: without the worker's handler, SIGTERM would end pytest itself.
            assert signal.getsignal(signal.SIGTERM) is not handler_before
            signal.raise_signal(signal.SIGTERM)
        return runs[-1]

    monkeypatch.setattr(mail_worker, "deliver_due", worker_run)

    result = app.test_cli_runner().invoke(args=["mail", "send", "--loop", "--interval", "0.1"])

    assert result.exit_code == 0, result.output
    assert f"Stopped early: cannot use 127.0.0.1:{smtp.port}" in result.output
    assert result.output.rstrip().endswith("Mail worker stopped.")
    assert [run.retried for run in runs[:5]] == [1] * 5
    assert sum(run.failed for run in runs) == 0
    assert sorted(smtp.handler.recipients) == sorted(ADDRESSES)  # each exactly once
    assert {mail.status for mail in mails(db)} == {MailStatus.SENT}
    assert len(runs) < 200
