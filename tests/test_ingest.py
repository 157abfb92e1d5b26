"""Reading entries: golden fixtures (data, not code), the sample content and the real corpus."""
from __future__ import annotations

import json
import re
import subprocess
import sys
from pathlib import Path

import pytest
from conftest import missing_expected

from kb_builder.frontmatter import Findings, decode, split_front_matter
from kb_builder.ingest import read_corpus, read_entry
from kb_builder.sections import parse_references, split_sections
from kb_builder.model import Severity

FIXTURES = Path(__file__).resolve().parent / "fixtures" / "content"
CASES = sorted(p.stem for p in FIXTURES.glob("*.md"))
BOILERPLATE = ("答疑服务说明", "差评", "<font", "### 反馈")


def test_every_fixture_has_expected_output():
    assert len(CASES) >= 9
    assert missing_expected(FIXTURES, CASES, ".expected.json") == []


@pytest.mark.parametrize("name", CASES)
def test_fixture_matches_expected(name):
    expected = json.loads((FIXTURES / f"{name}.expected.json").read_text(encoding="utf-8"))
    result = read_entry(FIXTURES / f"{name}.md", f"{name}.md")
    entry = result.entry
    assert entry is not None, [f.message for f in result.findings]
    assert entry.source_path == f"{name}.md"
    for key in ("id", "title", "question", "form", "date", "category", "description", "lang"):
        if key in expected:
            assert getattr(entry, key) == expected[key], key
    if "answer" in expected:
        assert entry.answer == expected["answer"]
    if "answer_startswith" in expected:
        assert entry.answer.startswith(expected["answer_startswith"]), entry.answer
    for fragment in expected.get("answer_not_contains", ()):
        assert fragment not in entry.answer
    assert list(entry.tags) == expected["tags"]
    assert list(entry.keywords) == expected["keywords"]
    assert [[r.text, r.target] for r in entry.references] == expected["references"]
    if "findings" in expected:
        got = sorted(f"{f.severity.value}:{f.kind}" for f in result.findings if f.severity is not Severity.INFO)
        assert got == sorted(expected["findings"])
    for marker in BOILERPLATE:
        assert marker not in entry.answer
        assert marker not in entry.question


# --------------------------------------------------------------------------- units

def test_front_matter_line_numbers_count_from_the_file():
    text = "---\nid: a\ntitle: t\n---\nbody line\n"
    fm_text, body, body_line = split_front_matter(text)
    assert fm_text == "id: a\ntitle: t\n"
    assert body == "body line\n"
    assert body_line == 5


def test_unclosed_front_matter_is_not_split():
    assert split_front_matter("---\nid: a\ntitle: t\n") is None
    assert split_front_matter("no front matter\n---\n") is None


def test_sections_drop_boilerplate_but_keep_fenced_headings():
    body = "## Question\nq?\n## Answer\n```\n## 答疑服务说明\n```\nreal answer\n## 答疑服务说明\nnotice\n"
    sections = split_sections(body, 10)
    assert sections.question == "q?"
    assert "real answer" in sections.answer and "## 答疑服务说明" in sections.answer
    assert "notice" not in sections.answer
    assert sections.answer_line == 12


def test_references_parse_links_and_bare_titles():
    block = '*[Doc](https://example.org/a "title")\n * 专家经验：Some entry \n- [x](<./b.md>)\n1. plain'
    refs = parse_references(block)
    assert [(r.text, r.target) for r in refs] == [
        ("Doc", "https://example.org/a"),
        ("专家经验：Some entry", None),
        ("x", "./b.md"),
        ("plain", None),
    ]


@pytest.mark.parametrize(
    "data, kind",
    [
        (b"", "empty-file"),
        (b"  \n\t\n", "empty-file"),
        (b"\xef\xbb\xbf", "empty-file"),
        (b"\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR", "binary-file"),
        ("---\nid: a\n".encode("utf-16-le"), "encoding"),
    ],
)
def test_decode_rejects(data, kind):
    findings = Findings("x.md")
    assert decode(data, findings) is None
    assert [f.kind for f in findings if f.severity is Severity.ERROR] == [kind]


