"""Open Badges 3.0 status: a revoked or superseded certificate's badge stops verifying.

The checks here are a verifier's, written from W3C Bitstring Status List v1.0 and not from
the application's code: the badge and the status list are fetched over the site's URLs,
their signatures verified with jwcrypto (the application signs with joserfc) against the
served JWKS, and the bitstring expanded with the standard library (multibase ``u`` =
base64url without padding, then GZIP; index 0 is the left-most bit).
"""

from __future__ import annotations

import base64
import gzip
import json
import re
from datetime import UTC, datetime
from email.utils import parsedate_to_datetime

import pytest
from jwcrypto import jwk as jose_jwk
from jwcrypto import jwt as jose_jwt
from sqlalchemy import select

from academy.content import get_course
from academy.models import Certificate, CertificateStatus
from academy.services import badge_status, certificates, privacy
from tests.factories import make_cohort, make_enrolment, make_organizer, make_user

BASE_URL = "http://academy.test"
VC_CONTEXT = "https://www.w3.org/ns/credentials/v2"
MINIMUM_ENTRIES = 131_072
# The example status list of the specification (section "BitstringStatusListCredential"):
# a list of 131,072 entries, none set.
SPEC_EXAMPLE_LIST = "uH4sIAAAAAAAAA-3BMQEAAADCoPVPbQwfoAAAAAAAAAAAAAAAAAAAAIC3AYbSVKsAQAAA"


# A verifier, written from the specifications ---------------------------------------------------


def path_of(url: str) -> str:
    assert url.startswith(BASE_URL + "/"), url
    return url.removeprefix(BASE_URL)


def verified_claims(client, token: str) -> dict:
    """The JWT's claims once jwcrypto has verified it against the served key set."""
    keys = jose_jwk.JWKSet.from_json(anonymous(client).get("/badges/jwks.json").get_data(True))
    return json.loads(jose_jwt.JWT(jwt=token, key=keys, algs=["RS256"]).claims)


def anonymous(client):
    """A client of its own, logged in as nobody: a verifier is not the holder."""
    return client.application.test_client()


def expand(encoded_list: str) -> bytes:
    """Bitstring Expansion: multibase base64url (prefix ``u``, no padding), then GZIP."""
    assert encoded_list.startswith("u")
    text = encoded_list[1:]
    assert "=" not in text and re.fullmatch(r"[A-Za-z0-9_-]+", text)
    return gzip.decompress(base64.urlsafe_b64decode(text + "=" * (-len(text) % 4)))


