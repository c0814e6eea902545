"""Attaching the account views to the blueprint, for ``web.register_blueprints``."""

from .blueprint import bp

__all__ = ["bp", "register_views"]


def register_views() -> None:
    """Import the view modules, which attach their routes to ``bp``."""
    from . import provider, second_step, two_factor, views  # noqa: F401
