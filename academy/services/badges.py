"""Open Badges 3.0: each certificate also as an OpenBadgeCredential, signed as a VC-JWT.

What the specification (1EdTech Open Badges 3.0, on the Verifiable Credentials Data Model
2.0) asks, and how it is met here:

- The credential is JSON-LD with the contexts ``https://www.w3.org/ns/credentials/v2`` and
  ``https://purl.imsglobal.org/spec/ob/v3p0/context-3.0.3.json``, types
  ``VerifiableCredential`` and ``OpenBadgeCredential``, ``validFrom`` the issue time.
- Its ``id`` is the certificate's public verification address, the issuer is a Profile
  served at ``/badges/issuer``, and the achievement (the course, in the certificate's
  language) is served at ``/badges/achievements/<course>``.
- The holder appears only as an IdentityObject: ``sha256$`` + SHA-256 of the normalised
  name followed by the certificate's salt, the form the specification defines for a hashed
  identity. No name is written into the credential; a verifier who knows the name can
  check it, also after the account is erased.
- The proof is a JWT (section 8.2 of the specification): header ``alg`` RS256, ``kid`` a URL
  that answers with the bare public JWK, ``typ`` JWT and nothing else; the payload is the
  credential itself plus the claims ``iss`` (issuer id), ``jti`` (credential id), ``sub``
  (subject id) and ``nbf`` (``validFrom``). The older VC 1.1 form nested it in a ``vc`` claim.
- The RSA key is generated into the instance folder on first use, created atomically so
  that workers starting together agree on one key, and loaded once per process.

Everything here needs an application context (for settings and addresses), not a request.
"""

from __future__ import annotations

import logging
import os
import re
import secrets
import threading
import uuid
from collections.abc import Mapping
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric import rsa
from flask import Flask, current_app
from flask_babel import force_locale
from flask_babel import gettext as _
from joserfc import jwt
from joserfc.jwk import RSAKey

from ..config import ConfigError
from ..content import Course
from ..models import Certificate, CertificateStatus
from .certificates import verify_url
from .mail import absolute_url

log = logging.getLogger(__name__)

VC_CONTEXT = "https://www.w3.org/ns/credentials/v2"
OB_CONTEXT = "https://purl.imsglobal.org/spec/ob/v3p0/context-3.0.3.json"
CONTEXTS = (VC_CONTEXT, OB_CONTEXT)
CREDENTIAL_TYPES = ("VerifiableCredential", "OpenBadgeCredential")
ACHIEVEMENT_TYPE = "CertificateOfCompletion"
ALGORITHM = "RS256"
# Served with downloads of the signed credential (RFC 7519's media type for a JWT).
JWT_MEDIA_TYPE = "application/jwt"
KEY_SIZE = 3072
MIN_KEY_SIZE = 2048
DEFAULT_KEY_FILE = "badge-signing-key.pem"
FALLBACK_LANGUAGE = "en"
IDENTITY_HASH_ALGORITHM = "sha256"

_EXTENSION_KEY = "academy.badges.signing_key"
_key_lock = threading.Lock()
_HEX_SHA256 = re.compile(r"[0-9a-f]{64}")


class CredentialUnavailableError(ValueError):
    """The certificate is revoked or superseded: it is not signed as a credential."""


# The signing key --------------------------------------------------------------------------


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


# The documents ----------------------------------------------------------------------------


def json_ld(document: Mapping[str, Any]) -> dict[str, Any]:
    """A Profile or Achievement as a document of its own, with the contexts it needs."""
    return {"@context": list(CONTEXTS), **document}


def issuer_profile() -> dict[str, Any]:
    """The issuer: a Profile whose ``id`` is where it is served."""
    return {
        "id": absolute_url("badges.issuer"),
        "type": ["Profile"],
        "name": current_app.config.get("BADGE_ISSUER_NAME") or "Academy",
        "url": current_app.config.get("BADGE_ISSUER_URL") or absolute_url("main.index"),
    }


def course_language(course: Course, locale: str) -> str:
    """``locale`` if the course is written in it, else the fallback language."""
    return locale if locale in course.title else FALLBACK_LANGUAGE


