"""Login sessions: Flask-Login with a per-user session version.

The id in the session and in the remember cookie is "<user id>:<session version>". Logout
and password change bump the version, so every older session and remember cookie stops
matching and its bearer is sent to the login page.
"""

from __future__ import annotations

from flask import Flask
from flask_babel import lazy_gettext as _l
from flask_login import LoginManager

from .db import get_session
from .models import User


def init_app(app: Flask, login_manager: LoginManager) -> None:
    login_manager.init_app(app)
    login_manager.session_protection = app.config["SESSION_PROTECTION"]
    login_manager.login_view = "account.login"
    login_manager.login_message = _l("Please log in to see that page.")
    login_manager.login_message_category = "info"
    login_manager.user_loader(load_user)


def load_user(user_id: str) -> User | None:
    user_part, _, version_part = user_id.partition(":")
    if not (user_part.isdigit() and version_part.isdigit()):
        return None
    user = get_session().get(User, int(user_part))
    if user is None or user.session_version != int(version_part) or not user.has_password:
        return None
    return user
