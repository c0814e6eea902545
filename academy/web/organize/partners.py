"""A place's partner organisations, chosen by the owner's organizers on the place page:
adding one lets its organizers and viewers read the place; removing it ends that."""

from __future__ import annotations

from flask import abort, flash, redirect, url_for
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from flask_login import current_user
from wtforms import IntegerField
from wtforms.validators import InputRequired, NumberRange

from ...db import get_session
from ...models import Organisation, PlacePartner
from ...services import places as places_service
from ..forms import AcademyForm, require_button_form
from ..params import MAX_ID
from .access import load_place, organizer_required
from .blueprint import bp


class PartnerForm(AcademyForm):
    # A select on the page; an IntegerField here, since the choices are checked by the
    # service (the owner is never its own partner) and an unknown id is simply refused.
    organisation = IntegerField(
        _l("Partner organisation"),
        validators=[
            InputRequired(message=_l("Choose an organisation.")),
            # An id, within the database's integer (as the URL converter keeps them).
            NumberRange(min=1, max=MAX_ID, message=_l("Choose an organisation.")),
        ],
    )


def partners_address(place_id: int) -> str:
    return url_for("organize.place", place_id=place_id, _anchor="partners")


@bp.post("/places/<int:place_id>/partners")
@organizer_required
def add_partner(place_id: int):
    place = load_place(place_id)
    form = PartnerForm()
    if not form.validate_on_submit():
        flash(_("Choose an organisation."), "error")
        return redirect(partners_address(place.id))
    session = get_session()
    try:
        partner = places_service.add_partner(
            session, place, form.organisation.data, added_by_id=current_user.id
        )
    except places_service.PartnerError:
        flash(_("Choose an organisation."), "error")
        return redirect(partners_address(place.id))
    session.commit()
    flash(
        _(
            "%(partner)s is now a partner of %(place)s: its organizers and viewers can read "
            "the findings.",
            partner=partner.organisation.name,
            place=place.name,
        ),
        "success",
    )
    return redirect(partners_address(place.id))


@bp.post("/partners/<int:partner_id>/remove")
@organizer_required
def remove_partner(partner_id: int):
    session = get_session()
    partner = session.get(PlacePartner, partner_id)
    if partner is None:
        abort(404)
    place = load_place(partner.place_id)
    require_button_form()
    name = session.get(Organisation, partner.organisation_id).name
    places_service.remove_partner(session, partner, removed_by_id=current_user.id)
    session.commit()
    flash(_("%(partner)s is no longer a partner of this place.", partner=name), "info")
    return redirect(partners_address(place.id))
