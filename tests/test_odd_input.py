"""Odd input against every route and every form, generated from the URL map and the forms.

PostgreSQL refuses what SQLite takes (an id above 2^31-1, a NUL in text), so a 500 that
only production would show is found here only when the suite runs on PostgreSQL too
(ACADEMY_DATABASE_URL); every test runs on both.

- Every ``<int:...>`` of the URL map, for every method, with 0, 2^31-1, 2^31, 2^63 and
  10^20: 404 (or the login page, for the anonymous visitor), nothing written.
- Every other path argument with NUL, a line break, 10,000 characters, right-to-left and
  zero-width characters: no 500, nothing written.
- Every query-string or form name a view reads without a form (found in the views'
  source), with odd numbers and odd text, on every route: no 500, no NUL written.
- Every text field of every form, as someone who may use the form, with the same odd
  text: an answer of 2xx/3xx that is a form error or a saved, cleaned value; never a
  500, never a stored NUL, never a line break in a one-line value, never a stored
  password or tampered hidden value.

The world, the table of routes and the asker are those of test_route_security.py.
"""

from __future__ import annotations

import importlib
import json
import pkgutil
import re
from collections.abc import Iterator
from contextlib import contextmanager, suppress
from dataclasses import dataclass
from pathlib import Path
from typing import Any
from urllib.parse import quote, urlencode

import pytest
from sqlalchemy import event

import academy
import academy.web
from academy.config import DEFAULTS
from academy.content.loader import load_courses
from academy.extensions import limiter
from academy.services import organizers
from academy.web import forms as base
from academy.web.account import forms as account_forms
from academy.web.account import provider as account_provider
from academy.web.admin import forms as admin_forms
from academy.web.admin import sign_in as admin_sign_in
from academy.web.certificates import forms as certificate_forms
from academy.web.invite import forms as invite_forms
from academy.web.learn import checkin as learn_checkin
from academy.web.learn import forms as learn_forms
from academy.web.main import forms as main_forms
from academy.web.organize import announcements as organize_announcements
from academy.web.organize import (
    assignments,
    imports,
    live_sessions,
    organisations,
    participants,
    places,
    plan_forms,
    rounds,
)
from academy.web.params import MAX_ID, numbers_up_to
from tests import test_route_security as route_security
from tests.conftest import FIXTURE_COURSES
from tests.factories import PASSWORD
from tests.test_route_security import (
    _ARGUMENT,
    _WRITE,
    ACTORS,
    LOGIN,
    PART,
    ROUTES,
    TOKENS,
    Answer,
    World,
    answers,
)

# The route security tests' world (and its fake PDF) and asker, as fixtures here too.
fake_pdf, world, ask = route_security.fake_pdf, route_security.world, route_security.ask

NEW_PASSWORD = "a new password, long enough"

# Odd text: what a paste, a broken client or an attacker sends.
ODD_TEXT = {
    "NUL": "Kvarn\x00backen",
    "CR/LF": "Kvarn\r\nbacken",
    "other control characters": "Kvarn\tbacken\x0b\x1f\x7f\x85",
    "10,000 characters": "x" * 10_000,
    "right-to-left": "\u202eKvarnbacken \u0645\u062d\u0637\u0629",
    "zero-width": "Kvarn\u200bbacken",
}
# Ids the URL map must refuse, and the largest it takes (which reaches the view).
ODD_IDS = {"0": 0, "2^31-1": 2**31 - 1, "2^31": 2**31, "2^63": 2**63, "10^20": 10**20}
# Numbers as a query string or form carries them.
ODD_NUMBERS = (
    "0",
    "-1",
    "2147483648",
    "9223372036854775808",
    "99999999999999999999",
    "²",  # a digit to str.isdigit(), not to int()
    "١٢",  # Arabic-Indic digits
)


# --- recording what is written --------------------------------------------------------------


@contextmanager
def recording_written_text(connection) -> Iterator[list[str]]:
    """Every string sent to the database with an INSERT, UPDATE or DELETE (JSON values
    opened up to their strings)."""
    written: list[str] = []

    def record(_conn, _cursor, statement, parameters, *_args) -> None:
        if _WRITE.match(statement):
            written.extend(_strings(parameters))

    event.listen(connection, "before_cursor_execute", record)
    try:
        yield written
    finally:
        event.remove(connection, "before_cursor_execute", record)


