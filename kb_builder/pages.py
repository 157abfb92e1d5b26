"""Rendering the knowledge base to `{uri: Page}`: page records through templates.

Every generated page is a record (records.py) rendered by a template under
``kb/`` in the theme (a site's ``custom_dir`` overrides any of them, as it does
Material's).  Page templates write markdown; lists of entries are HTML fragments
(``kb/entries.html``) kept beside the markdown and put in after the markdown is
converted, so thousands of list items are never parsed as markdown.  The
rendering of a record is remembered in the build's store, keyed by the record
and the templates' sources.

Pure: no MkDocs here.  The plugin hands `Page.markdown` to MkDocs and puts the
fragments in (`Page.fill`); `kb export` writes `Page.text`, fragments inlined.
"""
from __future__ import annotations

import hashlib
import re
from dataclasses import dataclass, field
from functools import cached_property
from pathlib import Path
from typing import Any, Callable, Mapping, Sequence

import yaml
from markupsafe import Markup

from . import homepage, records, redirects
from .i18n import labels_for
from .model import Entry, NormalizedEntry
from .records import (CATEGORY_DIR, CATEGORY_INDEX, ENTRY_DIR, ERROR_PAGE, HOME, HUB_DIR, HUB_INDEX, TAG_DIR,
                      TAG_INDEX, VERSION_DIR, Site, category_uri, entry_uri, error_anchor, hub_uri, md_link,
                      tag_uri, version_uri)
from .safe import escape_attr, escape_inline, is_safe_segment, safe_url, sanitize_markdown
from .store import Store
from .tagplan import MIN_ENTRIES

__all__ = ["CATEGORY_DIR", "ENTRY_DIR", "ERROR_PAGE", "HOME", "HUB_DIR", "TAG_DIR", "VERSION_DIR", "Page",
           "RenderContext", "Templates", "default_nav", "entry_uri", "error_anchor", "render_pages"]

THEME_DIR = Path(__file__).parent / "theme"
DESCRIPTION_CHARS = 90
FRAGMENT = "<!-- kb:fragment {} -->"
_FRAGMENT = re.compile(r"<!-- kb:fragment (\d+) -->")
# A fragment's place while the page is cleaned: text the cleaner keeps (it drops comments),
# named by the page's digest, which covers the page's own text, so no entry can write it.
_MARK = re.compile("\ue000([0-9a-f]+):(\\d+)\ue001")


# ----------------------------------------------------------------------------- pages

@dataclass(frozen=True)
class Page:
    """A generated page: markdown, with the HTML fragments it stands placeholders for."""

    markdown: str
    fragments: tuple[str, ...] = ()

    def fill(self, html_text: str) -> str:
        """The page's HTML with its fragments in place of their placeholders."""
        if not self.fragments:
            return html_text
        return _FRAGMENT.sub(self._fragment, html_text)

    def fill_cleaned(self, html_text: str, clean: Callable[[str], str]) -> str:
        """The page's HTML cleaned by `clean` (what entries wrote may hold raw HTML), then
        its fragments put in.  The fragments are not cleaned: autoescaping templates wrote
        them (user text in them is escaped, as in `kb export`'s pages), and cleaning a list
        of thousands of entries again after each edit took longer than rendering it."""
        if not self.fragments:
            return clean(html_text)
        digest = self.digest
        cleaned = clean(_FRAGMENT.sub(lambda m: f"\ue000{digest}:{m.group(1)}\ue001", html_text))
        return _MARK.sub(lambda m: self._fragment_at(m.group(2)) if m.group(1) == digest else m.group(0), cleaned)

    def _fragment(self, match: re.Match) -> str:
        return self._fragment_at(match.group(1))

    def _fragment_at(self, number: str) -> str:
        n = int(number)
        return self.fragments[n] if n < len(self.fragments) else ""

    @cached_property
    def text(self) -> str:
        """The markdown with the fragments inlined (raw HTML blocks), for other engines."""
        return self.fill(self.markdown)

    @cached_property
    def digest(self) -> str:
        """What the page is written from, hashed (a page a rebuild remembers keeps its digest)."""
        text = self.markdown + "\0" + "\0".join(self.fragments)
        return hashlib.blake2b(text.encode("utf-8"), digest_size=16).hexdigest()

    def __contains__(self, needle: str) -> bool:
        return needle in self.text

    def __str__(self) -> str:
        return self.text


