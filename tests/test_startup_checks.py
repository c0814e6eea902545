"""Startup checks: each wrong setting or missing service stops the server with its message."""

from __future__ import annotations

import os
import re
import secrets
import shutil
import sqlite3
from pathlib import Path

import pytest
from alembic import command
from alembic.config import Config
from alembic.script import ScriptDirectory

from academy import create_app
from academy.config import DEFAULTS
from academy.services import passwords
from academy.startup import (
    CheckReport,
    StartupError,
    check_settings,
    checks_enabled,
    require_ready,
    run_checks,
    secret_key,
    settings,
)
from academy.startup.__main__ import main as startup_main
from tests.conftest import FIXTURE_COURSES, test_config

ROOT = Path(__file__).resolve().parent.parent
BROKEN_COURSES = ROOT / "tests" / "data" / "courses" / "broken"
REDIS_URL = os.environ.get("ACADEMY_TEST_REDIS_URL", "redis://127.0.0.1:6379/15")
# Nothing listens on port 1: connections are refused at once.
UNREACHABLE_POSTGRES = "postgresql+psycopg://academy:hunter2secret@127.0.0.1:1/academy"


@pytest.fixture(autouse=True)
def _no_ambient_settings(monkeypatch):
    """The checks read ACADEMY_* variables (to name unknown ones); the shell's must not count."""
    for name in list(os.environ):
        if name.startswith("ACADEMY_"):
            monkeypatch.delenv(name)


def production_settings(**overrides) -> dict:
    """A complete, valid production configuration (checked without the network)."""
    config = dict(DEFAULTS)
    config.update(
        ENV="production",
        SECRET_KEY=secrets.token_urlsafe(48),
        DATABASE_URL="postgresql+psycopg://academy:pw@db.example.se/academy",
        BASE_URL="https://academy.example.se",
        RATELIMIT_STORAGE_URI="redis://127.0.0.1:6379/0",
        MAIL_SERVER="smtp.example.se",
        MAIL_PORT=587,
        MAIL_STARTTLS=True,
        MAIL_USERNAME="academy",
        MAIL_PASSWORD="smtp password",
        MAIL_FROM="Academy <academy@example.se>",
        PRIVACY_CONTACT="dataskydd@example.se",
        PROXY_FIX=1,
        SESSION_COOKIE_SECURE=True,
        REMEMBER_COOKIE_SECURE=True,
        SESSION_COOKIE_HTTPONLY=True,
        REMEMBER_COOKIE_HTTPONLY=True,
    )
    config.update(overrides)
    return config


def test_a_complete_production_configuration_passes():
    report = check_settings(production_settings())
    assert report.errors == []
    assert report.warnings == []


