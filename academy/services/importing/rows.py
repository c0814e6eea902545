"""One row of an uploaded table checked: its values cleaned, its errors in the user's words.

A row's name, address, role and language are checked here, on their own; ``previews``
then checks the rows against each other and against the database.
"""

from __future__ import annotations

import difflib
import enum
import functools
import re
from dataclasses import dataclass, field
from typing import Any

from email_validator import EmailNotValidError, validate_email
from email_validator.rfc_constants import (
    CASE_INSENSITIVE_MAILBOX_NAMES,
    DOT_ATOM_TEXT,
    EMAIL_MAX_LENGTH,
)
from flask_babel import lazy_gettext as _l

from ...models import AudienceRole, normalize_email
from .columns import word_key
from .reading import Row

DEFAULT_LANGUAGE = "sv"
LANGUAGES = ("en", "sv", "nb")
# The review page shows this much of a value.
SHOWN_CHARS = 60
# The model's column lengths.
MAX_LENGTHS = {"name": 200, "email": 254, "employer": 200, "place": 200}


_ROLE_WORDS: dict[AudienceRole, tuple[str, ...]] = {
    AudienceRole.OFFICIAL: (
        "official",
        "municipal official",
        "public official",
        "civil servant",
        "tjänsteperson",
        "tjänsteman",
        "kommunal tjänsteperson",
        "kommunanställd",
        "handläggare",
        "tjenesteperson",
        "tjenestemann",
        "kommuneansatt",
        "offentlig ansatt",
        "saksbehandler",
    ),
    AudienceRole.POLITICIAN: (
        "politician",
        "elected representative",
        "councillor",
        "politiker",
        "förtroendevald",
        "lokalpolitiker",
        "kommunalråd",
        "folkevalgt",
        "folkevald",
    ),
    AudienceRole.PROPERTY_OWNER: (
        "property owner",
        "landlord",
        "fastighetsägare",
        "fastighetsbolag",
        "hyresvärd",
        "gårdeier",
        "eiendomsbesitter",
        "eiendomseier",
        "eiendomsselskap",
    ),
    AudienceRole.TRADER: (
        "trader",
        "retailer",
        "shopkeeper",
        "merchant",
        "business owner",
        "handlare",
        "handlande",
        "näringsidkare",
        "företagare",
        "butik",
        "butiksägare",
        "næringsdrivende",
        "butikk",
        "butikkeier",
        "kjøpmann",
    ),
    AudienceRole.POLICE: (
        "police",
        "police officer",
        "polis",
        "polisen",
        "polisman",
        "politi",
        "politiet",
        "politibetjent",
    ),
    AudienceRole.OTHER: ("other", "annan", "annat", "övrig", "övrigt", "annen", "annet", "andre"),
}
# folded word -> (the word as written above, for suggestions; the role)
_ROLES: dict[str, tuple[str, AudienceRole]] = {
    word_key(word): (word, role) for role, words in _ROLE_WORDS.items() for word in words
}
_ROLES.update({word_key(role.value): (role.value, role) for role in AudienceRole})

_LANGUAGE_WORDS = {
    "en": ("en", "eng", "english", "engelska", "engelsk"),
    "sv": ("sv", "swe", "swedish", "svenska", "svensk"),
    "nb": ("nb", "no", "nob", "nor", "norwegian", "norsk", "norska", "bokmål", "norsk bokmål"),
}
_LANGUAGES = {word_key(word): code for code, words in _LANGUAGE_WORDS.items() for word in words}
_LOCALE_TAG = re.compile(r"([a-z]{2,3}) [a-z]{2}")


class RowStatus(enum.StrEnum):
    NEW = "new"  # a new account is created and enrolled
    EXISTING_ACCOUNT = "existing_account"  # an account with this address joins as it is
    ALREADY_ENROLLED = "already_enrolled"  # nothing changes


@dataclass(frozen=True)
class RowError:
    """One problem with one row: which field, and a message in the user's language."""

    line: int
    field: str
    message: Any

    def __str__(self) -> str:
        return str(_l("Line %(line)d: %(message)s", line=self.line, message=self.message))


@dataclass
class RowResult:
    """A data row as it would be imported, or its errors."""

    line: int
    name: str
    email: str
    role: AudienceRole | None
    employer: str
    place_name: str
    language: str
    errors: list[RowError] = field(default_factory=list)
    status: RowStatus | None = None  # None when the e-mail address is unusable
    user_id: int | None = None
    place_id: int | None = None
    # False when the row left the language empty and got the default.
    language_given: bool = False

    @property
    def email_normalized(self) -> str:
        return normalize_email(self.email)

    @property
    def ok(self) -> bool:
        return not self.errors


def shown(text: str, limit: int = SHOWN_CHARS) -> str:
    """A value as the review page shows it: cut with an ellipsis past ``limit``."""
    return text if len(text) <= limit else text[: limit - 1] + "…"


