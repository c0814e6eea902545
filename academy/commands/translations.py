"""``flask --app academy translations check``: a thin wrapper over
:mod:`academy.translation_catalogs`, which does the checking."""

from __future__ import annotations

import click
from flask import current_app
from flask.cli import AppGroup

from .. import translation_catalogs as catalogs

translations_cli = AppGroup("translations", help="Message catalogs.")


@translations_cli.command("check")
def check_command() -> None:
    """Check that the template is fresh and that every catalog is completely translated.

    Extracts the messages afresh and compares them with academy/translations/messages.pot,
    then checks each configured language's catalog for missing, untranslated and fuzzy
    entries and for placeholders that differ from the source text. Exits with status 1
    when there is anything to fix.
    """
    if not (catalogs.PROJECT_ROOT / "babel.cfg").exists():
        # An installed package has no babel.cfg or templates' sources to extract from.
        raise click.ClickException(
            f"No babel.cfg in {catalogs.PROJECT_ROOT}: run this in a checkout."
        )
    locales = catalogs.translated_locales(current_app.config["LANGUAGES"])
    # The paths are read here rather than bound as defaults so that tests can point the
    # command at a small project.
    report = catalogs.check_translations(
        locales, root=catalogs.PROJECT_ROOT, translations_dir=catalogs.TRANSLATIONS_DIR
    )
    for problem in report.problems:
        click.echo(str(problem))
    sizes = ", ".join(f"{locale} {size}" for locale, size in report.entries.items())
    if report.problems:
        count = len(report.problems)
        click.echo(
            f"{count} translation problem{'' if count == 1 else 's'} "
            f"({report.messages} messages in the code; catalogs: {sizes})."
        )
        raise click.exceptions.Exit(1)
    click.echo(f"Translations complete: {report.messages} messages; catalogs: {sizes}.")
