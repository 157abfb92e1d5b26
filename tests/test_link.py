"""link.py and errors.py: signatures, link resolution, duplicates, hubs and the graph."""
from __future__ import annotations

import json
import re
import time
from pathlib import Path

import pytest

from kb_builder import hubs, link, references, similar, tags
from kb_builder.analyze import Analyzer, Segmentations
from kb_builder.errors import extract_signatures, normalize_signature
from kb_builder.ingest import read_corpus
from kb_builder.model import Entry, NormalizedEntry, Reference, Tag
from kb_builder.store import Store

FIXTURES = Path(__file__).resolve().parent / "fixtures" / "link"
CORPUS = Path(__file__).resolve().parents[2] / "shared" / "corpus" / "nacos-faq"


def normalized(entry: Entry) -> NormalizedEntry:
    tags, seen = [], set()
    for raw in entry.tags:
        slug = raw.strip().lower()
        if slug and slug not in seen:
            seen.add(slug)
            tags.append(Tag(slug, raw.strip()))
    return NormalizedEntry(entry, tuple(tags), keywords=entry.keywords)


def make(entry_id: str, title: str, question: str | None = None, tags=(), refs=(), answer="text",
         path: str | None = None) -> NormalizedEntry:
    entry = Entry(id=entry_id, title=title, question=question or title, answer=answer,
                  source_path=path or f"{entry_id}.md", tags=tuple(tags), references=tuple(refs))
    return normalized(entry)


@pytest.fixture(scope="module")
def fixture_entries():
    corpus = read_corpus(FIXTURES)
    assert not corpus.errors
    return [normalized(e) for e in corpus.entries]


@pytest.fixture(scope="module")
def graph(fixture_entries):
    return link.build_graph(fixture_entries)


def keys(text: str) -> list[str]:
    return [s.display for s in extract_signatures(text, ("nacos",))]


# --------------------------------------------------------------------------- error signatures

def test_exception_class_and_message():
    found = keys("客户端报 com.alibaba.nacos.api.exception.NacosException: user not found! 怎么办")
    assert "NacosException: user not found" in found and "user not found" in found
    assert "NacosException" not in found  # the product's own base class says nothing alone
    found = keys("服务端启动报 java.net.BindException: Address already in use")
    assert "BindException" in found and "Address already in use" in found


def test_lowercase_qualified_exception_is_canonicalised():
    assert keys("连接报错 com.alibaba.shaded.io.grpc.connectionRefusedexception unknown")[0] == \
        "ConnectionRefusedException"
    found = extract_signatures("报错 com.alibaba.nacos.api.exception.nacosexception: token invalid", ())
    assert found[0].display == "NacosException"


def test_plain_words_ending_in_error_are_not_exceptions():
    assert not [s for s in extract_signatures("some error happened", ()) if s.kind == "exception"]


def test_bracketed_code():
    assert "[db-load-error]" in keys("启动时报[db-load-error]load jdbc.properties error")


def test_http_status_with_message():
    assert "403 user not found" in keys("http error, code=403,msg=user not found!,dataId=a.yml")
    assert "403 unknown user" in keys('login failed: {"code":403,"message":"unknown user!"}')
    # a status's standard reason phrase is no message
    assert not [k for k in keys('"status":501,"error":"Not Implemented","message":"x"') if "Implemented" in k]


def test_a_status_alone_is_not_listed():
    assert keys("开启鉴权后一直报403") == []
    assert keys("访问 8848 端口的控制台") == []


def test_quoted_and_pasted_messages():
    assert "No DataSource set" in keys('日志里出现 "No DataSource set"，怎么处理')
    assert "Can't find dependent libraries" in keys("升级后启动报错Can't find dependent libraries")
    assert "read timeout" in keys("nacos 时不时的报read timeout 有人遇到过吗")


def test_variable_parts_are_normalised():
    assert normalize_signature("Fail to connect 10.1.2.3:9848") == "Fail to connect <ip>"
    assert normalize_signature("Task x@12819f3d rejected") == "Task x@<id> rejected"
    assert keys("ERROR Fail to connect 10.1.2.3:9848, remoting exception")[0] == "Fail to connect <ip>"
    a = extract_signatures("日志报错 Fail to connect 10.1.2.3:9848", ())
    b = extract_signatures("日志报错 fail to connect 192.168.0.1:7848", ())
    assert a[0].key == b[0].key


