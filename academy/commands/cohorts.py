"""``flask --app academy cohorts ...``: cohorts (course rounds), for trying Academy out."""

from __future__ import annotations

import click
from flask.cli import AppGroup

from ..content import get_course
from ..db import get_session
from ..services import cohorts

cohorts_cli = AppGroup("cohorts", help="Cohorts (course rounds), for trying Academy out.")


@cohorts_cli.command("create")
@click.option("--organisation", required=True, help="Name; created if it does not exist.")
@click.option("--name", required=True, help="Name of the course round.")
@click.option("--course", "course_slug", required=True, help="Course slug, e.g. safer-places.")
@click.option("--deadline", type=click.DateTime(formats=["%Y-%m-%d"]), default=None)
def create_cohort_command(organisation: str, name: str, course_slug: str, deadline) -> None:
    """Create a cohort of a course for an organisation and print its id."""
    if get_course(course_slug) is None:
        raise click.BadParameter(f"no course {course_slug!r}", param_hint="--course")
    for value, hint in ((organisation, "--organisation"), (name, "--name")):
        if not value.strip() or len(value) > 200:
            raise click.BadParameter("give 1 to 200 characters", param_hint=hint)
    session = get_session()
    owner = cohorts.get_or_create_organisation(session, organisation)
    cohort = cohorts.create_cohort(
        session,
        owner,
        course_slug=course_slug,
        name=name,
        deadline=deadline.date() if deadline else None,
    )
    session.commit()
    click.echo(f"Cohort {cohort.id}: {cohort.name} ({owner.name}, {course_slug})")
