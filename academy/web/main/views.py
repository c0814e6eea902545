from __future__ import annotations

from flask import Blueprint, current_app, redirect, render_template, request, session, url_for
from flask_login import current_user
from sqlalchemy import text
from sqlalchemy.exc import SQLAlchemyError

from ...db import get_engine, get_session
from ...i18n import LANGUAGE_NAMES
from ..forms import safe_next
from .forms import LanguageForm

bp = Blueprint("main", __name__)


@bp.get("/")
def index():
    return render_template("main/index.html")


@bp.get("/privacy")
def privacy():
    return render_template("main/privacy.html")


@bp.get("/accessibility")
def accessibility():
    return render_template("main/accessibility.html")


@bp.post("/language")
def set_language():
    form = LanguageForm()
    if form.validate_on_submit():
        session["locale"] = form.locale.data
        if current_user.is_authenticated:
            current_user.locale = form.locale.data
            get_session().commit()
    return redirect(safe_next(request.form.get("next")) or url_for("main.index"))


@bp.get("/healthz")
def healthz():
    try:
        with get_engine().connect() as connection:
            connection.execute(text("SELECT 1"))
    except SQLAlchemyError:
        current_app.logger.exception("health check: the database does not answer")
        return {"status": "unavailable", "database": "down"}, 503
    return {"status": "ok", "database": "up"}


@bp.app_context_processor
def language_context():
    return {"language_names": LANGUAGE_NAMES, "language_form": LanguageForm}
