"""Factories: plain functions that add a row with sensible defaults and flush."""

from __future__ import annotations

import itertools
from datetime import date

import pyotp
from sqlalchemy.orm import Session
from werkzeug.security import generate_password_hash

from academy.models import (
    AudienceRole,
    Cohort,
    Enrolment,
    Organisation,
    OrganisationKind,
    Organizer,
    Place,
    SecondFactor,
    User,
    normalize_email,
    utcnow,
)

PASSWORD = "correct horse battery"
_PASSWORD_HASH = generate_password_hash(PASSWORD, method="pbkdf2:sha256:1")
_sequence = itertools.count(1)


def make_user(session: Session, **overrides) -> User:
    n = next(_sequence)
    email = overrides.pop("email", f"person{n}@example.org")
    values = {
        "email": email,
        "email_normalized": normalize_email(email),
        "name": f"Person {n}",
        "certificate_name": overrides.get("name", f"Person {n}"),
        "locale": "en",
        "password_hash": _PASSWORD_HASH,
    }
    values.update(overrides)
    user = User(**values)
    session.add(user)
    session.flush()
    return user


def make_organisation(session: Session, **overrides) -> Organisation:
    n = next(_sequence)
    values = {"name": f"Municipality {n}", "kind": OrganisationKind.MUNICIPALITY}
    values.update(overrides)
    organisation = Organisation(**values)
    session.add(organisation)
    session.flush()
    return organisation


def make_organizer(session: Session, organisation: Organisation, user: User | None = None):
    organizer = Organizer(organisation=organisation, user=user or make_user(session))
    session.add(organizer)
    session.flush()
    return organizer


def make_place(session: Session, organisation: Organisation, **overrides) -> Place:
    n = next(_sequence)
    values = {"organisation": organisation, "name": f"Station area {n}"}
    values.update(overrides)
    place = Place(**values)
    session.add(place)
    session.flush()
    return place


def make_cohort(session: Session, organisation: Organisation | None = None, **overrides) -> Cohort:
    n = next(_sequence)
    values = {
        "organisation": organisation or make_organisation(session),
        "course_slug": "safer-streets",
        "name": f"Spring round {n}",
        "starts_on": date(2026, 3, 1),
        "ends_on": date(2026, 5, 31),
        "deadline": date(2026, 6, 15),
    }
    values.update(overrides)
    cohort = Cohort(**values)
    session.add(cohort)
    session.flush()
    return cohort


def make_enrolment(
    session: Session, cohort: Cohort | None = None, user: User | None = None, **overrides
) -> Enrolment:
    values = {
        "cohort": cohort or make_cohort(session),
        "user": user or make_user(session),
        "role": AudienceRole.OFFICIAL,
    }
    values.update(overrides)
    # What the organizer typed: the account's name, unless a test says otherwise.
    values.setdefault("invited_name", values["user"].name)
    enrolment = Enrolment(**values)
    session.add(enrolment)
    session.flush()
    return enrolment


# The authenticator app of the staff the tests sign in with a password (administrators
# and organizers need a second step: SECOND_FACTOR_FOR_STAFF stays on in the tests).
TOTP_SECRET = "JBSWY3DPEHPK3PXPJBSWY3DPEHPK3PXP"


def enrol_second_factor(session: Session, user: User, secret: str = TOTP_SECRET) -> SecondFactor:
    """Give ``user`` an authenticator app with ``secret`` (no recovery codes)."""
    factor = SecondFactor(user_id=user.id, secret=secret)
    session.add(factor)
    session.flush()
    return factor


def totp_code(secret: str = TOTP_SECRET, at=None, steps: int = 0) -> str:
    """The app's code at ``at`` (now), ``steps`` time steps later or earlier."""
    totp = pyotp.TOTP(secret)
    return totp.generate_otp(totp.timecode(at or utcnow()) + steps)


def wrong_code(secret: str = TOTP_SECRET, at=None) -> str:
    """Six digits the app does not show near ``at`` (now)."""
    near = {totp_code(secret, at, steps) for steps in range(-2, 3)}
    return next(code for code in ("000000", "111111", "222222", "333333") if code not in near)
