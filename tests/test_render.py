"""How generated pages are rendered: page templates write markdown, lists of entries are
HTML fragments (kb/entries.html) put in after the markdown is converted, so they are
never parsed as markdown; their links are page URLs."""
from __future__ import annotations

import re
from pathlib import Path

from kb_builder import records
from kb_builder.model import Entry
from kb_builder.pages import Page, Templates
from kb_builder.sitebuild import build_site

REPO = Path(__file__).resolve().parents[1]


def _list_page(*entries: Entry, dates: bool = True) -> Page:
    items = tuple(records.Item(e, "tags/x.md") for e in entries)
    page = records.ListingPage("tags/x.md", "en", "tag", "x", len(items),
                               (records.Section(None, records.EntryList(items, dates)),), "index.md")
    return Templates().render("listing", page)


def _entry(entry_id: str, title: str, date: str | None = None, description: str | None = None) -> Entry:
    return Entry(id=entry_id, title=title, question=title, answer="", source_path=f"{entry_id}.md", date=date,
                 description=description)


def test_entry_lists_are_escaped_html_fragments_with_page_urls():
    page = _list_page(_entry("a", 'Why <script>alert(1)</script> & "quotes"?', "2024-01-02", "desc with <b>tags</b>"),
                      _entry("b", "B"))
    assert len(page.fragments) == 1 and "kb-entries" not in page.markdown  # markdown never sees the list
    fragment = page.fragments[0]
    assert "<script>" not in fragment and "&lt;script&gt;" in fragment and "&lt;b&gt;" in fragment
    assert 'href="../../q/a/"' in fragment and 'href="../../q/b/"' in fragment and ".md" not in fragment
    assert '<small class="kb-date">2024-01-02</small>' in fragment


def test_fragments_go_where_their_placeholders_are():
    page = _list_page(_entry("a", "A"))
    html = "<h1>x</h1>\n" + page.markdown.split("\n# x\n", 1)[1]
    filled = page.fill(html)
    assert '<ul class="kb-entries">' in filled and "kb:fragment" not in filled
    assert page.text.count('<ul class="kb-entries">') == 1 and "kb:fragment" not in page.text


def test_text_written_by_an_entry_never_becomes_a_fragment():
    """A placeholder in an entry's own text is escaped by markdown, so it is never replaced."""
    page = Page("x", ("<b>fragment</b>",))
    assert page.fill("<p>&lt;!-- kb:fragment 0 --&gt;</p>") == "<p>&lt;!-- kb:fragment 0 --&gt;</p>"
    assert page.fill("<code>&lt;!-- kb:fragment 0 --&gt;</code>").count("<b>") == 0


def test_urls_follow_mkdocs_rules():
    assert records.page_url("q/a.md") == "q/a/" and records.page_url("index.md") == ""
    assert records.page_url("tags/index.md") == "tags/" and records.page_url("q/a.md", False) == "q/a.html"
    assert records.url_link("tags/x.md", "q/a.md") == "../../q/a/"
    assert records.url_link("index.md", "q/a.md") == "q/a/"
    assert records.url_link("tags/index.md", "q/a.md") == "../q/a/"
    assert records.url_link("q/b.md", "q/a.md") == "../a/"
    assert records.url_link("tags/x.md", "q/a.md", directory_urls=False) == "../q/a.html"


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
    redirects = [p for p in html if 'http-equiv="refresh"' in (each / p).read_text(encoding="utf-8")]
    assert len(calls) >= 2 * (len(html) - len(redirects)) - 2  # both partials on (almost) every page
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


def test_a_long_list_renders_again_only_the_lines_an_edit_changed():
    """A listing of thousands of entries is rendered again after every edit of one of them: its
    other lines are remembered per item (the same output as rendering them all)."""
    entries = [_entry(f"e{i}", f"Question {i}", "2024-01-02", f"about {i}") for i in range(50)]
    templates = Templates()

    def page(members):
        items = tuple(records.Item(e, "tags/x.md") for e in members)
        return records.ListingPage("tags/x.md", "en", "tag", "x", len(items),
                                   (records.Section(None, records.EntryList(items, True)),), "index.md")

    first = templates.render("listing", page(entries))
    line_template = templates._templates["entry-line"]
    rendered: list[str] = []
    original = line_template.render
    line_template.render = lambda **kw: rendered.append(kw["item"].entry.id) or original(**kw)
    edited = list(entries)
    edited[7] = _entry("e7", "Question 7 <edited>", "2024-01-02", "about 7")
    again = templates.render("listing", page(edited))
    assert rendered == ["e7"]
    assert again.fragments[0] == Templates().render("listing", page(edited)).fragments[0] != first.fragments[0]
    assert "Question 7 &lt;edited&gt;" in again.fragments[0]
