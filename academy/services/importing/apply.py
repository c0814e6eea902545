"""The import itself: the places, accounts and enrolments of a previewed table, all or
nothing, and the invitations, queued in bulk."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from flask_babel import lazy_gettext as _l
from sqlalchemy.orm import Session

from ...db import insert_rows
from ...models import Cohort, Enrolment, Place, User
from .. import audit, enrolments
from .lookups import ExistingAccount, existing_accounts, places_by_name
from .previews import Preview
from .rows import RowError, RowResult, shown


class ImportRejected(Exception):
    """``import_rows`` was given a preview with errors; nothing was written."""

    def __init__(self, rows: list[RowResult], message: Any = None) -> None:
        self.rows = rows
        self.message = message or _l(
            "Nothing was imported: %(count)d rows have errors.", count=len(rows)
        )
        super().__init__(f"{len(rows)} rows have errors")

    def __str__(self) -> str:
        return str(self.message)


@dataclass(frozen=True)
class ImportResult:
    rows: int
    users_created: int
    existing_accounts: int  # existing accounts newly enrolled
    enrolments_created: int
    already_enrolled: int
    places_created: int
    invitations_sent: int
    enrolment_ids: list[int] = field(default_factory=list)  # the new enrolments

    def counts(self) -> dict[str, int]:
        return {
            "rows": self.rows,
            "users_created": self.users_created,
            "existing_accounts": self.existing_accounts,
            "enrolments_created": self.enrolments_created,
            "already_enrolled": self.already_enrolled,
            "places_created": self.places_created,
            "invitations_sent": self.invitations_sent,
        }


def import_rows(
    session: Session,
    cohort: Cohort,
    preview: Preview,
    *,
    invited_by_id: int | None,
    create_places: bool,
    send_invitations: bool,
) -> ImportResult:
    """Create the places, accounts and enrolments of a previewed table, all or nothing.

    Raises ``ImportRejected`` (having written nothing) when a row has errors, or when the
    table names new places and ``create_places`` is false. Accounts and enrolments are
    looked up again, so a preview that has gone stale in the meantime cannot create an
    account twice; rows already enrolled change nothing, so importing the same file again
    does nothing. With ``send_invitations`` every new enrolment gets an invitation mail
    (needs an application context), queued in bulk. Records one ``import.completed`` audit
    event, which counts the invitations (there is no event per invitation); flushes, never
    commits. The number of statements does not grow with the rows, but for the inserts,
    one per 1,000 rows and table.
    """
    if preview.cohort_id != cohort.id:
        raise ValueError("the preview is of another cohort")
    if preview.has_errors:
        raise ImportRejected(preview.error_rows)
    if preview.new_places and not create_places:
        rows = [row for row in preview.rows if row.place_name and row.place_id is None]
        for row in rows:
            row.errors.append(
                RowError(
                    row.line,
                    "place",
                    _l("There is no place called “%(place)s”.", place=shown(row.place_name)),
                )
            )
        raise ImportRejected(rows)

    session.flush()
    place_ids, places_created = _ensure_places(session, cohort.organisation_id, preview.rows)
    rows = preview.rows
    accounts = existing_accounts(session, cohort.id, [row.email_normalized for row in rows])

    new_users = [row for row in rows if row.email_normalized not in accounts]
    user_ids = _insert_users(session, new_users)
    enrol: list[tuple[RowResult, int]] = []
    joining: list[ExistingAccount | None] = []  # the existing account of each, or None
    existing = already = 0
    for row in rows:
        found = accounts.get(row.email_normalized)
        if found is None:
            enrol.append((row, user_ids[row.email_normalized]))
        elif found.enrolled:
            already += 1
            continue
        else:
            existing += 1
            enrol.append((row, found.id))
        joining.append(found)
    enrolment_ids = _insert_enrolments(session, cohort.id, enrol, place_ids)

    invitees = []
    if send_invitations:
        for (row, _user_id), account, enrolment_id in zip(
            enrol, joining, enrolment_ids, strict=True
        ):
            if account is None:
                email, name, locale = row.email.strip(), row.name, row.language
            else:
                # An existing account is invited in its own language unless the row says.
                language = row.language if row.language_given else account.locale
                email, name, locale = account.email, account.name, language
            invitees.append(enrolments.Invitee(enrolment_id, email, name, row.name, locale))
        enrolments.invite_enrolments(session, cohort, invitees, invited_by_id=invited_by_id)
    invited = len(invitees)

    result = ImportResult(
        rows=len(rows),
        users_created=len(new_users),
        existing_accounts=existing,
        enrolments_created=len(enrolment_ids),
        already_enrolled=already,
        places_created=places_created,
        invitations_sent=invited,
        enrolment_ids=enrolment_ids,
    )
    audit.record(
        session,
        "import.completed",
        actor_id=invited_by_id,
        object_type="cohort",
        object_id=cohort.id,
        organisation_id=cohort.organisation_id,
        **result.counts(),
    )
    session.flush()
    return result


def _ensure_places(
    session: Session, organisation_id: int, rows: list[RowResult]
) -> tuple[dict[str, int], int]:
    """folded place name -> id for every place the rows name, creating the missing ones."""
    existing = places_by_name(session, organisation_id)
    ids = {key: place_id for key, (place_id, _name) in existing.items()}
    created: list[Place] = []
    for row in rows:
        key = row.place_name.casefold()
        if row.place_name and key not in ids:
            place = Place(organisation_id=organisation_id, name=row.place_name)
            session.add(place)
            created.append(place)
            ids[key] = 0
    if created:
        session.flush()
        ids.update({place.name.casefold(): place.id for place in created})
    return ids, len(created)


def _insert_users(session: Session, rows: list[RowResult]) -> dict[str, int]:
    """Create accounts without a password in bulk, as ``accounts.create_user`` would one
    by one; returns normalised address -> user id."""
    if not rows:
        return {}
    values = [
        {
            "email": row.email.strip(),
            "email_normalized": row.email_normalized,
            "name": row.name,
            "certificate_name": row.name,
            "locale": row.language,
            "password_hash": None,
        }
        for row in rows
    ]
    ids = insert_rows(session, User, values, key="email_normalized")
    return {row.email_normalized: user_id for row, user_id in zip(rows, ids, strict=True)}


def _insert_enrolments(
    session: Session,
    cohort_id: int,
    enrol: list[tuple[RowResult, int]],
    place_ids: dict[str, int],
) -> list[int]:
    if not enrol:
        return []
    values = [
        {
            "cohort_id": cohort_id,
            "user_id": user_id,
            "invited_name": row.name,
            "role": row.role,
            "employer": row.employer,
            "place_id": place_ids[row.place_name.casefold()] if row.place_name else None,
        }
        for row, user_id in enrol
    ]
    return insert_rows(session, Enrolment, values, key="user_id")