@pytest.mark.parametrize(
    ("overrides", "message"),
    [
        ({"SECRET_KEY": None}, "SECRET_KEY is not set"),
        ({"SECRET_KEY": "too-short-a-key"}, "SECRET_KEY is weak: only 15 characters"),
        ({"SECRET_KEY": "ab" * 30}, "SECRET_KEY is weak: it repeats a few characters"),
        (
            {"SECRET_KEY": "Change-me-before-going-live-0123456789"},
            "SECRET_KEY is weak: it looks like an example",
        ),
        (
            {"SECRET_KEY": "test-secret-key-not-for-production"},
            "SECRET_KEY is weak: it looks like an example",
        ),
        ({"DATABASE_URL": "not a url"}, "'not a url' is not a database URL"),
        ({"DATABASE_URL": "mysql://a@b/c"}, "DATABASE_URL names mysql"),
        ({"DATABASE_URL": "postgresql+psycopg2://a@b/c"}, "write postgresql+psycopg://"),
        ({"DATABASE_URL": "sqlite:////srv/academy.sqlite3"}, "production runs on PostgreSQL"),
        ({"BASE_URL": "academy.example.se"}, "is not an absolute http(s) address"),
        ({"BASE_URL": "ftp://academy.example.se"}, "is not an absolute http(s) address"),
        ({"BASE_URL": "https://academy.example.se:99999"}, "is not an absolute http(s) address"),
        ({"BASE_URL": "http://academy.example.se"}, "is not https://; production"),
        ({"BASE_URL": "https://example.se/academy"}, "has a path"),
        ({"BASE_URL": "https://academy.example.se?x=1"}, "without login, ?query or #part"),
        ({"TIMEZONE": "Europe/Stockhom"}, "TIMEZONE 'Europe/Stockhom' is not a time zone"),
        ({"LANGUAGES": ["en", "de"]}, "LANGUAGES ['en', 'de'] must be a list of codes"),
        ({"LANGUAGES": "en"}, "must be a list of codes"),
        ({"COURSES_DIR": "/no/such/folder"}, "COURSES_DIR '/no/such/folder' is not a folder"),
        ({"RATELIMIT_STORAGE_URI": "memory://"}, "RATELIMIT_STORAGE_URI is memory://"),
        ({"RATELIMIT_STORAGE_URI": "127.0.0.1:6379"}, "is not a storage address"),
        ({"RATELIMIT_HEADERS_ENABLED": "yes"}, "RATELIMIT_HEADERS_ENABLED must be true or false"),
        ({"LOGIN_LIMIT_PER_ACCOUNT": "ten a minute"}, "is not a rate limit like"),
        ({"VERIFY_NAME_LIMIT": ""}, "VERIFY_NAME_LIMIT '' is not a rate limit like"),
        ({"PASSWORD_HASH_METHOD": "md5"}, "PASSWORD_HASH_METHOD 'md5' is not a method like"),
        ({"PASSWORD_HASH_METHOD": "pbkdf2:sha256:1"}, "below the OWASP minimum"),
        ({"PASSWORD_HASH_METHOD": "scrypt:1024:8:1"}, "below the OWASP minimum"),
        # Werkzeug's scrypt default, Academy's until argon2id.
        ({"PASSWORD_HASH_METHOD": "scrypt"}, "below the OWASP minimum"),
        ({"PASSWORD_HASH_METHOD": "argon2id:19455:2:1"}, "below the OWASP minimum"),
        ({"PASSWORD_HASH_METHOD": "argon2id:19456"}, "argon2id takes memory (KiB)"),
        ({"PASSWORD_MIN_LENGTH": 4}, "PASSWORD_MIN_LENGTH must be at least 8, not 4"),
        ({"PASSWORD_RESET_MAX_AGE": "an hour"}, "PASSWORD_RESET_MAX_AGE must be a whole number"),
        ({"ADMIN_LINK_MAX_AGE": 0}, "ADMIN_LINK_MAX_AGE must be at least 60"),
        ({"EMAIL_CHANGE_MAX_AGE": 1.5}, "EMAIL_CHANGE_MAX_AGE must be a whole number"),
        ({"MAX_CONTENT_LENGTH": None}, "MAX_CONTENT_LENGTH must be a whole number"),
        ({"MAIL_PORT": "25x"}, "MAIL_PORT must be a whole number, not '25x'"),
        ({"MAIL_PORT": True}, "MAIL_PORT must be a whole number"),
        ({"MAIL_PORT": 70000}, "MAIL_PORT 70000 is not a port number"),
        ({"MAIL_TIMEOUT": 0}, "MAIL_TIMEOUT must be a number of seconds above 0"),
        ({"MAIL_MAX_ATTEMPTS": 0}, "MAIL_MAX_ATTEMPTS must be at least 1"),
        ({"PROXY_FIX": -1}, "PROXY_FIX must be at least 0"),
        ({"REMEMBER_COOKIE_DURATION": "14 days"}, "REMEMBER_COOKIE_DURATION must be"),
        ({"SESSION_PROTECTION": "paranoid"}, "SESSION_PROTECTION must be 'basic'"),
        ({"SESSION_COOKIE_SECURE": False}, "SESSION_COOKIE_SECURE is false; production"),
        ({"REMEMBER_COOKIE_SECURE": False}, "REMEMBER_COOKIE_SECURE is false; production"),
        ({"SESSION_COOKIE_HTTPONLY": False}, "SESSION_COOKIE_HTTPONLY is false"),
        ({"STRICT_TRANSPORT_SECURITY": "one year"}, "STRICT_TRANSPORT_SECURITY 'one year'"),
        ({"STRICT_TRANSPORT_SECURITY": "max-age=1; everywhere"}, "is not a header value"),
        ({"MAIL_SERVER": ""}, "MAIL_SERVER is not set: the mail worker would print"),
        ({"MAIL_STARTTLS": "true"}, "MAIL_STARTTLS must be true or false"),
        ({"MAIL_SSL": True}, "MAIL_STARTTLS and MAIL_SSL are both true"),
        ({"MAIL_PASSWORD": ""}, "MAIL_USERNAME and MAIL_PASSWORD go together"),
        ({"MAIL_FROM": "Academy"}, "MAIL_FROM 'Academy' is not an address"),
        ({"MAIL_FROM": "Academy <academy@localhost>"}, "is the development sender"),
        ({"RETENTION_DAYS": 3}, "RETENTION_DAYS must be a whole number of days, at least 30"),
        ({"BADGE_ISSUER_URL": "academy.example.se"}, "BADGE_ISSUER_URL 'academy.example.se'"),
        ({"BADGE_ISSUER_URL": "http://academy.example.se"}, "is not https://"),
    ],
)
def test_each_wrong_setting_is_named(overrides, message):
    report = check_settings(production_settings(**overrides))
    assert any(message in error for error in report.errors), report.errors


