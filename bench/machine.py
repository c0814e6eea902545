"""What else the machine is doing while a benchmark measures: figures depend on it."""

from __future__ import annotations

import os
import time
from pathlib import Path


def load_average() -> str:
    return " ".join(f"{value:.2f}" for value in os.getloadavg())


def busy_processes(interval: float = 1.0, threshold: float = 10.0) -> str:
    """Processes other than this one and its children that used more than ``threshold`` %
    of a CPU over ``interval`` seconds: what else was running during the measurement."""
    mine = {os.getpid()}

    def sample() -> dict[int, tuple[int, str, int]]:
        found = {}
        for entry in Path("/proc").iterdir():
            if not entry.name.isdigit():
                continue
            try:
                stat = (entry / "stat").read_text()
                command = (entry / "cmdline").read_bytes().replace(b"\0", b" ").decode()
            except OSError:
                continue
            name_end = stat.rindex(")")
            fields = stat[name_end + 2 :].split()
            # utime + stime (fields 14 and 15 of proc(5)); ppid is field 4.
            found[int(entry.name)] = (
                int(fields[11]) + int(fields[12]),
                command.strip() or stat[stat.index("(") + 1 : name_end],
                int(fields[1]),
            )
        return found

    first = sample()
    time.sleep(interval)
    second = sample()
    ticks = os.sysconf("SC_CLK_TCK") * interval
    # This process and its descendants (gunicorn, its workers, locust) are not "else".
    grew = True
    while grew:
        children = {pid for pid, (_cpu, _command, parent) in second.items() if parent in mine}
        grew = not children <= mine
        mine |= children
    busy = []
    for pid, (cpu, command, _parent) in second.items():
        if pid in mine or pid not in first:
            continue
        percent = (cpu - first[pid][0]) / ticks * 100
        if percent >= threshold:
            busy.append((percent, pid, command[:80]))
    return "; ".join(
        f"{command} (pid {pid}, {percent:.0f}%)"
        for percent, pid, command in sorted(busy, reverse=True)
    )
