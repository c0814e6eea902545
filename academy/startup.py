"""Startup checks: every setting, then the database, its migrations, the rate-limit storage
and the course files. A server that would fail on its first request, or run insecurely,
refuses to start and says why.

``flask --app academy config check`` (:mod:`academy.commands.config`) runs them and prints
every problem. gunicorn.conf.py runs ``python -m academy.startup --startup`` in its
``on_starting`` hook, before any worker exists; that runs them when the STARTUP_CHECKS
setting asks for it (by default: in production) and, unlike the ``flask`` command, also
reports a setting that stops ``create_app`` itself (a missing SECRET_KEY) as one line
instead of a traceback. A child process, so that gunicorn's master never imports the
application and ``kill -HUP`` still loads new code into new workers.

They are deliberately not part of ``create_app``: that stays free of I/O, and Alembic's
env.py calls it, so ``alembic upgrade head`` must work on the very database these checks
would refuse for not being upgraded. Messages are for operators, in English.
"""

from __future__ import annotations

import os
import sys
from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import timedelta
from email.utils import parseaddr
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit, urlunsplit
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

import click
from flask import Flask

from .config import DEFAULTS, ConfigError

# Seconds to wait for the database or Redis before calling it unreachable.
CONNECT_TIMEOUT = 5
MIGRATIONS_INI = Path(__file__).resolve().parent.parent / "migrations" / "alembic.ini"
TRANSLATIONS = Path(__file__).resolve().parent / "translations"
ALEMBIC_UPGRADE = ".venv/bin/alembic -c migrations/alembic.ini upgrade head"
KEY_COMMAND = "python -c 'import secrets; print(secrets.token_urlsafe(48))'"

_SECRET_MIN_LENGTH = 32
_SECRET_MIN_DISTINCT = 12
# Words found in example and placeholder keys, never (in practice) in a random one.
_PLACEHOLDER_WORDS = ("change", "secret", "example", "default", "placeholder", "insecure")
# No cheaper than Werkzeug's own defaults (scrypt N=2**15; PBKDF2: OWASP's 600,000).
_MIN_SCRYPT_N = 2**15
_MIN_PBKDF2 = 600_000
# Settings read with config.get() but not (yet) listed in academy/config.py.
_READ_WITHOUT_DEFAULT = ("BADGE_ISSUER_NAME", "BADGE_ISSUER_URL", "BADGE_SIGNING_KEY_FILE")
# Settings Flask and the extensions read besides Academy's own (academy/config.py).
_EXTENSION_PREFIXES = ("SESSION_COOKIE_", "REMEMBER_COOKIE_", "WTF_", "RATELIMIT_", "BABEL_")


@dataclass
class CheckReport:
    """What the checks found: errors stop the server, warnings are printed."""

    errors: list[str] = field(default_factory=list)
    warnings: list[str] = field(default_factory=list)
    passed: list[str] = field(default_factory=list)

    @property
    def ok(self) -> bool:
        return not self.errors


class StartupError(RuntimeError):
    """The application must not serve; ``errors`` says why."""

    def __init__(self, errors: list[str]) -> None:
        self.errors = list(errors)
        lines = "\n".join(f"  - {error}" for error in self.errors)
        super().__init__(f"Academy cannot start:\n{lines}")


def checks_enabled(config: Mapping[str, Any]) -> bool:
    """STARTUP_CHECKS if set, else whether ENV is production."""
    setting = config.get("STARTUP_CHECKS")
    if setting is None:
        return config.get("ENV") == "production"
    return setting is True or str(setting).lower() in ("1", "true", "yes", "on")


def run_checks(app: Flask) -> CheckReport:
    """Check every setting, then (where the settings allow it) the services they name."""
    report = check_settings(app.config)
    with app.app_context():
        _check_database(app.config, report)
        _check_rate_limit_storage(app.config, report)
        _check_courses(app, report)
        _check_instance_folder(app, report)
    return report


def require_ready(app: Flask) -> None:
    """Raise :class:`StartupError` unless every check passes."""
    report = run_checks(app)
    if not report.ok:
        raise StartupError(report.errors)


# --- settings -----------------------------------------------------------------------------


