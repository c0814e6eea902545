"""The second factor: a code from an authenticator app (TOTP, RFC 6238) or one of ten
single-use recovery codes.

Required of administrators and organizers who sign in with a password (the setting
SECOND_FACTOR_FOR_STAFF), optional for everyone else; people signed in by their
organisation's provider are not asked (the provider has its own). A code is accepted
one time step either side of now (a code typed as it changes, a phone's clock half a
minute off), and only for a step later than the last one accepted, so that a code seen
over someone's shoulder cannot be used again. Both checks are a single conditional
UPDATE, so two requests racing with the same code cannot both pass.
"""

from __future__ import annotations

import hashlib
import hmac
import secrets
from dataclasses import dataclass
from datetime import datetime

import pyotp
from sqlalchemy import delete, exists, func, select, update
from sqlalchemy.orm import Session

from ..models import ExternalIdentity, Organizer, RecoveryCode, SecondFactor, User, utcnow
from . import audit
from .accounts import end_all_sessions
from .certificate_pdf import qr_svg_data_uri

STEP_SECONDS = 30
DIGITS = 6
# Steps either side of now that are still accepted.
WINDOW = 1
RECOVERY_CODE_COUNT = 10
# 16 characters of 31 (no 0/o, 1/l/i): 79 bits, grouped by four to copy.
_RECOVERY_ALPHABET = "abcdefghjkmnpqrstuvwxyz23456789"
_RECOVERY_LENGTH = 16


@dataclass(frozen=True)
class Enrolment:
    """What the person needs to set up their app: the secret, as a QR code and as text."""

    secret: str
    uri: str
    qr: str

    @property
    def grouped_secret(self) -> str:
        return " ".join(self.secret[i : i + 4] for i in range(0, len(self.secret), 4))


def new_secret() -> str:
    return pyotp.random_base32()


def valid_secret(secret: object) -> bool:
    """Whether ``secret`` is one :func:`new_secret` could have made (for a value kept in
    the browser's session between the two steps of enrolment)."""
    return (
        isinstance(secret, str)
        and len(secret) == 32
        and all(c in "ABCDEFGHIJKLMNOPQRSTUVWXYZ234567" for c in secret)
    )


def enrolment(secret: str, account_name: str, issuer: str) -> Enrolment:
    uri = pyotp.TOTP(secret, digits=DIGITS, interval=STEP_SECONDS).provisioning_uri(
        name=account_name, issuer_name=issuer
    )
    return Enrolment(secret=secret, uri=uri, qr=qr_svg_data_uri(uri))


def factor_of(session: Session, user_id: int) -> SecondFactor | None:
    return session.scalar(select(SecondFactor).where(SecondFactor.user_id == user_id))


def is_staff(session: Session, user: User) -> bool:
    """Administrators and organizers: they see other people's data."""
    if user.is_admin:
        return True
    return bool(session.scalar(select(exists().where(Organizer.user_id == user.id))))


def needed_after_password(session: Session, user: User, *, staff_required: bool) -> str:
    """What a password sign-in still needs: "code" (the person has an app), "enrol"
    (staff, when the setting requires it, without one yet) or "" (nothing)."""
    if factor_of(session, user.id) is not None:
        return "code"
    if staff_required and is_staff(session, user):
        return "enrol"
    return ""


def _normalized_code(code: str) -> str:
    return "".join(code.split())


def _matching_step(secret: str, code: str, now: datetime, after: int | None) -> int | None:
    """The time step whose code is ``code``, within the window and after ``after``."""
    code = _normalized_code(code)
    if len(code) != DIGITS or not code.isascii() or not code.isdigit():
        return None
    totp = pyotp.TOTP(secret, digits=DIGITS, interval=STEP_SECONDS)
    current = totp.timecode(now)
    for step in range(current - WINDOW, current + WINDOW + 1):
        if after is not None and step <= after:
            continue
        if hmac.compare_digest(totp.generate_otp(step), code):
            return step
    return None


def check_code(
    session: Session, factor: SecondFactor, code: str, now: datetime | None = None
) -> bool:
    """Whether ``code`` is the app's code now and not used before; marks its step used."""
    step = _matching_step(factor.secret, code, now or utcnow(), factor.last_used_step)
    if step is None:
        return False
    claimed = session.execute(
        update(SecondFactor)
        .where(
            SecondFactor.id == factor.id,
            (SecondFactor.last_used_step.is_(None)) | (SecondFactor.last_used_step < step),
        )
        .values(last_used_step=step)
        .execution_options(synchronize_session=False)
    )
    if claimed.rowcount != 1:
        return False
    factor.last_used_step = step
    return True


def _hash_recovery_code(code: str) -> str:
    normalized = "".join(ch for ch in code.lower() if ch.isalnum())
    return hashlib.sha256(normalized.encode()).hexdigest()


