"""Delivering the outbox against a real SMTP server (aiosmtpd on 127.0.0.1)."""

from __future__ import annotations

import email
import email.policy
import io
import os
import secrets
import signal
import smtplib
import socket
import time
from collections.abc import Iterator
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field
from datetime import timedelta
from email.message import EmailMessage
from email.utils import parsedate_to_datetime
from threading import Barrier
from typing import Any

import pytest
from aiosmtpd.controller import Controller
from sqlalchemy import Engine, func, select
from sqlalchemy.orm import Session, sessionmaker

from academy import mail_worker
from academy.db import EXTENSION_KEY, make_engine
from academy.models import (
    Base,
    Invitation,
    InvitationPurpose,
    MailStatus,
    OutboxMail,
    utcnow,
)
from academy.services.delivery import (
    BACKOFF_MINUTES,
    ConsoleTransport,
    DeliveryError,
    OutgoingMail,
    SMTPTransport,
    build_message,
    classify_smtp_error,
    deliver_due,
    retry_delay,
)
from tests.factories import make_user

SUBJECT = "Välkommen \u2013 Å Ä Ö Æ Ø å ä ö æ ø"
BODY = "Hej Åsa!\n\nDel 1: Situationell brottsprevention. Æ Ø Å æ ø å.\n"
MAIL_FROM = "Academy Öresund <academy@academy.test>"


# --- A recording SMTP server ---------------------------------------------------------


@dataclass
class Received:
    mail_from: str
    rcpt_tos: list[str]
    content: bytes
    peer: Any

    def message(self) -> EmailMessage:
        parsed = email.message_from_bytes(self.content, policy=email.policy.default)
        assert isinstance(parsed, EmailMessage)
        return parsed


@dataclass
class RecordingHandler:
    """Accepts everything except the recipients in ``refuse`` (address -> SMTP reply)."""

    received: list[Received] = field(default_factory=list)
    refuse: dict[str, str] = field(default_factory=dict)

    async def handle_RCPT(self, server, session, envelope, address, rcpt_options) -> str:
        reply = self.refuse.get(address)
        if reply is not None:
            return reply
        envelope.rcpt_tos.append(address)
        return "250 OK"

    async def handle_DATA(self, server, session, envelope) -> str:
        self.received.append(
            Received(envelope.mail_from, list(envelope.rcpt_tos), envelope.content, session.peer)
        )
        return "250 Message accepted for delivery"


@dataclass
class SMTPServer:
    port: int
    handler: RecordingHandler

    @property
    def received(self) -> list[Received]:
        return self.handler.received


def free_port() -> int:
    # The Controller needs to know its port up front: it connects to it to check it runs.
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


@pytest.fixture
def smtp_server() -> Iterator[SMTPServer]:
    handler = RecordingHandler()
    controller = Controller(handler, hostname="127.0.0.1", port=free_port())
    controller.start()
    try:
        yield SMTPServer(controller.port, handler)
    finally:
        controller.stop()


def smtp_settings(app, port: int) -> dict[str, Any]:
    return {
        **app.config,
        "MAIL_SERVER": "127.0.0.1",
        "MAIL_PORT": port,
        "MAIL_TIMEOUT": 5,
        "MAIL_FROM": MAIL_FROM,
    }


# --- Helpers -------------------------------------------------------------------------


@pytest.fixture
def sessions(app, connection) -> sessionmaker[Session]:
    """The app's sessionmaker, bound to the test's rolled-back connection."""
    return app.extensions[EXTENSION_KEY].sessionmaker


def add_mail(session: Session, **overrides) -> OutboxMail:
    values: dict[str, Any] = {
        "to_address": f"person{secrets.token_hex(4)}@example.org",
        "subject": SUBJECT,
        "body_text": BODY,
    }
    values.update(overrides)
    mail = OutboxMail(**values)
    session.add(mail)
    session.commit()
    return mail


