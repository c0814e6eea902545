"""The organizer blueprint ``bp``, which the view modules attach their routes to.

A module of its own so that the view modules import ``bp`` from here rather than from the
package's ``__init__`` (which would make each a cycle with the package).
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


@bp.app_template_global()
def reads_places() -> bool:
    """Whether the navigation shows the organizer pages: to organizers, and to viewers,
    who read places there and change nothing (a capability apart from ``is_organizer``,
    so that no organizer check ever counts a viewer)."""
    from flask import g
    from flask_login import current_user

    from .access import viewer_organisation_ids

    if is_organizer():
        return True
    loaded = g.get("user_views")
    if loaded is not None and loaded[0] == current_user.id:
        return loaded[1]
    return bool(viewer_organisation_ids())
