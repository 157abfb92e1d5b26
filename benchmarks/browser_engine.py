"""Browser search engines for benchmarks/search_quality.py: the built site's search box in headless Chromium.

Two engines, each a static site served from a local HTTP server and searched
through Material's search box (type the query, read the ranked result links):

* ``browser (kb)``: the site kb_builder builds from mkdocs.yml (its own search
  worker and index, see kb_builder/browser_index.py);
* ``browser (material)``: the baseline, a plain Material for MkDocs site (theme
  language zh, the stock search plugin) over the same corpus files.

Sites are built once per corpus and cached in the temp directory (set
``KB_BENCH_REBUILD=1`` to rebuild).  Needs the ``playwright`` package and a
Chromium: ``$KB_CHROMIUM``, else ``chromium``/``chromium-browser`` on PATH, else
Playwright's own.

    python benchmarks/browser_engine.py [--corpus DIR] [--first QUERY]
        prints index sizes and the time from page load to the first result.
"""
from __future__ import annotations

import functools
import hashlib
import http.server
import json
import logging
import os
import re
import shutil
import sys
import tempfile
import threading
import time
from pathlib import Path
from typing import Callable

REPO = Path(__file__).resolve().parents[1]
SHARED = Path(__file__).resolve().parents[2] / "shared"
if str(REPO) not in sys.path:
    sys.path.insert(0, str(REPO))

ENTRY_ID = re.compile(r"question-history-?(\d+)")

# Records the messages between Material and its search worker.
_SPY = """
(() => {
  const W = window.Worker
  if (!W || W.__kbSpy) return
  const log = window.__kbSearch = { queries: [], results: [], ready: null }
  class Spy extends W {
    constructor(url, options) {
      super(url, options)
      this.addEventListener("message", ev => {
        const m = ev.data || {}
        if (m.type === 1) log.ready = performance.now()
        if (m.type === 3) log.results.push({
          t: performance.now(), query: m.data && m.data.query,
          n: ((m.data && m.data.items) || []).length })
      })
    }
    postMessage(m, ...rest) {
      if (m && m.type === 2) log.queries.push({ t: performance.now(), value: m.data })
      return super.postMessage(m, ...rest)
    }
  }
  Spy.__kbSpy = true
  window.Worker = Spy
})()
"""

# Resolves when the result for the last query sent has arrived and been rendered.
_WAIT = """
async ([value, matchByQuery, timeout]) => {
  const log = window.__kbSearch
  const start = performance.now()
  for (;;) {
    const sent = log.queries.filter(q => q.value === value)
    if (sent.length) {
      const at = sent[sent.length - 1].t
      const done = matchByQuery
        ? log.results.find(r => r.query === value && r.t >= at)
        : log.results.length >= log.queries.length && log.results[log.results.length - 1].t >= at
          && log.results[log.results.length - 1]
      if (done) {
        await new Promise(r => requestAnimationFrame(() => requestAnimationFrame(r)))
        const links = [...document.querySelectorAll(".md-search-result__list > li")]
          .map(li => { const a = li.querySelector("a"); return a ? a.getAttribute("href") : "" })
        return { ms: done.t - at, links }
      }
    }
    if (performance.now() - start > timeout) return { ms: null, links: [], timeout: true }
    await new Promise(r => setTimeout(r, 5))
  }
}
"""


def chromium_path() -> str | None:
    env = os.environ.get("KB_CHROMIUM")
    if env:
        return env
    for name in ("chromium", "chromium-browser", "google-chrome"):
        found = shutil.which(name)
        if found:
            return found
    return None


CHROMIUM_ARGS = ["--no-sandbox", "--disable-gpu", "--disable-background-networking",
                 "--disable-component-update", "--disable-sync", "--no-first-run"]


# --------------------------------------------------------------------------- sites

