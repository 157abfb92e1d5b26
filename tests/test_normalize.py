"""Tag and keyword normalisation (issue 3): pipeline rules, alias table, facets, report."""
from __future__ import annotations

import json
from collections import Counter
import time
from functools import lru_cache
from pathlib import Path

import pytest
from hypothesis import example, given, settings as hsettings, strategies as st

from kb_builder import normalize as N
from kb_builder import tags as T
from kb_builder import tagreport as R
from kb_builder.ingest import read_corpus
from kb_builder.model import Entry, NormalizedEntry, Tag

FIXTURES = Path(__file__).resolve().parent / "fixtures" / "normalize"
CORPUS = Path(__file__).resolve().parents[2] / "shared" / "corpus" / "nacos-faq"


@pytest.fixture(scope="module")
def s() -> T.TagSettings:
    """Shipped table plus a product name, as a Nacos site would configure it."""
    return T.load_tag_settings(site_tags=["nacos"])


@pytest.fixture(scope="module")
def acme() -> T.TagSettings:
    return T.load_tag_settings(site_tags=["Acme"])


@pytest.fixture(scope="module")
def fixture_entries():
    corpus = read_corpus(FIXTURES)
    assert not corpus.errors, corpus.errors
    return {e.id: e for e in corpus.entries}


def entry(**kw) -> Entry:
    base = dict(id="e1", title="t", question="q", answer="a", source_path="e1.md")
    base.update(kw)
    return Entry(**base)


# --------------------------------------------------------------------------- folding rules


@pytest.mark.parametrize("raw, folded", [
    ("ＡＰＩ", "api"),                 # NFKC: full width to half width
    ("Ｋ８Ｓ", "k8s"),
    ("Nacos", "nacos"),                # case folding
    ("NACOS", "nacos"),
    ("  docker  ", "docker"),          # trimming
    ("spring boot", "spring-boot"),    # separator folding
    ("spring_boot", "spring-boot"),
    ("spring-boot", "spring-boot"),
    ("Spring  __ Boot", "spring-boot"),
    ("客戶端", "客户端"),               # Traditional to Simplified
    ("服務端", "服务端"),
    ("錯誤", "错误"),
    ("#标签", "标签"),
    ("found!", "found"),
    ("c#", "csharp"),
    ("", ""),
    ("   ", ""),
    ("-_-", ""),
])
def test_fold_tag(raw, folded):
    assert T.fold_tag(raw) == folded


@pytest.mark.parametrize("raw", ["../etc/passwd", "a/b\\c", ".hidden", "x\x00y\x1f", "a?b#c%d", "con", "..", "/"])
def test_slugs_are_safe_path_segments(raw, s):
    tag = T.normalize_tag(raw, s)
    assert tag is None or T.is_safe_slug(tag), tag


def test_long_tags_are_cut_to_80_characters(s):
    tag = T.normalize_tag("word-" * 40, s)
    assert tag and len(tag) <= T.MAX_SLUG_LENGTH and T.is_safe_slug(tag)
    assert T.normalize_tag("长" * 200, s) == "长" * 80


# --------------------------------------------------------------------------- the real variants


@pytest.mark.parametrize("raw, canonical", [
    ("k8s", "kubernetes"), ("K8S", "kubernetes"), ("K8s", "kubernetes"), ("kubernetes", "kubernetes"),
    ("pg", "postgresql"), ("PG", "postgresql"), ("pgsql", "postgresql"), ("pgSQL", "postgresql"),
    ("postgres", "postgresql"), ("postgresql", "postgresql"), ("PostgreSQL", "postgresql"),
    ("postgrelsql", "postgresql"), ("pg数据库", "postgresql"),
    ("springboot", "spring-boot"), ("SpringBoot", "spring-boot"), ("spring boot", "spring-boot"),
    ("springBoot", "spring-boot"), ("Spring Boot", "spring-boot"),
    ("springcloud", "spring-cloud"), ("SpringCloud", "spring-cloud"),
    ("客戶端", "client"), ("客户端", "client"), ("Client", "client"),
    ("服務端", "server"), ("服务端", "server"),
    ("MySQL", "mysql"), ("mysql", "mysql"),
    ("长轮训", "long-polling"),
    ("nacos配置中心", "config-center"),   # the product name glued to a word is cut off
    ("Nacos注册中心", "registry"),
    ("C#", "csharp"),
])
def test_aliases(raw, canonical, s):
    assert T.normalize_tag(raw, s) == canonical