def _strings(value: Any) -> Iterator[str]:
    if isinstance(value, str):
        yield value
        if value[:1] in ("{", "["):
            with suppress(ValueError):
                yield from _strings(json.loads(value))
    elif isinstance(value, dict):
        for each in value.values():
            yield from _strings(each)
    elif isinstance(value, list | tuple):
        for each in value:
            yield from _strings(each)
    elif hasattr(value, "obj"):  # psycopg's Json wrapper
        yield from _strings(value.obj)


@dataclass
class Sent:
    answer: Answer
    written: list[str]

    def wrote(self, text: str) -> bool:
        return any(text in each for each in self.written)


@pytest.fixture
def send(app, connection, ask):
    """``ask`` with every string written recorded, and fresh rate limits for each request
    (a form tried thirty times would otherwise meet the login and invitation limits)."""

    def sending(actor: str, method: str, url: str, data=None) -> Sent:
        with app.app_context():
            limiter.reset()
        with recording_written_text(connection) as written:
            answer = ask(actor, method, url, data=data)
        return Sent(answer, written)

    return sending


def got(answer: Answer) -> str:
    text = f"{answer.status}" + (f" to {answer.location}" if answer.location else "")
    if answer.status == 500:
        text += f" ({answer.body.decode(errors='replace')[:300]})"
    return text


def users_of(rule: str, method: str) -> list[str]:
    """The actors the table lets use ``rule`` (anything but a 404, 409 or the login page)."""
    return [
        actor
        for actor, cell in zip(ACTORS, answers(ROUTES[rule][method]), strict=True)
        if cell not in (404, 409, LOGIN)
    ]


def fill(rule: str, world: World, **overrides: Any) -> str:
    """The rule with its arguments from the world, some of them replaced."""
    values = {**world.url_values(), **overrides}
    if rule in TOKENS and "token" not in overrides:
        values["token"] = world.tokens[TOKENS[rule]]
    return _ARGUMENT.sub(lambda match: str(values[match.group(1)]), rule)


# --- path arguments -------------------------------------------------------------------------

INT_RULES = sorted(rule for rule in ROUTES if "<int:" in rule)
TEXT_RULES = sorted(
    rule
    for rule in ROUTES
    if any(not match.group(0).startswith("<int:") for match in _ARGUMENT.finditer(rule))
)


def test_the_id_pattern_takes_exactly_1_to_its_limit():
    for limit in (*range(1, 120), 999, 1000, 2024, 20399, MAX_ID):
        pattern = re.compile(numbers_up_to(limit) + r"\Z")
        near = range(max(0, limit - 2000), limit + 2000)
        # Each digit of the limit's own, with every digit after it low and high.
        digits = str(limit)
        edges = (
            int(digits[:i] + str(d) + fill * (len(digits) - i - 1))
            for i in range(len(digits))
            for d in range(10)
            for fill in "09"
        )
        numbers = (*range(min(limit, 3000)), *near, *edges, limit * 10, limit * 2**32)
        for number in numbers:
            assert bool(pattern.match(str(number))) == (1 <= number <= limit), (limit, number)
        assert not pattern.match("0" + str(limit))
        assert not pattern.match("\u0661")  # an Arabic-Indic 1


@pytest.mark.parametrize("rule", INT_RULES)
def test_every_id_in_a_url_beyond_the_database_integer_is_a_404(world, send, rule):
    problems = []
    for method in ROUTES[rule]:
        for name in re.findall(r"<int:(\w+)>", rule):
            for label, value in ODD_IDS.items():
                url = fill(rule, world, **{name: value})
                for actor in ("anonymous", *users_of(rule, method)):
                    answer = send(actor, method, url).answer
                    refused = answer.status == 404 or (
                        actor == "anonymous"
                        and answer.status == 302
                        and answer.location == "/login?next=" + quote(url, safe="")
                    )
                    if not refused:
                        problems.append(f"{method} {url} ({label}) as {actor}: {got(answer)}")
                    if answer.writes or answer.left_open:
                        problems.append(
                            f"{method} {url} ({label}) as {actor} wrote {answer.writes}"
                        )
    assert not problems, "\n".join(problems)


