"""The site's search box: the browser index (kb_builder/browser_index.py) and the
search worker that replaces Material's (kb_builder/theme/assets/javascripts/kb-search-worker.js).

The index tests run everywhere.  The `browser` tests build a site, serve it on
127.0.0.1 and type into Material's search box in headless Chromium; they skip
without the playwright package or a Chromium.  The `corpus` test uses the real
Nacos corpus (../shared/corpus/nacos-faq).
"""
from __future__ import annotations

import importlib.util
import json
import os
import sys
import textwrap
from dataclasses import replace
from pathlib import Path

import pytest
from conftest import need_browser

from kb_builder import browser_index, browser_postings, ranking, search_box
from kb_builder.analyze import Analyzer, Segmentations
from kb_builder.documents import SearchDoc, analyse_docs, load_glossary, search_words
from kb_builder.store import Store

REPO = Path(__file__).resolve().parents[1]
WORKER = REPO / "kb_builder" / "theme" / "assets" / "javascripts" / "kb-search-worker.js"


def _analysis(docs, cuts=None, store=None):
    groups = load_glossary()
    return analyse_docs(docs, Analyzer.of(search_words(docs, groups), cuts), groups, store)


def _build(docs):
    return browser_index.build(None, _analysis(docs))


def _doc(i: int, title: str, answer: str, tags=(), question: str = "") -> SearchDoc:
    return SearchDoc(id=f"e-{i}", title=title, url=f"q/e-{i}/", question=question, answer=answer,
                     tags=tuple(tags))


DOCS = [
    _doc(1, "服务注册失败怎么办", "检查客户端与服务端的网络，确认服务端地址配置正确。", ["服务注册"]),
    _doc(2, "客户端心跳超时", "心跳线程被阻塞时实例会被摘除，请检查线程池。", ["心跳"]),
    _doc(3, "How to change the console password", "Log in as admin and edit the user.", ["console"]),
    _doc(4, "配置中心的命名空间", "命名空间用于隔离配置。"),
]


# --------------------------------------------------------------------------- the index

def test_index_files_shards_and_postings():
    index = _build(DOCS)
    files, meta = index.files, index.meta
    material = json.loads(files[browser_index.MATERIAL_INDEX])
    assert material["docs"] == []  # the page text is no longer shipped
    assert material["config"]["kb"] == meta
    assert json.loads(files["search/kb/meta.json"]) == meta
    assert meta["docs"] == len(DOCS) and meta["chunks"] == 1
    chunk = json.loads(files["search/kb/d/0.json"])
    assert [row[0] for row in chunk] == [d.url for d in DOCS]
    assert chunk[0][1] == DOCS[0].title
    seen = set()
    for k in range(meta["shards"]):
        shard = json.loads(files[f"search/kb/t/{k}.json"])
        for term, postings in shard["p"].items():
            assert browser_postings.shard_of(term, meta["shards"]) == k
            assert len(postings) % 2 == 0
            docs = [sum(postings[0:i + 1:2]) for i in range(0, len(postings), 2)]
            assert all(0 <= d < len(DOCS) for d in docs) and docs == sorted(set(docs))
            assert all(w > 0 for w in postings[1::2])
            seen.add(term)
        for word in shard["w"]:
            assert browser_postings.shard_of(word, meta["shards"]) == k
    assert {"心跳", "服务", "password", "console", "#心跳"} <= seen
    assert not {"的", "the", "怎么办"} & seen  # stopwords cut queries but are not searched
    assert "怎么办" in meta["stop"] or "怎么" in meta["stop"]


def test_written_files_are_the_built_ones(tmp_path):
    index = _build(DOCS)
    search_box.write(tmp_path, index)
    assert (tmp_path / browser_index.MATERIAL_INDEX).read_bytes() == index.files[browser_index.MATERIAL_INDEX]
    assert {p.relative_to(tmp_path).as_posix() for p in tmp_path.rglob("*.json")} == set(index.files)


