"""``python -m bench.password_hashes``: what each candidate password hash costs here.

For each method (``academy.services.passwords``: Argon2id through argon2-cffi, scrypt and
PBKDF2 through Werkzeug) a process of its own makes one hash, then checks the password
against it ``--repeats`` times; it reports the median CPU time of a check (a login's
work; CPU time, which other work on the machine does not inflate as it does the wall
clock), the memory the first hash added to the process's peak (``ru_maxrss``), and what
that means for a class signing in at once: the CPU seconds of ``--logins`` checks, and
how long two CPUs need for them.

Exit status 0 (it only reports; ``python -m bench.logins`` has the target).
"""

from __future__ import annotations

import argparse
import json
import resource
import statistics
import subprocess
import sys
import time

from bench import ROOT
from bench.machine import load_average

PASSWORD = "correct horse battery staple"  # noqa: S105 (measured, never stored)

# (method, what the OWASP Password Storage Cheat Sheet says of it)
CANDIDATES = (
    ("scrypt:32768:8:1", "Werkzeug's scrypt default (until now ours): below OWASP's minimum"),
    ("scrypt:131072:8:1", "OWASP scrypt: N=2^17 (128 MiB), r=8, p=1"),
    ("scrypt:16384:8:5", "OWASP scrypt: N=2^14 (16 MiB), r=8, p=5"),
    ("scrypt:8192:8:10", "OWASP scrypt: N=2^13 (8 MiB), r=8, p=10"),
    ("pbkdf2:sha256:600000", "OWASP PBKDF2-HMAC-SHA256: 600,000 iterations"),
    ("argon2id:47104:1:1", "OWASP Argon2id: m=46 MiB, t=1, p=1"),
    ("argon2id:19456:2:1", "OWASP Argon2id: m=19 MiB, t=2, p=1 (our default)"),
    ("argon2id:12288:3:1", "OWASP Argon2id: m=12 MiB, t=3, p=1"),
    ("argon2id:9216:4:1", "OWASP Argon2id: m=9 MiB, t=4, p=1"),
    ("argon2id:7168:5:1", "OWASP Argon2id: m=7 MiB, t=5, p=1"),
)


def measure_one(method: str, repeats: int) -> dict:
    """In this process: one hash, then ``repeats`` checks of the password against it."""
    from academy.services.passwords import make_hash, matches

    before_kib = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
    cpu = time.process_time()
    stored = make_hash(PASSWORD, method)
    hash_cpu = time.process_time() - cpu
    after_kib = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
    checks = []
    for _ in range(repeats):
        cpu = time.process_time()
        if not matches(stored, PASSWORD):
            raise AssertionError(f"{method}: the password does not match its own hash")
        checks.append(time.process_time() - cpu)
    return {
        "method": method,
        "hash_cpu_ms": hash_cpu * 1000,
        "check_cpu_ms": statistics.median(checks) * 1000,
        "check_cpu_ms_min": min(checks) * 1000,
        "memory_mib": (after_kib - before_kib) / 1024,
        "stored_length": len(stored),
    }


def measure_in_child(method: str, repeats: int) -> dict:
    """``measure_one`` in a fresh process, so that each peak of memory is its own."""
    output = subprocess.run(
        [
            sys.executable,
            "-m",
            "bench.password_hashes",
            "--child",
            method,
            "--repeats",
            str(repeats),
        ],
        cwd=ROOT,
        check=True,
        capture_output=True,
        text=True,
    ).stdout
    return json.loads(output)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(
        prog="python -m bench.password_hashes",
        description="CPU time and memory of each candidate password hash.",
    )
    parser.add_argument("--repeats", type=int, default=15, help="checks per method (default 15)")
    parser.add_argument("--logins", type=int, default=70, help="the class (default 70)")
    parser.add_argument("--cpus", type=int, default=2, help="CPUs the server has (default 2)")
    parser.add_argument("--child", metavar="METHOD", help=argparse.SUPPRESS)
    args = parser.parse_args(argv)
    if args.child:
        print(json.dumps(measure_one(args.child, args.repeats)))
        return 0
    print(f"load average before: {load_average()}", flush=True)
    rows = []
    for method, note in CANDIDATES:
        result = measure_in_child(method, args.repeats)
        rows.append((result, note))
        print(f"  {method}: {result['check_cpu_ms']:.1f} ms", flush=True)
    print(f"load average after: {load_average()}")
    print()
    print(
        f"{'method':<22} {'check ms':>9} {'hash ms':>8} {'MiB':>6} "
        f"{f'{args.logins} checks s':>12} {f'on {args.cpus} CPUs s':>11}  OWASP"
    )
    for result, note in rows:
        total = result["check_cpu_ms"] * args.logins / 1000
        print(
            f"{result['method']:<22} {result['check_cpu_ms']:>9.1f} {result['hash_cpu_ms']:>8.1f} "
            f"{result['memory_mib']:>6.1f} {total:>12.1f} {total / args.cpus:>11.1f}  {note}"
        )
    print()
    print(
        "check ms: median CPU time of one check (a login); hash ms: the first hash, made once; "
        "MiB: what it added to the process's peak memory"
    )
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
