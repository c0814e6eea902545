"""SECRET_KEY and PASSWORD_HASH_METHOD: strong enough for production."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from .report import CheckReport

KEY_COMMAND = "python -c 'import secrets; print(secrets.token_urlsafe(48))'"

_SECRET_MIN_LENGTH = 32
_SECRET_MIN_DISTINCT = 12
# Words found in example and placeholder keys, never (in practice) in a random one.
_PLACEHOLDER_WORDS = ("change", "secret", "example", "default", "placeholder", "insecure")
# No cheaper than Werkzeug's own defaults (scrypt N=2**15; PBKDF2: OWASP's 600,000).
_MIN_SCRYPT_N = 2**15
_MIN_PBKDF2 = 600_000


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
    cost = _hash_cost(method)
    if cost is None:
        report.errors.append(
            f"PASSWORD_HASH_METHOD {method!r} is not a Werkzeug method like scrypt (the "
            "default), scrypt:32768:8:1 or pbkdf2:sha256:1000000"
        )
    elif production and cost < (_MIN_SCRYPT_N if method.startswith("scrypt") else _MIN_PBKDF2):
        report.errors.append(
            f"PASSWORD_HASH_METHOD {method!r} is too cheap for production; use scrypt (the default)"
        )


def _hash_cost(method: str) -> int | None:
    """scrypt's N or PBKDF2's iterations, as Werkzeug reads ``method``; None if it cannot.

    Parsed rather than tried: hashing once at the default cost takes a tenth of a second.
    """
    import hashlib

    from werkzeug.security import DEFAULT_PBKDF2_ITERATIONS

    name, *params = method.split(":")
    if name == "scrypt" and not params:
        return 2**15
    if name == "scrypt":
        valid = len(params) == 3 and all(param.isdigit() and int(param) for param in params)
        return int(params[0]) if valid else None
    if name != "pbkdf2" or len(params) > 2:
        return None
    try:
        hashlib.new(params[0] if params else "sha256")
    except ValueError:
        return None
    if len(params) < 2:
        return DEFAULT_PBKDF2_ITERATIONS
    return int(params[1]) if params[1].isdigit() and int(params[1]) else None
