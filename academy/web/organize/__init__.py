"""The organizer's side: organisations, cohorts, enrolment, invitations, attendance, reports,
places and their findings.

Every view loads what it shows through the access helpers in ``access.py``, which answer
404 for anything outside the organizer's own organisations (administrators see all).
"""

from flask import Blueprint

bp = Blueprint("organize", __name__, url_prefix="/organize")


@bp.app_template_global()
def is_organizer() -> bool:
    """Whether the logged-in user may open the organizer pages (for the navigation)."""
    from flask import g
    from flask_login import current_user

    from .access import organisation_ids

    if not current_user.is_authenticated:
        return False
    if current_user.is_admin:
        return True
    # Set by the user loader (academy.security.load_user) in the query that loads the user.
    loaded = g.get("user_organizes")
    if loaded is not None and loaded[0] == current_user.id:
        return loaded[1]
    return bool(organisation_ids())


def register_views() -> None:
    """Import the view modules, which attach their routes to ``bp``."""
    from . import places, rounds  # noqa: F401
