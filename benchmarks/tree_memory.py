"""The memory of a process and all its descendants together, sampled while it runs.

Forked processes share pages, so their RSS values add up to more than the machine
gives them; the proportional set size (PSS, each shared page divided among the
processes that map it) adds up to what they use together.  Linux only: elsewhere the
sampler reports nothing.

    with TreeMemory(pid) as mem:
        ...wait for the process...
    mem.peak_pss  # bytes, the largest sum seen (0 when /proc has no smaps_rollup)
"""
from __future__ import annotations

import os
import threading
from pathlib import Path

PROC = Path("/proc")


def _parents() -> dict[int, int]:
    """Every process's parent (from /proc/<pid>/stat: the field after the command's ')')."""
    found: dict[int, int] = {}
    for name in os.listdir(PROC):
        if not name.isdigit():
            continue
        try:
            stat = (PROC / name / "stat").read_text()
            found[int(name)] = int(stat[stat.rindex(")") + 2:].split()[1])
        except (OSError, ValueError, IndexError):
            continue
    return found


def tree(pid: int) -> list[int]:
    """`pid` and every process below it."""
    below: dict[int, list[int]] = {}
    for child, parent in _parents().items():
        below.setdefault(parent, []).append(child)
    out, todo = [], [pid]
    while todo:
        p = todo.pop()
        out.append(p)
        todo += below.get(p, [])
    return out


def pss(pid: int) -> int:
    """The process's proportional set size in bytes (0 when it is gone or unreadable)."""
    try:
        text = (PROC / str(pid) / "smaps_rollup").read_text()
    except OSError:
        return 0
    for line in text.splitlines():
        if line.startswith("Pss:"):
            return int(line.split()[1]) * 1024
    return 0


class TreeMemory:
    """Samples the sum of PSS over `pid`'s process tree every `interval` seconds."""

    def __init__(self, pid: int, interval: float = 0.25):
        self.pid, self.interval = pid, interval
        self.peak_pss = 0
        self.peak_processes = 0
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._run, daemon=True)

    def sample(self) -> int:
        pids = tree(self.pid)
        total = sum(pss(p) for p in pids)
        if total > self.peak_pss:
            self.peak_pss, self.peak_processes = total, len(pids)
        return total

    def _run(self) -> None:
        while not self._stop.wait(self.interval):
            self.sample()

    def __enter__(self) -> "TreeMemory":
        if (PROC / "self" / "smaps_rollup").exists():
            self._thread.start()
        return self

    def __exit__(self, *exc) -> None:
        self._stop.set()
        if self._thread.is_alive():
            self._thread.join()
