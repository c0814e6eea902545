"""Attaching the participant views to the blueprint, for ``web.register_blueprints``."""

from .blueprint import bp

__all__ = ["bp", "register_views"]


def register_views() -> None:
    """Import the view modules, which attach their routes to ``bp``."""
    from . import (  # noqa: F401
        announcements,
        checkin,
        courses,
        dossier,
        evaluation,
        exercises,
        places,
    )
