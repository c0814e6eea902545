"""`flask translations check` on small projects written here, and on the real catalogs."""

from __future__ import annotations

from pathlib import Path

import pytest

from academy import translation_catalogs
from academy.translation_catalogs import (
    catalog_problems,
    check_translations,
    extract_messages,
    read_catalog,
    template_problems,
)

CODE = """\
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from flask_babel import ngettext

LABEL = _l("Log in")


def greet(name, count):
    return _("Hello %(name)s,", name=name), ngettext(
        "%(num)d mail is waiting.", "%(num)d mails are waiting.", count
    )
"""

# In a folder starting with "_": Babel skips those unless told otherwise.
MACRO = '<h2>{{ _("Please correct the following") }}</h2>\n'

TEMPLATE = """\
msgid "Log in"
msgstr ""

#, python-format
msgid "Hello %(name)s,"
msgstr ""

#, python-format
msgid "%(num)d mail is waiting."
msgid_plural "%(num)d mails are waiting."
msgstr[0] ""
msgstr[1] ""

msgid "Please correct the following"
msgstr ""
"""

SWEDISH = """\
msgid "Log in"
msgstr "Logga in"

#, python-format
msgid "Hello %(name)s,"
msgstr "Hej %(name)s!"

#, python-format
msgid "%(num)d mail is waiting."
msgid_plural "%(num)d mails are waiting."
msgstr[0] "%(num)d meddelande väntar."
msgstr[1] "%(num)d meddelanden väntar."

msgid "Please correct the following"
msgstr "Det här behöver rättas"
"""


def write(path: Path, text: str) -> Path:
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(text, encoding="utf-8")
    return path


@pytest.fixture
def project(tmp_path) -> Path:
    """A project like ours in miniature: babel.cfg, code, templates, template and sv catalog."""
    write(
        tmp_path / "babel.cfg",
        "[python: pkg/**.py]\n[jinja2: pkg/templates/**.html]\n",
    )
    write(tmp_path / "pkg" / "views.py", CODE)
    write(tmp_path / "pkg" / "templates" / "_macros" / "forms.html", MACRO)
    write(tmp_path / "pkg" / "translations" / "messages.pot", TEMPLATE)
    write(catalog_path(tmp_path, "sv"), SWEDISH)
    return tmp_path


def catalog_path(root: Path, locale: str) -> Path:
    return root / "pkg" / "translations" / locale / "LC_MESSAGES" / "messages.po"


def check(root: Path, locales=("sv",)):
    return check_translations(locales, root=root, translations_dir=root / "pkg" / "translations")


def messages(problems) -> list[str]:
    return [str(problem) for problem in problems]


def test_extraction_finds_lazy_strings_plurals_and_underscore_folders(project):
    catalog = extract_messages(project)

    ids = {
        message.id if isinstance(message.id, str) else tuple(message.id)
        for message in catalog
        if message.id
    }
    assert ids == {
        "Log in",
        "Hello %(name)s,",
        ("%(num)d mail is waiting.", "%(num)d mails are waiting."),
        "Please correct the following",
    }


def test_a_fresh_template_and_complete_catalog_pass(project):
    report = check(project)

    assert report.problems == []
    assert report.messages == 4
    assert report.entries == {"sv": 4}


def test_a_stale_template_lists_what_is_missing_and_extra(project):
    write(
        project / "pkg" / "translations" / "messages.pot",
        TEMPLATE.replace('msgid "Log in"', 'msgid "Sign in"'),
    )

    problems = messages(
        template_problems(
            extract_messages(project), project / "pkg" / "translations" / "messages.pot", project
        )
    )

    assert problems == [
        'pkg/translations/messages.pot: "Log in" is in the code but not in the template',
        'pkg/translations/messages.pot: "Sign in" is in the template but no longer in the code',
        "pkg/translations/messages.pot: the template is stale; run `make translations`",
    ]


def test_a_changed_plural_makes_the_template_stale(project):
    write(
        project / "pkg" / "translations" / "messages.pot",
        TEMPLATE.replace("mails are waiting", "mails wait"),
    )

    problems = messages(check(project).problems)

    assert any("is in the code but not in the template" in p for p in problems)
    assert problems[-1].endswith("is not in the template; run `make translations`")


