"""The PDFs as assistive technology and auditors read them: tagged PDF/UA-1 (ISO 14289-1)
from WeasyPrint's ``pdf/ua-1`` variant. The certificate, a place's summary, the lägesbild
and a participant's place dossier, each downloaded as a person would, are opened with
pikepdf (qpdf), which shares no code with WeasyPrint: a structure tree in the order of the
document, the language and the title (shown as the window's title), the PDF/UA
identification in the XMP metadata, words for every image (the QR code, the charts),
only the bundled fonts and each of them embedded. poppler reads them too (``pdfinfo``:
tagged; ``pdftoppm``: each page drawn). WeasyPrint reports what it cannot tag (an image
without words, a document without a language) as an error in its log: none is allowed.
On both backends.
"""

from __future__ import annotations

import io
import logging
import re
import shutil
import subprocess
from dataclasses import dataclass

import pikepdf
import pytest
from PIL import Image

from academy.content import get_course
from academy.services import charts
from academy.services.certificate_pdf import certificate_html, render_certificate
from tests.test_certificate_pdf import VERIFY_URL, make_certificate
from tests.test_dossier import make_participant
from tests.test_situation import town as town

# The faces in academy/static/fonts, as the PDF names them (after the subset prefix).
BUNDLED_FONTS = {"Open-Sans", "Open-Sans-Bold", "Open-Sans-Semi-Bold", "Vollkorn-Semi-Bold"}
XMP_PDFUA_PART = "{http://www.aiim.org/pdfua/ns/id/}part"
XMP_TITLE = "{http://purl.org/dc/elements/1.1/}title"
DOSSIER_HEADINGS = ["H1", "H2", "H2"]  # the fixture course has two parts


@dataclass
class Document:
    name: str
    data: bytes
    language: str
    title: str
    headings: list[str]  # the heading tags in reading order
    images: int  # <img> elements in its HTML
    alts: list[str]  # how each figure's words begin, in order


@pytest.fixture
def documents(app, client, db, town, caplog) -> list[Document]:
    """The three PDFs, downloaded or rendered as the app does, with what each must say of
    itself; WeasyPrint logs nothing at error level while making them."""
    course = get_course("safer-streets", app)
    certificate = make_certificate(course, "nb")
    with app.app_context():
        html = certificate_html(certificate, course, verify_url=VERIFY_URL)
    caplog.set_level(logging.WARNING, logger="weasyprint")
    with app.app_context():
        certificate_pdf = render_certificate(certificate, course, verify_url=VERIFY_URL)
    town.organizer.locale = "en"
    db.commit()
    client.login_as(town.organizer)
    square = town.square.id
    summary = client.post_form(f"/organize/places/{square}/summary.pdf")
    assert summary.status_code == 200
    lagesbild = client.post_form(f"/organize/places/{square}/situation", {"format": "pdf"})
    assert lagesbild.status_code == 200
    participant = make_participant(db)
    client.login_as(participant.user)
    dossier = client.get(f"/learn/{participant.id}/dossier.pdf")
    assert dossier.status_code == 200
    errors = [r.getMessage() for r in caplog.records if r.levelno >= logging.ERROR]
    assert errors == [], errors
    return [
        Document(
            "certificate",
            certificate_pdf,
            "nb",
            f"Kursbevis: {course.title['nb']}",
            ["H1"],
            html.count("<img"),
            [f"QR-kode for adressen {VERIFY_URL}"],
        ),
        Document(
            "summary",
            summary.data,
            "en",
            "Findings at Torget",
            ["H1", "H2", "H3", "H2"],
            1,
            ["Torget: findings by category and severity 6 findings. Lighting: 4 findings"],
        ),
        Document(
            "lägesbild",
            lagesbild.data,
            "sv",  # the organisation's language
            "Lägesbild: Torget",
            ["H1", "H2", "H3", "H2", "H2"],
            1,
            ["Torget: iakttagelser per vandring Den äldsta till vänster."],
        ),
        Document(
            "dossier",
            dossier.data,
            "sv",  # the participant's language
            "Platsmapp: Tryggare gator",
            DOSSIER_HEADINGS,
            0,
            [],
        ),
    ]


def structure(pdf: pikepdf.Pdf) -> list[pikepdf.Dictionary]:
    """The structure elements in reading order (depth first, as the tree gives them)."""
    found: list[pikepdf.Dictionary] = []

    def walk(node) -> None:
        if isinstance(node, pikepdf.Array):
            for item in node:
                walk(item)
        elif isinstance(node, pikepdf.Dictionary) and "/S" in node:
            found.append(node)
            if "/K" in node:
                walk(node.K)

    walk(pdf.Root.StructTreeRoot.K)
    return found


