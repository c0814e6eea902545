"""The organizer's side, one module per thing the organizer works on, each registering its
routes on the one ``organize`` blueprint (so every endpoint is ``organize.<view>``) and
declaring its forms at its top:

- ``organisations``: the start page, an organisation's page, organizers, joining;
- ``rounds``: a round's settings, archiving, the round page and its calendar;
- ``participants``: adding, inviting again, withdrawing, reinstating, moving;
- ``live_sessions``: live sessions and their attendance;
- ``imports``: enrolling from a spreadsheet (the file waits in ``uploads``);
- ``reports``: a round's report and its export;
- ``assignments``: submitted assignments and their review;
- ``places``: places and the findings made there.

Every view loads what it shows through the access helpers in ``access.py``, which answer
404 for anything outside the organizer's own organisations (administrators see all).
``tables.py`` holds the words shared by the round page's and the report's tables.
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
    from . import (  # noqa: F401
        assignments,
        imports,
        live_sessions,
        organisations,
        participants,
        places,
        reports,
        rounds,
    )
