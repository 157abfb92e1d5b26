"""Server-side search over small in-memory indexes (whoosh RamStorage), and the dev set."""
from __future__ import annotations

import json
import os
from pathlib import Path

import pytest
from hypothesis import HealthCheck, given, settings, strategies as st

from kb_builder import pipeline, search, search_output
from kb_builder.analyze import Analyzer
from kb_builder.documents import SearchDoc, TERM_FIELDS, doc_terms
from kb_builder.model import Entry, NormalizedEntry, Tag
from kb_builder.query import bare_vocabulary, parse, query_terms
from kb_builder.ranking import FIELD_BOOSTS, GRAM_FIELD_BOOSTS

SHARED = Path(__file__).resolve().parents[2] / "shared"

DOCS = [
    SearchDoc(id="hb", title="客户端不发送心跳检测怎么办", url="q/hb/",
                     question="服务运行正常，但是客户端不再发送心跳。",
                     answer="检查客户端与服务端的网络，确认心跳线程没有阻塞。", tags=("心跳", "客户端")),
    SearchDoc(id="ports", title="部署时需要开放哪些端口", url="q/ports/",
                     answer="需要开放 8848 和 9848 两个端口，防火墙放行即可。", tags=("端口", "部署")),
    SearchDoc(id="auth", title="开启鉴权后登录失败", url="q/auth/",
                     answer="开启鉴权以后需要配置用户名和密码。", tags=("鉴权",)),
    SearchDoc(id="403", title="客户端报错 user not found", url="q/403/",
                     answer="错误信息 NacosException: http error, code=403,msg=user not found! 表示用户不存在。",
                     errors=("NacosException: http error, code=403,msg=user not found!",)),
    SearchDoc(id="intro", title="什么是nacos", url="q/intro/",
                     answer="Nacos 是一个服务发现和配置管理平台。", tags=("nacos",)),
    SearchDoc(id="cfg", title="configuration refresh does not work", url="q/cfg/",
                     answer="Check that the configuration listener is registered before publishing (when a < b & c).",
                     tags=("configuration",)),
    SearchDoc(id="db", title="数据库连接被拒绝", url="q/db/",
                     answer="java.net.ConnectException: Connection refused 说明数据库没有启动。",
                     tags=("数据库",)),
    SearchDoc(id="mem", title="启动时内存不足", url="q/mem/",
                     answer="调整 JVM 参数 -Xms 和 -Xmx，避免 OutOfMemoryError。", tags=("内存",)),
    SearchDoc(id="ns-what", title="什么是命名空间", url="q/ns-what/",
                     answer="命名空间用来隔离不同环境的配置。", tags=("命名空间",)),
    SearchDoc(id="ns-delete", title="命名空间", url="q/ns-delete/", question="删除命名空间以后报错",
                     answer="删除命名空间前先删除其中的配置，命名空间为空才能删除。", tags=("命名空间",)),
    SearchDoc(id="mysql57", title="外置数据库的驱动版本", url="q/mysql57/",
                     answer="使用 MySQL 5.7 时用默认的驱动。", tags=("数据库",)),
    SearchDoc(id="mysql80", title="外置数据库的驱动版本", url="q/mysql80/",
                     answer="使用 MySQL 8.0 时需要换成新的驱动。", tags=("数据库",)),
]


@pytest.fixture(scope="module")
def index():
    return search.build_index(DOCS, None)


def top(index, query, n=1):
    return [h.id for h in search.search(index, query, limit=n)]


def test_chinese_words_with_spaces_and_without(index):
    assert top(index, "客户端 心跳 不发送") == ["hb"]
    assert top(index, "客户端心跳不发送") == ["hb"]


def test_mixed_chinese_and_latin_without_spaces(index):
    assert top(index, "什么是nacos") == ["intro"]


def test_english_query_finds_chinese_entry_through_glossary(index):
    assert top(index, "heartbeat not sent") == ["hb"]
    assert top(index, "which ports must be opened") == ["ports"]
    assert top(index, "authentication login failed") == ["auth"]
    assert top(index, "out of memory at startup") == ["mem"]


def test_colloquial_question_words_read_as_the_question_they_ask(index):
    assert top(index, "命名空间是干嘛的") == ["ns-what"]
    assert top(index, "命名空间是做什么的") == ["ns-what"]