def bit(bitstring: bytes, index: int) -> int:
    """The bit at ``index``, index 0 being the left-most bit of the first byte."""
    return (bitstring[index // 8] >> (7 - index % 8)) & 1


def check_status(client, credential: dict) -> dict:
    """The specification's validate algorithm, for a credential with one status entry."""
    entry = credential["credentialStatus"]
    assert entry["type"] == "BitstringStatusListEntry"
    response = anonymous(client).get(path_of(entry["statusListCredential"]))
    assert response.status_code == 200, response.status_code
    status_list = verified_claims(client, response.get_data(as_text=True))
    assert "BitstringStatusListCredential" in status_list["type"]
    # The status list is the badge issuer's own.
    assert status_list["issuer"] == credential["issuer"]["id"]
    subject = status_list["credentialSubject"]
    assert subject["statusPurpose"] == entry["statusPurpose"]
    bitstring = expand(subject["encodedList"])
    assert len(bitstring) * 8 >= MINIMUM_ENTRIES
    index = int(entry["statusListIndex"])
    assert str(index) == entry["statusListIndex"] and index < len(bitstring) * 8
    status = bit(bitstring, index)
    return {"status": status, "purpose": subject["statusPurpose"], "valid": status == 0}


def download_badge(client, certificate: Certificate) -> str:
    response = client.get(f"/certificates/{certificate.id}/open-badge.jwt")
    assert response.status_code == 200, response.status_code
    return response.get_data(as_text=True)


# Arranging -----------------------------------------------------------------------------------


@pytest.fixture
def course(app):
    with app.app_context():
        return get_course("safer-streets")


def issue(app, db, course, name: str = "Åsa-Kristin Östergård", cohort=None) -> Certificate:
    enrolment = make_enrolment(
        db, cohort=cohort, user=make_user(db, name=name, certificate_name=name)
    )
    with app.app_context():
        certificate = certificates.issue(db, enrolment, course)
    db.flush()
    return certificate


@pytest.fixture
def holder_badge(app, db, client, course):
    """A certificate, its holder logged in, and the badge they downloaded (verified)."""
    certificate = issue(app, db, course)
    client.login_as(certificate.enrolment.user)
    token = download_badge(client, certificate)
    return certificate, token


# The badge stops verifying --------------------------------------------------------------------


def test_a_badge_downloaded_before_revocation_fails_the_status_check_after_it(
    client, db, holder_badge
):
    certificate, token = holder_badge
    credential = verified_claims(client, token)
    assert check_status(client, credential) == {
        "status": 0,
        "purpose": "revocation",
        "valid": True,
    }

    organizer = make_organizer(db, certificate.enrolment.cohort.organisation).user
    client.login_as(organizer)
    client.post_form(
        f"/organize/certificates/{certificate.id}/revoke", {"reason": "Utfärdat av misstag."}
    )
    db.refresh(certificate)
    assert certificate.status == CertificateStatus.REVOKED

    # The token kept by the holder is still signed by the issuer, but its bit is set.
    again = verified_claims(client, token)
    assert again == credential
    assert check_status(client, again) == {"status": 1, "purpose": "revocation", "valid": False}
    # And no new badge is handed out for it.
    client.login_as(certificate.enrolment.user)
    assert client.get(f"/certificates/{certificate.id}/open-badge.jwt").status_code == 404


def test_a_corrected_certificate_supersedes_the_old_badge_and_the_new_one_verifies(
    client, db, holder_badge
):
    old, old_token = holder_badge
    client.post_form(f"/certificates/{old.id}/correct", {"name": "Åsa-Kristin Östergård Lind"})
    db.expire_all()
    new = db.scalars(
        select(Certificate).where(
            Certificate.enrolment_id == old.enrolment_id,
            Certificate.status == CertificateStatus.VALID,
        )
    ).one()
    assert db.get(Certificate, old.id).status == CertificateStatus.SUPERSEDED
    new_credential = verified_claims(client, download_badge(client, new))

    assert check_status(client, verified_claims(client, old_token))["valid"] is False
    assert check_status(client, new_credential)["valid"] is True
    assert new.status_index != old.status_index


@pytest.mark.parametrize("withdraw", [True, False])
def test_erasing_the_holder_sets_the_bit_only_when_the_certificate_is_withdrawn(
    app, client, db, holder_badge, withdraw
):
    certificate, token = holder_badge
    with app.app_context():
        privacy.erase_account(db, certificate.enrolment.user, withdraw_certificates=withdraw)
    db.flush()

    result = check_status(client, verified_claims(client, token))

    assert result["valid"] is not withdraw
    assert certificate.status_index is not None
    assert certificate.identity_hash is not None  # still verifiable by name after erasure


# The status list credential --------------------------------------------------------------------


def test_the_status_list_is_a_signed_bitstring_status_list_credential(client, holder_badge):
    _certificate, token = holder_badge
    entry = verified_claims(client, token)["credentialStatus"]
    url = entry["statusListCredential"]
    assert url == f"{BASE_URL}/badges/status/1"
    assert entry["id"] == f"{url}#{entry['statusListIndex']}"

    response = anonymous(client).get(path_of(url))
    assert response.mimetype == "application/jwt"
    token = response.get_data(as_text=True)
    header = json.loads(base64.urlsafe_b64decode(token.split(".")[0] + "=="))
    claims = verified_claims(client, token)

    # Signed as the badges are (OB 3.0 section 8.2), with the same key.
    assert header["alg"] == "RS256" and header["typ"] == "JWT"
    assert header["kid"].startswith(f"{BASE_URL}/badges/keys/")
    # Bitstring Status List v1.0, section "BitstringStatusListCredential".
    assert claims["@context"] == [VC_CONTEXT]
    assert claims["id"] == url
    assert claims["type"] == ["VerifiableCredential", "BitstringStatusListCredential"]
    assert claims["issuer"] == f"{BASE_URL}/badges/issuer"
    valid_from = datetime.strptime(claims["validFrom"], "%Y-%m-%dT%H:%M:%SZ").replace(tzinfo=UTC)
    subject = claims["credentialSubject"]
    assert subject["id"] == f"{url}#list"
    assert subject["type"] == "BitstringStatusList"
    assert subject["statusPurpose"] == "revocation"
    assert len(expand(subject["encodedList"])) == MINIMUM_ENTRIES // 8
    # The JWT claims mirror the credential.
    assert (claims["iss"], claims["jti"], claims["sub"]) == (claims["issuer"], url, subject["id"])
    assert claims["nbf"] == int(valid_from.timestamp())
    # Its ttl and the HTTP cache lifetime agree, as the specification asks.
    assert subject["ttl"] == 300_000
    assert response.headers["Cache-Control"] == "public, max-age=300"


def test_the_status_list_is_cached_briefly_and_revalidated(app, db, holder_badge):
    certificate, _token = holder_badge
    client = app.test_client()
    first = client.get("/badges/status/1")
    etag, modified = first.headers["ETag"], first.headers["Last-Modified"]
    assert first.headers["Cache-Control"] == "public, max-age=300"
    assert first.headers["Access-Control-Allow-Origin"] == "*"
    claims = verified_claims(client, first.get_data(as_text=True))
    assert parsedate_to_datetime(modified) == datetime.strptime(
        claims["validFrom"], "%Y-%m-%dT%H:%M:%SZ"
    ).replace(tzinfo=UTC)

    # Unchanged: the same document, and 304 to a request with its ETag (with the same
    # validators and lifetime).
    assert client.get("/badges/status/1").data == first.data
    unchanged = client.get("/badges/status/1", headers={"If-None-Match": etag})
    assert unchanged.status_code == 304 and unchanged.data == b""
    assert unchanged.headers["ETag"] == etag
    assert unchanged.headers["Cache-Control"] == "public, max-age=300"

    # Revoked within the same second as the issue: Last-Modified, in whole seconds, may not
    # move, so it decides no 304; the ETag does and has changed.
    with app.app_context():
        certificates.revoke(db, certificate, "Fel person.", actor_id=None)
    db.flush()

    changed = client.get("/badges/status/1", headers={"If-None-Match": etag})
    assert changed.status_code == 200 and changed.headers["ETag"] != etag
    stale_date = client.get("/badges/status/1", headers={"If-Modified-Since": modified})
    assert stale_date.status_code == 200 and stale_date.data == changed.data
    later = parsedate_to_datetime(changed.headers["Last-Modified"])
    assert later >= parsedate_to_datetime(modified)
    assert later == certificate.status_changed_at.replace(microsecond=0)


def test_the_status_list_needs_no_login_and_writes_nothing(app, client, db, course, count_queries):
    issue(app, db, course)
    visitor = app.test_client()
    with count_queries() as counter:
        response = visitor.get("/badges/status/1")
    assert response.status_code == 200
    writes = [s for s in counter.statements if re.match(r"\s*(INSERT|UPDATE|DELETE)\b", s, re.I)]
    assert writes == []


# Places in the lists -----------------------------------------------------------------------------


def test_indexes_are_drawn_at_random_once_and_never_shared(app, client, db, course):
    cohort = make_cohort(db)
    issued = [issue(app, db, course, name=f"Person {n} Ödegård", cohort=cohort) for n in range(30)]
    indexes = [certificate.status_index for certificate in issued]

    assert len(set(indexes)) == len(indexes)
    assert all(0 <= index < badge_status.LIST_SIZE for index in indexes)
    # Not handed out in order: the place tells nothing of when or how many.
    assert indexes != sorted(indexes)
    assert max(indexes) - min(indexes) > 10 * len(indexes)

    first = issued[0]
    with app.app_context():
        certificates.revoke(db, first, "Fel.", actor_id=None)
    db.flush()
    db.refresh(first)
    assert first.status_index == indexes[0]


def test_a_full_list_is_followed_by_the_next(app, client, db, course, monkeypatch):
    monkeypatch.setattr(badge_status, "LIST_FILL", 2)
    cohort = make_cohort(db)
    first, second, third = (issue(app, db, course, f"Person {n}", cohort) for n in range(3))

    assert first.status_index < badge_status.LIST_SIZE
    assert second.status_index < badge_status.LIST_SIZE
    assert badge_status.LIST_SIZE <= third.status_index < 2 * badge_status.LIST_SIZE
    with app.app_context():
        entry = badge_status.status_entry(third)
    assert entry["statusListCredential"] == f"{BASE_URL}/badges/status/2"
    assert int(entry["statusListIndex"]) == third.status_index - badge_status.LIST_SIZE

    with app.app_context():
        certificates.revoke(db, third, "Fel.", actor_id=None)
    db.flush()
    client.login_as(third.enrolment.user)
    assert client.get("/badges/status/1").status_code == 200
    second_list = verified_claims(client, client.get("/badges/status/2").get_data(as_text=True))
    bits = expand(second_list["credentialSubject"]["encodedList"])
    assert bit(bits, int(entry["statusListIndex"])) == 1
    assert sum(bin(byte).count("1") for byte in bits) == 1
    for missing in ("/badges/status/3", "/badges/status/0"):
        assert client.get(missing).status_code == 404


def test_an_index_taken_at_the_same_moment_is_drawn_again(app, db, course, monkeypatch):
    """Two issues drawing one free index: the second insert is refused by the unique
    column, its savepoint rolled back, and it draws again; nothing else is lost."""
    taken = issue(app, db, course, "Person Ett")
    other = make_user(db, name="Person Två")
    other.name = "Person Två Changed"  # a change pending in the same transaction
    draws = iter([taken.status_index, 4242])
    monkeypatch.setattr(badge_status, "allocate", lambda session: next(draws))
    newcomer = Certificate(
        code=certificates.new_code(),
        holder_initials="P. T.",
        name_salt="salt",
        name_hash="0" * 64,
        locale="sv",
        course_slug=course.slug,
        content_version=course.content_version,
        organisation_name="Vänersborgs kommun",
        cohort_name="Våren",
    )

    badge_status.add(db, newcomer)

    assert newcomer.id is not None and newcomer.status_index == 4242
    db.expire_all()
    assert db.get(type(other), other.id).name == "Person Två Changed"
    assert db.get(Certificate, taken.id).status_index == taken.status_index


# The encoding ----------------------------------------------------------------------------------


def test_the_verifier_here_reads_the_specifications_example_list():
    bits = expand(SPEC_EXAMPLE_LIST)
    assert len(bits) * 8 == MINIMUM_ENTRIES and not any(bits)


def test_positions_are_encoded_from_the_left_most_bit():
    positions = [0, 7, 8, 94_567, MINIMUM_ENTRIES - 1]

    bits = expand(badge_status.encode_bits(positions))

    assert len(bits) == MINIMUM_ENTRIES // 8
    assert bits[0] == 0b1000_0001 and bits[1] == 0b1000_0000 and bits[-1] == 0b0000_0001
    assert [i for i in range(MINIMUM_ENTRIES) if bit(bits, i)] == positions
    # The same bits give the same text (no time in the GZIP header), so the same ETag.
    assert badge_status.encode_bits(positions) == badge_status.encode_bits(reversed(positions))
    with pytest.raises(ValueError):
        badge_status.encode_bits([MINIMUM_ENTRIES])
