"""The certificate PDF: one A4 landscape page in the holder's language, with the bundled
fonts, the grouped code, the course and its parts, and a QR code of the verification URL.

The PDF is read back with poppler-utils (pdfinfo, pdftotext, pdffonts, pdftoppm) and the QR
code decoded with zbarimg; without those tools the checks that need them are skipped.
"""

from __future__ import annotations

import re
import shutil
import subprocess
from datetime import UTC, datetime
from pathlib import Path
from urllib.parse import unquote

import pytest
import segno
from flask_babel import force_locale, gettext

from academy.content import get_course, load_courses
from academy.models import Certificate
from academy.services.certificate_pdf import (
    certificate_html,
    qr_svg_data_uri,
    render_certificate,
)
from academy.services.certificates import format_code

COURSES = Path(__file__).resolve().parent.parent / "courses"
FONTS = Path(__file__).resolve().parent.parent / "academy" / "static" / "fonts"
CODE = "7K3M9QW2XD4PRT8BC5VZ"
VERIFY_URL = "http://academy.test/verify/7K3M-9QW2-XD4P-RT8B-C5VZ"
LONG_NAME = "Karl-Johan Åkesson-Øvergaard Lindqvist-Æbeltoft"
BUNDLED_FONT_PREFIXES = ("OpenSans", "Vollkorn")

needs_poppler = pytest.mark.skipif(
    any(shutil.which(tool) is None for tool in ("pdfinfo", "pdftotext", "pdffonts")),
    reason="poppler-utils (pdfinfo, pdftotext, pdffonts) is not installed; "
    "`apt-get install poppler-utils` to read the PDF back",
)

CASES = {
    "sv": {
        "name": LONG_NAME,
        "organisation": "Malmö stad, Stadsbyggnadskontoret",
        "place": "Möllevångstorget och Södra Förstaden",
        "cohort": "Våren 2026, grupp Öst",
        "date": "10 mars 2026",
    },
    "nb": {
        "name": "Ægir Østerbø Åsheim-Lindqvist",
        "organisation": "Trondheim kommune, Byplankontoret",
        "place": "Torvet og Nordre gate",
        "cohort": "Høsten 2026",
        "date": "10. mars 2026",
    },
    "en": {
        "name": LONG_NAME,
        "organisation": "Nordic Safer Places Network",
        "place": "Central Station area",
        "cohort": "Spring 2026",
        "date": "March 10, 2026",
    },
}


def make_certificate(course, case_locale: str, **overrides) -> Certificate:
    """A transient certificate row (never added to a session) with the values of a case."""
    case = CASES[case_locale]
    values = {
        "code": CODE,
        "certificate_name": case["name"],
        "holder_initials": "K.-J. Å.-Ø. L.-Æ.",
        "locale": case_locale,
        "course_slug": course.slug,
        "content_version": course.content_version,
        "organisation_name": case["organisation"],
        "cohort_name": case["cohort"],
        "place_name": case["place"],
        "part_completed_on": {
            part.slug: f"2026-03-{10 + number:02d}" for number, part in enumerate(course.parts)
        },
        "issued_at": datetime(2026, 6, 2, 9, 30, tzinfo=UTC),
    }
    values.update(overrides)
    return Certificate(**values)


@pytest.fixture(scope="module")
def real_course():
    catalog, problems = load_courses(COURSES, ("en", "sv", "nb"))
    assert problems == []
    return catalog.get("safer-places")


@pytest.fixture
def course(app):
    return get_course("safer-streets", app)


def render(app, certificate, course) -> bytes:
    with app.app_context():
        return render_certificate(certificate, course, verify_url=VERIFY_URL)


def translated(app, locale: str, message: str) -> str:
    """The message as the catalog has it (English until the catalog translates it)."""
    with app.app_context(), force_locale(locale):
        return gettext(message)


def run(tool: str, *args: str) -> str:
    return subprocess.run(
        [tool, *args], check=True, capture_output=True, text=True, timeout=60
    ).stdout