def check_settings(config: Mapping[str, Any]) -> CheckReport:
    """The checks that need no network: each setting's type, range and form."""
    report = CheckReport()
    production = config.get("ENV") == "production"
    _check_secret_key(config, report, production)
    _check_database_url(config, report, production)
    _check_base_url(config, report, production)
    _check_timezone(config, report)
    _check_languages(config, report)
    _check_courses_dir(config, report)
    _check_rate_limits(config, report, production)
    _check_password_hash(config, report, production)
    _check_numbers(config, report)
    _check_cookies(config, report, production)
    _check_mail(config, report, production)
    _check_proxy(config, report, production)
    _check_retention(config, report)
    _check_badges(config, report, production)
    _check_unknown_environment(report)
    if production and config.get("PRIVACY_CONTACT") == DEFAULTS["PRIVACY_CONTACT"]:
        report.warnings.append(
            "PRIVACY_CONTACT is the default; set it to whom people ask about their personal "
            "data (e.g. the municipality's data protection officer and an address)"
        )
    if report.ok:
        report.passed.append("settings")
    return report


def _check_secret_key(config: Mapping[str, Any], report: CheckReport, production: bool) -> None:
    key = config.get("SECRET_KEY")
    if not key:
        report.errors.append(f"SECRET_KEY is not set. Set ACADEMY_SECRET_KEY to e.g. {KEY_COMMAND}")
        return
    if not isinstance(key, str | bytes):
        report.errors.append("SECRET_KEY must be a string")
        return
    if not production:
        return  # development generates a strong one; a test's may be anything
    text = key.decode("latin-1") if isinstance(key, bytes) else key
    lowered = text.lower()
    reason = None
    if len(text) < _SECRET_MIN_LENGTH:
        reason = f"only {len(text)} characters; use at least {_SECRET_MIN_LENGTH}"
    elif len(set(text)) < _SECRET_MIN_DISTINCT:
        reason = "it repeats a few characters; it must be random"
    elif any(word in lowered for word in _PLACEHOLDER_WORDS) or "not-for-production" in lowered:
        reason = "it looks like an example or placeholder"
    if reason:
        report.errors.append(
            f"SECRET_KEY is weak: {reason}. Set ACADEMY_SECRET_KEY to a new random value, "
            f"e.g. {KEY_COMMAND} (everyone is logged out once)"
        )


def _check_database_url(config: Mapping[str, Any], report: CheckReport, production: bool) -> None:
    url = _database_url(config)
    if url is None:
        report.errors.append(
            f"DATABASE_URL {config.get('DATABASE_URL')!r} is not a database URL; e.g. "
            "postgresql+psycopg://academy:PASSWORD@127.0.0.1/academy"
        )
        return
    backend = url.get_backend_name()
    if backend not in ("postgresql", "sqlite"):
        report.errors.append(
            f"DATABASE_URL names {backend}; Academy runs on PostgreSQL "
            "(postgresql+psycopg://...) or, for development, SQLite"
        )
    elif backend == "postgresql" and url.get_driver_name() != "psycopg":
        report.errors.append(
            f"DATABASE_URL uses the driver {url.get_driver_name()!r}; write "
            "postgresql+psycopg://... (psycopg 3 is what Academy installs)"
        )
    elif backend == "sqlite" and production:
        report.errors.append(
            "DATABASE_URL is SQLite; production runs on PostgreSQL. Set ACADEMY_DATABASE_URL "
            "to e.g. postgresql+psycopg://academy:PASSWORD@127.0.0.1/academy"
        )


def _database_url(config: Mapping[str, Any]):
    from sqlalchemy.engine import make_url
    from sqlalchemy.exc import ArgumentError

    value = config.get("DATABASE_URL")
    if not isinstance(value, str) or not value:
        return None
    try:
        return make_url(value)
    except (ArgumentError, ValueError):
        return None


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
    from .i18n import LANGUAGE_NAMES

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


def _check_courses_dir(config: Mapping[str, Any], report: CheckReport) -> None:
    value = config.get("COURSES_DIR")
    if not value or not Path(str(value)).is_dir():
        report.errors.append(f"COURSES_DIR {value!r} is not a folder")


def _check_rate_limits(config: Mapping[str, Any], report: CheckReport, production: bool) -> None:
    from limits import parse_many

    for name in (
        "LOGIN_LIMIT_PER_ACCOUNT",
        "LOGIN_LIMIT_PER_ADDRESS",
        "VERIFY_LIMIT",
        "VERIFY_NAME_LIMIT",
    ):
        value = config.get(name)
        try:
            parse_many(str(value))
        except ValueError:
            report.errors.append(f"{name} {value!r} is not a rate limit like '10 per 15 minutes'")
    _check_bool(config, "RATELIMIT_HEADERS_ENABLED", report)
    uri = str(config.get("RATELIMIT_STORAGE_URI") or "")
    scheme = uri.partition("://")[0]
    if not scheme or "://" not in uri:
        report.errors.append(
            f"RATELIMIT_STORAGE_URI {uri!r} is not a storage address; e.g. redis://127.0.0.1:6379/0"
        )
    elif scheme == "memory" and production:
        report.errors.append(
            "RATELIMIT_STORAGE_URI is memory://: each gunicorn worker would count failed logins "
            "on its own and let brute force through. Set ACADEMY_RATELIMIT_STORAGE_URI to "
            "e.g. redis://127.0.0.1:6379/0"
        )


