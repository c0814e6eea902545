"""The checks that need no network: each setting's type, range and form."""

from __future__ import annotations

import os
from collections.abc import Mapping
from datetime import timedelta
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from flask import Flask

from ..config import DEFAULTS, ConfigError
from .database import check_database_url
from .files import check_courses_dir
from .mail import check_mail
from .rate_limits import check_rate_limits
from .report import CheckReport, check_bool
from .secret_key import check_password_hash, check_secret_key

TRANSLATIONS = Path(__file__).resolve().parent.parent / "translations"
# Settings read with config.get() but not (yet) listed in academy/config.py.
_READ_WITHOUT_DEFAULT = ("BADGE_ISSUER_NAME", "BADGE_ISSUER_URL", "BADGE_SIGNING_KEY_FILE")
# Settings Flask and the extensions read besides Academy's own (academy/config.py).
_EXTENSION_PREFIXES = ("SESSION_COOKIE_", "REMEMBER_COOKIE_", "WTF_", "RATELIMIT_", "BABEL_")


def check_settings(config: Mapping[str, Any]) -> CheckReport:
    """The checks that need no network: each setting's type, range and form."""
    report = CheckReport()
    production = config.get("ENV") == "production"
    check_secret_key(config, report, production)
    check_database_url(config, report, production)
    _check_base_url(config, report, production)
    _check_timezone(config, report)
    _check_languages(config, report)
    check_courses_dir(config, report)
    check_rate_limits(config, report, production)
    check_password_hash(config, report, production)
    _check_numbers(config, report)
    _check_cookies(config, report, production)
    check_mail(config, report, production)
    _check_proxy(config, report, production)
    _check_retention(config, report)
    check_badges(config, report, production)
    check_bool(config, "SECOND_FACTOR_FOR_STAFF", report)
    _check_sign_in_keys(config, report)
    if production and config.get("SECOND_FACTOR_FOR_STAFF") is False:
        report.warnings.append(
            "SECOND_FACTOR_FOR_STAFF is off: administrators and organizers sign in with a "
            "password alone (OWASP ASVS level 2 expects a second factor of them)"
        )
    _check_unknown_environment(report)
    if production and config.get("PRIVACY_CONTACT") == DEFAULTS["PRIVACY_CONTACT"]:
        report.warnings.append(
            "PRIVACY_CONTACT is the default; set it to whom people ask about their personal "
            "data (e.g. the municipality's data protection officer and an address)"
        )
    if report.ok:
        report.passed.append("settings")
    return report


def _check_sign_in_keys(config: Mapping[str, Any], report: CheckReport) -> None:
    from cryptography.fernet import Fernet

    from ..services.sign_in.encryption import configured_keys

    for number, key in enumerate(configured_keys(config.get("SIGN_IN_ENCRYPTION_KEYS")), 1):
        try:
            Fernet(key)
        except ValueError:
            report.errors.append(
                f"SIGN_IN_ENCRYPTION_KEYS: key {number} is not a Fernet key (32 bytes, url-safe "
                "base64); `flask --app academy sign-in new-key` makes one"
            )


def _check_base_url(config: Mapping[str, Any], report: CheckReport, production: bool) -> None:
    value = config.get("BASE_URL")
    example = "e.g. https://academy.example.se"
    try:
        parts = urlsplit(str(value))
        _ = parts.port  # a malformed port raises here
    except ValueError:
        parts = None
    if parts is None or parts.scheme not in ("http", "https") or not parts.hostname:
        report.errors.append(
            f"BASE_URL {value!r} is not an absolute http(s) address; set ACADEMY_BASE_URL to "
            f"the address people reach the site by, {example}"
        )
        return
    if parts.username or parts.password or parts.query or parts.fragment:
        report.errors.append(
            f"BASE_URL {value!r} must be scheme and host only, without login, ?query or #part"
        )
    if parts.path not in ("", "/"):
        report.errors.append(
            f"BASE_URL {value!r} has a path; Academy must be served at the root of its own "
            f"host name, {example}"
        )
    if production and parts.scheme != "https":
        report.errors.append(
            f"BASE_URL {value!r} is not https://; production is served over HTTPS "
            "(links in mails and certificates are built on it)"
        )


def _check_timezone(config: Mapping[str, Any], report: CheckReport) -> None:
    value = config.get("TIMEZONE")
    try:
        ZoneInfo(str(value))
    except (ZoneInfoNotFoundError, ValueError):
        report.errors.append(
            f"TIMEZONE {value!r} is not a time zone name; e.g. Europe/Stockholm or Europe/Oslo "
            "(if those fail too, install the tzdata package)"
        )


def _check_languages(config: Mapping[str, Any], report: CheckReport) -> None:
    from ..i18n import LANGUAGE_NAMES

    value = config.get("LANGUAGES")
    known = ", ".join(LANGUAGE_NAMES)
    if (
        not isinstance(value, list | tuple)
        or not value
        or any(code not in LANGUAGE_NAMES for code in value)
    ):
        report.errors.append(
            f'LANGUAGES {value!r} must be a list of codes from {known}, e.g. ["en", "sv", "nb"]'
        )
        return
    missing = [
        code
        for code in value
        if code != "en" and not (TRANSLATIONS / code / "LC_MESSAGES" / "messages.mo").is_file()
    ]
    if missing:
        report.errors.append(
            f"the {', '.join(missing)} translations are not compiled, so those pages would be "
            "in English: run .venv/bin/pybabel compile -d academy/translations"
        )


