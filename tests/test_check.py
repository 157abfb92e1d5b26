"""`kb check` on broken input (issue 7): every bad file is reported with a clear,
located message; nothing raises; valid-but-hostile entries still parse."""
from __future__ import annotations

import json
import os
import re
import subprocess
import sys
import time
import tracemalloc
from pathlib import Path

import pytest
import yaml
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from kb_builder.check import check_paths, exit_code, format_github, format_json, format_text
from kb_builder.frontmatter import Findings
from kb_builder.ingest import parse_text, read_corpus, read_entry
from kb_builder.model import Entry, Severity
from kb_builder.schema import SAFE_ID, safe_id_suggestion

REPO = Path(__file__).resolve().parents[1]
BAD = Path(__file__).resolve().parent / "fixtures" / "bad"
SHOWN = "tests/fixtures/bad"  # how paths appear when checked with the repository as base

# file -> (severity, kind, line, fragments the message must contain)
BAD_CASES = {
    "yaml_unclosed_quote.md": ("error", "yaml-syntax", 3, ["invalid YAML", "quoted scalar"]),
    "yaml_bad_indent.md": ("error", "yaml-syntax", 4, ["invalid YAML", "mapping values"]),
    "no_front_matter.md": ("error", "no-front-matter", 1, ["no front-matter", "---"]),
    "unclosed_front_matter.md": ("error", "no-front-matter", 1, ["never closed"]),
    "front_matter_list.md": ("error", "front-matter-type", 2, ["mapping", "not a list"]),
    "empty.md": ("error", "empty-file", None, ["empty"]),
    "binary.md": ("error", "binary-file", 1, ["binary"]),
    "invalid_utf8.md": ("error", "encoding", 15, ["invalid UTF-8", "0xff", "save the file as UTF-8"]),
    "gbk.md": ("warning", "encoding", 1, ["GBK", "UTF-8"]),
    "utf16_bom.md": ("warning", "encoding", 1, ["UTF-16", "UTF-8"]),
    "utf8_bom.md": ("warning", "encoding", 1, ["byte-order mark"]),
    "alias_bomb.md": ("error", "yaml-alias", 5, ["aliases"]),
    "id_dotdot.md": ("error", "unsafe-id", 2, ["'../x'", "not safe", "try 'x'"]),
    "id_slash.md": ("error", "unsafe-id", 2, ["'a/b'", "try 'a-b'"]),
    "id_spaces.md": ("error", "unsafe-id", 2, ["'my first entry'", "try 'my-first-entry'"]),
    "id_emoji.md": ("error", "unsafe-id", 2, ["not safe", "try 'nacos-faq'"]),
    "id_too_long.md": ("error", "unsafe-id", 2, ["221 characters", "at most 128", "such as 'very-long-id-"]),
    "date_invalid.md": ("error", "invalid-date", 4, ["2024-13-45", "YYYY-MM-DD"]),
    "tags_number.md": ("warning", "field-type", 5, ["'tags'", "42"]),
    "tags_mapping.md": ("error", "field-type", 5, ["'tags'", "mapping"]),
    "javascript_reference.md": ("warning", "unsafe-link", 18, ["click me", "javascript:alert(document.cookie)"]),
}
WARNING_ONLY = sorted(name for name, case in BAD_CASES.items() if case[0] == "warning")


def _check(*names: str):
    return check_paths([BAD / n for n in names], display_base=REPO)


def _main_findings(corpus, severity: str):
    return [f for f in corpus.findings if f.severity.value == severity and f.kind not in ("no-date", "no-tags")]


def test_every_bad_file_has_a_case():
    on_disk = {p.name for p in BAD.glob("*.md")}
    covered = set(BAD_CASES) | {"duplicate_id_a.md", "duplicate_id_b.md", "xss_fields.md"}
    assert on_disk == covered


