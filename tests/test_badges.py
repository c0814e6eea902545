"""Open Badges 3.0: a certificate's credential, its VC-JWT signature and the public documents.

Checked by parties other than the code under test: the credential, the issuer profile and
the achievement against 1EdTech's JSON Schemas (tests/data/openbadges, see the README there)
with jsonschema, and property by property against the specification; the signature with
jwcrypto (the application signs with joserfc) against the keys the site serves; the
identity hash with hashlib from the name as the specification defines it. The status list
has its own file, tests/test_badge_status.py.
"""

from __future__ import annotations

import base64
import hashlib
import json
import multiprocessing
import re
import shutil
import stat
import struct
import subprocess
import threading
import unicodedata
from datetime import UTC, datetime
from pathlib import Path

import pytest
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric import rsa
from jsonschema import Draft201909Validator
from jwcrypto import jwk as jose_jwk
from jwcrypto import jws as jose_jws
from jwcrypto import jwt as jose_jwt
from referencing import Registry, Resource
from referencing.jsonschema import DRAFT201909

from academy.config import ConfigError
from academy.content import get_course
from academy.models import Certificate, CertificateStatus
from academy.services import badges, certificates
from tests.factories import make_enrolment, make_user

SCHEMAS = Path(__file__).resolve().parent / "data" / "openbadges"
SCHEMA_FILE = SCHEMAS / "achievementcredential.json"
PROFILE_SCHEMA_FILE = SCHEMAS / "profile.json"
SCHEMA_ID = (
    "https://purl.imsglobal.org/spec/ob/v3p0/schema/json/"
    "ob_v3p0_achievementcredential-jsonschema1.json"
)
# What the specification's examples and verification section name in credentialSchema.
SCHEMA_URL = (
    "https://purl.imsglobal.org/spec/ob/v3p0/schema/json/ob_v3p0_achievementcredential_schema.json"
)
BASE_URL = "http://academy.test"
HOLDER = "Åsa-Kristin Östergård Nilsson"
# Place 70,000 of the first status list.
STATUS_INDEX = 70_000
CODE = "7KQ2M9XR4TBW8HCD"
ISSUED_AT = datetime(2026, 4, 2, 10, 30, 15, 654321, tzinfo=UTC)
PRIVATE_JWK_MEMBERS = {"d", "p", "q", "dp", "dq", "qi", "oth", "k"}
DATETIME_Z = re.compile(r"\d{4}-\d\d-\d\dT\d\d:\d\d:\d\dZ")


@pytest.fixture
def certificate(db) -> Certificate:
    salt = certificates.new_name_salt()
    certificate = Certificate(
        code=CODE,
        enrolment_id=None,
        certificate_name=HOLDER,
        holder_initials="ÅKÖN",
        name_salt=salt,
        name_hash=certificates.name_hash(salt, HOLDER),
        identity_hash=certificates.identity_hash(salt, HOLDER),
        status_index=STATUS_INDEX,
        locale="sv",
        course_slug="safer-streets",
        content_version="2025.1+3f9a",
        organisation_name="Malmö stad",
        cohort_name="Vårens omgång",
        place_name="Möllevångstorget",
        part_completed_on={"situational-prevention": "2026-03-20", "safe-design": "2026-04-02"},
        issued_at=ISSUED_AT,
        status=CertificateStatus.VALID,
    )
    db.add(certificate)
    db.flush()
    return certificate


def sign(app, certificate: Certificate) -> tuple[dict, str]:
    """The credential and its JWT, built as the download does: an app context, no request."""
    with app.app_context():
        course = get_course(certificate.course_slug)
        return badges.credential_json(certificate, course), badges.credential_jwt(
            certificate, course
        )


def b64decode(segment: str) -> bytes:
    return base64.urlsafe_b64decode(segment + "=" * (-len(segment) % 4))


def b64encode(data: bytes) -> str:
    return base64.urlsafe_b64encode(data).rstrip(b"=").decode()


def jose_header(token: str) -> dict:
    return json.loads(b64decode(token.split(".")[0]))


def jwt_payload(token: str) -> dict:
    return json.loads(b64decode(token.split(".")[1]))