def test_metric_alert():
    assert "nacos_exception_total{name='unhealth'}" in keys("nacos_exception_total{name='unhealth'} 是什么意思")


def test_no_noise_from_ordinary_questions():
    for text in ("How to clear old logs", "nacos 配置 tomcat.connection-timeout=5000",
                 "nacos docker 单机版部署", "What is the difference between A and B?",
                 "Spring Cloud 2021 用哪个版本"):
        assert keys(text) == [], text


# --------------------------------------------------------------------------- link resolution

MAPS = references.LinkMaps((("NACOS-user-question-history11440.md", "question-history-11440"),
                             ("guide/setup.md", "setup")))


@pytest.mark.parametrize("target, expected", [
    ("./user-question-history11440.md", "question-history-11440"),  # prefix differs from our file name
    ("NACOS-user-question-history11440.md", "question-history-11440"),
    ("./NACOS-user-question-history11440", "question-history-11440"),
    ("question-history-11440", "question-history-11440"),  # by id
    ("guide/setup.md", "setup"),
    ("../guide/setup.md#step-2", "setup"),
    ("setup.md", "setup"),
    ("https://example.org/user-question-history11440.md", None),
    ("#anchor", None),
    ("./missing-page.md", None),
    ("./picture.png", None),
    ("", None),
])
def test_resolve_link(target, expected):
    assert references.resolve_link(target, MAPS) == expected


def test_title_matching():
    assert references.title_matches(references.title_key("专家经验：Nacos 客户端和服务端版本的兼容性问题"),
                              references.title_key("nacos客户端和服务端的版本兼容性"))
    # short titles only match exactly: "介绍" is not "端口介绍"
    assert not references.title_matches(references.title_key("Nacos 介绍"), references.title_key("nacos 端口介绍"))
    # a version number is not a typo
    assert not references.title_matches(references.title_key("升级到 2.2.3 以后无法启动服务端"),
                                  references.title_key("升级到 2.3.2 以后无法启动服务端"))


def test_near_identical():
    assert references.near_identical(references.title_key("nacos 如何修改密码？"), references.title_key("nacos如何修改密码"))
    assert not references.near_identical(references.title_key("docker 搭建单机配置中心的具体方法"),
                                   references.title_key("docker 搭建集群配置中心的具体方法"))
    assert not references.near_identical(references.title_key("客户端 2.2.1 报错"), references.title_key("客户端 2.2.3 报错"))


# --------------------------------------------------------------------------- the graph on fixtures

def test_every_entry_has_links(graph, fixture_entries):
    assert set(graph.links) == {n.entry.id for n in fixture_entries}
    json.dumps(graph.stats)


def test_expert_reference_resolves_and_missing_one_is_reported(graph):
    refs = dict((r.text, target) for r, target in graph.links["port-busy"].references)
    assert refs["专家经验：如何修改服务端口"] == "change-port"
    assert refs["专家经验：一篇并不存在的经验文章"] is None
    assert refs["官方文档"] is None  # external: kept, not an entry
    external = [r for r, _ in graph.links["port-busy"].references if r.text == "官方文档"][0]
    assert external.target == "https://example.org/docs/ports"
    unresolved = [(eid, r.text) for eid, r in graph.unresolved]
    assert ("port-busy", "专家经验：一篇并不存在的经验文章") in unresolved
    assert all(r.target is None or not r.target.startswith("http") for _, r in graph.unresolved)
    assert graph.stats["references"]["unresolved"] == 1
    assert graph.stats["references"]["external"] == 1


def test_relative_md_reference_resolves(graph):
    (ref, target), = graph.links["change-port"].references
    assert ref.target == "./user-question-history11440.md"
    assert target == "question-history-11440"


def test_backlinks(graph):
    assert "port-busy" in graph.links["change-port"].referenced_by
    assert "change-port" in graph.links["question-history-11440"].referenced_by
    assert graph.links["port-busy"].referenced_by == ()


def test_duplicates_are_grouped_not_related(graph):
    assert ("change-port", "question-history-11440") in graph.duplicate_groups
    assert graph.links["change-port"].also_asked == ("question-history-11440",)
    related_ids = [r.entry_id for r in graph.links["change-port"].related]
    assert "question-history-11440" not in related_ids and "change-port" not in related_ids