@pytest.mark.parametrize("rule", TEXT_RULES)
def test_odd_text_in_a_path_argument_is_never_a_500_and_writes_nothing(world, send, rule):
    problems = []
    for method in ROUTES[rule]:
        for match in _ARGUMENT.finditer(rule):
            if match.group(0).startswith("<int:"):
                continue
            for label, value in ODD_TEXT.items():
                url = fill(rule, world, **{match.group(1): quote(value, safe="")})
                for actor in ("anonymous", *users_of(rule, method)):
                    answer = send(actor, method, url).answer
                    if answer.status >= 500 or answer.writes or answer.left_open:
                        problems.append(
                            f"{method} {rule} with {match.group(1)} = {label} as {actor}: "
                            f"{got(answer)}, wrote {answer.writes}"
                        )
    assert not problems, "\n".join(problems)


# --- names read without a form --------------------------------------------------------------

_READ = re.compile(r"(?:\.get|\.getlist|int_args?|text_arg)\(\s*(?:[\w.]+,\s*)?(f?)\"(\w+)")


def names_read_without_a_form() -> set[str]:
    """Every name the web package reads from a query string or form by hand: the first
    string of a ``.get(...)``, ``.getlist(...)``, ``int_arg(...)``, ``text_arg(...)``
    (dictionaries' keys come along; unused names do no harm). An f-string's prefix
    (``f"map_{name}"``) stands for the spreadsheet columns of the import."""
    names: set[str] = set()
    for path in Path(academy.web.__file__).parent.rglob("*.py"):
        for formatted, name in _READ.findall(path.read_text()):
            if formatted:
                names.update(name + column for column in imports.IMPORT_FIELDS)
            else:
                names.add(name)
    return names


READ_NAMES = sorted(names_read_without_a_form())


@pytest.mark.parametrize("rule", sorted(ROUTES))
def test_odd_values_for_every_name_read_without_a_form_are_never_a_500(world, send, rule):
    assert {"page", "organisation", "action", "cohort", "present", "map_email"} <= set(READ_NAMES)
    url = fill(rule, world)
    problems = []
    for method in ROUTES[rule]:
        users = users_of(rule, method) or ["anonymous"]
        # One who may use the route: the organizer's and participant's own pages first.
        actor = next((a for a in ("organizer", "participant") if a in users), users[0])
        for value in (*ODD_NUMBERS, *ODD_TEXT.values()):
            values = dict.fromkeys(READ_NAMES, value)
            if method == "GET":
                sent = send(actor, "GET", url + "?" + urlencode(values))
            else:
                sent = send(actor, "POST", url, data=values)
            where = f"{method} {url} with {value[:20]!r} as {actor}"
            if sent.answer.status >= 500:
                problems.append(f"{where}: {got(sent.answer)}")
            if method == "GET" and sent.answer.writes:
                problems.append(f"{where} wrote {sent.answer.writes}")
            if sent.wrote("\x00"):
                problems.append(f"{where} stored a NUL")
    assert not problems, "\n".join(problems)


# --- every text field of every form ---------------------------------------------------------


@dataclass(frozen=True)
class Use:
    """A form as someone who may use it sends it: ``path`` is formatted with the world's
    URL values and tokens; ``data`` is accepted as it is (``accepted`` is the answer),
    so that the odd value in one field is the only thing wrong."""

    actor: str
    path: str
    data: dict[str, str]
    accepted: int = 302
    method: str = "POST"
    form: type | None = None  # the form class, when built at run time