@pytest.mark.parametrize("name", sorted(BAD_CASES))
def test_bad_file_is_reported_with_location(name):
    severity, kind, line, fragments = BAD_CASES[name]
    corpus = _check(name)
    found = _main_findings(corpus, severity)
    assert len(found) == 1, [f.as_dict() for f in corpus.findings]
    finding = found[0]
    assert finding.kind == kind
    assert finding.path == f"{SHOWN}/{name}"
    assert finding.line == line
    for fragment in fragments:
        assert fragment in finding.message, finding.message
    text = format_text(corpus)
    assert f"{SHOWN}/{name}{':' + str(line) if line else ''}: {severity}: " in text
    if severity == "error":
        assert corpus.entries == ()
        assert exit_code(corpus.findings) == 1
        assert [s.path for s in corpus.skipped] == [f"{SHOWN}/{name}"]
    else:
        assert len(corpus.entries) == 1
        assert exit_code(corpus.findings) == 0


@pytest.mark.parametrize("name", ["id_dotdot.md", "id_slash.md", "id_spaces.md", "id_emoji.md", "id_too_long.md"])
def test_unsafe_id_suggestions_are_safe(name):
    (finding,) = _main_findings(_check(name), "error")
    suggestion = re.search(r"(?:try|such as) '([^']*)'", finding.message).group(1)
    assert SAFE_ID.match(suggestion) and ".." not in suggestion and len(suggestion) <= 128


@pytest.mark.parametrize("raw", ["../x", "a/b", "a..b", "..", "😀", "客户端", " x ", "A" * 500, "a\\b", "CON.txt"])
def test_safe_id_suggestion_is_always_safe(raw):
    suggestion = safe_id_suggestion(raw)
    assert SAFE_ID.match(suggestion) and ".." not in suggestion and len(suggestion) <= 128


def test_decoded_files_keep_their_content():
    corpus = _check("gbk.md", "utf16_bom.md", "utf8_bom.md")
    by_id = {e.id: e for e in corpus.entries}
    assert by_id["gbk-entry"].title == "客户端无法连接服务端"
    assert "服务端端口" in by_id["gbk-entry"].answer
    assert by_id["utf16-entry"].title == "保存为 UTF-16 的条目"
    assert by_id["utf8-bom-entry"].title == "UTF-8 with a byte-order mark"


def test_tags_number_is_repaired():
    (entry,) = _check("tags_number.md").entries
    assert entry.tags == ("42",)


def test_javascript_reference_keeps_text_only():
    (entry,) = _check("javascript_reference.md").entries
    assert [(r.text, r.target) for r in entry.references] == [("click me", None), ("fine", "https://example.org/")]


def test_duplicate_id_names_both_files():
    corpus = _check("duplicate_id_a.md", "duplicate_id_b.md")
    (finding,) = _main_findings(corpus, "error")
    assert finding.kind == "duplicate-id"
    assert finding.path == f"{SHOWN}/duplicate_id_b.md" and finding.line == 2
    assert "'same-id'" in finding.message and f"{SHOWN}/duplicate_id_a.md:2" in finding.message
    assert [e.title for e in corpus.entries] == ["first file"]
    assert exit_code(corpus.findings) == 1


def test_ids_differing_only_in_case_collide(tmp_path):
    for name, id_ in (("a.md", "FAQ-1"), ("b.md", "faq-1")):
        (tmp_path / name).write_text(f"---\nid: {id_}\ntitle: t\n---\nanswer\n", encoding="utf-8")
    corpus = check_paths([tmp_path], display_base=tmp_path)
    (finding,) = _main_findings(corpus, "error")
    assert finding.kind == "duplicate-id" and "letter case" in finding.message and "a.md" in finding.message


def test_markup_in_fields_is_a_valid_entry():
    corpus = _check("xss_fields.md")
    assert corpus.errors == ()
    (entry,) = corpus.entries
    assert entry.title.startswith("<script>alert('title')</script>")
    assert entry.description == "<img src=x onerror=alert('description')>"
    assert entry.tags[:2] == ("<script>alert(1)</script>", "<img src=x onerror=alert(2)>")
    assert "<script>alert('question')</script>" in entry.question
    assert entry.answer.startswith("<img src=x onerror=")


def test_whole_bad_directory():
    corpus = check_paths([BAD], display_base=REPO)
    errors = {f.path.rsplit("/", 1)[-1] for f in corpus.errors}
    expected = {n for n, c in BAD_CASES.items() if c[0] == "error"} | {"duplicate_id_b.md"}
    assert errors == expected
    assert {e.id for e in corpus.entries} >= {"xss-fields", "gbk-entry", "same-id", "javascript-reference"}
    assert exit_code(corpus.findings) == 1


