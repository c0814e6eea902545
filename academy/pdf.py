"""PDF rendering: the one place WeasyPrint is used.

Everything a rendered document may load goes through ``SafeURLFetcher``: ``data:`` URLs
and files inside ``academy/static/``, nothing else. No HTTP(S), FTP or other files, no
redirects, so neither a template mistake nor text a user typed can make the server fetch
a URL or embed a local file in a PDF.

The font configuration and the stylesheets are built once per process, on first use, and
shared by every render; WeasyPrint's font configuration is not known to be thread-safe,
so renders take turns (they are rare: a certificate is rendered once and stored).
"""

from __future__ import annotations

import base64
import binascii
import mimetypes
import re
import threading
from dataclasses import dataclass, field
from pathlib import Path
from urllib import request
from urllib.parse import unquote, unquote_to_bytes, urlsplit

import weasyprint
from weasyprint.text.fonts import FontConfiguration
from weasyprint.urls import URLFetcherResponse

__all__ = [
    "STATIC_BASE_URL",
    "STATIC_ROOT",
    "SafeURLFetcher",
    "URLRefused",
    "render_pdf",
    "stylesheet_path",
]

STATIC_ROOT = (Path(__file__).resolve().parent / "static").resolve()
# Relative URLs in templates and stylesheets resolve against the static folder, never
# against a host the request came from.
STATIC_BASE_URL = STATIC_ROOT.as_uri() + "/"
STYLESHEET_DIR = STATIC_ROOT / "css" / "pdf"
_STYLESHEET_NAME = re.compile(r"[a-z0-9][a-z0-9_-]{0,63}")
#: Tagged PDF for assistive technology (ISO 14289-1): a structure tree in reading order,
#: the document's language and title, alternative text for every image.
PDF_VARIANT = "pdf/ua-1"
_MEDIA_TYPES = {
    ".css": "text/css",
    ".svg": "image/svg+xml",
    ".ttf": "font/ttf",
    ".otf": "font/otf",
    ".woff": "font/woff",
    ".woff2": "font/woff2",
    ".png": "image/png",
    ".jpg": "image/jpeg",
    ".jpeg": "image/jpeg",
}


class URLRefused(ValueError):
    """The fetcher does not load this URL (WeasyPrint logs it and leaves the resource out)."""


class SafeURLFetcher(weasyprint.URLFetcher):
    """Answers ``data:`` URLs and ``file:`` URLs of files inside ``root`` (the package's
    static folder); refuses everything else.

    A file URL is refused when it names a host, has ``.``/``..`` segments, or resolves
    (symlinks followed) to anything but a regular file inside ``root``. Nothing here opens
    a socket: the inherited ``urllib`` handlers are removed, so even a call that bypasses
    ``fetch`` has nothing to open a URL with.
    """

    def __init__(self, root: Path = STATIC_ROOT, *, fail_on_errors: bool = False) -> None:
        super().__init__(
            allowed_protocols=("data", "file"),
            allow_redirects=False,
            fail_on_errors=fail_on_errors,
        )
        for handler in list(self.handlers):
            handler.close()
        self.handlers.clear()
        self.handle_open.clear()
        self.handle_error.clear()
        self.process_request.clear()
        self.process_response.clear()
        self._root = Path(root).resolve()

    def fetch(self, url: str, headers=None) -> URLFetcherResponse:
        scheme = url.split(":", 1)[0].lower() if ":" in url else ""
        if scheme == "data":
            return self._fetch_data(url)
        if scheme == "file":
            return self._fetch_file(url)
        raise URLRefused(f"only data: and static files are loaded, not {_shorten(url)}")

    def open(self, url, data=None, timeout=None):
        if isinstance(url, request.Request):
            url = url.full_url
        return self.fetch(url)

    def __call__(self, url: str) -> URLFetcherResponse:
        return self.fetch(url)

    def _fetch_data(self, url: str) -> URLFetcherResponse:
        # RFC 2397: data:[<media type>][;base64],<data>
        header, comma, payload = url[len("data:") :].partition(",")
        if not comma:
            raise URLRefused("malformed data: URL (no comma)")
        params = [param.strip() for param in header.split(";")]
        encoded = params[-1].lower() == "base64"
        if encoded:
            params = params[:-1]
        media_type = ";".join(params) or "text/plain;charset=US-ASCII"
        body = unquote_to_bytes(payload)
        if encoded:
            body = b"".join(body.split())
            try:
                body = base64.b64decode(body + b"=" * (-len(body) % 4))
            except (binascii.Error, ValueError):
                raise URLRefused("malformed data: URL (bad base64)") from None
        return URLFetcherResponse("data:", body=body, headers={"Content-Type": media_type})

    def _fetch_file(self, url: str) -> URLFetcherResponse:
        path = self.static_path(url)
        media_type = _MEDIA_TYPES.get(path.suffix.lower())
        if media_type is None:
            media_type = mimetypes.guess_type(path.name)[0] or "application/octet-stream"
        return URLFetcherResponse(
            path.as_uri(), body=path.read_bytes(), headers={"Content-Type": media_type}
        )

    def static_path(self, url: str) -> Path:
        """The file inside the root that a ``file:`` URL names, or ``URLRefused``."""
        parts = urlsplit(url)
        if parts.scheme.lower() != "file" or parts.netloc not in ("", "localhost"):
            raise URLRefused(f"not a local file URL: {_shorten(url)}")
        raw_path = unquote(parts.path)
        if "\x00" in raw_path or "\\" in raw_path:
            raise URLRefused(f"unsafe characters in {_shorten(url)}")
        segments = raw_path.split("/")
        if any(segment in (".", "..") for segment in segments):
            raise URLRefused(f"dot segments in {_shorten(url)}")
        candidate = Path(request.url2pathname(parts.path))
        if not candidate.is_absolute():
            raise URLRefused(f"not an absolute path: {_shorten(url)}")
        # resolve() follows symlinks, so a link pointing out of the root is caught here.
        resolved = candidate.resolve()
        if not resolved.is_relative_to(self._root) or not resolved.is_file():
            raise URLRefused(f"not a static file: {_shorten(url)}")
        return resolved