@pytest.mark.parametrize("raw", ["nacos", "Nacos", "NACOS", "opensource", "OpenSource", "nacos-opensource",
                                 "开源", "開源", "open-source", "open source"])
def test_site_wide_tags_are_not_tags(raw, s):
    result = T.classify_tag(raw, s)
    assert result.kind == "site" and result.tag is None
    assert result.site in s.site_tags


@pytest.mark.parametrize("raw", ["", " ", "问题", "方法", "遇到", "过", "使用", "吗", "not", "found", "a", "B"])
def test_empty_stopword_and_single_character_tags_are_dropped(raw, s):
    assert T.normalize_tag(raw, s) is None
    assert T.classify_tag(raw, s).kind in ("empty", "stopword", "short")


@pytest.mark.parametrize("raw, version", [
    ("223", "2.2.3"), ("v2.2.3", "2.2.3"), ("2.2.3", "2.2.3"), ("V2.2.3", "2.2.3"), ("２．２．３", "2.2.3"),
    ("232", "2.3.2"), ("2x", "2.x"), ("1.x", "1.x"), ("14x", "1.4.x"), ("20", "2.0"), ("v221", "2.2.1"),
    ("nacos223", "2.2.3"), ("Nacos20", "2.0"), ("nacos2x", "2.x"), ("2.3.0-beta", "2.3.0-beta"),
])
def test_versions_go_to_the_versions_facet(raw, version, s):
    result = T.classify_tag(raw, s)
    assert result.kind == "version" and result.tag is None
    assert result.version == version
    assert T.normalize_version(raw, s) == version


def test_product_component_with_version_keeps_the_component(s):
    result = T.classify_tag("nacos-client223", s)
    assert (result.tag, result.version) == ("nacos-client", "2.2.3")
    assert T.classify_tag("nacos-server-221", s).version == "2.2.1"


@pytest.mark.parametrize("raw, kind", [("403", "tag"), ("503", "tag"), ("8848", "tag"),
                                       ("127001", "number"), ("00009849", "number")])
def test_numbers_that_are_not_versions(raw, kind, s):
    """HTTP status codes and ports stay tags; long numbers (ids, addresses) are dropped."""
    assert T.classify_tag(raw, s).kind == kind


def test_bare_digits_can_be_left_alone():
    plain = T.TagSettings(expand_bare_digits=False)
    assert T.classify_tag("223", plain).tag == "223"
    assert T.classify_tag("v2.2.3", plain).version == "2.2.3"


# --------------------------------------------------------------------------- settings and labels


def test_labels(s):
    assert s.label_for("kubernetes") == "Kubernetes"
    assert s.label_for("postgresql", "zh") == "PostgreSQL"
    assert s.label_for("client", "zh") == "客户端"
    assert s.label_for("client", "en") == "Client"
    assert s.label_for("client") == "Client"
    assert s.label_for("no-such-tag", "zh") == "no-such-tag"
    zh = T.load_tag_settings(lang="zh")
    assert zh.label_for("client") == "客户端"