# --------------------------------------------------------------------------- generated at test time

def test_huge_entry_is_rejected_without_reading(tmp_path):
    path = tmp_path / "huge.md"
    head = b"---\nid: huge\ntitle: huge\n---\n"
    path.write_bytes(head + b"x" * (5 * 1024 * 1024 - len(head)))
    started = time.perf_counter()
    corpus = check_paths([path], display_base=tmp_path)
    assert time.perf_counter() - started < 1
    (finding,) = corpus.errors
    assert finding.kind == "file-too-large" and "5.0 MB" in finding.message and finding.path == "huge.md"


def test_bigger_alias_bomb_is_rejected_quickly(tmp_path):
    lines = ['a0: &a0 ["lol","lol","lol","lol","lol","lol","lol","lol","lol","lol"]']
    lines += [f"a{i}: &a{i} [" + ",".join([f"*a{i - 1}"] * 10) + "]" for i in range(1, 30)]
    path = tmp_path / "bomb.md"
    path.write_text("---\nid: bomb\ntitle: t\n" + "\n".join(lines) + "\n---\nanswer\n", encoding="utf-8")
    tracemalloc.start()
    started = time.perf_counter()
    try:
        corpus = check_paths([path], display_base=tmp_path)
        elapsed = time.perf_counter() - started
        peak = tracemalloc.get_traced_memory()[1]
    finally:
        tracemalloc.stop()
    assert [f.kind for f in corpus.errors] == ["yaml-alias"]
    assert elapsed < 1 and peak < 20 * 1024 * 1024


@pytest.mark.parametrize(
    "front_matter, kind, line",
    [
        ("id: deep\ntitle: t\ntags: " + "[" * 3000 + "]" * 3000, "yaml-depth", 2),
        ("id: deep\ntitle: t\ntags: " + "[" * 60 + "]" * 60, "yaml-depth", 2),
        ("id: a\ntitle: t\nx: !!timestamp 2024-99-99", "yaml-value", 2),
        ("id: a\ntitle: t\nx: !!python/object:os.system ls", "yaml-syntax", 4),
        ("id: a\ntitle: t\nx: \"\x07\"", "yaml-syntax", 4),
        ("id: a\ntitle: t\n1: x", "front-matter-type", 4),
        ("id: a\ntitle: t\n~: x", "front-matter-type", 4),
        ("id: a\ntitle:\n", "missing-field", 3),
        ("title: t", "missing-field", 1),
        ("", "front-matter-empty", 2),
    ],
)
def test_hostile_front_matter(front_matter, kind, line):
    findings = Findings("x.md")
    assert parse_text(f"---\n{front_matter}\n---\nanswer\n", "x.md", findings) is None
    errors = [f for f in findings if f.severity is Severity.ERROR]
    assert [(f.kind, f.line) for f in errors][:1] == [(kind, line)], [f.as_dict() for f in findings]


@pytest.mark.parametrize(
    "line",
    [
        "## x" + " " * 20000 + "#" * 20000 + " " * 20000 + "a",  # was cubic in the heading pattern
        "[" * 200000,  # was quadratic in the link pattern
        "[a](" + "(" * 200000,
        "## " + "<" * 200000,
        "<font " + "-" * 200000,
    ],
    ids=["heading-hashes", "brackets", "parens", "angles", "font"],
)
def test_pathological_lines_parse_quickly(line):
    text = "---\nid: slow\ntitle: t\ntags: [x]\ndate: 2024-01-01\n---\n## Question\nq\n## Answer\n" + \
        (line + "\n") * 3 + "## References\n" + line + "\n"
    started = time.perf_counter()
    findings = Findings("x.md")
    entry = parse_text(text, "x.md", findings)
    assert time.perf_counter() - started < 2
    assert entry is not None


def test_duplicate_keys_warn_with_both_lines():
    findings = Findings("x.md")
    entry = parse_text("---\nid: a\ntitle: first\ntitle: second\ntags: [x]\ndate: 2024-01-01\n---\nanswer\n", "x.md", findings)
    assert entry is not None and entry.title == "second"
    (finding,) = [f for f in findings if f.kind == "duplicate-key"]
    assert finding.line == 4 and "line 3" in finding.message


