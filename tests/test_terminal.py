"""Terminal and CI-log injection (issue 14, item 6): entry text and file names reach
`kb search`, `kb tags`, `kb build` and `kb check` output with every control character
escaped; `--format github` also escapes what workflow commands require, so a file name
with a newline cannot start a `::command` line.
"""
from __future__ import annotations

import json
import re
from pathlib import Path

import pytest

from kb_builder.terminal import clean, clean_json, clean_lines

from test_accounting import kb

# Any control character a terminal or a log viewer acts on (C0 but newline, DEL, C1,
# separators, bidi controls).
RAW_CONTROL = re.compile("[\x00-\x09\x0b-\x1f\x7f-\x9f\u2028\u2029\u202a-\u202e\u2066-\u2069]")
CLEAR = "\x1b[2J\x1b[H"
CLIPBOARD = "\x1b]52;c;ZXZpbA==\x07"
LINK = "\x1b]8;;https://evil.example/\x1b\\click\x1b]8;;\x1b\\"
EVIL_NAME = "bad\n::error file=evil.md::x.md"


def test_clean_escapes_every_control_character():
    text = f"a{CLEAR}b{CLIPBOARD}c\x9b31m\u2028\u202eevil\u2066\nnext\r\t"
    out = clean(text)
    assert RAW_CONTROL.search(out) is None and "\n" not in out
    assert out == ("a\\x1b[2J\\x1b[Hb\\x1b]52;c;ZXZpbA==\\x07c\\x9b31m\\u2028\\u202eevil\\u2066\\nnext\\r\\t")
    assert clean("中文 café ✓") == "中文 café ✓"
    assert clean_lines(["one\x1b", "two\nthree"]) == "one\\x1b\ntwo\\nthree"


def test_clean_json_stays_the_same_json():
    value = {"title": "x\x7f\x85\x9b\u2028\u202e\x1b\ny"}
    dumped = clean_json(json.dumps(value, ensure_ascii=False, indent=2))
    assert RAW_CONTROL.search(dumped) is None
    assert json.loads(dumped) == value


def _entry(title_yaml: str, body: str, entry_id: str, tags: str = '["nacos"]') -> str:
    return f'---\nid: {entry_id}\ntitle: {title_yaml}\ntags: {tags}\n---\n\n## Question\n\n{body}\n\n## Answer\n\n{body}\n'


@pytest.fixture(scope="module")
def hostile_content(tmp_path_factory) -> Path:
    """Entries whose title (YAML escapes), tags, body and references carry ESC sequences,
    C1 and bidi controls, plus files whose names do."""
    content = tmp_path_factory.mktemp("terminal") / "content"
    content.mkdir()
    # YAML double-quoted strings allow \e, \x9b, \u202e, \L (U+2028).
    (content / "escape-title.md").write_text(_entry(
        r'"Heartbeat \e[2J\e[H cleared \e]52;c;ZXZpbA==\a \x9b31m \u202eevil \L end"',
        f"heartbeat answer {CLIPBOARD} {LINK} text", "escape-title",
        tags=r'["nacos", "tag\e[31m-red", "bidi\u202etag"]'), encoding="utf-8")
    (content / "refs.md").write_text(_entry(
        '"References with escapes"\n"key\\u202ebidi": 1', "heartbeat body", "refs") +
        f"\n## References\n\n* an unresolved reference {CLEAR} here\n", encoding="utf-8")
    (content / EVIL_NAME).write_text("not an entry: no front-matter\n", encoding="utf-8")
    (content / f"esc{CLEAR}name.md").write_text("---\nid: [broken\n---\n", encoding="utf-8")
    return content


def _assert_clean(output: str) -> None:
    assert RAW_CONTROL.search(output) is None, repr(RAW_CONTROL.search(output))
    for line in output.splitlines():
        assert not line.startswith("::"), line


def test_kb_search_output_is_escaped(hostile_content):
    proc = kb("search", "heartbeat", "--content", str(hostile_content))
    assert proc.returncode == 0, proc.stderr[-2000:]
    _assert_clean(proc.stdout)
    assert "\\x1b]52;c;" in proc.stdout and "Heartbeat" in proc.stdout  # from the answer


def test_kb_search_json_is_escaped(hostile_content):
    proc = kb("search", "heartbeat", "--json", "--content", str(hostile_content))
    assert proc.returncode == 0
    _assert_clean(proc.stdout)
    titles = [hit["title"] for hit in json.loads(proc.stdout)]
    assert any("\u202e" in t and "\u2028" in t for t in titles)  # the JSON value is unchanged


def test_kb_tags_output_is_escaped(hostile_content):
    proc = kb("tags", "--content", str(hostile_content))
    assert proc.returncode == 0, proc.stderr[-2000:]
    _assert_clean(proc.stdout)
    proc = kb("tags", "--json", "--content", str(hostile_content))
    assert proc.returncode == 0
    _assert_clean(proc.stdout)
    json.loads(proc.stdout)


def test_kb_build_summary_is_escaped(hostile_content, tmp_path):
    proc = kb("build", "--content", str(hostile_content), "--site-dir", str(tmp_path / "site"))
    assert proc.returncode == 0, proc.stderr[-2000:]
    _assert_clean(proc.stdout)
    _assert_clean(proc.stderr)
    assert "skipped bad\\n::error file=evil.md::x.md" in proc.stdout
    assert "an unresolved reference \\x1b[2J" in proc.stdout


@pytest.mark.parametrize("fmt", ["text", "json", "github"])
def test_kb_check_output_is_escaped(hostile_content, fmt):
    proc = kb("check", str(hostile_content), "--format", fmt)
    assert proc.returncode == 1, proc.stderr[-2000:]  # the broken files are errors
    assert "Traceback" not in proc.stderr
    if fmt == "github":
        lines = proc.stdout.splitlines()
        assert lines and all(re.match(r"::(error|warning|notice) file=[^:,]*(,line=\d+)?,title=[^:]*::", line)
                             for line in lines), proc.stdout
        assert RAW_CONTROL.search(proc.stdout) is None
        assert "bad%0A%3A%3Aerror file=evil.md%3A%3Ax.md" in proc.stdout
    else:
        _assert_clean(proc.stdout)
    if fmt == "json":
        assert EVIL_NAME in {f["path"].rsplit("/", 1)[-1] for f in json.loads(proc.stdout)["findings"]}
