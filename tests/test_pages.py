"""Rendering to {uri: markdown}: labels per language, escaping, link rewriting, paths."""
from __future__ import annotations

from pathlib import Path

import pytest

from kb_builder import link, normalize, tags
from kb_builder.model import Entry, Reference
from kb_builder.pages import entry_uri, render_pages
from kb_builder.pipeline import Settings, render_context


def _entry(entry_id: str, title: str, answer: str = "Restart the server.", **kw) -> Entry:
    return Entry(id=entry_id, title=title, question=kw.pop("question", title), answer=answer,
                 source_path=f"{entry_id}.md", date=kw.pop("date", "2024-05-01"),
                 category=kw.pop("category", "expertConsultation"), **kw)


def _render(entries, lang="en", **options):
    settings = Settings(content_dir=Path("."), lang=lang, **options)
    normalized = normalize.normalize_corpus(entries, tags.load_tag_settings())
    graph = link.build_graph(normalized)
    return {uri: page.text for uri, page in render_pages(render_context(settings, normalized, graph)).items()}


@pytest.fixture()
def pair():
    return [
        _entry("a-1", "Console password reset", tags=("console", "password"),
               question="How do I reset the console password when I forgot it?",
               answer="See [the other entry](./b-2.md) and [docs](../guide/setup.md).",
               references=(Reference("Login fails after upgrade", None),
                           Reference("Guide", "https://example.org/guide"))),
        _entry("b-2", "Login fails after upgrade", tags=("login", "upgrade")),
    ]


def test_labels_follow_site_language(pair):
    en = _render(pair, "en")[entry_uri("a-1")]
    zh = _render(pair, "zh")[entry_uri("a-1")]
    assert "## Question" in en and "## Answer" in en and "## References" in en
    assert "## 问题" in zh and "## 解答" in zh and "## 参考链接" in zh
    tw = _render(pair, "zh-Hant")[entry_uri("a-1")]
    assert "## 參考鏈接" in tw or "## 參考連結" in tw


def test_relative_entry_links_resolve_and_foreign_ones_become_text(pair):
    page = _render(pair)[entry_uri("a-1")]
    assert "[the other entry](b-2.md)" in page
    assert "../guide/setup.md" not in page and "docs" in page


def test_bare_title_reference_links_to_the_entry(pair):
    page = _render(pair)[entry_uri("a-1")]
    assert "[Login fails after upgrade](<b-2.md>)" in page
    assert "[Guide](<https://example.org/guide>)" in page


def test_backlinks_and_tag_links(pair):
    pages = _render(pair, tag_min_entries=1)
    assert 'href="../a-1/"' in pages[entry_uri("b-2")].split("Referenced by", 1)[1]
    assert "../tags/console.md" in pages[entry_uri("a-1")]
    assert "tags/console.md" in pages and "tags/index.md" in pages


def test_hostile_text_is_escaped_in_every_listing():
    evil = "<img src=x onerror=alert(1)>"
    entries = [_entry("x-1", f"Broken {evil}", tags=("evil<b>",), description=f"desc {evil}",
                      answer=f"text {evil} <script>alert(1)</script> [c](javascript:alert(1))")]
    for uri, markdown in _render(entries).items():
        assert "<img" not in markdown and "<script" not in markdown, uri
        assert "javascript:" not in markdown, uri


def test_generated_paths_stay_inside_the_site():
    entries = [_entry("t-1", "Traversal", tags=("../../etc", "..", "/abs", "a\\b", "%2e%2e"))]
    for uri in _render(entries):
        parts = uri.split("/")
        assert ".." not in parts and not uri.startswith("/") and "\\" not in uri, uri


def test_headings_inside_answers_stay_below_the_page_sections():
    entries = [_entry("h-1", "Headings", answer="# Big\n## Medium\n### Small\n```\n# not a heading\n```",
                      question="#hashtag question")]
    page = _render(entries)[entry_uri("h-1")]
    assert "\n### Big" in page and "\n### Medium" in page and "\n# not a heading" in page
    assert "\\#hashtag question" in page


# --------------------------------------------------------------------------- what readers see

CUT = "NacosException: http error, code=403,msg=user not fou"
CUT_QUESTION = ("NacosException: http error, code=403,msg=user not found!,dataId=application-dev.yml\n"
                "客户端升级到 2.2.0 后出现，怎么解决？")


def _cut_entry() -> Entry:
    from kb_builder.titles import display_title

    return _entry("c-1", CUT, question=CUT_QUESTION, tags=("auth",), display_title=display_title(CUT, CUT_QUESTION))


def test_display_title_heads_the_page_and_every_listing_while_the_question_stays():
    entries = [_cut_entry(), _entry("d-2", "Other", tags=("auth",),
                                    answer="see [it](./c-1.md)")]
    pages = _render(entries)
    shown = "NacosException: http error, code=403,msg=user not found!,dataId=application-dev.yml"
    page = pages[entry_uri("c-1")]
    assert "\n# NacosException: http error, code=403,msg=user not found\\!,dataId=application\\-dev\\.yml\n" in page
    assert "## Question" in page and "客户端升级到 2.2.0 后出现" in page  # the full question is on the page
    for uri in ("index.md", "categories/expertconsultation.md"):
        assert shown in pages[uri] and f">{CUT}<" not in pages[uri], uri
    exported = _render(entries, markdown_lists=True)["index.md"]  # `kb export`'s lists
    assert "- [NacosException: http error, code=403,msg=user not found\\!,dataId=" in exported


