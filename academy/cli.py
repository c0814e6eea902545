"""Command-line groups: thin wrappers over the services (``flask --app academy ...``)."""

from __future__ import annotations

from datetime import datetime, timedelta
from zoneinfo import ZoneInfo

import click
from email_validator import EmailNotValidError, validate_email
from flask import Flask, current_app
from flask.cli import AppGroup

from .content import get_course
from .db import get_session
from .models import AudienceRole, Cohort
from .services import cohorts, enrolments, invitations, reminders
from .services.mail import absolute_url

admin_cli = AppGroup("admin", help="Administrator accounts.")


@admin_cli.command("create-link")
@click.option(
    "--unless-admin-exists",
    is_flag=True,
    help="Print nothing when an administrator already exists (used by `make run`).",
)
def create_admin_link(unless_admin_exists: bool) -> None:
    """Print a single-use link, valid for one hour, that creates an administrator."""
    session = get_session()
    if unless_admin_exists and invitations.admin_exists(session):
        return
    valid_for = timedelta(seconds=current_app.config["ADMIN_LINK_MAX_AGE"])
    token = invitations.create_admin_link(session, valid_for)
    session.commit()
    link = absolute_url("admin.create_admin", token=token)
    minutes = int(valid_for.total_seconds() // 60)
    click.echo(f"Create the administrator account here (single use, valid {minutes} minutes):")
    click.echo(f"  {link}")


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


invitations_cli = AppGroup("invitations", help="Invitations to cohorts, for trying Academy out.")


@invitations_cli.command("create")
@click.option("--cohort", "cohort_id", type=int, required=True)
@click.option("--email", required=True)
@click.option("--name", required=True)
@click.option(
    "--role",
    type=click.Choice([role.value for role in AudienceRole]),
    default=AudienceRole.OFFICIAL.value,
    show_default=True,
)
@click.option("--language", type=click.Choice(["en", "sv", "nb"]), default="sv", show_default=True)
def create_invitation_command(
    cohort_id: int, email: str, name: str, role: str, language: str
) -> None:
    """Enrol a person in a cohort, queue the invitation mail and print its link."""
    session = get_session()
    cohort = session.get(Cohort, cohort_id)
    if cohort is None:
        raise click.BadParameter(f"no cohort {cohort_id}", param_hint="--cohort")
    try:
        address = validate_email(email.strip(), check_deliverability=False).normalized
    except EmailNotValidError as error:
        raise click.BadParameter(str(error), param_hint="--email") from error
    if not name.strip() or len(name) > 200:
        raise click.BadParameter("give 1 to 200 characters", param_hint="--name")
    _enrolment, token = enrolments.invite_participant(
        session, cohort, email=address, name=name, role=AudienceRole(role), locale=language
    )
    session.commit()
    click.echo(absolute_url("invite.accept", token=token))


reminders_cli = AppGroup("reminders", help="Reminders to participants.")


@reminders_cli.command("send")
@click.option(
    "--today",
    type=click.DateTime(formats=["%Y-%m-%d"]),
    default=None,
    help="Act as if it were this day (default: today in the site's time zone).",
)
def send_reminders_command(today) -> None:
    """Mail participants who have not completed a round whose deadline is a week away.

    Safe to run daily from cron: a reminder is never sent twice.
    """
    session = get_session()
    day = today.date() if today else datetime.now(ZoneInfo(current_app.config["TIMEZONE"])).date()
    sent = reminders.send_deadline_reminders(session, day)
    session.commit()
    click.echo(f"Reminders queued: {sent}")


def register_cli(app: Flask) -> None:
    from .certificates_cli import certificates_cli
    from .content.cli import courses_cli
    from .delivery import mail_cli
    from .privacy_cli import privacy_cli
    from .translations_check import translations_cli

    app.cli.add_command(admin_cli)
    app.cli.add_command(cohorts_cli)
    app.cli.add_command(certificates_cli)
    app.cli.add_command(invitations_cli)
    app.cli.add_command(reminders_cli)
    app.cli.add_command(courses_cli)
    app.cli.add_command(mail_cli)
    app.cli.add_command(privacy_cli)
    app.cli.add_command(translations_cli)
