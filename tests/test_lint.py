"""`kb check` corpus checks (issue 6): near-duplicates, tags, references, ids, stale entries,
through the text/json/github formats, and the pre-commit hook definition."""
from __future__ import annotations

import datetime as dt
import json
import os
import re
import shutil
import subprocess
import sys
import time
from pathlib import Path

import pytest
import yaml

from kb_builder.check import exit_code, format_github, format_json, format_text
from kb_builder.lint import check

REPO = Path(__file__).resolve().parents[1]
TODAY = dt.date(2026, 1, 1)

NEW_ENTRY = """---
id: "question-history-90100"
title: "如何修改 Nacos 控制台的默认登录密码？"
date: "2020-01-02"
tags: ["k8s", "kubernets", "密码"]
---

## 用户问题 ：
如何修改 Nacos 控制台的默认登录密码？

---------------
## 专家官方解答 ：

<!-- kb new: 在这里写解答，然后删除这一行。 -->
见 [鉴权](./no-such-entry.md)。

---------------
## 参考链接 ：

* 专家经验：一个并不存在的问题标题，用来测试
* 专家经验：Nacos 2.x 客户端连接服务端报 Connection refused，9848 端口需要开放吗
"""


def _kb(*args: str, cwd: Path) -> subprocess.CompletedProcess:
    env = {**os.environ, "PYTHONPATH": str(REPO) + os.pathsep + os.environ.get("PYTHONPATH", "")}
    return subprocess.run([sys.executable, "-m", "kb_builder", "check", *args], cwd=cwd, env=env,
                          capture_output=True, text=True, timeout=300)


@pytest.fixture()
def site(tmp_path, sample_content_dir, monkeypatch) -> Path:
    """A copy of the sample knowledge base with one new contributed entry in it (the working directory)."""
    shutil.copytree(sample_content_dir, tmp_path / "content")
    monkeypatch.chdir(tmp_path)
    (tmp_path / "content" / "question-history-90100.md").write_text(NEW_ENTRY, encoding="utf-8")
    return tmp_path


def _by_kind(corpus) -> dict[str, list]:
    out: dict[str, list] = {}
    for f in corpus.findings:
        out.setdefault(f.kind, []).append(f)
    return out


def test_contributed_file_is_compared_with_the_corpus(site):
    corpus = check(["content/question-history-90100.md"], "content", today=TODAY, display_base=site)
    found = _by_kind(corpus)
    shown = "content/question-history-90100.md"
    assert all(f.path == shown for f in corpus.findings), [f.as_dict() for f in corpus.findings]

    (dup,) = found["near-duplicate"]
    assert dup.severity.value == "warning" and dup.line == 3
    assert "content/question-history-90001.md" in dup.message
    assert re.search(r"similarity (9\d|100)%", dup.message)

    variants = found["tag-variant"]
    assert [f.message for f in variants] == [
        "the tag 'k8s' is not canonical: write 'Kubernetes' (the tag this site uses)"]
    assert variants[0].line == 5 and variants[0].severity.value == "warning"
    (unknown,) = found["unknown-tag"]
    assert "'kubernets'" in unknown.message and "did you mean 'Kubernetes'" in unknown.message

    missing = found["missing-reference"]
    texts = " | ".join(f.message for f in missing)
    assert len(missing) == 2, texts  # the existing title resolves, the invented one and the link do not
    assert "一个并不存在的问题标题" in texts and "./no-such-entry.md" in texts
    assert {f.line for f in missing} == {15, 20}

    (template,) = found["template-text"]
    assert template.line == 14
    (stale,) = found["stale"]
    assert stale.severity.value == "info" and "2020-01-02" in stale.message and stale.line == 4
    assert exit_code(corpus.findings) == 0  # warnings do not fail the check


def test_without_content_only_the_file_itself_is_checked(site):
    corpus = check(["content/question-history-90100.md"], None, today=TODAY, display_base=site)
    kinds = {f.kind for f in corpus.findings}
    assert kinds == {"template-text"}


def test_an_id_already_in_the_corpus_is_an_error(site, tmp_path):
    outside = tmp_path / "pr" / "entry.md"
    outside.parent.mkdir()
    outside.write_text(NEW_ENTRY.replace("question-history-90100", "question-history-90003"), encoding="utf-8")
    (site / "content" / "question-history-90100.md").unlink()
    corpus = check([outside], site / "content", today=TODAY, display_base=tmp_path)
    errors = [f for f in corpus.findings if f.severity.value == "error"]
    assert [f.kind for f in errors] == ["duplicate-id"]
    assert errors[0].path == "pr/entry.md" and errors[0].line == 2
    assert "content/question-history-90003.md" in errors[0].message
    assert exit_code(corpus.findings) == 1


