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


def _render(entries, lang="en", **settings_kw):
    settings = Settings(content_dir=Path("."), lang=lang, **settings_kw)
    normalized = normalize.normalize_corpus(entries, tags.load_tag_settings())
    graph = link.build_graph(normalized)
    return {uri: page.text for uri, page in render_pages(render_context(settings, normalized, graph)).items()}


@pytest.fixture()
def pair():
    return [
        _entry("a-1", "Console password reset", tags=("console", "password"),
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
