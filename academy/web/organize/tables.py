"""The words of the round page's and the report's tables."""

from __future__ import annotations

from collections.abc import Callable, Iterable, Mapping
from typing import NamedTuple

from flask_babel import gettext as _
from markupsafe import Markup, escape

from ...i18n import per_locale
from ...labels import (
    ENROLMENT_LABELS,
    INVITATION_LABELS,
    ROLE_SINGULAR,
    SUBMISSION_LABELS,
    still_to_do,
)
from ...models import AudienceRole, EnrolmentStatus, SubmissionStatus
from ...services.reports import ReportRow
from ...services.roster import RosterRow


class TableLabels(NamedTuple):
    """The words of the report's and the round page's tables, translated once per request
    rather than once per cell: each
    gettext or lazy label goes through Flask-Babel's context look-up, which made up most
    of the page's time when it showed every row. The formats keep their placeholders and
    are filled in with ``%`` in the template. A tuple with names, because Jinja tries an
    attribute before an item."""

    done: str
    lessons: str
    quiz: str
    roles: dict[AudienceRole, str]
    statuses: dict[EnrolmentStatus, str]
    submissions: dict[SubmissionStatus | None, str]
    invitations: dict[str, str]


@per_locale
def table_labels() -> TableLabels:
    """The labels in the current locale (``per_locale``: shared, never changed)."""
    return TableLabels(
        done=_("Done"),
        lessons=_("Lessons %(read)d/%(total)d"),
        quiz=_("Quiz %(score)d/%(max)d"),
        roles={role: str(ROLE_SINGULAR[role]) for role in AudienceRole},
        statuses={status: str(ENROLMENT_LABELS[status]) for status in EnrolmentStatus},
        submissions={key: str(label) for key, label in SUBMISSION_LABELS.items()},
        invitations={key: str(label) for key, label in INVITATION_LABELS.items()},
    )


def report_table_rows(rows: Iterable[ReportRow], labels: TableLabels) -> Markup:
    """The report table's rows as HTML, written here rather than in the template: a page
    of 50 rows has 300 cells, and Jinja's attribute look-ups, escaping and formatting per
    cell made up most of the page's rendering. Every text is escaped. A part's cell is
    written once per distinct part row (the rows share them: services.reports), a row's
    last cell once per role of status and standing, a place once: most of a page's
    cells repeat, and each escape makes a Markup object."""
    done = f"<strong>{escape(labels.done)}</strong><br>"
    lessons_format = str(escape(labels.lessons))
    quiz_format = str(escape(labels.quiz))
    roles = {role: str(escape(label)) for role, label in labels.roles.items()}
    places: dict[str, str] = {}
    cells: dict[int, str] = {}
    last: dict[tuple, str] = {}
    out = []
    for row in rows:
        place = places.get(row.place_name)
        if place is None:
            place = places[row.place_name] = str(escape(row.place_name))
        parts = []
        for part in row.parts:
            # The part rows are shared and live as long as ``rows``: their ids are keys.
            cell = cells.get(id(part))
            if cell is None:
                quiz = ""
                if part.max_score is not None:
                    quiz = "<br>" + quiz_format % {
                        "score": part.best_score or 0,
                        "max": part.max_score,
                    }
                lessons = lessons_format % {"read": part.lessons_read, "total": part.lessons_total}
                cell = cells[id(part)] = (
                    f'<td class="part-cell part-{part.state}">{done if part.completed else ""}'
                    f"{lessons}{quiz}<br>{escape(labels.submissions[part.assignment_status])}"
                    "</td>\n"
                )
            parts.append(cell)
        standing = row.standing
        waiting = len(standing.awaiting_approval)
        key = (row.status, standing.stage, waiting, standing.sessions_missing)
        status = last.get(key)
        if status is None:
            text = still_to_do(standing)
            aside = f'<br><span class="aside">{escape(text)}</span>' if text else ""
            status = last[key] = f"<td>{escape(labels.statuses[row.status])}{aside}</td>\n</tr>\n"
        out.append(
            f'<tr>\n<th scope="row">{escape(row.name)}</th>\n'
            f"<td>{roles[row.role]}</td>\n<td>{place}</td>\n{''.join(parts)}"
            f"<td>{row.sessions_attended}/{row.sessions_total}</td>\n{status}"
        )
    return Markup("".join(out))  # noqa: S704 - every text above is escaped


