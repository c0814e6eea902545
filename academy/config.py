"""Settings and their defaults.

Layers, later wins: these defaults, ``instance/config.py``, ``ACADEMY_*`` environment
variables (``ACADEMY_DATABASE_URL`` sets ``DATABASE_URL``; values are parsed as JSON when
they can be), and the ``test_config`` passed to ``create_app``.
"""

from __future__ import annotations

import secrets
from datetime import timedelta
from pathlib import Path

DEFAULTS: dict[str, object] = {
    # "development" or "production". Production refuses to start without SECRET_KEY.
    "ENV": "development",
    "SECRET_KEY": None,
    # Empty means the SQLite file instance/academy.sqlite3.
    "DATABASE_URL": "",
    # The address users reach the site by; used in mails, QR codes and credentials.
    "BASE_URL": "http://127.0.0.1:5000",
    # Stored times are UTC; they are shown in this zone unless an organisation sets its own.
    "TIMEZONE": "Europe/Stockholm",
    "LANGUAGES": ["en", "sv", "nb"],
    "COURSES_DIR": str(Path(__file__).resolve().parent.parent / "courses"),
    # Flask-Limiter: memory:// in development; redis://host:6379 in production so that
    # every worker shares the counters.
    "RATELIMIT_STORAGE_URI": "memory://",
    "RATELIMIT_HEADERS_ENABLED": False,
    "LOGIN_LIMIT_PER_ACCOUNT": "10 per 15 minutes",
    "LOGIN_LIMIT_PER_ADDRESS": "30 per 15 minutes",
    # Administrators and organizers who sign in with a password also give a code from an
    # authenticator app (TOTP); they set one up at their first sign-in. Wrong codes are
    # limited like wrong passwords (the two limits above, counted apart).
    "SECOND_FACTOR_FOR_STAFF": True,
    # The name authenticator apps show beside the account.
    "SECOND_FACTOR_ISSUER": "Academy",
    # Seconds between the password and the code (or the provider's answer) before the
    # sign-in starts again.
    "SIGN_IN_STEP_MAX_AGE": 600,
    # Sign-in through an organisation's own provider (OpenID Connect): the Fernet keys that
    # encrypt the providers' client secrets, comma-separated, the first encrypting and
    # every one decrypting (`flask --app academy sign-in new-key` makes one); empty means
    # no provider can be set up. The discovery document and keys are kept this many
    # seconds; the provider gets this long to answer; ID tokens may be this many seconds
    # off our clock.
    "SIGN_IN_ENCRYPTION_KEYS": "",
    "SIGN_IN_DISCOVERY_MAX_AGE": 3600,
    "SIGN_IN_HTTP_TIMEOUT": 10,
    "SIGN_IN_CLOCK_SKEW": 60,
    # The public certificate verification page, and its "is this the holder's name?" check.
    "VERIFY_LIMIT": "60 per minute",
    "VERIFY_NAME_LIMIT": "10 per 10 minutes",
    # Wrong live-session check-in codes per user (the code changes every minute).
    "CHECKIN_LIMIT_PER_USER": "10 per 15 minutes",
    # Announcements each organizer may send (counted per organizer, over every round).
    "ANNOUNCEMENT_LIMIT": "5 per hour",
    # Open Badges: the RSA key that signs every credential (relative to instance/ unless
    # absolute; generated on first use; back it up, credentials verify only against it),
    # and the issuer's name and home page in the credentials (empty: this site's).
    "BADGE_SIGNING_KEY_FILE": "badge-signing-key.pem",
    "BADGE_ISSUER_NAME": "Academy",
    "BADGE_ISSUER_URL": "",
    # Werkzeug method string; the tests use a cheap one.
    "PASSWORD_HASH_METHOD": "scrypt",
    "PASSWORD_MIN_LENGTH": 10,
    "PASSWORD_RESET_MAX_AGE": 3600,
    "ADMIN_LINK_MAX_AGE": 3600,
    "EMAIL_CHANGE_MAX_AGE": 24 * 3600,
    "REMEMBER_COOKIE_DURATION": timedelta(days=14),
    "SESSION_PROTECTION": "basic",
    "MAX_CONTENT_LENGTH": 5 * 1024 * 1024,
    # SMTP. With no MAIL_SERVER, `flask mail send` prints mails instead of sending them.
    "MAIL_SERVER": "",
    "MAIL_PORT": 25,
    "MAIL_USERNAME": "",
    "MAIL_PASSWORD": "",
    "MAIL_STARTTLS": False,
    "MAIL_SSL": False,
    "MAIL_TIMEOUT": 30,
    "MAIL_FROM": "Academy <academy@localhost>",
    "MAIL_MAX_ATTEMPTS": 8,
    # Who answers questions about personal data (shown on the privacy notice).
    "PRIVACY_CONTACT": "the organizer of your course round",
    # `flask privacy purge` erases accounts unused for this many days (last login, or
    # creation if never logged in): 3 years by default; 0 never purges; else at least 30.
    "RETENTION_DAYS": 3 * 365,
    # Number of proxies in front of the app whose X-Forwarded-* headers are trusted.
    "PROXY_FIX": 0,
    # The Secure flag of the session and "keep me logged in" cookies. None follows the site:
    # secure in production or when BASE_URL is https://, so http://127.0.0.1 keeps working.
    "SESSION_COOKIE_SECURE": None,
    "REMEMBER_COOKIE_SECURE": None,
    # Sent only on requests that came over HTTPS (with PROXY_FIX, as X-Forwarded-Proto
    # says). Empty sends none.
    "STRICT_TRANSPORT_SECURITY": "max-age=31536000; includeSubDomains",
    # academy/startup/ before gunicorn starts: None runs the checks in production only.
    "STARTUP_CHECKS": None,
}


def load_or_create_secret(instance_path: str) -> str:
    """Return the development secret key kept in the instance folder, creating it once."""
    path = Path(instance_path) / "secret_key"
    if path.exists():
        return path.read_text().strip()
    path.parent.mkdir(parents=True, exist_ok=True)
    key = secrets.token_urlsafe(48)
    path.write_text(key + "\n")
    path.chmod(0o600)
    return key


def sqlite_url(instance_path: str) -> str:
    return "sqlite:///" + str(Path(instance_path) / "academy.sqlite3")


class ConfigError(RuntimeError):
    """A setting is missing or wrong; the message says which and how to fix it."""
