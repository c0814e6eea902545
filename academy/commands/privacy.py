"""``flask --app academy privacy ...``: retention of personal data.

A thin wrapper over :mod:`academy.services.privacy`, which says what counts as an unused
account, which are kept and what erasing one removes.
"""

from __future__ import annotations

from datetime import timedelta

import click
from flask import current_app
from flask.cli import AppGroup

from ..config import ConfigError
from ..db import get_session
from ..models import utcnow
from ..services import privacy
from ..services.privacy import ExpiredAccount

privacy_cli = AppGroup("privacy", help="Personal data: retention.")


@privacy_cli.command("purge")
@click.option("--dry-run", is_flag=True, help="Print who would be purged; change nothing.")
def purge(dry_run: bool) -> None:
    """Erase the accounts nobody has used for RETENTION_DAYS days, with their data.

    Unused: no login within the period (an account that never logged in counts from its
    creation) and no enrolment made within it. Erasing removes the account, its
    enrolments, progress, invitations and mails; issued certificates stay and verify by
    the holder's initials and name hash, as after a person deletes their own account.

    Administrators, and organizers of an organisation with a round that is not archived,
    are never purged: they are listed as kept, for a person to decide about (remove them
    by hand, or archive the organisation's rounds).

    Commits every 100 accounts and writes one audit event (privacy.purged) when it erased
    any. Safe to run daily from cron: a second run finds nothing more to do. With
    RETENTION_DAYS=0 nothing is ever purged.
    """
    try:
        days = privacy.retention_days(current_app.config.get("RETENTION_DAYS"))
    except ConfigError as error:
        raise click.ClickException(str(error)) from error
    if days is None:
        click.echo("RETENTION_DAYS is 0: accounts are never purged.")
        return
    cutoff = utcnow() - timedelta(days=days)
    session = get_session()
    expired = privacy.find_expired_accounts(session, cutoff)
    to_purge = [account for account in expired if not account.kept_because]
    kept = [account for account in expired if account.kept_because]
    unused = f"not used for {days} days (since before {cutoff:%Y-%m-%d})"

    if dry_run:
        session.rollback()
        click.echo(f"Dry run: {_accounts(len(to_purge))} {unused} would be purged.")
        _list(to_purge)
        _report_kept(kept)
        return

    purged = 0
    while True:
        ids = privacy.purge_expired_accounts(session, cutoff, limit=privacy.PURGE_BATCH)
        session.commit()
        purged += len(ids)
        if len(ids) < privacy.PURGE_BATCH:
            break
    if purged:
        privacy.record_purge(
            session, purged=purged, kept=len(kept), retention_days=days, cutoff=cutoff
        )
        session.commit()
    click.echo(f"Purged {_accounts(purged)} {unused}.")
    _report_kept(kept)


def _accounts(count: int) -> str:
    return f"{count} account" if count == 1 else f"{count} accounts"


def _list(accounts: list[ExpiredAccount]) -> None:
    for account in accounts:
        reason = f"  ({account.kept_because})" if account.kept_because else ""
        click.echo(
            f"  {account.id:>8}  {account.email}  last used {account.last_used_at:%Y-%m-%d}{reason}"
        )


def _report_kept(kept: list[ExpiredAccount]) -> None:
    if kept:
        click.echo(f"Kept, though as long unused: {_accounts(len(kept))}.")
        _list(kept)
