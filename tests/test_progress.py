"""The build progress line (issue 6): drawn on a terminal, silent otherwise and with -q."""
from __future__ import annotations

import io
import re
import logging

from kb_builder.cli import build_parser
from kb_builder.progress import Progress


class _Tty(io.StringIO):
    def isatty(self) -> bool:
        return True


class _Clock:
    def __init__(self):
        self.now = 0.0

    def __call__(self) -> float:
        return self.now


def _run_stages(progress: Progress, clock: _Clock) -> None:
    progress("read", 0, 0)
    clock.now = 1.0
    progress("read", 883, 883)
    progress("tags", 883, 883)
    progress("links", 883, 883)
    progress("pages", 2116, 2116)
    for n in range(1, 2117):
        clock.now += 0.001
        progress("render", n, 2116)
    progress("index", 0, 883)
    clock.now += 2
    progress("index", 883, 883)


def test_terminal_shows_each_stage_and_clears_at_the_end():
    stream, clock = _Tty(), _Clock()
    with Progress("kb build", stream=stream, clock=clock) as progress:
        assert progress.enabled
        _run_stages(progress, clock)
        final = progress.line()
    out = stream.getvalue()
    assert "reading entries" in out and "883 entries read" in out
    assert "2116 pages generated" in out and re.search(r"rendering [1-9]\d*/2116", out)
    assert "2116 pages rendered" in final and "search index built" in final
    assert final.startswith("kb build: ") and final.endswith(" s")
    assert out.endswith("\r\x1b[K"), "the status line is wiped before the summary is printed"
    # a running count is throttled: far fewer redraws than reports
    assert out.count("\r\x1b[K") < 300


def test_silent_when_not_a_terminal_or_disabled():
    for stream, enabled in ((io.StringIO(), None), (_Tty(), False)):
        clock = _Clock()
        with Progress("kb build", stream=stream, enabled=enabled, clock=clock) as progress:
            _run_stages(progress, clock)
        assert stream.getvalue() == ""


def test_log_records_clear_the_line_first():
    stream = _Tty()
    logger = logging.getLogger("kbtest.progress")
    handler = logging.StreamHandler(stream)
    logger.addHandler(handler)
    logger.propagate = False
    try:
        with Progress("kb build", stream=stream, loggers=("kbtest.progress",)) as progress:
            progress("read", 10, 100)
            logger.warning("a warning")
        assert "\r\x1b[Ka warning\n" in stream.getvalue()
        assert not handler.filters, "the filter is removed when the build ends"
    finally:
        logger.removeHandler(handler)


def test_long_lines_are_cut_to_the_terminal_width(monkeypatch):
    import os

    monkeypatch.setattr("shutil.get_terminal_size", lambda fallback=(80, 24): os.terminal_size((30, 24)))
    stream, clock = _Tty(), _Clock()
    progress = Progress("kb build", stream=stream, clock=clock)
    _run_stages(progress, clock)
    for chunk in stream.getvalue().split("\r\x1b[K"):
        assert len(chunk) <= 29


def test_build_has_quiet_flag():
    args = build_parser().parse_args(["build", "-q"])
    assert args.quiet


def test_kb_build_shows_progress_only_on_a_terminal(tmp_path, repo_root, monkeypatch, capsys):
    """cmd_build wires the display into the real build: with -q nothing reaches stderr."""
    from kb_builder import cli

    site = tmp_path / "site"
    monkeypatch.chdir(repo_root)
    seen = []

    class Recording(Progress):
        def __call__(self, stage, done, total):
            seen.append((stage, done, total))
            super().__call__(stage, done, total)

    monkeypatch.setattr("kb_builder.progress.Progress", Recording)
    assert cli.main(["build", "--site-dir", str(site), "-q"]) == 0
    stages = [s for s, _, _ in seen]
    for stage in ("read", "tags", "links", "pages", "render", "index"):
        assert stage in stages, stages
    assert ("read", 15, 15) in seen
    err = capsys.readouterr().err
    assert "\r" not in err and "entries read" not in err
