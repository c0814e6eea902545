from __future__ import annotations

from flask import Flask


def register_blueprints(app: Flask) -> None:
    from .account.views import bp as account_bp
    from .admin.views import bp as admin_bp
    from .main.views import bp as main_bp

    app.register_blueprint(main_bp)
    app.register_blueprint(account_bp)
    app.register_blueprint(admin_bp)
