"""How generated pages are rendered (issue 8): entry lists are raw HTML blocks that the
plugin passes through without Markdown parsing, with their `.md` links turned into page
URLs; anything that is not exactly such a list is left to Markdown."""
from __future__ import annotations

import re
from pathlib import Path

import markdown
from mkdocs.structure.files import File, Files

from kb_builder import pages
from kb_builder.plugin import _EntryListStash
from kb_builder.sitebuild import build_site

REPO = Path(__file__).resolve().parents[1]


def _stash(src_uri: str = "tags/x.md", targets=("q/a.md", "q/b.md")):
    files = Files([File(u, src_dir=None, dest_dir="/site", use_directory_urls=True) for u in (src_uri, *targets)])
    md = markdown.Markdown()
    return md, _EntryListStash(md, files.get_file_from_path(src_uri), files)


def test_entry_items_are_escaped_html():
    item = pages._entry_item("tags", "a", 'Why <script>alert(1)</script> & "quotes"?', "2024-01-02",
                             "desc with <b>tags</b>")
    assert "<script>" not in item and "&lt;script&gt;" in item and "&lt;b&gt;" in item
    assert pages.entry_block([item]).strip().splitlines() == [pages.ENTRY_LIST_START, item, pages.ENTRY_LIST_END]


def test_entry_lists_pass_through_with_page_urls():
    md, stash = _stash()
    item = pages._entry_item("tags", "a", "A <title>", "2024-01-02", "Some description")
    other = pages._entry_item("tags", "b", "B", None, None)
    lines = ["# T", "", pages.ENTRY_LIST_START, item, other, pages.ENTRY_LIST_END, "", "after"]
    out = stash.run(lines)
    assert len(md.htmlStash.rawHtmlBlocks) == 1
    block = md.htmlStash.rawHtmlBlocks[0]
    assert 'href="../../q/a/"' in block and 'href="../../q/b/"' in block and ".md" not in block
    assert "A &lt;title&gt;" in block
    assert out[0] == "# T" and out[-1] == "after" and pages.ENTRY_LIST_START not in out


def test_anything_else_is_left_to_markdown():
    md, stash = _stash()
    good = pages._entry_item("tags", "a", "A", None, None)
    for inner in (['<li><a href="../q/a.md">A</a><script>x()</script></li>'],  # markup an item never has
                  [good, "- a markdown line"],
                  []):  # an empty list
        lines = [pages.ENTRY_LIST_START, *inner, pages.ENTRY_LIST_END]
        assert stash.run(list(lines)) == lines
    assert md.htmlStash.rawHtmlBlocks == []
    unterminated = [pages.ENTRY_LIST_START, good]
    assert stash.run(list(unterminated)) == unterminated


def test_built_pages_have_no_md_links_left(sample_content_dir, tmp_path):
    result = build_site(REPO / "mkdocs.yml", sample_content_dir, tmp_path / "site")
    hrefs = []
    for page in result.site_dir.rglob("*.html"):
        hrefs += re.findall(r'href="([^"]+)"', page.read_text(encoding="utf-8"))
    assert hrefs
    assert [h for h in hrefs if re.search(r"\.md(#|$)", h) and "://" not in h] == []
    entry = (result.site_dir / "q" / "question-history-90001" / "index.html").read_text(encoding="utf-8")
    assert '<ul class="kb-entries">' in entry and 'href="../question-history-90002/"' in entry


def test_a_build_without_content_uses_the_configured_content_again(fixtures_dir, tmp_path, monkeypatch):
    """MkDocs reuses plugin instances between loads in one process: `--content` of one
    build must not stick to the next."""
    monkeypatch.chdir(REPO)
    other = build_site(REPO / "mkdocs.yml", fixtures_dir / "hostile", tmp_path / "one")
    again = build_site(REPO / "mkdocs.yml", None, tmp_path / "two")
    configured = sorted(p.stem for p in (REPO / "content").glob("*.md"))
    assert sorted(n.entry.id for n in again.generated.entries) == configured
    assert sorted(n.entry.id for n in other.generated.entries) != configured


def test_shared_navigation_is_what_each_page_would_render(sample_content_dir, tmp_path, monkeypatch):
    """Material's navigation and tabs, rendered once per folder for the pages outside the
    navigation (partials.PartialCache), give the same pages as rendering them on each."""
    from kb_builder import partials

    shared = tmp_path / "shared"
    build_site(REPO / "mkdocs.yml", sample_content_dir, shared, processes=1)
    calls = []
    monkeypatch.setattr(partials.PartialCache, "__call__",
                        lambda self, name, page, base_url, caller: calls.append(name) or caller())
    each = tmp_path / "each"
    build_site(REPO / "mkdocs.yml", sample_content_dir, each, processes=1)
    html = sorted(p.relative_to(each).as_posix() for p in each.rglob("*.html"))
    assert len(calls) >= 2 * len(html) - 2  # both partials on (almost) every page
    assert html == sorted(p.relative_to(shared).as_posix() for p in shared.rglob("*.html"))
    assert [p for p in html if (each / p).read_bytes() != (shared / p).read_bytes()] == []
    # a page in the navigation still shows itself as the active one
    home = (shared / "index.html").read_text(encoding="utf-8")
    assert "md-nav__link--active" in home or "md-tabs__link--active" in home


def test_partial_cache_renders_once_per_folder_outside_the_navigation():
    from types import SimpleNamespace as NS

    from kb_builder.partials import PartialCache

    def page(url):
        return NS(url=url, file=NS(src_uri=url.rstrip("/") + ".md" if url else "index.md"))

    cache, rendered = PartialCache(["tags.md"]), []

    def render(name, p):
        return cache(name, p, "../..", lambda: rendered.append((name, p.url)) or f"{name}:{p.url}")

    assert render("nav", page("q/a/")) == render("nav", page("q/b/")) == "nav:q/a/"
    assert render("nav", page("tags/x/")) == "nav:tags/x/"  # another folder: links differ
    assert render("nav", page("tags/")) == "nav:tags/" and render("nav", page("tags/")) == "nav:tags/"
    assert rendered.count(("nav", "tags/")) == 2  # in the navigation: rendered every time
    assert cache("nav", None, "..", lambda: "404") == "404"
    assert PartialCache(None)("nav", page("q/a/"), "..", lambda: "each") == "each"