def test_related_ranked_limited_and_thresholded(fixture_entries):
    graph = link.build_graph(fixture_entries, related_limit=2, min_score=0.05)
    for entry_id, links in graph.links.items():
        assert len(links.related) <= 2
        scores = [r.score for r in links.related]
        assert scores == sorted(scores, reverse=True)
        assert all(r.entry_id != entry_id for r in links.related)
    related = [r.entry_id for r in graph.links["port-busy"].related]
    # The port question (one entry of its "also asked as" group) comes first; the two login
    # questions share only a tag, no ordinary word of their questions: no link.
    assert related[0] in ("change-port", "question-history-11440")
    assert "login-password" not in [r.entry_id for r in graph.links["login-user-not-found"].related]
    strict = link.build_graph(fixture_entries, min_score=0.99)
    assert all(not l.related for l in strict.links.values())


def test_hubs(graph):
    hubs = {h.slug: h for h in graph.hubs}
    assert "port-busy" in hubs["startup"].entry_ids
    groups = {g.slug: g.entry_ids for g in hubs["startup"].groups}
    assert "port-busy" in groups["port-in-use"]
    assert "login-user-not-found" in hubs["auth"].entry_ids
    auth_groups = {g.slug: g.entry_ids for g in hubs["auth"].groups}
    assert "login-user-not-found" in auth_groups["login-rejected"]
    assert "english-403" in hubs["auth"].entry_ids
    assert "db-load-error" in hubs["database"].entry_ids
    assert "docker-console" in {g.slug: g.entry_ids for g in hubs["deployment"].groups}["docker"]
    assert "config-refresh" in hubs["config-not-applied"].entry_ids
    for hub in graph.hubs:
        assert hub.slug.isascii() and set(hub.title) >= {"zh", "en"}
        for group in hub.groups:
            assert set(group.title) >= {"zh", "en"}
    assert "auth" in graph.links["login-user-not-found"].hubs
    assert graph.stats["entries_in_no_hub"] == len(graph.links) - graph.stats["entries_in_hubs"]


def test_error_index(graph):
    index = graph.error_index
    assert list(index) == sorted(index, key=lambda k: (k.lower(), k))
    assert index["[db-load-error]"] == ("db-load-error",)
    assert index["No DataSource set"] == ("db-load-error",)
    assert "login-user-not-found" in index["user not found"]  # merged: each form is an alias
    assert "403 user not found" in graph.error_aliases["user not found"]
    assert "user not found" in graph.links["login-user-not-found"].errors
    assert "BindException" in index and "Address already in use" in index
    for signatures in (l.errors for l in graph.links.values()):
        assert all(s in index for s in signatures)


def test_format_summary(graph):
    text = link.format_summary(graph.stats)
    assert "unresolved" in text and "一篇并不存在的经验文章" in text
    assert f"{graph.stats['error_signatures']} error signatures" in text


def test_empty_input():
    graph = link.build_graph([])
    assert graph.links == {} and graph.stats["entries"] == 0
    link.format_summary(graph.stats)


def test_self_reference_is_not_a_link():
    a = make("a", "如何开启鉴权功能", refs=[Reference("专家经验：如何开启鉴权功能")])
    b = make("b", "鉴权开启后客户端如何配置用户")
    graph = link.build_graph([a, b])
    assert graph.links["a"].references[0][1] is None
    assert graph.links["a"].referenced_by == ()


# --------------------------------------------------------------------------- hub rules

def test_default_rules_load():
    rules = hubs.load_hub_rules()
    slugs = [h.slug for h in rules.hubs]
    for wanted in ("startup", "auth", "connectivity", "deployment", "database", "upgrade", "config-not-applied",
                   "registry", "cluster", "performance", "security", "logs-monitoring"):
        assert wanted in slugs


def test_site_rules_replace_defaults(tmp_path):
    rules = tmp_path / "hubs.yml"
    rules.write_text(
        "hubs:\n"
        "  - slug: ports\n"
        "    title: {zh: 端口, en: Ports}\n"
        "    match: {keywords: [端口]}\n"
        "    groups:\n"
        "      - slug: busy\n"
        "        title: {zh: 被占用, en: In use}\n"
        "        match: {patterns: ['占用|already in use']}\n",
        encoding="utf-8",
    )
    entries = [make("p1", "端口被占用怎么办"), make("p2", "如何修改端口"), make("x", "无关的问题")]
    graph = link.build_graph(entries, hub_rules=rules)
    (hub,) = graph.hubs
    assert hub.slug == "ports"
    assert {g.slug: g.entry_ids for g in hub.groups} == {"busy": ("p1",), "other": ("p2",)}
    assert graph.links["x"].hubs == ()