def _shorten(url: str, limit: int = 120) -> str:
    return url if len(url) <= limit else url[:limit] + "…"


def stylesheet_path(name: str) -> Path:
    """``static/css/pdf/<name>.css``; the name is a plain slug, never a path or URL."""
    if not _STYLESHEET_NAME.fullmatch(name):
        raise ValueError(f"not a stylesheet name: {name!r}")
    return STYLESHEET_DIR / f"{name}.css"


@dataclass
class _Resources:
    """What every render shares: one font configuration and the parsed stylesheets."""

    font_config: FontConfiguration
    stylesheets: dict[str, weasyprint.CSS] = field(default_factory=dict)


_resources: _Resources | None = None
# One lock for building the shared resources and for rendering with them: a stylesheet
# adds its fonts to the font configuration that renders use.
_lock = threading.Lock()


def _stylesheet(name: str) -> tuple[weasyprint.CSS, FontConfiguration]:
    """The named stylesheet and the font configuration it belongs to (call with the lock)."""
    global _resources
    if _resources is None:
        _resources = _Resources(FontConfiguration())
    stylesheet = _resources.stylesheets.get(name)
    if stylesheet is None:
        path = stylesheet_path(name)
        # The text is read here and given as a string: no URL is ever passed as a
        # stylesheet. Its fonts must load, so this fetcher fails loudly.
        stylesheet = weasyprint.CSS(
            string=path.read_text(encoding="utf-8"),
            base_url=path.parent.as_uri() + "/",
            url_fetcher=SafeURLFetcher(fail_on_errors=True),
            font_config=_resources.font_config,
        )
        _resources.stylesheets[name] = stylesheet
    return stylesheet, _resources.font_config


def render_pdf(html: str, stylesheet_name: str) -> bytes:
    """Render trusted template output to PDF bytes with ``static/css/pdf/<name>.css``.

    ``html`` comes from a Jinja template with autoescaping on; any URL it holds is resolved
    against the static folder and loaded by ``SafeURLFetcher`` only. The font
    configuration and the stylesheet are built on the first render that needs them and
    kept for the life of the process.
    """
    stylesheet_path(stylesheet_name)  # a bad name fails before any work
    document = weasyprint.HTML(string=html, base_url=STATIC_BASE_URL, url_fetcher=SafeURLFetcher())
    with _lock:
        stylesheet, font_config = _stylesheet(stylesheet_name)
        return document.write_pdf(
            stylesheets=[stylesheet], font_config=font_config, pdf_variant=PDF_VARIANT
        )
