"""The participant's side, one module per kind of page, each registering its routes on the
one ``learn`` blueprint (so every endpoint is ``learn.<view>``):

- ``courses``: the dashboard, a course, its parts and lessons, the live sessions' calendar;
- ``exercises``: a part's quiz and assignment, with the forms ``forms`` builds for them
  from the course files;
- ``places``: what was found at the participant's place, and their own findings' photos.

Every page opens only the participant's own enrolments, through ``access.py``.
"""

from flask import Blueprint
from flask_login import login_required

from ...services import progress as progress_service

bp = Blueprint("learn", __name__, url_prefix="/learn")


@bp.app_template_global()
def part_steps(part, state) -> tuple[int, int]:
    return progress_service.part_steps(part, state)


@bp.before_request
@login_required
def require_login():
    return None


def register_views() -> None:
    """Import the view modules, which attach their routes to ``bp``."""
    from . import courses, exercises, places  # noqa: F401
