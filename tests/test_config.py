"""Settings: layers, the development secret, production refusals."""

from __future__ import annotations

import pytest

from academy import create_app
from academy.config import ConfigError


def test_development_generates_a_secret_once_into_the_instance_folder(tmp_path, monkeypatch):
    monkeypatch.setattr("flask.Flask.auto_find_instance_path", lambda self: str(tmp_path))
    monkeypatch.delenv("ACADEMY_SECRET_KEY", raising=False)
    first = create_app({"DATABASE_URL": f"sqlite:///{tmp_path}/db.sqlite3"})
    second = create_app({"DATABASE_URL": f"sqlite:///{tmp_path}/db.sqlite3"})
    assert len(first.secret_key) >= 40
    assert first.secret_key == second.secret_key
    assert (tmp_path / "secret_key").stat().st_mode & 0o077 == 0


def test_production_refuses_to_start_without_a_secret(monkeypatch):
    monkeypatch.delenv("ACADEMY_SECRET_KEY", raising=False)
    with pytest.raises(ConfigError, match="ACADEMY_SECRET_KEY"):
        create_app({"ENV": "production", "DATABASE_URL": "sqlite://"})


def test_environment_variables_override_defaults(monkeypatch, tmp_path):
    monkeypatch.setenv("ACADEMY_BASE_URL", "https://academy.example.se/")
    monkeypatch.setenv("ACADEMY_TIMEZONE", "Europe/Oslo")
    monkeypatch.setenv("ACADEMY_MAIL_PORT", "2525")
    app = create_app({"SECRET_KEY": "x" * 40, "DATABASE_URL": f"sqlite:///{tmp_path}/d.db"})
    assert app.config["BASE_URL"] == "https://academy.example.se"
    assert app.config["TIMEZONE"] == "Europe/Oslo"
    assert app.config["MAIL_PORT"] == 2525


def test_production_cookies_are_secure(monkeypatch):
    app = create_app({"ENV": "production", "SECRET_KEY": "x" * 40, "DATABASE_URL": "sqlite://"})
    assert app.config["SESSION_COOKIE_SECURE"] is True
    assert app.config["REMEMBER_COOKIE_SECURE"] is True
    assert app.config["SESSION_COOKIE_SAMESITE"] == "Lax"
    assert app.config["SESSION_COOKIE_HTTPONLY"] is True


def test_unknown_environment_name_is_refused():
    with pytest.raises(ConfigError, match="ACADEMY_ENV"):
        create_app({"ENV": "staging", "SECRET_KEY": "x" * 40, "DATABASE_URL": "sqlite://"})
