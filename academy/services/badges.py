"""Open Badges 3.0: each certificate also as an OpenBadgeCredential, signed as a VC-JWT.

What the specification (1EdTech Open Badges 3.0, on the Verifiable Credentials Data Model
2.0) asks, and how it is met here:

- The credential is JSON-LD with the contexts ``https://www.w3.org/ns/credentials/v2`` and
  ``https://purl.imsglobal.org/spec/ob/v3p0/context-3.0.3.json``, types
  ``VerifiableCredential`` and ``OpenBadgeCredential``, ``validFrom`` the issue time, and a
  ``credentialSchema`` naming 1EdTech's JSON Schema of the credential (type
  ``1EdTechJsonSchemaValidator2019``, which the specification's verification checks).
- Its ``id`` is the certificate's public verification address, the issuer is a Profile
  served at ``/badges/issuer``, and the achievement (the course, in the certificate's
  language) is served at ``/badges/achievements/<course>``, with its image beside it.
- Its ``credentialStatus`` is the certificate's place in a W3C Bitstring Status List
  (``badge_status``): once the certificate is revoked or superseded, a verifier that checks
  status finds its bit set, also in a credential downloaded before.
- The holder appears only as an IdentityObject of ``identityType`` ``name``: the
  specification's identity hash, ``sha256$`` + SHA-256 of the name exactly as printed on
  the certificate (Unicode NFC, single spaces) followed by the certificate's ``salt``, with
  ``hashed`` true. A verifier given the printed name confirms it with any SHA-256 tool, also
  after the account is erased. The verification page's own name check is more tolerant
  (case and spacing do not matter) and uses a second hash of its own.
- The proof is a JWT (section 8.2 of the specification), see ``badge_keys``.

Everything here needs an application context (for settings and addresses), not a request.
"""

from __future__ import annotations

import re
import uuid
from collections.abc import Mapping
from datetime import UTC, datetime
from typing import Any

from flask import current_app
from flask_babel import force_locale
from flask_babel import gettext as _

from ..content import Course
from ..models import Certificate, CertificateStatus
from . import badge_status
from .badge_keys import (  # noqa: F401 (re-exported: callers use badges.*)
    ALGORITHM,
    DEFAULT_KEY_FILE,
    KEY_SIZE,
    MIN_KEY_SIZE,
    SigningKey,
    ensure_signing_key,
    issuer_id,
    key_url,
    load_or_create_key,
    public_jwk,
    public_jwks,
    sign,
    signing_key_path,
)
from .certificate_codes import verify_url
from .mail import absolute_url

VC_CONTEXT = "https://www.w3.org/ns/credentials/v2"
OB_CONTEXT = "https://purl.imsglobal.org/spec/ob/v3p0/context-3.0.3.json"
CONTEXTS = (VC_CONTEXT, OB_CONTEXT)
CREDENTIAL_TYPES = ("VerifiableCredential", "OpenBadgeCredential")
ACHIEVEMENT_TYPE = "CertificateOfCompletion"
# 1EdTech's JSON Schema of the credential, as the specification names it in credentialSchema.
SCHEMA_URL = (
    "https://purl.imsglobal.org/spec/ob/v3p0/schema/json/ob_v3p0_achievementcredential_schema.json"
)
SCHEMA_TYPE = "1EdTechJsonSchemaValidator2019"
# Served with downloads of the signed credential (RFC 7519's media type for a JWT).
JWT_MEDIA_TYPE = "application/jwt"
# RFC 7517's media types of a key set and of a single key.
JWK_SET_MEDIA_TYPE = "application/jwk-set+json"
JWK_MEDIA_TYPE = "application/jwk+json"
FALLBACK_LANGUAGE = "en"
IDENTITY_HASH_ALGORITHM = "sha256"

_HEX_SHA256 = re.compile(r"[0-9a-f]{64}")


class CredentialUnavailableError(ValueError):
    """The certificate is revoked or superseded, or its holder was erased before identity
    hashes were kept: it is not signed as a credential."""


# The documents ----------------------------------------------------------------------------


def json_ld(document: Mapping[str, Any]) -> dict[str, Any]:
    """A Profile or Achievement as a document of its own, with the contexts it needs."""
    return {"@context": list(CONTEXTS), **document}


def issuer_profile() -> dict[str, Any]:
    """The issuer: a Profile whose ``id`` is where it is served."""
    return {
        "id": issuer_id(),
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
    name = _text(course.title, language)
    document: dict[str, Any] = {
        "id": absolute_url("badges.achievement", course_slug=course.slug),
        "type": ["Achievement"],
        "achievementType": ACHIEVEMENT_TYPE,
        "name": name,
        "description": _text(course.summary, language),
        "criteria": {"narrative": _criteria_narrative(course, language)},
        "image": {
            "id": absolute_url("badges.achievement_image", course_slug=course.slug),
            "type": "Image",
            "caption": name,
        },
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
    if not _HEX_SHA256.fullmatch(certificate.identity_hash or ""):
        raise CredentialUnavailableError(
            f"certificate {certificate.code} has no identity hash (its holder was erased "
            "before identity hashes were kept)"
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
                    "identityHash": f"{IDENTITY_HASH_ALGORITHM}${certificate.identity_hash}",
                    "identityType": "name",
                    "hashed": True,
                    "salt": certificate.name_salt,
                }
            ],
            "achievement": achievement(course, language, version=certificate.content_version),
        },
        "credentialSchema": [{"id": SCHEMA_URL, "type": SCHEMA_TYPE}],
        "credentialStatus": badge_status.status_entry(certificate),
    }


def credential_jwt(certificate: Certificate, course: Course) -> str:
    """The credential signed as a compact JWS (VC-JWT, RS256; see ``badge_keys.sign``).

    Only a valid certificate is signed: a revoked or superseded one raises
    ``CredentialUnavailableError``. Signing is deterministic, so a certificate gives the same
    token every time as long as the key, the settings and the course text stay the same.
    """
    if certificate.status != CertificateStatus.VALID:
        raise CredentialUnavailableError(
            f"certificate {certificate.code} is {certificate.status}, not valid"
        )
    credential = credential_json(certificate, course)
    return sign(credential, valid_from=_valid_from(certificate))


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