def test_a_phrase_that_stop_words_reduce_to_one_word_is_not_its_synonym():
    # "log in" is a synonym of login; it does not make "log" (日志) one.
    groups, _ = parse(bare_vocabulary(), "login")
    alternatives = [alt.tokens for g in groups for alt in g.alts]
    assert ("登录",) in alternatives and ("log",) not in alternatives


def test_letters_and_numbers_written_together_find_them_written_apart(index):
    assert top(index, "mysql8.0") == ["mysql80"]
    assert top(index, "mysql8.0 驱动") == ["mysql80"]
    assert top(index, "mysql5.7 驱动") == ["mysql57"]
    # The word's runs are one alternative of its group, weighed in the fields they occur in.
    groups, marks = parse(bare_vocabulary(), "mysql8.0")
    assert ("mysql", "8.0") in [alt.tokens for alt in groups[0].alts]
    assert {"mysql", "8.0"} <= set(marks)


def test_chinese_query_finds_english_entry(index):
    assert top(index, "配置 刷新 不生效") == ["cfg"]


def test_typo_tolerance_for_latin_words(index):
    assert top(index, "configuraton refresh") == ["cfg"]
    assert top(index, "nacso 是什么") == ["intro"]


def test_a_form_of_a_word_the_site_never_writes_finds_the_forms_it_does(index):
    # The site writes "refresh" and "publishing", never "refreshing" or "published".
    assert top(index, "refreshing") == ["cfg"]
    assert top(index, "config not refreshing") == ["cfg"]
    assert top(index, "published") == ["cfg"]
    groups, _ = parse(index.vocabulary(), "refreshing")  # the known form, and its glossary synonyms
    assert {("refresh",), ("刷新",)} <= {alt.tokens for alt in groups[0].alts}


def test_traditional_characters(index):
    assert top(index, "客戶端不發送心跳") == ["hb"]
    assert top(index, "開啟鑒權後登錄失敗") == ["auth"]


def test_pasted_error_line_matches_error_signature(index):
    assert top(index, "NacosException: http error, code=403,msg=user not found!,dataId=app.yml") == ["403"]
    assert top(index, "Caused by: java.net.ConnectException: Connection refused (Connection refused)") == ["db"]


def test_hits_have_url_score_and_escaped_highlighted_snippet(index):
    hits = search.search(index, "configuration listener", limit=3)
    hit = hits[0]
    assert (hit.id, hit.url) == ("cfg", "q/cfg/")
    assert hit.score > 0
    assert "<mark>listener</mark>" in hit.snippet
    assert "a &lt; b &amp; c" in hit.snippet
    assert "**listener**" in hit.highlight
    d = hit.as_dict()
    assert {"id", "title", "url", "score", "snippet"} <= set(d)
    json.loads(search_output.hits_json(hits))
    assert "q/cfg/" in search_output.format_hits(hits)


def test_limit_and_empty_queries(index):
    assert len(search.search(index, "nacos 客户端 端口", limit=2)) <= 2
    assert search.search(index, "") == []
    assert search.search(index, "   ") == []
    assert search.search(index, "的 了 是") is not None
    assert search_output.format_hits([], "x") == "no results for 'x'"


def test_query_terms_include_synonyms():
    terms = query_terms("heartbeat")
    assert "heartbeat" in terms and "心跳" in terms
    assert "密码" in query_terms("password")
    assert "端口" in query_terms("PORT")


def test_a_search_document_holds_canonical_tags_keywords_and_the_graphs_signatures():
    entry = Entry(id="e1", title="启动报错", question="启动报错", answer="java.lang.IllegalStateException: boom",
                  source_path="e1.md", tags=("raw",))
    doc = pipeline.search_doc(NormalizedEntry(entry, tags=(Tag("qi-dong", "启动"),), keywords=("jvm",)), ("sig",))
    assert doc.url == "q/e1/" and doc.tags == ("启动", "jvm") and doc.keywords == ("jvm",) and doc.errors == ("sig",)


def test_kb_search_of_a_content_folder_indexes_the_sites_error_signatures(tmp_path):
    """One extractor: `kb search --content` holds the signatures the site's error index lists."""
    content = tmp_path / "content"
    content.mkdir()
    (content / "a.md").write_text(
        '---\nid: "a1"\ntitle: "启动报错 java.lang.IllegalStateException: boom happened"\ntags: ["启动"]\n---\n\n'
        "## 用户问题 ：\n启动报错 java.lang.IllegalStateException: boom happened\n\n## 专家官方解答 ：\n\n重启。\n",
        encoding="utf-8")
    gathered = pipeline.gather(pipeline.Settings(content_dir=content))
    (doc,) = pipeline.search_docs(gathered.entries, gathered.graph)
    assert doc.errors == gathered.graph.links["a1"].errors and doc.errors
    idx = pipeline.index_for_content(content, cache=False)
    assert [h.id for h in idx.search("IllegalStateException boom happened")] == ["a1"]


