"""A participant closes an announcement on their dashboard (it stays in their data)."""

from __future__ import annotations

from flask import abort, redirect, url_for
from flask_login import current_user

from ...db import get_session
from ...services import announcements
from ..forms import require_button_form
from .blueprint import bp


@bp.post("/announcements/<int:announcement_id>/dismiss")
def dismiss_announcement(announcement_id: int):
    session = get_session()
    recipient = announcements.recipient_of(session, announcement_id, current_user.id)
    if recipient is None:
        abort(404)
    require_button_form()
    announcements.dismiss(session, recipient)
    session.commit()
    return redirect(url_for("learn.dashboard"))
