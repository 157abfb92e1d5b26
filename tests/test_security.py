"""Safe pages and safe paths (issue 7).

The hostile fixtures (tests/fixtures/hostile/) are valid entries whose title, tags,
category, description, question, answer, keywords and references carry script
payloads that try to set `window.__pwned`, tags that look like paths, and markup
aimed at the theme's scripts: ids such as `__config` from attribute lists, headings
and fenced blocks, `data-md-component` and other data attributes, `md-*` classes,
and titles that Material's tooltips would show as HTML. They are built once, with
every theme feature that acts on a page's content on, into a small site, which is
then inspected as HTML and opened in headless Chromium.
"""
from __future__ import annotations

import re
import shutil
from pathlib import Path

import pytest
from hostile_checks import (HOSTILE, UNSAFE_SCHEMES, Watch, assert_every_page_runs_no_injected_script,
                            browser, config_with_every_feature, injected_markup, scan, served, theme_ids,
                            theme_reads)

from kb_builder.frontmatter import Findings
from kb_builder.ingest import parse_text, read_corpus
from kb_builder.safe import is_safe_segment, safe_url, sanitize_html, sanitize_markdown

from sitecheck import parse_page

REPO = Path(__file__).resolve().parents[1]
PAYLOAD = "<script>window.__pwned=1</script>"
TRAVERSAL_TAGS = ["../../etc", "..", "/abs", "a\\b", "%2e%2e", "..%2f..%2fetc", "./hidden", "C:\\Windows",
                  "a/../../b", ".", "..."]


# --------------------------------------------------------------------------- the hostile site

def _tree(root: Path) -> set[str]:
    return {p.relative_to(root).as_posix() for p in root.rglob("*")}


@pytest.fixture(scope="module")
def hostile_site(tmp_path_factory):
    """The hostile fixtures built into <root>/deep/er/site; <root> holds nothing else."""
    from kb_builder.sitebuild import build_site

    content = tmp_path_factory.mktemp("hostile-content") / "content"
    shutil.copytree(HOSTILE, content)
    content_before = {p: p.read_bytes() for p in content.rglob("*") if p.is_file()}
    root = tmp_path_factory.mktemp("hostile-out")
    site = root / "deep" / "er" / "site"
    config = config_with_every_feature(tmp_path_factory.mktemp("hostile-config"))
    result = build_site(config, content=content, site_dir=site)
    content_after = {p: p.read_bytes() for p in content.rglob("*") if p.is_file()}
    assert content_after == content_before, "the build wrote into the content directory"
    return site, root, result


def _hostile_entries():
    return read_corpus(HOSTILE).entries


def test_hostile_fixtures_are_valid_entries_and_all_become_pages(hostile_site):
    site, _, result = hostile_site
    corpus = result.generated.corpus
    assert corpus.skipped == () and corpus.errors == ()
    ids = {e.id for e in _hostile_entries()}
    assert len(ids) == len(list(HOSTILE.glob("*.md"))) >= 4
    assert {p.parent.name for p in (site / "q").glob("*/index.html")} == ids


def test_no_injected_markup_anywhere_in_the_hostile_site(hostile_site):
    site, _, _ = hostile_site
    assert len(list(site.rglob("*.html"))) > 20
    assert injected_markup(site) == {}


def test_no_javascript_href_in_built_html(hostile_site):
    """No attribute of any element (href, src, ...) is a script or data URL, in any file of the site."""
    site, _, _ = hostile_site
    attr = re.compile(r"""<[a-zA-Z][^<>]*?\s(?:href|src|action|formaction)\s*=\s*["']?\s*(?:javascript|vbscript|data):""",
                      re.I)
    for path in site.rglob("*"):
        if path.suffix in (".html", ".xml", ".json", ".js") and path.is_file():
            text = path.read_text(encoding="utf-8", errors="replace")
            assert not attr.search(text), path.relative_to(site)
    for page in site.rglob("*.html"):
        for href in parse_page(page).links:
            assert not re.sub(r"[\x00-\x20]+", "", href).lower().startswith(UNSAFE_SCHEMES), (page, href)