def test_site_extends_the_table():
    s = T.load_tag_settings(
        extra_aliases={"ACME Server": "acme-server", "acme-db": ["acmedb", "adb"],
                       "widget": {"label": {"zh": "小部件", "en": "Widget"}, "aliases": ["widgets", "小组件"]}},
        site_tags=["Acme"],
        extra_labels={"acme-server": "Acme Server", "kubernetes": {"en": "Kubernetes (K8s)"}},
        extra_stopwords=["thing"],
    )
    assert T.normalize_tag("acme_server", s) == "acme-server"
    assert T.normalize_tag("ADB", s) == "acme-db"
    assert T.normalize_tag("小組件", s) == "widget"
    assert s.label_for("widget", "zh") == "小部件"
    assert s.label_for("acme-server") == "Acme Server"
    assert s.label_for("kubernetes", "en") == "Kubernetes (K8s)"
    assert T.normalize_tag("k8s", s) == "kubernetes"  # shipped aliases still apply
    assert "acme" in s.site_tags and "opensource" in s.site_tags
    assert T.normalize_tag("thing", s) is None


def test_site_can_reverse_a_shipped_alias():
    s = T.load_tag_settings(extra_aliases={"kubernetes": "k8s"})
    assert T.normalize_tag("Kubernetes", s) == "k8s"
    assert T.normalize_tag("kube", s) == "k8s"


def test_alias_cycles_and_bad_values_are_errors():
    with pytest.raises(ValueError, match="cycle"):
        T.load_tag_settings(extra_aliases={"aaa": "bbb", "bbb": "ccc", "ccc": "aaa"})
    with pytest.raises(ValueError):
        T.load_tag_settings(extra_aliases={"": "x"})
    with pytest.raises(ValueError):
        T.load_tag_settings(extra_labels={"x": 3})


def test_shipped_table_is_consistent():
    s = T.load_tag_settings()
    for variant, canonical in s.aliases.items():
        assert T.fold_tag(variant) == variant
        assert T.fold_tag(canonical) == canonical and canonical not in s.aliases
        assert T.is_safe_slug(canonical)
        expected = None if canonical in s.site_tags else canonical
        assert T.normalize_tag(canonical, s) == expected, canonical
    for canonical in s.labels:
        assert T.normalize_tag(canonical, s) == (None if canonical in s.site_tags else canonical), canonical
    assert not (s.known & s.stopwords)


# --------------------------------------------------------------------------- entries


def test_normalize_entry_rules(acme, fixture_entries):
    item = N.normalize_entry(fixture_entries["norm-mixed-variants"], acme)
    assert isinstance(item, NormalizedEntry)
    slugs = [t.slug for t in item.tags]
    assert slugs == ["kubernetes", "postgresql", "spring-boot", "api"]  # order kept, duplicates gone
    assert item.tags[0] == Tag("kubernetes", "Kubernetes")
    assert item.versions == ("2.2.3",)
    assert item.keywords == ("kubernetes", "postgresql")
    assert not item.extracted


def test_traditional_chinese_entry(acme, fixture_entries):
    item = N.normalize_entry(fixture_entries["norm-traditional"], acme)
    assert [t.slug for t in item.tags] == ["client", "server", "error", "spring-boot"]
    assert item.tags[0].label == "客户端"  # a Chinese entry gets Chinese labels


def test_entry_without_tags_gets_extracted_tags(acme, fixture_entries):
    item = N.normalize_entry(fixture_entries["norm-untagged"], acme)
    assert item.extracted
    slugs = [t.slug for t in item.tags]
    assert 1 <= len(slugs) <= N.EXTRACTED_TAGS
    assert "redis" in slugs
    assert item.keywords == tuple(slugs)


def test_entry_whose_tags_are_all_dropped_gets_extracted_tags(acme, fixture_entries):
    item = N.normalize_entry(fixture_entries["norm-only-noise"], acme)
    assert item.extracted
    assert "grafana" in [t.slug for t in item.tags]


def test_keywords_stand_in_for_missing_tags(acme, fixture_entries):
    item = N.normalize_entry(fixture_entries["norm-keywords-only"], acme)
    assert not item.extracted
    assert [t.slug for t in item.tags] == ["console", "password", "acme-server"]
    assert item.versions == ("2.4.1",)