@pytest.mark.parametrize("text", [
    "hubs: 3",
    "hubs:\n  - slug: Not Ascii\n",
    "hubs:\n  - slug: a\n    match: {patterns: ['(unclosed']}\n",
    "hubs:\n  - slug: a\n  - slug: a\n",
])
def test_bad_rules_are_rejected(tmp_path, text):
    path = tmp_path / "hubs.yml"
    path.write_text(text, encoding="utf-8")
    with pytest.raises(hubs.HubRulesError):
        hubs.load_hub_rules(path)


# --------------------------------------------------------------------------- real corpus

@pytest.mark.corpus
def test_acceptance_on_real_corpus():
    if not CORPUS.is_dir():
        pytest.skip("the nacos-faq corpus is not available")
    entries = [normalized(e) for e in read_corpus(CORPUS).entries]
    link.build_graph(entries[:5])  # warm the segmenter
    start = time.perf_counter()
    graph = link.build_graph(entries)
    elapsed = time.perf_counter() - start
    stats = graph.stats
    assert stats["hub_coverage"] >= 0.5  # hubs are judged by precision (benchmarks/hub_quality.py)
    assert stats["error_signatures"] >= 50
    # Fewer, better links (benchmarks/related_quality.py): a link needs answers that say alike
    # things too, so many entries have none; a good share still have some.
    assert stats["related_coverage"] >= 0.35
    assert stats["duplicate_groups"] >= 5
    assert stats["references"]["resolved"] > 300
    assert "user not found" in graph.error_index and "No DataSource set" in graph.error_index
    assert elapsed < 15, elapsed


def test_relative_links_are_read_from_the_linking_entrys_folder():
    maps = references.LinkMaps((("sub/a.md", "a"), ("b.md", "b"), ("sub/b.md", "sb")))
    assert references.resolve_link("./b.md", maps, "sub/a.md") == "sb"
    assert references.resolve_link("../b.md#part", maps, "sub/a.md") == "b"
    assert references.resolve_link("b.md", maps) == "b"
    assert references.resolve_link("https://example.org/b.md", maps, "sub/a.md") is None


# --------------------------------------------------------------------------- live preview (kb serve)

def _random_weights(rng, vocab: list[str], n: int) -> list[dict[str, float]]:
    # Zipf-like: a few terms in most documents (above the postings cap), many rare ones.
    out = []
    for _ in range(n):
        terms = {vocab[min(int(rng.paretovariate(0.8)) - 1, len(vocab) - 1)] for _ in range(rng.randint(3, 12))}
        out.append({t: rng.choice((0.5, 1.0, 1.5, 2.0, 3.2)) for t in sorted(terms, key=lambda t: rng.random())})
    return out


@pytest.mark.parametrize("seed", range(6))
def test_similar_after_a_change_equals_a_fresh_computation(seed):
    """similar.similar reuses the previous result's vectors and neighbour lists: exactly the full result."""
    import random

    rng = random.Random(seed)
    vocab = [f"t{i}" for i in range(120)]
    weights = _random_weights(rng, vocab, 150)
    ids = tuple(f"e{i}" for i in range(len(weights)))
    limit, cap = 8, 40
    previous = similar.similar(None, ids, weights, limit, cap)
    for _ in range(4):
        weights = list(weights)
        for i in rng.sample(range(len(weights)), rng.choice((1, 1, 2, 5))):
            new = dict(weights[i])
            new.pop(rng.choice(list(new)), None)
            new[rng.choice(vocab)] = rng.choice((0.5, 1.0, 2.0))
            weights[i] = new
        kept = similar.similar(previous, ids, weights, limit, cap)
        fresh = similar.similar(None, ids, weights, limit, cap)
        assert [list(v.items()) for v in kept.vectors] == [list(v.items()) for v in fresh.vectors]
        assert kept.neighbours == fresh.neighbours
        assert kept.df == fresh.df
        previous = kept
    assert similar.similar(previous, ids, weights, limit, cap) is previous  # nothing changed: all reused


