from __future__ import annotations

from flask import Flask


def register_blueprints(app: Flask) -> None:
    from . import chrome, labels
    from .downloads import csv_formats
    from .forms import form_errors

    labels.init_app(app)
    chrome.init_app(app)
    app.add_template_global(form_errors, "form_errors")
    app.add_template_global(csv_formats, "csv_formats")
    from .account.routes import bp as account_bp
    from .account.routes import register_views as register_account_views
    from .admin.routes import bp as admin_bp
    from .admin.routes import register_views as register_admin_views
    from .badges.views import bp as badges_bp
    from .certificates.views import bp as certificates_bp
    from .invite.views import bp as invite_bp
    from .learn.routes import bp as learn_bp
    from .learn.routes import register_views as register_learn_views
    from .main.views import bp as main_bp
    from .organize.routes import bp as organize_bp
    from .organize.routes import register_views as register_organize_views

    app.register_blueprint(main_bp)
    register_account_views()
    app.register_blueprint(account_bp)
    register_admin_views()
    app.register_blueprint(admin_bp)
    app.register_blueprint(badges_bp)
    app.register_blueprint(certificates_bp)
    register_learn_views()
    app.register_blueprint(learn_bp)
    app.register_blueprint(invite_bp)
    register_organize_views()
    app.register_blueprint(organize_bp)