def test_development_allows_what_production_refuses():
    report = check_settings(
        dict(
            DEFAULTS,
            SECRET_KEY=secrets.token_urlsafe(48),
            DATABASE_URL="sqlite:////tmp/academy.sqlite3",
            SESSION_COOKIE_SECURE=False,
            REMEMBER_COOKIE_SECURE=False,
            SESSION_COOKIE_HTTPONLY=True,
            REMEMBER_COOKIE_HTTPONLY=True,
            PASSWORD_HASH_METHOD="pbkdf2:sha256:1",
        )
    )
    assert report.errors == []
    assert report.warnings == []


@pytest.mark.parametrize(
    ("overrides", "message"),
    [
        ({"PROXY_FIX": 0}, "PROXY_FIX is 0: behind a reverse proxy"),
        ({"PRIVACY_CONTACT": DEFAULTS["PRIVACY_CONTACT"]}, "PRIVACY_CONTACT is the default"),
        ({"STRICT_TRANSPORT_SECURITY": ""}, "STRICT_TRANSPORT_SECURITY is empty"),
        ({"MAIL_STARTTLS": False}, "the SMTP password would cross the network unencrypted"),
    ],
)
def test_warnings_are_reported_without_stopping(overrides, message):
    report = check_settings(production_settings(**overrides))
    assert report.errors == []
    assert any(message in warning for warning in report.warnings), report.warnings


def test_an_unknown_academy_variable_is_named(monkeypatch):
    monkeypatch.setenv("ACADEMY_DATABSE_URL", "postgresql+psycopg://x@y/z")
    monkeypatch.setenv("ACADEMY_RATELIMIT_KEY_PREFIX", "academy")  # Flask-Limiter's own
    monkeypatch.setenv("ACADEMY_SESSION_COOKIE_NAME", "academy")  # Flask's own
    report = check_settings(production_settings())
    assert report.warnings == [
        "ACADEMY_DATABSE_URL sets DATABSE_URL, which Academy does not read (a typo?)"
    ]


