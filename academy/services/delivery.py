"""Delivering the mail outbox: claim due rows, send them, record what happened.

``flask --app academy mail send`` calls :func:`deliver_due`; it works in batches and
commits after every claim and every result, so that other workers see them at once.

Claiming. A worker claims one row at a time with a conditional UPDATE that only succeeds
while the row is queued, due and unclaimed (or its claim has expired), commits, and sends
only if that UPDATE changed exactly one row. Two workers running at once therefore never
send the same mail twice, on SQLite and PostgreSQL alike. A claim lasts
``CLAIM_DURATION`` (10 minutes): if a worker dies after claiming, another one sends the
mail once the claim has expired. A worker that dies between sending and recording sends
that one mail again later: delivery is at least once.

Retries. A temporary failure (the server cannot be reached, a timeout, a 4xx reply, a
refused login) puts the mail back in the queue with ``next_attempt_at`` moved by:

    after attempt   1    2    3     4    5    6 and later
    wait            1m   5m   15m   1h   4h   12h

After ``MAIL_MAX_ATTEMPTS`` attempts (default 8, about 29 hours after the first) the mail
is marked ``failed``, unless the failures were the server's or our configuration's (it
cannot be reached, refuses our login or sender, answers 421): those end the batch and
never give a mail up, so a weekend's outage loses nothing; it is retried every 12 hours
until the server is back. ``last_error`` keeps the most recent error text (at most 1,000
characters). When the server cannot be reached at all, the batch stops after the first
mail; the rest stay due and are tried on the next run.

Bounces. A permanent rejection stops retrying and marks the mail ``bounced``:

* the recipient refused with a 5xx reply (``550 5.1.1 no such user``): the address is
  also marked bounced: ``User.email_bounced_at`` for the user whose normalised address it
  is, ``Invitation.bounced_at`` for invitations to it that are not accepted;
* a 5xx reply to the message itself (``554 message rejected``): the mail is bounced, and
  the address is marked only when the enhanced status code blames the address or the
  mailbox (``5.1.x``, ``5.2.x``), since a message refused as too large or as spam says
  nothing about the address.

Not bounces, because they are our configuration's fault and must not mark every
recipient bounced: authentication replies (530, 534, 535, 538) and a refused sender
address (``MAIL FROM``). They are retried like temporary failures and, like an unreachable
server or a 421 reply, end the batch.
"""

from __future__ import annotations

import logging
import secrets
import smtplib
import ssl
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from datetime import datetime, timedelta
from email.message import EmailMessage
from email.policy import SMTP as SMTP_POLICY
from email.utils import format_datetime, make_msgid, parseaddr
from typing import Any, Protocol, TextIO, cast

from sqlalchemy import ColumnElement, CursorResult, Result, Update, func, or_, select, update
from sqlalchemy.orm import Session, sessionmaker

from ..models import Invitation, MailStatus, OutboxMail, User, normalize_email, utcnow

log = logging.getLogger(__name__)

#: Minutes to wait after the 1st, 2nd, ... failed attempt; the last value repeats.
BACKOFF_MINUTES: tuple[int, ...] = (1, 5, 15, 60, 240, 720)
DEFAULT_MAX_ATTEMPTS = 8
CLAIM_DURATION = timedelta(minutes=10)
LAST_ERROR_MAX_LENGTH = 1000
# Replies that mean our credentials or TLS set-up are wrong, not the recipient.
AUTH_REPLY_CODES = frozenset({530, 534, 535, 538})
# Replies after which the rest of the batch would fail the same way (421: server closing).
_STOP_BATCH_CODES = AUTH_REPLY_CODES | {421}


@dataclass(frozen=True)
class OutgoingMail:
    """What a transport needs of one claimed outbox row."""

    id: int
    to_address: str
    subject: str
    body_text: str
    body_html: str = ""


class DeliveryError(Exception):
    """A transport could not deliver one mail.

    ``permanent``: do not retry (the mail bounced). ``address_rejected``: the address itself
    is bad; mark it bounced. ``stop_batch``: the problem is the server or our settings, not
    this mail, so trying the rest of the batch now would only fail the same way.
    """

    def __init__(
        self,
        message: str,
        *,
        permanent: bool = False,
        address_rejected: bool = False,
        stop_batch: bool = False,
    ) -> None:
        super().__init__(message)
        self.message = message
        self.permanent = permanent
        self.address_rejected = address_rejected
        self.stop_batch = stop_batch


class Transport(Protocol):
    """Sends mails one by one; ``close`` ends the batch (and any connection)."""

    def send(self, mail: OutgoingMail) -> None:
        """Deliver ``mail`` or raise :class:`DeliveryError`."""

    def close(self) -> None:
        """Release what the batch used."""