def path_of(url: str) -> str:
    assert url.startswith(BASE_URL + "/"), url
    return url.removeprefix(BASE_URL)


# The JSON Schema ---------------------------------------------------------------------------


@pytest.fixture(scope="module")
def ob_schema() -> dict:
    return json.loads(SCHEMA_FILE.read_text(encoding="utf-8"))


@pytest.fixture(scope="module")
def profile_schema() -> dict:
    return json.loads(PROFILE_SCHEMA_FILE.read_text(encoding="utf-8"))


def validator(schema: dict, definition: str | None = None) -> Draft201909Validator:
    """A validator for the schema or one of its ``$defs``; every ``$ref`` resolves locally."""
    registry = Registry().with_resource(
        schema["$id"], Resource(contents=schema, specification=DRAFT201909)
    )
    target = {"$ref": f"{schema['$id']}#/$defs/{definition}"} if definition else schema
    return Draft201909Validator(
        target, registry=registry, format_checker=Draft201909Validator.FORMAT_CHECKER
    )


def errors_of(schema_validator: Draft201909Validator, document: dict) -> list[str]:
    return [
        f"{'/'.join(map(str, error.absolute_path))}: {error.message}"
        for error in schema_validator.iter_errors(document)
    ]


@pytest.mark.parametrize("path", [SCHEMA_FILE, PROFILE_SCHEMA_FILE], ids=lambda p: p.name)
def test_the_stored_schemas_are_1edtechs_for_vc_2_0(path):
    text = path.read_text(encoding="utf-8")
    schema = json.loads(text)
    assert schema["$schema"] == "https://json-schema.org/draft/2019-09/schema#"
    assert schema["$id"].startswith("https://purl.imsglobal.org/spec/ob/v3p0/schema/json/ob_v3p0_")
    Draft201909Validator.check_schema(schema)
    refs = re.findall(r'"\$ref" : "([^"]*)"', text)
    assert refs and all(ref.startswith("#/$defs/") for ref in refs)
    # The README records the file's hash: the copy is the one it describes.
    readme = (SCHEMAS / "README.md").read_text(encoding="utf-8")
    assert hashlib.sha256(path.read_bytes()).hexdigest() in readme


def test_the_stored_credential_schema_is_the_vc_2_0_one(ob_schema):
    assert ob_schema["$id"] == SCHEMA_ID
    assert "validFrom" in ob_schema["required"]
    assert "issuanceDate" not in ob_schema["properties"]


def test_the_credential_validates_against_the_ob30_schema(app, certificate, ob_schema):
    credential, token = sign(app, certificate)

    assert errors_of(validator(ob_schema), credential) == []
    # What a verifier validates is the JWT's payload: the credential plus the JWT claims.
    assert errors_of(validator(ob_schema), jwt_payload(token)) == []


def test_the_credential_names_the_schema_it_follows(app, certificate):
    credential, _token = sign(app, certificate)

    # OB 3.0 verification, step 1: a CredentialSchema of type 1EdTechJsonSchemaValidator2019
    # is checked by the verifier against 1EdTech's schema.
    assert credential["credentialSchema"] == [
        {"id": SCHEMA_URL, "type": "1EdTechJsonSchemaValidator2019"}
    ]


def test_the_schema_refuses_what_the_credential_must_not_be(app, certificate, ob_schema):
    """The validation has teeth: a credential without validFrom or with a malformed
    IdentityObject fails it."""
    credential, _token = sign(app, certificate)
    without_date = {k: v for k, v in credential.items() if k != "validFrom"}
    bad_identity = json.loads(json.dumps(credential))
    del bad_identity["credentialSubject"]["identifier"][0]["identityType"]

    assert errors_of(validator(ob_schema), without_date) == [": 'validFrom' is a required property"]
    assert any("identityType" in error for error in errors_of(validator(ob_schema), bad_identity))