def test_synonyms_and_traditional_table():
    meta = _build(DOCS).meta
    members = {" ".join(m) for group in meta["glossary"] for m in group}
    assert {"heartbeat", "心跳"} <= members
    assert meta["t2s"].get("務") == "务" and meta["t2s"].get("體") is None  # only characters that occur


def test_write_replaces_material_index(tmp_path):
    (tmp_path / "search").mkdir()
    (tmp_path / "search" / "search_index.json").write_text('{"config":{},"docs":[{"text":"x"}]}')
    sizes = search_box.write(tmp_path, _build(DOCS)).sizes()
    assert sizes["files"] > 3 and 0 < sizes["gzip"] < sizes["raw"]
    assert json.loads((tmp_path / "search" / "search_index.json").read_text())["docs"] == []
    assert (tmp_path / "search" / "kb" / "t" / "0.json").is_file()


# Live preview: 400 documents, so that one edit does not move an average field length.
_WORDS = ["服务注册", "心跳", "配置中心", "命名空间", "集群", "鉴权", "heartbeat", "namespace", "token",
          "grpc", "端口", "日志", "数据库", "leader", "raft", "快照", "persistence", "timeout"]


def _many() -> list[SearchDoc]:
    docs = []
    for i in range(400):
        w = [_WORDS[(i * k + k) % len(_WORDS)] for k in range(1, 6)]
        docs.append(_doc(i, f"{w[0]} 与 {w[1]} 的问题 {i}", f"如果 {w[2]} 出错，检查 {w[3]} 和 {w[4]} 的设置。" * (1 + i % 3),
                         [w[0], w[4]]))
    return docs


class _Live:
    """A serve session's browser index: each write updates the index the last one made."""

    def __init__(self, site: Path):
        self.site, self.store, self.cuts = site, Store(verify=True), Segmentations()

    def write(self, docs):
        analysis = _analysis(docs, self.cuts, self.store)
        index = self.store.derive(browser_index.build, analysis, None, same=browser_index.same_files)
        self.store.end_build()
        return search_box.write(self.site, index)


def _clean_build(docs, tmp_path):
    clean = tmp_path / "clean"
    return search_box.write(clean, _build(docs)), clean


def _tree(site: Path) -> dict[str, bytes]:
    return {p.relative_to(site).as_posix(): p.read_bytes() for p in site.rglob("*") if p.is_file()}


def test_live_preview_rewrites_only_what_an_edit_changed(tmp_path, monkeypatch):
    from dataclasses import replace

    monkeypatch.setattr(browser_postings, "SHARD_TARGET_BYTES", 3000)  # a few dozen shards
    docs = _many()
    live = _Live(tmp_path / "live")
    first = live.write(docs)
    edited = list(docs)
    # one entry gains a word no other holds and loses its tags; another one changes its title
    edited[7] = replace(docs[7], answer=docs[7].answer + " kbonlyhere 新增说明。", tags=())
    edited[300] = replace(docs[300], title="心跳 超时 的问题 300")
    terms = len(first.state.postings)
    scored = []
    score = browser_postings.Postings._score
    monkeypatch.setattr(browser_postings.Postings, "_score", lambda self, pf: scored.append(1) or score(self, pf))
    live.store.verify = False  # counting the scoring of the update alone
    index = live.write(edited)
    assert index.changed is not None  # applied to the last index, not made again
    assert 0 < len(scored) < terms / 10  # only terms whose documents changed are scored again
    assert index.meta["shards"] > 10
    kept = index.state
    fresh = browser_postings.Postings(edited, _analysis(edited))
    assert (kept.raw, kept.fragments) == (fresh.raw, fresh.fragments)  # the shard count's estimate too
    assert {"search/kb/d/0.json", "search/kb/d/2.json"} <= index.changed
    assert "search/kb/d/1.json" not in index.changed
    clean, clean_dir = _clean_build(edited, tmp_path)
    assert index.files == clean.files
    assert _tree(live.site) == _tree(clean_dir)
    shard = json.loads(clean.files[f"search/kb/t/{browser_postings.shard_of('kbonlyhere', clean.meta['shards'])}.json"])
    assert shard["p"]["kbonlyhere"][0] == 7


