"""Which column of an uploaded table holds which field: guessed from the headers, checked."""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Sequence
from typing import Any

from flask_babel import lazy_gettext as _l

FIELDS = ("name", "email", "role", "employer", "place", "language")


class MappingError(ValueError):
    """The chosen columns cannot be imported (no e-mail column, say)."""

    def __init__(self, message: Any) -> None:
        super().__init__("mapping")
        self.message = message

    def __str__(self) -> str:
        return str(self.message)


_HEADER_WORDS: dict[str, tuple[str, ...]] = {
    "name": (
        "name",
        "full name",
        "participant",
        "participant name",
        "namn",
        "fullständigt namn",
        "fullt namn",
        "för- och efternamn",
        "deltagare",
        "deltagarens namn",
        "navn",
        "fullt navn",
        "fullstendig navn",
        "for- og etternavn",
        "deltaker",
        "deltakers navn",
    ),
    "email": (
        "email",
        "e-mail",
        "email address",
        "e-mail address",
        "mail",
        "mail address",
        "e-post",
        "epost",
        "e-postadress",
        "epostadress",
        "e-postadresse",
        "epostadresse",
        "mejl",
        "mejladress",
        "mailadress",
        "mailadresse",
    ),
    "role": (
        "role",
        "audience",
        "roll",
        "yrkesroll",
        "målgrupp",
        "rolle",
        "yrkesrolle",
        "målgruppe",
    ),
    "employer": (
        "employer",
        "organisation",
        "organization",
        "company",
        "arbetsgivare",
        "företag",
        "firma",
        "arbetsplats",
        "förvaltning",
        "arbeidsgiver",
        "organisasjon",
        "bedrift",
        "arbeidsplass",
        "virksomhet",
    ),
    "place": (
        "place",
        "area",
        "location",
        "plats",
        "område",
        "stadsdel",
        "sted",
        "bydel",
    ),
    "language": ("language", "locale", "språk", "språkval", "mål"),
}


def fold(text: str) -> str:
    """Lower case without accents, for comparing words: "Språk" and "sprak" fold alike,
    as do "Gårdeier" and "gardeier" and "Næringsdrivende" and "naeringsdrivende"."""
    text = text.casefold().replace("ø", "o").replace("æ", "ae").replace("đ", "d")
    text = unicodedata.normalize("NFKD", text)
    return "".join(char for char in text if not unicodedata.combining(char))


def _header_key(text: str) -> str:
    return re.sub(r"[\W_]+", "", fold(text))


def word_key(text: str) -> str:
    return " ".join(re.sub(r"[\W_]+", " ", fold(text)).split())


_HEADER_KEYS = {_header_key(word): name for name, words in _HEADER_WORDS.items() for word in words}
# Looked for inside longer headers ("Deltagarens e-postadress", "Arbetsgivarens namn"),
# in this order, once no header matched a field exactly.
_HEADER_PARTS = (
    ("email", ("epost", "email", "mail", "mejl")),
    ("employer", ("arbetsgivare", "arbeidsgiver", "employer", "organisation", "organization")),
    ("place", ("plats", "sted", "place", "omrade")),
    ("role", ("roll", "role")),
    ("language", ("sprak", "language")),
    ("name", ("namn", "navn", "name")),
)


def guess_mapping(headers: Sequence[str]) -> dict[str, int | None]:
    """Which column (0-based) holds each field, recognised from headers in English, Swedish
    and Norwegian; None for a field no header names. A column serves one field at most."""
    mapping: dict[str, int | None] = dict.fromkeys(FIELDS)
    keys = [_header_key(header) for header in headers]
    for index, key in enumerate(keys):
        name = _HEADER_KEYS.get(key)
        if name is not None and mapping[name] is None:
            mapping[name] = index
    used = {index for index in mapping.values() if index is not None}
    for index, key in enumerate(keys):
        if index in used or not key:
            continue
        for name, parts in _HEADER_PARTS:
            if mapping[name] is None and any(part in key for part in parts):
                mapping[name] = index
                used.add(index)
                break
    return mapping


def checked_mapping(mapping: dict[str, int | None], width: int) -> dict[str, int]:
    unknown = set(mapping) - set(FIELDS)
    if unknown:
        raise ValueError(f"unknown fields: {sorted(unknown)}")
    columns = {name: index for name, index in mapping.items() if index is not None}
    for index in columns.values():
        if not 0 <= index < width:
            raise ValueError(f"no column {index}")
    if len(set(columns.values())) != len(columns):
        raise MappingError(_l("Choose a different column for each field."))
    if "email" not in columns:
        raise MappingError(_l("Choose the column with the e-mail addresses."))
    if "name" not in columns:
        raise MappingError(_l("Choose the column with the names."))
    return columns
