"""``flask --app academy invitations ...``: invitations to cohorts, for trying Academy out."""

from __future__ import annotations

import click
from email_validator import EmailNotValidError, validate_email
from flask.cli import AppGroup

from ..db import get_session
from ..models import AudienceRole, Cohort
from ..services import enrolments
from ..services.mail import absolute_url

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
