"""The command-line groups (``flask --app academy GROUP COMMAND``), one module per group.

Each module parses its arguments and calls the code that does the work (a service, the
mail worker, the catalog or startup checks); ``init_app`` registers every group.
"""

from __future__ import annotations

from flask import Flask

from .admin import admin_cli
from .certificates import certificates_cli
from .cohorts import cohorts_cli
from .config import config_cli
from .courses import courses_cli
from .invitations import invitations_cli
from .mail import mail_cli
from .plans import plans_cli
from .privacy import privacy_cli
from .reminders import reminders_cli
from .sign_in import sign_in_cli
from .translations import translations_cli

# In the order they were added before; `flask --help` sorts them by name anyway.
GROUPS = (
    admin_cli,
    cohorts_cli,
    certificates_cli,
    invitations_cli,
    reminders_cli,
    courses_cli,
    mail_cli,
    privacy_cli,
    translations_cli,
    config_cli,
    plans_cli,
    sign_in_cli,
)


def init_app(app: Flask) -> None:
    """Register every command group with the application's ``flask`` command."""
    for group in GROUPS:
        app.cli.add_command(group)
