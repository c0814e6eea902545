"""Password hashes: the default method and its parameters, checking hashes of every method,
and when a stored hash is replaced (services/passwords.py)."""

from __future__ import annotations

import pytest
from werkzeug.security import generate_password_hash

from academy.config import DEFAULTS
from academy.services import passwords

PASSWORD = "a password made in 2026"
# Made by Academy before Argon2id, with Werkzeug's scrypt default (N=2^15, r=8, p=1), and
# by Werkzeug's PBKDF2 at OWASP's count: such rows are in production databases.
OLD_SCRYPT_HASH = (
    "scrypt:32768:8:1$kf6Gbk35I9rO3hfS$aebe6b73a0338b92fe36018bde9c8bab4ae3f88d87d5dc25acffade52e4"
    "960322f4125c98e6d52fce2d7076ae61ac5ac7f55e62b0b5c11d674387acb6a4da285"
)
OLD_PBKDF2_HASH = (
    "pbkdf2:sha256:600000$wPrE9QmUz8aaWAuF$868be92c68176d7e6c0c23de25ca8b2153d55682c5980be3acf8afd5d"
    "29ae8be"
)
# Cheap Argon2id settings for tests that need no real cost.
CHEAP_ARGON2ID = "argon2id:64:1:1"


def test_the_default_is_argon2id_at_the_owasp_setting():
    assert DEFAULTS["PASSWORD_HASH_METHOD"] == "argon2id"
    settings = passwords.parse_method("argon2id")
    assert settings == passwords.Argon2idSettings(memory_kib=19456, time_cost=2, parallelism=1)
    assert settings.method == "argon2id:19456:2:1"

    stored = passwords.make_hash(PASSWORD, "argon2id")

    # The PHC string carries the method and its parameters, and fits the column.
    assert stored.startswith("$argon2id$v=19$m=19456,t=2,p=1$")
    assert len(stored) <= 255
    assert passwords.matches(stored, PASSWORD)
    assert not passwords.needs_rehash(stored, "argon2id")
    assert not passwords.needs_rehash(stored, "argon2id:19456:2:1")


def test_each_hash_has_a_salt_of_its_own():
    first, second = (passwords.make_hash(PASSWORD, CHEAP_ARGON2ID) for _ in range(2))
    assert first != second
    assert passwords.matches(first, PASSWORD) and passwords.matches(second, PASSWORD)


@pytest.mark.parametrize(
    "stored",
    [
        OLD_SCRYPT_HASH,
        OLD_PBKDF2_HASH,
        generate_password_hash(PASSWORD, "pbkdf2:sha256:1"),
        generate_password_hash(PASSWORD, "scrypt:1024:8:1"),
        passwords.make_hash(PASSWORD, CHEAP_ARGON2ID),
        passwords.make_hash(PASSWORD, "argon2id:64:3:2"),
    ],
    ids=["scrypt-2^15", "pbkdf2-600000", "pbkdf2-1", "scrypt-1024", "argon2id", "argon2id-p2"],
)
def test_hashes_of_every_method_keep_working(stored):
    assert passwords.matches(stored, PASSWORD)
    assert not passwords.matches(stored, PASSWORD + " ")
    assert not passwords.matches(stored, "")


@pytest.mark.parametrize(
    "stored",
    ["", "plain text", "md5$x$y", "$argon2id$nonsense", "$argon2id$v=19$m=64,t=1,p=1$$", "$"],
)
def test_a_stored_value_that_is_no_hash_matches_nothing(stored):
    assert not passwords.matches(stored, PASSWORD)
    assert passwords.needs_rehash(stored, "argon2id")


def test_unicode_and_long_passwords():
    for password in ("Ærlig Øystein på Åsen 🚲", "x" * 4096, "nul\0byte"):
        stored = passwords.make_hash(password, CHEAP_ARGON2ID)
        assert passwords.matches(stored, password)
        assert not passwords.matches(stored, password[:-1])


@pytest.mark.parametrize(
    ("stored_method", "configured", "rehash"),
    [
        # The default's explicit and implicit spellings are the same method.
        ("argon2id", "argon2id:19456:2:1", False),
        ("argon2id:64:1:1", "argon2id:64:1:1", False),
        # Any other parameter, stronger or weaker, is replaced by the configured one.
        ("argon2id:64:1:1", "argon2id", True),
        ("argon2id:64:2:1", "argon2id:64:1:1", True),
        ("argon2id:128:1:1", "argon2id:64:1:1", True),
        ("argon2id:64:1:2", "argon2id:64:1:1", True),
        ("argon2id:64:1:1", "pbkdf2:sha256:1", True),
        # Werkzeug's methods, compared as Werkzeug spells them out.
        ("scrypt:1024:8:1", "argon2id", True),
        ("pbkdf2:sha256:1", "argon2id", True),
        ("pbkdf2:sha256:1", "pbkdf2:sha256:1", False),
        ("pbkdf2:sha256:1", "pbkdf2:sha256:2", True),
        ("pbkdf2:sha256:1", "pbkdf2:sha512:1", True),
        ("scrypt:1024:8:1", "scrypt:1024:8:1", False),
        ("scrypt:1024:8:1", "scrypt:2048:8:1", True),
    ],
)
def test_a_hash_is_replaced_when_its_method_differs(stored_method, configured, rehash):
    stored = passwords.make_hash(PASSWORD, stored_method)
    assert passwords.needs_rehash(stored, configured) is rehash


def test_the_old_default_is_replaced_and_spelled_out_as_werkzeug_does():
    assert passwords.needs_rehash(OLD_SCRYPT_HASH, "argon2id")
    assert not passwords.needs_rehash(OLD_SCRYPT_HASH, "scrypt")
    assert not passwords.needs_rehash(OLD_PBKDF2_HASH, "pbkdf2:sha256:600000")


@pytest.mark.parametrize(
    "method",
    [
        "argon2",
        "argon2i",
        "argon2id:19456",
        "argon2id:19456:2",
        "argon2id:0:2:1",
        "argon2id:a:2:1",
        "argon2id:15:1:2",
        "bcrypt",
        "",
    ],
)
def test_unknown_methods_are_refused(method):
    with pytest.raises(passwords.UnknownMethod):
        passwords.parse_method(method)
    with pytest.raises(passwords.UnknownMethod):
        passwords.make_hash(PASSWORD, method)
