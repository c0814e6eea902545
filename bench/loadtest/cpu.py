"""Where the machine's CPU time went during the run: gunicorn (master and workers, killed
ones included), PostgreSQL (every process of the server, so other databases' work too),
locust, and everything else, as a share of one CPU (100 % = one CPU busy all the time).

From /proc: a process's own time plus that of its children it has waited for (gunicorn's
master reaps its workers, the postmaster its backends), plus the live children's own.
"""

from __future__ import annotations

import os
from dataclasses import dataclass
from pathlib import Path

TICKS = os.sysconf("SC_CLK_TCK")


def _stat(pid: int) -> list[str] | None:
    try:
        return Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    except OSError:
        return None


def _processes() -> dict[int, tuple[int, str, int, int]]:
    """pid -> (parent, command name, own ticks, waited-for children's ticks)."""
    found = {}
    for entry in os.scandir("/proc"):
        if not entry.name.isdigit():
            continue
        pid = int(entry.name)
        fields = _stat(pid)
        try:
            name = Path(f"/proc/{pid}/comm").read_text().strip()
        except OSError:
            continue
        if fields is None:
            continue
        # From the state (field 3 of stat(5)): ppid 4, utime 14, stime 15, cutime 16, cstime 17.
        found[pid] = (
            int(fields[1]),
            name,
            int(fields[11]) + int(fields[12]),
            int(fields[13]) + int(fields[14]),
        )
    return found


def _tree(processes: dict, root: int) -> int:
    """Ticks of ``root`` with its waited-for children, and its live children's own."""
    if root not in processes:
        return 0
    _parent, _name, own, waited = processes[root]
    children = sum(info[2] + info[3] for info in processes.values() if info[0] == root)
    return own + waited + children


def _busy_ticks() -> int:
    fields = Path("/proc/stat").read_text().splitlines()[0].split()[1:]
    user, nice, system, _idle, _iowait, irq, softirq, steal = (int(x) for x in fields[:8])
    return user + nice + system + irq + softirq + steal


@dataclass(frozen=True)
class Sample:
    seconds: float
    gunicorn: int
    locust: int
    postgres: int
    busy: int


def sample(gunicorn: int, locust: int, seconds: float) -> Sample:
    """Ticks so far of gunicorn's master ``gunicorn`` (with workers), of ``locust``, of
    every postgres process, and of the machine as a whole."""
    processes = _processes()
    postgres = sum(
        own + waited
        for _parent, name, own, waited in processes.values()
        if name.startswith("postgres")
    )
    return Sample(
        seconds, _tree(processes, gunicorn), _tree(processes, locust), postgres, _busy_ticks()
    )


def shares(before: Sample, after: Sample) -> dict[str, float]:
    """Percent of one CPU each used between the two samples."""
    span = (after.seconds - before.seconds) * TICKS
    if span <= 0:
        return {}
    parts = {
        "gunicorn": after.gunicorn - before.gunicorn,
        "postgresql": after.postgres - before.postgres,
        "locust": after.locust - before.locust,
    }
    if parts["postgresql"] < 0:
        # The server was restarted in between: the old one's time is gone with it.
        del parts["postgresql"]
    parts["everything else"] = max(0, (after.busy - before.busy) - sum(parts.values()))
    parts["the whole machine"] = after.busy - before.busy
    return {name: round(100 * ticks / span) for name, ticks in parts.items()}
