"""A one-line progress display for long commands (`kb build`, `kb new`) on a terminal.

`Progress` is a `pipeline.ProgressFn`: call it with (stage, done, total). On a
terminal it redraws one status line on stderr, for example

    kb build: 883 entries read · tags · links · 2116 pages generated · rendering 530/2116 · 12.3 s

and clears it when the command ends, so the summary printed afterwards stands
alone. When stderr is not a terminal (CI logs, pipes) or with `-q` it prints
nothing at all. Log records of the `mkdocs` logger clear the line before they
are written, so warnings never end up glued to the status text.
"""
from __future__ import annotations

import logging
import os
import shutil
import sys
import time
from typing import Callable, TextIO

# stage -> (label when done, label while running); the stages of pipeline.gather/generate,
# the kb plugin (render, index) and `kb new` (read, index).
STAGES: dict[str, tuple[str, str]] = {
    "read": ("entries read", "reading entries"),
    "tags": ("tags", "normalising tags"),
    "links": ("links", "linking entries"),
    "pages": ("pages generated", "generating pages"),
    "render": ("pages rendered", "rendering"),
    "index": ("search index built", "building the search index"),
}
_COUNTED = {"read", "pages", "render"}  # stages whose count is worth showing once done


def _is_terminal(stream: TextIO) -> bool:
    try:
        return stream.isatty() and os.environ.get("TERM") != "dumb"
    except (AttributeError, ValueError):  # closed or not a real stream
        return False


class _ClearBeforeLog(logging.Filter):
    """Attached to log handlers: wipes the status line before a record is printed."""

    def __init__(self, progress: "Progress"):
        super().__init__()
        self.progress = progress

    def filter(self, record: logging.LogRecord) -> bool:
        self.progress.clear()
        return True


class Progress:
    """Callable progress reporter: `progress(stage, done, total)`.

    `enabled=None` means "when the stream is a terminal". `min_interval` limits
    redraws of a running count (stage changes and the final count always draw).
    """

    def __init__(self, title: str = "kb", stream: TextIO | None = None, enabled: bool | None = None,
                 min_interval: float = 0.1, clock: Callable[[], float] = time.monotonic,
                 loggers: tuple[str, ...] = ("mkdocs",)):
        self.title = title
        self.stream = stream if stream is not None else sys.stderr
        self.enabled = _is_terminal(self.stream) if enabled is None else bool(enabled)
        self.min_interval = min_interval
        self.clock = clock
        self.started = clock()
        self.done: dict[str, tuple[int, int]] = {}  # finished stages, in order
        self.current: tuple[str, int, int] | None = None
        self.shown = False  # a status line is on screen
        self._last_draw = float("-inf")
        self._loggers = loggers
        self._filters: list[tuple[logging.Handler, logging.Filter]] = []

    # -- the ProgressFn interface ---------------------------------------------------
    def __call__(self, stage: str, done: int, total: int) -> None:
        if not self.enabled:
            return
        finished = total > 0 and done >= total
        changed = self.current is None or self.current[0] != stage
        if self.current is not None and changed and self.current[0] not in self.done:
            # the previous stage did not report completion: count it as done where it stood
            prev, prev_done, prev_total = self.current
            self.done[prev] = (prev_done, prev_total)
        if finished:
            self.done[stage] = (done, total)
            self.current = (stage, done, total)
        else:
            self.done.pop(stage, None)
            self.current = (stage, done, total)
        now = self.clock()
        if changed or finished or now - self._last_draw >= self.min_interval:
            self._draw(now)

    # -- drawing ----------------------------------------------------------------------
    def line(self, now: float | None = None) -> str:
        """The status text (without terminal control characters)."""
        now = self.clock() if now is None else now
        parts = []
        for stage, (done, total) in self.done.items():
            label = STAGES.get(stage, (stage, stage))[0]
            parts.append(f"{done} {label}" if stage in _COUNTED and done else label)
        if self.current is not None and self.current[0] not in self.done:
            stage, done, total = self.current
            label = STAGES.get(stage, (stage, stage))[1]
            parts.append(f"{label} {done}/{total}" if total > 0 and done else f"{label}…")
        parts.append(f"{now - self.started:.1f} s")
        return f"{self.title}: " + " · ".join(parts)

    def _draw(self, now: float) -> None:
        width = max(shutil.get_terminal_size((80, 24)).columns - 1, 20)
        text = self.line(now)
        if len(text) > width:  # a wrapped line cannot be redrawn in place: keep the end
            text = "…" + text[-(width - 1):]
        try:
            self.stream.write("\r\x1b[K" + text)
            self.stream.flush()
        except (OSError, ValueError):
            self.enabled = False
            return
        self.shown = True
        self._last_draw = now

    def clear(self) -> None:
        """Remove the status line (before other output, and at the end)."""
        if self.enabled and self.shown:
            try:
                self.stream.write("\r\x1b[K")
                self.stream.flush()
            except (OSError, ValueError):
                self.enabled = False
            self.shown = False
            self._last_draw = float("-inf")  # redraw at the next report

    # -- context manager: hooks the loggers and clears the line at the end ---------------
    def __enter__(self) -> "Progress":
        if self.enabled:
            for name in self._loggers:
                for handler in logging.getLogger(name).handlers:
                    flt = _ClearBeforeLog(self)
                    handler.addFilter(flt)
                    self._filters.append((handler, flt))
        return self

    def __exit__(self, *exc) -> None:
        self.close()

    def close(self) -> None:
        for handler, flt in self._filters:
            handler.removeFilter(flt)
        self._filters.clear()
        self.clear()


def no_progress(stage: str, done: int, total: int) -> None:
    """A ProgressFn that does nothing."""