@dataclass
class DeliveryReport:
    """What one :func:`deliver_due` run did."""

    sent: int = 0
    retried: int = 0
    failed: int = 0
    bounced: int = 0
    # Why the run ended before its batch was done ("" when it was not).
    stopped_because: str = ""

    @property
    def attempted(self) -> int:
        return self.sent + self.retried + self.failed + self.bounced

    def summary(self) -> str:
        return (
            f"Mail: {self.sent} sent, {self.retried} to retry, "
            f"{self.failed} failed, {self.bounced} bounced."
        )


def retry_delay(attempts: int) -> timedelta:
    """How long to wait after the ``attempts``-th failed attempt (1-based)."""
    index = min(max(attempts, 1), len(BACKOFF_MINUTES)) - 1
    return timedelta(minutes=BACKOFF_MINUTES[index])


def deliver_due(
    session_factory: sessionmaker[Session],
    transport: Transport,
    now: datetime | None = None,
    limit: int = 100,
    max_attempts: int = DEFAULT_MAX_ATTEMPTS,
    should_stop: Callable[[], bool] | None = None,
) -> DeliveryReport:
    """Send up to ``limit`` due mails through ``transport`` and record each result.

    Unlike other services this one commits, after every claim and every result: a claim
    must be visible to other workers before the mail goes out. It therefore takes a
    session factory rather than a session. ``now`` fixes the clock (tests); by default
    every claim and result uses the current time, so long batches never hold stale claims.
    ``should_stop`` is asked between mails (a worker that received SIGTERM).
    """
    clock: Callable[[], datetime] = utcnow if now is None else lambda: now
    report = DeliveryReport()
    with session_factory() as session:
        try:
            due = _due_ids(session, clock(), limit)
            # End the reading transaction before claiming: SQLite cannot turn a read into a
            # write once another worker has committed since, but waits for a fresh write.
            session.commit()
            for mail_id in due:
                if should_stop is not None and should_stop():
                    report.stopped_because = "stop requested"
                    break
                token = secrets.token_hex(16)
                mail, attempts = _claim(session, mail_id, token, clock())
                session.commit()
                if mail is None:
                    continue  # another worker has it
                error = _send(transport, mail)
                _record(session, mail, token, attempts, error, clock(), max_attempts, report)
                session.commit()
                if error is not None and error.stop_batch:
                    report.stopped_because = error.message
                    break
        finally:
            transport.close()
    return report


def _due_ids(session: Session, now: datetime, limit: int) -> list[int]:
    return list(
        session.scalars(
            select(OutboxMail.id)
            .where(_claimable(now))
            .order_by(OutboxMail.next_attempt_at, OutboxMail.id)
            .limit(limit)
        )
    )


def _claimable(now: datetime) -> ColumnElement[bool]:
    # Due is part of the claim condition too: a row another worker has just rescheduled
    # after a failure is still queued and unclaimed, but not due again yet.
    return (
        (OutboxMail.status == MailStatus.QUEUED)
        & (OutboxMail.next_attempt_at <= now)
        & or_(OutboxMail.claimed_until.is_(None), OutboxMail.claimed_until < now)
    )


def _claim(
    session: Session, mail_id: int, token: str, now: datetime
) -> tuple[OutgoingMail | None, int]:
    """Claim one row; the mail and its attempts so far, or ``(None, 0)`` if it was taken."""
    claimed = _execute_update(
        session,
        update(OutboxMail)
        .where(OutboxMail.id == mail_id, _claimable(now))
        .values(claimed_until=now + CLAIM_DURATION, claim_token=token),
    )
    if claimed != 1:
        return None, 0
    row = session.execute(
        select(
            OutboxMail.to_address,
            OutboxMail.subject,
            OutboxMail.body_text,
            OutboxMail.body_html,
            OutboxMail.attempts,
        ).where(OutboxMail.id == mail_id)
    ).one()
    mail = OutgoingMail(mail_id, row.to_address, row.subject, row.body_text, row.body_html)
    return mail, row.attempts


def _send(transport: Transport, mail: OutgoingMail) -> DeliveryError | None:
    try:
        transport.send(mail)
    except DeliveryError as error:
        return error
    except Exception as error:
        # A bug or an unexpected library error must not kill the worker while it holds a
        # claim; it counts as a failed attempt, so the cap ends it.
        log.exception("Sending outbox mail %s failed unexpectedly", mail.id)
        return DeliveryError(_describe(error))
    return None


