"""The client secrets of the providers, encrypted with keys from the settings.

SIGN_IN_ENCRYPTION_KEYS holds one or more Fernet keys (``flask --app academy sign-in
new-key`` makes one), separated by commas: the first encrypts, every one decrypts, so a
key is rotated by putting the new one first and saving each provider's secret again.
A database copy without the settings does not give away the secrets.
"""

from __future__ import annotations

from collections.abc import Iterable

from cryptography.fernet import Fernet, InvalidToken, MultiFernet
from flask import current_app


class NoKey(RuntimeError):
    """SIGN_IN_ENCRYPTION_KEYS is empty or holds no valid key."""


def new_key() -> str:
    return Fernet.generate_key().decode()


def configured_keys(value: object) -> list[str]:
    if isinstance(value, str):
        parts: Iterable[object] = value.split(",")
    elif isinstance(value, list | tuple):
        parts = value
    else:
        parts = ()
    return [part.strip() for part in parts if isinstance(part, str) and part.strip()]


def _fernet() -> MultiFernet:
    keys = configured_keys(current_app.config.get("SIGN_IN_ENCRYPTION_KEYS"))
    if not keys:
        raise NoKey("SIGN_IN_ENCRYPTION_KEYS is not set")
    try:
        return MultiFernet([Fernet(key) for key in keys])
    except ValueError as error:
        raise NoKey(f"SIGN_IN_ENCRYPTION_KEYS holds an invalid key: {error}") from error


def can_encrypt() -> bool:
    try:
        _fernet()
    except NoKey:
        return False
    return True


def encrypt(secret: str) -> str:
    return _fernet().encrypt(secret.encode()).decode()


def decrypt(token: str) -> str:
    """The secret; raises NoKey when no configured key opens it."""
    try:
        return _fernet().decrypt(token.encode()).decode()
    except InvalidToken as error:
        raise NoKey("no key in SIGN_IN_ENCRYPTION_KEYS opens the stored client secret") from error