def achievement(course: Course, language: str, *, version: str | None = None) -> dict[str, Any]:
    """The course as an Achievement in ``language``; ``version`` the content version."""
    language = course_language(course, language)
    document: dict[str, Any] = {
        "id": absolute_url("badges.achievement", course_slug=course.slug),
        "type": ["Achievement"],
        "achievementType": ACHIEVEMENT_TYPE,
        "name": _text(course.title, language),
        "description": _text(course.summary, language),
        "criteria": {"narrative": _criteria_narrative(course, language)},
    }
    if version:
        document["version"] = version
    return document


def _criteria_narrative(course: Course, language: str) -> str:
    with force_locale(language):
        intro = _(
            "Awarded for completing every part of the course: reading each lesson, passing "
            "each quiz and handing in each assignment."
        )
    parts = "\n".join(
        f"{number}. {_text(part.title, language)}"
        for number, part in enumerate(course.parts, start=1)
    )
    return f"{intro}\n\n{parts}"


def _text(translated: Mapping[str, str], language: str) -> str:
    return translated.get(language) or translated.get(FALLBACK_LANGUAGE) or ""


def credential_json(certificate: Certificate, course: Course) -> dict[str, Any]:
    """The unsigned OpenBadgeCredential of a certificate, in the certificate's language."""
    if certificate.course_slug != course.slug:
        raise ValueError(f"certificate {certificate.code} is not of course {course.slug}")
    if not _HEX_SHA256.fullmatch(certificate.name_hash or ""):
        raise ValueError(
            f"certificate {certificate.code}: name_hash must come from certificates.name_hash"
        )
    language = course_language(course, certificate.locale)
    credential_id = verify_url(certificate.code)
    return {
        "@context": list(CONTEXTS),
        "id": credential_id,
        "type": list(CREDENTIAL_TYPES),
        "name": _text(course.title, language),
        "description": _text(course.summary, language),
        "issuer": issuer_profile(),
        "validFrom": _valid_from(certificate).strftime("%Y-%m-%dT%H:%M:%SZ"),
        "credentialSubject": {
            "id": _subject_id(credential_id),
            "type": ["AchievementSubject"],
            "identifier": [
                {
                    "type": "IdentityObject",
                    "identityHash": f"{IDENTITY_HASH_ALGORITHM}${certificate.name_hash}",
                    "identityType": "name",
                    "hashed": True,
                    "salt": certificate.name_salt,
                }
            ],
            "achievement": achievement(course, language, version=certificate.content_version),
        },
    }


def credential_jwt(certificate: Certificate, course: Course) -> str:
    """The credential signed as a compact JWS (VC-JWT, RS256).

    Only a valid certificate is signed: a revoked or superseded one raises
    ``CredentialUnavailableError``. Signing is deterministic, so a certificate gives the same
    token every time as long as the key, the settings and the course text stay the same.
    """
    if certificate.status != CertificateStatus.VALID:
        raise CredentialUnavailableError(
            f"certificate {certificate.code} is {certificate.status}, not valid"
        )
    credential = credential_json(certificate, course)
    signing = ensure_signing_key()
    claims = {
        **credential,
        "iss": credential["issuer"]["id"],
        "jti": credential["id"],
        "sub": credential["credentialSubject"]["id"],
        "nbf": int(_valid_from(certificate).timestamp()),
    }
    header = {"alg": ALGORITHM, "kid": key_url(signing.thumbprint), "typ": "JWT"}
    return jwt.encode(header, claims, signing.jwk, algorithms=[ALGORITHM])


def _valid_from(certificate: Certificate) -> datetime:
    issued = certificate.issued_at
    if issued.tzinfo is None:
        issued = issued.replace(tzinfo=UTC)
    # Whole seconds: the JWT's nbf must equal validFrom exactly.
    return issued.astimezone(UTC).replace(microsecond=0)


def _subject_id(credential_id: str) -> str:
    # Required as the JWT's sub; derived from the credential, so it says nothing about the
    # holder and links no two certificates of the same person.
    return f"urn:uuid:{uuid.uuid5(uuid.NAMESPACE_URL, credential_id + '#subject')}"
