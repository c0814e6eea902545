"""The PDF fetcher loads nothing but data: URLs and the package's own static files.

Each payload is rendered twice: through ``academy.pdf.render_pdf`` (the safe fetcher) and
through WeasyPrint's own fetcher. The first must leave no trace (no connection to the
listening canary socket, no canary file's content in the PDF); the second must leave one,
so that these tests would fail if the safe fetcher let the payload through.
"""

from __future__ import annotations

import contextlib
import os
import shutil
import socket
import subprocess
import threading
from collections.abc import Iterator
from datetime import UTC, datetime
from pathlib import Path

import pytest
import weasyprint

from academy.content import get_course
from academy.models import Certificate
from academy.pdf import STATIC_BASE_URL, STATIC_ROOT, SafeURLFetcher, URLRefused, render_pdf
from academy.pdf import stylesheet_path as pdf_stylesheet_path
from academy.services.certificate_pdf import certificate_html, render_certificate

POPPLER = ("pdftotext", "pdffonts", "pdfdetach")
needs_poppler = pytest.mark.skipif(
    any(shutil.which(tool) is None for tool in POPPLER),
    reason="poppler-utils (pdftotext, pdffonts, pdfdetach) is not installed; "
    "`apt-get install poppler-utils` to run the PDF content checks",
)
MONO_FONT = Path("/usr/share/fonts/truetype/dejavu/DejaVuSansMono.ttf")


# --- a listening socket that counts connections -----------------------------------------


class Canary:
    """Accepts on 127.0.0.1, counts connections and answers each with a small HTTP
    response carrying a visible marker (CSS for .css paths, an SVG otherwise)."""

    def __init__(self) -> None:
        self.connections = 0
        self.paths: list[str] = []
        self._lock = threading.Lock()
        self._socket = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
        self._socket.bind(("127.0.0.1", 0))
        self._socket.listen(16)
        self._socket.settimeout(0.05)
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._serve, name="pdf-canary", daemon=True)
        self.url = f"http://127.0.0.1:{self._socket.getsockname()[1]}"

    def __enter__(self) -> Canary:
        self._thread.start()
        return self

    def __exit__(self, *exc_info) -> None:
        self._stop.set()
        self._thread.join(timeout=5)
        self._socket.close()

    def _serve(self) -> None:
        while not self._stop.is_set():
            try:
                connection, _ = self._socket.accept()
            except TimeoutError:
                continue
            except OSError:
                return
            with self._lock:
                self.connections += 1
            with connection:
                self._answer(connection)

    def _answer(self, connection: socket.socket) -> None:
        connection.settimeout(2)
        request = b""
        try:
            while b"\r\n\r\n" not in request and len(request) < 65536:
                chunk = connection.recv(4096)
                if not chunk:
                    break
                request += chunk
        except OSError:
            return
        path = request.split(b" ", 2)[1].decode("latin-1") if request.count(b" ") >= 2 else "/"
        with self._lock:
            self.paths.append(path)
        if path.endswith(".css"):
            body, media_type = b'body::after { content: "CANARY-HTTP-CSS"; }', "text/css"
        else:
            body, media_type = _svg("CANARY-HTTP-SVG"), "image/svg+xml"
        head = (
            f"HTTP/1.0 200 OK\r\nContent-Type: {media_type}\r\n"
            f"Content-Length: {len(body)}\r\nConnection: close\r\n\r\n"
        ).encode()
        with contextlib.suppress(OSError):
            connection.sendall(head + body)


def _svg(marker: str) -> bytes:
    return (
        '<svg xmlns="http://www.w3.org/2000/svg" width="300" height="40">'
        f'<text x="2" y="24" font-size="18">{marker}</text></svg>'
    ).encode()


@pytest.fixture
def canary(monkeypatch) -> Iterator[Canary]:
    # WeasyPrint's own fetcher honours proxy variables; the hit must reach this socket.
    for name in ("http_proxy", "HTTP_PROXY", "https_proxy", "HTTPS_PROXY", "all_proxy"):
        monkeypatch.delenv(name, raising=False)
    monkeypatch.delenv("ALL_PROXY", raising=False)
    with Canary() as server:
        yield server