@pytest.mark.parametrize("seed", range(6))
def test_similar_after_adding_or_removing_docs_equals_a_fresh_computation(seed):
    """Docs added (anywhere in the order) and removed: the kept lists are renumbered, the
    lists the newcomers or the leavers can enter are redone, and the result is the full one."""
    import random

    rng = random.Random(seed)
    vocab = [f"t{i}" for i in range(3000)]

    def doc() -> dict[str, float]:  # a few common terms, mostly rare ones, as in real text
        terms = rng.sample(vocab[:12], 2) + rng.sample(vocab[12:400], 3) + rng.sample(vocab[400:], 4)
        return {t: rng.choice((0.5, 1.0, 2.0)) for t in terms}

    weights = [doc() for _ in range(300)]
    ids = [f"e{i:04d}" for i in range(len(weights))]
    limit, cap = 8, 100  # every doc has more candidates than it keeps: a floor
    previous = similar.similar(None, tuple(ids), tuple(weights), limit, cap)
    for step in range(6):
        ids, weights = list(ids), list(weights)
        if step % 2 == 0:  # add one or two docs at random places
            for _ in range(rng.choice((1, 2))):
                at = rng.randrange(len(ids) + 1)
                ids.insert(at, f"new{step}-{at}")
                weights.insert(at, doc())
        else:  # remove one or two
            for at in sorted(rng.sample(range(len(ids)), rng.choice((1, 2))), reverse=True):
                del ids[at], weights[at]
        kept = similar.similar(previous, tuple(ids), tuple(weights), limit, cap)
        fresh = similar.similar(None, tuple(ids), tuple(weights), limit, cap)
        assert kept.neighbours == fresh.neighbours and kept.floors == fresh.floors
        assert [list(v.items()) for v in kept.vectors] == [list(v.items()) for v in fresh.vectors]
        assert kept.df == fresh.df
        previous = kept
    # A newcomer of rare terms only (no other doc's idf moves): few lists are redone.
    ids.insert(7, "rare")
    weights.insert(7, {t: 1.0 for t in rng.sample(vocab[400:], 5) if all(t not in w for w in weights)})
    kept = similar.similar(previous, tuple(ids), tuple(weights), limit, cap)
    assert kept.neighbours == similar.similar(None, tuple(ids), tuple(weights), limit, cap).neighbours
    assert kept.recomputed < len(ids) / 10, kept.recomputed


def test_similar_redoes_only_the_lists_a_changed_doc_can_enter():
    """One doc gains a term: of the docs sharing a candidate-selecting term with it, only those
    whose candidate floor its partial score reaches get their neighbour list computed again."""
    import random

    redone = sharing = 0
    for seed in range(5):
        rng = random.Random(seed)
        vocab = [f"t{i}" for i in range(400)]
        # Every doc holds several terms below the cap: enough candidates for a floor.
        weights = [{t: rng.choice((0.5, 1.0, 2.0)) for t in rng.sample(vocab[:150], rng.randint(6, 12))
                    + rng.sample(vocab[150:], 2)} for _ in range(600)]
        ids = tuple(f"e{i}" for i in range(len(weights)))
        previous = similar.similar(None, ids, weights, 5, 60)
        assert all(f is not None for f in previous.floors)
        edited = list(weights)
        edited[17] = {**weights[17], rng.choice(vocab[150:]): 1.0}
        kept = similar.similar(previous, ids, edited, 5, 60)
        assert kept.neighbours == similar.similar(None, ids, edited, 5, 60).neighbours
        postings = similar._postings(kept.vectors)
        redone += kept.recomputed
        sharing += len({j for t in weights[17].keys() | edited[17].keys()
                        if len(postings.get(t, ())) <= 60 for j, _ in postings.get(t, ())})
    assert redone < sharing / 2, (redone, sharing)


def _entries_for_serve() -> list[NormalizedEntry]:
    topics = ["服务注册失败", "配置中心 动态刷新", "集群部署 raft", "鉴权 token 过期", "grpc 端口 9848",
              "持久化实例 删除", "mysql 数据源", "内存占用 高", "spring cloud alibaba 版本", "命名空间 隔离"]
    out = []
    for i in range(60):
        a, b = topics[i % len(topics)], topics[(i * 7 + 3) % len(topics)]
        refs = (Reference(f"专家经验：{topics[(i + 1) % len(topics)]} 问题 {i + 1}"),) if i % 4 == 0 else ()
        answer = f"见 [另一篇](./e{(i + 5) % 60}.md)。" if i % 5 == 0 else "text"
        out.append(make(f"e{i}", f"{a} 问题 {i}", f"{a} 时 {b} 报错 NacosException: user not found {i % 3}",
                        tags=[a.split()[0], b.split()[0]], refs=refs, answer=answer))
    return out


