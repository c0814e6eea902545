"""Checking the message catalogs: the template is fresh and every catalog complete.

``flask --app academy translations check`` (:mod:`academy.commands.translations`) runs
``check_translations``; tests call the plain functions on small catalogs:
``extract_messages`` extracts the messages from the code as ``make translations`` does,
``template_problems`` compares them with the committed template and ``catalog_problems``
checks one language's catalog against the template.
"""

from __future__ import annotations

import fnmatch
import os
from collections.abc import Iterable
from dataclasses import dataclass, field
from pathlib import Path

from babel.messages import checkers
from babel.messages.catalog import PYTHON_FORMAT, Catalog, Message, TranslationError
from babel.messages.extract import DEFAULT_KEYWORDS, extract_from_dir
from babel.messages.frontend import parse_keywords, parse_mapping_cfg
from babel.messages.pofile import read_po

PROJECT_ROOT = Path(__file__).resolve().parent.parent
TRANSLATIONS_DIR = Path(__file__).resolve().parent / "translations"
DOMAIN = "messages"
# The language the messages are written in; it has no catalog.
SOURCE_LANGUAGE = "en"
# These two mirror the Makefile's ``translations`` target. ``-k _l``: the code imports
# flask_babel.lazy_gettext as ``_l``. ``--ignore-dirs='.*'``: Babel would otherwise also
# skip folders starting with "_", such as templates/_macros.
EXTRA_KEYWORDS = ("_l",)
IGNORE_DIRS = (".*",)

# A message's identity: its context and its id, a (singular, plural) pair for plural messages.
# Babel keys catalogs by the singular alone, which would miss a changed plural.
MessageKey = tuple[str | None, str | tuple[str, ...]]


@dataclass(frozen=True)
class Problem:
    """One thing to fix, shown as ``path:line: message`` (the line when it is known)."""

    path: str
    message: str
    line: int | None = None

    def __str__(self) -> str:
        where = f"{self.path}:{self.line}" if self.line else self.path
        return f"{where}: {self.message}"


@dataclass
class Report:
    """The outcome of a full check: the problems and the number of entries per catalog."""

    messages: int = 0
    entries: dict[str, int] = field(default_factory=dict)
    problems: list[Problem] = field(default_factory=list)


def extract_messages(root: Path = PROJECT_ROOT, mapping_file: Path | None = None) -> Catalog:
    """Extract the messages under ``root`` with babel.cfg's mapping, like ``make translations``.

    The mapping's patterns are relative to ``root`` (the project root), as they are when the
    Makefile runs ``pybabel extract`` on ".".
    """
    mapping_file = mapping_file or root / "babel.cfg"
    with open(mapping_file, encoding="utf-8") as fileobj:
        method_map, options_map = parse_mapping_cfg(fileobj, filename=str(mapping_file))
    keywords = {**DEFAULT_KEYWORDS, **parse_keywords(list(EXTRA_KEYWORDS))}
    catalog = Catalog(domain=DOMAIN)
    for filename, lineno, message, comments, context in extract_from_dir(
        root, method_map, options_map, keywords=keywords, directory_filter=_directory_filter
    ):
        catalog.add(message, None, [(filename, lineno)], auto_comments=comments, context=context)
    return catalog


def read_catalog(path: Path, locale: str | None = None) -> Catalog:
    """Read a .po or .pot file; ``locale`` gives headerless catalogs their plural rules."""
    with open(path, "rb") as fileobj:
        return read_po(fileobj, locale=locale, domain=DOMAIN)


def message_key(message: Message) -> MessageKey:
    message_id = message.id
    if isinstance(message_id, list | tuple):
        message_id = tuple(message_id)
    return (message.context, message_id)


def describe(key: MessageKey, width: int = 70) -> str:
    """A message id as a short quoted string for a problem line."""
    context, message_id = key
    text = message_id[0] if isinstance(message_id, tuple) else message_id
    text = " ".join(text.split())
    if len(text) > width:
        text = text[: width - 1] + "…"
    quoted = f'"{text}"'
    return f"{quoted} (context {context!r})" if context else quoted


def template_problems(
    fresh: Catalog, template_path: Path, root: Path = PROJECT_ROOT
) -> list[Problem]:
    """What the committed template lacks or has in excess compared with the code."""
    shown = display_path(template_path, root)
    if not template_path.exists():
        return [Problem(shown, "the template does not exist; run `make translations`")]
    committed = {message_key(m) for m in read_catalog(template_path) if m.id}
    extracted = {message_key(m) for m in fresh if m.id}
    problems = [
        Problem(shown, f"{describe(key)} is in the code but not in the template")
        for key in sorted(extracted - committed, key=_sort_key)
    ]
    problems += [
        Problem(shown, f"{describe(key)} is in the template but no longer in the code")
        for key in sorted(committed - extracted, key=_sort_key)
    ]
    if problems:
        problems.append(Problem(shown, "the template is stale; run `make translations`"))
    return problems