def test_utf16_without_bom_is_named(tmp_path):
    path = tmp_path / "u16.md"
    path.write_bytes("---\nid: a\ntitle: t\n---\nanswer\n".encode("utf-16-le"))
    (finding,) = read_entry(path, "u16.md").findings
    assert finding.kind == "encoding" and "UTF-16" in finding.message


def test_missing_path_is_reported_once(tmp_path):
    corpus = check_paths([tmp_path / "nope.md"], display_base=tmp_path)
    assert [f.kind for f in corpus.findings] == ["not-found"]


# --------------------------------------------------------------------------- output formats

def test_format_json_counts_and_locates():
    corpus = check_paths([BAD], display_base=REPO)
    data = json.loads(format_json(corpus))
    assert data["files"] == corpus.files_seen
    assert data["entries"] == len(corpus.entries)
    assert data["errors"] == len(corpus.errors) == 17
    assert data["by_kind"]["error:unsafe-id"] == 5
    assert data["by_kind"]["warning:encoding"] == 3
    quote = next(f for f in data["findings"] if f["path"].endswith("yaml_unclosed_quote.md"))
    assert quote == {**quote, "severity": "error", "kind": "yaml-syntax", "line": 3}


def test_format_github_one_annotation_per_finding():
    corpus = check_paths([BAD], display_base=REPO)
    lines = format_github(corpus).splitlines()
    assert len(lines) == len(corpus.findings)
    assert f"::error file={SHOWN}/yaml_bad_indent.md,line=4,title=kb check%3A yaml-syntax::invalid YAML" in "\n".join(lines)
    assert any(l.startswith(f"::warning file={SHOWN}/utf8_bom.md,line=1,") for l in lines)
    for line in lines:
        assert re.match(r"::(error|warning|notice) file=[^,:]+(,line=\d+)?,title=[^:]+::", line), line


def test_format_github_escapes_newlines():
    findings = Findings("x.md")
    parse_text("---\nid: a\ntitle: t\nx: [\n---\nanswer\n", "x.md", findings)
    from kb_builder.model import Corpus

    text = format_github(Corpus((), tuple(findings), (), 1))
    assert len(text.splitlines()) == len(findings)


def test_format_text_summary_by_kind():
    text = format_text(check_paths([BAD], display_base=REPO))
    assert re.search(r"\d+ files checked, 7 valid entries, 17 errors, 5 warnings", text)
    assert "errors by kind: " in text and "unsafe-id 5" in text
    assert "warnings by kind: encoding 3, field-type 1, unsafe-link 1" in text


@pytest.mark.corpus
def test_check_real_corpus(corpus_dir):
    corpus = check_paths([corpus_dir])
    assert len(corpus.entries) == 883 and corpus.errors == ()
    assert exit_code(corpus.findings) == 0
    assert "883 files checked, 883 valid entries, 0 errors" in format_text(corpus)


# --------------------------------------------------------------------------- CLI

def _kb(*args: str, cwd: Path = REPO) -> subprocess.CompletedProcess:
    env = {**os.environ, "PYTHONPATH": str(REPO) + os.pathsep + os.environ.get("PYTHONPATH", "")}
    return subprocess.run([sys.executable, "-m", "kb_builder", "check", *args], cwd=cwd, env=env,
                          capture_output=True, text=True, timeout=300)


@pytest.mark.parametrize("name", ["yaml_unclosed_quote.md", "alias_bomb.md", "binary.md", "id_dotdot.md"])
def test_cli_exits_1_on_errors(name):
    proc = _kb(f"{SHOWN}/{name}")
    assert proc.returncode == 1, proc.stderr
    severity, kind, line, _ = BAD_CASES[name]
    assert f"{SHOWN}/{name}:{line}: error: " in proc.stdout + proc.stderr


@pytest.mark.parametrize("name", WARNING_ONLY)
def test_cli_exits_0_on_warnings_only(name):
    proc = _kb(f"{SHOWN}/{name}")
    assert proc.returncode == 0, proc.stdout + proc.stderr
    assert f"{SHOWN}/{name}:" in proc.stdout + proc.stderr


