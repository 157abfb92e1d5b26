"""Rendering a full build's pages in two processes.

MkDocs renders pages one after another.  For `kb build` the plugin forks once
everything is gathered (after the navigation exists): the parent and a child
each render their own share of the pages into the same temporary site
directory, so both cores work.  MkDocs' dirty mode is what skips a page: a page
the other process owns reports itself unmodified (`File.is_modified`), so it is
neither read nor rendered here.

This module knows nothing of MkDocs: it splits weighted work (`split`),
counts pages across the two processes (`SharedCounter`) and runs the child
(`Worker`).  `plugin.py` applies it to MkDocs' files.
"""
from __future__ import annotations

import gc
import heapq
import mmap
import os
import signal
import struct
import threading
from typing import Hashable, Iterable


def can_fork() -> bool:
    """Forking is safe and pays: a POSIX system, two cores or more, no other threads."""
    return hasattr(os, "fork") and (os.cpu_count() or 1) >= 2 and threading.active_count() == 1


def split(items: Iterable[tuple[Hashable, float]], shares: int = 2,
          head_start: Iterable[float] = ()) -> list[set]:
    """Split weighted items into `shares` sets of about equal total weight.

    `head_start[k]` is work share k has besides its items (e.g. the parent writes
    the browser index after rendering), so it gets that much less.  Greedy,
    heaviest first: within one item's weight of the best split."""
    starts = list(head_start) + [0.0] * shares
    heap = [(starts[k], k) for k in range(shares)]
    heapq.heapify(heap)
    out: list[set] = [set() for _ in range(shares)]
    for key, weight in sorted(items, key=lambda kw: -kw[1]):
        total, k = heapq.heappop(heap)
        out[k].add(key)
        heapq.heappush(heap, (total + weight, k))
    return out


class SharedCounter:
    """Integers both processes of a fork can add to (anonymous shared memory)."""

    def __init__(self, slots: int = 2):
        self._slots = slots
        self._mem = mmap.mmap(-1, 8 * slots)

    def add(self, slot: int, n: int = 1) -> None:
        # Each slot has one writer (its process), so no lock is needed.
        (value,) = struct.unpack_from("q", self._mem, 8 * slot)
        struct.pack_into("q", self._mem, 8 * slot, value + n)

    def total(self) -> int:
        return sum(struct.unpack_from("q", self._mem, 8 * k)[0] for k in range(self._slots))

    def close(self) -> None:
        self._mem.close()


class WorkerFailed(RuntimeError):
    pass


class Worker:
    """The forked child of a two-process render: `fork()` returns a Worker in the parent, None in the child."""

    EXIT_STRICT = 3  # the child logged warnings in strict mode

    def __init__(self, pid: int):
        self.pid = pid
        self._status: int | None = None

    @classmethod
    def fork(cls) -> "Worker | None":
        parent = os.getpid()
        # The child never collects what it inherits: the collector's passes would touch
        # (and so copy) every page of the parent's heap, and cost it seconds of CPU.
        held = gc.get_freeze_count() > 0  # frozen already (a restored build cache): stays so
        gc.freeze()
        pid = os.fork()
        if pid == 0:
            global _PARENT
            _PARENT = parent
            die_with_parent(parent)
            return None
        if not held:
            gc.unfreeze()
        return cls(pid)

    def wait(self) -> None:
        """Wait for the child; WorkerFailed unless it finished its pages."""
        if self._status is None:
            _, status = os.waitpid(self.pid, 0)
            self._status = os.waitstatus_to_exitcode(status)
        if self._status == self.EXIT_STRICT:
            raise WorkerFailed("warnings in strict mode while rendering pages in the second process")
        if self._status != 0:
            raise WorkerFailed(f"the second rendering process failed (exit status {self._status}); "
                               "its error is printed above")

    def kill(self) -> None:
        if self._status is not None:
            return
        try:
            os.kill(self.pid, signal.SIGKILL)
            _, status = os.waitpid(self.pid, 0)
            self._status = os.waitstatus_to_exitcode(status)
        except OSError:
            pass


_PARENT: int | None = None  # in a forked child: the parent's pid


def die_with_parent(parent: int) -> None:
    """In a child process (forked, or `kb serve`'s index writer): be killed when the
    parent dies (Linux), so a killed build leaves no process writing into its
    temporary directory."""
    import sys

    if sys.platform.startswith("linux"):
        try:
            import ctypes

            pr_set_pdeathsig = 1
            ctypes.CDLL(None, use_errno=True).prctl(pr_set_pdeathsig, signal.SIGKILL, 0, 0, 0)
        except (OSError, AttributeError):
            pass
    if os.getppid() != parent:  # died before the request took effect
        os._exit(1)


def in_child() -> bool:
    return _PARENT is not None and os.getpid() != _PARENT


def parent_gone() -> bool:
    """In a child: its parent died (e.g. the build was interrupted), so its work is moot."""
    return in_child() and os.getppid() != _PARENT


def exit_child(code: int) -> None:
    """End a forked child without running the parent's cleanup (atexit, finally blocks)."""
    import logging
    import sys

    for handler in logging.getLogger("mkdocs").handlers + logging.getLogger().handlers:
        try:
            handler.flush()
        except Exception:  # noqa: BLE001 - exiting anyway
            pass
    for stream in (sys.stdout, sys.stderr):
        try:
            stream.flush()
        except Exception:  # noqa: BLE001
            pass
    os._exit(code)