def test_the_served_issuer_and_achievement_validate_against_their_schemas(
    client, ob_schema, profile_schema
):
    issuer = client.get("/badges/issuer").json
    achievement = client.get("/badges/achievements/safer-streets").json

    assert errors_of(validator(profile_schema), issuer) == []
    assert errors_of(validator(ob_schema, "Profile"), issuer) == []
    assert errors_of(validator(ob_schema, "Achievement"), achievement) == []


def test_the_embedded_issuer_and_achievement_validate_too(
    app, certificate, ob_schema, profile_schema
):
    credential, _token = sign(app, certificate)
    issuer = credential["issuer"]
    achievement = credential["credentialSubject"]["achievement"]

    assert errors_of(validator(profile_schema), issuer) == []
    assert errors_of(validator(ob_schema, "Achievement"), achievement) == []
    assert errors_of(validator(ob_schema, "Image"), achievement["image"]) == []


# Every REQUIRED property of the specification ----------------------------------------------


def test_the_credential_has_every_property_the_specification_requires(app, certificate):
    credential, _token = sign(app, certificate)

    # OpenBadgeCredential: @context, id, type, issuer, validFrom, name, credentialSubject.
    assert credential["@context"][:2] == [
        "https://www.w3.org/ns/credentials/v2",
        "https://purl.imsglobal.org/spec/ob/v3p0/context-3.0.3.json",
    ]
    assert credential["id"] == f"{BASE_URL}/verify/{certificates.format_code(CODE)}"
    assert {"VerifiableCredential", "OpenBadgeCredential"} <= set(credential["type"])
    assert credential["name"] == "Tryggare gator"
    assert DATETIME_Z.fullmatch(credential["validFrom"])
    assert credential["validFrom"] == "2026-04-02T10:30:15Z"

    # Profile (the issuer): id and type; and the public base URL as its address.
    issuer = credential["issuer"]
    assert issuer["id"] == f"{BASE_URL}/badges/issuer"
    assert "Profile" in issuer["type"]
    assert issuer["name"]
    assert issuer["url"] == f"{BASE_URL}/"

    # AchievementSubject: type and achievement; and an id or at least one identifier.
    subject = credential["credentialSubject"]
    assert "AchievementSubject" in subject["type"]
    assert subject["id"].startswith("urn:uuid:")
    assert len(subject["identifier"]) == 1

    # IdentityObject: type, hashed, identityHash, identityType (and the salt, as it is hashed).
    identity = subject["identifier"][0]
    assert identity["type"] == "IdentityObject"
    assert identity["hashed"] is True
    assert identity["identityType"] == "name"
    assert identity["salt"] == certificate.name_salt
    assert identity["identityHash"] == spec_identity_hash(HOLDER, identity["salt"])

    # Achievement: id, type, criteria, description, name; in the certificate's language.
    achievement = subject["achievement"]
    assert achievement["id"] == f"{BASE_URL}/badges/achievements/safer-streets"
    assert "Achievement" in achievement["type"]
    assert achievement["name"] == "Tryggare gator"
    assert achievement["description"].startswith("Hur lokala aktörer")
    assert achievement["version"] == certificate.content_version
    assert achievement["image"] == {
        "id": f"{BASE_URL}/badges/achievements/safer-streets/image.png",
        "type": "Image",
        "caption": "Tryggare gator",
    }

    # The status: the certificate's place in a Bitstring Status List (its own tests).
    assert credential["credentialStatus"] == {
        "id": f"{BASE_URL}/badges/status/1#{STATUS_INDEX}",
        "type": "BitstringStatusListEntry",
        "statusPurpose": "revocation",
        "statusListIndex": str(STATUS_INDEX),
        "statusListCredential": f"{BASE_URL}/badges/status/1",
    }

    # Criteria: a narrative (or an id); here one naming every part of the course.
    narrative = achievement["criteria"]["narrative"]
    assert "1. Situationell brottsprevention" in narrative
    assert "2. Trygg stadsplanering" in narrative


def test_no_part_of_the_holders_name_is_in_the_credential(app, certificate):
    credential, token = sign(app, certificate)

    texts = [
        json.dumps(credential, ensure_ascii=False).casefold(),
        b64decode(token.split(".")[1]).decode().casefold(),
    ]
    pieces = [HOLDER, *re.split(r"[\s-]+", HOLDER)]
    for text in texts:
        for piece in pieces:
            assert piece.casefold() not in text


