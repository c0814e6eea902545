"""Public Open Badges documents: the issuer, its keys and the achievements.

Wallets and verifiers fetch these without logging in. They are built from settings, the
signing key and the course files; none of them touches the database.
"""

from __future__ import annotations

import json
from collections.abc import Mapping
from typing import Any

from flask import Blueprint, Response, abort, current_app, request

from ...content import get_course
from ...errors import MESSAGES
from ...services import badges

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
    return _document(badges.public_jwks(), JSON)


@bp.get("/keys/<kid>")
def key(kid: str):
    signing = badges.ensure_signing_key()
    if kid != signing.thumbprint:
        abort(404)
    return _document(badges.public_jwk(signing), JSON)


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
    response.cache_control.public = True
    response.cache_control.max_age = MAX_AGE
    # Verifiers in other sites' pages fetch these; they carry nothing private.
    response.headers["Access-Control-Allow-Origin"] = "*"
    response.headers["X-Content-Type-Options"] = "nosniff"
    response.add_etag()
    return response.make_conditional(request)
