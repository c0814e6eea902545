"""Open Badges 3.0: the status lists that make a revoked or superseded badge stop verifying.

W3C Bitstring Status List v1.0 (``docs/decisions.md`` says why this and not 1EdTech's
revocation list). Every certificate has a ``status_index`` of its own: its list is
``status_index // LIST_SIZE`` (published at ``/badges/status/<that + 1>``), its bit
``status_index % LIST_SIZE``. The badge names both in its ``credentialStatus``, a
``BitstringStatusListEntry`` with the purpose ``revocation``.

- **Indexes are drawn at random** within the list being filled, as the specification
  advises, so that a position tells neither when a certificate was issued nor how many
  there are. A list takes ``LIST_FILL`` certificates (half its bits, so that a free one is
  found at the first or second draw), then the next one begins. An index is given once:
  the column is unique and certificates are never deleted (erasure keeps them), so no
  index ever names another certificate.
- **The bits are not stored but read from the certificates**: a bit is set for every
  certificate of the list that is not valid (revoked, superseded by a correction, or
  withdrawn when its holder's account was erased). Whatever changes a certificate's status
  flips its bit in the same transaction, and the list cannot disagree with the
  verification page.
- **The list is published as a signed credential**, a ``BitstringStatusListCredential``
  signed as the badges are (VC-JWT, RS256, the same key), its bitstring GZIP-compressed
  and multibase base64url encoded (``u`` + base64url without padding), 131,072 bits long
  (the minimum, 16 KB). Its ``validFrom`` is the list's last change, so the document and
  its token stay the same until a status changes: a verifier's cache is revalidated with
  ``ETag`` or ``Last-Modified`` and refreshed after ``TTL_SECONDS`` (the ``ttl`` member and
  the ``Cache-Control`` max-age say the same).

Everything here but ``add`` and the readers needs an application context (addresses,
the signing key), not a request.
"""

from __future__ import annotations

import base64
import gzip
import secrets
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any

from sqlalchemy import func, select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from ..models import Certificate, CertificateStatus
from . import badge_keys
from .mail import absolute_url

VC_CONTEXT = "https://www.w3.org/ns/credentials/v2"
LIST_TYPES = ("VerifiableCredential", "BitstringStatusListCredential")
ENTRY_TYPE = "BitstringStatusListEntry"
PURPOSE = "revocation"
# Bits in one list: the minimum of Bitstring Status List v1.0 (16 KB), its group privacy.
LIST_SIZE = 131_072
# Certificates given places in one list before the next list begins.
LIST_FILL = LIST_SIZE // 2
# The lists there can be: ``status_index`` is a 32-bit integer column (PostgreSQL's
# integer), so a list number past this names indexes no certificate can have, and asking
# the database about them would overflow its integer.
MAX_LISTS = 2**31 // LIST_SIZE
# How long a verifier may use a fetched list before asking again (Cache-Control, ttl).
TTL_SECONDS = 300
# validFrom of the first list while no certificate has been issued: any time in the past.
LISTS_BEGAN = datetime(2026, 1, 1, tzinfo=UTC)
# Served as the badges are: a compact JWS (RFC 7519's media type).
MEDIA_TYPE = "application/jwt"

_CANDIDATES = 16
_ATTEMPTS = 5


# Places in the lists ------------------------------------------------------------------------


def add(session: Session, certificate: Certificate) -> None:
    """Add a new ``certificate`` to the session with a status index of its own, flushed.

    Two transactions issuing at the same moment may draw the same free index; the unique
    column refuses the second, whose savepoint is rolled back and which draws again.
    Everything else pending is flushed first, outside the savepoint.
    """
    session.flush()
    for attempt in range(_ATTEMPTS):
        certificate.status_index = allocate(session)
        try:
            with session.begin_nested():
                session.add(certificate)
        except IntegrityError:
            if attempt == _ATTEMPTS - 1:
                raise
        else:
            return


def allocate(session: Session) -> int:
    """A free index drawn at random in the list being filled (the next, once it is full)."""
    number = _list_being_filled(session)
    # At most half of the list is taken, so each draw of 16 finds a free one but for a
    # chance of 2**-16; ten draws in a row failing would mean the count is wrong.
    for _draw in range(10):
        candidates = {number * LIST_SIZE + secrets.randbelow(LIST_SIZE) for _ in range(_CANDIDATES)}
        taken = set(
            session.scalars(
                select(Certificate.status_index).where(Certificate.status_index.in_(candidates))
            )
        )
        free = sorted(candidates - taken)
        if free:
            return secrets.choice(free)
    raise RuntimeError(f"status list {number + 1} has no free index")


