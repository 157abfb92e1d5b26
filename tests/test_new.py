"""`kb new` (issue 6): similar questions first, a valid file with the next id, never an overwrite."""
from __future__ import annotations

import datetime as dt
import io
import os
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

from kb_builder.check import check_paths, exit_code
from kb_builder.ingest import read_corpus
from kb_builder.link import title_key
from kb_builder.new import (NewEntryError, choose_tags, find_similar, id_scheme, next_id, plan_entry,
                            question_index, run, slug_id, write_entry)
from kb_builder.tags import load_tag_settings

REPO = Path(__file__).resolve().parents[1]
TODAY = dt.date(2025, 3, 4)


def _kb(*args: str, cwd: Path, stdin: str = "") -> subprocess.CompletedProcess:
    env = {**os.environ, "PYTHONPATH": str(REPO) + os.pathsep + os.environ.get("PYTHONPATH", "")}
    return subprocess.run([sys.executable, "-m", "kb_builder", *args], cwd=cwd, env=env, input=stdin,
                          capture_output=True, text=True, timeout=300)


@pytest.fixture()
def sample(tmp_path, sample_content_dir) -> Path:
    target = tmp_path / "content"
    shutil.copytree(sample_content_dir, target)
    return target


# --------------------------------------------------------------------------- ids

def test_id_scheme_and_next_id():
    ids = ["question-history-10482", "question-history-9", "question-history-16291", "about"]
    assert id_scheme(ids) == ("question-history-", 0, 16291)
    assert next_id(ids, "whatever") == "question-history-16292"
    assert next_id(["faq-007", "faq-010", "faq-009"], "x") == "faq-011"
    # a number whose file name is taken is skipped
    assert next_id(["q-1", "q-2"], "x", taken=lambda i: i == "q-3") == "q-4"


def test_ids_without_a_dominant_scheme_are_slugs_of_the_title():
    ids = ["install", "upgrade", "faq-1"]
    assert id_scheme(ids) is None
    assert next_id(ids, "How do I change the password?") == "how-do-i-change-the-password"
    assert next_id(["xiu-gai-mi-ma"], "修改密码") == "xiu-gai-mi-ma-2"
    assert slug_id("Nacos 2.x 如何修改密码？") == "nacos-2-x-ru-he-xiu-gai-mi-ma"
    assert slug_id("？？") == "entry"
    assert next_id([], "Hello") == "hello"


# --------------------------------------------------------------------------- tags

def test_tags_are_normalised_and_explained():
    settings = load_tag_settings(site_tags=["nacos"])
    choice = choose_tags(["K8S", "v2.2.3", "Nacos", "的", "Spring_Boot"], "t", settings, "en")
    assert choice.written == ("Kubernetes", "2.2.3", "Spring Boot")
    zh = choose_tags(["密码", "password", "Cluster"], "t", settings, "zh")
    assert zh.written == ("密码", "集群") and zh.notes == ("'password' is written '密码' on this site",
                                                   "'Cluster' is written '集群' on this site")
    notes = " | ".join(choice.notes)
    assert "'K8S' is written 'Kubernetes'" in notes
    assert "'Nacos' left out" in notes and "'的' left out" in notes
    assert not choice.extracted


def test_without_tags_they_come_from_the_title():
    settings = load_tag_settings(site_tags=["nacos"])
    choice = choose_tags([], "Nacos 集群 MySQL 数据库连接失败", settings, "zh")
    assert choice.extracted and choice.written
    assert any(t.lower() == "mysql" for t in choice.written)


# --------------------------------------------------------------------------- the file

def test_created_file_is_valid_and_complete(sample):
    plan = plan_entry("怎么给 Nacos 开启鉴权后的客户端配置用户名？", sample, tags="鉴权, k8s", today=TODAY)
    assert plan.entry_id == "question-history-90016"
    assert plan.path == sample / "question-history-90016.md"
    path = write_entry(plan)
    text = path.read_text(encoding="utf-8")
    assert '## 用户问题 ：' in text and '## 专家官方解答 ：' in text and '## 参考链接 ：' in text
    corpus = check_paths([path])
    assert exit_code(corpus.findings) == 0 and not [f for f in corpus.findings if f.severity.value != "info"]
    entry = corpus.entries[0]
    assert entry.id == "question-history-90016" and entry.date == "2025-03-04"
    assert entry.form == "expert" and entry.title == entry.question
    assert "Kubernetes" in entry.tags
    # the whole folder still reads: the new id is unique
    assert read_corpus(sample).errors == ()


def test_english_template_and_odd_titles(tmp_path):
    title = 'Why does "nacos: 8848" fail? #tls \\ {x}'
    plan = plan_entry(title, tmp_path / "kb", lang="en", today=TODAY)
    path = write_entry(plan)
    entry = check_paths([path]).entries[0]
    assert entry.title == title and entry.question == title and entry.form == "clean"
    assert entry.id == "why-does-nacos-8848-fail-tls-x"
    assert "## Question" in path.read_text(encoding="utf-8")