def add_invitation(session: Session, email_address: str, **overrides) -> Invitation:
    invitation = Invitation(
        token_hash=secrets.token_hex(32),
        purpose=InvitationPurpose.ENROLMENT,
        email=email_address,
        expires_at=utcnow() + timedelta(days=14),
        **overrides,
    )
    session.add(invitation)
    session.commit()
    return invitation


# --- Sending -------------------------------------------------------------------------


def test_queued_mail_is_delivered_once_with_headers_and_utf8_text(app, db, sessions, smtp_server):
    mail = add_mail(db, to_address="asa@example.org")
    now = utcnow()

    report = deliver_due(sessions, SMTPTransport(smtp_settings(app, smtp_server.port)), now=now)

    assert (report.sent, report.retried, report.failed, report.bounced) == (1, 0, 0, 0)
    [received] = smtp_server.received
    assert received.mail_from == "academy@academy.test"
    assert received.rcpt_tos == ["asa@example.org"]
    # Quoted-printable and encoded words: nothing needs an 8-bit clean relay.
    assert received.content.isascii()
    message = received.message()
    assert message["From"] == MAIL_FROM
    assert message["To"] == "asa@example.org"
    assert message["Subject"] == SUBJECT
    assert message["Auto-Submitted"] == "auto-generated"
    assert message["Message-ID"].endswith("@academy.test>")
    assert abs(parsedate_to_datetime(message["Date"]) - now) < timedelta(minutes=1)
    assert message.get_content_charset() == "utf-8"
    assert message.get_content().replace("\r\n", "\n") == BODY  # CRLF on the wire
    db.refresh(mail)
    assert mail.status == MailStatus.SENT
    assert mail.sent_at == now
    assert mail.attempts == 1
    assert mail.claimed_until is None

    again = deliver_due(sessions, SMTPTransport(smtp_settings(app, smtp_server.port)))

    assert again.attempted == 0
    assert len(smtp_server.received) == 1


def test_one_connection_serves_the_whole_batch(app, db, sessions, smtp_server):
    for _ in range(3):
        add_mail(db)

    report = deliver_due(sessions, SMTPTransport(smtp_settings(app, smtp_server.port)))

    assert report.sent == 3
    assert len({received.peer for received in smtp_server.received}) == 1


def test_permanent_rejection_bounces_and_marks_the_address(app, db, sessions, smtp_server):
    user = make_user(db, email="Gone@Example.org")
    open_invitation = add_invitation(db, "GONE@example.org")
    accepted = add_invitation(db, "gone@example.org", accepted_at=utcnow())
    bounced = add_mail(db, to_address="gone@example.org")
    fine = add_mail(db, to_address="here@example.org")
    smtp_server.handler.refuse["gone@example.org"] = "550 5.1.1 no such user"
    now = utcnow()

    report = deliver_due(sessions, SMTPTransport(smtp_settings(app, smtp_server.port)), now=now)

    assert (report.sent, report.bounced) == (1, 1)
    # The rejection did not spoil the connection for the next mail.
    assert [received.rcpt_tos for received in smtp_server.received] == [["here@example.org"]]
    for row in (bounced, fine, user, open_invitation, accepted):
        db.refresh(row)
    assert bounced.status == MailStatus.BOUNCED
    assert "550 5.1.1 no such user" in bounced.last_error
    assert fine.status == MailStatus.SENT
    assert user.email_bounced_at == now
    assert open_invitation.bounced_at == now
    assert accepted.bounced_at is None

    later = deliver_due(
        sessions, SMTPTransport(smtp_settings(app, smtp_server.port)), now=now + timedelta(days=3)
    )

    assert later.attempted == 0
    db.refresh(bounced)
    assert bounced.attempts == 1