def test_entry_with_nothing_to_extract_gets_the_fallback_tag(acme, fixture_entries):
    item = N.normalize_entry(fixture_entries["norm-nothing"], acme)
    assert item.extracted
    assert [t.slug for t in item.tags] == [acme.fallback_tag]


def test_every_entry_keeps_a_tag(acme):
    for title in ["", "?", "的", "acme", "问题", "a b c"]:
        item = N.normalize_entry(entry(title=title, question=title, tags=("", "问题")), acme)
        assert item.tags and all(T.is_safe_slug(t.slug) and t.label for t in item.tags)


def test_extract_tags_directly(s):
    tags = N.extract_tags("Kubernetes 上部署 MySQL 连接超时", "", s)
    assert "kubernetes" in tags and "mysql" in tags


# --------------------------------------------------------------------------- corpus


def test_normalize_corpus_fixtures(acme, fixture_entries):
    items = N.normalize_corpus(list(fixture_entries.values()), acme)
    assert len(items) == len(fixture_entries)
    assert all(item.tags for item in items)
    for item in items:
        assert not {t.slug for t in item.tags} & acme.site_tags


def test_corpus_merges_separator_variants_and_derives_labels():
    entries = [
        entry(id="a", tags=("accesstoken", "NacosLikeException")),
        entry(id="b", tags=("access-token",)),
        entry(id="c", tags=("access_token", "NacosLikeException")),
        entry(id="d", tags=("nacoslikeexception", "Widget")),
    ]
    items = N.normalize_corpus(entries, T.load_tag_settings())
    assert [t.slug for t in items[0].tags] == ["access-token", "nacoslikeexception"]
    assert items[0].tags[1].label == "NacosLikeException"  # the form authors used most
    report = R.tag_report(entries, T.load_tag_settings())
    assert report["collisions"] == [] and report["after"]["collisions"] == 0
    merged = {v["raw"]: m["canonical"] for m in report["merges"] for v in m["variants"]}
    assert merged["accesstoken"] == "access-token"


def test_tags_on_most_entries_become_site_wide():
    entries = [entry(id=f"e{i}", tags=("Widgetron", f"topic{i % 5}x")) for i in range(30)]
    items = N.normalize_corpus(entries, T.load_tag_settings())
    assert all("widgetron" not in [t.slug for t in item.tags] for item in items)
    few = N.normalize_corpus(entries[:5], T.load_tag_settings())  # too few entries to tell
    assert "widgetron" in [t.slug for t in few[0].tags]


def test_canonical_tags_are_taught_to_the_segmenter():
    from kb_builder.analyze import Analyzer

    word = "灰鹊调度台"
    entries = [entry(tags=(word,))]
    settings = N.corpus_settings(entries, T.load_tag_settings())
    assert word in Analyzer.of(N.taught_words(entries, settings)).segment(f"如何配置{word}的超时")
    assert word not in Analyzer().segment(f"如何配置{word}的超时")


# --------------------------------------------------------------------------- report


def test_tag_report_on_fixtures(acme, fixture_entries):
    report = R.tag_report(list(fixture_entries.values()), acme)
    json.dumps(report, ensure_ascii=False)  # serialisable
    for key in ("raw_distinct", "canonical_distinct", "tags", "merges", "suggestions",
                "entries_without_tags", "empty_tags", "versions", "site_tags", "dropped"):
        assert key in report
    assert report["empty_tags"] == 0 and report["entries_without_tags"] == 0
    assert report["before"]["entries_with_empty_tag"] == 2
    merges = {v["raw"]: (m["canonical"], v["count"]) for m in report["merges"] for v in m["variants"]}
    assert merges["K8S"] == ("kubernetes", 1)
    assert merges["客戶端"] == ("client", 1)
    assert {v["version"] for v in report["versions"]} >= {"2.2.3", "2.4.1"}
    dropped = {d["raw"]: d["reason"] for d in report["dropped"]}
    assert dropped["问题"] == "stopword" and dropped[""] == "empty"
    text = R.format_tag_report(report)
    assert "kubernetes" in text and "->" in text
    assert "..." in R.format_tag_report(report, limit=1)


