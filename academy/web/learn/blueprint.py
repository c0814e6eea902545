"""The participant blueprint ``bp``, which the view modules attach their routes to, with
what applies to all of them: a login, and the template global of a part's steps.

A module of its own so that the view modules import ``bp`` from here rather than from the
package's ``__init__`` (which would make each a cycle with the package).
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
