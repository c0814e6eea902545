"""Timing and verdicts, the same for every benchmark.

Every benchmark times work with the wall clock (what a target is about), reads percentiles
the same way (``statistics.quantiles``, inclusive) and says PASS or FAIL per target; these
are the one place each of those is done.
"""

from __future__ import annotations

import statistics
import time
from collections.abc import Callable
from typing import TypeVar

T = TypeVar("T")


def percentile_ms(seconds: list[float], percent: int) -> float:
    """The ``percent``-th percentile of ``seconds``, in milliseconds: the only value when
    there is one, NaN when there is none."""
    if len(seconds) < 2:
        return seconds[0] * 1000 if seconds else float("nan")
    cut_points = statistics.quantiles(seconds, n=100, method="inclusive")
    return cut_points[percent - 1] * 1000


def timed(work: Callable[[], object]) -> float:
    """The wall-clock seconds ``work`` takes."""
    start = time.perf_counter()
    work()
    return time.perf_counter() - start


def timed_with_cpu(work: Callable[[], T]) -> tuple[T, float, float]:
    """``work``'s answer, its wall-clock seconds and the CPU seconds this process spent
    meanwhile (which other work on the machine does not inflate)."""
    start, cpu = time.perf_counter(), time.process_time()
    answer = work()
    return answer, time.perf_counter() - start, time.process_time() - cpu


def verdict(passed: bool) -> str:
    return "PASS" if passed else "FAIL"