def looks_like_recovery_code(code: str) -> bool:
    return len([ch for ch in code if ch.isalnum()]) == _RECOVERY_LENGTH


def _new_recovery_code() -> str:
    raw = "".join(secrets.choice(_RECOVERY_ALPHABET) for _ in range(_RECOVERY_LENGTH))
    return "-".join(raw[i : i + 4] for i in range(0, _RECOVERY_LENGTH, 4))


def new_recovery_codes(session: Session, user_id: int) -> list[str]:
    """Ten new recovery codes, replacing any earlier ones; only their hashes are kept."""
    session.execute(delete(RecoveryCode).where(RecoveryCode.user_id == user_id))
    codes = [_new_recovery_code() for _ in range(RECOVERY_CODE_COUNT)]
    session.add_all(
        RecoveryCode(user_id=user_id, code_hash=_hash_recovery_code(code)) for code in codes
    )
    session.flush()
    return codes


def use_recovery_code(session: Session, user_id: int, code: str) -> bool:
    """Whether ``code`` is one of the person's unused recovery codes; it is used up."""
    if not looks_like_recovery_code(code):
        return False
    used = session.execute(
        update(RecoveryCode)
        .where(
            RecoveryCode.user_id == user_id,
            RecoveryCode.code_hash == _hash_recovery_code(code),
            RecoveryCode.used_at.is_(None),
        )
        .values(used_at=utcnow())
        .execution_options(synchronize_session=False)
    )
    if used.rowcount != 1:
        return False
    audit.record(
        session,
        "second_factor.recovery_code_used",
        actor_id=user_id,
        object_type="user",
        object_id=user_id,
    )
    return True


def recovery_codes_left(session: Session, user_id: int) -> int:
    return (
        session.scalar(
            select(func.count())
            .select_from(RecoveryCode)
            .where(RecoveryCode.user_id == user_id, RecoveryCode.used_at.is_(None))
        )
        or 0
    )


def passes(session: Session, user: User, code: str, now: datetime | None = None) -> bool:
    """The second step of a sign-in: an app code, or else a recovery code."""
    factor = factor_of(session, user.id)
    if factor is None:
        return False
    if looks_like_recovery_code(code):
        return use_recovery_code(session, user.id, code)
    return check_code(session, factor, code, now)


def enrol(
    session: Session, user: User, secret: str, code: str, now: datetime | None = None
) -> list[str] | None:
    """Turn the second factor on with ``secret`` once ``code`` shows the app has it;
    replaces an earlier app. Returns the new recovery codes, or None for a wrong code."""
    step = _matching_step(secret, code, now or utcnow(), None)
    if step is None:
        return None
    replaced = factor_of(session, user.id)
    if replaced is not None:
        session.delete(replaced)
        session.flush()
    session.add(SecondFactor(user_id=user.id, secret=secret, last_used_step=step))
    codes = new_recovery_codes(session, user.id)
    audit.record(
        session,
        "second_factor.replaced" if replaced else "second_factor.enrolled",
        actor_id=user.id,
        object_type="user",
        object_id=user.id,
    )
    return codes


def remove(session: Session, user: User, *, actor_id: int | None) -> bool:
    """Turn the second factor off (the person, or an administrator's reset); every
    session of the person ends. False if there was none."""
    factor = factor_of(session, user.id)
    codes = recovery_codes_left(session, user.id)
    if factor is None and not codes:
        return False
    erase(session, user.id)
    end_all_sessions(user)
    audit.record(
        session,
        "second_factor.removed" if actor_id == user.id else "second_factor.reset",
        actor_id=actor_id,
        object_type="user",
        object_id=user.id,
    )
    return True


def erase(session: Session, user_id: int) -> None:
    """Delete the person's second factor and recovery codes (with their account)."""
    session.execute(delete(RecoveryCode).where(RecoveryCode.user_id == user_id))
    session.execute(delete(SecondFactor).where(SecondFactor.user_id == user_id))


@dataclass(frozen=True)
class Status:
    """A person's second factor as the administrator sees it."""

    enrolled_at: datetime | None
    codes_left: int
    staff: bool
    # Where the person signs in besides the password: (issuer, address when linked).
    providers: tuple[tuple[str, str], ...] = ()


def status(session: Session, user: User) -> Status:
    factor = factor_of(session, user.id)
    links = session.execute(
        select(ExternalIdentity.issuer, ExternalIdentity.email)
        .where(ExternalIdentity.user_id == user.id)
        .order_by(ExternalIdentity.created_at)
    )
    return Status(
        enrolled_at=factor.created_at if factor else None,
        codes_left=recovery_codes_left(session, user.id) if factor else 0,
        staff=is_staff(session, user),
        providers=tuple((issuer, email) for issuer, email in links),
    )
