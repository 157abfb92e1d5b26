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

import functools
import re
import shutil
import threading
from html.parser import HTMLParser
from http.server import SimpleHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from urllib.parse import quote

import pytest
from conftest import need_browser

from kb_builder.frontmatter import Findings
from kb_builder.ingest import parse_text, read_corpus
from kb_builder.safe import is_safe_segment, safe_url, sanitize_html, sanitize_markdown

from sitecheck import parse_page

REPO = Path(__file__).resolve().parents[1]
HOSTILE = Path(__file__).resolve().parent / "fixtures" / "hostile"
PAYLOAD = "<script>window.__pwned=1</script>"
UNSAFE_SCHEMES = ("javascript:", "vbscript:", "data:")
URL_ATTRS = {"href", "src", "action", "formaction", "xlink:href", "data", "poster", "srcset", "background"}
TRAVERSAL_TAGS = ["../../etc", "..", "/abs", "a\\b", "%2e%2e", "..%2f..%2fetc", "./hidden", "C:\\Windows",
                  "a/../../b", ".", "..."]


# --------------------------------------------------------------------------- the hostile site

def _tree(root: Path) -> set[str]:
    return {p.relative_to(root).as_posix() for p in root.rglob("*")}


# Every Material feature that acts on the page's content or title, so the theme's
# scripts meet the hostile entries with all they can do (content.tooltips puts titles
# into tooltips as HTML; search.* render the search box's translations). Not search.share:
# its button is the theme's own javascript: link, which the checks below refuse anywhere.
THEME_FEATURES = ["content.tooltips", "content.code.annotate", "content.code.copy", "content.code.select",
                  "content.footnote.tooltips", "navigation.instant", "navigation.tracking", "navigation.path",
                  "navigation.tabs", "navigation.top", "navigation.footer", "search.suggest",
                  "search.highlight", "toc.follow"]


def _config_with_every_feature(folder: Path) -> Path:
    """The repository's mkdocs.yml with THEME_FEATURES on, written into `folder`."""
    import yaml

    config = yaml.safe_load((REPO / "mkdocs.yml").read_text(encoding="utf-8"))
    config["docs_dir"] = str(REPO / config.get("docs_dir", "docs"))
    config["theme"]["features"] = THEME_FEATURES
    path = folder / "mkdocs.yml"
    path.write_text(yaml.safe_dump(config, allow_unicode=True), encoding="utf-8")
    return path


@pytest.fixture(scope="module")
def hostile_site(tmp_path_factory):
    """The hostile fixtures built into <root>/deep/er/site; <root> holds nothing else."""
    from kb_builder.sitebuild import build_site

    content = tmp_path_factory.mktemp("hostile-content") / "content"
    shutil.copytree(HOSTILE, content)
    content_before = {p: p.read_bytes() for p in content.rglob("*") if p.is_file()}
    root = tmp_path_factory.mktemp("hostile-out")
    site = root / "deep" / "er" / "site"
    config = _config_with_every_feature(tmp_path_factory.mktemp("hostile-config"))
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


class _Scan(HTMLParser):
    """Elements, attributes and script bodies of one page, for the injection checks."""

    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.problems: list[str] = []
        self.text: list[str] = []
        self._script: str | None = None

    def handle_starttag(self, tag, attrs):
        for name, value in attrs:
            value = value or ""
            if name.startswith("on"):
                self.problems.append(f"<{tag} {name}=...> event handler")
            squashed = re.sub(r"[\x00-\x20\x7f]+", "", value).lower()
            if name in URL_ATTRS and squashed.startswith(UNSAFE_SCHEMES):
                self.problems.append(f"<{tag} {name}={value[:60]!r}> unsafe URL")
            if name == "style" and "pwned" in value:
                self.problems.append(f"<{tag} style> from entry text")
        if tag in ("iframe", "object", "embed", "form", "base", "meta") and any(
                "pwned" in (v or "") and n != "content" for n, v in attrs):
            self.problems.append(f"<{tag}> from entry text")
        # (a title or alt is text; test_entry_markup_carries_nothing_the_theme_reads checks titles)
        if tag in ("img", "svg") and any(("pwned" in (v or "") and n not in ("title", "alt")) or (n == "src" and v == "x")
                                         for n, v in attrs):
            self.problems.append(f"<{tag}> from entry text")
        if tag == "script":
            self._script = dict(attrs).get("type") or "text/javascript"

    def handle_endtag(self, tag):
        if tag == "script":
            self._script = None

    def handle_data(self, data):
        if self._script is None:
            self.text.append(data)
        elif "pwned" in data and (self._script != "application/ld+json" or "</" in data or "<script" in data):
            self.problems.append(f"<script type={self._script}> contains entry text")