def test_a_rebuild_with_nothing_edited_writes_no_index_file_again(tmp_path):
    docs = _many()[:40]
    live = _Live(tmp_path / "live")
    live.write(docs)
    files = {p: p.stat().st_mtime_ns for p in (live.site / browser_index.INDEX_DIR).rglob("*") if p.is_file()}
    material = live.site / browser_index.MATERIAL_INDEX
    material.write_text("{}", encoding="utf-8")  # as Material's search plugin leaves it
    for p in files:
        os.utime(p, ns=(1, 1))
    live.write(list(docs))
    assert {p: p.stat().st_mtime_ns for p in files} == dict.fromkeys(files, 1)
    assert material.read_bytes() != b"{}"  # muted again
    assert _tree(live.site) == _tree(_clean_build(docs, tmp_path)[1])
    # an edited meta.json (an index the site does not hold) is written again, whole
    meta = live.site / browser_index.INDEX_DIR / "meta.json"
    meta.write_text("{}", encoding="utf-8")
    live.write(list(docs))
    assert _tree(live.site) == _tree(_clean_build(docs, tmp_path)[1])


def test_live_preview_applies_added_and_removed_documents(tmp_path, monkeypatch):
    """Entries added in the middle, removed, and both at once: the index is updated in
    place (documents renumbered, only the terms they hold scored again) and ships what a
    clean build of the same documents ships, file by file."""
    monkeypatch.setattr(browser_postings, "SHARD_TARGET_BYTES", 3000)
    docs = _many()
    live = _Live(tmp_path / "live")
    first = live.write(docs)
    terms = len(first.state.postings)
    scored = []
    score = browser_postings.Postings._score
    monkeypatch.setattr(browser_postings.Postings, "_score", lambda self, pf: scored.append(1) or score(self, pf))
    newcomer = _doc(1000, "kbaddedword 新增 的问题", "新增条目 kbaddedword 说明。", ["心跳"])
    steps = [
        docs[:150] + [newcomer] + docs[150:],  # added in the middle
        docs[:150] + docs[150:],  # removed again
        docs[:10] + [newcomer] + docs[10:150] + docs[151:],  # one added, another removed
        docs[:10] + [newcomer] + docs[11:200] + [replace(docs[200], title="心跳 改过的 标题 200")] + docs[201:]
        + [docs[150]],  # one removed, one edited, one added at the end
    ]
    # Sizes within one step of the idf's corpus size (ranking.idf_count): else all is scored again.
    assert {ranking.idf_count(len(s)) for s in steps} == {ranking.idf_count(len(docs))}
    for n, edited in enumerate(steps):
        scored.clear()
        live.store.verify = False  # counting the scoring of the update alone
        index = live.write(edited)
        assert index.changed is not None, n  # applied to the last index, not made again
        assert 0 < len(scored) < terms / 5, n
        clean, clean_dir = _clean_build(edited, tmp_path / f"clean-{n}")
        assert index.files == clean.files, n
        assert _tree(live.site) == _tree(clean_dir), n
    assert "search/kb/d/0.json" in index.changed  # the first position that moved is in chunk 0


def test_live_preview_applies_a_word_taught_by_a_new_tag(tmp_path):
    """New tags teach the segmenter words that two other documents hold: those are cut
    again (熔断降级 becomes one word), a word's frequency in the index's vocabulary moves
    (熔断), and the updated index equals a clean build."""
    from dataclasses import replace

    docs = _many()
    for i in (10, 11):
        docs[i] = replace(docs[i], answer=docs[i].answer + " 触发熔断降级后限流。")
    live = _Live(tmp_path / "live")
    first = live.write(docs)
    assert Analyzer().freq("熔断") != 2000
    word_shard = f"search/kb/t/{browser_postings.shard_of('熔断', first.meta['shards'])}.json"
    before = json.loads(first.files[word_shard])["w"]["熔断"]
    edited = list(docs)
    edited[7] = replace(docs[7], tags=("熔断降级", "熔断"))
    index = live.write(edited)
    assert index.changed is not None  # applied to the last index
    assert "熔断降级" in index.state.postings
    assert json.loads(index.files[word_shard])["w"]["熔断"] != before
    clean, clean_dir = _clean_build(edited, tmp_path)
    assert index.files == clean.files
    assert _tree(live.site) == _tree(clean_dir)


