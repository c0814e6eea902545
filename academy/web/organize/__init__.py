"""The organizer's side: organisations, cohorts, enrolment, invitations, attendance, reports.

Every view loads what it shows through the access helpers in ``access.py``, which answer
404 for anything outside the organizer's own organisations (administrators see all).
"""

from flask import Blueprint

bp = Blueprint("organize", __name__, url_prefix="/organize")


@bp.app_template_global()
def is_organizer() -> bool:
    """Whether the logged-in user may open the organizer pages (for the navigation)."""
    from flask_login import current_user

    from .access import organisation_ids

    if not current_user.is_authenticated:
        return False
    return current_user.is_admin or bool(organisation_ids())


def register_views() -> None:
    """Import the view modules, which attach their routes to ``bp``."""
    from . import views  # noqa: F401