def test_an_index_in_memory_spills_to_a_folder_of_its_own(tmp_path, monkeypatch):
    """whoosh's in-memory index spills to `<tmp>/MAIN.tmp`, one path for every process and
    user: kb's writer never touches it, and leaves no folder of its own behind."""
    import tempfile

    monkeypatch.setattr(tempfile, "tempdir", str(tmp_path))
    (tmp_path / "MAIN.tmp").write_text("someone else's", encoding="utf-8")
    (tmp_path / "MAIN.tmp.toc").mkdir()
    idx = search.build_index(DOCS, None)
    assert [h.id for h in idx.search("heartbeat", 1)] == ["hb"]
    assert (tmp_path / "MAIN.tmp").read_text(encoding="utf-8") == "someone else's"
    assert sorted(p.name for p in tmp_path.iterdir() if p.name != "jieba.cache") == ["MAIN.tmp", "MAIN.tmp.toc"]
    storage = search._PrivateRamStorage()
    first, second = (storage.temp_storage("MAIN.tmp") for _ in range(2))
    assert first.folder != second.folder and Path(first.folder).parent == tmp_path
    storage.remove_spills()
    assert not Path(first.folder).exists() and not Path(second.folder).exists()


def test_kb_search_of_a_content_folder_keeps_one_index_in_the_users_cache_folder(tmp_path, monkeypatch):
    """Not in the shared temporary folder (another user could put index files there first);
    one index per content folder: the index of content that changed since is removed."""
    import tempfile

    monkeypatch.setenv("KB_CACHE_DIR", str(tmp_path / "cache"))
    monkeypatch.setattr(tempfile, "tempdir", str(tmp_path / "tmp"))
    (tmp_path / "tmp").mkdir()
    content = tmp_path / "content"
    content.mkdir()
    entry = "---\nid: a1\ntitle: 启动报错 {0}\n---\n\n## 专家官方解答 ：\n\n重启 {0}。\n"
    (content / "a.md").write_text(entry.format("alpha"), encoding="utf-8")
    search_folder = tmp_path / "cache" / "search"
    idx = pipeline.index_for_content(content)
    assert [h.id for h in idx.search("alpha")] == ["a1"]
    idx.close()
    (kept,) = [p for p in search_folder.rglob("*") if p.parent.parent == search_folder]
    again = pipeline.index_for_content(content)  # unchanged content: the kept index, not made again
    again.close()
    assert [p for p in search_folder.rglob("*") if p.parent.parent == search_folder] == [kept]
    (content / "a.md").write_text(entry.format("beta"), encoding="utf-8")
    os.utime(content / "a.md", ns=(1, 1))
    changed = pipeline.index_for_content(content)
    assert [h.id for h in changed.search("beta")] == ["a1"] and not changed.search("alpha")
    changed.close()
    (now,) = [p for p in search_folder.rglob("*") if p.parent.parent == search_folder]
    assert now != kept and not kept.exists()
    assert [p.name for p in (tmp_path / "tmp").iterdir() if p.name != "jieba.cache"] == []


def test_build_to_directory_is_atomic_and_reopens(tmp_path):
    site = tmp_path / "site"
    where = site / "index"
    idx = search.build_index(DOCS[:3], where)
    assert idx.doc_count == 3
    idx.close()
    idx = search.build_index(DOCS, where)  # rebuild replaces the old index
    idx.close()
    assert search.index_exists(where) and not search.index_exists(tmp_path / "nothing")
    again = search.open_index(where)
    assert again.doc_count == len(DOCS)
    assert [h.id for h in again.search("heartbeat", 1)] == ["hb"]
    again.close()
    assert [p.name for p in site.iterdir()] == ["index"]  # no temp dirs left behind
    with pytest.raises(search.IndexNotFound):
        search.open_index(tmp_path / "nothing")