def _check_password_hash(config: Mapping[str, Any], report: CheckReport, production: bool) -> None:
    method = str(config.get("PASSWORD_HASH_METHOD"))
    cost = _hash_cost(method)
    if cost is None:
        report.errors.append(
            f"PASSWORD_HASH_METHOD {method!r} is not a Werkzeug method like scrypt (the "
            "default), scrypt:32768:8:1 or pbkdf2:sha256:1000000"
        )
    elif production and cost < (_MIN_SCRYPT_N if method.startswith("scrypt") else _MIN_PBKDF2):
        report.errors.append(
            f"PASSWORD_HASH_METHOD {method!r} is too cheap for production; use scrypt (the default)"
        )


def _hash_cost(method: str) -> int | None:
    """scrypt's N or PBKDF2's iterations, as Werkzeug reads ``method``; None if it cannot.

    Parsed rather than tried: hashing once at the default cost takes a tenth of a second.
    """
    import hashlib

    from werkzeug.security import DEFAULT_PBKDF2_ITERATIONS

    name, *params = method.split(":")
    if name == "scrypt" and not params:
        return 2**15
    if name == "scrypt":
        valid = len(params) == 3 and all(param.isdigit() and int(param) for param in params)
        return int(params[0]) if valid else None
    if name != "pbkdf2" or len(params) > 2:
        return None
    try:
        hashlib.new(params[0] if params else "sha256")
    except ValueError:
        return None
    if len(params) < 2:
        return DEFAULT_PBKDF2_ITERATIONS
    return int(params[1]) if params[1].isdigit() and int(params[1]) else None


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
        if not _check_bool(config, name, report):
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


def _check_mail(config: Mapping[str, Any], report: CheckReport, production: bool) -> None:
    for name in ("MAIL_STARTTLS", "MAIL_SSL"):
        _check_bool(config, name, report)
    server = config.get("MAIL_SERVER") or ""
    if not isinstance(server, str):
        report.errors.append(f"MAIL_SERVER must be a host name, not {server!r}")
        return
    if not server:
        if production:
            report.errors.append(
                "MAIL_SERVER is not set: the mail worker would print mails instead of sending "
                "them, so invitations and password resets never arrive. Set ACADEMY_MAIL_SERVER "
                "(and MAIL_PORT, MAIL_STARTTLS or MAIL_SSL, MAIL_USERNAME, MAIL_PASSWORD)"
            )
        return
    if config.get("MAIL_STARTTLS") is True and config.get("MAIL_SSL") is True:
        report.errors.append(
            "MAIL_STARTTLS and MAIL_SSL are both true; use MAIL_STARTTLS for port 587 "
            "or MAIL_SSL for port 465"
        )
    if bool(config.get("MAIL_USERNAME")) != bool(config.get("MAIL_PASSWORD")):
        report.errors.append(
            "MAIL_USERNAME and MAIL_PASSWORD go together: set both for an SMTP login, or neither"
        )
    elif config.get("MAIL_USERNAME") and not (
        config.get("MAIL_STARTTLS") or config.get("MAIL_SSL")
    ):
        report.warnings.append(
            "MAIL_USERNAME is set but neither MAIL_STARTTLS nor MAIL_SSL: the SMTP password "
            "would cross the network unencrypted"
        )
    sender = str(config.get("MAIL_FROM") or "")
    address = parseaddr(sender)[1]
    domain = address.rpartition("@")[2]
    if "@" not in address or ("." not in domain and domain != "localhost"):
        report.errors.append(
            f"MAIL_FROM {sender!r} is not an address like 'Academy <academy@example.se>'"
        )
    elif production and domain == "localhost":
        report.errors.append(
            f"MAIL_FROM {sender!r} is the development sender; set ACADEMY_MAIL_FROM to an "
            "address of your own domain, e.g. 'Academy <academy@example.se>'"
        )