# The forms with a text field, and where they are used. Forms built from the course files
# (quiz and assignment) get their uses from the course, in course_uses().
FORMS: dict[type, tuple[Use, ...]] = {
    account_forms.LoginForm: (
        Use(
            "anonymous",
            "/login",
            {"email": "asa.ostergard@example.se", "password": PASSWORD, "next": "/account"},
        ),
    ),
    account_forms.ResetRequestForm: (
        Use("anonymous", "/password/reset", {"email": "asa.ostergard@example.se"}),
    ),
    account_forms.ResetPasswordForm: (
        Use(
            "anonymous",
            "/password/reset/{reset}",
            {"password": NEW_PASSWORD, "confirm": NEW_PASSWORD},
        ),
    ),
    account_forms.ChangePasswordForm: (
        Use(
            "participant",
            "/account/password",
            {"current_password": PASSWORD, "password": NEW_PASSWORD, "confirm": NEW_PASSWORD},
        ),
    ),
    account_forms.ProfileForm: (
        Use(
            "participant",
            "/account",
            {"name": "Åsa Östergård", "certificate_name": "Åsa K. Östergård", "locale": "sv"},
        ),
    ),
    # The login page's first step: an address no provider covers gets the password step.
    account_forms.EmailStepForm: (
        Use("anonymous", "/login", {"email": "asa.ostergard@example.se", "next": "/account"}, 200),
    ),
    account_provider.CertificateNameForm: (
        Use("participant", "/sign-in/name", {"certificate_name": "Åsa K. Östergård"}),
    ),
    admin_sign_in.ProviderForm: (
        Use(
            "admin",
            "/admin/organisations/{organisation_id}/sign-in",
            {
                "issuer": "https://login.microsoftonline.com/9188040d-6c67-4c5b/v2.0",
                "client_id": "6731de76-14a6-49ae-97bc-6eba6914391e",
                "client_secret": "a client secret",
                "domains": "vanersborg.se\npolisen.se",
                "enabled": "y",
            },
        ),
    ),
    # Without a password first, the second step leads back to the login page.
    account_forms.SecondStepForm: (Use("anonymous", "/login/code", {"code": "123 456"}),),
    # A wrong code is said at the field; nothing typed is stored.
    account_forms.EnrolForm: (
        Use("participant", "/account/two-factor/setup", {"code": "123 456"}, accepted=200),
        Use("anonymous", "/login/code/setup", {"code": "123 456"}),
    ),
    account_forms.NewRecoveryCodesForm: (
        Use("participant", "/account/two-factor/recovery-codes", {"code": "123 456"}),
    ),
    account_forms.RemoveSecondFactorForm: (
        Use("participant", "/account/two-factor/remove", {"password": PASSWORD}),
    ),
    account_forms.EmailChangeForm: (
        Use("participant", "/account/email", {"email": "asa.new@example.se", "password": PASSWORD}),
    ),
    account_forms.DeleteAccountForm: (
        Use("participant", "/account/delete", {"password": PASSWORD}),
    ),
    admin_forms.CreateAdminForm: (
        Use(
            "anonymous",
            "/setup/{setup}",
            {
                "name": "Ada Andersson",
                "email": "ada.andersson@example.se",
                "locale": "sv",
                "password": NEW_PASSWORD,
                "confirm": NEW_PASSWORD,
            },
        ),
    ),
    certificate_forms.VerifyForm: (Use("anonymous", "/verify", {"code": "{code}"}, method="GET"),),
    certificate_forms.NameCheckForm: (
        Use("anonymous", "/verify/{code}", {"name": "Åsa-Kristin Östergård"}, accepted=200),
    ),
    certificate_forms.CorrectNameForm: (
        Use("participant", "/certificates/{certificate_id}/correct", {"name": "Åsa Östergård"}),
        Use(
            "organizer",
            "/organize/certificates/{certificate_id}/correct",
            {"name": "Åsa K Östergård"},
        ),
    ),
    certificate_forms.RevokeForm: (
        Use(
            "organizer",
            "/organize/certificates/{certificate_id}/revoke",
            {"reason": "Issued to the wrong person by mistake."},
        ),
    ),
    invite_forms.NewParticipantForm: (
        Use(
            "anonymous",
            "/invite/{invite}",
            {
                "name": "Birger Bengtsson",
                "certificate_name": "Birger B. Bengtsson",
                "locale": "sv",
                "password": NEW_PASSWORD,
                "confirm": NEW_PASSWORD,
            },
        ),
        Use(
            "anonymous",
            "/organize/join/{join}",
            {
                "name": "Nora Nyorganisatör",
                "locale": "nb",
                "password": NEW_PASSWORD,
                "confirm": NEW_PASSWORD,
            },
        ),
    ),
    invite_forms.ExistingAccountForm: (
        Use("anonymous", "/organize/join/{join_existing}", {"password": PASSWORD}),
    ),
    main_forms.LanguageForm: (
        Use("participant", "/language", {"locale": "sv", "next": "/account"}),
    ),
    organisations.OrganisationForm: (
        Use(
            "admin",
            "/organize/organisations/new",
            {"name": "Trollhättans stad", "kind": "municipality", "timezone": ""},
        ),
    ),
    organisations.OrganizerInviteForm: (
        Use(
            "admin",
            "/organize/organisations/{organisation_id}",
            {"email": "olga.organizer@example.se", "locale": "sv"},
        ),
    ),
    organisations.ViewerInviteForm: (
        Use(
            "organizer",
            "/organize/organisations/{organisation_id}/viewers",
            {"reader_email": "vera.reader@example.se", "reader_locale": "sv"},
        ),
    ),
    rounds.CohortForm: (
        Use(
            "organizer",
            "/organize/organisations/{organisation_id}/cohorts/new",
            {
                "course": "safer-streets",
                "name": "Torpa våren",
                "place": "Torpa centrum",
                "starts_on": "2026-09-01",
                "ends_on": "2026-12-15",
                "deadline": "2026-12-01",
                "required_sessions": "0",
            },
        ),
        Use(
            "organizer",
            "/organize/cohorts/{cohort_id}/edit",
            {
                "course": "safer-streets",
                "name": "Torpa hösten två",
                "place": "Torpa stationsområde",
                "starts_on": "2026-09-01",
                "required_sessions": "0",
            },
        ),
    ),
    # Sent from the preview (the world's round has two participants): stored as typed.
    organize_announcements.AnnouncementForm: (
        Use(
            "organizer",
            "/organize/cohorts/{cohort_id}/announcements/new",
            {
                "audience": "everyone",
                "subject": "Vandringen flyttas",
                "body": "Vi ses vid biblioteket.\nSe https://example.se/torpa",
                "subject_sv": "Vandringen flyttas till torsdag",
                "body_sv": "Vi ses klockan 18.",
                "subject_nb": "",
                "body_nb": "",
                "subject_en": "",
                "body_en": "",
                "action": "send",
                "confirmed": "2",
            },
        ),
    ),
    live_sessions.LiveSessionForm: tuple(
        Use(
            "organizer",
            path,
            {
                "title": "Trygghetsvandring vid Torpa",
                "day": "2026-10-01",
                "starts": "18:00",
                "ends": "20:00",
                "location": "Torpa bibliotek",
                "video_url": "https://meet.example.se/torpa",
            },
        )
        for path in (
            "/organize/cohorts/{cohort_id}/sessions/new",
            "/organize/sessions/{session_id}/edit",
        )
    ),
    # The world's session is next week: a code is answered at the field (check-in opens
    # 30 minutes before), and nothing typed is ever stored.
    learn_checkin.CheckInForm: (
        Use("participant", "/learn/sessions/{session_id}/check-in", {"code": "123 456"}, 200),
    ),
    participants.ParticipantForm: (
        Use(
            "organizer",
            "/organize/cohorts/{cohort_id}/participants/new",
            {
                "name": "Nils Nilsson",
                "email": "nils.nilsson@example.se",
                "role": "official",
                "employer": "Vänersborgs kommun",
                "place": "Torpa gamla torg",
                "locale": "sv",
            },
        ),
    ),
    assignments.ReviewForm: (
        Use(
            "organizer",
            "/organize/enrolments/{enrolment_id}/assignments/" + PART,
            {"comment": "Say which lamps are broken.", "action": "return-confirmed"},
        ),
    ),
    places.PlaceForm: (
        Use(
            "organizer",
            "/organize/organisations/{organisation_id}/places/new",
            {"name": "Stationsområdet", "description": "From the station to the bus stop."},
        ),
        Use(
            "organizer",
            "/organize/places/{place_id}/edit",
            {"name": "Torpa torget", "description": "The square and its car park."},
        ),
    ),
    plan_forms.PlanForm: tuple(
        Use(
            "organizer",
            path,
            {
                "title": "Åtgärdsplan Torpa centrum",
                "kind": "citizen_promise",
                "starts_on": "2027-01-01",
                "ends_on": "2028-12-31",
                "places": "{place_id}",
                "description": "Torget och stationen.",
            },
        )
        for path in (
            "/organize/organisations/{organisation_id}/plans/new",
            "/organize/plans/{plan_id}/edit",
        )
    ),
    plan_forms.ReviewForm: (
        Use(
            "organizer",
            "/organize/plans/{plan_id}/reviews",
            {"review_on": "2027-09-01", "review_note": "Styrgruppen"},
        ),
    ),
    plan_forms.MeasureForm: tuple(
        Use(
            "organizer",
            path,
            {
                "title": "Byt armaturerna vid cykelstället",
                "description": "Fyra nya lampor.",
                "place": "{place_id}",
                "responsible": "{organisation_id}",
                "contact_person": "",
                "contact": "Gatukontoret, 0521-72 10 00",
                "due_on": "2027-05-01",
                "expected_effect": "Ljust hela kvällen.",
                "indicator": "Färre fynd om belysning vid nästa vandring.",
            },
        )
        for path in (
            "/organize/plans/{plan_id}/measures/new",
            "/organize/measures/{measure_id}/edit",
            "/organize/plans/{plan_id}/proposals/{proposal_id}/accept",
        )
    ),
    plan_forms.MeasureStatusForm: (
        Use(
            "partner_organizer",
            "/organize/measures/{measure_id}/status",
            {"status": "dropped", "reason": "Ersätts av kamerabevakning."},
        ),
    ),
    plan_forms.ProposalMergeForm: (
        Use(
            "organizer",
            "/organize/plans/{plan_id}/proposals/{proposal_id}/merge",
            {"measure": "{measure_id}", "note": "Föreslaget i kursen: fastighetsskötarrunda."},
        ),
    ),
    plan_forms.ProposalDropForm: (
        Use(
            "organizer",
            "/organize/plans/{plan_id}/proposals/{proposal_id}/drop",
            {"reason": "Finns redan i medborgarlöftet."},
        ),
    ),
    plan_forms.NoteForm: (
        Use(
            "partner_organizer",
            "/organize/measures/{measure_id}/notes",
            {"body": "Patrull varje fredag kväll sedan april."},
        ),
    ),
}
# Built from the course files per part; their uses come from the course.
COURSE_FORMS = (learn_forms.QuizForm, learn_forms.AssignmentForm)