def test_translations_must_be_compiled(monkeypatch, tmp_path):
    monkeypatch.setattr(settings, "TRANSLATIONS", tmp_path)
    report = check_settings(production_settings())
    assert any(
        "the sv, nb translations are not compiled" in error and "pybabel compile" in error
        for error in report.errors
    ), report.errors


@pytest.mark.parametrize(
    ("config", "enabled"),
    [
        ({"ENV": "production", "STARTUP_CHECKS": None}, True),
        ({"ENV": "development", "STARTUP_CHECKS": None}, False),
        ({"ENV": "development", "STARTUP_CHECKS": True}, True),
        ({"ENV": "production", "STARTUP_CHECKS": False}, False),
    ],
)
def test_checks_run_in_production_unless_configured(config, enabled):
    assert checks_enabled(config) is enabled


# --- services -----------------------------------------------------------------------------


@pytest.fixture(scope="module")
def migrated_database(tmp_path_factory) -> Path:
    """A SQLite file at the newest migration, made by Alembic as an installation's is."""
    path = tmp_path_factory.mktemp("startup") / "migrated.sqlite3"
    config = Config(str(ROOT / "migrations" / "alembic.ini"))
    config.attributes["database_url"] = f"sqlite:///{path}"
    config.attributes["configure_logger"] = False
    command.upgrade(config, "head")
    return path


def migrations() -> list[str]:
    script = ScriptDirectory.from_config(Config(str(ROOT / "migrations" / "alembic.ini")))
    return [revision.revision for revision in reversed(list(script.walk_revisions()))]


def development_app(database_url: str, **overrides):
    return create_app(test_config(database_url, COURSES_DIR=str(FIXTURE_COURSES), **overrides))


def copy_at_revision(source: Path, target: Path, revision: str) -> str:
    shutil.copy(source, target)
    with sqlite3.connect(target) as connection:
        connection.execute("UPDATE alembic_version SET version_num = ?", (revision,))
    return f"sqlite:///{target}"


def test_a_migrated_database_passes(migrated_database):
    report = run_checks(development_app(f"sqlite:///{migrated_database}"))
    assert report.errors == []
    assert f"database (migrations at {migrations()[-1]})" in report.passed
    assert "1 course" in report.passed
    require_ready(development_app(f"sqlite:///{migrated_database}"))


def test_an_unreachable_database_is_named_without_its_password():
    report = run_checks(development_app(UNREACHABLE_POSTGRES))
    [error] = [error for error in report.errors if "database" in error]
    assert error.startswith(
        "cannot connect to the database postgresql+psycopg://academy:***@127.0.0.1:1/academy:"
    )
    assert "hunter2secret" not in error


def test_a_missing_sqlite_file_is_not_created(tmp_path):
    path = tmp_path / "missing.sqlite3"
    report = run_checks(development_app(f"sqlite:///{path}"))
    assert any("does not exist; create it with" in error for error in report.errors)
    assert not path.exists()


def test_a_database_without_migrations_is_refused(tmp_path):
    path = tmp_path / "empty.sqlite3"
    sqlite3.connect(path).close()
    report = run_checks(development_app(f"sqlite:///{path}"))
    assert any(
        "the database has no migrations applied" in error and "upgrade head" in error
        for error in report.errors
    ), report.errors


def test_a_database_behind_the_code_is_refused(migrated_database, tmp_path):
    first, *_rest, head = migrations()
    url = copy_at_revision(migrated_database, tmp_path / "old.sqlite3", first)
    with pytest.raises(StartupError) as raised:
        require_ready(development_app(url))
    assert (
        f"the database is at migration {first} but the code needs {head}: run "
        ".venv/bin/alembic -c migrations/alembic.ini upgrade head"
    ) in str(raised.value)


def test_a_database_ahead_of_the_code_is_refused(migrated_database, tmp_path):
    url = copy_at_revision(migrated_database, tmp_path / "new.sqlite3", "0123456789ab")
    report = run_checks(development_app(url))
    assert any(
        "at migration 0123456789ab, which this code does not know" in error
        for error in report.errors
    ), report.errors


