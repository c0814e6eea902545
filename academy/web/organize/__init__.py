"""The organizer's side: organisations, cohorts, enrolment, invitations, attendance, reports,
places and their findings.

Every view loads what it shows through the access helpers in ``access.py``, which answer
404 for anything outside the organizer's own organisations (administrators see all).
"""

from .blueprint import bp, is_organizer

__all__ = ["bp", "is_organizer"]
