"""Tag pages earn their place: a minimum of entries, compound tags merged or linked, related
tags, an index that leads with the most used tags, and a redirect at every tag address
that has no page."""
from __future__ import annotations

from pathlib import Path

import pytest

from kb_builder import link, normalize, tags
from kb_builder.model import Entry
from kb_builder.pages import entry_uri, render_site
from kb_builder.pipeline import Settings, render_context
from kb_builder.tagplan import plan_tags, text_queries, written_forms


def _entry(entry_id: str, tag_list: tuple[str, ...], text: str = "Restart the server.") -> Entry:
    return Entry(id=entry_id, title=f"问题 {entry_id}", question=f"问题 {entry_id}", answer=text,
                 source_path=f"{entry_id}.md", date="2024-05-01", category="expertConsultation", tags=tag_list)


def _render(entries, **kw):
    settings = Settings(content_dir=Path("."), lang="zh", **kw)
    normalized = normalize.normalize_corpus(entries, tags.load_tag_settings())
    pages, redirects = render_site(render_context(settings, normalized, link.build_graph(normalized)))
    return {uri: page.text for uri, page in pages.items()}, redirects


# 心跳 / 心跳检测: two small tags carried alongside the same other tags, never together.
HEARTBEAT = [
    _entry("h-1", ("心跳", "客户端", "grpc")), _entry("h-2", ("心跳", "客户端")), _entry("h-3", ("心跳", "grpc")),
    _entry("d-1", ("心跳检测", "客户端", "grpc")), _entry("d-2", ("心跳检测", "客户端")),
    _entry("o-1", ("孤单<b>标签", "客户端")),
]


def test_a_tag_on_one_entry_has_no_page_and_links_to_a_search():
    pages, redirects = _render(HEARTBEAT)
    assert not any(uri.startswith("tags/") and "孤单" in uri for uri in pages)
    entry = pages[entry_uri("o-1")]
    assert "(<../index.md?q=%E5%AD%A4%E5%8D%95%3Cb%3E%E6%A0%87%E7%AD%BE>)" in entry  # escaped in the URL
    assert "孤单\\<b\\>标签" in entry or "孤单&lt;b&gt;标签" in entry  # and in the text
    assert "tags/client.md" in pages  # five entries: a page


def test_the_minimum_is_an_option():
    pages, _ = _render(HEARTBEAT, tag_min_entries=1)
    assert any("孤单" in uri for uri in pages)
    pages, _ = _render(HEARTBEAT, tag_min_entries=6)
    assert [uri for uri in pages if uri.startswith("tags/")] == ["tags/index.md"]


def test_a_compound_tag_backed_by_its_entries_is_merged_into_the_shorter_one():
    pages, redirects = _render(HEARTBEAT)
    assert "tags/心跳检测.md" not in pages
    page = pages["tags/heartbeat.md"]
    for entry_id in ("h-1", "d-1", "d-2"):
        assert f"{entry_id}/" in page
    assert "心跳检测" in page  # says which tags it includes
    assert "../tags/heartbeat.md" in pages[entry_uri("d-1")]  # the entry's tag leads to the merged page
    assert 'href="../heartbeat/"' in redirects["tags/心跳检测.md"]


def test_a_compound_without_backing_is_left_alone():
    plan = plan_tags([("a", ["心跳"]), ("b", ["心跳"]), ("c", ["心跳检测", "mysql"]), ("d", ["心跳检测", "mysql"])])
    assert plan.merged == {}


def test_a_compound_more_common_than_its_part_is_linked_not_merged():
    tagged = [(f"c{i}", ["配置中心", "客户端"]) for i in range(4)] + [("p1", ["配置", "客户端"]), ("p2", ["配置", "客户端"])]
    plan = plan_tags(tagged)
    assert plan.merged == {}
    assert plan.see_also == {"配置": ("配置中心",), "配置中心": ("配置",)}


# 报错 is a broad word (12 of 15 entries): 启动报错 and 连接报错 name kinds of error, carried
# alongside the same other tags as 报错 (the evidence that merged 心跳检测 into 心跳).
ERRORS = ([(f"e{i}", ["报错", "mysql"]) for i in range(6)] + [(f"e{i}", ["报错", f"组件{i}"]) for i in range(6, 12)]
          + [("s1", ["启动报错", "mysql"]), ("s2", ["启动报错", "mysql"]), ("c1", ["连接报错", "mysql"])])


def test_a_compound_is_not_folded_into_a_broad_tag_but_linked_with_it():
    plan = plan_tags(ERRORS)
    assert plan.merged == {}
    assert plan.see_also == {"报错": ("启动报错",), "启动报错": ("报错",)}  # 连接报错 has no page to link
    assert plan.page_of("连接报错") is None  # its entry links to a search for it
    # broad is a share of the entries: among 400 more entries, 报错 is a topic, not a broad word
    others = [(f"o{i}", [f"话题{i % 97}"]) for i in range(400)]
    assert plan_tags(ERRORS + others).merged == {"启动报错": "报错", "连接报错": "报错"}


