"""Certificate codes: how they are made, printed, typed back in, and the public address
that verifies them (printed as a QR code on the PDF, and the badge's credential id).

A module of its own so that the PDF and the badge can format a code without importing
the certificate service that renders them.
"""

from __future__ import annotations

import secrets

from .mail import absolute_url

# Crockford's base32: no I, L, O or U, so a code read aloud or typed is not misread.
ALPHABET = "0123456789ABCDEFGHJKMNPQRSTVWXYZ"
CODE_LENGTH = 20  # 100 random bits; the issue asks for at least 80.
_TYPED_ALIASES = str.maketrans({"O": "0", "I": "1", "L": "1"})


def new_code() -> str:
    """A fresh code of ``CODE_LENGTH`` Crockford base32 characters (5 random bits each)."""
    return "".join(secrets.choice(ALPHABET) for _ in range(CODE_LENGTH))


def format_code(code: str) -> str:
    """The code as printed and shown: groups of four, ``ABCD-EFGH-JKMN-PQRS-TVWX``."""
    return "-".join(code[start : start + 4] for start in range(0, len(code), 4))


def parse_code(text: str) -> str | None:
    """The stored form of a typed code (any case, with or without dashes or spaces, O for
    0 and I or L for 1 as Crockford allows), or None when it cannot be a code."""
    plain = "".join(text.split()).replace("-", "").upper().translate(_TYPED_ALIASES)
    if len(plain) != CODE_LENGTH or any(char not in ALPHABET for char in plain):
        return None
    return plain


def verify_url(code: str) -> str:
    """The absolute address of the public page that verifies ``code`` (needs an app context)."""
    return absolute_url("certificates.verify_code", code=format_code(code))
