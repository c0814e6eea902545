"""SECRET_KEY and PASSWORD_HASH_METHOD: strong enough for production."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from ..services import passwords
from .report import CheckReport

KEY_COMMAND = "python -c 'import secrets; print(secrets.token_urlsafe(48))'"

_SECRET_MIN_LENGTH = 32
_SECRET_MIN_DISTINCT = 12
# Words found in example and placeholder keys, never (in practice) in a random one.
_PLACEHOLDER_WORDS = ("change", "secret", "example", "default", "placeholder", "insecure")
# The minimums of the OWASP Password Storage Cheat Sheet: Argon2id's memory (KiB) for each
# number of iterations (5 or more: the last), scrypt's p for each N (with r=8; 2^17 and
# more: 1), PBKDF2's iterations for each HMAC.
_ARGON2ID_MIN_MEMORY_KIB = {1: 47104, 2: 19456, 3: 12288, 4: 9216, 5: 7168}
_SCRYPT_MIN_P = {2**13: 10, 2**14: 5, 2**15: 3, 2**16: 2, 2**17: 1}
_PBKDF2_MIN_ITERATIONS = {"sha256": 600_000, "sha512": 220_000, "sha1": 1_400_000}


def check_secret_key(config: Mapping[str, Any], report: CheckReport, production: bool) -> None:
    key = config.get("SECRET_KEY")
    if not key:
        report.errors.append(f"SECRET_KEY is not set. Set ACADEMY_SECRET_KEY to e.g. {KEY_COMMAND}")
        return
    if not isinstance(key, str | bytes):
        report.errors.append("SECRET_KEY must be a string")
        return
    if not production:
        return  # development generates a strong one; a test's may be anything
    text = key.decode("latin-1") if isinstance(key, bytes) else key
    lowered = text.lower()
    reason = None
    if len(text) < _SECRET_MIN_LENGTH:
        reason = f"only {len(text)} characters; use at least {_SECRET_MIN_LENGTH}"
    elif len(set(text)) < _SECRET_MIN_DISTINCT:
        reason = "it repeats a few characters; it must be random"
    elif any(word in lowered for word in _PLACEHOLDER_WORDS) or "not-for-production" in lowered:
        reason = "it looks like an example or placeholder"
    if reason:
        report.errors.append(
            f"SECRET_KEY is weak: {reason}. Set ACADEMY_SECRET_KEY to a new random value, "
            f"e.g. {KEY_COMMAND} (everyone is logged out once)"
        )


def check_password_hash(config: Mapping[str, Any], report: CheckReport, production: bool) -> None:
    method = str(config.get("PASSWORD_HASH_METHOD"))
    try:
        settings = passwords.parse_method(method)
    except passwords.UnknownMethod as error:
        report.errors.append(f"PASSWORD_HASH_METHOD {error}")
        return
    if production and not meets_owasp_minimum(settings):
        report.errors.append(
            f"PASSWORD_HASH_METHOD {method!r} is below the OWASP minimum for production; "
            "use argon2id (the default: m=19456 KiB, t=2, p=1)"
        )


def meets_owasp_minimum(settings: passwords.Method) -> bool:
    """Whether a method is at least as strong as one of the OWASP Password Storage Cheat
    Sheet's settings for it."""
    if isinstance(settings, passwords.Argon2idSettings):
        floor = _ARGON2ID_MIN_MEMORY_KIB[min(settings.time_cost, 5)]
        return settings.memory_kib >= floor
    name, *params = settings.parts
    if name == "scrypt":
        n, r, p = map(int, params)
        if r < 8 or n < 2**13:
            return False
        return p >= _SCRYPT_MIN_P[min(n, 2**17)]
    hash_name, iterations = params[0], int(params[1])
    return iterations >= _PBKDF2_MIN_ITERATIONS.get(hash_name, float("inf"))