def filter_options(options: Iterable[tuple[object, str, bool]]) -> Markup:
    """The ``<option>``s of a filter's select from (value, label, chosen) triples, as the
    ``filter_option`` macro writes them (the report's filters have about fifteen: a macro
    call each cost more than the rest of the form)."""
    return Markup(  # noqa: S704 - every text is escaped
        "".join(
            f'\n  <option value="{escape(value)}"{" selected" if chosen else ""}>'
            f"{escape(label)}</option>\n"
            for value, label, chosen in options
        )
    )


class RosterWords(NamedTuple):
    """The words of the round page's rows: its columns' names (each cell's ``data-label``
    on a phone) and its buttons."""

    email: str
    role: str
    place: str
    invitation: str
    status: str
    actions: str
    send: str
    send_again: str
    certificate: str
    reinstate: str
    move: str
    withdraw: str


@per_locale
def roster_words() -> RosterWords:
    """The round page's words in the current locale (``per_locale``)."""
    return RosterWords(
        email=_("E-mail"),
        role=_("Role"),
        place=_("Place"),
        invitation=_("Invitation"),
        status=_("Status"),
        actions=_("Actions"),
        send=_("Send"),
        send_again=_("Send again"),
        certificate=_("Certificate"),
        reinstate=_("Reinstate"),
        move=_("Move"),
        withdraw=_("Withdraw"),
    )


def roster_table_rows(
    rows: Iterable[RosterRow],
    labels: TableLabels,
    links: Mapping[str, Callable[[int], str]],
    token: str,
) -> Markup:
    """The round page's rows as HTML (50 a page, each with its forms), written here rather
    than in the template, as the report's are; every text is escaped. ``links`` make each
    row's addresses from its enrolment's id (``web.urls.url_for_ids``); ``token`` is the
    CSRF token of the rows' one-button forms."""
    words = roster_words()
    label = {name: escape(getattr(words, name)) for name in RosterWords._fields}
    token = escape(token)

    def button_form(action: str, text: str) -> str:
        return (
            f'<form method="post" action="{escape(action)}" class="inline-form">\n'
            f'<input type="hidden" name="csrf_token" value="{token}">\n'
            f'<button type="submit" class="link-button">{text}</button>\n</form>\n'
        )

    out = []
    for row in rows:
        id_ = row.enrolment_id
        send = ""
        if row.can_send:
            text = label["send"] if row.invitation == "not-sent" else label["send_again"]
            send = button_form(links["resend"](id_), text)
        certificate = ""
        if row.status == "completed":
            certificate = (
                f'<br><a href="{escape(links["certificate"](id_))}">{label["certificate"]}</a>'
            )
        if row.status == "withdrawn":
            actions = button_form(links["reinstate"](id_), label["reinstate"])
        else:
            actions = (
                f'<a href="{escape(links["move"](id_))}">{label["move"]}</a>\n'
                f'<a href="{escape(links["withdraw"](id_))}" class="link-danger">'
                f"{label['withdraw']}</a>\n"
            )
        out.append(
            f'<tr>\n<th scope="row">{escape(row.name)}</th>\n'
            f'<td class="email" data-label="{label["email"]}">{escape(row.email)}</td>\n'
            f'<td data-label="{label["role"]}">{escape(labels.roles[row.role])}</td>\n'
            f'<td data-label="{label["place"]}">{escape(row.place_name)}</td>\n'
            f'<td data-label="{label["invitation"]}">'
            f"{escape(labels.invitations[row.invitation])}\n{send}</td>\n"
            f'<td data-label="{label["status"]}">{escape(labels.statuses[row.status])}'
            f"{certificate}\n</td>\n"
            f'<td data-label="{label["actions"]}">\n{actions}</td>\n</tr>\n'
        )
    return Markup("".join(out))  # noqa: S704 - every text above is escaped