def test_temporary_rejection_is_retried_on_schedule(app, db, sessions, smtp_server):
    mail = add_mail(db, to_address="busy@example.org")
    smtp_server.handler.refuse["busy@example.org"] = "451 4.3.0 try again later"
    transport = SMTPTransport(smtp_settings(app, smtp_server.port))
    first = utcnow()

    report = deliver_due(sessions, transport, now=first)

    assert report.retried == 1
    db.refresh(mail)
    assert mail.status == MailStatus.QUEUED
    assert mail.attempts == 1
    assert mail.next_attempt_at == first + timedelta(minutes=1)
    assert "451 4.3.0 try again later" in mail.last_error
    assert mail.claimed_until is None

    assert deliver_due(sessions, transport, now=first + timedelta(seconds=30)).attempted == 0

    second = first + timedelta(minutes=1)
    assert deliver_due(sessions, transport, now=second).retried == 1
    db.refresh(mail)
    assert mail.attempts == 2
    assert mail.next_attempt_at == second + timedelta(minutes=5)

    del smtp_server.handler.refuse["busy@example.org"]
    assert deliver_due(sessions, transport, now=second + timedelta(minutes=5)).sent == 1
    db.refresh(mail)
    assert mail.status == MailStatus.SENT
    assert mail.attempts == 3
    assert len(smtp_server.received) == 1


def test_unreachable_server_keeps_mails_queued_and_stops_the_batch(app, db, sessions):
    first = add_mail(db)
    second = add_mail(db)
    now = utcnow()

    report = deliver_due(sessions, SMTPTransport(smtp_settings(app, free_port())), now=now)

    assert report.retried == 1
    assert "ConnectionRefusedError" in report.stopped_because
    db.refresh(first)
    db.refresh(second)
    assert first.status == MailStatus.QUEUED
    assert first.attempts == 1
    assert first.next_attempt_at == now + timedelta(minutes=1)
    assert "ConnectionRefusedError" in first.last_error
    # Not tried: the next run tries it, instead of this one waiting for each timeout.
    assert second.attempts == 0
    assert second.next_attempt_at <= now


def test_an_unreachable_server_never_gives_a_mail_up(app, db, sessions):
    """A long outage is not the mail's fault: past the last attempt it stays queued."""
    mail = add_mail(db, to_address="waiting@example.org", attempts=7)
    now = utcnow()

    report = deliver_due(sessions, SMTPTransport(smtp_settings(app, free_port())), now=now)

    assert report.failed == 0 and report.retried == 1
    db.refresh(mail)
    assert mail.status == MailStatus.QUEUED and mail.attempts == 8
    assert mail.next_attempt_at == now + timedelta(hours=12)


def test_mail_fails_after_the_last_attempt(app, db, sessions, smtp_server):
    mail = add_mail(db, to_address="busy@example.org", attempts=7)
    smtp_server.handler.refuse["busy@example.org"] = "451 4.3.0 try again later"

    report = deliver_due(sessions, SMTPTransport(smtp_settings(app, smtp_server.port)))

    assert report.failed == 1
    db.refresh(mail)
    assert mail.status == MailStatus.FAILED
    assert mail.attempts == 8
    assert "451" in mail.last_error
    later = utcnow() + timedelta(days=30)
    assert deliver_due(sessions, ConsoleTransport(io.StringIO()), now=later).attempted == 0


def test_last_error_is_truncated(db, sessions):
    class Failing(ConsoleTransport):
        def send(self, mail: OutgoingMail) -> None:
            raise DeliveryError("x" * 5000)

    mail = add_mail(db)

    deliver_due(sessions, Failing(io.StringIO()))

    db.refresh(mail)
    assert mail.last_error == "x" * 1000


def test_backoff_schedule():
    assert [retry_delay(n) for n in range(1, 9)] == [
        timedelta(minutes=minutes) for minutes in (1, 5, 15, 60, 240, 720, 720, 720)
    ]
    assert BACKOFF_MINUTES[-1] == 720


