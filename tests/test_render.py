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