def fonts(resources, seen=None) -> list[pikepdf.Dictionary]:
    """Every font the resources use, those of drawn SVGs and patterns (form XObjects)
    included, each once."""
    seen = set() if seen is None else seen
    found = []
    if resources is None:
        return found
    for font in resources.get("/Font", {}).values():
        if font.objgen not in seen:
            seen.add(font.objgen)
            found.append(font)
    for key in ("/XObject", "/Pattern"):
        for thing in resources.get(key, {}).values():
            if thing.objgen not in seen and "/Resources" in thing:
                seen.add(thing.objgen)
                found += fonts(thing.Resources, seen)
    return found


def test_each_pdf_is_tagged_ua_with_its_language_and_title(documents):
    for document in documents:
        with pikepdf.open(io.BytesIO(document.data)) as pdf:
            root = pdf.Root
            assert root.MarkInfo.Marked is True, document.name
            assert str(root.Lang) == document.language, document.name
            assert root.ViewerPreferences.DisplayDocTitle is True, document.name
            assert str(pdf.docinfo.Title) == document.title, document.name
            metadata = pdf.open_metadata()
            assert metadata[XMP_PDFUA_PART] == "1", document.name
            assert metadata[XMP_TITLE] == document.title, document.name
            tree = root.StructTreeRoot
            assert tree.Type == "/StructTreeRoot" and "/ParentTree" in tree
            elements = structure(pdf)
            assert str(elements[0].S) == "/Document", document.name
            assert len(elements) > 20, document.name
            headings = [str(e.S)[1:] for e in elements if re.fullmatch(r"/H\d", str(e.S))]
            assert headings == document.headings, document.name
            # Every page's marked content is mapped to the tree.
            assert all("/StructParents" in page for page in pdf.pages), document.name


def test_every_image_has_words_and_no_other_image_is_drawn(documents):
    for document in documents:
        with pikepdf.open(io.BytesIO(document.data)) as pdf:
            figures = [e for e in structure(pdf) if e.S == "/Figure"]
            alts = [str(figure.get("/Alt", "")) for figure in figures]
            assert len(figures) == document.images, (document.name, alts)
            assert all(alt.strip() for alt in alts), (document.name, alts)
            for alt, beginning in zip(alts, document.alts, strict=True):
                assert alt.startswith(beginning), (document.name, alt)
            # The images are vector drawings (SVG), tagged as the figures above: no raster
            # image is drawn anywhere, not even inside a drawing.
            rasters = [image for page in pdf.pages for image in page.get_images()]
            assert rasters == [], document.name


def test_only_the_bundled_fonts_are_used_and_each_is_embedded(documents):
    for document in documents:
        with pikepdf.open(io.BytesIO(document.data)) as pdf:
            used = [font for page in pdf.pages for font in fonts(page.Resources)]
            names = set()
            assert used, document.name
            for font in used:
                name = str(font.BaseFont)[1:].split("+", 1)[-1]
                names.add(name)
                descendants = font.get("/DescendantFonts", [font])
                for each in descendants:
                    descriptor = each.FontDescriptor
                    assert any(
                        key in descriptor for key in ("/FontFile", "/FontFile2", "/FontFile3")
                    ), (document.name, name)
                assert "/ToUnicode" in font, (document.name, name)
            assert names <= BUNDLED_FONTS, (document.name, names - BUNDLED_FONTS)


@pytest.mark.skipif(
    shutil.which("pdfinfo") is None or shutil.which("pdftoppm") is None,
    reason="poppler-utils (pdfinfo, pdftoppm) reads the PDFs back",
)
def test_poppler_reads_them_tagged_and_draws_every_page(documents, tmp_path):
    for document in documents:
        path = tmp_path / f"{document.name}.pdf"
        path.write_bytes(document.data)
        info = subprocess.run(
            ["pdfinfo", str(path)], check=True, capture_output=True, text=True
        ).stdout
        assert re.search(r"^Tagged:\s+yes$", info, re.M), (document.name, info)
        assert re.search(rf"^Title:\s+{re.escape(document.title)}$", info, re.M), document.name
        subprocess.run(
            ["pdftoppm", "-r", "40", "-png", str(path), str(tmp_path / document.name)],
            check=True,
            capture_output=True,
        )
        pages = sorted(tmp_path.glob(f"{document.name}-*.png"))
        assert pages, document.name
        for page in pages:
            with Image.open(page) as picture:
                dark = sum(
                    count for count, value in picture.convert("L").getcolors(256) if value < 128
                )
                assert dark > 100, (document.name, page.name)  # text or drawings, not blank


def test_a_chart_says_in_its_words_what_its_title_and_description_say():
    svg = "".join(
        charts.open_svg(
            language="sv",
            title='Torget & "Gröna" <gången>',
            description="3 iakttagelser. Belysning: 2.",
            id_prefix="x",
            height=100,
            font=charts.PDF_FONT,
        )
    )
    assert "font-family=\"'Open Sans'\"" in svg
    assert charts.text_alternative(svg) == 'Torget & "Gröna" <gången> 3 iakttagelser. Belysning: 2.'
    with pytest.raises(ValueError):
        charts.text_alternative("<svg></svg>")