def test_never_overwrites(sample):
    plan = plan_entry("A brand new question about gRPC ports", sample, today=TODAY)
    plan.path.write_text("mine", encoding="utf-8")
    with pytest.raises(FileExistsError):
        write_entry(plan)
    assert plan.path.read_text(encoding="utf-8") == "mine"
    with pytest.raises(NewEntryError, match="already exists"):
        plan_entry("Another one", sample, entry_id=plan.entry_id)
    with pytest.raises(NewEntryError, match="already used"):
        plan_entry("Another one", sample, entry_id="question-history-90001")
    with pytest.raises(NewEntryError, match="empty"):
        plan_entry("   ", sample)


def test_run_refuses_near_identical_without_a_terminal(sample):
    plan = plan_entry("如何修改 Nacos 控制台的默认登录密码？", sample, today=TODAY)
    assert plan.similar[0].entry.id == "question-history-90001" and plan.similar[0].near_identical
    out, err = io.StringIO(), io.StringIO()
    assert run(plan, stdin=io.StringIO(""), stdout=out, stderr=err, interactive=False) == 1
    assert "not created" in err.getvalue() and "--yes" in err.getvalue()
    assert "question-history-90001.md" in err.getvalue()
    assert not plan.path.exists()
    # on a terminal it asks; "n" keeps the folder unchanged, "y" creates the file
    assert run(plan, stdin=io.StringIO("n\n"), stdout=out, stderr=err, interactive=True) == 1
    assert "[y/N]" in out.getvalue() and not plan.path.exists()
    assert run(plan, stdin=io.StringIO("y\n"), stdout=io.StringIO(), stderr=err, interactive=True) == 0
    assert plan.path.exists()


def test_yes_skips_the_question(sample):
    plan = plan_entry("如何修改Nacos控制台的默认登录密码", sample, today=TODAY)
    out = io.StringIO()
    assert run(plan, yes=True, stdin=io.StringIO(""), stdout=out, stderr=io.StringIO(), interactive=False) == 0
    assert plan.path.exists() and "Created" in out.getvalue()


def test_cli_lists_similar_with_urls_and_exits_1_without_a_tty(sample):
    proc = _kb("new", "如何修改Nacos控制台默认登录密码", "--content", str(sample), cwd=sample.parent)
    assert proc.returncode == 1, proc.stdout + proc.stderr
    lines = proc.stdout.splitlines()
    assert lines[0].startswith("Similar questions among the 15 entries")
    assert "如何修改Nacos控制台的默认登录密码" in lines[1] and "near-identical" in lines[1]
    assert "q/question-history-90001/" in lines[2] and "content/question-history-90001.md" in lines[2]
    assert "--yes" in proc.stderr
    assert sorted(p.name for p in sample.iterdir()) == sorted(p.name for p in (REPO / "content").iterdir())

    proc = _kb("new", "Nacos 的 gRPC 端口可以改吗", "--content", str(sample), "--tags", "grpc,端口",
               cwd=sample.parent)
    assert proc.returncode == 0, proc.stdout + proc.stderr
    assert "Created content/question-history-90016.md" in proc.stdout
    assert "kb check content/question-history-90016.md --content content" in proc.stdout
    check = _kb("check", "content/question-history-90016.md", "--content", "content", cwd=sample.parent)
    assert check.returncode == 0, check.stdout
    assert "template-text" in check.stdout  # until the answer is written


# --------------------------------------------------------------------------- the real corpus

@pytest.mark.corpus
def test_new_on_the_real_corpus_lists_the_original_first(corpus_dir):
    plan = plan_entry("怎样修改nacos的密码", corpus_dir, today=TODAY)
    assert plan.entry_id == "question-history-17169"  # highest id + 1
    assert not plan.path.exists() and len(plan.similar) == 5
    # the corpus asks it as 'nacos 如何修改密码？' (twice) and 'nacos修改密码'
    first = plan.similar[0]
    assert title_key(first.entry.title).replace("如何", "") == "nacos修改密码", [s.entry.title for s in plan.similar]
    assert first.url == f"q/{first.entry.id}/"
    assert first.path.endswith(first.entry.source_path)
    # the same question in other question words (怎样 / 如何) and word order: it blocks
    assert first.near_identical and [s.near_identical for s in plan.similar[:3]] == [True] * 3


@pytest.mark.corpus
@pytest.mark.parametrize("titles", [["Nacos 如何修改密码", "如何修改 nacos 密码？", "nacos怎么修改密码",
                                     "请问 Nacos 密码如何修改"]])
def test_rephrased_questions_find_the_original_first(corpus, titles):
    entries = corpus.entries
    index = question_index(entries)
    originals = {e.id for e in entries if title_key(e.title).replace("如何", "") == "nacos修改密码"}
    assert len(originals) == 3
    for title in titles:
        similar = find_similar(title, entries, index=index)
        assert similar[0].entry.id in originals, (title, [s.entry.title for s in similar])
    # the same words (give or take question words and punctuation) are flagged near-identical
    similar = find_similar("nacos如何修改密码?", entries, index=index)
    assert {s.entry.id for s in similar if s.near_identical} == originals
    assert [s.near_identical for s in similar[:3]] == [True] * 3