def default_nav(lang: str, pages: Mapping[str, Any] | None = None) -> list[dict[str, str]]:
    """The short navigation kb gives a site whose configuration has none; given the
    generated `pages`, only the sections the site has (categories when there are several,
    as the home page lists them)."""
    t = labels_for(lang)
    nav = [{t["home"]: HOME}, {t["troubleshooting"]: HUB_INDEX}, {t["error_index"]: ERROR_PAGE},
           {t["tag_index"]: TAG_INDEX}, {t["categories"]: CATEGORY_INDEX}]
    if pages is None:
        return nav
    categories = sum(1 for uri in pages if uri.startswith(f"{CATEGORY_DIR}/") and uri != CATEGORY_INDEX)
    return [item for item in nav for uri in item.values()
            if uri in pages and (uri != CATEGORY_INDEX or categories > 1)]


# ----------------------------------------------------------------------------- templates

def _front_matter(meta: Mapping, description: str | None = None) -> str:
    meta = dict(meta)
    if description:
        meta["description"] = description
    dumper = getattr(yaml, "CSafeDumper", yaml.SafeDumper)  # libyaml's emitter: same YAML, faster
    return "---\n" + yaml.dump(meta, Dumper=dumper, allow_unicode=True, sort_keys=False) + "---\n"


# A label holds no "[" and a target no "(": a run of either is not read 300 or 2000
# characters from each of its characters.
_MD_NOISE = re.compile(r"(^|\s)#\s|#{2,6}\s*|[*`]+|!?\[([^\[\]]{0,300})\]\([^()\s]{0,2000}\)")


def plain(text: str) -> str:
    """Descriptions are often cut from the answer's markdown: show them as plain text."""
    return _MD_NOISE.sub(lambda m: (m.group(1) or "") + (m.group(2) or ""), text)


def shorten(text: str | None, limit: int = DESCRIPTION_CHARS) -> str:
    text = " ".join(plain(text or "").split())
    return text if len(text) <= limit else text[: limit - 1].rstrip() + "…"


MAX_REMEMBERED_LINES = 100_000  # list lines a Templates object keeps (then it starts again)


class Templates:
    """The page templates: those under ``kb/`` of the given theme folders (a site's
    ``custom_dir`` first), then the package's.  A value: equal when the folders and the
    templates' sources are equal."""

    def __init__(self, dirs: Sequence[str | Path] = (), markdown_lists: bool = False):
        """`markdown_lists`: lists of entries as markdown lists of .md links, which other
        engines resolve themselves (`kb export`), instead of HTML fragments."""
        self.dirs = tuple(str(d) for d in dirs if d) + (str(THEME_DIR),)
        self.markdown_lists = markdown_lists
        digest = hashlib.blake2b(digest_size=16)
        for folder in self.dirs:
            for path in sorted(Path(folder, "kb").glob("*.html")):
                digest.update(f"{path.relative_to(folder)}\0".encode() + path.read_bytes() + b"\0")
        self.key = (self.dirs, digest.hexdigest(), markdown_lists)
        # Rendered list lines by (item, list settings, language): pure in the templates, which
        # this value's key covers.  A session keeps one Templates object (store.intern).
        self._lines: dict[tuple, Markup] = {}

    def __eq__(self, other: object) -> bool:
        return isinstance(other, Templates) and self.key == other.key

    def __hash__(self) -> int:
        return hash(self.key)

    def __getstate__(self) -> dict:
        # The compiled templates are made again from the sources the key names.
        return {k: v for k, v in self.__dict__.items() if k not in ("env", "_templates")}

    @cached_property
    def env(self):
        import jinja2

        # The sources are part of this value's key: a template never changes under it.
        env = jinja2.Environment(
            loader=jinja2.FileSystemLoader(list(self.dirs)), autoescape=_autoescape, trim_blocks=True,
            lstrip_blocks=True, keep_trailing_newline=True, undefined=jinja2.StrictUndefined, auto_reload=False)
        env.filters.update(md=escape_inline, attr=escape_attr, code=lambda s: str(s).replace("`", "'"),
                           url=lambda s: safe_url(s) or "")
        env.globals.update(front_matter=_front_matter, shorten=shorten)
        return env

    @cached_property
    def _templates(self) -> dict:
        env = self.env
        return {name: env.get_template(f"kb/{name}.html") for name in
                ("entry", "meta-line", "entries", "entry-line", "entries-markdown", "chips", "chips-markdown", "listing",
                 "tag-index", "category-index",
                 "hub-index", "hub", "errors", "home", "redirect")}

    def render(self, name: str, page: Any) -> Page:
        fragments: list[str] = []
        templates = self._templates
        lang = getattr(page, "lang", "en")
        t = labels_for(lang)

        def fragment(html_text: str) -> str:
            """HTML put in after Markdown (a placeholder in its place)."""
            fragments.append(html_text)
            return FRAGMENT.format(len(fragments) - 1)

        def entries(entry_list: records.EntryList) -> str:
            if self.markdown_lists:
                return templates["entries-markdown"].render(entries=entry_list, t=t).strip("\n")
            lines = self._lines

            def line(item: records.Item) -> Markup:
                key = (item, entry_list.dates, entry_list.note, entry_list.descriptions, lang)
                found = lines.get(key)
                if found is None:
                    if len(lines) >= MAX_REMEMBERED_LINES:
                        lines.clear()
                    found = lines[key] = Markup(templates["entry-line"].render(
                        item=item, dates=entry_list.dates, note=entry_list.note,
                        descriptions=entry_list.descriptions, t=t).strip("\n"))
                return found

            return fragment(templates["entries"].render(entries=entry_list, line=line, t=t).strip("\n"))

        def chips(chip_list: Sequence[records.Chip]) -> str:
            """Links to listings, with counts (the tag index: thousands of them)."""
            if self.markdown_lists:
                return templates["chips-markdown"].render(chips=chip_list, t=t).strip("\n")
            return fragment(templates["chips"].render(chips=chip_list, t=t).strip("\n"))

        def meta_line(entry_page: records.EntryPage) -> str:
            return templates["meta-line"].render(page=entry_page, t=t).strip()

        text = templates[name].render(entries=entries, chips=chips, meta_line=meta_line, page=page, t=t)
        return Page(text, tuple(fragments))