def test_unreachable_rate_limit_storage_is_refused(migrated_database):
    app = development_app(f"sqlite:///{migrated_database}")
    # Set after create_app: the limiter object is shared by every app of the test run.
    app.config["RATELIMIT_STORAGE_URI"] = "redis://:storagepw@127.0.0.1:1/0"
    report = run_checks(app)
    [error] = report.errors
    assert error.startswith("cannot reach the rate-limit storage redis://:***@127.0.0.1:1/0")


def redis_available() -> bool:
    import redis

    try:
        return bool(redis.Redis.from_url(REDIS_URL, socket_connect_timeout=1).ping())
    except redis.RedisError:
        return False


@pytest.mark.skipif(not redis_available(), reason=f"no Redis at {REDIS_URL}")
def test_reachable_rate_limit_storage_passes(migrated_database):
    app = development_app(f"sqlite:///{migrated_database}")
    app.config["RATELIMIT_STORAGE_URI"] = REDIS_URL
    report = run_checks(app)
    assert report.errors == []
    assert f"rate-limit storage ({REDIS_URL})" in report.passed


def test_an_instance_folder_the_signing_key_cannot_be_written_to_is_refused(
    migrated_database, tmp_path
):
    app = development_app(f"sqlite:///{migrated_database}")
    app.instance_path = str(tmp_path / "not-there")
    report = run_checks(app)
    assert report.errors == [
        f"{tmp_path / 'not-there'} is not writable by this user: the badge signing key is "
        "created there (badge-signing-key.pem) when the first certificate is issued"
    ]


def test_broken_course_files_are_refused(migrated_database):
    app = development_app(f"sqlite:///{migrated_database}")
    app.config["COURSES_DIR"] = str(BROKEN_COURSES)
    report = run_checks(app)
    assert any("in the course files in" in error for error in report.errors), report.errors


# --- the commands -------------------------------------------------------------------------


def test_flask_config_check_prints_the_problems_and_fails(tmp_path):
    app = development_app(f"sqlite:///{tmp_path / 'empty.sqlite3'}")
    sqlite3.connect(tmp_path / "empty.sqlite3").close()
    result = app.test_cli_runner().invoke(args=["config", "check"])
    assert result.exit_code == 1
    assert "error: the database has no migrations applied" in result.output
    assert "Academy must not start (ENV=development): 1 problem above." in result.output


def test_flask_config_check_passes(migrated_database):
    app = development_app(f"sqlite:///{migrated_database}")
    result = app.test_cli_runner().invoke(args=["config", "check"])
    assert result.exit_code == 0, result.output
    assert result.output.startswith("Startup checks passed (ENV=development): settings, database")


def test_the_startup_flag_skips_the_checks_in_development(tmp_path):
    app = development_app(f"sqlite:///{tmp_path / 'missing.sqlite3'}")
    result = app.test_cli_runner().invoke(args=["config", "check", "--startup"])
    assert result.exit_code == 0
    assert result.output.startswith("Startup checks skipped (ENV=development)")


def test_module_entry_point_reports_a_missing_secret_in_one_line(monkeypatch, capsys):
    monkeypatch.setenv("ACADEMY_ENV", "production")
    monkeypatch.setenv("ACADEMY_DATABASE_URL", UNREACHABLE_POSTGRES)
    assert startup_main(["--startup"]) == 1
    err = capsys.readouterr().err
    assert err.startswith("error: ACADEMY_SECRET_KEY is not set.")
    assert "Traceback" not in err


