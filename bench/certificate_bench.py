"""``python -m bench.certificate_bench``: the certificate PDF's three targets.

1. Issue time: ``render_certificate`` (template, QR code, the safe fetcher, the shared
   fonts and stylesheet, SHA-256 of the result) against a bare WeasyPrint render of the
   same HTML with the same stylesheet and fonts (``HTML(string=...).write_pdf()`` with
   WeasyPrint's own fetcher and a new ``FontConfiguration`` and ``CSS``, as its
   documentation shows). Target: at most 1.3 times the bare render.
2. Memory: the growth of the process's resident memory over 500 renders, measured after
   20 renders of warm-up. Target: at most 10 MB.
3. Stored download: the stored bytes of a certificate row in a scratch SQLite database
   (migrated with Alembic), served by a small route through the Flask test client, against
   a render. Target: at least 50 times faster.

Every render is of the real course (``courses/``, or ``--courses-dir``) with long names
with Å Ä Ö Æ Ø. Prints the figures and PASS or FAIL per target; exits 1 when a target is
missed, 2 when the benchmark cannot run.
"""

from __future__ import annotations

import argparse
import gc
import hashlib
import itertools
import secrets
import statistics
import sys
import tempfile
from datetime import UTC, datetime
from pathlib import Path

import weasyprint
from flask import Flask, Response, abort
from sqlalchemy import select
from weasyprint.text.fonts import FontConfiguration

from academy.content import Course, get_course
from academy.db import get_session
from academy.models import Certificate
from academy.pdf import STATIC_BASE_URL, stylesheet_path
from academy.services.certificate_pdf import STYLESHEET, certificate_html, render_certificate
from academy.services.certificates import ALPHABET, format_code
from bench.command import BenchError, add_course_options, exit_status
from bench.database import sqlite_database
from bench.inprocess import academy_app
from bench.measure import timed, verdict

ISSUE_RATIO_TARGET = 1.3
MEMORY_TARGET_MB = 10.0
DOWNLOAD_SPEEDUP_TARGET = 50.0

NAMES = [
    "Karl-Johan Åkesson-Øvergaard Lindqvist-Æbeltoft",
    "Åsa Ärlig-Öberg",
    "Ægir Østerbø Åsheim-Lindqvist",
    "Märta Sølvi Ødegård-Bråthen",
    "Björn Ångström",
]
ORGANISATIONS = [
    "Malmö stad, Stadsbyggnadskontoret",
    "Trondheim kommune, Byplankontoret",
    "Region Västra Götaland",
]
LOCALES = ["sv", "nb", "en"]


def certificate(course: Course, n: int) -> Certificate:
    """A transient certificate, different for each ``n`` (name, language, code)."""
    code = "".join(secrets.choice(ALPHABET) for _ in range(20))
    return Certificate(
        code=code,
        certificate_name=NAMES[n % len(NAMES)],
        holder_initials="Å. Ö.",
        name_salt="0" * 32,
        name_hash="0" * 64,
        locale=LOCALES[n % len(LOCALES)],
        course_slug=course.slug,
        content_version=course.content_version,
        organisation_name=ORGANISATIONS[n % len(ORGANISATIONS)],
        cohort_name="Våren 2026, grupp Öst",
        place_name="Möllevångstorget och Södra Förstaden",
        part_completed_on={
            part.slug: f"2026-03-{10 + number:02d}" for number, part in enumerate(course.parts)
        },
        issued_at=datetime(2026, 6, 2, 9, 30, tzinfo=UTC),
        status_index=n,
    )


def verify_url(app: Flask, code: str) -> str:
    return f"{app.config['BASE_URL']}/verify/{format_code(code)}"


def issue(app: Flask, course: Course, n: int) -> bytes:
    """What issuing adds to the render: the PDF and its SHA-256, as ``store_pdf`` keeps."""
    row = certificate(course, n)
    pdf = render_certificate(row, course, verify_url=verify_url(app, row.code))
    hashlib.sha256(pdf).hexdigest()
    return pdf


def bare_render(html: str) -> bytes:
    font_config = FontConfiguration()
    css = weasyprint.CSS(filename=stylesheet_path(STYLESHEET), font_config=font_config)
    document = weasyprint.HTML(string=html, base_url=STATIC_BASE_URL)
    return document.write_pdf(stylesheets=[css], font_config=font_config)


def rss_mb() -> float:
    """Resident memory of this process, from /proc (Linux)."""
    for line in Path("/proc/self/status").read_text().splitlines():
        if line.startswith("VmRSS:"):
            return int(line.split()[1]) / 1024
    raise RuntimeError("no VmRSS in /proc/self/status")


def measure_issue(app: Flask, course: Course, rounds: int) -> dict[str, float]:
    row = certificate(course, 0)
    html = certificate_html(row, course, verify_url=verify_url(app, row.code))
    ours, bare = [], []
    # Taken in turns, so that other work on the machine slows both alike.
    for n in range(rounds):
        ours.append(timed(lambda n=n: issue(app, course, n)))
        bare.append(timed(lambda: bare_render(html)))
    return {
        "ours": statistics.median(ours),
        "bare": statistics.median(bare),
        "ratio": statistics.median(ours) / statistics.median(bare),
    }