def course_uses() -> list[Use]:
    """The quiz and the assignment of every part of the fixture course (the suite's)."""
    catalog, problems = load_courses(FIXTURE_COURSES, DEFAULTS["LANGUAGES"])
    assert not problems, problems
    course = catalog.get("safer-streets")
    uses = []
    for part in course.parts:
        if part.quiz:
            asked = part.quiz.draw(f"odd-input-{part.slug}")
            answers = {
                f"item_{item.slug}": next(c.slug for c in item.choices if c.correct)
                for item in asked
            }
            order = {item.slug: [c.slug for c in item.choices] for item in asked}
            uses.append(
                Use(
                    "participant",
                    f"/learn/{{enrolment_id}}/{part.slug}/quiz",
                    {**answers, "nonce": f"odd-input-{part.slug}"},
                    form=learn_forms.quiz_form_class(part.quiz, "en", order),
                )
            )
        if part.assignment:
            uses.append(
                Use(
                    "participant",
                    f"/learn/{{enrolment_id}}/{part.slug}/assignment",
                    {**_assignment_data(part.assignment.fields), "action": "draft"},
                    form=learn_forms.assignment_form_class(part.assignment, "en"),
                )
            )
    return uses


def _assignment_data(fields, prefix: str = "") -> dict[str, str]:
    data: dict[str, str] = {}
    for spec in fields:
        if spec.type == "repeat":
            data.update(_assignment_data(spec.fields, f"{prefix}{spec.slug}-0-"))
        elif spec.type == "choice":
            data[prefix + spec.slug] = spec.choices[0].slug
        else:
            text = f"{spec.slug}: the stand behind the station is dark after 16, every day."
            data[prefix + spec.slug] = text[: spec.max_length]
    return data