def save(tmp_path: Path, pdf: bytes, name: str = "certificate.pdf") -> Path:
    path = tmp_path / name
    path.write_bytes(pdf)
    return path


def pdf_info(path: Path) -> dict[str, str]:
    info = {}
    for line in run("pdfinfo", str(path)).splitlines():
        key, _, value = line.partition(":")
        info[key.strip()] = value.strip()
    return info


def flat_text(path: Path) -> str:
    """The page's text in the order it was drawn (the order of the HTML), with runs of
    white space as one space: a value that wraps reads as one string."""
    return " ".join(run("pdftotext", "-raw", str(path), "-").split())


def font_rows(path: Path) -> list[list[str]]:
    return [line.split() for line in run("pdffonts", str(path)).splitlines()[2:] if line.strip()]


def test_the_bundled_fonts_are_there_with_their_licences():
    for name in (
        "OpenSans-Regular.ttf",
        "OpenSans-Semibold.ttf",
        "OpenSans-Bold.ttf",
        "Vollkorn-SemiBold.ttf",
    ):
        assert (FONTS / name).stat().st_size > 50_000, name
    assert "Apache License" in (FONTS / "LICENSE-OpenSans.txt").read_text()
    assert "SIL OPEN FONT LICENSE" in (FONTS / "OFL-Vollkorn.txt").read_text()
    total = sum(path.stat().st_size for path in FONTS.iterdir())
    assert total < 2_000_000


@needs_poppler
@pytest.mark.parametrize("locale", ["sv", "nb", "en"])
def test_one_a4_landscape_page_in_the_holders_language(app, course, locale, tmp_path):
    certificate = make_certificate(course, locale)
    pdf = render(app, certificate, course)
    assert pdf.startswith(b"%PDF-")
    path = save(tmp_path, pdf)

    info = pdf_info(path)
    assert info["Pages"] == "1"
    width, height = (float(value) for value in re.findall(r"[\d.]+", info["Page size"])[:2])
    assert (round(width), round(height)) == (842, 595)  # A4 landscape, in points

    text = flat_text(path)
    assert CASES[locale]["name"] in text
    assert format_code(CODE) in text
    assert course.title[locale] in text
    for part in course.parts:
        assert part.title[locale] in text
    assert CASES[locale]["date"] in text
    assert CASES[locale]["organisation"] in text
    assert CASES[locale]["place"] in text
    assert CASES[locale]["cohort"] in text
    assert course.content_version in text
    assert VERIFY_URL.removeprefix("http://") in text.replace(" ", "")
    for message in ("Certificate", "This certifies that", "has completed the course"):
        assert translated(app, locale, message) in text


@needs_poppler
def test_only_the_bundled_fonts_are_embedded(app, course, tmp_path):
    """Å Ä Ö Æ Ø come from the bundled fonts, not from a fallback of the system."""
    certificate = make_certificate(
        course, "sv", certificate_name="Åsa Ärlig-Öberg Ægidius Østby", place_name="Ørestad"
    )
    path = save(tmp_path, render(app, certificate, course))
    rows = font_rows(path)
    assert rows
    for row in rows:
        name = row[0].split("+", 1)[-1].replace("-", "")
        assert name.startswith(BUNDLED_FONT_PREFIXES), row
        assert row[-5:-2] == ["yes", "yes", "yes"], row  # embedded, subset, Unicode map
    assert "Åsa Ärlig-Öberg Ægidius Østby" in flat_text(path)


@needs_poppler
@pytest.mark.parametrize("locale", ["sv", "nb", "en"])
def test_the_real_course_prints_its_four_parts(app, real_course, locale, tmp_path):
    certificate = make_certificate(real_course, locale)
    path = save(tmp_path, render(app, certificate, real_course))
    assert pdf_info(path)["Pages"] == "1"
    text = flat_text(path)
    assert len(real_course.parts) == 4
    assert real_course.title[locale] in text
    for part in real_course.parts:
        assert part.title[locale] in text
    assert real_course.version in text
    assert CASES[locale]["name"] in text