def test_empty_translations_are_reported_with_their_line(project):
    write(
        catalog_path(project, "sv"),
        SWEDISH.replace('msgstr "Logga in"', 'msgstr ""').replace(
            'msgstr[1] "%(num)d meddelanden väntar."', 'msgstr[1] ""'
        ),
    )

    problems = messages(check(project).problems)

    path = "pkg/translations/sv/LC_MESSAGES/messages.po"
    assert problems == [
        f'{path}:1: "Log in": not translated',
        f'{path}:9: "%(num)d mail is waiting.": plural form 1 not translated',
    ]


def test_fuzzy_entries_are_reported(project):
    write(
        catalog_path(project, "sv"),
        SWEDISH.replace('msgid "Log in"', '#, fuzzy\nmsgid "Log in"'),
    )

    problems = messages(check(project).problems)

    assert len(problems) == 1
    assert '"Log in": marked fuzzy' in problems[0]


@pytest.mark.parametrize(
    ("translation", "expected"),
    [
        ("Hej %(namn)s!", "has placeholders %(namn)s, expected %(name)s"),
        ("Hej!", "has placeholders none, expected %(name)s"),
        ("Hej %(name)d!", "has placeholders %(name)d, expected %(name)s"),
    ],
)
def test_placeholders_must_match_the_source(project, translation, expected):
    write(catalog_path(project, "sv"), SWEDISH.replace("Hej %(name)s!", translation))

    problems = messages(check(project).problems)

    assert len(problems) == 1
    assert problems[0].endswith(f'"Hello %(name)s,": the translation {expected}')


def test_each_plural_form_is_compared_with_its_source(project):
    write(
        catalog_path(project, "sv"),
        SWEDISH.replace('msgstr[0] "%(num)d meddelande väntar."', 'msgstr[0] "Ett meddelande"'),
    )

    problems = messages(check(project).problems)

    assert len(problems) == 1
    assert problems[0].endswith("plural form 0 has placeholders none, expected %(num)d")


def test_missing_entries_and_catalogs_are_reported(project):
    write(catalog_path(project, "sv"), SWEDISH.split("\n\n", 1)[1])
    template = read_catalog(project / "pkg" / "translations" / "messages.pot")

    problems, size = catalog_problems(template, catalog_path(project, "sv"), "sv", project)
    missing, _ = catalog_problems(template, catalog_path(project, "nb"), "nb", project)

    assert size == 3
    assert messages(problems) == [
        'pkg/translations/sv/LC_MESSAGES/messages.po: "Log in" is missing; run `make translations`'
    ]
    assert "no catalog for 'nb'" in str(missing[0])


def test_the_command_prints_problems_and_exits_1(app, project, monkeypatch):
    write(catalog_path(project, "nb"), SWEDISH.replace('msgstr "Logga in"', 'msgstr ""'))
    monkeypatch.setattr(translation_catalogs, "PROJECT_ROOT", project)
    monkeypatch.setattr(translation_catalogs, "TRANSLATIONS_DIR", project / "pkg" / "translations")

    result = app.test_cli_runner().invoke(args=["translations", "check"])

    assert result.exit_code == 1
    assert result.output.splitlines() == [
        'pkg/translations/nb/LC_MESSAGES/messages.po:1: "Log in": not translated',
        "1 translation problem (4 messages in the code; catalogs: sv 4, nb 4).",
    ]


def test_the_repository_catalogs_are_complete(app):
    """Fails when strings change without `make translations` and a translation of each."""
    result = app.test_cli_runner().invoke(args=["translations", "check"])

    assert result.exit_code == 0, result.output
    assert result.output.startswith("Translations complete:")


def test_the_check_extracts_like_the_makefile():
    makefile = (translation_catalogs.PROJECT_ROOT / "Makefile").read_text(encoding="utf-8")
    extract = next(line for line in makefile.splitlines() if "pybabel extract" in line)

    for keyword in translation_catalogs.EXTRA_KEYWORDS:
        assert f"-k {keyword} " in extract
    patterns = " ".join(translation_catalogs.IGNORE_DIRS)
    assert f"--ignore-dirs='{patterns}'" in extract