def _scan(path: Path) -> _Scan:
    scan = _Scan()
    scan.feed(path.read_text(encoding="utf-8"))
    scan.close()
    return scan


def test_no_injected_markup_anywhere_in_the_hostile_site(hostile_site):
    site, _, _ = hostile_site
    pages = sorted(site.rglob("*.html"))
    assert len(pages) > 20
    problems = {p.relative_to(site).as_posix(): s.problems for p in pages if (s := _scan(p)).problems}
    assert problems == {}


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


# What Material 9.7's scripts look up (from its bundle's source): besides every md-* class,
# every id in the __ namespace and every data-* attribute, these classes.
THEME_CLASSES = {"annotate", "mermaid", "footnote-ref", "no-select", "select", "no-copy", "copy", "js", "no-js",
                 "tabbed-labels"}


class _ArticleScan(HTMLParser):
    """The attributes of a page's content (Material's article) the theme's scripts could act on."""

    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.problems: list[str] = []
        self.ids: set[str] = set()
        self.toc_targets: list[str] = []
        self.ellipses: list[str] = []
        self._depth = 0  # <article> elements open, from Material's content article on
        self._ellipsis: str | None = None

    def handle_starttag(self, tag, attrs):
        attrs = dict(attrs)
        classes = (attrs.get("class") or "").split()
        if "id" in attrs:
            self.ids.add(attrs["id"])
        if tag == "a" and "md-nav__link" in classes and (attrs.get("href") or "").startswith("#"):
            self.toc_targets.append(attrs["href"][1:])
        if "md-ellipsis" in classes:
            self._ellipsis = ""
        if tag == "article" and (self._depth or "md-content__inner" in classes):
            self._depth += 1
            if self._depth == 1 or classes == ["kb-entry"]:
                return  # Material's article itself, the entry template's frame (data-kb-id)
        if not self._depth:
            return
        for name, value in attrs.items():
            value = value or ""
            if name.startswith("data-"):
                self.problems.append(f"<{tag} {name}>")
            if name in ("id", "for") and value.startswith("__"):
                self.problems.append(f"<{tag} {name}={value}>")
            if name == "href" and "#__" in value:
                self.problems.append(f"<{tag} href={value}>")
            if name == "title" and any(c in value for c in "<>&"):
                self.problems.append(f"<{tag} title={value[:40]!r}>")
        for name in classes:
            if name.startswith("md-") or name in THEME_CLASSES:
                self.problems.append(f"<{tag} class={name}>")

    def handle_endtag(self, tag):
        if tag == "article" and self._depth:
            self._depth -= 1
        if self._ellipsis is not None and tag in ("span", "div"):
            self.ellipses.append(self._ellipsis)
            self._ellipsis = None

    def handle_data(self, data):
        if self._ellipsis is not None:
            self._ellipsis += data


def test_entry_markup_carries_nothing_the_theme_reads(hostile_site):
    """Ids, data attributes, classes and titles from attribute lists, headings and fenced
    blocks are kept out of the theme's way (theme_guard)."""
    site, _, _ = hostile_site
    found = {}
    for page in sorted(site.rglob("*.html")):
        scan = _ArticleScan()
        scan.feed(page.read_text(encoding="utf-8"))
        rel = page.relative_to(site).as_posix()
        problems = scan.problems + [f"toc #{t} has no target" for t in scan.toc_targets if t not in scan.ids]
        problems += [f"md-ellipsis {text.strip()[:40]!r}" for text in scan.ellipses if "<" in text]
        if problems:
            found[rel] = problems
    assert found == {}
    headings = (site / "q" / "hostile-clobber-headings" / "index.html").read_text(encoding="utf-8")
    # headings' anchors never start with "_" (anchors.slugify); an id given by hand is prefixed
    assert all(re.search(rf'<h3 id="(?:user-__)?{name}"', headings) for name in ("config", "search", "drawer", "toc"))
    assert 'id="user-__code_0"' in headings
    plain = (site / "q" / "hostile-data-attributes" / "index.html").read_text(encoding="utf-8")
    for name in ("config", "search", "drawer", "toc", "code_0"):  # only the theme's own, as on any page
        assert headings.count(f'id="__{name}"') == plain.count(f'id="__{name}"'), name


