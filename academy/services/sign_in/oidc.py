"""OpenID Connect with a provider: the discovery document and keys (cached), the
authorization request (code flow with PKCE S256, ``state`` and ``nonce``), and the
answer: the code exchanged at the token endpoint (Authlib) and the ID token checked
(joserfc): its signature against the provider's keys, an asymmetric algorithm, the
issuer, the audience (and ``azp``), expiry, issue time and the nonce.

Nothing here reads the request: the web layer keeps the values of a started sign-in in
the browser's session and passes them back with the provider's answer.
"""

from __future__ import annotations

import hmac
import secrets
import threading
import time
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any
from urllib.parse import urlencode

import requests
from authlib.common.errors import AuthlibBaseError
from authlib.integrations.requests_client import OAuth2Session
from flask import current_app
from joserfc import jwt
from joserfc.errors import JoseError
from joserfc.jwk import KeySet

from ...models import SignInProvider
from . import encryption

SCOPES = "openid email profile"
# Never "none" nor HMAC (which would be keyed with the client secret).
ALGORITHMS = ("RS256", "RS384", "RS512", "PS256", "PS384", "PS512", "ES256", "ES384", "ES512")


class SignInFailed(Exception):
    """The sign-in cannot go on. ``kind`` says why, for the page the person sees:
    unavailable (the provider did not answer), refused (the person or the provider said
    no), state (the answer is not to the request this browser made: forged, replayed or
    from another tab), token (the tokens do not hold up), provider (anything else the
    provider got wrong)."""

    def __init__(self, kind: str, detail: str = ""):
        super().__init__(f"{kind}: {detail}" if detail else kind)
        self.kind = kind
        self.detail = detail


@dataclass(frozen=True)
class Claims:
    """What the provider asserts of the person, from a checked ID token."""

    issuer: str
    subject: str
    email: str
    email_verified: bool
    name: str
    locale: str


# --- discovery and keys, cached per issuer ----------------------------------------------------

_cache: dict[str, tuple[float, dict[str, Any]]] = {}
_keys: dict[str, tuple[float, dict[str, Any]]] = {}
_lock = threading.Lock()


def forget_cache() -> None:
    with _lock:
        _cache.clear()
        _keys.clear()


def _get_json(url: str) -> dict[str, Any]:
    try:
        response = requests.get(url, timeout=current_app.config["SIGN_IN_HTTP_TIMEOUT"])
        response.raise_for_status()
        document = response.json()
    except (requests.RequestException, ValueError) as error:
        raise SignInFailed("unavailable", f"{url}: {error}") from error
    if not isinstance(document, dict):
        raise SignInFailed("provider", f"{url} is not a JSON object")
    return document


def _fresh(entry: tuple[float, dict[str, Any]] | None) -> dict[str, Any] | None:
    max_age = current_app.config["SIGN_IN_DISCOVERY_MAX_AGE"]
    if entry is not None and time.monotonic() - entry[0] < max_age:
        return entry[1]
    return None


def metadata(issuer: str) -> dict[str, Any]:
    """The provider's discovery document (``/.well-known/openid-configuration``), fetched
    at most once per SIGN_IN_DISCOVERY_MAX_AGE; its issuer must be the one configured."""
    with _lock:
        cached = _fresh(_cache.get(issuer))
    if cached is not None:
        return cached
    document = _get_json(issuer.rstrip("/") + "/.well-known/openid-configuration")
    if document.get("issuer") != issuer:
        raise SignInFailed("provider", f"discovery names issuer {document.get('issuer')!r}")
    for name in ("authorization_endpoint", "token_endpoint", "jwks_uri"):
        if not isinstance(document.get(name), str):
            raise SignInFailed("provider", f"discovery lacks {name}")
    with _lock:
        _cache[issuer] = (time.monotonic(), document)
    return document


def _key_set(issuer: str, document: dict[str, Any], *, refresh: bool) -> KeySet:
    with _lock:
        cached = None if refresh else _fresh(_keys.get(issuer))
    if cached is None:
        cached = _get_json(document["jwks_uri"])
        with _lock:
            _keys[issuer] = (time.monotonic(), cached)
    try:
        return KeySet.import_key_set(cached)  # type: ignore[arg-type]
    except (JoseError, ValueError, TypeError, KeyError) as error:
        raise SignInFailed("provider", f"keys: {error}") from error


def end_session_url(provider: SignInProvider, after: str) -> str | None:
    """The provider's sign-out address (RP-initiated logout), when it has one."""
    try:
        endpoint = metadata(provider.issuer).get("end_session_endpoint")
    except SignInFailed:
        return None
    if not isinstance(endpoint, str):
        return None
    query = urlencode({"client_id": provider.client_id, "post_logout_redirect_uri": after})
    return endpoint + ("&" if "?" in endpoint else "?") + query


# --- the request and the answer ---------------------------------------------------------------