def test_entry_markup_carries_nothing_the_theme_reads(hostile_site):
    """Ids, data attributes, classes and titles from attribute lists, headings and fenced
    blocks are kept out of the theme's way (theme_guard)."""
    site, _, _ = hostile_site
    assert theme_reads(site) == {}
    headings = (site / "q" / "hostile-clobber-headings" / "index.html").read_text(encoding="utf-8")
    # headings' anchors never start with "_" (anchors.slugify); an id given by hand is prefixed
    assert all(re.search(rf'<h3 id="(?:user-__)?{name}"', headings) for name in ("config", "search", "drawer", "toc"))
    assert 'id="user-__code_0"' in headings
    # only the theme's own, as on any page
    page = site / "q" / "hostile-clobber-headings" / "index.html"
    assert theme_ids(page) == theme_ids(site / "q" / "hostile-data-attributes" / "index.html")


def _visible(page: Path) -> str:
    return " ".join("".join(scan(page).text).split())


@pytest.mark.parametrize("where", [
    "q/hostile-title/index.html",     # the entry's own h1, header and <title>
    "q/hostile-related/index.html",   # related questions / backlinks list hostile titles
    "index.html",                     # latest entries and tag cloud on the home page
    "tags/index.html",                # tag labels
    "tags/script-window-pwned-1-script/index.html",  # a tag page titled by the hostile tag
    "categories/index.html",          # the hostile category
    "errors/index.html",              # error index lists the hostile titles
    "troubleshooting/auth/index.html",  # a troubleshooting guide listing a hostile title
])
def test_hostile_text_is_shown_as_text(hostile_site, where):
    site, _, _ = hostile_site
    page = site / where
    assert page.is_file(), sorted(p.relative_to(site).as_posix() for p in site.rglob("index.html"))
    text = _visible(page)
    assert "window." in text and ("pwned" in text), text[:500]
    assert "<script>" in text or "<svg" in text or "<img" in text or "</span><script>" in text, text[:500]


def test_entry_title_round_trips_as_text(hostile_site):
    site, _, _ = hostile_site
    title = next(e.title for e in _hostile_entries() if e.id == "hostile-title")
    page = parse_page(site / "q" / "hostile-title" / "index.html")
    assert [" ".join(h.split()).rstrip("¶") for h in page.h1] == [" ".join(title.split())]
    html = (site / "q" / "hostile-title" / "index.html").read_text(encoding="utf-8")
    head_title = re.search(r"<title>(.*?)</title>", html, re.S).group(1)
    assert "<" not in head_title and "&lt;/title&gt;&lt;script&gt;" in head_title


def test_unsafe_references_keep_their_text_only(hostile_site):
    site, _, _ = hostile_site
    text = _visible(site / "q" / "hostile-title" / "index.html")
    assert "</a><script>window.__pwned=1</script>" in text


# --------------------------------------------------------------------------- paths

@pytest.mark.parametrize("raw_id", ["../x", "..", "a/../../b", "/abs", "a\\b", "%2e%2e", ".hidden", "x/..",
                                    "C:\\x", "~/x", "..%2fetc", "a..b", "q/../../x", "\u2025", "x\u0000"])
def test_traversal_ids_are_rejected_by_check(raw_id):
    findings = Findings("x.md")
    text = "---\nid: " + '"' + raw_id.replace("\\", "\\\\").replace("\x00", "\\0") + '"' + "\ntitle: t\n---\nanswer\n"
    assert parse_text(text, "x.md", findings) is None
    assert [f.kind for f in findings if f.severity.value == "error"] == ["unsafe-id"], [f.as_dict() for f in findings]


@pytest.mark.parametrize("segment", TRAVERSAL_TAGS + ["", "a/b", "%2e", "x\x00", "a:b", "<x>", "a" * 300])
def test_unsafe_segments_are_refused(segment):
    assert not is_safe_segment(segment)


def test_render_pages_refuses_unsafe_page_paths():
    from kb_builder.pages import _check_uri

    for uri in ("q/../x.md", "tags/../../etc.md", "tags/a\\b.md", "/abs.md", "tags/%2e%2e.md"):
        with pytest.raises(ValueError):
            _check_uri(uri)