def _record(
    session: Session,
    mail: OutgoingMail,
    token: str,
    attempts_before: int,
    error: DeliveryError | None,
    now: datetime,
    max_attempts: int,
    report: DeliveryReport,
) -> None:
    attempts = attempts_before + 1
    values: dict[str, Any] = {"attempts": attempts, "claimed_until": None, "claim_token": None}
    if error is None:
        values.update(status=MailStatus.SENT, sent_at=now)
        report.sent += 1
    else:
        values["last_error"] = error.message[:LAST_ERROR_MAX_LENGTH]
        if error.permanent:
            values["status"] = MailStatus.BOUNCED
            report.bounced += 1
        elif attempts >= max_attempts and not error.stop_batch:
            values["status"] = MailStatus.FAILED
            report.failed += 1
        else:
            values["next_attempt_at"] = now + retry_delay(attempts)
            report.retried += 1
        log.warning("Outbox mail %s, attempt %s: %s", mail.id, attempts, error.message)
    recorded = _execute_update(
        session,
        update(OutboxMail)
        .where(OutboxMail.id == mail.id, OutboxMail.claim_token == token)
        .values(**values),
    )
    if recorded != 1:
        # Only possible when sending outlasted the claim and another worker took the row.
        log.warning("Outbox mail %s: claim expired before its result was recorded", mail.id)
    if error is not None and error.address_rejected:
        mark_address_bounced(session, mail.to_address, now)


def mark_address_bounced(session: Session, address: str, when: datetime) -> None:
    """Record that mail to ``address`` bounces, on its user and its open invitations.

    Earlier bounce times are kept. Uses UPDATE statements only (no reads first), which
    keeps SQLite write transactions simple. SQLite's ``lower`` folds ASCII only, so an
    invitation address with capital non-ASCII letters would not match there.
    """
    _execute_update(
        session,
        update(User)
        .where(
            User.email_normalized == normalize_email(address),
            User.email_bounced_at.is_(None),
        )
        .values(email_bounced_at=when),
    )
    _execute_update(
        session,
        update(Invitation)
        .where(
            func.lower(Invitation.email) == address.strip().lower(),
            Invitation.accepted_at.is_(None),
            Invitation.bounced_at.is_(None),
        )
        .values(bounced_at=when),
    )


def _execute_update(session: Session, statement: Update) -> int:
    """Run a bulk UPDATE and return how many rows it changed."""
    # No ORM objects are loaded in these sessions, so there is nothing to synchronise.
    result: Result[Any] = session.execute(
        statement, execution_options={"synchronize_session": False}
    )
    return cast(CursorResult[Any], result).rowcount


def _describe(error: BaseException) -> str:
    text = str(error).strip()
    return f"{type(error).__name__}: {text}" if text else type(error).__name__


# --- Transports ----------------------------------------------------------------------


def build_message(mail: OutgoingMail, sender: str, when: datetime | None = None) -> EmailMessage:
    """The RFC 5322 message for ``mail``: UTF-8 text, headers encoded where needed."""
    message = EmailMessage(policy=SMTP_POLICY)
    message["From"] = sender
    message["To"] = mail.to_address
    message["Subject"] = mail.subject
    message["Date"] = format_datetime(when or utcnow())
    message["Message-ID"] = make_msgid(idstring=f"outbox{mail.id}", domain=_domain(sender))
    # Asks auto-responders (holiday replies) not to answer (RFC 3834).
    message["Auto-Submitted"] = "auto-generated"
    # Quoted-printable keeps the message 7-bit, so any relay passes Å Ä Ö Æ Ø unharmed.
    message.set_content(mail.body_text, charset="utf-8", cte="quoted-printable")
    if mail.body_html:
        message.add_alternative(mail.body_html, subtype="html", cte="quoted-printable")
    return message


def _domain(sender: str) -> str:
    _, _, domain = parseaddr(sender)[1].rpartition("@")
    return domain or "localhost"