@pytest.mark.parametrize(
    ("error", "permanent", "address_rejected", "stop_batch"),
    [
        (
            smtplib.SMTPRecipientsRefused({"a@x.org": (550, b"5.1.1 no such user")}),
            True,
            True,
            False,
        ),
        (
            smtplib.SMTPRecipientsRefused({"a@x.org": (451, b"4.3.0 later")}),
            False,
            False,
            False,
        ),
        (smtplib.SMTPDataError(554, b"5.6.0 message refused"), True, False, False),
        (smtplib.SMTPDataError(550, b"5.1.1 unknown user"), True, True, False),
        (smtplib.SMTPDataError(452, b"4.3.1 storage full"), False, False, False),
        (
            smtplib.SMTPSenderRefused(553, b"5.7.1 not yours", "academy@x.org"),
            False,
            False,
            True,
        ),
        (
            smtplib.SMTPAuthenticationError(535, b"5.7.8 bad credentials"),
            False,
            False,
            True,
        ),
        (smtplib.SMTPServerDisconnected("gone"), False, False, True),
        (TimeoutError("timed out"), False, False, True),
    ],
    ids=[
        "rcpt-550",
        "rcpt-451",
        "data-554",
        "data-550-5.1.1",
        "data-452",
        "sender-553",
        "auth-535",
        "disconnected",
        "timeout",
    ],
)
def test_smtp_errors_are_classified(error, permanent, address_rejected, stop_batch):
    result = classify_smtp_error(error)

    assert (result.permanent, result.address_rejected, result.stop_batch) == (
        permanent,
        address_rejected,
        stop_batch,
    )


def test_build_message_headers():
    mail = OutgoingMail(7, "asa@example.org", SUBJECT, BODY)

    message = build_message(mail, MAIL_FROM)

    parsed = email.message_from_bytes(message.as_bytes(), policy=email.policy.default)
    assert parsed["Subject"] == SUBJECT
    assert parsed["Message-ID"].endswith("@academy.test>")
    assert parsed.get_content().replace("\r\n", "\n") == BODY


# --- Console transport and stopping ----------------------------------------------------


def test_console_transport_prints_and_marks_sent(db, sessions):
    mail = add_mail(db, to_address="asa@example.org")
    out = io.StringIO()

    report = deliver_due(sessions, ConsoleTransport(out))

    assert report.sent == 1
    printed = out.getvalue()
    assert "To: asa@example.org" in printed
    assert f"Subject: {SUBJECT}" in printed
    assert BODY in printed
    db.refresh(mail)
    assert mail.status == MailStatus.SENT


def test_a_stop_request_ends_the_batch_between_mails(db, sessions):
    first = add_mail(db)
    second = add_mail(db)
    out = io.StringIO()

    report = deliver_due(sessions, ConsoleTransport(out), should_stop=lambda: out.tell() > 0)

    assert report.sent == 1
    assert report.stopped_because == "stop requested"
    db.refresh(first)
    db.refresh(second)
    assert (first.status, second.status) == (MailStatus.SENT, MailStatus.QUEUED)


# --- The command ---------------------------------------------------------------------


def test_cli_prints_mails_without_a_mail_server(app, db, sessions):
    mail = add_mail(db, to_address="asa@example.org")

    result = app.test_cli_runner().invoke(args=["mail", "send"])

    assert result.exit_code == 0, result.output
    assert f"Subject: {SUBJECT}" in result.output
    assert "Mail: 1 sent, 0 to retry, 0 failed, 0 bounced." in result.output
    db.refresh(mail)
    assert mail.status == MailStatus.SENT


def test_cli_sends_through_smtp(app, db, sessions, smtp_server, monkeypatch):
    for key, value in smtp_settings(app, smtp_server.port).items():
        monkeypatch.setitem(app.config, key, value)
    add_mail(db, to_address="asa@example.org")

    result = app.test_cli_runner().invoke(args=["mail", "send", "--limit", "10"])

    assert result.exit_code == 0, result.output
    assert "Mail: 1 sent" in result.output
    assert [received.rcpt_tos for received in smtp_server.received] == [["asa@example.org"]]


def test_cli_fails_when_the_server_cannot_be_reached(app, db, sessions, monkeypatch):
    for key, value in smtp_settings(app, free_port()).items():
        monkeypatch.setitem(app.config, key, value)
    add_mail(db)

    result = app.test_cli_runner().invoke(args=["mail", "send"])

    assert result.exit_code == 1
    assert "Mail: 0 sent, 1 to retry" in result.stdout
    assert "Stopped early: cannot use 127.0.0.1" in result.stderr