def catalog_problems(
    template: Catalog, catalog_path: Path, locale: str, root: Path = PROJECT_ROOT
) -> tuple[list[Problem], int]:
    """Check one language's catalog against the template; return the problems and its size.

    Every message of the template needs an entry that is translated (every plural form),
    not fuzzy (``pybabel compile --use-fuzzy`` would ship a guess), and uses the same
    named placeholders as the source text.
    """
    shown = display_path(catalog_path, root)
    if not catalog_path.exists():
        return [
            Problem(
                shown,
                f"no catalog for {locale!r}; create it with `pybabel init -i "
                f"academy/translations/messages.pot -d academy/translations -l {locale}`",
            )
        ], 0
    catalog = read_catalog(catalog_path, locale=locale)
    entries = {message_key(m): m for m in catalog if m.id}
    problems: list[Problem] = []
    for source in template:
        if not source.id:
            continue
        key = message_key(source)
        entry = entries.get(key)
        if entry is None:
            problems.append(Problem(shown, f"{describe(key)} is missing; run `make translations`"))
            continue
        problems += [
            Problem(shown, f"{describe(key)}: {text}", entry.lineno)
            for text in entry_problems(catalog, entry)
        ]
    template_keys = {message_key(m) for m in template if m.id}
    problems += [
        Problem(
            shown,
            f"{describe(key)} is not in the template; run `make translations`",
            entries[key].lineno,
        )
        for key in sorted(entries.keys() - template_keys, key=_sort_key)
    ]
    return problems, len(entries)


def entry_problems(catalog: Catalog, entry: Message) -> list[str]:
    """What is wrong with one catalog entry, in words for the translator."""
    problems = []
    if entry.fuzzy:
        problems.append("marked fuzzy; check the translation and remove the fuzzy flag")
    if not entry.pluralizable and not isinstance(entry.string, str):
        problems.append("has plural forms but the source text has none")
        return problems
    forms = list(entry.string) if entry.pluralizable else [entry.string]
    if entry.pluralizable:
        missing = [str(i) for i, text in enumerate(forms) if not text]
        if missing:
            problems.append(f"plural form {', '.join(missing)} not translated")
    elif not entry.string:
        problems.append("not translated")
    sources = _source_for_forms(entry, len(forms))
    mismatched = False
    for index, (source, text) in enumerate(zip(sources, forms, strict=True)):
        if not text:
            continue
        expected, found = named_placeholders(source), named_placeholders(text)
        if expected != found:
            mismatched = True
            where = f"plural form {index}" if entry.pluralizable else "the translation"
            problems.append(
                f"{where} has placeholders {_names(found)}, expected {_names(expected)}"
            )
    # Babel's own checkers add the plural count and type and positional checks; its
    # placeholder-name check would repeat ours, so it only runs when the names agree.
    babel_checks = (
        [checkers.num_plurals] if mismatched else [checkers.num_plurals, checkers.python_format]
    )
    for check in babel_checks:
        try:
            check(catalog, entry)
        except TranslationError as error:
            problems.append(str(error))
    return problems


def named_placeholders(text: str) -> set[str]:
    """The ``%(name)s`` placeholders of a text, normalised to name and conversion."""
    return {
        f"%({name}){conversion}"
        for name, _flags, conversion in PYTHON_FORMAT.findall(text)
        if name and conversion != "%"
    }


def check_translations(
    locales: Iterable[str],
    root: Path = PROJECT_ROOT,
    translations_dir: Path = TRANSLATIONS_DIR,
    mapping_file: Path | None = None,
) -> Report:
    """Extract afresh, compare with the template, then check each locale's catalog."""
    template_path = translations_dir / f"{DOMAIN}.pot"
    fresh = extract_messages(root, mapping_file)
    report = Report(messages=sum(1 for m in fresh if m.id))
    report.problems += template_problems(fresh, template_path, root)
    # Check the catalogs against the committed template, which is what `pybabel update`
    # merges into them; a stale template has been reported above.
    template = read_catalog(template_path) if template_path.exists() else fresh
    for locale in locales:
        path = translations_dir / locale / "LC_MESSAGES" / f"{DOMAIN}.po"
        problems, size = catalog_problems(template, path, locale, root)
        report.problems += problems
        report.entries[locale] = size
    return report


def translated_locales(languages: Iterable[str]) -> list[str]:
    """The configured languages that need a catalog (all but the source language)."""
    return [language for language in languages if language != SOURCE_LANGUAGE]


def display_path(path: Path, root: Path) -> str:
    try:
        return str(path.resolve().relative_to(root.resolve()))
    except ValueError:
        return str(path)


def _directory_filter(dirpath: str) -> bool:
    name = os.path.basename(dirpath)
    return not any(fnmatch.fnmatch(name, pattern) for pattern in IGNORE_DIRS)


def _source_for_forms(entry: Message, count: int) -> list[str]:
    # Form 0 translates the singular; every further form translates the plural.
    if not entry.pluralizable:
        return [entry.id]
    singular, plural = entry.id[0], entry.id[1]
    return [singular] + [plural] * (count - 1)


def _names(placeholders: set[str]) -> str:
    return ", ".join(sorted(placeholders)) or "none"


def _sort_key(key: MessageKey) -> tuple[str, str]:
    context, message_id = key
    return (context or "", str(message_id))
