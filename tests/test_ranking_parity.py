"""One ranking for both engines: the site's search worker, run under Node against the built
browser index, ranks as `kb search` does (ranking.py is the one specification).

Both engines compute each term's weight as the same quantised integer (the browser index
ships it, `kb search` computes it from whoosh's postings), and combine them by the same
steps, so their top results are the same: no tolerance is needed."""
from __future__ import annotations

import json
import shutil
import subprocess
from pathlib import Path

import pytest

REPO = Path(__file__).resolve().parents[1]
WORKER = REPO / "kb_builder" / "theme" / "assets" / "javascripts" / "kb-search-worker.js"
HARNESS = Path(__file__).resolve().parent / "js" / "run_worker.js"
QUERY_FILES = [REPO.parent / "shared" / "eval" / "queries_dev.jsonl", *sorted((REPO / "benchmarks").glob("queries_*.jsonl"))]


def _node() -> str:
    node = shutil.which("node")
    if node is None:
        pytest.skip("no node on PATH")
    return node


def indexes(content: Path, site: Path):
    """Both search indexes of `content`: the browser's written into `site`, whoosh's returned."""
    from kb_builder import browser_index, pipeline, search, search_box
    from kb_builder.session import Session

    session = Session()
    gathered = pipeline.gather(pipeline.Settings(content_dir=content, site_tags=("nacos", "opensource")),
                               session=session)
    docs = pipeline.search_docs(gathered.entries, gathered.graph, session)
    analysis = pipeline.analysis(gathered, docs, session)
    search_box.write(site, browser_index.build(None, analysis, None))
    return search.build_index(docs, None, analysis)


def worker_results(site: Path, queries: list[str]) -> list[list[tuple[str, str]]]:
    """The worker's results for each query under Node: (location, text shown), best first."""
    lines = "".join(json.dumps({"q": q, "typing": False}, ensure_ascii=False) + "\n" for q in queries)
    proc = subprocess.run([_node(), str(HARNESS), str(WORKER), str(site)], input=lines, capture_output=True,
                          text=True, timeout=600)
    assert proc.returncode == 0, proc.stderr[-3000:]
    return [[(loc, text) for loc, text in json.loads(line)] for line in proc.stdout.splitlines()]


def _worker(site: Path, queries: list[str]) -> list[list[str]]:
    return [[loc.strip("/").split("/")[-1] for loc, _ in items] for items in worker_results(site, queries)]


def _compare(index, site: Path, queries: list[str], n: int = 5) -> list[tuple[str, list[str], list[str]]]:
    from kb_builder import search

    cli = [[h.id for h in search.search(index, q, limit=n)] for q in queries]
    browser = [ids[:n] for ids in _worker(site, queries)]
    return [(q, a, b) for q, a, b in zip(queries, cli, browser) if a != b]


def test_the_worker_ranks_the_sample_content_as_kb_search(sample_content_dir, tmp_path):
    index = indexes(sample_content_dir, tmp_path / "site")
    queries = ["Nacos 2.x 客户端连接服务端报 Connection refused", "密码", "heartbeat", "配置 刷新 不生效",
               "客戶端讀取不到設定", "leader election", "NacosException 403", "docker standalone", "内存",
               "mysql8.0 驱动", "nacos2.2.3", "config not refreshing", "registering instances failed"]
    assert _compare(index, tmp_path / "site", queries) == []


def test_the_worker_stems_words_as_kb_search():
    """The worker finds another form of an unknown word by its stem (query._same_stem): its
    stemmer is analyze.stem, word for word."""
    from kb_builder.analyze import stem

    words = ["refreshing", "refreshed", "refreshes", "caching", "cached", "hopping", "hoping", "agreed", "feed",
             "happily", "says", "boys", "classes", "ponies", "status", "running", "filing", "fizzed", "troubled",
             "rated", "yield", "sky", "tried", "hopeful", "register", "registering", "updating", "Mixed", "nacos2",
             "a", "abc", "abcd", "seeing", "skiing", "bed", "fixing", "waxed", "plays", "sees"]
    script = (f"const w = require({json.dumps(str(WORKER))}); "
              f"for (const x of {json.dumps(words)}) console.log(w.stem(x))")
    proc = subprocess.run([_node(), "-e", script], capture_output=True, text=True, timeout=60)
    assert proc.returncode == 0, proc.stderr
    assert proc.stdout.split() == [stem(w) for w in words]


