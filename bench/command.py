"""What every benchmark command shares: its common options and how it ends.

Exit status, the same for each: 0 every target met, 1 one missed (the benchmark's own
verdict), 2 the benchmark could not run (a ``BenchError``, printed as one line with its
reason), 130 interrupted, 143 terminated: SIGTERM becomes ``SystemExit``, so that the
``finally`` blocks still stop gunicorn and drop the databases.
"""

from __future__ import annotations

import argparse
import os
import signal
import sys
from collections.abc import Callable
from pathlib import Path

from bench import ROOT
from bench.database import DEFAULT_SERVER

DEFAULT_COURSES_DIR = ROOT / "courses"


class BenchError(RuntimeError):
    """The benchmark could not run; the message says why."""


def add_course_options(parser: argparse.ArgumentParser, *, course: str | None = None) -> None:
    """``--courses-dir DIR`` and ``--course SLUG`` (default ``course``: the first in DIR)."""
    parser.add_argument(
        "--courses-dir",
        type=Path,
        default=DEFAULT_COURSES_DIR,
        metavar="DIR",
        help="the course folders the app serves (default: the repository's courses/)",
    )
    parser.add_argument(
        "--course",
        default=course,
        metavar="SLUG",
        help=f"the course measured (default: {course or 'the first in DIR'})",
    )


def add_postgres_option(parser: argparse.ArgumentParser) -> None:
    parser.add_argument(
        "--postgres",
        default=os.environ.get("BENCH_POSTGRES_URL", DEFAULT_SERVER),
        metavar="URL",
        help=(
            "any database URL of the PostgreSQL server to create databases on "
            f"(BENCH_POSTGRES_URL, or {DEFAULT_SERVER})"
        ),
    )


def exit_status(what: str, run: Callable[[], int], *, interrupted: int = 130) -> int:
    """``run``'s exit status, or 2 when it raised ``BenchError`` (``what`` could not run), or
    ``interrupted`` on Ctrl-C."""
    signal.signal(signal.SIGTERM, _exit_on_sigterm)
    try:
        return run()
    except BenchError as error:
        print(f"{what} could not run: {error}", file=sys.stderr)
        return 2
    except KeyboardInterrupt:
        print("interrupted", file=sys.stderr)
        return interrupted


def _exit_on_sigterm(_signum, _frame) -> None:
    raise SystemExit(128 + signal.SIGTERM)
