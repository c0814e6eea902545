"""Login sessions: Flask-Login with a per-user session version.

The id in the session and in the remember cookie is "<user id>:<session version>". Logout
and password change bump the version, so every older session and remember cookie stops
matching and its bearer is sent to the login page.
"""

from __future__ import annotations

from flask import Flask, g
from flask_babel import lazy_gettext as _l
from flask_login import LoginManager
from sqlalchemy import bindparam, exists, select

from .db import get_session
from .models import ExternalIdentity, Organizer, User, Viewer


def init_app(app: Flask, login_manager: LoginManager) -> None:
    login_manager.init_app(app)
    login_manager.session_protection = app.config["SESSION_PROTECTION"]
    login_manager.login_view = "account.login"
    login_manager.login_message = _l("Please log in to see that page.")
    login_manager.login_message_category = "info"
    login_manager.user_loader(load_user)


# The user, and whether they organize anything: every page's navigation asks the latter
# (is_organizer), so it comes with the user in the same query instead of one of its own,
# and is still read afresh on every request (a new organizer sees the link at once).
# Built once, as it runs on every logged-in request.
_USER_AND_ROLE = select(
    User,
    exists().where(Organizer.user_id == User.id),
    exists().where(Viewer.user_id == User.id),
    exists().where(ExternalIdentity.user_id == User.id),
).where(User.id == bindparam("user_id"))


def load_user(user_id: str) -> User | None:
    user_part, _, version_part = user_id.partition(":")
    if not (user_part.isdigit() and version_part.isdigit()):
        return None
    row = get_session().execute(_USER_AND_ROLE, {"user_id": int(user_part)}).first()
    if row is None:
        return None
    user, organizes, views, linked = row
    # Someone with neither a password nor an organisation's account cannot have logged in
    # (an invited participant who has not joined yet).
    if user.session_version != int(version_part) or not (user.has_password or linked):
        return None
    # Keyed by the user, so that logging in as someone else in this request cannot reuse it.
    g.user_organizes = (user.id, bool(organizes))
    g.user_views = (user.id, bool(views))
    return user