def _autoescape(name: str | None) -> bool:
    # Page templates write markdown and escape user text themselves (`md`, `attr`);
    # lists of entries, lists of links with counts and redirect pages are HTML.
    return bool(name) and name.endswith(("entries.html", "entry-line.html", "chips.html", "redirect.html"))


def render(templates: Templates, name: str, page: Any) -> Page:
    """One page from its record (what the store remembers, keyed by all three)."""
    return templates.render(name, page)


def render_entry(templates: Templates, view: records.EntryView) -> Page:
    """An entry's page from its view (what the store remembers, keyed by both)."""
    return templates.render("entry", records.entry_page(view, shorten))


# ----------------------------------------------------------------------------- entry bodies

def sanitized_as_written(text: str) -> tuple[str, tuple[str, ...]]:
    """An entry's markdown made safe with its links as written, and every link target the
    sanitiser saw in it (in order): when no target needs rewriting, that is the result."""
    seen: list[str] = []
    safe = sanitize_markdown(text, lambda target: seen.append(target) or target)
    return safe, tuple(dict.fromkeys(seen))


def sanitized(text: str, rewrites: tuple[tuple[str, str | None], ...]) -> str:
    """An entry's markdown made safe, its link targets rewritten as `rewrites` says (None: the link goes)."""
    table = dict(rewrites)
    return sanitize_markdown(text, lambda target: table.get(target, target))


def _has_scheme(target: str) -> bool:
    return ":" in target.split("/", 1)[0]


# ----------------------------------------------------------------------------- all pages

@dataclass(frozen=True)
class RenderContext:
    entries: Sequence[NormalizedEntry]
    graph: object  # link.Graph (duck-typed here to keep pages independent of link internals)
    lang: str = "en"
    edit_url: Callable[[Entry], str | None] = lambda entry: None
    rewrite_link: Callable[[Entry, str], str | None] | None = None  # body link → entry id or None
    extra_home_links: Sequence[tuple[str, str]] = field(default_factory=tuple)
    templates: Templates | None = None
    directory_urls: bool = True
    tag_min_entries: int = MIN_ENTRIES  # a tag with fewer entries gets no page
    site_name: str = ""  # the home page's heading


def render_pages(ctx: RenderContext, store: Store | None = None) -> dict[str, Page]:
    """Every generated page, keyed by its docs-relative path."""
    return render_site(ctx, store)[0]


