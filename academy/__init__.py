"""Academy: training for local crime-prevention and safety work."""

from __future__ import annotations

import os
from typing import Any

from flask import Flask

from . import config as config_module


def create_app(test_config: dict[str, Any] | None = None) -> Flask:
    """Build the application. No database work happens here."""
    app = Flask(__name__, instance_relative_config=True)
    app.config.from_mapping(config_module.DEFAULTS)
    app.config.from_pyfile("config.py", silent=True)
    app.config.from_prefixed_env("ACADEMY")
    if test_config is not None:
        app.config.from_mapping(test_config)
    _finish_config(app)

    from . import db, errors, i18n, security
    from .cli import register_cli
    from .content import init_app as init_content
    from .extensions import babel, csrf, limiter, login_manager
    from .web import register_blueprints

    db.init_app(app)
    csrf.init_app(app)
    babel.init_app(
        app,
        locale_selector=i18n.select_locale,
        timezone_selector=lambda: app.config["TIMEZONE"],
    )
    i18n.init_app(app)
    limiter.init_app(app)
    security.init_app(app, login_manager)
    init_content(app)
    errors.init_app(app)
    register_blueprints(app)
    register_cli(app)
    return app


def _finish_config(app: Flask) -> None:
    config = app.config
    if config["ENV"] not in ("development", "production"):
        raise config_module.ConfigError(
            f"ACADEMY_ENV must be 'development' or 'production', not {config['ENV']!r}"
        )
    if not config.get("SECRET_KEY"):
        if config["ENV"] == "production":
            raise config_module.ConfigError(
                "ACADEMY_SECRET_KEY is not set. Production needs a long random secret, e.g. "
                "python -c 'import secrets; print(secrets.token_urlsafe(48))'"
            )
        config["SECRET_KEY"] = config_module.load_or_create_secret(app.instance_path)
    if not config["DATABASE_URL"]:
        os.makedirs(app.instance_path, exist_ok=True)
        config["DATABASE_URL"] = config_module.sqlite_url(app.instance_path)
    config["BASE_URL"] = str(config["BASE_URL"]).rstrip("/")
    if config["ENV"] == "production":
        config["SESSION_COOKIE_SECURE"] = True
        config["REMEMBER_COOKIE_SECURE"] = True
    config["SESSION_COOKIE_SAMESITE"] = "Lax"
    config["REMEMBER_COOKIE_SAMESITE"] = "Lax"
    config["REMEMBER_COOKIE_HTTPONLY"] = True
    if int(config["PROXY_FIX"]):
        from werkzeug.middleware.proxy_fix import ProxyFix

        hops = int(config["PROXY_FIX"])
        app.wsgi_app = ProxyFix(app.wsgi_app, x_for=hops, x_proto=hops, x_host=hops)  # type: ignore[method-assign]
