"""Accounts: creating users, checking passwords, ending sessions, password resets."""

from __future__ import annotations

import hashlib

from flask import current_app
from itsdangerous import BadSignature, SignatureExpired, URLSafeTimedSerializer
from sqlalchemy import select
from sqlalchemy.orm import Session

from ..models import User, normalize_email, utcnow
from . import passwords
from .mail import absolute_url, queue_mail

_RESET_SALT = "academy.password-reset"


def hash_password(password: str) -> str:
    """``password`` hashed with PASSWORD_HASH_METHOD (``services.passwords``)."""
    return passwords.make_hash(password, current_app.config["PASSWORD_HASH_METHOD"])


def password_matches(user: User, password: str) -> bool:
    """Whether ``password`` is the user's; False for an account without one."""
    return user.password_hash is not None and passwords.matches(user.password_hash, password)


def find_user_by_email(session: Session, email: str) -> User | None:
    return session.scalar(select(User).where(User.email_normalized == normalize_email(email)))


def create_user(
    session: Session,
    *,
    email: str,
    name: str,
    certificate_name: str | None = None,
    locale: str = "en",
    password: str | None = None,
    is_admin: bool = False,
) -> User:
    user = User(
        email=email.strip(),
        email_normalized=normalize_email(email),
        name=name.strip(),
        certificate_name=(certificate_name or name).strip(),
        locale=locale,
        password_hash=hash_password(password) if password else None,
        is_admin=is_admin,
    )
    session.add(user)
    session.flush()
    return user


def authenticate(session: Session, email: str, password: str) -> User | None:
    """The user with this e-mail and password, or None.

    Hashes a password even for an unknown address so that the answer takes as long
    either way and does not tell which addresses have accounts. A hash made with another
    method or other parameters than PASSWORD_HASH_METHOD is replaced by one made with it
    once the password is right (the view commits it with the login).
    """
    user = find_user_by_email(session, email)
    if user is None or user.password_hash is None:
        passwords.matches(_dummy_hash(), password)
        return None
    if not passwords.matches(user.password_hash, password):
        return None
    if passwords.needs_rehash(user.password_hash, current_app.config["PASSWORD_HASH_METHOD"]):
        # Not set_password: the password is the same, so the sessions stay.
        user.password_hash = hash_password(password)
    user.last_login_at = utcnow()
    return user


_dummy_hashes: dict[str, str] = {}


def _dummy_hash() -> str:
    method = current_app.config["PASSWORD_HASH_METHOD"]
    if method not in _dummy_hashes:
        _dummy_hashes[method] = passwords.make_hash("not a password", method)
    return _dummy_hashes[method]


def end_all_sessions(user: User) -> None:
    """Make every existing session and remember cookie of this user invalid."""
    user.session_version += 1


def set_password(user: User, password: str) -> None:
    """Set a new password; every other session of the user ends."""
    user.password_hash = hash_password(password)
    end_all_sessions(user)


def _reset_serializer() -> URLSafeTimedSerializer:
    return URLSafeTimedSerializer(current_app.config["SECRET_KEY"], salt=_RESET_SALT)


def _reset_fingerprint(user: User) -> str:
    # Changes whenever the password or the session version does, which makes a reset
    # link single-use without storing it.
    material = f"{user.password_hash}:{user.session_version}".encode()
    return hashlib.sha256(material).hexdigest()[:32]


def make_reset_token(user: User) -> str:
    return _reset_serializer().dumps({"u": user.id, "f": _reset_fingerprint(user)})


def user_for_reset_token(session: Session, token: str) -> User | None:
    """The user a reset link is for, or None when it is forged, expired or used."""
    try:
        data = _reset_serializer().loads(
            token, max_age=current_app.config["PASSWORD_RESET_MAX_AGE"]
        )
    except (SignatureExpired, BadSignature):
        return None
    if not isinstance(data, dict) or not isinstance(data.get("u"), int):
        return None
    user = session.get(User, data["u"])
    if user is None or data.get("f") != _reset_fingerprint(user):
        return None
    return user


def request_password_reset(session: Session, email: str) -> None:
    """Queue a reset mail if the address has an account; do nothing visible otherwise.

    Its work differs between the two, so the view runs it after answering
    (``web.deferred.after_response``): its duration must not tell which addresses have
    accounts.
    """
    user = find_user_by_email(session, email)
    if user is None:
        return
    queue_mail(
        session,
        user.email,
        "password_reset",
        user.locale,
        user=user,
        link=absolute_url("account.reset_password", token=make_reset_token(user)),
        minutes=current_app.config["PASSWORD_RESET_MAX_AGE"] // 60,
    )


_EMAIL_SALT = "academy.email-change"


def make_email_change_token(user: User, new_email: str) -> str:
    serializer = URLSafeTimedSerializer(current_app.config["SECRET_KEY"], salt=_EMAIL_SALT)
    return serializer.dumps({"u": user.id, "e": new_email, "f": _reset_fingerprint(user)})


def email_change_for_token(session: Session, token: str) -> tuple[User, str] | None:
    """The user and the new address a confirmation link is for, or None."""
    serializer = URLSafeTimedSerializer(current_app.config["SECRET_KEY"], salt=_EMAIL_SALT)
    try:
        data = serializer.loads(token, max_age=current_app.config["EMAIL_CHANGE_MAX_AGE"])
    except (SignatureExpired, BadSignature):
        return None
    if not isinstance(data, dict) or not isinstance(data.get("u"), int):
        return None
    user = session.get(User, data["u"])
    if user is None or data.get("f") != _reset_fingerprint(user) or not data.get("e"):
        return None
    return user, data["e"]


def request_email_change(session: Session, user: User, new_email: str) -> None:
    """Mail a confirmation link to the new address; nothing changes until it is used."""
    queue_mail(
        session,
        new_email,
        "email_change",
        user.locale,
        user=user,
        link=absolute_url("account.confirm_email", token=make_email_change_token(user, new_email)),
    )


def change_email(session: Session, user: User, new_email: str) -> bool:
    """Switch to the confirmed address; False if another account has it meanwhile."""
    if find_user_by_email(session, new_email) is not None:
        return False
    user.email = new_email.strip()
    user.email_normalized = normalize_email(new_email)
    user.email_bounced_at = None
    end_all_sessions(user)
    return True