def test_hostile_tags_become_pages_only_inside_tags(hostile_site):
    site, root, _ = hostile_site
    # nothing was written outside the site directory: <root> holds only deep/er/site
    outside = {p for p in _tree(root) if not p.startswith("deep/er/site")}
    assert outside == {"deep", "deep/er"}
    # every file of the site resolves inside it (no symlinks or '..' escapes)
    resolved_site = site.resolve()
    for path in site.rglob("*"):
        assert path.resolve().is_relative_to(resolved_site), path
        assert not path.is_symlink(), path
    # tag pages are exactly tags/<safe slug>/index.html
    for path in (site / "tags").rglob("*"):
        rel = path.relative_to(site / "tags").parts
        if path.is_file():
            assert rel == ("index.html",) or (len(rel) == 2 and rel[1] == "index.html"), path
            assert len(rel) == 1 or is_safe_segment(rel[0]), path
    entry_tags = next(e.tags for e in _hostile_entries() if e.id == "hostile-tags")
    assert set(TRAVERSAL_TAGS) <= set(entry_tags)
    # the tag page of each path-like tag the normaliser kept lives directly in tags/
    html = (site / "q" / "hostile-tags" / "index.html").read_text(encoding="utf-8")
    tag_links = re.findall(r'<a class="kb-tag" href="([^"]+)"', html)
    assert len(tag_links) >= 5, tag_links
    for href in tag_links:
        if href.startswith("../../?q="):  # a tag of this entry alone: a search for it, no page
            continue
        target = (site / "q" / "hostile-tags" / href.split("#")[0]).resolve()
        assert target.parent == (site / "tags").resolve() and (target / "index.html").is_file(), href


def test_no_site_top_level_surprises(hostile_site):
    site, _, _ = hostile_site
    top = {p.name for p in site.iterdir()}
    allowed = {"index.html", "404.html", "sitemap.xml", "sitemap.xml.gz", "assets", "search", "q", "tags",
               "categories", "troubleshooting", "errors", "versions", "about",
               ".kb-output"}  # outdir.MARKER: kb made this folder
    assert top <= allowed | {p.name for p in (REPO / "docs").iterdir() if p.is_dir()} | {
        p.stem for p in (REPO / "docs").glob("*.md")}, top - allowed


# --------------------------------------------------------------------------- unit checks of safe.py

@pytest.mark.parametrize("url", ["javascript:x", " JavaScript:x", "java\tscript:x", "java\nscript:x",
                                 "java    script:x", "\x01javascript:x", "vbscript:x", "data:text/html,x",
                                 "jav&#x09;ascript:x", "javascript&colon;x", "", None])
def test_safe_url_refuses_script_urls(url):
    vetted = safe_url(url)
    assert vetted is None or not re.sub(r"[\s\x00-\x20]+", "", vetted).lower().startswith(UNSAFE_SCHEMES)


def test_sanitize_html_drops_urls_hidden_by_whitespace():
    html = sanitize_html('<a href="java    script:window.__pwned=1">a</a><a href="java\tscript:x">b</a>'
                         '<img src=" javascript:x"><a href="../ok/">ok</a><a href="#frag">f</a>')
    assert "script:" not in html
    assert 'href="../ok/"' in html and 'href="#frag"' in html


def test_sanitize_markdown_markdown_links():
    out = sanitize_markdown("[x](javascript:window.__pwned=1) ![i](data:image/svg+xml,x) <b onclick=1>b</b>\n"
                            "[r][e]\n\n[e]: javascript:alert(1)\n")
    assert "javascript:" not in out and "data:" not in out and "<b" not in out
    # Python-Markdown takes targets with blanks inside as links too ("java\tscript:" → "java    script:")
    out = sanitize_markdown("[tab](java\tscript:x) [sp](java script:x 'title') ![i](  data:x ) [ok](https://e.org/a 'b')")
    assert "script:" not in out and "data:" not in out and out.startswith("tab sp  [ok](https://e.org/a 'b')")