def _corpus_key(corpus_dir: Path, *extra: Path) -> str:
    h = hashlib.sha256(str(corpus_dir.resolve()).encode())
    for path in sorted(corpus_dir.rglob("*.md")):
        st = path.stat()
        h.update(f"{path.name}\0{st.st_size}\0{st.st_mtime_ns}\n".encode())
    for path in extra:
        for f in sorted(p for p in path.rglob("*") if p.is_file() and "__pycache__" not in p.parts) \
                if path.is_dir() else [path]:
            st = f.stat()
            h.update(f"{f}\0{st.st_size}\0{st.st_mtime_ns}\n".encode())
    return h.hexdigest()[:16]


def _cache_dir(kind: str, key: str) -> Path:
    return Path(tempfile.gettempdir()) / "kb-browser-bench" / f"{kind}-{key}"


def build_kb_site(corpus_dir: Path, site_dir: Path | None = None) -> Path:
    """The kb_builder site of `corpus_dir` (cached unless `site_dir` is given)."""
    from kb_builder.sitebuild import build_site

    if site_dir is None:
        key = _corpus_key(corpus_dir, REPO / "kb_builder", REPO / "mkdocs.yml")  # kb_builder/theme included
        site_dir = _cache_dir("kb", key)
        if (site_dir / "index.html").is_file() and not os.environ.get("KB_BENCH_REBUILD"):
            return site_dir
    build_site(REPO / "mkdocs.yml", content=corpus_dir, site_dir=site_dir)
    return site_dir


def build_material_site(corpus_dir: Path, site_dir: Path | None = None) -> Path:
    """A plain Material site (language zh, stock search) with the corpus files as pages."""
    from mkdocs.commands.build import build
    from mkdocs.config import load_config

    if site_dir is None:
        site_dir = _cache_dir("material", _corpus_key(corpus_dir))
        if (site_dir / "index.html").is_file() and not os.environ.get("KB_BENCH_REBUILD"):
            return site_dir
    work = Path(tempfile.mkdtemp(prefix="kb-material-"))
    try:
        docs = work / "docs"
        docs.mkdir()
        for path in sorted(corpus_dir.glob("*.md")):
            shutil.copyfile(path, docs / path.name)
        (docs / "index.md").write_text("# Knowledge base\n", encoding="utf-8")
        cfg = work / "mkdocs.yml"
        cfg.write_text(json.dumps({
            "site_name": "baseline", "docs_dir": "docs", "site_dir": str(site_dir),
            "theme": {"name": "material", "language": "zh"}, "plugins": ["search"],
        }), encoding="utf-8")
        logger = logging.getLogger("mkdocs")
        level = logger.level
        logger.setLevel(logging.ERROR)  # the corpus has links to pages outside it
        try:
            build(load_config(str(cfg)))
        finally:
            logger.setLevel(level)
    finally:
        shutil.rmtree(work, ignore_errors=True)
    return site_dir


class _Quiet(http.server.SimpleHTTPRequestHandler):
    def log_message(self, *args) -> None:
        pass


class Server:
    """A static file server for a built site on 127.0.0.1 (a free port)."""

    def __init__(self, site_dir: Path):
        handler = functools.partial(_Quiet, directory=str(site_dir))
        self.httpd = http.server.ThreadingHTTPServer(("127.0.0.1", 0), handler)
        self.url = f"http://127.0.0.1:{self.httpd.server_address[1]}/"
        self.thread = threading.Thread(target=self.httpd.serve_forever, daemon=True)
        self.thread.start()

    def close(self) -> None:
        self.httpd.shutdown()
        self.httpd.server_close()


# --------------------------------------------------------------------------- browser

_shared: dict = {}


def browser():
    """One headless Chromium for the process (Playwright's sync API allows one driver)."""
    if "browser" not in _shared:
        from playwright.sync_api import sync_playwright

        pw = sync_playwright().start()
        kwargs = {"args": CHROMIUM_ARGS}
        exe = chromium_path()
        if exe:
            kwargs["executable_path"] = exe
        _shared["pw"] = pw
        _shared["browser"] = pw.chromium.launch(**kwargs)
    return _shared["browser"]


