"""Attaching the organizer views to the blueprint, for ``web.register_blueprints``.

Outside the package's ``__init__``: other web modules import ``organize.access``, which
runs that ``__init__`` first, and it must not lead back to them through the views.
"""

from .blueprint import bp

__all__ = ["bp", "register_views"]


def register_views() -> None:
    """Import the view modules, which attach their routes to ``bp``."""
    from . import (  # noqa: F401
        assignments,
        checkin,
        evaluation,
        imports,
        live_sessions,
        measures,
        organisations,
        participants,
        partners,
        places,
        plans,
        proposals,
        reports,
        rounds,
        situation,
        viewers,
        walks,
    )