@pytest.fixture
def canary_files(tmp_path) -> Path:
    """Files outside the static folder whose content shows in a PDF that loads them."""
    (tmp_path / "canary.css").write_text('body::after { content: "CANARY-FILE-CSS"; }\n')
    (tmp_path / "canary.svg").write_bytes(_svg("CANARY-FILE-SVG"))
    (tmp_path / "canary.txt").write_text("CANARY-FILE-TXT root:x:0:0\n")
    if MONO_FONT.exists():
        shutil.copy(MONO_FONT, tmp_path / "canary.ttf")
    return tmp_path


# --- reading PDFs -------------------------------------------------------------------------


def _run(tool: str, *args: str) -> str:
    return subprocess.run(
        [tool, *args], check=True, capture_output=True, text=True, timeout=60
    ).stdout


def pdf_text(path: Path) -> str:
    return _run("pdftotext", "-raw", str(path), "-")


def pdf_font_names(path: Path) -> list[str]:
    lines = _run("pdffonts", str(path)).splitlines()[2:]
    return [line.split()[0] for line in lines if line.strip()]


def pdf_attachment_count(path: Path) -> int:
    first = _run("pdfdetach", "-list", str(path)).splitlines()[0]
    return int(first.split()[0])


def write(tmp_path: Path, name: str, pdf: bytes) -> Path:
    assert pdf.startswith(b"%PDF-")
    path = tmp_path / name
    path.write_bytes(pdf)
    return path


# --- the payloads -------------------------------------------------------------------------

# (id, HTML body with {http} and {files} placeholders, evidence that a fetch happened)
PAYLOADS = [
    ("img-http", '<img src="{http}/img.svg">', "connection"),
    ("stylesheet-http", '<link rel="stylesheet" href="{http}/x.css">', "connection"),
    ("import-http", '<style>@import url("{http}/import.css");</style>', "connection"),
    ("css-url-http", '<style>body {{ background: url("{http}/bg.svg") }}</style>', "connection"),
    (
        "inline-style-http",
        "<p style=\"background-image: url('{http}/inline.svg')\">x</p>",
        "connection",
    ),
    (
        "font-face-http",
        "<style>@font-face {{ font-family: Canary; src: url('{http}/font.ttf') }}"
        " p {{ font-family: Canary }}</style><p>Åsa</p>",
        "connection",
    ),
    ("attachment-http", '<link rel="attachment" href="{http}/attach.txt">', "connection"),
    ("base-href-http", '<base href="{http}/"><img src="relative.svg">', "connection"),
    (
        "svg-image-http",
        '<svg width="20" height="20"><image href="{http}/svgimage.svg" width="20" height="20"/>'
        "</svg>",
        "connection",
    ),
    (
        "svg-in-data-url-http",
        "<img src=\"data:image/svg+xml,%3Csvg xmlns='http://www.w3.org/2000/svg' width='20' "
        "height='20'%3E%3Cimage href='{http}/nested.svg' width='20' height='20'/%3E%3C/svg%3E\">",
        "connection",
    ),
    ("img-file", '<img src="file://{files}/canary.svg">', "text:CANARY-FILE-SVG"),
    (
        "stylesheet-file",
        '<link rel="stylesheet" href="file://{files}/canary.css">',
        "text:CANARY-FILE-CSS",
    ),
    (
        "import-file",
        '<style>@import url("file://{files}/canary.css");</style>',
        "text:CANARY-FILE-CSS",
    ),
    (
        "css-url-file",
        "<style>p {{ background: url('file://{files}/canary.svg') no-repeat }}</style>"
        '<p style="height: 40px">x</p>',
        "text:CANARY-FILE-SVG",
    ),
    (
        "font-face-file",
        "<style>@font-face {{ font-family: Canary; src: url('file://{files}/canary.ttf') }}"
        " p {{ font-family: Canary }}</style><p>Åsa Øberg</p>",
        "font:Canary",
    ),
    (
        "attachment-file",
        '<link rel="attachment" href="file://{files}/canary.txt">',
        "attachment",
    ),
    (
        "relative-traversal",
        '<link rel="stylesheet" href="../../../../../../../../..{files}/canary.css">',
        "text:CANARY-FILE-CSS",
    ),
]