def _visible(page: Path) -> str:
    return " ".join("".join(_scan(page).text).split())


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

_CHROMIUM_ARGS = ["--no-sandbox", "--disable-gpu", "--disable-background-networking", "--disable-component-update",
                  "--disable-sync", "--no-first-run"]


class _QuietHandler(SimpleHTTPRequestHandler):
    def log_message(self, *args):  # keep pytest output clean
        pass


@pytest.fixture(scope="module")
def served_site(hostile_site):
    site, _, _ = hostile_site
    server = ThreadingHTTPServer(("127.0.0.1", 0), functools.partial(_QuietHandler, directory=str(site)))
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        yield site, f"http://127.0.0.1:{server.server_port}/"
    finally:
        server.shutdown()
        server.server_close()


@pytest.fixture(scope="module")
def browser():
    playwright_api = pytest.importorskip("playwright.sync_api")
    executable = shutil.which("chromium") or shutil.which("chromium-browser")
    if not executable:
        need_browser("chromium is not installed")
    with playwright_api.sync_playwright() as p:
        chromium = p.chromium.launch(executable_path=executable, args=_CHROMIUM_ARGS)
        try:
            yield chromium
        finally:
            chromium.close()


class _Watch:
    """Console errors, uncaught exceptions and dialogs of one browser page."""

    def __init__(self, page):
        self.events: list[str] = []
        page.on("console", lambda m: self.events.append(f"console.{m.type}: {m.text}")
                if m.type == "error" else None)
        page.on("pageerror", lambda e: self.events.append(f"pageerror: {e}"))
        page.on("dialog", lambda d: (self.events.append(f"dialog: {d.message}"), d.dismiss()))


# A term of every hostile entry and one of none: the results show the theme's
# "missing: zqxjvk" label (from #__config's translations, rendered as HTML).
SEARCH = "配置 zqxjvk"

# A 1x1 PNG for the entries' images on example.org (the test makes no outside request).
_PIXEL = bytes.fromhex("89504e470d0a1a0a0000000d49484452000000010000000108060000001f15c489"
                       "0000000d49444154789c6360000002000154a24f5d0000000049454e44ae426082")

# content.tooltips mounts a tooltip on every titled element, shown while the pointer is
# on it (Material checks :hover, so only a real pointer shows it); Material titles a
# shortened .md-ellipsis label with its text.  Permalinks are titled by the config.
# The elements are listed once (a shown tooltip takes its host's title off); those in
# view are pointed at as they are (the header shows the page title while scrolled
# down), the others once scrolled into view.
_IN_VIEW = """() => {
    window.__kbTitled = Array.from(document.querySelectorAll("[title]:not(.headerlink)"));
    return window.__kbTitled.map((el, i) => [i, el.getBoundingClientRect(), el.checkVisibility()])
        .filter(([i, r, shown]) => shown && r.width && r.height && r.top >= 0 && r.bottom <= innerHeight)
        .map(([i, r]) => [i, r.x + r.width / 2, r.y + r.height / 2]); }"""
_CENTRE = """(i) => { const el = window.__kbTitled[i];
    if (!el.checkVisibility()) return null;
    el.scrollIntoView({block: "nearest"});
    const r = el.getBoundingClientRect();
    return r.width && r.height ? [r.x + r.width / 2, r.y + r.height / 2] : null; }"""


