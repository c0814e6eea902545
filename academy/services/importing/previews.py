"""What importing a table would do, row by row, checked without writing anything."""

from __future__ import annotations

from dataclasses import dataclass
from typing import NamedTuple

from flask_babel import lazy_gettext as _l
from sqlalchemy.orm import Session

from ...models import AudienceRole, Cohort
from .columns import checked_mapping
from .lookups import existing_accounts, places_by_name
from .reading import Table
from .rows import DEFAULT_LANGUAGE, RowError, RowResult, RowStatus, clean_row, shown

# The review page shows this many rows, those with errors first.
PREVIEW_ROWS = 250


@dataclass
class Preview:
    """What importing the table would do; nothing has been written."""

    cohort_id: int
    rows: list[RowResult]
    # Place names no place of the organisation has; importing creates them.
    new_places: list[str]

    @property
    def error_rows(self) -> list[RowResult]:
        return [row for row in self.rows if row.errors]

    @property
    def errors(self) -> list[RowError]:
        return [error for row in self.rows for error in row.errors]

    @property
    def has_errors(self) -> bool:
        return any(row.errors for row in self.rows)

    def count(self, status: RowStatus) -> int:
        """Rows without errors that would be imported as ``status``."""
        return sum(1 for row in self.rows if row.status == status and not row.errors)

    @property
    def counts(self) -> PreviewCounts:
        return PreviewCounts(
            rows=len(self.rows),
            new=self.count(RowStatus.NEW),
            existing=self.count(RowStatus.EXISTING_ACCOUNT),
            already=self.count(RowStatus.ALREADY_ENROLLED),
            errors=len(self.error_rows),
        )

    def shown_rows(self, limit: int = PREVIEW_ROWS) -> list[RowResult]:
        """At most ``limit`` rows to show, those with errors first, each in file order."""
        return (self.error_rows + [row for row in self.rows if not row.errors])[:limit]


class PreviewCounts(NamedTuple):
    """What a preview's rows would do; ``new + existing + already + errors == rows``."""

    rows: int
    new: int  # a new account is created and enrolled
    existing: int  # an account with the address joins
    already: int  # already in the round: nothing changes
    errors: int  # to correct before anything is imported

    @property
    def to_enrol(self) -> int:
        return self.new + self.existing


def preview(
    session: Session,
    cohort: Cohort,
    table: Table,
    mapping: dict[str, int | None],
    *,
    default_role: AudienceRole | None = None,
    default_language: str = DEFAULT_LANGUAGE,
    allow_new_places: bool = True,
) -> Preview:
    """Check every row and say what importing it would do, without writing anything.

    A row is new, joins an existing account (same address in any case; the account keeps
    its names) or is already enrolled in ``cohort`` (importing it changes nothing). Rows
    without a role get ``default_role`` (an error when None); rows without a language get
    ``default_language``. Place names are matched to the organisation's places in any
    case; others are listed in ``new_places``, or are errors unless ``allow_new_places``.
    Runs one query for the places and one per ``LOOKUP_CHUNK`` addresses.
    """
    columns = checked_mapping(mapping, len(table.headers))
    places = places_by_name(session, cohort.organisation_id)
    results: list[RowResult] = []
    first_line: dict[str, int] = {}
    new_places: dict[str, str] = {}
    for row in table.rows:
        result = clean_row(row, columns, default_role, default_language)
        if result.status is not None:
            key = result.email_normalized
            if key in first_line:
                result.errors.append(
                    RowError(
                        row.line,
                        "email",
                        _l(
                            "The e-mail address %(email)s is already on line %(first)d.",
                            email=shown(result.email),
                            first=first_line[key],
                        ),
                    )
                )
            else:
                first_line[key] = row.line
        if result.place_name:
            place = places.get(result.place_name.casefold())
            if place is not None:
                result.place_id, result.place_name = place
            elif allow_new_places:
                result.place_name = new_places.setdefault(
                    result.place_name.casefold(), result.place_name
                )
            else:
                result.errors.append(
                    RowError(
                        row.line,
                        "place",
                        _l("There is no place called “%(place)s”.", place=shown(result.place_name)),
                    )
                )
        results.append(result)
    accounts = existing_accounts(session, cohort.id, list(first_line))
    for result in results:
        if result.status is None:
            continue
        found = accounts.get(result.email_normalized)
        if found is None:
            continue
        result.user_id = found.id
        result.status = RowStatus.ALREADY_ENROLLED if found.enrolled else RowStatus.EXISTING_ACCOUNT
    return Preview(cohort_id=cohort.id, rows=results, new_places=list(new_places.values()))
