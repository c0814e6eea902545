# ruff: noqa: F811 (world, ask and fake_pdf are fixtures of test_route_security, imported)
"""Every download is named for what it is, in ASCII (issue 13, item 12).

The round "Torpa hösten" and the place "Torpa torg" of test_route_security's world, and
Åsa-Kristin Östergård who took the course there, give every download its name.
"""

from __future__ import annotations

import re
from datetime import date, datetime
from zoneinfo import ZoneInfo

import pytest

from academy.web.downloads import attachment, file_name, slug
from tests.test_route_security import (  # noqa: F401
    ACTORS,
    ask,
    fake_pdf,
    rules_with,
    url_for_rule,
    world,
)

SAFE = re.compile(r'(attachment|inline); filename="[a-z0-9][a-z0-9.-]*"')


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("Torpa hösten", "torpa-hosten"),
        ("ÅSA Älvsjö", "asa-alvsjo"),
        ("Ærø & Øster-Ødegård", "aero-oster-odegard"),
        ("Björk, Næstved / Tromsø: 2026!", "bjork-naestved-tromso-2026"),
        ("Crème brûlée — São Paulo", "creme-brulee-sao-paulo"),
        ("  --  ", ""),
        ("Кириллица", ""),
        ('a"b\r\nc; filename=evil.exe', "a-b-c-filename-evil-exe"),
    ],
)
def test_slug_folds_to_ascii_words(text, expected):
    assert slug(text) == expected


def test_slug_is_bounded_and_cut_between_words():
    long = "Vårens omgång för fastighetsägare och näringsidkare i Södra Ålidhem " * 3
    cut = slug(long)
    assert len(cut) <= 60 and not cut.endswith("-")
    assert (
        long.lower()
        .replace("å", "a")
        .replace("ä", "a")
        .replace("ö", "o")
        .startswith(cut.replace("-", " "))
    )
    assert len(slug("x" * 500)) == 60


def test_file_name_joins_the_parts_and_the_day():
    day = date(2026, 12, 7)
    name = file_name("Torpa hösten", "report", day=day, extension="xlsx")
    assert name == "torpa-hosten-report-2026-12-07.xlsx"
    assert file_name("!!!", extension="csv") == "download.csv"
    assert attachment(name) == 'attachment; filename="torpa-hosten-report-2026-12-07.xlsx"'
    with pytest.raises(ValueError):
        attachment('x"; filename="evil.exe')


def today() -> str:
    return datetime.now(ZoneInfo("Europe/Stockholm")).date().isoformat()


def test_each_download_says_what_it_is(app, world, ask):
    issued = world.certificate.issued_at.astimezone(ZoneInfo("Europe/Stockholm")).date()
    holder = f"asa-kristin-ostergard-safer-streets-certificate-{issued.isoformat()}"
    cohort = f"/organize/cohorts/{world.cohort.id}"
    place = f"/organize/places/{world.place.id}"
    downloads = [
        ("organizer", "POST", cohort + "/report/export", {}, f"torpa-hosten-report-{today()}.csv"),
        (
            "organizer",
            "POST",
            cohort + "/report/export",
            {"format": "xlsx"},
            f"torpa-hosten-report-{today()}.xlsx",
        ),
        ("organizer", "POST", place + "/export", {}, f"torpa-torg-findings-{today()}.csv"),
        (
            "organizer",
            "POST",
            place + "/export",
            {"format": "xlsx"},
            f"torpa-torg-findings-{today()}.xlsx",
        ),
        ("organizer", "POST", place + "/summary.pdf", {}, f"torpa-torg-summary-{today()}.pdf"),
        (
            "organizer",
            "POST",
            cohort + "/certificates.zip",
            {},
            f"torpa-hosten-certificates-{today()}.zip",
        ),
        ("organizer", "GET", cohort + "/schedule.ics", {}, "torpa-hosten-schedule.ics"),
        (
            "participant",
            "GET",
            f"/learn/{world.enrolment.id}/live-sessions.ics",
            {},
            "torpa-hosten-live-sessions.ics",
        ),
        (
            "participant",
            "GET",
            "/account/data.zip",
            {},
            f"asa-kristin-ostergard-academy-data-{today()}.zip",
        ),
        (
            "participant",
            "GET",
            f"/certificates/{world.certificate.id}/certificate.pdf",
            {},
            holder + ".pdf",
        ),
        (
            "organizer",
            "GET",
            f"/certificates/{world.certificate.id}/open-badge.jwt",
            {},
            holder + ".jwt",
        ),
    ]
    problems = []
    for actor, method, url, data, expected in downloads:
        answer = ask(actor, method, url, data=data)
        got = answer.headers.get("Content-Disposition")
        if answer.status != 200 or got != f'attachment; filename="{expected}"':
            problems.append(f"{method} {url}: {answer.status} {got!r}, expected {expected}")
    assert not problems, "\n".join(problems)


@pytest.mark.parametrize("method", ["GET", "POST"])
def test_every_file_name_the_app_sends_is_plain_ascii(app, world, ask, method):
    """From the URL map: whatever any actor downloads is named in ASCII letters, digits
    and hyphens, safe as a quoted filename, and never by a bare database id."""
    problems = []
    # Flask's static files carry their own names (inline; filename=academy.css).
    for rule in set(rules_with(method)) - {"/static/<path:filename>"}:
        url = url_for_rule(rule, world)
        for actor in ACTORS:
            answer = ask(actor, method, url)
            disposition = answer.headers.get("Content-Disposition")
            if disposition is None:
                continue
            if not SAFE.fullmatch(disposition):
                problems.append(f"{method} {url} as {actor}: {disposition!r}")
            elif re.search(r'filename="[a-z]+-\d+\.', disposition) and "inline" not in disposition:
                problems.append(f"{method} {url} as {actor} is named by an id: {disposition!r}")
    assert not problems, "\n".join(problems)