def test_site_glossary_extends_the_shipped_one(tmp_path):
    extra = tmp_path / "_glossary.yml"
    extra.write_text("groups:\n  - [flux capacitor, 通量电容]\n", encoding="utf-8")
    docs = [SearchDoc(id="fc", title="通量电容损坏", url="q/fc/"),
            SearchDoc(id="other", title="其他问题", url="q/other/")]
    idx = search.build_index(docs, None, search.default_analysis(docs, [extra]))
    assert [h.id for h in idx.search("flux capacitor broken", 1)] == ["fc"]


def test_index_for_content(tmp_path):
    content = tmp_path / "content"
    content.mkdir()
    (content / "a.md").write_text(
        '---\nid: "a1"\ntitle: "客户端心跳超时"\ndate: "2024-01-01"\ntags: ["心跳"]\n---\n\n## 用户问题 ：\n客户端心跳超时\n\n'
        "## 专家官方解答 ：\n\n调大超时时间。\n", encoding="utf-8")
    idx = pipeline.index_for_content(content, cache=False)
    assert [h.id for h in idx.search("heartbeat timeout")] == ["a1"]


@settings(max_examples=300, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(query=st.text(max_size=200))
def test_random_queries_never_raise(index, query):
    hits = search.search(index, query, limit=5)
    assert isinstance(hits, list)
    query_terms(query, index.vocabulary())


@settings(max_examples=100, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(query=st.text(alphabet=st.sampled_from(list("客户端心跳配置鉴權nacos:=,.()!<>&\"' 403Exception")), max_size=60))
def test_random_domain_like_queries_never_raise(index, query):
    for hit in search.search(index, query, limit=5):
        assert "<" not in hit.snippet.replace("<mark>", "").replace("</mark>", "")


# --------------------------------------------------------------------------- the real corpus

def _dev_queries():
    path = SHARED / "eval" / "queries_dev.jsonl"
    return [json.loads(line) for line in path.read_text(encoding="utf-8").splitlines() if line.strip()]


@pytest.mark.corpus
@pytest.mark.skipif(not (SHARED / "corpus" / "nacos-faq").is_dir() or not (SHARED / "eval" / "queries_dev.jsonl").is_file(),
                    reason="needs ../shared/corpus/nacos-faq and ../shared/eval/queries_dev.jsonl")
def test_dev_set_quality():
    idx = pipeline.index_for_content(SHARED / "corpus" / "nacos-faq", cache=False)
    queries = _dev_queries()
    s5 = mrr = 0.0
    for item in queries:
        rel = {f"question-history-{r}" for r in item["rel"]}
        ranked = [h.id for h in search.search(idx, item["q"], limit=10)]
        first = next((i for i, d in enumerate(ranked) if d in rel), None)
        if first is not None:
            s5 += first < 5
            mrr += 1 / (first + 1)
    assert s5 / len(queries) >= 0.96
    assert mrr / len(queries) >= 0.88  # acceptance is 0.90 on the benchmark; a little slack here


# --------------------------------------------------------------------------- shared analysis

def _postings(idx: search.Index) -> dict:
    reader = idx.ix.reader()
    out = {}
    for name in (*FIELD_BOOSTS, *GRAM_FIELD_BOOSTS):
        out[name] = ({t: list(reader.postings(name, t).items_as("weight")) for t in reader.lexicon(name)},
                     [reader.doc_field_length(d, name) for d in range(reader.doc_count_all())])
    out["stored"] = [reader.stored_fields(d) for d in range(reader.doc_count_all())]
    return out


def test_build_index_with_an_analysis_equals_without():
    analysis = search.default_analysis(DOCS)
    given_ = search.build_index(DOCS, None, analysis)
    alone = search.build_index(DOCS, None)
    assert given_.meta == alone.meta
    assert _postings(given_) == _postings(alone)
    assert top(given_, "心跳") == top(alone, "心跳") == ["hb"]


def test_an_analysis_of_other_documents_is_not_used():
    other = search.default_analysis(DOCS[:-1])
    idx = search.build_index(DOCS, None, other)
    assert idx.doc_count == len(DOCS) and top(idx, "内存不足") == ["mem"]


def test_doc_terms_fields():
    analyzer = Analyzer()
    terms = doc_terms(DOCS[3], analyzer)
    assert set(terms.fields) == set(TERM_FIELDS)
    assert "nacosexception" in terms.fields["errors"] and "nacos" in terms.fields["parts"]
    assert terms.fields["question"] == ()  # no question: not the title again
    first = doc_terms(DOCS[0], analyzer)
    assert "心跳" in first.fields["tgrams"] or "心跳" in first.fields["title"]
