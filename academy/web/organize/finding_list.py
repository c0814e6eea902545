"""The words and addresses of the place page's list of findings, made once per page.

Each finding of the page (25 of them) showed about fifteen translated texts, five links
and three forms: every ``_()`` in the loop went through the template's context (copied for
the call, since the loop sets a variable) and every link through Werkzeug's URL building,
about half of the page's time. The texts are translated here once, the texts with
placeholders kept as formats (``Markup`` escapes what is put into them, as ``_()`` with
variables does in a template), and the links made from one address per kind.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import NamedTuple

from flask import url_for
from flask_babel import gettext
from markupsafe import Markup

from ...services.places import PageLabels
from ..urls import url_for_ids


def _text(translated: str) -> Markup:
    """A translation marked safe, as a template's ``_()`` marks its own catalog's (the
    texts are ``gettext`` without variables: their formats, placeholders kept)."""
    return Markup(translated)  # noqa: S704 - our own catalog, trusted as Jinja does


class FindingWords(NamedTuple):
    """A tuple with names, because Jinja tries an attribute before an item."""

    # "Severity: High", by severity (None: not rated); "Status: New", by status.
    severity: dict
    status_is: dict
    seen: Markup
    suggestion: Markup
    erased: Markup
    status: Markup
    save_status: Markup
    not_followed_up: Markup
    change: Markup
    same_as_question: Markup
    # Formats: "%(name)s", "%(date)s", "%(spot)s".
    set_by: Markup
    set_on: Markup
    same_as: Markup
    photo_of: Markup
    photo_label: Markup
    replace_photo: Markup
    upload_photo: Markup
    remove_photo: Markup


def finding_words(labels: PageLabels) -> FindingWords:
    severity = _text(gettext("Severity: %(level)s"))
    status_is = _text(gettext("Status: %(status)s"))
    return FindingWords(
        severity={key: severity % {"level": label} for key, label in labels.severities.items()},
        status_is={key: status_is % {"status": label} for key, label in labels.statuses.items()},
        seen=_text(gettext("What was seen")),
        suggestion=_text(gettext("Suggestion")),
        erased=_text(gettext("Account erased")),
        status=_text(gettext("Status")),
        save_status=_text(gettext("Save the status")),
        not_followed_up=_text(gettext("Not followed up yet.")),
        change=_text(gettext("Change")),
        same_as_question=_text(gettext("Same as an earlier finding?")),
        set_by=_text(gettext("Status set by %(name)s on %(date)s.")),
        set_on=_text(gettext("Status set on %(date)s.")),
        same_as=_text(gettext("Same as an earlier finding: “%(spot)s”.")),
        photo_of=_text(gettext("Photo of %(spot)s")),
        photo_label=_text(gettext("Photo (JPEG or PNG, at most 5 MB)")),
        replace_photo=_text(gettext("Replace the photo")),
        upload_photo=_text(gettext("Upload the photo")),
        remove_photo=_text(gettext("Remove the photo")),
    )


class FindingLinks(NamedTuple):
    """Each a finding's id to its address; the changes lead back to the page as it is
    (its filters and page, ``back_args``)."""

    status: Callable[[int], str]
    photo: Callable[[int], str]
    photo_upload: Callable[[int], str]
    photo_remove: Callable[[int], str]
    same_as: Callable[[int], str]


def finding_links(back_args: dict) -> FindingLinks:
    return FindingLinks(
        status=_links("organize.finding_status", **back_args),
        photo=_links("learn.finding_photo"),
        photo_upload=_links("organize.finding_photo_upload", **back_args),
        photo_remove=_links("organize.finding_photo_remove", **back_args),
        same_as=_links("organize.finding_same_as"),
    )


def _links(endpoint: str, **values) -> Callable[[int], str]:
    try:
        return url_for_ids(endpoint, "finding_id", **values)
    except ValueError:
        # A filter's value that reads like the id stand-in: built one by one.
        return lambda finding_id: url_for(endpoint, finding_id=finding_id, **values)