def _check_proxy(config: Mapping[str, Any], report: CheckReport, production: bool) -> None:
    if production and config.get("PROXY_FIX") == 0:
        report.warnings.append(
            "PROXY_FIX is 0: behind a reverse proxy, set ACADEMY_PROXY_FIX=1, or every client "
            "shares the proxy's address for LOGIN_LIMIT_PER_ADDRESS"
        )


def _check_retention(config: Mapping[str, Any], report: CheckReport) -> None:
    from .services.privacy import retention_days

    try:
        retention_days(config.get("RETENTION_DAYS"))
    except ConfigError as error:
        report.errors.append(str(error))


def _check_badges(config: Mapping[str, Any], report: CheckReport, production: bool) -> None:
    issuer = config.get("BADGE_ISSUER_URL")
    if issuer:
        parts = urlsplit(str(issuer))
        if parts.scheme not in ("http", "https") or not parts.netloc:
            report.errors.append(f"BADGE_ISSUER_URL {issuer!r} is not an absolute http(s) address")
        elif production and parts.scheme != "https":
            report.errors.append(f"BADGE_ISSUER_URL {issuer!r} is not https://")


def _check_instance_folder(app: Flask, report: CheckReport) -> None:
    """The badge signing key is created in the instance folder on first use."""
    from .services.badges import signing_key_path

    key = signing_key_path(app)
    if key.exists():
        if not os.access(key, os.R_OK):
            report.errors.append(f"cannot read the badge signing key {key}")
    elif not os.access(key.parent, os.W_OK):
        report.errors.append(
            f"{key.parent} is not writable by this user: the badge signing key is created "
            f"there ({key.name}) when the first certificate is issued"
        )


def _check_unknown_environment(report: CheckReport) -> None:
    known = set(DEFAULTS) | set(Flask.default_config) | set(_READ_WITHOUT_DEFAULT)
    for variable in sorted(os.environ):
        if not variable.startswith("ACADEMY_"):
            continue
        name = variable.removeprefix("ACADEMY_")
        if name not in known and not name.startswith(_EXTENSION_PREFIXES):
            report.warnings.append(f"{variable} sets {name}, which Academy does not read (a typo?)")


def _check_bool(config: Mapping[str, Any], name: str, report: CheckReport) -> bool:
    value = config.get(name)
    if isinstance(value, bool):
        return True
    report.errors.append(f"{name} must be true or false, not {value!r}")
    return False


# --- services -----------------------------------------------------------------------------


def _check_database(config: Mapping[str, Any], report: CheckReport) -> None:
    """Connect (with a short timeout), then compare the database's migration with the code's."""
    from sqlalchemy.exc import SQLAlchemyError
    from sqlalchemy.pool import NullPool

    from .db import make_engine

    url = _database_url(config)
    if url is None or url.get_backend_name() not in ("postgresql", "sqlite"):
        return  # reported with the settings
    shown = url.render_as_string(hide_password=True)
    if url.get_backend_name() == "sqlite":
        if url.database and url.database != ":memory:" and not Path(url.database).exists():
            report.errors.append(
                f"the SQLite database {url.database} does not exist; create it with "
                f"{ALEMBIC_UPGRADE}"
            )
            return
        connect_args: dict[str, Any] = {}
    else:
        connect_args = {"connect_timeout": CONNECT_TIMEOUT}
    engine = make_engine(
        url.render_as_string(hide_password=False), poolclass=NullPool, connect_args=connect_args
    )
    try:
        with engine.connect() as connection:
            revision = _check_migrations(connection, report)
    except SQLAlchemyError as error:
        reason = str(getattr(error, "orig", None) or error).strip().splitlines()[0]
        report.errors.append(f"cannot connect to the database {shown}: {reason}")
        return
    finally:
        engine.dispose()
    if revision:
        report.passed.append(f"database (migrations at {revision})")


def _check_migrations(connection, report: CheckReport) -> str | None:
    from alembic.config import Config
    from alembic.runtime.migration import MigrationContext
    from alembic.script import ScriptDirectory

    if not MIGRATIONS_INI.is_file():
        report.errors.append(
            f"cannot find {MIGRATIONS_INI}: run Academy from its source folder, which has "
            "migrations/"
        )
        return None
    script = ScriptDirectory.from_config(Config(str(MIGRATIONS_INI)))
    heads = set(script.get_heads())
    current = set(MigrationContext.configure(connection).get_current_heads())
    if current == heads:
        return ", ".join(sorted(current))
    if not current:
        report.errors.append(
            f"the database has no migrations applied (it is empty, or was not made by "
            f"Alembic): run {ALEMBIC_UPGRADE}"
        )
        return None
    unknown = sorted(rev for rev in current if _revision(script, rev) is None)
    if unknown:
        report.errors.append(
            f"the database is at migration {', '.join(unknown)}, which this code does not "
            "know: it was upgraded by a newer version of Academy. Run that version, or restore "
            "the backup taken before the upgrade"
        )
        return None
    report.errors.append(
        f"the database is at migration {', '.join(sorted(current))} but the code needs "
        f"{', '.join(sorted(heads))}: run {ALEMBIC_UPGRADE}"
    )
    return None