def test_sanitize_html_keeps_entry_markup_out_of_the_themes_way():
    html = sanitize_html(
        '<p id="__config" class="md-dialog md-dialog--active kb-tag highlight annotate mermaid c1 l-Scalar-Plain language-json"'
        ' data-md-component="search" data-tabs="1:2" title="<img src=x onerror=alert(1)> &amp; more">p</p>'
        '<h3 id="__search">h</h3><h3 id="_1">kept</h3><label for="__drawer">l</label>'
        '<a href="#__toc">toc</a><a href="../x/#__code_0">x</a><a href="#e-0123456789">e</a>'
        '<a href="https://example.org/#__config">out</a><p class="md-typeset">no class left</p>')
    assert 'id="user-__config"' in html and 'id="user-__search"' in html and 'id="_1"' in html
    assert 'for="user-__drawer"' in html
    assert 'href="#user-__toc"' in html and 'href="../x/#user-__code_0"' in html and 'href="#e-0123456789"' in html
    assert 'href="https://example.org/#__config"' in html  # another site's page: its own ids
    assert "data-" not in html
    assert 'class="kb-tag highlight c1 l-Scalar-Plain language-json"' in html and "md-" not in html
    assert "annotate" not in html and "mermaid" not in html and '<p>no class left</p>' in html
    title = re.search(r'title="([^"]*)"', html).group(1)
    assert title == "\u2039img src=x onerror=alert(1)\u203a \uff06 more"  # what the attribute said, inert


def test_shortened_labels_that_could_hold_markup_are_not_titled_by_the_theme():
    from kb_builder.theme_guard import inert_ellipsis

    page = ('<span class="md-ellipsis">\n Plain title \n</span>'
            '<span class="md-ellipsis">&lt;img src=x onerror=alert(1)&gt;</span>'
            '<div class="md-ellipsis">Q <code>x</code></div><span class="md-ellipsis">A &amp; B</span>')
    assert inert_ellipsis(page) == ('<span class="md-ellipsis">\n Plain title \n</span>'
                                    '<span class="kb-ellipsis">&lt;img src=x onerror=alert(1)&gt;</span>'
                                    '<div class="kb-ellipsis">Q <code>x</code></div>'
                                    '<span class="kb-ellipsis">A &amp; B</span>')


# --------------------------------------------------------------------------- in the browser

@pytest.fixture(scope="module")
def served_site(hostile_site):
    site, _, _ = hostile_site
    with served(site) as base:
        yield site, base


@pytest.mark.browser
def test_hostile_pages_run_no_injected_script(hostile_site, browser):
    """Every page of the hostile site, with every theme feature on, opened with a search
    that has a term in no entry (?q=) and the pointer moved over each titled element
    (tooltips), runs no injected script and logs no error."""
    site, _, _ = hostile_site
    assert_every_page_runs_no_injected_script(site, browser)


@pytest.mark.browser
@pytest.mark.parametrize("query", ["pwned script", PAYLOAD, '<img src=x onerror="window.__pwned=1">',
                                   '"><svg onload=window.__pwned=1>'])
def test_site_search_renders_hostile_results_as_text(served_site, browser, query):
    site, base = served_site
    page = browser.new_page(viewport={"width": 1280, "height": 900})
    watch = Watch(page)
    page.goto(base + "q/hostile-body/", wait_until="load")
    box = page.locator("input.md-search__input")
    box.click()
    box.type(query, delay=5)
    results = page.locator(".md-search-result")
    page.wait_for_function(
        "() => { const m = document.querySelector('.md-search-result__meta');"
        " return m && m.textContent.trim() && !/初始化|Initializing/.test(m.textContent); }", timeout=15000)
    page.wait_for_timeout(300)
    html = results.inner_html()
    items = page.locator(".md-search-result__item").count()
    if query == "pwned script":
        assert items >= 3, html[:2000]
        assert "window.__" in results.inner_text() and "<script>" in results.inner_text()
    injected = page.evaluate("""() => { const r = document.querySelector('.md-search-result');
        return r.querySelectorAll('script, img, svg, iframe, object, embed, [onerror], [onload], [onclick]').length; }""")
    assert injected == 0, html[:2000]
    assert page.evaluate("window.__pwned") is None
    assert watch.events == []
    page.close()


@pytest.mark.browser
def test_search_highlight_parameter_is_not_markup(served_site, browser):
    """Material highlights ?h= terms on the page: a crafted link must not inject markup either."""
    _, base = served_site
    page = browser.new_page()
    watch = Watch(page)
    page.goto(base + "q/hostile-body/?h=" + "%3Cimg%20src%3Dx%20onerror%3Dwindow.__pwned%3D1%3E+script", wait_until="load")
    page.wait_for_timeout(300)
    assert page.evaluate("window.__pwned") is None
    assert page.evaluate("document.querySelectorAll('img[onerror], img[src=\"x\"]').length") == 0
    assert watch.events == []
    page.close()