def spec_identity_hash(identifier: str, salt: str) -> str:
    """The IdentityHash as the specification defines it, written here from its text:
    'sha256$' + hex SHA-256 of the identifier with the salt appended, both UTF-8."""
    return "sha256$" + hashlib.sha256((identifier + salt).encode("utf-8")).hexdigest()


def test_the_identity_hash_is_the_specifications():
    # The specification's own example: 'a@example.com' salted with 'Kosher'.
    assert "sha256$" + certificates.identity_hash("Kosher", "a@example.com") == (
        "sha256$b5809d8a92f8858436d7e6b87c12ebc0ae1eac4baecc2c0b913aee2c922ef399"
    )
    assert spec_identity_hash("a@example.com", "Kosher") == (
        "sha256$b5809d8a92f8858436d7e6b87c12ebc0ae1eac4baecc2c0b913aee2c922ef399"
    )


def test_a_verifier_given_the_printed_name_confirms_the_holder(app, certificate):
    credential, _token = sign(app, certificate)
    (identity,) = credential["credentialSubject"]["identifier"]

    # OB 3.0 "Verify the Recipient Using an Identifier": identityType matches, hashed is
    # true, so hash the known identifier with the salt and compare.
    assert identity["identityType"] == "name" and identity["hashed"] is True
    assert spec_identity_hash(HOLDER, identity["salt"]) == identity["identityHash"]
    # Exactly as printed: another case, spacing or the letters without their accents are
    # another identifier.
    for other in (HOLDER.upper(), HOLDER.replace(" ", "  "), "Asa-Kristin Ostergard Nilsson"):
        assert spec_identity_hash(other, identity["salt"]) != identity["identityHash"]


def test_the_identity_is_the_nfc_form_of_the_name_as_printed(app, certificate):
    """A name typed decomposed (as macOS sends it) and with stray spaces is printed, stored
    and hashed in NFC with single spaces: what a verifier reads off the certificate."""
    typed = "  " + unicodedata.normalize("NFD", "Åsa-Kristin  Östergård Nilsson") + " "
    printed = certificates.printed_name(typed)

    assert printed == unicodedata.normalize("NFC", HOLDER) == HOLDER
    assert certificates.identity_hash(certificate.name_salt, typed) == certificate.identity_hash


@pytest.mark.skipif(shutil.which("pdftotext") is None, reason="needs poppler-utils (pdftotext)")
def test_the_name_read_off_the_printed_certificate_confirms_the_badge(app, db, tmp_path):
    """End to end: a name typed decomposed and with a double space is issued, the PDF is
    rendered, poppler's pdftotext reads the name off the page, and that text, in NFC,
    hashed with the badge's salt as the specification says, is the badge's identityHash."""
    typed = unicodedata.normalize("NFD", "Åsa-Kristin  Östergård Nilsson")
    user = make_user(db, name=typed, certificate_name=typed)
    enrolment = make_enrolment(db, user=user)
    with app.app_context():
        course = get_course("safer-streets")
        issued = certificates.issue(db, enrolment, course)
        pdf = certificates.store_pdf(issued)
    db.flush()
    _credential, token = sign(app, issued)
    path = tmp_path / "certificate.pdf"
    path.write_bytes(pdf)
    text = subprocess.run(
        ["pdftotext", "-raw", str(path), "-"], capture_output=True, check=True, text=True
    ).stdout
    lines = [unicodedata.normalize("NFC", line.strip()) for line in text.splitlines()]
    (printed,) = [line for line in lines if "Östergård" in line]

    (identity,) = jwt_payload(token)["credentialSubject"]["identifier"]

    assert printed == "Åsa-Kristin Östergård Nilsson"
    assert spec_identity_hash(printed, identity["salt"]) == identity["identityHash"]


