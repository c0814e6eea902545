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
``tables.py`` holds the words shared by the round page's and the report's tables. The
blueprint is in ``blueprint.py`` and ``routes.py`` attaches the views, so that no view
module imports this package's ``__init__`` (which would make each a cycle with it).
"""

from .blueprint import bp, is_organizer

__all__ = ["bp", "is_organizer"]
