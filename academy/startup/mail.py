"""The mail settings: a server in production, a consistent TLS and login, a real sender."""

from __future__ import annotations

from collections.abc import Mapping
from email.utils import parseaddr
from typing import Any

from .report import CheckReport, check_bool


def check_mail(config: Mapping[str, Any], report: CheckReport, production: bool) -> None:
    for name in ("MAIL_STARTTLS", "MAIL_SSL"):
        check_bool(config, name, report)
    server = config.get("MAIL_SERVER") or ""
    if not isinstance(server, str):
        report.errors.append(f"MAIL_SERVER must be a host name, not {server!r}")
        return
    if not server:
        if production:
            report.errors.append(
                "MAIL_SERVER is not set: the mail worker would print mails instead of sending "
                "them, so invitations and password resets never arrive. Set ACADEMY_MAIL_SERVER "
                "(and MAIL_PORT, MAIL_STARTTLS or MAIL_SSL, MAIL_USERNAME, MAIL_PASSWORD)"
            )
        return
    if config.get("MAIL_STARTTLS") is True and config.get("MAIL_SSL") is True:
        report.errors.append(
            "MAIL_STARTTLS and MAIL_SSL are both true; use MAIL_STARTTLS for port 587 "
            "or MAIL_SSL for port 465"
        )
    if bool(config.get("MAIL_USERNAME")) != bool(config.get("MAIL_PASSWORD")):
        report.errors.append(
            "MAIL_USERNAME and MAIL_PASSWORD go together: set both for an SMTP login, or neither"
        )
    elif config.get("MAIL_USERNAME") and not (
        config.get("MAIL_STARTTLS") or config.get("MAIL_SSL")
    ):
        report.warnings.append(
            "MAIL_USERNAME is set but neither MAIL_STARTTLS nor MAIL_SSL: the SMTP password "
            "would cross the network unencrypted"
        )
    sender = str(config.get("MAIL_FROM") or "")
    address = parseaddr(sender)[1]
    domain = address.rpartition("@")[2]
    if "@" not in address or ("." not in domain and domain != "localhost"):
        report.errors.append(
            f"MAIL_FROM {sender!r} is not an address like 'Academy <academy@example.se>'"
        )
    elif production and domain == "localhost":
        report.errors.append(
            f"MAIL_FROM {sender!r} is the development sender; set ACADEMY_MAIL_FROM to an "
            "address of your own domain, e.g. 'Academy <academy@example.se>'"
        )
