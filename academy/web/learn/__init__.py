"""The participant's side, one module per kind of page, each registering its routes on the
one ``learn`` blueprint (so every endpoint is ``learn.<view>``):

- ``courses``: the dashboard, a course, its parts and lessons, the live sessions' calendar;
- ``exercises``: a part's quiz and assignment, with the forms ``forms`` builds for them
  from the course files;
- ``places``: what was found at the participant's place, and their own findings' photos.

Every page opens only the participant's own enrolments, through ``access.py``. As in
``organize``, the blueprint is in ``blueprint.py`` and ``routes.py`` attaches the views.
"""

from .blueprint import bp, part_steps

__all__ = ["bp", "part_steps"]
