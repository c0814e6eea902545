"""Language choice: the user's setting, then the session, then Accept-Language, then English."""

from __future__ import annotations

from collections.abc import Callable
from datetime import UTC, date, datetime
from functools import lru_cache, wraps
from typing import Any, TypeVar
from zoneinfo import ZoneInfo

import flask_babel
from babel.dates import format_date, format_datetime
from flask import Flask, current_app, g, request, session
from flask_babel import get_locale, get_translations
from flask_login import current_user
from jinja2 import pass_context
from jinja2.runtime import Context
from markupsafe import Markup
from wtforms import SelectChoice

LANGUAGE_NAMES = {"en": "English", "sv": "Svenska", "nb": "Norsk bokmål"}


def language_choices() -> list[SelectChoice]:
    """Choices for a language select, each option marked with its own language."""
    return [
        SelectChoice(code, name, render_kw={"lang": code}) for code, name in LANGUAGE_NAMES.items()
    ]


def supported_languages() -> list[str]:
    return list(current_app.config["LANGUAGES"])


def select_locale() -> str:
    languages = supported_languages()
    if current_user and current_user.is_authenticated and current_user.locale in languages:
        return current_user.locale
    chosen = session.get("locale")
    if chosen in languages:
        return chosen
    # A page may know better than the browser, e.g. an invitation in the invited language.
    hint = g.get("locale_hint")
    if hint in languages:
        return hint
    if request:
        best = request.accept_languages.best_match(_accept_aliases(languages))
        if best:
            return _ACCEPT_ALIASES.get(best, best)
    return "en"


# Browsers send "no" or "nn" for Norwegian as often as "nb"; Bokmål is the closest we have.
_ACCEPT_ALIASES = {"no": "nb", "nn": "nb"}


def _accept_aliases(languages: list[str]) -> list[str]:
    aliases = [alias for alias, target in _ACCEPT_ALIASES.items() if target in languages]
    return languages + aliases


def localtime(value: datetime | None, tz: str | None = None, fmt: str = "medium") -> str:
    """A stored UTC time shown in ``tz`` (an organisation's zone) or the site's TIMEZONE."""
    if value is None:
        return ""
    return _formatted_time(value, tz or current_app.config["TIMEZONE"], fmt, get_locale())


@lru_cache(maxsize=2048)
def _formatted_time(value: datetime, zone: str, fmt: str, locale) -> str:
    # Remembered as _formatted_day is: the pages show the same few session times over
    # and over, and each formatting looks the locale's patterns up anew. Everything the
    # text depends on is in the key.
    return format_datetime(value, fmt, tzinfo=ZoneInfo(zone), locale=locale)


def html_datetime(value: datetime | date) -> str:
    """A stored time as HTML's ``datetime`` attribute takes it: UTC to the second,
    "2026-12-07T18:00:00Z" (HTML allows at most three digits of a second's fraction, and
    ``isoformat()`` writes six). A date stays a date."""
    if not isinstance(value, datetime):
        return value.isoformat()
    if value.tzinfo is None:  # stored times are UTC
        value = value.replace(tzinfo=UTC)
    return value.astimezone(UTC).strftime("%Y-%m-%dT%H:%M:%SZ")


def localdate(value: datetime | None, tz: str | None = None, fmt: str = "long") -> str:
    """The calendar day of a stored UTC time in ``tz`` or the site's TIMEZONE."""
    if value is None:
        return ""
    zone = ZoneInfo(tz or current_app.config["TIMEZONE"])
    return format_date(value.astimezone(zone).date(), fmt, locale=get_locale())


@pass_context
def dateformat(
    context: Context, value: date | datetime | None = None, format: str | None = None
) -> str:
    """Flask-Babel's ``dateformat`` filter, remembered for calendar days: a page of measures
    or reviews shows the same few days over and over, and each formatting looks the
    locale's patterns up anew. The locale is the render's (``template_translations``; a
    macro imported without context asks Flask-Babel, which takes as long as formatting).
    Times (and None, "today") go to Flask-Babel as before."""
    if type(value) is date:
        return _formatted_day(value, format, context.get("babel_locale") or get_locale())
    return flask_babel.format_date(value, format)


def format_day(value: date) -> str:
    """A calendar day as the ``dateformat`` filter writes it in the current locale, for
    HTML written in Python (remembered the same way)."""
    return _formatted_day(value, None, get_locale())


@lru_cache(maxsize=2048)
def _formatted_day(value: date, format: str | None, locale) -> str:
    # ``locale`` is the one format_date reads itself; it is part of the key.
    return flask_babel.format_date(value, format)


_Words = TypeVar("_Words")


def per_locale(build: Callable[[], _Words]) -> Callable[[], _Words]:
    """``build()`` in the current locale, made once per locale for the process: for the
    tables of translated words a page reads many times (the catalogs do not change while
    it runs, and every look-up through Flask-Babel costs a trip through ``g``). The
    result is shared between requests: read it, never change it."""
    made = lru_cache(maxsize=8)(lambda _locale: build())

    @wraps(build)
    def in_current_locale() -> _Words:
        return made(current_locale())

    return in_current_locale


def current_locale() -> str:
    """The request's language code; templates call this often, so the string is cached."""
    return _language_code(get_locale())


@lru_cache(maxsize=32)
def _language_code(locale) -> str:
    return str(locale)


def template_translations() -> dict[str, object]:
    """``gettext`` and ``ngettext`` bound to this render's catalog, for the page templates,
    and its locale (for ``dateformat``).

    Flask-Babel's template callables look the catalog up again for every ``_()`` (several
    trips through ``g`` each), and a page makes dozens of them. A context processor runs
    once per ``render_template``, inside any ``force_locale`` around it, so the catalog
    bound here is the one the render would have used anyway. Macros imported without
    context still use Flask-Babel's own callables.
    """
    translations = get_translations()
    return {
        "gettext": _newstyle_gettext(translations.ugettext),
        "ngettext": _newstyle_ngettext(translations.ungettext),
        "babel_locale": get_locale(),
    }


# The two wrappers below do what Jinja's i18n extension does with newstyle=True (as
# Flask-Babel installs them): mark the text safe when autoescaping, then %-format it, so
# that variables are escaped and "%%" reads as "%" with or without variables.


def _newstyle_gettext(translate: Callable[[str], str]) -> Callable[..., str]:
    @pass_context
    def gettext(context: Context, string: str, /, **variables: Any) -> str:
        text = translate(string)
        if context.eval_ctx.autoescape:
            text = Markup(text)  # noqa: S704 - our own catalog, trusted as Jinja does
        if not variables and "%" not in text:
            return text  # what "% {}" would give, without Markup's escaping helpers
        return text % variables

    return gettext


def _newstyle_ngettext(translate: Callable[[str, str, int], str]) -> Callable[..., str]:
    @pass_context
    def ngettext(
        context: Context, singular: str, plural: str, num: int, /, **variables: Any
    ) -> str:
        variables.setdefault("num", num)
        text = translate(singular, plural, num)
        if context.eval_ctx.autoescape:
            text = Markup(text)  # noqa: S704 - our own catalog, trusted as Jinja does
        return text % variables

    return ngettext


def init_app(app: Flask) -> None:
    app.add_template_filter(localtime, "localtime")
    app.add_template_filter(localdate, "localdate")
    app.add_template_filter(html_datetime, "html_datetime")
    app.add_template_filter(dateformat, "dateformat")
    app.add_template_global(current_locale, "current_locale")
    app.context_processor(template_translations)