PASSWD_PAYLOADS = [
    '<img src="file:///etc/passwd">',
    '<link rel="stylesheet" href="file:///etc/passwd">',
    '<style>@import url("file:///etc/passwd");</style>',
    "<style>p { background: url('file:///etc/passwd') }</style><p>x</p>",
    "<style>@font-face { font-family: P; src: url('file:///etc/passwd') }</style>",
    '<link rel="attachment" href="file:///etc/passwd">',
    '<img src="../../../../../../../../etc/passwd">',
]


def document(body: str) -> str:
    return f'<!doctype html><html lang="en"><body><p>Payload test</p>{body}</body></html>'


def payload_html(template: str, canary: Canary, files: Path) -> str:
    return document(template.format(http=canary.url, files=files.as_posix()))


def render_default(html: str) -> bytes:
    """What WeasyPrint does with its own fetcher: the behaviour the safe one replaces."""
    return weasyprint.HTML(string=html, base_url=STATIC_BASE_URL).write_pdf()


def shows(evidence: str, pdf_path: Path, canary: Canary) -> bool:
    if evidence == "connection":
        return canary.connections > 0
    if evidence.startswith("text:"):
        return evidence.removeprefix("text:") in pdf_text(pdf_path)
    if evidence.startswith("font:"):
        return any(evidence.removeprefix("font:") in name for name in pdf_font_names(pdf_path))
    if evidence == "attachment":
        return pdf_attachment_count(pdf_path) > 0
    raise AssertionError(evidence)


@needs_poppler
@pytest.mark.parametrize(
    ("template", "evidence"),
    [(template, evidence) for _, template, evidence in PAYLOADS],
    ids=[name for name, _, _ in PAYLOADS],
)
def test_the_safe_fetcher_loads_nothing_the_default_one_would(
    template, evidence, canary, canary_files, tmp_path
):
    if evidence.startswith("font:") and not MONO_FONT.exists():
        pytest.skip(f"{MONO_FONT} (fonts-dejavu-core) is needed as the canary font")
    html = payload_html(template, canary, canary_files)

    safe = write(tmp_path, "safe.pdf", render_pdf(html, "certificate"))
    assert canary.connections == 0, canary.paths
    assert not shows(evidence, safe, canary)
    assert pdf_attachment_count(safe) == 0
    assert "CANARY" not in pdf_text(safe)

    default = write(tmp_path, "default.pdf", render_default(html))
    assert shows(evidence, default, canary), "the payload no longer proves anything"


@needs_poppler
@pytest.mark.parametrize("body", PASSWD_PAYLOADS)
def test_etc_passwd_is_never_embedded(body, canary, tmp_path):
    passwd = Path("/etc/passwd").read_text(errors="replace")
    first_line = passwd.splitlines()[0] if passwd else "root:x:0:0"
    path = write(tmp_path, "safe.pdf", render_pdf(document(body), "certificate"))
    assert pdf_attachment_count(path) == 0
    assert first_line not in pdf_text(path)
    assert first_line.encode() not in path.read_bytes()
    assert canary.connections == 0


def test_the_default_fetcher_really_connects_to_the_canary(canary):
    """The canary itself works: WeasyPrint's fetcher connects, ours does not."""
    html = document(f'<img src="{canary.url}/probe.svg">')
    render_pdf(html, "certificate")
    assert canary.connections == 0
    render_default(html)
    assert canary.connections == 1
    assert canary.paths == ["/probe.svg"]


def test_payloads_in_certificate_fields_are_printed_not_fetched(app, canary, tmp_path):
    """Whatever a participant or organizer typed is text on the certificate, never markup."""
    payload = (
        f'<img src="{canary.url}/name.svg"><link rel="stylesheet" href="{canary.url}/n.css">'
        f'<style>@import url("{canary.url}/i.css"); body {{ background: url({canary.url}/b) }}'
        "</style><script>alert(1)</script>"
    )
    certificate = Certificate(
        code="ABCD0123EFGH4567JKMN",
        certificate_name=payload[:200],
        holder_initials="X.",
        locale="en",
        course_slug="safer-streets",
        content_version="0123456789abcdef",
        organisation_name=f'"></dd><img src="{canary.url}/org.svg">',
        cohort_name=f"</p><style>@font-face{{src:url({canary.url}/f.ttf)}}</style>",
        place_name=f"url({canary.url}/place.svg) file:///etc/passwd",
        part_completed_on={"situational-prevention": "2026-03-10"},
        issued_at=datetime(2026, 6, 2, 9, 30, tzinfo=UTC),
    )
    with app.app_context():
        course = get_course("safer-streets")
        html = certificate_html(certificate, course, verify_url="https://academy.test/verify/X")
        pdf = render_certificate(certificate, course, verify_url="https://academy.test/verify/X")
    assert canary.connections == 0, canary.paths
    assert "&lt;img src=" in html
    assert "<script>" not in html
    assert f'<img src="{canary.url}' not in html
    assert pdf.startswith(b"%PDF-")
    if shutil.which("pdftotext"):
        # Printed as the text it is (lines may wrap anywhere in it).
        text = "".join(pdf_text(write(tmp_path, "certificate.pdf", pdf)).split())
        assert f'<imgsrc="{canary.url}/name.svg">' in text
        assert "file:///etc/passwd" in text