def test_cli_worker_stops_cleanly_on_sigterm(app, db, sessions, monkeypatch):
    add_mail(db, to_address="asa@example.org")
    handler_before = signal.getsignal(signal.SIGTERM)
    runs = []

    def deliver_then_terminate(*args, **kwargs):
        runs.append(deliver_due(*args, **kwargs))
        if len(runs) == 2:
            # Guard: without the worker's handler, SIGTERM would end pytest itself.
            assert signal.getsignal(signal.SIGTERM) is not handler_before
            signal.raise_signal(signal.SIGTERM)
        return runs[-1]

    monkeypatch.setattr(mail_worker, "deliver_due", deliver_then_terminate)

    result = app.test_cli_runner().invoke(args=["mail", "send", "--loop", "--interval", "0.1"])

    assert result.exit_code == 0, result.output
    assert [run.sent for run in runs] == [1, 0]
    assert "Mail: 1 sent" in result.output
    assert result.output.rstrip().endswith("Mail worker stopped.")
    assert signal.getsignal(signal.SIGTERM) is handler_before


# --- Two workers at once -------------------------------------------------------------

# This test needs real commits that other connections see, so it cannot use the rolled-back
# per-test connection. It always runs on a temporary SQLite file (the claim is plain SQL),
# and also on PostgreSQL, in a throw-away schema, when ACADEMY_DATABASE_URL names one.
_DATABASE_URL = os.environ.get("ACADEMY_DATABASE_URL", "")
RACE_BACKENDS = ["sqlite"] + (["postgresql"] if _DATABASE_URL.startswith("postgresql") else [])


@pytest.fixture
def race_engine(request, tmp_path) -> Iterator[Engine]:
    if request.param == "sqlite":
        engine = make_engine("sqlite:///" + str(tmp_path / "race.sqlite3"))
        Base.metadata.create_all(engine)
        yield engine
        engine.dispose()
        return
    schema = f"race_{secrets.token_hex(6)}"
    admin = make_engine(_DATABASE_URL)
    with admin.begin() as connection:
        connection.exec_driver_sql(f"CREATE SCHEMA {schema}")
    engine = make_engine(_DATABASE_URL, connect_args={"options": f"-csearch_path={schema}"})
    try:
        Base.metadata.create_all(engine)
        yield engine
    finally:
        engine.dispose()
        with admin.begin() as connection:
            connection.exec_driver_sql(f"DROP SCHEMA {schema} CASCADE")
        admin.dispose()


class SlowSMTPTransport(SMTPTransport):
    def send(self, mail: OutgoingMail) -> None:
        time.sleep(0.01)  # widen the window in which the other worker reaches the same row
        super().send(mail)


@pytest.mark.parametrize("race_engine", RACE_BACKENDS, indirect=True)
def test_two_workers_never_send_the_same_mail_twice(app, race_engine, smtp_server):
    addresses = [f"learner{n}@example.org" for n in range(40)]
    with Session(race_engine) as session:
        session.add_all(
            OutboxMail(to_address=address, subject=SUBJECT, body_text=BODY) for address in addresses
        )
        session.commit()
    start = Barrier(2)

    def worker() -> Any:
        factory = sessionmaker(bind=race_engine, expire_on_commit=False)
        transport = SlowSMTPTransport(smtp_settings(app, smtp_server.port))
        start.wait()
        return deliver_due(factory, transport)

    with ThreadPoolExecutor(max_workers=2) as pool:
        reports = [future.result() for future in [pool.submit(worker) for _ in range(2)]]

    assert sorted(r for received in smtp_server.received for r in received.rcpt_tos) == sorted(
        addresses
    )
    assert sum(report.sent for report in reports) == 40
    assert all(report.sent > 0 for report in reports), "the workers did not overlap"
    with Session(race_engine) as session:
        statuses = session.execute(
            select(OutboxMail.status, func.count()).group_by(OutboxMail.status)
        ).all()
        assert dict(statuses) == {MailStatus.SENT: 40}
        assert session.scalar(select(func.max(OutboxMail.attempts))) == 1