@pytest.mark.corpus
def test_the_worker_ranks_every_judged_query_as_kb_search(corpus_dir, tmp_path):
    queries = [json.loads(line)["q"] for path in QUERY_FILES if path.is_file()
               for line in path.read_text(encoding="utf-8").splitlines() if line.strip()]
    assert len(queries) > 100
    index = indexes(corpus_dir, tmp_path / "site")
    assert _compare(index, tmp_path / "site", queries) == []


def worker_pages(site: Path, queries: list[str]) -> list[dict]:
    """Each query as the site's page script asks it: the worker's count, the sizes of its pages
    and every result (entry ids, best first)."""
    lines = "".join(json.dumps({"q": q, "typing": False, "all": True}, ensure_ascii=False) + "\n" for q in queries)
    proc = subprocess.run([_node(), str(HARNESS), str(WORKER), str(site)], input=lines, capture_output=True,
                          text=True, timeout=600)
    assert proc.returncode == 0, proc.stderr[-3000:]
    out = [json.loads(line) for line in proc.stdout.splitlines()]
    return [{**o, "ids": [loc.strip("/").split("/")[-1] for loc, _ in o["items"]]} for o in out]


def _all_pages_are_kb_search(index, site: Path, queries: list[str]) -> int:
    from kb_builder import search

    longest = 0
    for q, out in zip(queries, worker_pages(site, queries), strict=True):
        cli = [h.id for h in search.search(index, q, limit=100_000)]
        assert out["total"] == len(cli), q  # the count the page shows is `kb search`'s
        assert out["ids"] == cli, q  # the pages, one after another, are its whole ranking
        assert all(size == 10 for size in out["pages"][:-1]) and out["pages"][-1] <= 10, (q, out["pages"])
        longest = max(longest, len(cli))
    return longest


def test_the_worker_pages_all_results_in_kb_search_order(sample_content_dir, tmp_path):
    index = indexes(sample_content_dir, tmp_path / "site")
    assert _all_pages_are_kb_search(index, tmp_path / "site", ["nacos", "配置 刷新", "heartbeat", "密码", "集群"]) > 10


@pytest.mark.corpus
def test_the_worker_pages_all_results_in_kb_search_order_on_the_corpus(corpus_dir, tmp_path):
    index = indexes(corpus_dir, tmp_path / "site")
    assert _all_pages_are_kb_search(index, tmp_path / "site", ["心跳", "服务注册失败", "nacos 配置"]) > 70


def test_a_terms_weights_at_once_are_each_documents_weight():
    """The browser index scores a term in all its documents at once (ranking.weights); each
    weight must be the number ranking.weight gives that document, which kb search uses."""
    import random

    from kb_builder import ranking

    rng = random.Random(19)
    fields = list(ranking.FIELD_ORDER)
    for _ in range(300):
        n = rng.randint(1, 40)
        inv = {f: [rng.uniform(0.2, 3.0) for _ in range(n)] for f in fields}
        per_field = {f: {d: rng.randint(1, 9) for d in rng.sample(range(n), rng.randint(1, n))}
                     for f in rng.sample(fields, rng.randint(1, len(fields)))}
        term_idf = rng.uniform(0.01, 9.0)
        got = ranking.weights(per_field, inv, term_idf, fields)
        docs = {d for tfs in per_field.values() for d in tfs}
        assert got == {d: ranking.weight([(f, per_field[f][d], inv[f][d]) for f in fields
                                          if f in per_field and d in per_field[f]], term_idf) for d in docs}