def clean_row(
    row: Row,
    columns: dict[str, int],
    default_role: AudienceRole | None,
    default_language: str,
) -> RowResult:
    def value(name: str) -> str:
        index = columns.get(name)
        return " ".join(row.values[index].split()) if index is not None else ""

    line = row.line
    errors: list[RowError] = []
    result = RowResult(
        line=line,
        name=value("name"),
        email=value("email"),
        role=None,
        employer=value("employer"),
        place_name=value("place"),
        language=default_language,
        errors=errors,
    )
    if not result.name:
        errors.append(RowError(line, "name", _l("The name is missing.")))
    for name in ("name", "employer", "place"):
        text = value(name)
        if len(text) > MAX_LENGTHS[name]:
            errors.append(
                RowError(
                    line,
                    name,
                    _l(
                        "Too long: %(length)d characters, at most %(max)d.",
                        length=len(text),
                        max=MAX_LENGTHS[name],
                    ),
                )
            )
    if not result.email:
        errors.append(RowError(line, "email", _l("The e-mail address is missing.")))
    else:
        try:
            result.email = normalized_email(result.email)
        except EmailNotValidError:
            errors.append(
                RowError(
                    line,
                    "email",
                    _l("“%(email)s” is not a valid e-mail address.", email=shown(result.email)),
                )
            )
        else:
            if len(result.email) > MAX_LENGTHS["email"]:
                errors.append(RowError(line, "email", _l("The e-mail address is too long.")))
            else:
                result.status = RowStatus.NEW
    role_text = value("role")
    if role_text:
        result.role = _role(role_text, line, errors)
    elif default_role is not None:
        result.role = default_role
    else:
        errors.append(RowError(line, "role", _l("The role is missing.")))
    language_text = value("language")
    if language_text:
        result.language = _language(language_text, line, errors) or default_language
        result.language_given = True
    return result


def normalized_email(address: str) -> str:
    """``validate_email(address).normalized``, or its ``EmailNotValidError``, in a tenth
    of the time for the usual address: a plain local part at a domain seen before.

    email_validator checks the domain character by character (about 200 microseconds an
    address, half of a 10,000-row preview); a list has a few domains, each checked once
    here. A plain ASCII local part is taken as it is, which is what email_validator does
    with one; anything else, and any length near the limits, goes to email_validator.
    """
    local, at, domain = address.rpartition("@")
    checked = _checked_domain(domain) if at and domain.isascii() else None
    if (
        checked is not None
        and DOT_ATOM_TEXT.match(local)
        and local.lower() not in CASE_INSENSITIVE_MAILBOX_NAMES
    ):
        normalized, ascii_domain = f"{local}@{checked[0]}", checked[1]
        forms = (address, normalized, f"{local}@{ascii_domain}")
        if all(len(form.encode()) <= EMAIL_MAX_LENGTH for form in forms):
            return normalized
    return validate_email(address, check_deliverability=False).normalized


@functools.lru_cache(maxsize=1024)
def _checked_domain(domain: str) -> tuple[str, str] | None:
    """The normalised and the ASCII form of a domain email_validator accepts, else None."""
    try:
        checked = validate_email(f"a@{domain}", check_deliverability=False)
    except EmailNotValidError:
        return None
    return checked.domain, checked.ascii_domain


def _role(text: str, line: int, errors: list[RowError]) -> AudienceRole | None:
    key = word_key(text)
    if key in _ROLES:
        return _ROLES[key][1]
    close = difflib.get_close_matches(key, list(_ROLES), n=1, cutoff=0.6)
    if close:
        message = _l(
            "Unknown role “%(role)s”. Did you mean “%(suggestion)s”?",
            role=shown(text),
            suggestion=_ROLES[close[0]][0],
        )
    else:
        message = _l(
            "Unknown role “%(role)s”. Use one of: %(roles)s.",
            role=shown(text),
            roles=_l("official, politician, property owner, trader, police, other"),
        )
    errors.append(RowError(line, "role", message))
    return None


def _language(text: str, line: int, errors: list[RowError]) -> str | None:
    key = word_key(text)
    tag = _LOCALE_TAG.fullmatch(key)
    if tag:  # sv-SE, nb_NO, en-GB
        key = tag.group(1)
    if key in _LANGUAGES:
        return _LANGUAGES[key]
    close = difflib.get_close_matches(key, list(_LANGUAGES), n=1, cutoff=0.6)
    if close:
        message = _l(
            "Unknown language “%(language)s”. Did you mean “%(suggestion)s”?",
            language=shown(text),
            suggestion=close[0],
        )
    else:
        message = _l(
            "Unknown language “%(language)s”. Use en, sv or nb.",
            language=shown(text),
        )
    errors.append(RowError(line, "language", message))
    return None