def test_directory_sweep_reports_the_corpus_state_as_info(site):
    corpus = check(["content"], None, today=TODAY, display_base=site)
    found = _by_kind(corpus)
    assert {f.severity.value for k in ("near-duplicate", "tag-variant", "missing-reference", "stale")
            for f in found[k]} == {"info"}
    # both members of the duplicate pair are in the sweep: the later file names the first
    (dup,) = found["near-duplicate"]
    assert dup.path == "content/question-history-90100.md" and "question-history-90001.md" in dup.message
    assert "new-tag" not in found
    assert found["template-text"][0].severity.value == "warning"
    text = format_text(corpus)
    assert "near-duplicate" not in text.split("\n\n")[0]  # info lines are hidden without -v
    assert re.search(r"infos by kind: .*near-duplicate 1.*\(shown with -v\)", text)
    assert "near-duplicate question" in format_text(corpus, verbose=True)


def test_github_and_json_formats_carry_the_corpus_findings(site):
    corpus = check(["content/question-history-90100.md"], "content", today=TODAY, display_base=site)
    lines = format_github(corpus).splitlines()
    assert len(lines) == len(corpus.findings)
    dup = next(l for l in lines if "near-duplicate" in l)
    assert dup.startswith("::warning file=content/question-history-90100.md,line=3,title=kb check%3A near-duplicate::")
    assert any(l.startswith("::notice file=content/question-history-90100.md,line=4,") for l in lines)
    data = json.loads(format_json(corpus))
    assert data["by_kind"]["warning:near-duplicate"] == 1 and data["errors"] == 0


def test_cli_github_format_and_exit_codes(site):
    proc = _kb("content/question-history-90100.md", "--content", "content", "--format", "github",
               "--stale-days", "365", cwd=site)
    assert proc.returncode == 0, proc.stdout + proc.stderr
    out = proc.stdout.splitlines()
    assert all(l.startswith(("::warning ", "::notice ", "::error ")) for l in out), out
    assert sum("kb check%3A near-duplicate" in l for l in out) == 1
    assert any("::notice" in l and "more than 365" in l for l in out)
    # an invalid file fails the check, in every format
    (site / "content" / "broken.md").write_text("---\nid: x\ntitle: [unclosed\n---\n", encoding="utf-8")
    proc = _kb("content/broken.md", "content/question-history-90100.md", "--content", "content",
               "--format", "github", cwd=site)
    assert proc.returncode == 1
    assert proc.stdout.startswith("::error file=content/broken.md,line=")
    # no corpus findings for the broken file, which the corpus checks cannot read
    assert not any("broken.md" in l and "near-duplicate" in l for l in proc.stdout.splitlines())


def test_pre_commit_hook_definition():
    hooks = yaml.safe_load((REPO / ".pre-commit-hooks.yaml").read_text(encoding="utf-8"))
    (hook,) = hooks
    assert hook["id"] == "kb-check" and hook["entry"] == "kb check" and hook["language"] == "python"
    assert hook["require_serial"] is True
    assert "markdown" in hook.get("types_or", hook.get("types", []))


@pytest.mark.corpus
def test_real_corpus_sweep_is_fast_and_finds_the_known_duplicates(corpus_dir):
    started = time.perf_counter()
    corpus = check([corpus_dir], None, today=TODAY, stale_days=365, display_base=corpus_dir)
    seconds = time.perf_counter() - started
    assert seconds < 30, seconds  # about 5 s on an idle machine
    assert exit_code(corpus.findings) == 0
    found = _by_kind(corpus)
    assert not [f for f in corpus.findings if f.severity.value == "warning"]
    dups = found["near-duplicate"]
    assert len(dups) >= 20
    pair = [f for f in dups if f.path == "NACOS-user-question-history12711.md"]
    assert pair and "NACOS-user-question-history11189.md" in pair[0].message
    assert "similarity 100%" in pair[0].message
    assert len(found["stale"]) == 883  # every entry is dated 2024-09-26


@pytest.mark.corpus
def test_new_question_checked_against_the_real_corpus(corpus_dir, tmp_path):
    path = tmp_path / "question-history-17169.md"
    path.write_text(NEW_ENTRY.replace("如何修改 Nacos 控制台的默认登录密码？", "nacos 如何修改密码")
                    .replace("question-history-90100", "question-history-17169"), encoding="utf-8")
    corpus = check([path], corpus_dir, today=TODAY, display_base=tmp_path)
    (dup,) = [f for f in corpus.findings if f.kind == "near-duplicate"]
    assert dup.severity.value == "warning" and dup.path == "question-history-17169.md"
    assert re.search(r"NACOS-user-question-history(11189|12711|13408)\.md", dup.message)
    assert "and 2 more" in dup.message