def test_the_verification_pages_tolerant_check_is_a_separate_convenience(certificate):
    # The page forgives case and spacing (its own hash, never in the badge) ...
    assert certificates.name_matches(certificate, "  åsa-kristin  ÖSTERGÅRD nilsson ")
    assert not certificates.name_matches(certificate, "Asa-Kristin Ostergard Nilsson")
    assert not certificates.name_matches(certificate, "Åsa Östergård")
    # ... and the badge's identity hash is not that hash.
    assert certificate.identity_hash != certificate.name_hash


def test_the_verification_page_says_what_its_name_check_forgives(client, db, certificate):
    certificate.code = certificates.new_code()  # the page takes codes of 20 characters
    db.flush()
    url = f"/verify/{certificates.format_code(certificate.code)}"
    english = client.get(url).data.decode()
    swedish = client.get(url, headers={"Accept-Language": "sv"}).data.decode()

    assert "Capitals and extra spaces do not matter here" in english
    assert "Versaler och extra mellanslag spelar ingen roll här" in swedish
    answer = client.post_form(url, {"name": "  åsa-kristin  ÖSTERGÅRD nilsson "}).data.decode()
    assert "Yes: the certificate was issued to this name." in answer


def test_a_certificate_in_a_language_the_course_lacks_gets_the_fallback(app, certificate):
    certificate.locale = "fi"

    credential, _token = sign(app, certificate)

    assert credential["name"] == "Safer streets"
    assert credential["credentialSubject"]["achievement"]["name"] == "Safer streets"


def test_a_revoked_certificate_is_not_signed(app, certificate):
    certificate.status = CertificateStatus.REVOKED

    with app.app_context(), pytest.raises(badges.CredentialUnavailableError):
        badges.credential_jwt(certificate, get_course("safer-streets"))


# The signature ------------------------------------------------------------------------------


def test_the_signature_verifies_with_jwcrypto_against_the_served_jwks(app, client, certificate):
    credential, token = sign(app, certificate)
    served = client.get("/badges/jwks.json")
    assert served.mimetype == "application/jwk-set+json"
    keys = jose_jwk.JWKSet.from_json(served.get_data(as_text=True))

    verified = jose_jwt.JWT(jwt=token, key=keys, algs=["RS256"], expected_type="JWS")

    claims = json.loads(verified.claims)
    assert claims == {
        **credential,
        "iss": credential["issuer"]["id"],
        "jti": credential["id"],
        "sub": credential["credentialSubject"]["id"],
        "nbf": int(datetime(2026, 4, 2, 10, 30, 15, tzinfo=UTC).timestamp()),
    }


def test_the_jose_header_is_rs256_with_a_kid_that_dereferences_to_the_key(app, client, certificate):
    _credential, token = sign(app, certificate)
    jwks = json.loads(client.get("/badges/jwks.json").data)

    header = jose_header(token)

    # OB 3.0 §8.2: alg RS256; kid a URI dereferencing to the JWK; typ, if present, "JWT";
    # no other header.
    assert header == {"alg": "RS256", "kid": header["kid"], "typ": "JWT"}
    assert [key["kid"] for key in jwks["keys"]] == [header["kid"]]
    dereferenced = client.get(path_of(header["kid"]))
    assert dereferenced.status_code == 200
    assert dereferenced.mimetype == "application/jwk+json"
    assert json.loads(dereferenced.data) == jwks["keys"][0]
    single = jose_jwk.JWK(**dereferenced.json)
    jose_jwt.JWT(jwt=token, key=single, algs=["RS256"])


@pytest.mark.parametrize("part", ["payload", "header"])
def test_a_tampered_token_fails_verification(app, client, certificate, part):
    _credential, token = sign(app, certificate)
    header, payload, signature = token.split(".")
    if part == "payload":
        changed = jwt_payload(token)
        changed["validFrom"] = "2020-01-01T00:00:00Z"
        payload = b64encode(json.dumps(changed).encode())
    else:
        changed = jose_header(token)
        changed["typ"] = "JOSE"
        header = b64encode(json.dumps(changed).encode())
    keys = jose_jwk.JWKSet.from_json(client.get("/badges/jwks.json").get_data(as_text=True))
    key = keys.get_key(jose_header(token)["kid"])

    tampered = jose_jws.JWS()
    tampered.deserialize(f"{header}.{payload}.{signature}")
    with pytest.raises(jose_jws.InvalidJWSSignature):
        tampered.verify(key, alg="RS256")
    untouched = jose_jws.JWS()
    untouched.deserialize(token)
    untouched.verify(key, alg="RS256")


