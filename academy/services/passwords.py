"""Password hashes: made with the configured method, checked with whichever made them.

``PASSWORD_HASH_METHOD`` names the method new hashes are made with:

- ``argon2id`` (the default): Argon2id with the first settings of the OWASP Password
  Storage Cheat Sheet, m=19456 KiB (19 MiB), t=2, p=1; ``argon2id:M:T:P`` for others
  (memory in KiB, iterations, lanes). Stored in the PHC format
  ``$argon2id$v=19$m=19456,t=2,p=1$salt$hash`` (argon2-cffi).
- a Werkzeug method (``scrypt``, ``scrypt:N:R:P``, ``pbkdf2:sha256:ITERATIONS``), stored
  as Werkzeug stores it, ``method$salt$hash``; the tests use ``pbkdf2:sha256:1``.

Every stored hash carries its method and parameters, so hashes made with an earlier
setting keep working; ``needs_rehash`` says when one differs from the configured method,
and a successful login then stores a new hash (``accounts.authenticate``).

Why Argon2id at 19 MiB: a class of 70 signs in within seconds on two CPUs. A check costs
about 15 ms of CPU here; Werkzeug's scrypt default (N=2^15, Academy's before) 62 ms, and is
below OWASP's minimum of N=2^17, which costs 265 ms. The figures: ``bench/README.md`` ("A
class signing in"), ``python -m bench.password_hashes`` and ``docs/decisions.md``.
"""

from __future__ import annotations

from dataclasses import dataclass
from functools import lru_cache

from argon2 import PasswordHasher, Type
from argon2.exceptions import InvalidHashError, VerificationError
from werkzeug.security import (
    DEFAULT_PBKDF2_ITERATIONS,
    check_password_hash,
    generate_password_hash,
)

ARGON2ID = "argon2id"
# OWASP Password Storage Cheat Sheet, Argon2id: m=19456 (19 MiB), t=2, p=1.
ARGON2ID_MEMORY_KIB = 19456
ARGON2ID_TIME_COST = 2
ARGON2ID_PARALLELISM = 1
_ARGON2_PREFIX = "$argon2"


class UnknownMethod(ValueError):
    """PASSWORD_HASH_METHOD names no method this module can hash with."""


@dataclass(frozen=True)
class Argon2idSettings:
    memory_kib: int
    time_cost: int
    parallelism: int

    @property
    def method(self) -> str:
        return f"{ARGON2ID}:{self.memory_kib}:{self.time_cost}:{self.parallelism}"


@dataclass(frozen=True)
class WerkzeugMethod:
    # As Werkzeug writes it into the hashes it makes: scrypt:N:R:P or pbkdf2:NAME:ITERATIONS.
    method: str

    @property
    def parts(self) -> tuple[str, ...]:
        return tuple(self.method.split(":"))


Method = Argon2idSettings | WerkzeugMethod


@lru_cache(maxsize=32)
def parse_method(method: str) -> Method:
    """``method`` with every parameter spelled out; ``UnknownMethod`` when it is none.

    Read without hashing (a hash at production's cost takes tens of milliseconds).
    """
    name, *params = str(method).strip().split(":")
    if name == ARGON2ID:
        if not params:
            return Argon2idSettings(ARGON2ID_MEMORY_KIB, ARGON2ID_TIME_COST, ARGON2ID_PARALLELISM)
        numbers = _positive_integers(params, 3)
        if numbers is None:
            raise UnknownMethod(f"{method!r}: argon2id takes memory (KiB), iterations and lanes")
        memory_kib, time_cost, parallelism = numbers
        # Argon2's own floor: at least 8 KiB of memory per lane.
        if memory_kib < 8 * parallelism:
            raise UnknownMethod(f"{method!r}: argon2id needs at least 8 KiB per lane")
        return Argon2idSettings(memory_kib, time_cost, parallelism)
    if name == "scrypt":
        if not params:
            return WerkzeugMethod("scrypt:32768:8:1")
        numbers = _positive_integers(params, 3)
        if numbers is None:
            raise UnknownMethod(f"{method!r}: scrypt takes N, r and p")
        n, r, p = numbers
        if n & (n - 1) or n < 2:
            raise UnknownMethod(f"{method!r}: scrypt's N must be a power of 2")
        return WerkzeugMethod(f"scrypt:{n}:{r}:{p}")
    if name == "pbkdf2" and len(params) <= 2:
        import hashlib

        hash_name = params[0] if params else "sha256"
        try:
            hashlib.new(hash_name)
        except ValueError:
            raise UnknownMethod(f"{method!r}: no hash function {hash_name!r}") from None
        if len(params) < 2:
            return WerkzeugMethod(f"pbkdf2:{hash_name}:{DEFAULT_PBKDF2_ITERATIONS}")
        numbers = _positive_integers(params[1:], 1)
        if numbers is None:
            raise UnknownMethod(f"{method!r}: pbkdf2's iterations must be a whole number")
        return WerkzeugMethod(f"pbkdf2:{hash_name}:{numbers[0]}")
    raise UnknownMethod(
        f"{method!r} is not a method like argon2id (the default), argon2id:19456:2:1, "
        "scrypt:131072:8:1 or pbkdf2:sha256:600000"
    )


def _positive_integers(params: list[str], count: int) -> tuple[int, ...] | None:
    if len(params) != count or not all(param.isdigit() and int(param) > 0 for param in params):
        return None
    return tuple(int(param) for param in params)


@lru_cache(maxsize=8)
def _argon2(settings: Argon2idSettings) -> PasswordHasher:
    return PasswordHasher(
        time_cost=settings.time_cost,
        memory_cost=settings.memory_kib,
        parallelism=settings.parallelism,
        hash_len=32,
        salt_len=16,
        type=Type.ID,
    )


def make_hash(password: str, method: str) -> str:
    """``password`` hashed with ``method`` (with a new random salt)."""
    settings = parse_method(method)
    if isinstance(settings, Argon2idSettings):
        return _argon2(settings).hash(password)
    return generate_password_hash(password, method=settings.method)


def matches(stored: str, password: str) -> bool:
    """Whether ``password`` is the one ``stored`` was made from, whatever method made it.

    A stored value that is no hash at all matches nothing.
    """
    if stored.startswith(_ARGON2_PREFIX):
        try:
            # Any Argon2 hasher verifies any Argon2 hash: the parameters are read from it.
            return _argon2(parse_method(ARGON2ID)).verify(stored, password)
        except (VerificationError, InvalidHashError):
            return False
    try:
        return check_password_hash(stored, password)
    except ValueError:
        return False


def needs_rehash(stored: str, method: str) -> bool:
    """Whether ``stored`` was made with another method or other parameters than
    ``method``: a successful login then replaces it."""
    settings = parse_method(method)
    if stored.startswith(_ARGON2_PREFIX):
        if not isinstance(settings, Argon2idSettings):
            return True
        try:
            return _argon2(settings).check_needs_rehash(stored)
        except InvalidHashError:
            return True
    if isinstance(settings, Argon2idSettings):
        return True
    stored_method = stored.split("$", 1)[0]
    try:
        return parse_method(stored_method) != settings
    except UnknownMethod:
        return True
