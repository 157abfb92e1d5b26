"""Helpers for tests that look at a built site: parse pages, crawl internal links."""
from __future__ import annotations

import posixpath
from html.parser import HTMLParser
from pathlib import Path
from urllib.parse import unquote, urlsplit


class PageParser(HTMLParser):
    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.links: list[str] = []
        self.ids: set[str] = set()
        self.h1: list[str] = []
        self._in_h1 = 0
        self.scripts: list[str] = []
        self._in_script = False
        self.text: list[str] = []

    def handle_starttag(self, tag, attrs):
        attrs = dict(attrs)
        if "id" in attrs:
            self.ids.add(attrs["id"])
        if tag == "a" and attrs.get("href") is not None:
            self.links.append(attrs["href"])
        if tag in ("link", "img", "script") and (attrs.get("href") or attrs.get("src")):
            if tag != "link" or attrs.get("rel") in ("stylesheet", "icon", "canonical"):
                self.links.append(attrs.get("href") or attrs.get("src"))
        if tag == "h1":
            self._in_h1 += 1
            self.h1.append("")
        if tag == "script":
            self._in_script = True

    def handle_endtag(self, tag):
        if tag == "h1" and self._in_h1:
            self._in_h1 -= 1
        if tag == "script":
            self._in_script = False

    def handle_data(self, data):
        if self._in_h1:
            self.h1[-1] += data
        if self._in_script:
            self.scripts.append(data)
        else:
            self.text.append(data)


def parse_page(path: Path) -> PageParser:
    parser = PageParser()
    parser.feed(path.read_text(encoding="utf-8"))
    return parser


def target_file(site: Path, page: Path, href: str) -> tuple[Path | None, str]:
    """The file an internal href points at (None for external links) and its fragment."""
    parts = urlsplit(href)
    if parts.scheme or parts.netloc or href.startswith(("mailto:", "javascript:", "data:")):
        return None, ""
    if not parts.path:
        return page, parts.fragment
    if parts.path.startswith("/"):  # 404.html uses site-absolute links
        rel = posixpath.normpath(unquote(parts.path).lstrip("/") or ".")
    else:
        base = posixpath.dirname(page.relative_to(site).as_posix())
        rel = posixpath.normpath(posixpath.join(base, unquote(parts.path)))
    target = site / rel
    if parts.path.endswith("/") or target.is_dir():
        target = target / "index.html"
    return target, parts.fragment


def broken_links(site: Path, check_fragments: bool = True) -> list[str]:
    broken: list[str] = []
    cache: dict[Path, PageParser] = {}

    def parsed(p: Path) -> PageParser:
        if p not in cache:
            cache[p] = parse_page(p)
        return cache[p]

    for page in sorted(site.rglob("*.html")):
        for href in parsed(page).links:
            target, fragment = target_file(site, page, href)
            if target is None:
                continue
            rel = page.relative_to(site)
            if not target.resolve().is_relative_to(site.resolve()):
                broken.append(f"{rel}: {href} leaves the site")
            elif not target.exists():
                broken.append(f"{rel}: {href} (no {target.relative_to(site) if target.is_relative_to(site) else target})")
            elif check_fragments and fragment and target.suffix == ".html" and fragment not in parsed(target).ids:
                broken.append(f"{rel}: {href} (no #{fragment})")
    return broken
