"""Public Open Badges documents: the issuer, its keys, the achievements and their image,
and the status lists.

Wallets and verifiers fetch these without logging in. All but the status lists are built
from settings, the signing key and the course files, without the database; a status list
is read from the certificates' statuses and changes when one is revoked or superseded, so
it is cached briefly and revalidated (ETag, Last-Modified).
"""

from __future__ import annotations

import json
from collections.abc import Mapping
from typing import Any

from flask import Blueprint, Response, abort, current_app, request

from ...content import get_course
from ...db import get_session
from ...errors import MESSAGES
from ...services import badge_image, badge_status, badges

bp = Blueprint("badges", __name__, url_prefix="/badges")

MAX_AGE = 3600
JSON = "application/json"
JSON_LD = "application/ld+json"
# Browsers send "no" or "nn" for Norwegian as often as "nb".
_LANGUAGE_ALIASES = {"no": "nb", "nn": "nb"}


@bp.get("/issuer")
def issuer():
    return _document(badges.json_ld(badges.issuer_profile()), JSON_LD)


@bp.get("/jwks.json")
def jwks():
    return _document(badges.public_jwks(), badges.JWK_SET_MEDIA_TYPE)


@bp.get("/keys/<kid>")
def key(kid: str):
    signing = badges.ensure_signing_key()
    if kid != signing.thumbprint:
        abort(404)
    return _document(badges.public_jwk(signing), badges.JWK_MEDIA_TYPE)


@bp.get("/achievements/<course_slug>")
def achievement(course_slug: str):
    course = get_course(course_slug)
    if course is None:
        abort(404)
    language = badges.course_language(course, _language())
    document = badges.achievement(course, language, version=course.content_version)
    response = _document(badges.json_ld(document), JSON_LD)
    response.headers["Content-Language"] = language
    response.vary.add("Accept-Language")
    return response


@bp.get("/achievements/<course_slug>/image.png")
def achievement_image(course_slug: str):
    if get_course(course_slug) is None:
        abort(404)
    response = current_app.response_class(
        badge_image.achievement_png(), mimetype=badge_image.MEDIA_TYPE
    )
    return _public(response, MAX_AGE)


@bp.get("/status/<int:number>")
def status_list(number: int):
    """A status list as its signed credential (a compact JWS), cached for its ttl.

    Revalidated by its ETag, a hash of the document itself. Last-Modified (the list's last
    change, its validFrom) is sent but decides no 304: it counts whole seconds, and a
    revocation in the same second as the change before it, or stamped a moment before a
    slower transaction committed, would leave the time as it was and a verifier with a
    stale list. A full answer is a few hundred bytes.
    """
    published = badge_status.published(get_session(), number)
    if published is None:
        abort(404)
    response = current_app.response_class(published.token, mimetype=badge_status.MEDIA_TYPE)
    response = _public(response, badge_status.TTL_SECONDS)
    response.last_modified = published.changed_at
    return response


@bp.errorhandler(404)
def not_found(_error):
    title, _message = MESSAGES[404]
    return {"error": str(title)}, 404


def _language() -> str:
    """``?lang=``, else the browser's preference; not the session, so caches can key on it."""
    languages = list(current_app.config["LANGUAGES"])
    chosen = request.args.get("lang")
    if chosen in languages:
        return chosen
    aliases = {alias: code for alias, code in _LANGUAGE_ALIASES.items() if code in languages}
    best = request.accept_languages.best_match([*languages, *aliases])
    return aliases.get(best, best) if best else badges.FALLBACK_LANGUAGE


def _document(document: Mapping[str, Any], media_type: str) -> Response:
    response = current_app.response_class(
        json.dumps(document, ensure_ascii=False, indent=2), mimetype=media_type
    )
    return _public(response, MAX_AGE)


def _public(response: Response, max_age: int) -> Response:
    """Cacheable by anyone for ``max_age`` seconds, then revalidated by its ETag (and
    Last-Modified where the view set one); a 304 when the client's copy is current."""
    response.cache_control.public = True
    response.cache_control.max_age = max_age
    # Verifiers in other sites' pages fetch these; they carry nothing private.
    response.headers["Access-Control-Allow-Origin"] = "*"
    response.headers["X-Content-Type-Options"] = "nosniff"
    response.add_etag()
    return response.make_conditional(request)