def close_browser() -> None:
    b, pw = _shared.pop("browser", None), _shared.pop("pw", None)
    for step in ((b.close if b else None), (pw.stop if pw else None)):
        try:
            if step:
                step()
        except Exception:
            pass


class SearchBox:
    """Drives the search box of a served site in its own browser context (empty cache)."""

    def __init__(self, url: str, match_by_query: bool = True, timeout_ms: int = 15000):
        self.url = url
        self.match_by_query = match_by_query
        self.timeout = timeout_ms
        self.context = browser().new_context(viewport={"width": 1280, "height": 900})
        self.context.add_init_script(_SPY)
        self.page = self.context.new_page()
        self.errors: list[str] = []
        self.page.on("pageerror", lambda e: self.errors.append(str(e)))
        self.page.goto(url)
        self.page.wait_for_function("window.__kbSearch && window.__kbSearch.ready !== null",
                                    timeout=self.timeout)
        self.input = self.page.locator("input.md-search__input")
        self.input.click()

    def _send(self, value: str, typed: bool) -> dict:
        if typed:
            self.input.fill("")
            self.input.press_sequentially(value)
        else:
            self.input.fill(value)
        self.input.press("End")  # Material reads the value on keyup
        return self.page.evaluate(_WAIT, [value, self.match_by_query, self.timeout])

    def search(self, query: str, typed: bool = False) -> tuple[list[str], float | None]:
        """(result hrefs in rank order, ms from the query sent to its result)."""
        self._send("", False)
        out = self._send(query, typed)
        return out["links"], out["ms"]

    def close(self) -> None:
        try:
            self.context.close()
        except Exception:
            pass


def first_result_ms(url: str, query: str, match_by_query: bool = True) -> dict:
    """In a fresh browser context (empty cache): ms from navigation start until the
    first result of `query` typed as soon as the page is parsed, and the bytes fetched."""
    context = browser().new_context(viewport={"width": 1280, "height": 900})
    try:
        context.add_init_script(_SPY)
        page = context.new_page()
        fetched: list[int] = []
        page.on("response", lambda r: fetched.append(int(r.headers.get("content-length") or 0)))
        page.goto(url, wait_until="domcontentloaded")
        box = page.locator("input.md-search__input")
        box.click()
        box.fill(query)
        box.press("End")
        page.wait_for_function(
            "([q, byQuery]) => (window.__kbSearch.results || []).some(r => r.n > 0 && (!byQuery || r.query === q))",
            arg=[query, match_by_query], timeout=60000)
        log = page.evaluate("""(() => { const l = window.__kbSearch
            const nav = performance.getEntriesByType("navigation")[0]
            return { ms: l.results.find(r => r.n > 0).t, ready: l.ready,
                     sent: (l.queries.find(q => q.value) || {}).t, dom: nav && nav.domContentLoadedEventEnd } })()""")
        return {**log, "bytes": sum(fetched)}
    finally:
        context.close()


def entry_ids(links: list[str]) -> list[str]:
    out = []
    for href in links:
        m = ENTRY_ID.search(href or "")
        if m and f"question-history-{m.group(1)}" not in out:
            out.append(f"question-history-{m.group(1)}")
    return out


# --------------------------------------------------------------------------- engines

_open: list[tuple[Server, SearchBox]] = []


def _engine(site_dir: Path, match_by_query: bool) -> Callable[[str], list[str]]:
    server = Server(site_dir)
    box = SearchBox(server.url, match_by_query=match_by_query)
    _open.append((server, box))

    def run(query: str) -> list[str]:
        links, _ = box.search(query)
        return entry_ids(links)

    return run


def make_kb_browser(corpus_dir: Path) -> Callable[[str], list[str]]:
    return _engine(build_kb_site(corpus_dir), True)


