"""Attaching the administrator views to the blueprint, for ``web.register_blueprints``."""

from .blueprint import bp

__all__ = ["bp", "register_views"]


def register_views() -> None:
    """Import the view modules, which attach their routes to ``bp``."""
    from . import people, sign_in, views  # noqa: F401
