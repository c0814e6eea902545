"""A person's sign-in as the administrator sees it (found by e-mail address), and the
reset of their second factor when they have lost their phone and recovery codes."""

from __future__ import annotations

from flask import abort, flash, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_login import current_user

from ...db import get_session
from ...models import User
from ...services import accounts, second_factor
from ..access import admin_required
from ..forms import ButtonForm, require_button_form
from ..params import text_arg
from .blueprint import bp


@bp.get("/admin/people")
@admin_required
def people():
    session = get_session()
    email = text_arg(request.args, "email", max_length=254)
    person = accounts.find_user_by_email(session, email) if email else None
    return render_template(
        "admin/people.html",
        email=email,
        person=person,
        status=second_factor.status(session, person) if person else None,
        form=ButtonForm(),
    )


@bp.post("/admin/people/<int:user_id>/second-factor/reset")
@admin_required
def reset_second_factor(user_id: int):
    """Turn the person's second factor off and end their sessions (audited); a staff
    member sets up a new app at their next sign-in."""
    require_button_form()
    session = get_session()
    person = session.get(User, user_id)
    if person is None:
        abort(404)
    if second_factor.remove(session, person, actor_id=current_user.id):
        session.commit()
        flash(
            _(
                "The second step of %(name)s is reset and their sessions ended. They set "
                "up a new authenticator app when they next sign in.",
                name=person.name,
            ),
            "success",
        )
    else:
        flash(_("%(name)s has no second step to reset.", name=person.name), "info")
    return redirect(url_for("admin.people", email=person.email))