def _point_at_titled_elements(page) -> int:
    in_view = page.evaluate(_IN_VIEW)
    for _, x, y in in_view:
        page.mouse.move(x, y)
    pointed = {i for i, _, _ in in_view}
    for i in range(page.evaluate("window.__kbTitled.length")):
        if i not in pointed and (centre := page.evaluate(_CENTRE, i)):
            page.mouse.move(*centre)
            pointed.add(i)
    return len(pointed)


def _search_ran(page) -> bool:
    try:
        page.wait_for_function(
            "() => { const m = document.querySelector('.md-search-result__meta');"
            " return m && m.textContent.trim() && !/初始化|Initializing/.test(m.textContent); }", timeout=5000)
    except Exception:  # the theme's scripts failed (a clobbered #__config, …)
        return False
    return True


@pytest.mark.browser
def test_hostile_pages_run_no_injected_script(served_site, browser):
    """Every page of the hostile site, with every theme feature on, opened with a search
    that has a term in no entry (?q=) and the pointer moved over each titled element
    (tooltips), runs no injected script and logs no error."""
    site, base = served_site
    pages = sorted(p.relative_to(site).as_posix() for p in site.rglob("*.html"))
    page = browser.new_page(viewport={"width": 1280, "height": 900})
    page.route("https://example.org/**", lambda route: route.fulfill(body=_PIXEL, content_type="image/png"))
    watch = _Watch(page)
    failures = {}
    for rel in pages:
        url = base + (rel[: -len("index.html")] if rel.endswith("index.html") else rel)
        redirect = 'http-equiv="refresh"' in (site / rel).read_text(encoding="utf-8")
        if redirect:
            # a tag address without a page: follow it, to the search for the tag it opens
            response = page.goto(url, wait_until="load")
            page.wait_for_url(lambda u: u != url, wait_until="load")
            searched = _search_ran(page)
            pointed = 1  # the page it leads to is checked, its titles are those of the search results
            page.wait_for_timeout(300)
        else:
            response = page.goto(f"{url}?q={quote(SEARCH)}", wait_until="load")
            searched = _search_ran(page)
            page.keyboard.press("Escape")  # close the search, uncovering the page
            page.evaluate("window.scrollTo(0, document.body.scrollHeight)")  # the header shows the page title
            page.wait_for_timeout(100)
            pointed = _point_at_titled_elements(page)
            # every image, those of the page and any a tooltip made, has loaded or failed
            page.wait_for_function("() => Array.from(document.images).every(i => i.complete)", timeout=5000)
            page.wait_for_timeout(50)  # the error events of the failed ones
        pwned = page.evaluate("window.__pwned")
        scripts = page.evaluate("""Array.from(document.querySelectorAll('script'))
            .filter(s => /pwned/.test(s.textContent) && s.type !== 'application/ld+json').length""")
        handlers = page.evaluate("""Array.from(document.querySelectorAll('*')).filter(el =>
            Array.from(el.attributes).some(a => a.name.startsWith('on') ||
              (/^(href|src)$/.test(a.name) && /^\\s*(javascript|vbscript|data):/i.test(a.value)))).length""")
        status = response.status if response else None
        if pwned is not None or scripts or handlers or watch.events or status != 200 or not searched:
            failures[rel] = (pwned, scripts, handlers, list(watch.events), status, searched)
        assert pointed > 0, rel
        watch.events.clear()
    page.close()
    assert not failures, "\n".join(f"{rel}: {failure}" for rel, failure in failures.items())
    assert len(pages) > 20


@pytest.mark.browser
@pytest.mark.parametrize("query", ["pwned script", PAYLOAD, '<img src=x onerror="window.__pwned=1">',
                                   '"><svg onload=window.__pwned=1>'])
def test_site_search_renders_hostile_results_as_text(served_site, browser, query):
    site, base = served_site
    page = browser.new_page(viewport={"width": 1280, "height": 900})
    watch = _Watch(page)
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
    watch = _Watch(page)
    page.goto(base + "q/hostile-body/?h=" + "%3Cimg%20src%3Dx%20onerror%3Dwindow.__pwned%3D1%3E+script", wait_until="load")
    page.wait_for_timeout(300)
    assert page.evaluate("window.__pwned") is None
    assert page.evaluate("document.querySelectorAll('img[onerror], img[src=\"x\"]').length") == 0
    assert watch.events == []
    page.close()
