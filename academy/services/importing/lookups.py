"""What the database already holds for an import: the organisation's places by name, and
the accounts (and their enrolment in the round) by address."""

from __future__ import annotations

from collections.abc import Iterator, Sequence
from typing import Any, NamedTuple

from sqlalchemy import and_, select
from sqlalchemy.orm import Session

from ...models import Enrolment, Place, User
from .limits import MAX_ROWS

# Existing accounts and enrolments are looked up with one IN query per this many addresses:
# a whole file of the largest size allowed in one query, so that the number of statements
# does not grow with the file (SQLite takes 32,766 parameters, PostgreSQL 65,535).
LOOKUP_CHUNK = MAX_ROWS


def places_by_name(session: Session, organisation_id: int) -> dict[str, tuple[int, str]]:
    rows = session.execute(
        select(Place.id, Place.name).where(Place.organisation_id == organisation_id)
    )
    return {name.casefold(): (place_id, name) for place_id, name in rows}


def _chunks(items: Sequence[Any], size: int = LOOKUP_CHUNK) -> Iterator[Sequence[Any]]:
    for start in range(0, len(items), size):
        yield items[start : start + size]


class ExistingAccount(NamedTuple):
    """An account that exists, as the import needs it."""

    id: int
    enrolled: bool  # in the cohort
    email: str
    name: str
    locale: str


def existing_accounts(
    session: Session, cohort_id: int, emails: Sequence[str]
) -> dict[str, ExistingAccount]:
    """normalised address -> the account with it, for the accounts that exist."""
    found: dict[str, ExistingAccount] = {}
    for chunk in _chunks(emails):
        rows = session.execute(
            select(
                User.email_normalized,
                User.id,
                Enrolment.id,
                User.email,
                User.name,
                User.locale,
            )
            .outerjoin(
                Enrolment, and_(Enrolment.user_id == User.id, Enrolment.cohort_id == cohort_id)
            )
            .where(User.email_normalized.in_(chunk))
        )
        for email_normalized, user_id, enrolment_id, email, name, locale in rows:
            found[email_normalized] = ExistingAccount(
                user_id, enrolment_id is not None, email, name, locale
            )
    return found