def _edited(entries: list[NormalizedEntry], k: int, **changes) -> list[NormalizedEntry]:
    from dataclasses import replace

    out = list(entries)
    out[k] = normalized(replace(entries[k].entry, **changes)) if "tags" in changes else \
        NormalizedEntry(replace(entries[k].entry, **changes), entries[k].tags, keywords=entries[k].keywords)
    return out


def test_graph_kept_between_rebuilds_equals_a_clean_build():
    """With a session's store (kb serve), build_graph reuses what did not change; after each
    edit (answer, title, question, tags, references, an added and a deleted entry) the graph
    equals one built from scratch, and verify mode finds no remembered value stale."""
    from dataclasses import replace

    entries = _entries_for_serve()
    edits = [
        _edited(entries, 3, answer="新的回答，见 [这篇](./e7.md)"),
        _edited(entries, 3, title="完全不同的标题 zookeeper 迁移"),
        _edited(entries, 8, question="grpc 端口 9848 连接失败 StatusRuntimeException: UNAVAILABLE"),
        _edited(entries, 12, tags=("全新标签", "服务注册失败")),
        _edited(entries, 20, references=(Reference("专家经验：集群部署 raft 问题 2"),)),
        entries + [make("e-new", "服务注册失败 问题 0", "服务注册失败 时 鉴权 token 过期 报错")],
        entries[:30] + entries[31:],
        [replace(n, entry=replace(n.entry, title=n.entry.title + " 新")) if i % 3 == 0 else n
         for i, n in enumerate(entries)],
    ]
    store, cuts = Store(verify=True), Segmentations()
    analyzer = Analyzer.of((), cuts)
    for edited in edits:
        link.build_graph(entries, analyzer, store=store)  # the build before the save
        store.end_build()
        kept = link.build_graph(edited, analyzer, store=store)
        store.end_build()
        again = link.build_graph(edited, analyzer, store=store)
        store.end_build()
        clean = link.build_graph(edited, Analyzer())
        assert kept == clean
        assert again == clean
    assert store.hits > 0


@pytest.mark.corpus
def test_graph_kept_through_taught_word_changes_equals_a_clean_build_on_the_real_corpus():
    """kb serve on real entries: a new Chinese tag (a word other entries' questions hold), a
    removed tag, a title cited by other entries and a question edit.  After each, the graph
    kept between rebuilds (neighbour lists redone only where a partial score can reach the
    candidates, resolver answers carried over, cuts kept across analyzers) equals a clean
    build, and verify mode finds no remembered value stale."""
    if not CORPUS.is_dir():
        pytest.skip("the nacos-faq corpus is not available")
    from collections import Counter
    from dataclasses import replace

    from kb_builder import analyze, pipeline
    from kb_builder.session import Session

    raw = list(read_corpus(CORPUS).entries[:400])
    known = {t for e in raw for t in e.tags}
    # A four-character run several questions hold that is no tag yet: taught, it re-cuts them.
    runs = Counter(q[i:i + 4] for e in raw for q in {analyze.fold(e.question)} for i in range(len(q) - 3))
    word = next(w for w, c in runs.most_common() if c >= 3 and re.fullmatch("[\u4e00-\u9fff]+", w) and w not in known)
    cited = Counter(references.title_key(r.text) for e in raw for r in e.references)
    target = next(i for i, e in enumerate(raw) if cited.get(references.title_key(e.title), 0) >= 2)
    tagged = next(i for i, e in enumerate(raw) if len(e.tags) >= 2 and i != target)
    edits = [
        {10: replace(raw[10], tags=(word, *raw[10].tags))},
        {tagged: replace(raw[tagged], tags=raw[tagged].tags[1:])},
        {target: replace(raw[target], title=raw[target].title + " 新版")},
        {25: replace(raw[25], question=raw[25].question + " 启动后心跳超时")},
    ]
    settings = tags.load_tag_settings()

    def graph(entries, session):
        analyzer, normalized = pipeline.normalized_entries(tuple(entries), settings, session=session)
        # A postings cap in proportion to 400 entries (the default suits thousands).
        found = link.build_graph(normalized, analyzer, max_postings=40, store=session.store)
        session.end_build()
        return found

    live = Session(verify=True)
    current = raw
    first = graph(current, live)
    # A reference matched fuzzily: its entry's title and question change beyond recognition.
    fuzzy = next(t for e in first.links.values() for _, t in e.references if t)
    at = next(i for i, e in enumerate(raw) if e.id == fuzzy)
    edits.append({at: replace(raw[at], title="完全无关的新标题 kbunrelated", question="完全无关的新问题")})
    for edit in edits:
        edited = [edit.get(i, e) for i, e in enumerate(current)]
        kept = graph(edited, live)
        assert kept == graph(edited, Session())
        current = edited