def test_suggestions():
    s = T.load_tag_settings()
    counts = {"长轮询机制": 3, "长轮训机制": 1, "endpoint": 4, "endpoints": 1, "jdk17": 2, "jdk18": 1,
              "负载不均": 2, "负载不均衡": 1, "ipv4": 2, "ipv6": 3}
    found = {(x["variant"], x["canonical"]): x["reason"] for x in R.suggest_duplicates(counts, s)}
    assert found[("长轮训机制", "长轮询机制")] == "same-pinyin"
    assert found[("endpoints", "endpoint")] == "edit-distance"
    assert found[("负载不均衡", "负载不均")] == "suffix"
    assert not any("jdk" in v for v, _ in found)       # differ only in digits
    assert not any("ipv" in v for v, _ in found)       # both are canonical tags of the table


# --------------------------------------------------------------------------- properties

_REAL = ["nacos", "Nacos", "opensource", "nacos-opensource", "开源", "open-source", "k8s", "kubernetes",
         "pg", "pgsql", "postgresql", "postgrelsql", "springboot", "spring boot", "223", "v2.2.3", "",
         "问题", "方法", "遇到", "过", "使用", "客戶端", "服務端", "nacos-client223", "C#", "８８４８"]
_raw = st.one_of(
    st.text(max_size=40),
    st.sampled_from(_REAL),
    st.lists(st.sampled_from(_REAL + [" ", "_", "-", "/", ".", "Ｘ", "服務", "2"]), max_size=6).map("".join),
)


@lru_cache(maxsize=1)
def _nacos_settings() -> T.TagSettings:
    return T.load_tag_settings(site_tags=["nacos"])


@hsettings(max_examples=400, deadline=None)
@given(_raw)
@example("__known__")
@example("Ⅻ")
@example("İstanbul")
def test_normalisation_is_idempotent_and_never_empty(raw):
    s = _nacos_settings()
    tag = T.normalize_tag(raw, s)
    assert tag is None or tag.strip() != ""
    if tag is not None:
        assert T.is_safe_slug(tag), tag
        assert T.normalize_tag(tag, s) == tag
        assert T.fold_tag(tag) == tag
    version = T.normalize_version(raw, s)
    if version is not None:
        assert version and T.normalize_version(version, s) == version


@hsettings(max_examples=200, deadline=None)
@given(st.lists(_raw, max_size=6), st.text(max_size=30))
def test_entries_always_keep_a_safe_tag(tags, title):
    s = T.default_settings()
    item = N.normalize_entry(entry(title=title or "x", question=title, tags=tuple(tags)), s)
    assert item.tags
    slugs = [t.slug for t in item.tags]
    assert len(slugs) == len(set(slugs))
    assert all(T.is_safe_slug(t.slug) and t.label.strip() for t in item.tags)


# --------------------------------------------------------------------------- the real corpus


@pytest.fixture(scope="module")
def real_entries():
    if not CORPUS.is_dir() or not any(CORPUS.glob("*.md")):
        pytest.skip("the nacos-faq corpus is not next to the repository")
    return read_corpus(CORPUS).entries