def text_fields(app, form_class: type) -> dict[str, Any]:
    """Each text field of the form (groups of repeated fields included) by its name in
    the form data, with what the form does to its text (see base.text_cleaner)."""
    with app.test_request_context():
        form = form_class(formdata=None)
        return {
            each.name: base.text_cleaner(type(each))
            for each in _all_fields(form)
            if each.name != "csrf_token" and isinstance(each, base.StringField)
        }


def _all_fields(form) -> Iterator[Any]:
    for each in form:
        if hasattr(each, "entries"):  # FieldList
            for entry in each.entries:
                yield from _all_fields(entry.form) if hasattr(entry, "form") else (entry,)
        elif hasattr(each, "form") and each.type == "FormField":
            yield from _all_fields(each.form)
        else:
            yield each


USES = [(form, use) for form, form_uses in FORMS.items() for use in form_uses] + [
    (use.form, use) for use in course_uses()
]


def _use_id(pair) -> str:
    form, use = pair
    return f"{form.__name__} {use.method} {use.path}"


@pytest.fixture
def tokens(app, db, world) -> dict[str, str]:
    """The world's tokens, and an organizer invitation for an account that exists."""
    with app.app_context():
        token = organizers.invite_organizer(
            db,
            world.other_organisation,
            email=world.users["participant"].email,
            locale="en",
            invited_by_id=None,
        )
    db.commit()
    return {**world.tokens, "join_existing": token}


