"""The in-process benchmarks still run against today's schema and sign-in.

They are not part of `make test` at their real sizes (minutes each), and nothing else ran
them: after issues 18 and 19 every one of them stopped before measuring (a certificate
needs its status-list index, an organizer a code from an authenticator app). Here each
runs at a toy size and must get as far as printing a verdict for every target. Whether
it passes says nothing at this size and on a busy machine, so only that the verdict is
there is asserted (speed is judged by the benchmarks themselves, not by tests).
"""

from __future__ import annotations

import os
import re

import pytest

from bench import certificate_bench, export_bench, import_bench
from bench.scale.__main__ import main as scale_bench_main

# A target's line ends with its verdict; the summary line ("FAIL: a target is missed")
# starts with one and is not counted.
VERDICT = re.compile(r"\b(PASS|FAIL)[ \t]*$", re.MULTILINE)


def verdicts(output: str) -> list[str]:
    return VERDICT.findall(output)


def test_import_bench_times_every_case(capsys):
    status = import_bench.main(["--rows", "200"])
    output = capsys.readouterr().out
    assert status in (0, 1), output
    # Two service cases and the organizer's confirming POST, each against its target.
    assert len(verdicts(output)) == 3, output
    assert "200 enrolled" in output


def test_certificate_bench_measures_its_three_targets(capsys):
    status = certificate_bench.main(
        ["--rounds", "1", "--renders", "5", "--warmup", "1", "--requests", "3"]
    )
    output = capsys.readouterr().out
    assert status in (0, 1), output
    assert len(verdicts(output)) == 3, output
    assert "stored download" in output


def test_export_bench_streams_every_export(capsys):
    status = export_bench.main(["--rows", "50", "--repeats", "1"])
    output = capsys.readouterr().out
    assert status in (0, 1), output
    assert verdicts(output), output


def test_scale_bench_compares_both_sizes(capsys):
    # It makes its own databases on a PostgreSQL server: the one of the PostgreSQL run.
    server = os.environ.get("ACADEMY_DATABASE_URL", "")
    if not server.startswith("postgresql"):
        pytest.skip("the scale benchmark runs on PostgreSQL: in the PostgreSQL run")
    status = scale_bench_main(
        [
            "--participants",
            "1000",
            "--cohorts",
            "10",
            "--small",
            "100",
            "--requests",
            "2",
            "--slices",
            "1",
            "--jobs",
            "1",
            "--postgres",
            server,
        ]
    )
    output = "".join(capsys.readouterr())
    assert status in (0, 1), output
    # dashboard, report and the filtered report, each small against large
    assert len(verdicts(output)) == 3, output