# The key ------------------------------------------------------------------------------------


def test_the_key_is_created_private_in_the_instance_folder_and_reused(app, certificate):
    _credential, first = sign(app, certificate)
    _credential, second = sign(app, certificate)
    path = Path(app.instance_path) / badges.DEFAULT_KEY_FILE

    assert path.is_file()
    assert stat.S_IMODE(path.stat().st_mode) == 0o600
    assert jose_header(first)["kid"] == jose_header(second)["kid"]
    assert first == second
    with app.app_context():
        signing = badges.ensure_signing_key()
        assert jose_header(first)["kid"] == badges.key_url(signing.thumbprint)
        in_use = signing.jwk.as_dict(private=False)["n"]
    # Another process reads the same file instead of making a key of its own.
    stored = path.read_bytes()
    again = badges.load_or_create_key(path).public_key().public_numbers().n
    assert path.read_bytes() == stored
    assert b64encode(again.to_bytes((again.bit_length() + 7) // 8, "big")) == in_use


def test_workers_starting_together_create_one_key(tmp_path):
    path = tmp_path / "instance" / "signing-key.pem"
    count = 6
    barrier = threading.Barrier(count)
    moduli: list[int] = []
    failures: list[BaseException] = []

    def first_use() -> None:
        try:
            barrier.wait(timeout=30)
            key = badges.load_or_create_key(path, key_size=2048)
            moduli.append(key.public_key().public_numbers().n)
        except BaseException as error:  # the test reports it, not the thread
            failures.append(error)

    threads = [threading.Thread(target=first_use) for _ in range(count)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()

    assert failures == []
    assert len(moduli) == count and len(set(moduli)) == 1
    assert sorted(p.name for p in path.parent.iterdir()) == [path.name]
    assert stat.S_IMODE(path.stat().st_mode) == 0o600
    stored = serialization.load_pem_private_key(path.read_bytes(), password=None)
    assert stored.public_key().public_numbers().n == moduli[0]


def _first_use_in_process(path: str, barrier, results) -> None:
    barrier.wait(timeout=60)
    key = badges.load_or_create_key(Path(path), key_size=2048)
    results.put(key.public_key().public_numbers().n)


def test_two_processes_starting_together_create_one_key(tmp_path):
    path = tmp_path / "signing-key.pem"
    context = multiprocessing.get_context("spawn")
    barrier = context.Barrier(2)
    results = context.Queue()
    workers = [
        context.Process(target=_first_use_in_process, args=(str(path), barrier, results))
        for _ in range(2)
    ]
    for worker in workers:
        worker.start()
    moduli = [results.get(timeout=120) for _ in workers]
    for worker in workers:
        worker.join(timeout=60)

    assert [worker.exitcode for worker in workers] == [0, 0]
    assert len(set(moduli)) == 1
    assert sorted(p.name for p in tmp_path.iterdir()) == [path.name]


def test_a_key_file_that_is_no_key_is_reported(tmp_path):
    path = tmp_path / "signing-key.pem"
    path.write_text("not a key")

    with pytest.raises(ConfigError, match="not an unencrypted PEM private key"):
        badges.load_or_create_key(path)


def test_a_weak_key_is_refused(tmp_path):
    path = tmp_path / "signing-key.pem"
    weak = rsa.generate_private_key(public_exponent=65537, key_size=1024)  # noqa: S505
    path.write_bytes(
        weak.private_bytes(
            serialization.Encoding.PEM,
            serialization.PrivateFormat.PKCS8,
            serialization.NoEncryption(),
        )
    )

    with pytest.raises(ConfigError, match="at least 2048 bits"):
        badges.load_or_create_key(path)


# The public documents -----------------------------------------------------------------------


def test_the_public_documents_need_no_login_and_write_nothing(client, count_queries):
    with count_queries() as counter:
        issuer = client.get("/badges/issuer")
        jwks = client.get("/badges/jwks.json")
        achievement = client.get("/badges/achievements/safer-streets")
        key = client.get(path_of(json.loads(jwks.data)["keys"][0]["kid"]))
        image = client.get("/badges/achievements/safer-streets/image.png")

    for response in (issuer, jwks, achievement, key, image):
        assert response.status_code == 200
        assert response.headers["Cache-Control"] == "public, max-age=3600"
        assert response.headers["Access-Control-Allow-Origin"] == "*"
    writes = [
        statement
        for statement in counter.statements
        if re.match(r"\s*(INSERT|UPDATE|DELETE)\b", statement, re.IGNORECASE)
    ]
    assert writes == []


def test_the_issuer_profile(client):
    response = client.get("/badges/issuer")

    assert response.mimetype == "application/ld+json"
    profile = response.json
    assert profile["@context"] == list(badges.CONTEXTS)
    assert profile["id"] == f"{BASE_URL}/badges/issuer"
    assert profile["type"] == ["Profile"]
    assert profile["name"] == "Academy"
    assert profile["url"] == f"{BASE_URL}/"


def test_the_documents_answer_conditional_requests(client):
    first = client.get("/badges/issuer")

    again = client.get("/badges/issuer", headers={"If-None-Match": first.headers["ETag"]})

    assert again.status_code == 304


def test_the_jwks_holds_the_public_key_only(client):
    response = client.get("/badges/jwks.json")

    # RFC 7517 section 8.5: a JWK Set is application/jwk-set+json.
    assert response.mimetype == "application/jwk-set+json"
    (key,) = json.loads(response.data)["keys"]
    assert key["kty"] == "RSA"
    assert key["alg"] == "RS256"
    assert key["use"] == "sig"
    assert key["kid"].startswith(f"{BASE_URL}/badges/keys/")
    assert not PRIVATE_JWK_MEMBERS & set(key)
    assert len(b64decode(key["n"])) * 8 >= 2048


@pytest.mark.parametrize(
    ("query", "headers", "name", "language"),
    [
        ("?lang=sv", {}, "Tryggare gator", "sv"),
        ("", {"Accept-Language": "nb-NO,nb;q=0.9"}, "Tryggere gater", "nb"),
        ("", {"Accept-Language": "no"}, "Tryggere gater", "nb"),
        ("", {}, "Safer streets", "en"),
    ],
)
def test_the_achievement_in_the_asked_language(client, app, query, headers, name, language):
    response = client.get(f"/badges/achievements/safer-streets{query}", headers=headers)

    assert response.status_code == 200
    assert response.mimetype == "application/ld+json"
    assert response.headers["Content-Language"] == language
    assert "Accept-Language" in response.headers["Vary"]
    achievement = response.json
    assert achievement["@context"] == list(badges.CONTEXTS)
    assert achievement["id"] == f"{BASE_URL}/badges/achievements/safer-streets"
    assert achievement["type"] == ["Achievement"]
    assert achievement["name"] == name
    assert achievement["criteria"]["narrative"]
    with app.app_context():
        assert achievement["version"] == get_course("safer-streets").content_version


def test_the_achievement_image_is_a_square_png(client):
    response = client.get("/badges/achievements/safer-streets/image.png")

    assert response.mimetype == "image/png"
    data = response.data
    # Read from the PNG signature and IHDR chunk (ISO/IEC 15948), not by the drawing library.
    assert data[:8] == b"\x89PNG\r\n\x1a\n" and data[12:16] == b"IHDR"
    width, height = struct.unpack(">II", data[16:24])
    assert width == height >= 256
    again = client.get(
        "/badges/achievements/safer-streets/image.png",
        headers={"If-None-Match": response.headers["ETag"]},
    )
    assert again.status_code == 304


@pytest.mark.parametrize(
    "url",
    [
        "/badges/achievements/no-such-course",
        "/badges/achievements/no-such-course/image.png",
        "/badges/keys/no-such-key",
    ],
)
def test_unknown_documents_are_not_found(client, url):
    response = client.get(url)

    assert response.status_code == 404
    assert response.is_json