def test_live_preview_makes_the_index_again_when_averages_move(tmp_path):
    from dataclasses import replace

    docs = _many()
    live = _Live(tmp_path / "live")
    live.write(docs)
    edited = list(docs)
    edited[5] = replace(docs[5], answer=" ".join(f"词{i} word{i}" for i in range(3000)))  # a long answer
    edited[6] = replace(docs[6], answer="")
    index = live.write(edited)
    assert index.changed is None
    clean, clean_dir = _clean_build(edited, tmp_path)
    assert index.files == clean.files and _tree(live.site) == _tree(clean_dir)


def test_mute_material_search():
    class Index:
        config = {"lang": ["zh"], "separator": "x", "pipeline": [], "fields": {}}
        entries: list = []

        def add_entry_from_context(self, page):
            self.entries.append(page)

    class Plugin:
        search_index = Index()

    class Config:
        plugins = {"material/search": Plugin()}

    assert search_box.mute_material_search(Config)
    muted = Config.plugins["material/search"].search_index
    muted.add_entry_from_context("page")
    assert json.loads(muted.generate_search_index()) == {"config": Index.config, "docs": []}
    assert search_box.mute_material_search(type("C", (), {"plugins": {}})) is False


def test_worker_escapes_markup():
    text = WORKER.read_text(encoding="utf-8")
    # Everything that reaches Material's result list goes through partsHTML() -> escapeHTML().
    assert "title: partsHTML(r.title), text: partsHTML(r.text)" in text
    assert "innerHTML" not in text
    # The page script draws further results from [text, marked] parts as text nodes.
    script = (WORKER.parent / "kb-search.js").read_text(encoding="utf-8")
    assert "innerHTML" not in script and "insertAdjacentHTML" not in script and "outerHTML" not in script


# --------------------------------------------------------------------------- in the browser

def _browser_engine():
    pytest.importorskip("playwright.sync_api")
    module = sys.modules.get("browser_engine")
    if module is None:
        spec = importlib.util.spec_from_file_location("browser_engine", REPO / "benchmarks" / "browser_engine.py")
        module = importlib.util.module_from_spec(spec)
        sys.modules["browser_engine"] = module
        spec.loader.exec_module(module)
    if module.chromium_path() is None:
        need_browser("no chromium on PATH (set KB_CHROMIUM)")
    return module


ENTRIES = {
    "question-history-1": ("服务注册失败怎么办", ["服务注册"], "注册服务时客户端报错，实例没有出现在服务列表里，该如何排查？",
                           "先确认客户端配置的服务端地址可以访问，再查看客户端日志里的报错信息。"),
    "question-history-2": ("客户端心跳超时导致实例被摘除", ["心跳"], "实例过一段时间就从列表消失。",
                           "客户端的心跳线程被阻塞时，服务端收不到心跳，会把实例标记为不健康并摘除。"),
    "question-history-3": ("配置中心如何使用命名空间", ["命名空间"], "多个环境的配置怎么隔离？",
                           "为每个环境创建一个命名空间，客户端通过 namespace 参数指定。"),
    "question-history-4": ("<img src=x onerror=\"window.__xss=1\">显示异常", ["控制台"], "控制台页面显示异常。",
                           "清理浏览器缓存后刷新控制台页面。"),
    "question-history-5": ("什么是Nacos", ["nacos"], "想了解这个项目是做什么的。",
                           "Nacos 是一个服务发现与配置管理平台。"),
}