class SMTPTransport:
    """Sends through the SMTP server in the MAIL_* settings, one connection per batch.

    The connection opens with the first mail and closes with :meth:`close`.
    """

    def __init__(self, settings: Mapping[str, Any]) -> None:
        self.host = str(settings["MAIL_SERVER"])
        self.port = int(settings["MAIL_PORT"])
        self.username = str(settings.get("MAIL_USERNAME") or "")
        self.password = str(settings.get("MAIL_PASSWORD") or "")
        self.starttls = bool(settings.get("MAIL_STARTTLS"))
        self.use_ssl = bool(settings.get("MAIL_SSL"))
        self.timeout = float(settings["MAIL_TIMEOUT"])
        self.sender = str(settings["MAIL_FROM"])
        self.envelope_from = parseaddr(self.sender)[1]
        self._smtp: smtplib.SMTP | None = None

    def send(self, mail: OutgoingMail) -> None:
        message = build_message(mail, self.sender)
        try:
            smtp = self._connection()
        except (smtplib.SMTPException, OSError) as error:
            raise DeliveryError(
                f"cannot use {self.host}:{self.port}: {_smtp_text(error)}", stop_batch=True
            ) from error
        try:
            smtp.send_message(message, from_addr=self.envelope_from, to_addrs=[mail.to_address])
        except (smtplib.SMTPException, OSError) as error:
            failure = classify_smtp_error(error)
            if failure.stop_batch:
                self.close()  # the connection may be half-dead; the next batch reconnects
            raise failure from error

    def close(self) -> None:
        smtp, self._smtp = self._smtp, None
        if smtp is None:
            return
        try:
            smtp.quit()
        except (smtplib.SMTPException, OSError):
            pass  # saying goodbye politely is optional
        finally:
            smtp.close()

    def _connection(self) -> smtplib.SMTP:
        if self._smtp is None:
            self._smtp = self._connect()
        return self._smtp

    def _connect(self) -> smtplib.SMTP:
        context = ssl.create_default_context()
        smtp: smtplib.SMTP
        if self.use_ssl:
            smtp = smtplib.SMTP_SSL(self.host, self.port, timeout=self.timeout, context=context)
        else:
            smtp = smtplib.SMTP(self.host, self.port, timeout=self.timeout)
        try:
            if self.starttls:
                smtp.starttls(context=context)
            if self.username:
                smtp.login(self.username, self.password)
        except BaseException:
            smtp.close()
            raise
        return smtp


def classify_smtp_error(error: smtplib.SMTPException | OSError) -> DeliveryError:
    """Turn an smtplib error raised while sending one message into a :class:`DeliveryError`.

    The rules are in the module docstring. Errors while connecting and logging in are not
    classified here: they never bounce a mail.
    """
    text = _smtp_text(error)
    if isinstance(error, smtplib.SMTPRecipientsRefused):
        codes = {code for code, _ in error.recipients.values()}
        if codes & _STOP_BATCH_CODES:
            return DeliveryError(text, stop_batch=True)
        if codes and min(codes) >= 500:
            return DeliveryError(text, permanent=True, address_rejected=True)
        return DeliveryError(text)
    if isinstance(error, smtplib.SMTPSenderRefused):
        return DeliveryError(f"sender refused (check MAIL_FROM): {text}", stop_batch=True)
    if isinstance(error, smtplib.SMTPResponseException):
        if error.smtp_code in _STOP_BATCH_CODES:
            return DeliveryError(text, stop_batch=True)
        if error.smtp_code >= 500:
            reason = _reply_text(error.smtp_error)
            return DeliveryError(
                text, permanent=True, address_rejected=reason.startswith(("5.1.", "5.2."))
            )
        return DeliveryError(text)
    if isinstance(error, smtplib.SMTPServerDisconnected) or not isinstance(
        error, smtplib.SMTPException
    ):
        return DeliveryError(text, stop_batch=True)  # connection lost, timeout
    return DeliveryError(text)


def _smtp_text(error: BaseException) -> str:
    """A one-line description with the server's replies, e.g. ``550 5.1.1 no such user``."""
    if isinstance(error, smtplib.SMTPRecipientsRefused):
        return "; ".join(
            f"{address}: {code} {_reply_text(reply)}"
            for address, (code, reply) in error.recipients.items()
        )
    if isinstance(error, smtplib.SMTPResponseException):
        return f"{error.smtp_code} {_reply_text(error.smtp_error)}"
    return _describe(error)


def _reply_text(reply: bytes | str) -> str:
    text = reply.decode("utf-8", "replace") if isinstance(reply, bytes) else reply
    return " ".join(text.split())


class ConsoleTransport:
    """Development: prints each mail instead of sending it; every mail counts as sent."""

    def __init__(self, stream: TextIO) -> None:
        self.stream = stream

    def send(self, mail: OutgoingMail) -> None:
        body = mail.body_text if mail.body_text.endswith("\n") else mail.body_text + "\n"
        self.stream.write(f"To: {mail.to_address}\nSubject: {mail.subject}\n\n{body}{'-' * 72}\n")
        self.stream.flush()

    def close(self) -> None:
        pass


def transport_from_settings(settings: Mapping[str, Any], stream: TextIO) -> Transport:
    """SMTP when MAIL_SERVER is set, else printing to ``stream``."""
    if settings.get("MAIL_SERVER"):
        return SMTPTransport(settings)
    return ConsoleTransport(stream)