def _list_being_filled(session: Session) -> int:
    highest = session.scalar(select(func.max(Certificate.status_index)))
    if highest is None:
        return 0
    number = highest // LIST_SIZE
    low, high = _bounds(number)
    used = session.scalar(
        select(func.count())
        .select_from(Certificate)
        .where(Certificate.status_index >= low, Certificate.status_index < high)
    )
    return number if used < LIST_FILL else number + 1


def _bounds(number: int) -> tuple[int, int]:
    """The indexes of list ``number`` (counted from 0), as [low, high)."""
    return number * LIST_SIZE, (number + 1) * LIST_SIZE


# What a badge says ---------------------------------------------------------------------------


def list_url(number: int) -> str:
    """The stable address of status list ``number`` (counted from 1, as in the URL)."""
    return absolute_url("badges.status_list", number=number)


def status_entry(certificate: Certificate) -> dict[str, str]:
    """The badge's ``credentialStatus``: where its bit is, and what a set bit means."""
    number, position = divmod(certificate.status_index, LIST_SIZE)
    url = list_url(number + 1)
    return {
        "id": f"{url}#{position}",
        "type": ENTRY_TYPE,
        "statusPurpose": PURPOSE,
        "statusListIndex": str(position),
        "statusListCredential": url,
    }


# The published lists --------------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class StatusList:
    """One list as it stands: its number (from 1), the positions set, its last change."""

    number: int
    revoked: tuple[int, ...]
    changed_at: datetime


@dataclass(frozen=True, slots=True)
class PublishedList:
    """A list's signed credential and the time of its last change (``Last-Modified``)."""

    token: str
    changed_at: datetime


def status_list(session: Session, number: int) -> StatusList | None:
    """List ``number`` (from 1); None if no certificate has a place in it (the first list
    always exists, so that it can be fetched before any certificate is issued).

    Its last change is the latest time a certificate in it stopped being valid; while none
    has, the first issue of a certificate in it (the list has said the same since).
    """
    if not 1 <= number <= MAX_LISTS:
        return None
    low, high = _bounds(number - 1)
    in_list = (Certificate.status_index >= low, Certificate.status_index < high)
    first_issued, last_changed = session.execute(
        select(func.min(Certificate.issued_at), func.max(Certificate.status_changed_at)).where(
            *in_list
        )
    ).one()
    if first_issued is None and number > 1:
        return None
    revoked = session.scalars(
        select(Certificate.status_index)
        .where(*in_list, Certificate.status != CertificateStatus.VALID)
        .order_by(Certificate.status_index)
    )
    return StatusList(
        number=number,
        revoked=tuple(index - low for index in revoked),
        changed_at=_whole_seconds(last_changed or first_issued or LISTS_BEGAN),
    )


def encode_bits(positions: Iterable[int], size: int = LIST_SIZE) -> str:
    """``encodedList``: position 0 is the left-most (most significant) bit of the first
    byte; GZIP (with no time in its header, so the same bits give the same text), then
    multibase base64url without padding."""
    bits = bytearray(size // 8)
    for position in positions:
        if not 0 <= position < size:
            raise ValueError(f"position {position} is outside a list of {size}")
        bits[position // 8] |= 0x80 >> (position % 8)
    compressed = gzip.compress(bytes(bits), compresslevel=9, mtime=0)
    return "u" + base64.urlsafe_b64encode(compressed).rstrip(b"=").decode("ascii")


def list_credential(listing: StatusList) -> dict[str, Any]:
    """The unsigned BitstringStatusListCredential of ``listing``."""
    url = list_url(listing.number)
    return {
        "@context": [VC_CONTEXT],
        "id": url,
        "type": list(LIST_TYPES),
        "issuer": badge_keys.issuer_id(),
        "validFrom": listing.changed_at.strftime("%Y-%m-%dT%H:%M:%SZ"),
        "credentialSubject": {
            "id": f"{url}#list",
            "type": "BitstringStatusList",
            "statusPurpose": PURPOSE,
            "encodedList": encode_bits(listing.revoked),
            "ttl": TTL_SECONDS * 1000,
        },
    }


def published(session: Session, number: int) -> PublishedList | None:
    """List ``number`` signed, as ``/badges/status/<number>`` serves it; None if unknown."""
    listing = status_list(session, number)
    if listing is None:
        return None
    token = badge_keys.sign(list_credential(listing), valid_from=listing.changed_at)
    return PublishedList(token=token, changed_at=listing.changed_at)


def _whole_seconds(moment: datetime) -> datetime:
    if moment.tzinfo is None:
        moment = moment.replace(tzinfo=UTC)
    return moment.astimezone(UTC).replace(microsecond=0)
