"""gunicorn's log after the load test: the lines that tell of an error, which of them the
disruptions explain, and how long gunicorn itself took per page.

gunicorn's time for a request (the access log's ``%(M)s``) runs from when a worker has
read it to its answer; locust's also holds the wait for a free worker (sync workers take
one request at a time; the others wait in the listening socket's queue) and the trip.
Side by side they tell a page's own cost from the queue in front of the workers.
"""

from __future__ import annotations

import math
import re
from collections import Counter, defaultdict
from dataclasses import dataclass, field
from datetime import datetime
from pathlib import Path
from typing import Any
from urllib.parse import parse_qs, urlsplit

from bench.loadtest.disruptions import Event, during

# A line of gunicorn's access log (gunicorn.conf.py's access_log_format): the client,
# the peer, [time], "request", status, bytes, duration in ms and the user agent.
ACCESS_LINE = re.compile(
    r'\[(\d{2}/\w{3}/\d{4}:\d{2}:\d{2}:\d{2} [+-]\d{4})\] "(\S+) (\S+)[^"]*" (\d{3}) \S+ (\d+)ms'
)
KILLED_WORKER = re.compile(r"\[ERROR\] Worker \(pid:(\d+)\) was sent SIGKILL!")
UNAVAILABLE = "The database is unavailable"
# The report's filters: a report page with one of them is "?filtered" in locust's names.
FILTERS = ("role", "place", "status")


@dataclass
class ServerLog:
    # Lines that are errors whatever happened: 5xx answers other than the 503s of the
    # disruptions, tracebacks, errors logged.
    errors: list[str] = field(default_factory=list)
    # Lines the disruptions explain: 503s in their windows, the killed worker's line.
    expected: Counter[str] = field(default_factory=Counter)
    # The app's one-line warnings that it could not reach the database.
    unavailable: int = 0
    # gunicorn's milliseconds per page, named as locust names it ("GET /learn/").
    durations: dict[str, list[int]] = field(default_factory=lambda: defaultdict(list))

    def percentile(self, page: str, percent: int) -> int | None:
        return nearest_rank(self.durations.get(page, []), percent)


def nearest_rank(values: list[int], percent: int) -> int | None:
    if not values:
        return None
    ordered = sorted(values)
    return ordered[max(0, math.ceil(percent / 100 * len(ordered)) - 1)]


def route_names(plan: dict[str, Any]) -> list[tuple[re.Pattern[str], str]]:
    """Paths to the names the locustfile gives them (ids and slugs as ``[...]``)."""
    load, report = plan["cohorts"]["load"], plan["cohorts"]["report"]
    names = [
        (r"/learn/\d+/[\w-]+/quiz/\d+", "/learn/[enrolment]/[part]/quiz/[attempt]"),
        (r"/learn/\d+/[\w-]+/quiz", "/learn/[enrolment]/[part]/quiz"),
        (r"/learn/\d+/[\w-]+/assignment", "/learn/[enrolment]/[part]/assignment"),
        (r"/learn/\d+/continue", "/learn/[enrolment]/continue"),
        (r"/learn/\d+/[\w-]+/[\w-]+", "/learn/[enrolment]/[part]/[lesson]"),
        (r"/learn/\d+/", "/learn/[enrolment]/"),
        (r"/certificates/\d+/certificate\.pdf", "/certificates/[id]/certificate.pdf"),
        (r"/certificates/\d+/open-badge\.jwt", "/certificates/[id]/open-badge.jwt"),
        (r"/organize/cohorts/\d+/import/[\w-]+", "/organize/cohorts/[id]/import/[key]"),
        (r"/organize/cohorts/\d+/import", "/organize/cohorts/[id]/import"),
        (r"/organize/cohorts/\d+/report/export", "/organize/cohorts/[id]/report/export"),
        (rf"/organize/cohorts/{load}/report", "/organize/cohorts/[load round]/report"),
        (rf"/organize/cohorts/{report}/report", "/organize/cohorts/[report round]/report"),
        (rf"/organize/cohorts/{load}", "/organize/cohorts/[load round]"),
    ]
    return [(re.compile(pattern), name) for pattern, name in names]


def page_name(method: str, target: str, names: list[tuple[re.Pattern[str], str]]) -> str:
    parts = urlsplit(target)
    name = next((name for pattern, name in names if pattern.fullmatch(parts.path)), parts.path)
    if name.endswith("/report") and any(key in parse_qs(parts.query) for key in FILTERS):
        name += "?filtered"
    return f"{method} {name}"


def read_server_log(
    path: Path,
    events: list[Event],
    killed: list[int],
    plan: dict[str, Any] | None = None,
    since: float = 0.0,
) -> ServerLog:
    """Sort the lines of gunicorn's log (access log included) that tell of an error, and
    gather gunicorn's time per page from ``since`` on (the warm-up's pages before it are
    left out; ``plan`` names the rounds)."""
    result = ServerLog()
    names = route_names(plan) if plan else []
    seconds: dict[str, float] = {}
    try:
        lines = path.read_text(errors="replace").splitlines()
    except OSError:
        return result
    for line in lines:
        if UNAVAILABLE in line:
            result.unavailable += 1
            continue
        if match := ACCESS_LINE.search(line):
            stamp, method, target, status, ms = match.groups()
            if stamp not in seconds:
                seconds[stamp] = datetime.strptime(stamp, "%d/%b/%Y:%H:%M:%S %z").timestamp()
            moment = seconds[stamp]
            if int(status) < 500:
                # The log has whole seconds.
                if moment + 1 >= since:
                    result.durations[page_name(method, target, names)].append(int(ms))
                continue
            if status == "503" and (during(moment, events) or during(moment + 1, events)):
                result.expected["503 answers during the disruptions"] += 1
            else:
                result.errors.append(line)
            continue
        if (match := KILLED_WORKER.search(line)) and int(match.group(1)) in killed:
            result.expected["the killed worker's line"] += 1
            continue
        if (
            "Traceback (most recent call last)" in line
            or "[ERROR]" in line
            or "[CRITICAL]" in line
            or re.search(r"\b(ERROR|CRITICAL) in ", line)
        ):
            result.errors.append(line)
    return result
