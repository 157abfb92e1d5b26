"""Checks of a site built from the hostile fixtures (tests/fixtures/hostile/), shared by
the site the kb plugin builds (test_security.py) and the folder `kb export` writes,
built without the plugin (test_export_security.py): its HTML as files, and its pages
opened in headless Chromium with every theme feature that acts on a page's content on.
"""
from __future__ import annotations

import contextlib
import functools
import re
import shutil
import threading
from html.parser import HTMLParser
from http.server import SimpleHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from urllib.parse import quote

import pytest

REPO = Path(__file__).resolve().parents[1]
HOSTILE = Path(__file__).resolve().parent / "fixtures" / "hostile"
UNSAFE_SCHEMES = ("javascript:", "vbscript:", "data:")
URL_ATTRS = {"href", "src", "action", "formaction", "xlink:href", "data", "poster", "srcset", "background"}

# Every Material feature that acts on the page's content or title, so the theme's
# scripts meet the hostile entries with all they can do (content.tooltips puts titles
# into tooltips as HTML; search.* render the search box's translations). Not search.share:
# its button is the theme's own javascript: link, which the checks below refuse anywhere.
THEME_FEATURES = ["content.tooltips", "content.code.annotate", "content.code.copy", "content.code.select",
                  "content.footnote.tooltips", "navigation.instant", "navigation.tracking", "navigation.path",
                  "navigation.tabs", "navigation.top", "navigation.footer", "search.suggest",
                  "search.highlight", "toc.follow"]


def config_with_every_feature(folder: Path) -> Path:
    """The repository's mkdocs.yml with THEME_FEATURES on, written into `folder`."""
    import yaml

    config = yaml.safe_load((REPO / "mkdocs.yml").read_text(encoding="utf-8"))
    config["docs_dir"] = str(REPO / config.get("docs_dir", "docs"))
    config["theme"]["features"] = THEME_FEATURES
    path = folder / "mkdocs.yml"
    path.write_text(yaml.safe_dump(config, allow_unicode=True), encoding="utf-8")
    return path


# --------------------------------------------------------------------------- the HTML files

class Scan(HTMLParser):
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
        # (a title or alt is text; theme_reads checks titles)
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


def scan(path: Path) -> Scan:
    found = Scan()
    found.feed(path.read_text(encoding="utf-8"))
    found.close()
    return found


def injected_markup(site: Path) -> dict[str, list[str]]:
    """Event handlers, script URLs, scripts and elements made of entry text, per page."""
    return {p.relative_to(site).as_posix(): s.problems for p in sorted(site.rglob("*.html")) if (s := scan(p)).problems}


# What Material 9.7's scripts look up (from its bundle's source): besides every md-* class,
# every id in the __ namespace and every data-* attribute, these classes.
THEME_CLASSES = {"annotate", "mermaid", "footnote-ref", "no-select", "select", "no-copy", "copy", "js", "no-js",
                 "tabbed-labels"}


class ArticleScan(HTMLParser):
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


def theme_reads(site: Path) -> dict[str, list[str]]:
    """Per page, what of the entries' markup the theme's scripts would act on: ids in its
    `__` namespace, data attributes, its classes, titles and shortened labels that hold
    markup, and table-of-contents links without their target."""
    found = {}
    for page in sorted(site.rglob("*.html")):
        article = ArticleScan()
        article.feed(page.read_text(encoding="utf-8"))
        problems = article.problems + [f"toc #{t} has no target" for t in article.toc_targets if t not in article.ids]
        problems += [f"md-ellipsis {text.strip()[:40]!r}" for text in article.ellipses if "<" in text]
        if problems:
            found[page.relative_to(site).as_posix()] = problems
    return found


def theme_ids(page: Path) -> dict[str, int]:
    """How many elements of a page carry each of the theme's own ids (`__config`, …)."""
    html = page.read_text(encoding="utf-8")
    return {name: html.count(f'id="__{name}"') for name in ("config", "search", "drawer", "toc", "code_0", "pwned")}


# --------------------------------------------------------------------------- in the browser

CHROMIUM_ARGS = ["--no-sandbox", "--disable-gpu", "--disable-background-networking", "--disable-component-update",
                 "--disable-sync", "--no-first-run"]