def test_every_form_with_a_text_field_is_tried(app):
    """A form added later is tried here too: the table must say where it is used."""
    in_app = {
        form
        for form in subclasses_in_academy(base.AcademyForm)
        if "<locals>" not in form.__qualname__
        and form not in COURSE_FORMS
        and text_fields(app, form)
    }
    missing = sorted(form.__qualname__ for form in in_app - set(FORMS))
    assert not missing, (
        f"Forms with text fields not in FORMS in tests/test_odd_input.py: {missing}. Add "
        "where each is used, by whom, with data it accepts."
    )
    assert {form for form, _use in USES} >= set(FORMS)
    assert {form.__mro__[1] for form, _use in USES} >= set(COURSE_FORMS)


def subclasses_in_academy(cls: type) -> set[type]:
    """Every subclass of ``cls`` that a module of the academy package defines (each
    module imported first, so that none is missed)."""
    for module in pkgutil.walk_packages(academy.__path__, "academy."):
        importlib.import_module(module.name)
    return {sub for sub in _subclasses(cls) if sub.__module__.startswith("academy.")}


def _subclasses(cls: type) -> set[type]:
    found = set()
    for sub in cls.__subclasses__():
        found |= {sub, *_subclasses(sub)}
    return found


@pytest.mark.parametrize(("form", "use"), USES, ids=[_use_id(pair) for pair in USES])
def test_odd_text_in_every_text_field_is_a_form_error_or_saved_clean(
    app, world, tokens, send, form, use
):
    values = {**world.url_values(), **tokens}
    path = use.path.format(**values)
    data = {name: value.format(**values) for name, value in use.data.items()}

    def submit(data: dict[str, str]) -> Sent:
        if use.method == "GET":
            return send(use.actor, "GET", path + "?" + urlencode(data))
        return send(use.actor, "POST", path, data=data)

    accepted = submit(data)
    assert accepted.answer.status == use.accepted, (
        f"{_use_id((form, use))}: the data in FORMS is not accepted as it is "
        f"({got(accepted.answer)}); fix the table"
    )
    fields = text_fields(app, form)
    assert fields, form
    problems = []
    for name, clean in fields.items():
        stores = bool(data.get(name)) and accepted.wrote(data[name])
        for label, value in ODD_TEXT.items():
            sent = submit({**data, name: value})
            where = f"{use.method} {path} as {use.actor}, {name} = {label}"
            if not 200 <= sent.answer.status < 400:
                problems.append(f"{where}: {got(sent.answer)}")
            if sent.wrote("\x00"):
                problems.append(f"{where}: stored a NUL")
            problems += _cleaning_problems(where, clean, value, sent, stores)
    assert not problems, "\n".join(problems)


def _cleaning_problems(where: str, clean, value: str, sent: Sent, stores: bool) -> list[str]:
    if clean in (None, base.text_cleaner(base.HiddenField)):
        # A password is hashed and a tampered hidden value dropped: neither is stored.
        return [f"{where}: stored as sent"] if sent.wrote(value) else []
    cleaned = clean(value)
    if not (stores and sent.written):
        return []  # refused (shown again, or sent back with a message)
    problems = []
    if cleaned != value and sent.wrote(value):
        problems.append(f"{where}: stored as sent, not cleaned")
    if cleaned.strip() and not sent.wrote(cleaned.strip()):
        problems.append(f"{where}: saved, but not as {cleaned[:40]!r}")
    return problems