@pytest.mark.corpus
def test_real_corpus_acceptance(real_entries):
    s = T.load_tag_settings(site_tags=["nacos"])
    report = R.tag_report(real_entries, s)
    json.dumps(report, ensure_ascii=False)
    assert report["entries"] == len(real_entries)
    assert report["empty_tags"] == 0
    assert report["entries_without_tags"] == 0
    assert report["collisions"] == []  # nothing differs only by case, width or separator
    assert report["before"]["entries_with_empty_tag"] == 28
    assert report["raw_distinct"] == 1588
    assert report["canonical_distinct"] < report["raw_distinct"] * 0.8
    slugs = {t["slug"] for t in report["tags"]}
    assert not slugs & {"nacos", "opensource", "nacos-opensource", "开源", "open-source", "", "问题", "方法"}
    assert {"kubernetes", "postgresql", "spring-boot", "client", "server"} <= slugs
    assert not slugs & {"k8s", "pgsql", "postgrelsql", "springboot", "客戶端", "服務端", "223"}
    merges = {v["raw"]: m["canonical"] for m in report["merges"] for v in m["variants"]}
    assert merges["k8s"] == "kubernetes" and merges["postgrelsql"] == "postgresql"
    assert merges["springboot"] == "spring-boot" and merges["客戶端"] == "client"
    versions = {v["version"] for v in report["versions"]}
    assert {"2.2.3", "2.3.2"} <= versions
    print(f"\ncanonical tags: {report['raw_distinct']} -> {report['canonical_distinct']}")


@pytest.mark.corpus
def test_real_corpus_every_entry_keeps_a_tag_and_is_fast(real_entries):
    s = T.load_tag_settings(site_tags=["nacos"])
    from kb_builder.analyze import Analyzer

    Analyzer().segment("预热")  # the segmenter's own start-up is not normalisation
    start = time.perf_counter()
    items = N.normalize_corpus(real_entries, s)
    elapsed = time.perf_counter() - start
    assert len(items) == len(real_entries)
    assert all(item.tags for item in items)
    assert all(T.is_safe_slug(t.slug) for item in items for t in item.tags)
    assert elapsed < 3.0, elapsed  # about 0.2 s on a developer machine


def test_suggested_merges_need_the_entries_to_back_them():
    """Spelling alone is not a merge: 'nodes' (cluster nodes) and 'nodejs' (the SDK) are one
    edit apart, 自动恢复 (recover) and 自动回复 (reply) sound the same. A pair stays when the
    entries back it: a tag typo whose entry writes the word right, an English plural, two
    tags carried alongside the same other tags."""
    from kb_builder.model import Entry

    def e(n: int, title: str, tags: tuple[str, ...], answer: str = "") -> tuple[Entry, tuple[str, ...]]:
        return Entry(id=f"e{n}", title=title, question=title, answer=answer, source_path=f"e{n}.md", tags=tags), tags

    tagged = [
        e(1, "集群 nodes 列表为空", ("nodes", "集群")), e(2, "cluster nodes 接口", ("nodes", "集群")),
        e(3, "nodejs 客户端怎么连接", ("nodejs", "sdk")), e(4, "nodejs sdk 订阅", ("nodejs", "sdk")),
        e(5, "宕机后能自动恢复吗", ("自动恢复",)), e(6, "钉钉机器人自动回复", ("自动回复",)),
        e(7, "长轮询超时", ("长轮训机制",), "长轮询机制的超时是 30 秒"), e(8, "长轮询机制", ("长轮询机制",)),
        e(9, "endpoint 配置", ("endpoints",)), e(10, "endpoint 地址", ("endpoint",)),
        e(11, "负载不均怎么办", ("负载不均衡", "集群")), e(12, "负载不均", ("负载不均", "集群")),
    ]
    counts = Counter(t for _, tags in tagged for t in tags)
    settings = T.load_tag_settings()
    spelling = {(x["variant"], x["canonical"]) for x in R.suggest_duplicates(counts, settings)}
    assert {("nodes", "nodejs"), ("自动恢复", "自动回复")} <= {tuple(sorted(p)) for p in spelling} | spelling
    backed = {(x["variant"], x["canonical"]): x["evidence"]
              for x in R.suggest_duplicates(counts, settings, R.TagEvidence.of(tagged))}
    assert backed == {
        ("长轮训机制", "长轮询机制"): "written in the other's entries",
        ("endpoints", "endpoint"): "same stem",
        ("负载不均衡", "负载不均"): "written in the other's entries",
    }, backed