class _QuietHandler(SimpleHTTPRequestHandler):
    def log_message(self, *args):  # keep pytest output clean
        pass


@pytest.fixture(scope="module")
def browser():
    """Headless Chromium (the system's), or a skip without it or without playwright."""
    from conftest import need_browser

    playwright_api = pytest.importorskip("playwright.sync_api")
    executable = shutil.which("chromium") or shutil.which("chromium-browser")
    if not executable:
        need_browser("chromium is not installed")
    with playwright_api.sync_playwright() as p:
        launched = p.chromium.launch(executable_path=executable, args=CHROMIUM_ARGS)
        try:
            yield launched
        finally:
            launched.close()


@contextlib.contextmanager
def served(site: Path):
    """The site on 127.0.0.1 (a free port): yields its base URL."""
    server = ThreadingHTTPServer(("127.0.0.1", 0), functools.partial(_QuietHandler, directory=str(site)))
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        yield f"http://127.0.0.1:{server.server_port}/"
    finally:
        server.shutdown()
        server.server_close()


class Watch:
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
PIXEL = bytes.fromhex("89504e470d0a1a0a0000000d49484452000000010000000108060000001f15c489"
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


def point_at_titled_elements(page) -> int:
    in_view = page.evaluate(_IN_VIEW)
    for _, x, y in in_view:
        page.mouse.move(x, y)
    pointed = {i for i, _, _ in in_view}
    for i in range(page.evaluate("window.__kbTitled.length")):
        if i not in pointed and (centre := page.evaluate(_CENTRE, i)):
            page.mouse.move(*centre)
            pointed.add(i)
    return len(pointed)


def search_ran(page, timeout: int = 5000) -> bool:
    try:
        page.wait_for_function(
            "() => { const m = document.querySelector('.md-search-result__meta');"
            " return m && m.textContent.trim() && !/初始化|Initializing/.test(m.textContent); }", timeout=timeout)
    except Exception:  # the theme's scripts failed (a clobbered #__config, …)
        return False
    return True


def assert_every_page_runs_no_injected_script(site: Path, browser) -> None:
    """Every page of `site`, served, opened with a search that has a term in no entry
    (?q=) and the pointer moved over each titled element (tooltips), runs no injected
    script, logs no error and runs the search."""
    with served(site) as base:
        failures, pages = _run_every_page(site, base, browser)
    assert not failures, "\n".join(f"{rel}: {failure}" for rel, failure in failures.items())
    assert pages > 20


def _run_every_page(site: Path, base: str, browser) -> tuple[dict[str, tuple], int]:
    """The pages that ran an injected script, logged an error or whose search did not
    run, and the number of pages."""
    pages = sorted(p.relative_to(site).as_posix() for p in site.rglob("*.html"))
    page = browser.new_page(viewport={"width": 1280, "height": 900})
    page.route("https://example.org/**", lambda route: route.fulfill(body=PIXEL, content_type="image/png"))
    watch = Watch(page)
    failures = {}
    for rel in pages:
        url = base + (rel[: -len("index.html")] if rel.endswith("index.html") else rel)
        redirect = 'http-equiv="refresh"' in (site / rel).read_text(encoding="utf-8")
        if redirect:
            # a tag address without a page: follow it, to the search for the tag it opens
            response = page.goto(url, wait_until="load")
            page.wait_for_url(lambda u: u != url, wait_until="load")
            searched = search_ran(page)
            pointed = 1  # the page it leads to is checked, its titles are those of the search results
            page.wait_for_timeout(300)
        else:
            response = page.goto(f"{url}?q={quote(SEARCH)}", wait_until="load")
            searched = search_ran(page)
            page.keyboard.press("Escape")  # close the search, uncovering the page
            page.evaluate("window.scrollTo(0, document.body.scrollHeight)")  # the header shows the page title
            page.wait_for_timeout(100)
            pointed = point_at_titled_elements(page)
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
        if pwned is not None or scripts or handlers or watch.events or status != 200 or not searched or not pointed:
            failures[rel] = (pwned, scripts, handlers, list(watch.events), status, searched, pointed)
        watch.events.clear()
    page.close()
    return failures, len(pages)
