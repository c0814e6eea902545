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

    from . import db, errors, headers, i18n, security
    from .commands import init_app as init_commands
    from .content import init_app as init_content
    from .extensions import babel, csrf, limiter, login_manager
    from .web import params, register_blueprints

    # Before the blueprints: each rule takes its converters when it is added.
    params.init_app(app)
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
    headers.init_app(app)
    init_commands(app)
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
    # Secure cookies unless set explicitly: in production, and wherever the site is https.
    secure = config["ENV"] == "production" or config["BASE_URL"].startswith("https://")
    for name in ("SESSION_COOKIE_SECURE", "REMEMBER_COOKIE_SECURE"):
        if config.get(name) is None:
            config[name] = secure
    config["SESSION_COOKIE_SAMESITE"] = "Lax"
    config["REMEMBER_COOKIE_SAMESITE"] = "Lax"
    config["REMEMBER_COOKIE_HTTPONLY"] = True
    hops = config["PROXY_FIX"]
    if isinstance(hops, str) and hops.strip().isdigit():
        hops = config["PROXY_FIX"] = int(hops)
    if isinstance(hops, bool) or not isinstance(hops, int) or hops < 0:
        raise config_module.ConfigError(
            f"ACADEMY_PROXY_FIX must be the number of reverse proxies in front of Academy "
            f"(0, 1, ...), not {hops!r}"
        )
    if hops:
        from werkzeug.middleware.proxy_fix import ProxyFix

        app.wsgi_app = ProxyFix(app.wsgi_app, x_for=hops, x_proto=hops, x_host=hops)  # type: ignore[method-assign]