def _revision(script, revision: str):
    from alembic.util import CommandError

    try:
        return script.get_revision(revision)
    except CommandError:
        return None


def _check_rate_limit_storage(config: Mapping[str, Any], report: CheckReport) -> None:
    uri = str(config.get("RATELIMIT_STORAGE_URI") or "")
    scheme = uri.partition("://")[0]
    if not scheme or "://" not in uri or scheme == "memory":
        return
    shown = _hide_password(uri)
    try:
        reachable = _ping_storage(uri, scheme)
    except Exception as error:  # any client library's error means the same to an operator
        reason = str(error).strip().splitlines()[0] if str(error).strip() else type(error).__name__
        report.errors.append(f"cannot reach the rate-limit storage {shown}: {reason}")
        return
    if not reachable:
        report.errors.append(f"cannot reach the rate-limit storage {shown}")
        return
    report.passed.append(f"rate-limit storage ({shown})")


def _ping_storage(uri: str, scheme: str) -> bool:
    if scheme in ("redis", "rediss"):
        import redis

        client = redis.Redis.from_url(
            uri, socket_connect_timeout=CONNECT_TIMEOUT, socket_timeout=CONNECT_TIMEOUT
        )
        try:
            return bool(client.ping())
        finally:
            client.close()
    from limits.storage import storage_from_string

    return bool(storage_from_string(uri).check())


def _hide_password(uri: str) -> str:
    parts = urlsplit(uri)
    if parts.password is None:
        return uri
    netloc = parts.netloc.rpartition("@")[2]
    user = f"{parts.username}:***@" if parts.username else ":***@"
    return urlunsplit(parts._replace(netloc=user + netloc))


def _check_courses(app: Flask, report: CheckReport) -> None:
    from .content import CourseError, get_catalog

    if not Path(str(app.config.get("COURSES_DIR"))).is_dir():
        return  # reported with the settings
    try:
        catalog = get_catalog(app)
    except CourseError as error:
        report.errors.append(str(error))
        return
    report.passed.append(f"{len(catalog)} course{'s' if len(catalog) != 1 else ''}")


# --- reporting ----------------------------------------------------------------------------


def print_report(report: CheckReport, env: str) -> None:
    for warning in report.warnings:
        click.echo(f"warning: {warning}", err=True)
    for error in report.errors:
        click.echo(f"error: {error}", err=True)
    if report.errors:
        count = len(report.errors)
        click.echo(
            f"Academy must not start (ENV={env}): {count} problem{'s' if count != 1 else ''} "
            "above. Settings are listed in README.md.",
            err=True,
        )
    else:
        click.echo(f"Startup checks passed (ENV={env}): {', '.join(report.passed)}.")


def check_and_print(app: Flask, *, startup: bool) -> int:
    """Run the checks (with ``startup``: only if STARTUP_CHECKS asks them) and print them;
    return the exit status."""
    env = app.config.get("ENV")
    if startup and not checks_enabled(app.config):
        click.echo(
            f"Startup checks skipped (ENV={env}); ACADEMY_STARTUP_CHECKS=true runs them anyway."
        )
        return 0
    report = run_checks(app)
    print_report(report, env)
    return 0 if report.ok else 1


def main(argv: list[str] | None = None) -> int:
    """``python -m academy.startup [--startup]``: as ``flask config check``, and a setting
    that stops ``create_app`` is reported as one line too."""
    from . import create_app

    args = sys.argv[1:] if argv is None else argv
    if set(args) - {"--startup"}:
        click.echo("usage: python -m academy.startup [--startup]", err=True)
        return 2
    try:
        app = create_app()
    except ConfigError as error:
        click.echo(f"error: {error}", err=True)
        click.echo("Academy must not start: 1 problem above.", err=True)
        return 1
    return check_and_print(app, startup="--startup" in args)


if __name__ == "__main__":
    from academy.startup import main as _main

    raise SystemExit(_main())