def test_hub_keywords_match_latin_words_whole_and_chinese_anywhere():
    pattern = hubs._keyword_regex(["spring cloud", "spring cloud alibaba", "nacos", "心跳"])
    assert pattern.search("升级 spring cloud alibaba2 之后")  # the longer keyword fails its boundary, the shorter holds
    assert pattern.search("用 nacos-client 连接")
    assert not pattern.search("springcloud 与 nacosx")
    assert pattern.search("客户端心跳异常")
    assert hubs._keyword_regex([]) is None
    assert not hubs._keyword_regex(["nacos"]).search("2nacos")


def _cited_entries(cited: str, title: str = "服务实例注册失败排查和解决方法") -> list[NormalizedEntry]:
    return [make("e0", title, title), make("e1", "另外一个问题", "另外一个问题", refs=(Reference(cited),))] + \
        [make(f"e{i}", f"无关条目{i}号说明", f"无关条目{i}号说明") for i in range(2, 8)]


def test_kept_fuzzy_reference_answers_follow_taught_words():
    """Words taught between two rebuilds change how a cited title is cut, although no entry's
    own terms change: the kept graph resolves the reference as a clean build does."""
    cited = "服务实例注册失败时排查和解决方法"
    entries = _cited_entries(cited)
    store, cuts = Store(verify=True), Segmentations()

    def refs(words, store=store, cuts=cuts):
        found = link.build_graph(entries, Analyzer.of(words, cuts), store=store).links["e1"].references
        store.end_build()
        return found

    assert refs(())[0][1] == "e0"  # matched fuzzily
    kept = refs((cited,))  # now one word: no term in common with e0 any more
    assert kept == refs((cited,), Store(), Segmentations())


def test_kept_fuzzy_reference_answers_outlive_an_added_or_removed_entry(monkeypatch):
    """An entry added or removed moves the others' positions: a cited title matched fuzzily is
    not matched again unless the entry shares one of its terms, and the answers equal a clean
    build's (verify mode)."""
    cited = "服务实例注册失败时排查和解决方法"
    entries = _cited_entries(cited)
    unrelated = make("e-new", "控制台页面空白显示", "控制台页面空白显示")
    sharing = make("e-other", "服务实例注册失败时排查", "服务实例注册失败时排查")
    fuzzy: list[str] = []
    real = references.TitleResolver._fuzzy
    monkeypatch.setattr(references.TitleResolver, "_fuzzy", lambda self, key, text: fuzzy.append(text) or real(self, key, text))
    store, analyzer = Store(verify=True), Analyzer.of((), Segmentations())
    asked = []
    for corpus in (entries, [unrelated] + entries, entries, entries + [sharing]):
        fuzzy.clear()
        found = link.build_graph(corpus, analyzer, store=store).links["e1"].references
        store.end_build()
        assert found == link.build_graph(corpus, Analyzer.of((), Segmentations())).links["e1"].references
        asked.append(len([t for t in fuzzy if t == cited]))
    # each step's clean build asks once; the live one only when the cited text's candidates changed
    assert asked == [2, 1, 1, 2]