def test_a_broad_tag_keeps_the_compound_page_and_redirects_the_small_one_to_a_search():
    pages, redirects = _render([_entry(i, tuple(t)) for i, t in ERRORS])
    assert "tags/启动报错.md" in pages and "(<启动报错.md>)" in pages["tags/error.md"]  # see also
    assert "(<error.md>)" in pages["tags/启动报错.md"]
    assert "?q=%E8%BF%9E%E6%8E%A5%E6%8A%A5%E9%94%99" in redirects["tags/连接报错.md"]  # a search, not 报错's page
    assert "(<../index.md?q=%E8%BF%9E%E6%8E%A5%E6%8A%A5%E9%94%99>)" in pages[entry_uri("c1")]


def test_a_compound_carried_beside_its_shorter_tag_is_linked_when_it_has_a_page():
    # half of 达梦数据库's entries carry 数据库 too: the tags name two things, a product and the
    # kind; 国产数据库, on one entry carried beside 数据库, has no page of its own to link to
    tagged = ([(f"db{i}", ["数据库", "mysql"]) for i in range(4)] + [("dm1", ["达梦数据库", "数据库"]),
              ("dm2", ["达梦数据库", "数据库"]), ("dm3", ["达梦数据库", "mysql"]), ("dm4", ["达梦数据库", "mysql"]),
              ("gc1", ["国产数据库", "数据库"])])
    plan = plan_tags(tagged)
    assert plan.merged == {"国产数据库": "数据库"}
    assert plan.see_also == {"数据库": ("达梦数据库",), "达梦数据库": ("数据库",)}
    assert set(plan.members["达梦数据库"]) == {"dm1", "dm2", "dm3", "dm4"}


def test_tag_pages_show_related_tags_most_associated_first():
    tagged = ([("a", ["grpc", "9848", "端口"]), ("b", ["grpc", "9848"]), ("c", ["grpc", "端口", "客户端"]),
               ("d", ["端口", "客户端"]), ("e", ["客户端", "端口"]), ("f", ["客户端", "mysql"]), ("g", ["mysql", "x"])])
    plan = plan_tags(tagged)
    assert plan.related["grpc"][0] == "9848"  # both its entries carry grpc
    pages, _ = _render([_entry(i, tuple(t)) for i, t in tagged])
    assert "相关标签" in pages["tags/grpc.md"] and "(<9848.md>)" in pages["tags/grpc.md"]


def test_the_tag_index_leads_with_the_most_used_tags_and_files_the_rest_by_initial():
    entries = [_entry(f"e{i}", ("常用", f"标签{i // 2}", f"tag{i // 2}")) for i in range(80)]
    pages, _ = _render(entries)
    index = pages["tags/index.md"]
    assert index.index("常用") < index.index("## 全部标签")
    assert "### B { #tags-b }" in index and "### T { #tags-t }" in index
    assert index.count("](<") < 2 * 81 + 30  # each tag once (top tags not repeated below)


def test_every_tag_without_a_page_gets_a_redirect_page_escaped():
    _, redirects = _render(HEARTBEAT)
    assert set(redirects) == {"tags/孤单-b-标签.md", "tags/心跳检测.md"}
    html = next(v for k, v in redirects.items() if "孤单" in k)
    assert '<meta http-equiv="refresh" content="0; url=../../?q=%E5%AD%A4%E5%8D%95%3Cb%3E%E6%A0%87%E7%AD%BE">' in html
    assert '<link rel="canonical" href="../../?q=' in html and "<b>" not in html and "&lt;b&gt;" in html


def test_the_plan_asks_of_the_texts_only_what_it_reads():
    # spring-boot's entries write "spring" on its own too: the two tags are linked
    tagged = [("a", ["spring"]), ("b", ["spring"]), ("c", ["spring-boot", "x1"]), ("d", ["spring-boot", "x2"])]
    texts = {"a": "whatever", "c": "Spring cloud beside spring-boot", "d": "SPRING and Spring-Boot"}
    queries = text_queries(tagged, {})
    assert set(queries) == {"c", "d"}  # only the entries of the compound are asked anything
    by_text = plan_tags(tagged, texts=texts)
    assert by_text.see_also == {"spring": ("spring-boot",), "spring-boot": ("spring",)}
    found = {i: written_forms(texts[i], asked) for i, asked in queries.items()}
    assert plan_tags(tagged, found=found) == by_text
    # the shorter word written only inside the compound: not linked, from texts or from answers
    inside = {"c": "spring-boot only", "d": "Spring-Boot"}
    assert plan_tags(tagged, texts=inside).see_also == {}
    assert plan_tags(tagged, found={i: written_forms(inside[i], q) for i, q in queries.items()}).see_also == {}
