"""Startup checks: every setting, then the database, its migrations, the rate-limit storage
and the course files. A server that would fail on its first request, or run insecurely,
refuses to start and says why.

``flask --app academy config check`` (:mod:`academy.commands.config`) runs them and prints
every problem. gunicorn.conf.py runs ``python -m academy.startup --startup`` in its
``on_starting`` hook, before any worker exists; that runs them when the STARTUP_CHECKS
setting asks for it (by default: in production) and, unlike the ``flask`` command, also
reports a setting that stops ``create_app`` itself (a missing SECRET_KEY) as one line
instead of a traceback. A child process, so that gunicorn's master never imports the
application and ``kill -HUP`` still loads new code into new workers.

They are deliberately not part of ``create_app``: that stays free of I/O, and Alembic's
env.py calls it, so ``alembic upgrade head`` must work on the very database these checks
would refuse for not being upgraded. Messages are for operators, in English.

One module per subject: ``secret_key`` (SECRET_KEY, password hashing), ``database``
(DATABASE_URL, connection, migrations), ``rate_limits`` (the limits and their storage),
``mail``, ``files`` (course files, instance folder) and ``settings`` (every other setting,
and the order all setting checks run in); ``checks`` runs everything, ``report`` holds and
prints the outcome. ``__main__`` (``main``) is the only module that builds the app, and
nothing imports it, so the checks stay below ``create_app`` without an import cycle.
"""

from __future__ import annotations

from .checks import check_and_print, checks_enabled, require_ready, run_checks
from .database import ALEMBIC_UPGRADE, CONNECT_TIMEOUT, MIGRATIONS_INI
from .report import CheckReport, StartupError, print_report
from .secret_key import KEY_COMMAND
from .settings import TRANSLATIONS, check_settings

__all__ = [
    "ALEMBIC_UPGRADE",
    "CONNECT_TIMEOUT",
    "KEY_COMMAND",
    "MIGRATIONS_INI",
    "TRANSLATIONS",
    "CheckReport",
    "StartupError",
    "check_and_print",
    "check_settings",
    "checks_enabled",
    "print_report",
    "require_ready",
    "run_checks",
]
