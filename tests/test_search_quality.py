"""benchmarks/search_quality.py reads judged query files (tune/holdout splits reported
apart) and benchmarks/draw_targets.py keeps the committed sets to their rules."""
from __future__ import annotations

import importlib.util
import json
import sys
from pathlib import Path

import pytest

REPO = Path(__file__).resolve().parents[1]


def _load(name: str):
    module = sys.modules.get(name)
    if module is None:
        spec = importlib.util.spec_from_file_location(name, REPO / "benchmarks" / f"{name}.py")
        module = importlib.util.module_from_spec(spec)
        sys.modules[name] = module
        spec.loader.exec_module(module)
    return module


ENTRIES = {
    1: ("客户端心跳超时", "心跳线程被阻塞时，服务端收不到心跳，会把实例摘除。"),
    2: ("How to change the console password", "Log in as admin and edit the user."),
    3: ("配置中心如何使用命名空间", "为每个环境创建一个命名空间。"),
}


@pytest.fixture
def corpus(tmp_path: Path) -> Path:
    root = tmp_path / "content"
    root.mkdir()
    for n, (title, answer) in ENTRIES.items():
        (root / f"q{n}.md").write_text(
            f'---\nid: "question-history-{n}"\ntitle: "{title}"\n---\n\n## Answer\n{answer}\n', encoding="utf-8")
    return root


def _queries(path: Path, rows: list[dict]) -> Path:
    path.write_text("".join(json.dumps(r, ensure_ascii=False) + "\n" for r in rows), encoding="utf-8")
    return path


SPLIT_ROWS = [
    {"q": "心跳 超时", "rel": [1], "target": 1, "split": "holdout"},
    {"q": "console password", "rel": [2], "target": 2, "split": "tune"},
    {"q": "命名空间", "rel": [3, 1], "target": 3, "split": "tune"},
]


def _run(capsys, *argv: str) -> list[dict]:
    sq = _load("search_quality")
    assert sq.main([*argv, "--engine", "kb search", "--json"]) == 0
    return json.loads(capsys.readouterr().out)


def test_split_files_report_tune_and_holdout_apart(corpus, tmp_path, capsys):
    split = _queries(tmp_path / "queries_x.jsonl", SPLIT_ROWS)
    plain = _queries(tmp_path / "queries_old.jsonl", [{"q": "console password", "rel": [2]}])
    rows = _run(capsys, "--corpus", str(corpus), "--queries", str(plain), str(split))
    assert [(r["queries"], r["n"]) for r in rows] == [
        ("queries_old.jsonl", 1), ("queries_x.jsonl:tune", 2), ("queries_x.jsonl:holdout", 1)]
    assert all(r["s@1"] == 1.0 for r in rows)


def test_no_holdout_leaves_the_holdout_split_out(corpus, tmp_path, capsys):
    split = _queries(tmp_path / "queries_x.jsonl", SPLIT_ROWS)
    rows = _run(capsys, "--corpus", str(corpus), "--queries", str(split), "--no-holdout")
    assert [r["queries"] for r in rows] == ["queries_x.jsonl:tune"]


def test_misses_never_list_holdout_queries(corpus, tmp_path, capsys):
    wrong = [{"q": "心跳 超时", "rel": [3], "split": "holdout"}, {"q": "console password", "rel": [3], "split": "tune"}]
    split = _queries(tmp_path / "queries_x.jsonl", wrong)
    sq = _load("search_quality")
    assert sq.main(["--corpus", str(corpus), "--queries", str(split), "--engine", "kb search", "--misses"]) == 0
    out = capsys.readouterr()
    assert "console password" in out.err and "心跳" not in out.err
    assert "queries_x.jsonl:holdout" in out.out  # still scored and reported


def test_committed_sets_follow_the_draw(corpus_dir, capsys):
    draw = _load("draw_targets")
    assert draw.main(["--corpus", str(corpus_dir), "--check"]) == 0, capsys.readouterr().out