def test_kept_fuzzy_reference_answers_do_not_pile_up():
    """A live-preview session that keeps changing a cited text (and another entry's title, so
    the resolver is made again each time) keeps only the answers its last build asked for."""
    store, analyzer = Store(), Analyzer.of((), Segmentations())
    for i in range(30):
        entries = [make("e0", "配置中心问题修改说明" + chr(0x4e00 + 3000 + i)),
                   make("e1", "另外一个问题", refs=(Reference(f"某个引用的标题版本{i}号"),))] + \
            [make(f"e{k}", f"无关条目{k}号说明") for k in range(2, 8)]
        link.build_graph(entries, analyzer, store=store)
        store.end_build()
    resolver = store._derived_older[("kb_builder.link.new_resolver", None)][1]
    assert len(resolver.cache) <= 2


_GRAPH_JSON = """
import json, sys
from pathlib import Path
from kb_builder import link, normalize, tags
from kb_builder.ingest import read_corpus
graph = link.build_graph(normalize.normalize_corpus(read_corpus(Path(sys.argv[1])).entries))
print(json.dumps({k: [[(r.entry_id, r.score) for r in v.related], [t for _, t in v.references], v.also_asked]
                  for k, v in graph.links.items()}, sort_keys=True))
"""


@pytest.mark.corpus
def test_graph_is_the_same_under_any_string_hash_seed():
    """Two builds of the same content give the same related questions, references and
    duplicates, whatever order the process's string hashes give sets."""
    if not CORPUS.is_dir():
        pytest.skip("the nacos-faq corpus is not available")
    import os
    import subprocess
    import sys

    repo = Path(__file__).resolve().parents[1]
    out = []
    for seed in ("1", "2"):
        env = {**os.environ, "PYTHONHASHSEED": seed, "PYTHONPATH": str(repo)}
        out.append(subprocess.run([sys.executable, "-c", _GRAPH_JSON, str(CORPUS)], env=env, check=True,
                                  capture_output=True, text=True).stdout)
    assert out[0] == out[1] and len(out[0]) > 1000


def test_references_that_leave_the_site_are_resolved_without_the_other_entries():
    from kb_builder.model import Reference

    outside = (Reference("Docs", "https://example.org/a"), Reference("Here", "#usage"))
    assert not references.looks_up_entries(outside, ())
    assert references.looks_up_entries(outside, ("other.md",))  # a link in the answer
    assert references.looks_up_entries((*outside, Reference("Another question")), ())  # a bare title
    assert references.looks_up_entries((Reference("See", "other.md"),), ())  # a relative link
    ids = ("a", "b")
    maps = references.LinkMaps((("a.md", "a"), ("b.md", "b")))
    given = references.ResolverInput(ids, (("A", "A?"), ("B", "B?")), (frozenset(), frozenset()), 50)
    resolver = references.TitleResolver(given, Analyzer())
    looked_up = references.entry_references("a", "a.md", outside, (), resolver, maps)
    assert references.entry_references("a", "a.md", outside, (), None, None) == looked_up
    assert looked_up.stats == (("external", 2),) and looked_up.cites == ()


def test_kept_fuzzy_reference_answers_outlive_a_title_edit_through_a_common_word(monkeypatch):
    """A term in more entries than the cap picks no candidates: an entry's title edited while
    it keeps such a term (and shares no other with a cited title) does not match the cited
    title again, and the answers equal a clean build's (verify mode)."""
    cited = "服务实例注册失败时排查和解决方法配置"
    fillers = [make(f"f{i:02d}", f"配置说明第{i}条", f"配置说明第{i}条") for i in range(60)]
    fuzzy: list[str] = []
    real = references.TitleResolver._fuzzy
    monkeypatch.setattr(references.TitleResolver, "_fuzzy", lambda self, key, text: fuzzy.append(text) or real(self, key, text))
    store, analyzer = Store(verify=True), Analyzer.of((), Segmentations())
    asked = []
    for edited in ("配置说明第5条", "配置说明第5条已经改写", "配置说明第5条服务实例"):
        corpus = _cited_entries(cited) + [make(f.entry.id, edited, edited) if f.entry.id == "f05" else f
                                          for f in fillers]
        fuzzy.clear()
        found = link.build_graph(corpus, analyzer, store=store, max_postings=50).links["e1"].references
        store.end_build()
        assert found == link.build_graph(corpus, Analyzer.of((), Segmentations()), max_postings=50).links["e1"].references
        asked.append(len([t for t in fuzzy if t == cited]))
    # each step's clean build asks once; the live one again only for a title sharing 服务 and 实例
    assert asked == [2, 1, 2]