# --- the fetcher itself -------------------------------------------------------------------


def test_the_fetcher_answers_data_urls():
    fetcher = SafeURLFetcher()
    response = fetcher("data:text/plain;base64,w4VzYSDDmGJlcmc=")
    assert response.read().decode() == "Åsa Øberg"
    response = fetcher("data:image/svg+xml,%3Csvg%20xmlns%3D%27x%27%2F%3E")
    assert response.read() == b"<svg xmlns='x'/>"
    assert response.content_type == "image/svg+xml"


def test_the_fetcher_answers_static_files():
    fetcher = SafeURLFetcher()
    response = fetcher(STATIC_BASE_URL + "img/logo.svg")
    assert response.read() == (STATIC_ROOT / "img" / "logo.svg").read_bytes()
    assert response.content_type == "image/svg+xml"
    css = fetcher(pdf_stylesheet_path("certificate").as_uri())
    assert css.content_type == "text/css"


@pytest.mark.parametrize(
    "url",
    [
        "http://127.0.0.1:9/",
        "https://example.org/x.css",
        "ftp://example.org/x",
        "gopher://example.org/",
        "javascript:alert(1)",
        "academy-static:img/logo.svg",
        "file:///etc/passwd",
        "file://localhost/etc/passwd",
        "file://example.org" + STATIC_ROOT.as_posix() + "/img/logo.svg",
        STATIC_BASE_URL + "../pdf.py",
        STATIC_BASE_URL + "%2e%2e/pdf.py",
        STATIC_BASE_URL + "img/./logo.svg",
        STATIC_BASE_URL + "img",
        STATIC_BASE_URL + "img/missing.svg",
        STATIC_BASE_URL + "img/logo.svg%00.png",
        STATIC_BASE_URL.removesuffix("/"),
        "data:text/plain;base64",
    ],
)
def test_the_fetcher_refuses_everything_else(url):
    with pytest.raises(URLRefused):
        SafeURLFetcher()(url)


def test_a_symlink_out_of_the_root_is_refused(tmp_path):
    root = tmp_path / "static"
    root.mkdir()
    (root / "inside.css").write_text("p {}")
    (tmp_path / "secret.txt").write_text("secret")
    os.symlink(tmp_path / "secret.txt", root / "link.txt")
    os.symlink(tmp_path, root / "up")
    fetcher = SafeURLFetcher(root)
    assert fetcher((root / "inside.css").as_uri()).read() == b"p {}"
    for name in ("link.txt", "up/secret.txt"):
        with pytest.raises(URLRefused):
            fetcher((root / name).as_uri())


def test_the_fetcher_has_no_network_handlers():
    fetcher = SafeURLFetcher()
    assert fetcher.handlers == []
    with pytest.raises(URLRefused):
        fetcher.open("http://127.0.0.1:9/")


def test_a_strict_fetcher_stops_the_render(canary):
    html = document(f'<img src="{canary.url}/strict.svg">')
    with pytest.raises(weasyprint.urls.FatalURLFetchingError):
        weasyprint.HTML(
            string=html, base_url=STATIC_BASE_URL, url_fetcher=SafeURLFetcher(fail_on_errors=True)
        ).write_pdf()
    assert canary.connections == 0


@pytest.mark.parametrize("name", ["../certificate", "http://x/y", "a/b", "", "Certificate.css"])
def test_stylesheets_are_named_never_given_as_paths_or_urls(name):
    with pytest.raises(ValueError):
        pdf_stylesheet_path(name)