def test_module_entry_point_runs_every_check_in_production(monkeypatch, capsys):
    monkeypatch.setenv("ACADEMY_ENV", "production")
    monkeypatch.setenv("ACADEMY_SECRET_KEY", secrets.token_urlsafe(48))
    monkeypatch.setenv("ACADEMY_DATABASE_URL", UNREACHABLE_POSTGRES)
    assert startup_main(["--startup"]) == 1
    err = capsys.readouterr().err
    for expected in (
        "error: BASE_URL 'http://127.0.0.1:5000' is not https://",
        "error: RATELIMIT_STORAGE_URI is memory://",
        "error: MAIL_SERVER is not set",
        "error: cannot connect to the database",
    ):
        assert expected in err


def test_startup_error_lists_every_problem():
    error = StartupError(["first", "second"])
    assert str(error) == "Academy cannot start:\n  - first\n  - second"
    assert CheckReport(errors=["x"]).ok is False


@pytest.mark.parametrize(
    "method",
    [
        "scrypt",
        "scrypt:16384:8:1",
        "scrypt:16383:8:1",
        "scrypt:abc",
        "scrypt:1024:8",
        "scrypt:0:8:1",
        "pbkdf2",
        "pbkdf2:sha512",
        "pbkdf2:sha512:1000",
        "pbkdf2:sha256:1",
        "pbkdf2:sha256:many",
        "pbkdf2:nohash",
        "md5",
    ],
)
def test_werkzeug_methods_are_read_as_werkzeug_reads_them(method):
    from werkzeug.security import generate_password_hash

    try:
        stored = generate_password_hash("x", method)
    except ValueError:
        stored = None
    try:
        settings = passwords.parse_method(method)
    except passwords.UnknownMethod:
        settings = None
    assert (settings is not None) is (stored is not None)
    if stored is not None:
        # Spelled out as Werkzeug writes it into the hash (its defaults filled in).
        assert settings.method == stored.split("$", 1)[0]


@pytest.mark.parametrize(
    ("method", "strong_enough"),
    [
        ("argon2id", True),
        ("argon2id:47104:1:1", True),
        ("argon2id:47103:1:1", False),
        ("argon2id:19456:2:1", True),
        ("argon2id:12288:3:1", True),
        ("argon2id:9216:4:1", True),
        ("argon2id:7168:5:1", True),
        ("argon2id:7168:9:1", True),
        ("argon2id:7167:9:1", False),
        ("argon2id:65536:3:4", True),
        ("scrypt", False),
        ("scrypt:131072:8:1", True),
        ("scrypt:262144:8:1", True),
        ("scrypt:65536:8:1", False),
        ("scrypt:65536:8:2", True),
        ("scrypt:32768:8:3", True),
        ("scrypt:16384:8:5", True),
        ("scrypt:8192:8:10", True),
        ("scrypt:8192:8:9", False),
        ("scrypt:4096:8:100", False),
        ("scrypt:131072:4:1", False),
        ("pbkdf2:sha256:600000", True),
        ("pbkdf2:sha256:599999", False),
        ("pbkdf2", True),
        ("pbkdf2:sha512:220000", True),
        ("pbkdf2:sha1:1400000", True),
        ("pbkdf2:md5:10000000", False),
    ],
)
def test_production_hashes_meet_the_owasp_minimums(method, strong_enough):
    settings = passwords.parse_method(method)
    assert secret_key.meets_owasp_minimum(settings) is strong_enough
    report = check_settings(production_settings(PASSWORD_HASH_METHOD=method))
    refused = any("PASSWORD_HASH_METHOD" in error for error in report.errors)
    assert refused is not strong_enough


def test_the_readme_lists_every_setting():
    readme = (ROOT / "README.md").read_text(encoding="utf-8")
    table = readme[readme.index("## Settings") : readme.index("## Mail")]
    listed = set(re.findall(r"^\| `([A-Z0-9_]+)`(?:, `([A-Z0-9_]+)`)?", table, re.MULTILINE))
    names = {name for pair in listed for name in pair if name}
    missing = set(DEFAULTS) | set(settings._READ_WITHOUT_DEFAULT)
    assert sorted(missing - names) == []