def write_entries(content: Path, entries: dict, **front_matter) -> None:
    """Entry files in the expert Q&A form: `entries` maps ids to (title, tags, question, answer)."""
    content.mkdir()
    for entry_id, (title, tags, question, answer) in entries.items():
        front = json.dumps({"id": entry_id, "title": title, "date": "2024-05-06", "tags": tags, **front_matter},
                           ensure_ascii=False)
        body = textwrap.dedent(f"""\
            ---
            {front}
            ---

            ## 用户问题 ：
            {question}

            ---------------
            ## 专家官方解答 ：

            {answer}
            """)
        (content / f"{entry_id}.md").write_text(body, encoding="utf-8")


def served_site(tmp_path_factory, entries: dict, **front_matter):
    """The site the repository's mkdocs.yml builds from `entries`, served on 127.0.0.1:
    (browser_engine, its server, the site folder)."""
    be = _browser_engine()
    from kb_builder.sitebuild import build_site

    root = tmp_path_factory.mktemp("kbsite")
    write_entries(root / "content", entries, **front_matter)
    site = build_site(REPO / "mkdocs.yml", content=root / "content", site_dir=root / "site").site_dir
    return be, be.Server(site), Path(site)


@pytest.fixture(scope="module")
def small_site(tmp_path_factory):
    be, server, _ = served_site(tmp_path_factory, ENTRIES)
    box = be.SearchBox(server.url)
    yield be, box
    box.close()
    server.close()
    be.close_browser()


def _first(be, box, query: str) -> tuple[str | None, list[str]]:
    links, ms = box.search(query, typed=True)
    assert ms is not None, f"no result message for {query!r}"
    ids = be.entry_ids(links)
    return (ids[0] if ids else None), links


@pytest.mark.browser
def test_small_site_chinese_english_traditional_mixed(small_site):
    be, box = small_site
    assert _first(be, box, "服务注册失败")[0] == "question-history-1"
    # English symptom words reach Chinese entries through the glossary.
    assert _first(be, box, "heartbeat")[0] == "question-history-2"
    # Traditional characters are folded to Simplified.
    assert _first(be, box, "命名空間")[0] == "question-history-3"
    assert _first(be, box, "服務註冊")[0] == "question-history-1"
    # Latin glued to Chinese is split from it.
    assert _first(be, box, "什么是nacos")[0] == "question-history-5"
    assert box.errors == []


@pytest.mark.browser
def test_small_site_result_titles_are_text(small_site):
    be, box = small_site
    first, _ = _first(be, box, "显示异常")
    assert first == "question-history-4"
    page = box.page
    titles = page.locator(".md-search-result__list h1").all_inner_texts()
    assert any("<img src=x" in t for t in titles)
    assert page.locator(".md-search-result__list img").count() == 0
    assert page.evaluate("window.__xss") is None
    # Only <mark> is added to the escaped title and teaser.
    inner = page.evaluate("""[...document.querySelectorAll(
        '.md-search-result__article > h1 *, .md-search-result__article > h2 *')].map(e => e.tagName)""")
    assert inner and set(inner) == {"MARK"}
    assert "显示" in page.locator(".md-search-result__list mark").all_inner_texts()


@pytest.mark.browser
@pytest.mark.corpus
def test_corpus_site_search_box(corpus_dir):
    be = _browser_engine()
    site = be.build_kb_site(corpus_dir)  # cached in the temp directory between runs
    server = be.Server(site)
    box = be.SearchBox(server.url)
    try:
        for query, expected in (("服务注册阻塞", "question-history-15411"),
                                ("Whitelabel Error Page", "question-history-15887"),
                                ("leaderSendBeatFailed", {"question-history-15422", "question-history-15423"})):
            first, links = _first(be, box, query)
            assert first in ({expected} if isinstance(expected, str) else expected), (query, links[:3])
        assert box.errors == []
    finally:
        box.close()
        server.close()
        be.close_browser()