def render_site(ctx: RenderContext, store: Store | None = None) -> tuple[dict[str, Page], dict[str, str]]:
    """Every generated page, and the redirect pages (HTML) standing at addresses of pages
    that are no more (redirects.py): both keyed by docs-relative path (`tags/<slug>.md`).
    A clean build cannot know which pages an earlier one wrote, so every tag written in the
    entries keeps an address (its page, or a redirect to where its entries are listed), and
    so does every former slug the hub rules declare."""
    store = store if store is not None else Store()
    # Equal templates (the same sources) are the first such object: its compiled templates are kept.
    templates = store.intern(ctx.templates or Templates())
    by_id = {n.entry.id for n in ctx.entries}

    def body(entry: Entry, text: str, kind: str) -> str:
        safe, targets = store.memo(sanitized_as_written, text)
        uri = entry_uri(entry.id)
        rewrites = tuple((t, _rewrite(ctx, entry, uri, t, by_id)) for t in targets)
        if all(new == old for old, new in rewrites):
            return safe
        return store.memo(sanitized, text, rewrites)

    site = Site(ctx.entries, ctx.graph, ctx.lang, ctx.directory_urls, ctx.edit_url, body, ctx.extra_home_links,
                ctx.tag_min_entries, store.memo, ctx.site_name)
    t = labels_for(ctx.lang)
    # An entry's page is remembered by its view (what it shows of the site), so a rebuild
    # builds the records only of the pages an edit changed.
    pages = {HOME: store.memo(render, templates, "home", homepage.home(site))}
    views = [site.entry_view(n) for n in ctx.entries]
    pages.update(zip([_check_uri(entry_uri(n.entry.id)) for n in ctx.entries],
                     store.each(render_entry, [templates] * len(views), views)))
    jobs: list[tuple[str, str, Callable[[], Any]]] = []
    jobs.append((TAG_INDEX, "tag-index", lambda: records.tag_index(site)))
    jobs += [(tag_uri(slug), "listing", lambda slug=slug: records.tag_page(site, slug))
             for slug in site.tags.members if is_safe_segment(slug)]
    jobs += [(version_uri(v), "listing", lambda v=v: records.version_page(site, v)) for v in site.version_members]
    jobs.append((CATEGORY_INDEX, "category-index", lambda: records.category_index(site)))
    jobs += [(category_uri(slug), "listing", lambda slug=slug: records.category_page(site, slug))
             for slug in site.category_members]
    if site.hubs:
        jobs.append((HUB_INDEX, "hub-index", lambda: records.hub_index(site)))
        jobs += [(hub_uri(hub.slug), "hub", lambda hub=hub: records.hub_page(site, hub, t["other"]))
                 for hub in site.hubs]
    jobs.append((ERROR_PAGE, "errors", lambda: records.error_index(site)))
    pages.update({_check_uri(uri): store.memo(render, templates, name, make()) for uri, name, make in jobs})
    moved: list[tuple[str, Callable[[], Any]]] = [
        (tag_uri(slug), lambda slug=slug: redirects.tag_redirect(site, slug))
        for slug in site.tag_members if slug not in site.tags.members]
    if site.hubs:  # a site without guides has no index for a former hub's address to lead to
        moved += [(hub_uri(old), lambda old=old, now=now: redirects.hub_redirect(site, old, now))
                  for old, now in site.former_hubs if is_safe_segment(old)]
    # A page that is there wins over a redirect (hubs.py refuses a live hub's slug as a former one).
    return pages, {_check_uri(uri): store.memo(render, templates, "redirect", make()).text
                   for uri, make in moved if uri not in pages}


def _rewrite(ctx: RenderContext, entry: Entry, uri: str, target: str, ids: set[str]) -> str | None:
    """Where a link in an entry's text goes: web links stay, links to other entries point
    at their pages, anything else (another site's relative paths, anchors) becomes text."""
    if target.startswith("#"):
        return None  # anchors written for another site's page layout
    if not target or _has_scheme(target):
        return target
    resolved = ctx.rewrite_link(entry, target) if ctx.rewrite_link is not None else None
    if not resolved or resolved not in ids:
        return None
    fragment = target.split("#", 1)[1] if "#" in target else ""
    return md_link(uri, entry_uri(resolved)) + (f"#{fragment}" if fragment else "")


def _check_uri(uri: str) -> str:
    if not all(is_safe_segment(p) for p in uri.split("/")):
        raise ValueError(f"unsafe page path {uri!r}")
    return uri