def test_cli_duplicate_ids_across_arguments():
    proc = _kb(f"{SHOWN}/duplicate_id_a.md", f"{SHOWN}/duplicate_id_b.md")
    assert proc.returncode == 1
    assert "duplicate_id_a.md" in proc.stdout and "duplicate_id_b.md" in proc.stdout


def test_cli_sample_content_warning_summary():
    proc = _kb("content")
    assert proc.returncode == 0, proc.stdout + proc.stderr
    assert "0 errors" in proc.stdout and "warnings by kind: no-tags 1" in proc.stdout


@pytest.mark.corpus
def test_cli_real_corpus(corpus_dir):
    proc = _kb(str(corpus_dir))
    assert proc.returncode == 0, proc.stdout[-2000:] + proc.stderr[-2000:]
    assert re.search(r"883 files checked, 883 valid entries, 0 errors, 0 warnings", proc.stdout)


# --------------------------------------------------------------------------- properties

def _assert_outcome(entry, findings, text: str | None = None):
    errors = [f for f in findings if f.severity is Severity.ERROR]
    if entry is None:
        assert errors, "a rejected file must say why"
    else:
        assert isinstance(entry, Entry) and not errors
        assert SAFE_ID.match(entry.id) and entry.title
    for f in findings:
        assert f.path == "x.md" and f.message
        if f.line is not None:
            assert f.line >= 1
            if text is not None:
                assert f.line <= text.count("\n") + 2, (f.as_dict(), text)


_scalars = st.one_of(st.none(), st.booleans(), st.integers(), st.floats(allow_nan=True), st.text(max_size=30),
                     st.dates().map(str))
_values = st.recursive(_scalars, lambda inner: st.lists(inner, max_size=4)
                       | st.dictionaries(st.text(max_size=8), inner, max_size=4), max_leaves=12)
_keys = st.one_of(st.sampled_from(["id", "title", "date", "tags", "keywords", "category", "description", "lang"]),
                  st.text(max_size=12))


@settings(max_examples=300, deadline=None)
@given(st.dictionaries(_keys, _values, max_size=8), st.text(max_size=200))
def test_random_front_matter_mapping_never_raises(mapping, body):
    text = "---\n" + yaml.safe_dump(mapping, allow_unicode=True) + "---\n" + body
    findings = Findings("x.md")
    entry = parse_text(text, "x.md", findings)
    _assert_outcome(entry, findings, text)


_yaml_bits = st.sampled_from([
    "id: ", "title: ", "tags: ", "date: ", "\n", "  ", "- ", "[", "]", "{", "}", ",", ":", "'", '"', "&a ", "*a",
    "!!binary ", "!!timestamp ", "!!python/name:os ", "? ", "|\n", ">\n", "#", "%YAML 1.1\n", "---\n", "...\n",
    "2024-13-45", "0x1F", "~", "yes", "\t", "\\", "\x00", "\ufeff", "客户端", "😀", "a", "1",
])


@settings(max_examples=500, deadline=None)
@given(st.one_of(st.text(max_size=300), st.lists(_yaml_bits, max_size=40).map("".join)),
       st.sampled_from(["", "## Question\nq\n## Answer\na\n", "## 用户问题 ：\nq\n## 专家官方解答 ：\na\n"]))
def test_random_yaml_text_never_raises(fm_text, body):
    text = "---\n" + fm_text + "\n---\n" + body
    findings = Findings("x.md")
    entry = parse_text(text, "x.md", findings)
    _assert_outcome(entry, findings, text)


@settings(max_examples=300, deadline=None)
@given(st.text(max_size=400))
def test_random_text_never_raises(text):
    findings = Findings("x.md")
    entry = parse_text(text, "x.md", findings)
    _assert_outcome(entry, findings, text)


_byte_prefixes = st.sampled_from([b"", b"\xef\xbb\xbf", b"\xff\xfe", b"\xfe\xff", b"---\n", b"---\nid: a\ntitle: t\n---\n"])


@settings(max_examples=300, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(_byte_prefixes, st.binary(max_size=600))
def test_random_bytes_never_raise(tmp_path, prefix, data):
    path = tmp_path / "x.md"
    path.write_bytes(prefix + data)
    result = read_entry(path, "x.md")
    _assert_outcome(result.entry, result.findings)
    corpus = read_corpus(tmp_path)
    format_text(corpus), format_json(corpus), format_github(corpus)