def test_error_index_and_search_documents_show_the_display_title():
    from kb_builder.pipeline import search_doc

    n = normalize.normalize_corpus([_cut_entry()], tags.load_tag_settings())[0]
    doc = search_doc(n, ())
    assert doc.title == CUT  # what the title field indexes: unchanged, so ranking is too
    assert doc.shown_title.startswith("NacosException: http error, code=403,msg=user not found!,dataId=")
    from kb_builder.search_records import record

    assert record(n, (), (), None)["title"] == doc.shown_title
    errors = _render([_cut_entry()])["errors/index.md"]
    assert "user not found\\!,dataId=application\\-dev\\.yml]" in errors


def test_a_question_repeating_the_title_is_not_shown_again():
    entries = [_entry("r-1", "有遇到过nacos客户端不发送心跳检测的问题嘛",
                      question=" 有遇到过 nacos 客户端不发送心跳检测的问题嘛？ "),
               _entry("r-2", "Heartbeat", question="Why does the client stop sending heartbeats?")]
    pages = _render(entries, "zh")
    assert "## 问题" not in pages[entry_uri("r-1")] and "## 解答" in pages[entry_uri("r-1")]
    assert "## 问题" in pages[entry_uri("r-2")] and "stop sending heartbeats" in pages[entry_uri("r-2")]


def test_source_path_is_not_shown_but_an_edit_link_is_when_configured(pair):
    plain = _render(pair)[entry_uri("a-1")]
    assert "a-1.md" not in plain and "kb-meta__source" not in plain
    settings = Settings(content_dir=Path("."), lang="en", source_prefix="docs/faq",
                        edit_url="https://example.org/edit/main/{path}")
    normalized = normalize.normalize_corpus(pair, tags.load_tag_settings())
    page = render_pages(render_context(settings, normalized, link.build_graph(normalized)))[entry_uri("a-1")].text
    assert "[Edit this entry](<https://example.org/edit/main/docs/faq/a-1.md>)" in page


# ------------------------------------------------------------------- fragments and the cleaner

def test_fill_cleaned_cleans_what_entries_wrote_and_keeps_the_fragments_as_rendered():
    from kb_builder.pages import FRAGMENT, Page
    from kb_builder.safe import sanitize_html

    listing = '<ul class="kb-entries"><li><a href="../a-1/">A &lt;b&gt;</a></li></ul>'
    page = Page("# Title\n\n" + FRAGMENT.format(0), (listing,))
    html = ('<h1>Title</h1><p><img src=x onerror="alert(1)"><script>alert(2)</script></p>'
            + FRAGMENT.format(0) + FRAGMENT.format(7))
    out = page.fill_cleaned(html, sanitize_html)
    assert listing in out  # the fragment exactly as the autoescaping template wrote it
    assert "onerror" not in out and "<script" not in out and "alert(2)" not in out
    assert "kb:fragment" not in out and "\ue000" not in out  # an unknown number leaves nothing
    assert out.count("kb-entries") == 1


def test_a_mark_written_by_an_entry_is_only_text():
    from kb_builder.pages import FRAGMENT, Page
    from kb_builder.safe import sanitize_html

    page = Page("# T\n\n" + FRAGMENT.format(0), ('<ul class="kb-entries"></ul>',))
    forged = "\ue000" + "0" * 32 + ":0\ue001"  # the shape of the mark, without this page's digest
    out = page.fill_cleaned(f"<p>{forged}</p>", sanitize_html)
    assert "kb-entries" not in out and "0" * 32 in out  # left as the text it was


@pytest.mark.parametrize("directory_urls, console", [(True, 'href="console/"'), (False, 'href="console.html"')])
def test_tag_index_links_are_html_with_escaped_labels(directory_urls, console):
    entries = [_entry(f"t-{n}", f"Entry {n}", tags=("console", "evil<b>\"x")) for n in range(3)]
    settings = Settings(content_dir=Path("."), lang="en", tag_min_entries=1, directory_urls=directory_urls)
    normalized = normalize.normalize_corpus(entries, tags.load_tag_settings())
    page = render_pages(render_context(settings, normalized, link.build_graph(normalized)))["tags/index.md"]
    cloud = page.text.split('<div class="kb-tag-cloud">', 1)[1]
    assert console in cloud and "<small>3</small>" in cloud
    assert "evil&lt;b&gt;&#34;x" in cloud and "<b>" not in cloud
    exported = _render(entries, tag_min_entries=1, markdown_lists=True)["tags/index.md"]
    assert "](<console.md>) <small>3</small>" in exported  # `kb export`: markdown links to .md pages