def measure_memory(app: Flask, course: Course, renders: int, warmup: int) -> dict[str, float]:
    counter = itertools.count()
    for _ in range(warmup):
        issue(app, course, next(counter))
    gc.collect()
    before = rss_mb()
    peak = before
    for done in range(1, renders + 1):
        issue(app, course, next(counter))
        if done % 50 == 0:
            gc.collect()
            peak = max(peak, rss_mb())
    gc.collect()
    after = rss_mb()
    return {"before": before, "after": after, "peak": peak, "growth": after - before}


def measure_download(app: Flask, course: Course, requests: int) -> dict[str, float]:
    """Serve a stored PDF from the database through a route, and time a render of it."""

    @app.get("/bench/certificates/<code>.pdf")
    def stored_certificate(code: str) -> Response:
        row = get_session().scalar(select(Certificate).where(Certificate.code == code))
        if row is None or row.pdf is None:
            abort(404)
        return Response(row.pdf, mimetype="application/pdf")

    row = certificate(course, 0)
    url = verify_url(app, row.code)
    row.pdf = render_certificate(row, course, verify_url=url)
    row.pdf_sha256 = hashlib.sha256(row.pdf).hexdigest()
    session = get_session()
    session.add(row)
    session.commit()

    client = app.test_client()
    path = f"/bench/certificates/{row.code}.pdf"
    response = client.get(path)
    if response.status_code != 200 or response.data != row.pdf:
        raise RuntimeError(f"the stored download answered {response.status_code}")
    served = [timed(lambda: client.get(path)) for _ in range(requests)]
    renders = [timed(lambda: render_certificate(row, course, verify_url=url)) for _ in range(7)]
    download = statistics.median(served)
    render = statistics.median(renders)
    return {
        "download": download,
        "render": render,
        "speedup": render / download,
        "bytes": len(row.pdf),
    }


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    add_course_options(parser, course="safer-places")
    parser.add_argument("--rounds", type=int, default=15, help="renders of each kind timed")
    parser.add_argument("--renders", type=int, default=500, help="renders for the memory test")
    parser.add_argument("--warmup", type=int, default=20)
    parser.add_argument("--requests", type=int, default=200, help="stored downloads timed")
    args = parser.parse_args(argv)
    return exit_status("certificate benchmark", lambda: run(args))


def run(args: argparse.Namespace) -> int:
    with tempfile.TemporaryDirectory(prefix="academy-certificate-bench-") as directory:
        url = sqlite_database(Path(directory))
        with academy_app(url, args.courses_dir, BASE_URL="https://academy.example.se") as app:
            app.instance_path = directory
            with app.app_context():
                course = get_course(args.course)
                if course is None:
                    raise BenchError(f"no course {args.course!r} in {args.courses_dir}")
                first = issue(app, course, 0)  # loads the fonts and the stylesheet
                issue_figures = measure_issue(app, course, args.rounds)
                download = measure_download(app, course, args.requests)
            with app.app_context():
                memory = measure_memory(app, course, args.renders, args.warmup)

    results = [
        issue_figures["ratio"] <= ISSUE_RATIO_TARGET,
        memory["growth"] <= MEMORY_TARGET_MB,
        download["speedup"] >= DOWNLOAD_SPEEDUP_TARGET,
    ]
    print(
        f"Certificate PDF of {course.slug} ({len(course.parts)} parts), "
        f"{len(first):,} bytes, A4 landscape"
    )
    print(
        f"  issue time       render_certificate {issue_figures['ours'] * 1000:7.1f} ms   "
        f"bare WeasyPrint {issue_figures['bare'] * 1000:7.1f} ms   "
        f"ratio {issue_figures['ratio']:.2f} (target <= {ISSUE_RATIO_TARGET})   "
        f"{verdict(results[0])}"
    )
    print(
        f"  memory           RSS {memory['before']:.1f} MB after {args.warmup} renders, "
        f"{memory['after']:.1f} MB after {args.renders} more (peak {memory['peak']:.1f})   "
        f"growth {memory['growth']:+.1f} MB (target <= {MEMORY_TARGET_MB:.0f})   "
        f"{verdict(results[1])}"
    )
    print(
        f"  stored download  {download['download'] * 1000:7.3f} ms per request "
        f"({download['bytes']:,} bytes from the database)   render "
        f"{download['render'] * 1000:7.1f} ms   {download['speedup']:.0f} times faster "
        f"(target >= {DOWNLOAD_SPEEDUP_TARGET:.0f})   {verdict(results[2])}"
    )
    print("  (medians; issue and bare renders taken in turns)")
    if all(results):
        print("OK")
        return 0
    print("FAIL: a target is missed")
    return 1


if __name__ == "__main__":
    sys.exit(main())