def test_decode_accepts_boms_and_gbk():
    text = "---\nid: a\ntitle: 客户端设定\n---\n答案\n"
    for data in (text.encode("utf-8-sig"), text.encode("utf-16"), text.encode("gbk"),
                 text.replace("\n", "\r\n").encode("utf-8")):
        findings = Findings("x.md")
        assert decode(data, findings) == text, data[:10]
        assert not findings.failed


# --------------------------------------------------------------------------- sample content

def test_sample_content_reads_cleanly(sample_content_dir):
    corpus = read_corpus(sample_content_dir)
    assert len(corpus.entries) >= 14
    assert corpus.errors == ()
    forms = {e.form for e in corpus.entries}
    assert forms == {"expert", "clean", "plain"}
    assert sum(e.form == "expert" for e in corpus.entries) >= 8
    assert sum(e.form == "clean" for e in corpus.entries) >= 4
    for entry in corpus.entries:
        assert entry.source_path == f"{entry.id}.md"
        for marker in BOILERPLATE:
            assert marker not in entry.answer, entry.id


def test_sample_content_references_resolve(sample_content_dir):
    corpus = read_corpus(sample_content_dir)
    titles = {e.title for e in corpus.entries}
    ids = {e.id for e in corpus.entries}
    bare = internal = 0
    for entry in corpus.entries:
        for ref in entry.references:
            if ref.target is None:
                title = re.split(r"[:：]", ref.text, maxsplit=1)[-1].strip()
                assert title in titles, (entry.id, ref.text)
                bare += 1
            elif ref.target.startswith("./"):
                assert ref.target[2:].removesuffix(".md") in ids, (entry.id, ref.target)
                internal += 1
    assert bare >= 8 and internal >= 4


# --------------------------------------------------------------------------- real corpus

@pytest.mark.corpus
def test_real_corpus_reads_without_errors(corpus):
    assert corpus.files_seen == 883
    assert len(corpus.entries) == 883
    assert corpus.errors == ()
    assert corpus.skipped == ()


@pytest.mark.corpus
def test_real_corpus_has_no_boilerplate_left(corpus):
    leaks = [(e.source_path, m) for e in corpus.entries for m in BOILERPLATE
             if m in e.answer or m in e.question]
    assert leaks == []


@pytest.mark.corpus
def test_real_corpus_entries_are_complete(corpus):
    assert all(e.form == "expert" for e in corpus.entries)
    assert all(e.answer.strip() for e in corpus.entries)
    assert all(e.question.strip() for e in corpus.entries)
    assert len({e.id for e in corpus.entries}) == 883
    # References keep only the reference list, never the service notice links.
    for entry in corpus.entries:
        for ref in entry.references:
            assert "差评" not in ref.text and "feedback" not in (ref.target or "")


# --------------------------------------------------------------------------- jieba

def _run(code: str, *flags: str) -> subprocess.CompletedProcess:
    return subprocess.run([sys.executable, *flags, "-c", code], capture_output=True, text=True, timeout=120)


def test_jieba_imports_cleanly():
    # jieba 0.42 may import pkg_resources, whose deprecation warning newer setuptools
    # raises; that one warning is tolerated, every other DeprecationWarning is an error.
    proc = _run(
        "import jieba; print(','.join(jieba.lcut('客户端发送心跳')))",
        "-W", "error::DeprecationWarning",
        "-W", "ignore:pkg_resources is deprecated:DeprecationWarning",
        "-W", "ignore::SyntaxWarning",
    )
    assert proc.returncode == 0, proc.stderr
    assert "心跳" in proc.stdout


def test_segment_works_with_all_warnings_as_errors():
    # jieba_dict.jieba_module() contains jieba's import-time warnings itself, so the
    # builder works even under `python -W error`.
    proc = _run(
        "from kb_builder.analyze import Analyzer; print(' '.join(Analyzer().segment('Nacos客户端不发送心跳 code=403')))",
        "-W", "error",
    )
    assert proc.returncode == 0, proc.stderr
    words = proc.stdout.split()
    assert "nacos" in words and "心跳" in words and "403" in words
