"""Open Badges 3.0: the issuer's signing key, its public JWKS, and signing a credential.

The proof is a JWT (section 8.2 of the specification): header ``alg`` RS256, ``kid`` a URL
that answers with the bare public JWK, ``typ`` JWT and nothing else; the payload is the
credential itself plus the claims ``iss`` (issuer id), ``jti`` (credential id), ``sub``
(subject id) and ``nbf`` (``validFrom``). The badges and the status lists that revoke them
are signed alike, so a verifier checks both the same way.

The RSA key is generated into the instance folder on first use, created atomically so
that workers starting together agree on one key, and loaded once per process.
"""

from __future__ import annotations

import logging
import os
import secrets
import threading
from collections.abc import Mapping
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path
from typing import Any

from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric import rsa
from flask import Flask, current_app
from joserfc import jwt
from joserfc.jwk import RSAKey

from ..config import ConfigError
from .mail import absolute_url

log = logging.getLogger(__name__)

ALGORITHM = "RS256"
KEY_SIZE = 3072
MIN_KEY_SIZE = 2048
DEFAULT_KEY_FILE = "badge-signing-key.pem"

_EXTENSION_KEY = "academy.badges.signing_key"
_key_lock = threading.Lock()


@dataclass(frozen=True, slots=True)
class SigningKey:
    """The issuer's RSA key and its RFC 7638 thumbprint, which names it in URLs."""

    jwk: RSAKey
    thumbprint: str


def signing_key_path(app: Flask) -> Path:
    """BADGE_SIGNING_KEY_FILE, relative to the instance folder; by default a file there."""
    configured = app.config.get("BADGE_SIGNING_KEY_FILE") or DEFAULT_KEY_FILE
    return Path(app.instance_path) / configured


def ensure_signing_key(app: Flask | None = None) -> SigningKey:
    """The signing key of this process: read from the key file, created there on first use."""
    app = app or current_app._get_current_object()  # type: ignore[attr-defined]
    loaded = app.extensions.get(_EXTENSION_KEY)
    if loaded is None:
        with _key_lock:
            loaded = app.extensions.get(_EXTENSION_KEY)
            if loaded is None:
                jwk = RSAKey.import_key(load_or_create_key(signing_key_path(app)))
                loaded = SigningKey(jwk=jwk, thumbprint=jwk.thumbprint())
                app.extensions[_EXTENSION_KEY] = loaded
    return loaded


def load_or_create_key(path: Path, key_size: int = KEY_SIZE) -> rsa.RSAPrivateKey:
    """The RSA private key in ``path`` (PEM, PKCS #8), generated there if there is none.

    Safe when several processes start together: each writes its candidate to a temporary
    file of its own (created with O_EXCL, mode 0600) and hard-links it to ``path``, which
    succeeds for one of them only; the others read the winner's key. ``path`` never holds a
    half-written key.
    """
    path = Path(path)
    try:
        return _read_key(path)
    except FileNotFoundError:
        pass
    path.parent.mkdir(parents=True, exist_ok=True)
    key = rsa.generate_private_key(public_exponent=65537, key_size=key_size)
    pem = key.private_bytes(
        serialization.Encoding.PEM,
        serialization.PrivateFormat.PKCS8,
        serialization.NoEncryption(),
    )
    candidate = path.with_name(f".{path.name}.{os.getpid()}.{secrets.token_hex(8)}.tmp")
    descriptor = os.open(candidate, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
    try:
        with os.fdopen(descriptor, "wb") as file:
            file.write(pem)
            file.flush()
            os.fsync(file.fileno())
        try:
            os.link(candidate, path)
        except FileExistsError:
            return _read_key(path)
        log.info("Generated the Open Badges signing key in %s", path)
        return key
    finally:
        candidate.unlink(missing_ok=True)


def _read_key(path: Path) -> rsa.RSAPrivateKey:
    data = path.read_bytes()
    if path.stat().st_mode & 0o077:
        log.warning("The Open Badges signing key %s is readable by others; chmod 600 it", path)
    try:
        key = serialization.load_pem_private_key(data, password=None)
    except (ValueError, TypeError) as error:
        raise ConfigError(
            f"{path} is not an unencrypted PEM private key ({error}). Move it away to have a "
            "new key generated, or set BADGE_SIGNING_KEY_FILE to the right file."
        ) from error
    if not isinstance(key, rsa.RSAPrivateKey) or key.key_size < MIN_KEY_SIZE:
        raise ConfigError(
            f"{path} must hold an RSA key of at least {MIN_KEY_SIZE} bits (Open Badges 3.0 "
            "signs with RS256)."
        )
    return key


def key_url(thumbprint: str) -> str:
    """The address of one public key; the JOSE header's ``kid``, dereferenceable to the JWK."""
    return absolute_url("badges.key", kid=thumbprint)


def public_jwk(signing: SigningKey | None = None) -> dict[str, str]:
    """The public half of the signing key as a JWK, ``kid`` its URL. Never any private part."""
    signing = signing or ensure_signing_key()
    values = signing.jwk.as_dict(private=False)
    return {
        "kty": "RSA",
        "n": str(values["n"]),
        "e": str(values["e"]),
        "kid": key_url(signing.thumbprint),
        "alg": ALGORITHM,
        "use": "sig",
    }


def public_jwks() -> dict[str, list[dict[str, str]]]:
    """The issuer's JSON Web Key Set, served at ``/badges/jwks.json``."""
    return {"keys": [public_jwk()]}


def issuer_id() -> str:
    """The issuer's id: the address of its Profile, ``/badges/issuer``."""
    return absolute_url("badges.issuer")


def sign(credential: Mapping[str, Any], *, valid_from: datetime) -> str:
    """``credential`` signed as a compact JWS (VC-JWT, RS256) with the claims of §8.2.

    ``valid_from`` is the credential's ``validFrom`` in whole seconds (the ``nbf``). RS256
    is deterministic: the same credential and key give the same token.
    """
    issuer = credential["issuer"]
    claims = {
        **credential,
        "iss": issuer["id"] if isinstance(issuer, Mapping) else issuer,
        "jti": credential["id"],
        "sub": credential["credentialSubject"]["id"],
        "nbf": int(valid_from.timestamp()),
    }
    signing = ensure_signing_key()
    header = {"alg": ALGORITHM, "kid": key_url(signing.thumbprint), "typ": "JWT"}
    return jwt.encode(header, claims, signing.jwk, algorithms=[ALGORITHM])