# (name, smallest allowed value); all whole numbers.
_INTEGERS = (
    ("PASSWORD_MIN_LENGTH", 8),
    ("PASSWORD_RESET_MAX_AGE", 60),
    ("ADMIN_LINK_MAX_AGE", 60),
    ("EMAIL_CHANGE_MAX_AGE", 60),
    ("MAX_CONTENT_LENGTH", 1),
    ("MAIL_PORT", 1),
    ("MAIL_MAX_ATTEMPTS", 1),
    ("PROXY_FIX", 0),
    ("SIGN_IN_STEP_MAX_AGE", 60),
    ("SIGN_IN_DISCOVERY_MAX_AGE", 0),
    ("SIGN_IN_HTTP_TIMEOUT", 1),
    ("SIGN_IN_CLOCK_SKEW", 0),
)


def _check_numbers(config: Mapping[str, Any], report: CheckReport) -> None:
    for name, smallest in _INTEGERS:
        value = config.get(name)
        if isinstance(value, bool) or not isinstance(value, int):
            report.errors.append(f"{name} must be a whole number, not {value!r}")
        elif value < smallest:
            report.errors.append(f"{name} must be at least {smallest}, not {value}")
    port = config.get("MAIL_PORT")
    if isinstance(port, int) and port > 65535:
        report.errors.append(f"MAIL_PORT {port} is not a port number (1 to 65535)")
    timeout = config.get("MAIL_TIMEOUT")
    if isinstance(timeout, bool) or not isinstance(timeout, int | float) or timeout <= 0:
        report.errors.append(f"MAIL_TIMEOUT must be a number of seconds above 0, not {timeout!r}")
    duration = config.get("REMEMBER_COOKIE_DURATION")
    seconds = (
        duration.total_seconds()
        if isinstance(duration, timedelta)
        else duration
        if isinstance(duration, int) and not isinstance(duration, bool)
        else None
    )
    if seconds is None or seconds <= 0:
        report.errors.append(
            f"REMEMBER_COOKIE_DURATION must be a number of seconds above 0, not {duration!r}"
        )
    if config.get("SESSION_PROTECTION") not in (None, "basic", "strong"):
        report.errors.append(
            f"SESSION_PROTECTION must be 'basic', 'strong' or null, not "
            f"{config.get('SESSION_PROTECTION')!r}"
        )


def _check_cookies(config: Mapping[str, Any], report: CheckReport, production: bool) -> None:
    for name in (
        "SESSION_COOKIE_SECURE",
        "REMEMBER_COOKIE_SECURE",
        "SESSION_COOKIE_HTTPONLY",
        "REMEMBER_COOKIE_HTTPONLY",
    ):
        if not check_bool(config, name, report):
            continue
        if production and config.get(name) is not True:
            report.errors.append(
                f"{name} is false; production cookies must be Secure and HttpOnly "
                f"(remove the setting to get the default)"
            )
    hsts = str(config.get("STRICT_TRANSPORT_SECURITY") or "").strip()
    directives = [part.strip().lower() for part in hsts.split(";") if part.strip()]
    max_age = directives[0].removeprefix("max-age=") if directives else ""
    if hsts and (
        not directives[0].startswith("max-age=")
        or not max_age.isdigit()
        or any(part not in ("includesubdomains", "preload") for part in directives[1:])
    ):
        report.errors.append(
            f"STRICT_TRANSPORT_SECURITY {hsts!r} is not a header value like "
            "'max-age=31536000; includeSubDomains'"
        )
    elif production and not hsts:
        report.warnings.append(
            "STRICT_TRANSPORT_SECURITY is empty: browsers are not told to insist on HTTPS"
        )


def _check_proxy(config: Mapping[str, Any], report: CheckReport, production: bool) -> None:
    if production and config.get("PROXY_FIX") == 0:
        report.warnings.append(
            "PROXY_FIX is 0: behind a reverse proxy, set ACADEMY_PROXY_FIX=1, or every client "
            "shares the proxy's address for LOGIN_LIMIT_PER_ADDRESS"
        )


def _check_retention(config: Mapping[str, Any], report: CheckReport) -> None:
    from ..services.privacy import retention_days

    try:
        retention_days(config.get("RETENTION_DAYS"))
    except ConfigError as error:
        report.errors.append(str(error))


def check_badges(config: Mapping[str, Any], report: CheckReport, production: bool) -> None:
    issuer = config.get("BADGE_ISSUER_URL")
    if issuer:
        parts = urlsplit(str(issuer))
        if parts.scheme not in ("http", "https") or not parts.netloc:
            report.errors.append(f"BADGE_ISSUER_URL {issuer!r} is not an absolute http(s) address")
        elif production and parts.scheme != "https":
            report.errors.append(f"BADGE_ISSUER_URL {issuer!r} is not https://")


def _check_unknown_environment(report: CheckReport) -> None:
    known = set(DEFAULTS) | set(Flask.default_config) | set(_READ_WITHOUT_DEFAULT)
    for variable in sorted(os.environ):
        if not variable.startswith("ACADEMY_"):
            continue
        name = variable.removeprefix("ACADEMY_")
        if name not in known and not name.startswith(_EXTENSION_PREFIXES):
            report.warnings.append(f"{variable} sets {name}, which Academy does not read (a typo?)")
