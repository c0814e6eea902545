"""``flask --app academy certificates ...``: certificate PDFs outside any request."""

from __future__ import annotations

import click
from flask.cli import AppGroup
from sqlalchemy import select

from ..db import get_session
from ..models import Certificate, Cohort, Enrolment
from ..services import certificates

certificates_cli = AppGroup("certificates", help="Issued certificates.")


@certificates_cli.command("render")
@click.option("--cohort", "cohort_id", type=int, default=None, help="Only this round (its id).")
def render_command(cohort_id: int | None) -> None:
    """Render and store the PDF of every certificate that has none yet (a render that
    failed after the issue), so that downloads and the round's ZIP serve stored files."""
    session = get_session()
    query = select(Certificate.id).where(Certificate.pdf.is_(None)).order_by(Certificate.id)
    if cohort_id is not None:
        if session.get(Cohort, cohort_id) is None:
            raise click.BadParameter(f"no round with id {cohort_id}", param_hint="--cohort")
        query = query.join(Enrolment, Enrolment.id == Certificate.enrolment_id).where(
            Enrolment.cohort_id == cohort_id
        )
    missing = list(session.scalars(query))
    done = 0
    for certificate in certificates.render_missing(session, missing):
        done += 1
        click.echo(f"rendered {certificates.format_code(certificate.code)}")
    click.echo(f"{done} of {len(missing)} certificates rendered.")