def make_material_browser(corpus_dir: Path) -> Callable[[str], list[str]]:
    return _engine(build_material_site(corpus_dir), False)


def close_all() -> None:
    while _open:
        server, box = _open.pop()
        box.close()
        server.close()
    close_browser()


def register(register_engine: Callable[[str, Callable], None]) -> None:
    """Add the browser engines to search_quality.py's registry (skipped without playwright)."""
    try:
        import playwright  # noqa: F401
    except ImportError:
        return
    register_engine("browser (kb)", make_kb_browser)
    register_engine("browser (material)", make_material_browser)
    import atexit

    atexit.register(close_all)


def site_sizes(site_dir: Path) -> dict:
    import gzip

    out = {}
    for label, paths in (("kb index", list((site_dir / "search" / "kb").rglob("*.json"))),
                         ("search_index.json", [site_dir / "search" / "search_index.json"])):
        paths = [p for p in paths if p.is_file()]
        raw = sum(p.stat().st_size for p in paths)
        gz = sum(len(gzip.compress(p.read_bytes(), 6)) for p in paths)
        out[label] = {"files": len(paths), "raw": raw, "gzip": gz}
    return out


def main(argv=None) -> int:
    import argparse

    ap = argparse.ArgumentParser(description="index sizes and time to first result of the browser search")
    ap.add_argument("--corpus", type=Path, default=SHARED / "corpus" / "nacos-faq")
    ap.add_argument("--first", default="服务注册失败", help="query for the time-to-first-result")
    ap.add_argument("--runs", type=int, default=3)
    args = ap.parse_args(argv)
    if not args.corpus.is_dir():
        print(f"corpus not found: {args.corpus} (skipped)")
        return 0
    for name, builder, by_query in (("browser (kb)", build_kb_site, True),
                                    ("browser (material)", build_material_site, False)):
        t = time.perf_counter()
        site = builder(args.corpus)
        print(f"{name}: site {site} ({time.perf_counter() - t:.1f} s)")
        for label, s in site_sizes(site).items():
            if s["files"]:
                print(f"  {label:<18} {s['files']:>4} files {s['raw'] / 1e6:8.2f} MB raw {s['gzip'] / 1e6:8.2f} MB gzip")
        server = Server(site)
        try:
            runs = [first_result_ms(server.url, args.first, by_query) for _ in range(args.runs)]
        finally:
            server.close()
        print(f"  page load -> first result of {args.first!r} (empty cache): " + ", ".join(
            f"{r['ms']:.0f} ms" for r in runs) + f"; {runs[0]['bytes'] / 1e6:.2f} MB fetched (uncompressed)")
        last = runs[-1]
        print("    last run: DOMContentLoaded {dom:.0f} ms, worker ready {ready:.0f} ms, query sent {sent:.0f} ms, "
              "result {ms:.0f} ms".format(**{k: (v if v is not None else float("nan")) for k, v in last.items()}))
        queries = _dev_queries()
        if queries:
            server = Server(site)
            box = SearchBox(server.url, match_by_query=by_query)
            try:
                lat = sorted(ms for ms in (box.search(q)[1] for q in queries) if ms is not None)
            finally:
                box.close()
                server.close()
            if lat:
                p95 = lat[min(len(lat) - 1, round(0.95 * (len(lat) - 1)))]
                print(f"  in-page latency, query sent -> result message ({len(lat)} dev queries): "
                      f"p50 {lat[len(lat) // 2]:.0f} ms, p95 {p95:.0f} ms")
    close_browser()
    return 0


def _dev_queries() -> list[str]:
    path = SHARED / "eval" / "queries_dev.jsonl"
    if not path.is_file():
        return []
    return [json.loads(line)["q"] for line in path.read_text(encoding="utf-8").splitlines() if line.strip()]


if __name__ == "__main__":
    sys.exit(main())
