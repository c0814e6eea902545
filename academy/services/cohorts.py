"""Organisations and cohorts (the organizer pages build on these)."""

from __future__ import annotations

from datetime import date

from sqlalchemy import select
from sqlalchemy.orm import Session

from ..models import Cohort, Organisation, OrganisationKind


def get_or_create_organisation(
    session: Session, name: str, kind: OrganisationKind = OrganisationKind.MUNICIPALITY
) -> Organisation:
    organisation = session.scalar(select(Organisation).where(Organisation.name == name.strip()))
    if organisation is None:
        organisation = Organisation(name=name.strip(), kind=kind)
        session.add(organisation)
        session.flush()
    return organisation


def create_cohort(
    session: Session,
    organisation: Organisation,
    *,
    course_slug: str,
    name: str,
    starts_on: date | None = None,
    ends_on: date | None = None,
    deadline: date | None = None,
) -> Cohort:
    cohort = Cohort(
        organisation=organisation,
        course_slug=course_slug,
        name=name.strip(),
        starts_on=starts_on,
        ends_on=ends_on,
        deadline=deadline,
    )
    session.add(cohort)
    session.flush()
    return cohort
