"""An organisation's viewers (readers: a steering group, a crime-prevention council),
invited and removed from the organisation's page by its organizers and administrators."""

from __future__ import annotations

from flask import abort, flash, redirect, url_for
from flask_babel import gettext as _
from flask_login import current_user

from ...db import get_session
from ...models import InvitationPurpose, Viewer
from ...services import organizers
from ..forms import require_button_form
from .access import load_organisation, organizer_required
from .blueprint import bp
from .organisations import ViewerInviteForm, render_organisation, send_invitation


@bp.post("/organisations/<int:organisation_id>/viewers")
@organizer_required
def invite_viewer(organisation_id: int):
    organisation = load_organisation(organisation_id)
    form = ViewerInviteForm()
    if not form.validate_on_submit():
        return render_organisation(organisation, viewer_form=form)
    return send_invitation(
        organisation, InvitationPurpose.VIEWER, form.reader_email.data, form.reader_locale.data
    )


@bp.post("/viewers/<int:viewer_id>/remove")
@organizer_required
def remove_viewer(viewer_id: int):
    session = get_session()
    viewer = session.get(Viewer, viewer_id)
    if viewer is None:
        abort(404)
    organisation = load_organisation(viewer.organisation_id)
    require_button_form()
    organizers.remove_member(session, viewer, removed_by_id=current_user.id)
    session.commit()
    flash(_("The reader is removed."), "info")
    return redirect(url_for("organize.organisation", organisation_id=organisation.id))