@needs_poppler
def test_the_longest_values_still_fit_on_one_page(app, real_course, tmp_path):
    certificate = make_certificate(
        real_course,
        "nb",
        certificate_name=("Åse-Marie Østergaard-Ærøskøbing " * 7)[:200],
        organisation_name=("Organisasjon for trygge steder Ø " * 7)[:200],
        place_name=("Stedet ved Æbeltoft torg " * 9)[:200],
        cohort_name=("Kursrunde høsten Å " * 11)[:200],
    )
    path = save(tmp_path, render(app, certificate, real_course))
    assert pdf_info(path)["Pages"] == "1"
    text = flat_text(path)
    assert format_code(CODE) in text
    assert "Åse-Marie Østergaard-Ærøskøbing" in text


@needs_poppler
def test_an_erased_holder_is_shown_by_initials(app, course, tmp_path):
    certificate = make_certificate(course, "en", certificate_name=None, holder_initials="Å. Ø.")
    text = flat_text(save(tmp_path, render(app, certificate, course)))
    assert "Å. Ø." in text
    assert LONG_NAME not in text


@needs_poppler
def test_the_place_is_left_out_when_there_is_none(app, course, tmp_path):
    certificate = make_certificate(course, "en", place_name="")
    text = flat_text(save(tmp_path, render(app, certificate, course)))
    assert translated(app, "en", "Place").upper() not in text.upper().split()


@pytest.mark.skipif(
    shutil.which("pdftoppm") is None or shutil.which("zbarimg") is None,
    reason="pdftoppm (poppler-utils) and zbarimg (zbar-tools) are needed to decode the QR code",
)
def test_the_qr_code_decodes_to_the_verification_url(app, course, tmp_path):
    path = save(tmp_path, render(app, make_certificate(course, "sv"), course))
    run("pdftoppm", "-png", "-r", "200", "-singlefile", str(path), str(tmp_path / "page"))
    decoded = run("zbarimg", "--raw", "-q", str(tmp_path / "page.png")).strip()
    assert decoded == VERIFY_URL


def test_the_qr_code_is_a_segno_svg_of_the_verification_url(app, course):
    with app.app_context():
        html = certificate_html(make_certificate(course, "en"), course, verify_url=VERIFY_URL)
    data_uri = qr_svg_data_uri(VERIFY_URL)
    assert f'src="{data_uri}"' in html
    assert data_uri.startswith("data:image/svg+xml")
    svg = unquote(data_uri.split(",", 1)[1])
    assert svg.startswith("<svg") and "<path" in svg
    expected = segno.make(VERIFY_URL, error="m", micro=False)
    assert expected.designator == segno.make(VERIFY_URL, error="m").designator


def test_the_html_carries_the_language_and_no_external_url(app, course):
    with app.app_context():
        html = certificate_html(make_certificate(course, "nb"), course, verify_url=VERIFY_URL)
    assert '<html lang="nb">' in html
    urls = re.findall(r'(?:src|href)="([^"]+)"', html)
    assert urls
    assert all(url.startswith("data:") or not re.match(r"[a-z]+:", url) for url in urls), urls


def test_an_unknown_locale_falls_back_to_english(app, course):
    with app.app_context():
        html = certificate_html(
            make_certificate(course, "en", locale="de"), course, verify_url=VERIFY_URL
        )
    assert '<html lang="en">' in html
    assert course.title["en"] in html


def test_fonts_and_stylesheet_are_built_once_and_shared_by_threads(app, course):
    from concurrent.futures import ThreadPoolExecutor

    from academy import pdf as pdf_module

    def render_in_thread(locale: str) -> bytes:
        return render(app, make_certificate(course, locale), course)

    first = render_in_thread("en")
    stylesheet = pdf_module._resources.stylesheets["certificate"]
    font_config = pdf_module._resources.font_config
    with ThreadPoolExecutor(max_workers=3) as pool:
        results = list(pool.map(render_in_thread, ["sv", "nb", "en", "sv"]))
    assert all(result.startswith(b"%PDF-") for result in [first, *results])
    assert pdf_module._resources.stylesheets["certificate"] is stylesheet
    assert pdf_module._resources.font_config is font_config