def start(
    provider: SignInProvider, redirect_uri: str, *, login_hint: str = "", locale: str = ""
) -> tuple[str, dict[str, str]]:
    """The provider's authorization address to send the person to, and what to keep
    until they come back (state, nonce, the PKCE verifier)."""
    document = metadata(provider.issuer)
    state, nonce = secrets.token_urlsafe(32), secrets.token_urlsafe(32)
    verifier = secrets.token_urlsafe(64)
    extra = {"login_hint": login_hint} if login_hint else {}
    if locale:
        extra["ui_locales"] = locale
    with OAuth2Session(
        provider.client_id, scope=SCOPES, redirect_uri=redirect_uri, code_challenge_method="S256"
    ) as client:
        url, _state = client.create_authorization_url(
            document["authorization_endpoint"],
            state=state,
            nonce=nonce,
            code_verifier=verifier,
            **extra,
        )
    return url, {"state": state, "nonce": nonce, "verifier": verifier}


def finish(
    provider: SignInProvider,
    kept: Mapping[str, str],
    answer: Mapping[str, str],
    redirect_uri: str,
) -> Claims:
    """The provider's answer (the callback's query) to the request ``kept`` was made
    for: the claims of its checked ID token, or SignInFailed."""
    error = answer.get("error")
    if error:
        # Before the state: an error signs nobody in, and some providers leave the state
        # off their error answers.
        refused = error in ("access_denied", "consent_required", "login_required")
        raise SignInFailed("refused" if refused else "provider", error)
    if not hmac.compare_digest(str(answer.get("state", "")), str(kept.get("state", ""))):
        raise SignInFailed("state")
    code = answer.get("code")
    if not code:
        raise SignInFailed("provider", "no code")
    document = metadata(provider.issuer)
    methods = document.get("token_endpoint_auth_methods_supported") or ["client_secret_basic"]
    try:
        secret = encryption.decrypt(provider.client_secret_encrypted)
    except encryption.NoKey as no_key:
        raise SignInFailed("provider", str(no_key)) from no_key
    client = OAuth2Session(
        provider.client_id,
        secret,
        redirect_uri=redirect_uri,
        token_endpoint_auth_method=(
            "client_secret_basic" if "client_secret_basic" in methods else "client_secret_post"
        ),
    )
    try:
        with client:
            token = client.fetch_token(
                document["token_endpoint"],
                grant_type="authorization_code",
                code=code,
                code_verifier=kept.get("verifier", ""),
                timeout=current_app.config["SIGN_IN_HTTP_TIMEOUT"],
            )
    except requests.RequestException as failed:
        raise SignInFailed("unavailable", str(failed)) from failed
    except (AuthlibBaseError, ValueError) as failed:
        raise SignInFailed("token", str(failed)) from failed
    id_token = token.get("id_token")
    if not isinstance(id_token, str):
        raise SignInFailed("token", "no ID token")
    return check_id_token(provider, id_token, nonce=kept.get("nonce", ""))


def check_id_token(provider: SignInProvider, id_token: str, *, nonce: str) -> Claims:
    """The claims of ``id_token`` once its signature, algorithm, issuer, audience, times
    and nonce hold; SignInFailed("token") otherwise."""
    document = metadata(provider.issuer)
    offered = document.get("id_token_signing_alg_values_supported") or ["RS256"]
    algorithms = [alg for alg in ALGORITHMS if alg in offered]
    try:
        try:
            token = jwt.decode(
                id_token, _key_set(provider.issuer, document, refresh=False), algorithms=algorithms
            )
        except JoseError:
            # The provider may have rolled its keys since they were cached.
            token = jwt.decode(
                id_token, _key_set(provider.issuer, document, refresh=True), algorithms=algorithms
            )
        skew = current_app.config["SIGN_IN_CLOCK_SKEW"]
        jwt.JWTClaimsRegistry(
            leeway=skew,
            iss={"essential": True, "value": provider.issuer},
            aud={"essential": True, "value": provider.client_id},
            sub={"essential": True},
            exp={"essential": True},
            iat={"essential": True},
        ).validate(token.claims)
    except (JoseError, ValueError, TypeError) as error:
        raise SignInFailed("token", str(error)) from error
    claims = token.claims
    audiences = claims["aud"] if isinstance(claims["aud"], list) else [claims["aud"]]
    azp = claims.get("azp")
    if (len(audiences) > 1 or azp is not None) and azp != provider.client_id:
        raise SignInFailed("token", "azp")
    if not nonce or not hmac.compare_digest(str(claims.get("nonce", "")), nonce):
        raise SignInFailed("token", "nonce")
    return Claims(
        issuer=provider.issuer,
        subject=str(claims["sub"]),
        email=_text(claims.get("email"), 254),
        # Entra ID asserts a verified domain with its optional claim xms_edov.
        email_verified=claims.get("email_verified") is True or claims.get("xms_edov") is True,
        name=_name(claims),
        locale=_text(claims.get("locale"), 8),
    )


def _text(value: object, limit: int) -> str:
    if not isinstance(value, str):
        return ""
    cleaned = "".join(ch for ch in value if ch.isprintable()).strip()
    return cleaned[:limit]


def _name(claims: Mapping[str, Any]) -> str:
    name = _text(claims.get("name"), 200)
    if not name:
        given, family = _text(claims.get("given_name"), 100), _text(claims.get("family_name"), 100)
        name = f"{given} {family}".strip()
    return name
