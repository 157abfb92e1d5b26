"""The command line's conventions (issue 16): help on every option, `kb --version`, `--json`
on every command that prints data, `kb serve -a` checked before building, and `kb search`
output (matches in colour on a terminal only, source files, an empty query refused)."""
from __future__ import annotations

import argparse
import json
import re
import shutil
import socket
import time
from importlib.metadata import version
from pathlib import Path

import pytest

from kb_builder import cli
from kb_builder.search import Hit

from test_accounting import HOSTILE, kb

REPO = Path(__file__).resolve().parents[1]


def _subcommands() -> dict[str, argparse.ArgumentParser]:
    parser = cli.build_parser()
    action = next(a for a in parser._actions if isinstance(a, argparse._SubParsersAction))
    return dict(action.choices)


def test_every_option_and_argument_has_help():
    missing = []
    for name, parser in {"kb": cli.build_parser(), **_subcommands()}.items():
        for action in parser._actions:
            if isinstance(action, (argparse._HelpAction, argparse._SubParsersAction)):
                continue
            if not (action.help or "").strip():
                missing.append(f"{name} {'/'.join(action.option_strings) or action.dest}")
    assert missing == []


def test_json_on_every_command_that_prints_data():
    commands = _subcommands()
    printing = {"build", "init", "check", "new", "export", "tags", "search", "index"}
    assert printing | {"serve"} == set(commands)  # serve prints only MkDocs' log
    for name in printing:
        assert any("--json" in a.option_strings for a in commands[name]._actions), name


def test_version_comes_from_the_package_metadata():
    proc = kb("--version")
    assert proc.returncode == 0 and proc.stdout.strip() == f"kb {version('kb-builder')}"


def test_serve_reports_a_busy_port_before_building(tmp_path):
    with socket.socket() as taken:
        taken.bind(("127.0.0.1", 0))
        taken.listen()
        port = taken.getsockname()[1]
        started = time.monotonic()
        proc = kb("serve", "--content", str(HOSTILE), "-a", f"127.0.0.1:{port}", timeout=120)
        seconds = time.monotonic() - started
    assert proc.returncode == 1, proc.stderr[-2000:]
    assert f"127.0.0.1:{port} is already in use" in proc.stderr
    assert f"kb serve -a 127.0.0.1:{port + 1}" in proc.stderr  # what to do instead
    assert "Building documentation" not in proc.stderr and "Traceback" not in proc.stderr
    assert seconds < 60


def test_dev_addr_parsing():
    from kb_builder import ports

    assert ports.split_address("127.0.0.1:8000") == ("127.0.0.1", 8000)
    assert ports.split_address("[::1]:8001") == ("::1", 8001)
    assert ports.split_address(":8002") == ("127.0.0.1", 8002)
    for bad in ("8000", "localhost:", "host:port", "127.0.0.1:70000"):
        with pytest.raises(ValueError):
            ports.split_address(bad)


# --------------------------------------------------------------------------- kb search

@pytest.fixture(scope="module")
def content(tmp_path_factory) -> Path:
    root = tmp_path_factory.mktemp("search-cli")
    shutil.copytree(HOSTILE, root / "content")
    return root


def test_search_colours_matches_only_on_request_or_a_terminal(content):
    from kb_builder import search_output

    plain = kb("search", "配置", "--content", "content", cwd=content)
    coloured = kb("search", "配置", "--content", "content", "--color", "always", cwd=content)
    assert plain.returncode == coloured.returncode == 0, plain.stderr
    assert "\x1b" not in plain.stdout and "**" in plain.stdout  # off a terminal: marks, no escapes
    assert search_output.MATCH in coloured.stdout
    # Every escape sequence in the coloured output is one kb put there (entry text is cleaned first).
    codes = set(re.findall(r"\x1b\[[0-9;]*m", coloured.stdout))
    assert codes <= {search_output.BOLD, search_output.DIM, search_output.MATCH, search_output.RESET}
    assert "\x1b]" not in coloured.stdout and "\x07" not in coloured.stdout


def test_search_shows_each_hits_source_file(content):
    proc = kb("search", "payload", "--content", "content", cwd=content)
    assert re.search(r"^    q/\S+/  content/body_payloads\.md$", proc.stdout, re.M), proc.stdout
    hits = json.loads(kb("search", "payload", "--content", "content", "--json", cwd=content).stdout)
    assert hits and all(h["source"].startswith("content/") for h in hits)


@pytest.mark.parametrize("query", ["", "   ", "\t\n"])
def test_search_rejects_an_empty_query(content, query):
    proc = kb("search", query, "--content", "content", cwd=content)
    assert proc.returncode == 2 and "the query is empty" in proc.stderr and proc.stdout == ""


class _Terminal:
    def __init__(self, tty: bool):
        self.tty = tty

    def isatty(self) -> bool:
        return self.tty


def test_colour_choice(monkeypatch):
    from kb_builder import search_output

    monkeypatch.delenv("NO_COLOR", raising=False)
    monkeypatch.setenv("TERM", "xterm-256color")
    assert search_output.use_colour("auto", _Terminal(True))
    assert not search_output.use_colour("auto", _Terminal(False))
    assert search_output.use_colour("always", _Terminal(False)) and not search_output.use_colour("never", _Terminal(True))
    monkeypatch.setenv("NO_COLOR", "1")
    assert not search_output.use_colour("auto", _Terminal(True))


def test_passage_escapes_entry_text_and_marks_matches():
    from kb_builder import search_output

    hit = Hit(id="x", title="t\x1b[2J", url="q/x/", score=1.0, highlight="",
              snippet="before <mark>match</mark> &lt;b&gt; \x1b]52;c;payload\x07 after")
    text = search_output.format_hits([hit], "match", {"x": "content/x.md"}, colour=True)
    assert f"{search_output.MATCH}match{search_output.RESET}" in text and "<b>" in text
    assert "\x1b]" not in text and "\x07" not in text and "\\x1b[2J" in text
    assert "content/x.md" in search_output.format_hits([hit], "match", {"x": "content/x.md"})


# --------------------------------------------------------------------------- --json elsewhere

def test_new_and_check_print_json(content):
    proc = kb("new", "配置 NacosException 怎么处理", "--content", "content", "--json", "--dry-run", cwd=content)
    assert proc.returncode == 0, proc.stderr
    plan = json.loads(proc.stdout)
    assert plan["created"] is False and plan["text"].startswith("---\n") and plan["path"].startswith("content/")
    assert plan["similar"] and {"id", "title", "url", "path", "near_identical"} <= set(plan["similar"][0])
    proc = kb("new", "配置 NacosException 怎么处理", "--content", "content", "--json", cwd=content)
    created = json.loads(proc.stdout)
    assert proc.returncode == 0 and created["created"] is True and (content / created["path"]).is_file()
    again = kb("new", "配置 NacosException 怎么处理", "--content", "content", "--json", cwd=content)
    assert again.returncode == 1 and json.loads(again.stdout)["created"] is False  # near-identical: never asks
    (content / created["path"]).unlink()
    check = kb("check", "content", "--json", cwd=content)
    assert isinstance(json.loads(check.stdout), (dict, list))
