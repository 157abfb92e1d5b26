"""Rendering the knowledge base to an in-memory `{uri: markdown}` dict.

Pure: takes the normalised entries and the link graph, returns page sources.
The MkDocs plugin turns them into `File.generated(...)`; `kb export` writes them
to a folder for other engines. Every piece of entry text goes through safe.py.
"""
from __future__ import annotations

import html
import posixpath
from functools import lru_cache
from itertools import groupby
import re
from collections import defaultdict
from dataclasses import dataclass, field
from typing import Callable, Iterable, Mapping, NamedTuple, Sequence

import yaml

from .i18n import category_label, labels_for
from .model import Entry, EntryLinks, NormalizedEntry, Reference
from .safe import escape_attr, escape_inline, is_safe_segment, safe_url, sanitize_markdown

ENTRY_DIR = "q"
TAG_DIR = "tags"
VERSION_DIR = "versions"
CATEGORY_DIR = "categories"
HUB_DIR = "troubleshooting"
ERROR_PAGE = "errors/index.md"
HOME = "index.md"
LATEST_ON_HOME = 10
DESCRIPTION_CHARS = 90


@dataclass(frozen=True)
class RenderContext:
    entries: Sequence[NormalizedEntry]
    graph: object  # link.Graph (duck-typed here to keep pages independent of link internals)
    lang: str = "en"
    edit_url: Callable[[Entry], str | None] = lambda entry: None
    source_label: Callable[[Entry], str] = lambda entry: entry.source_path
    rewrite_link: Callable[[Entry, str], str | None] | None = None  # body link → entry id or None
    extra_home_links: Sequence[tuple[str, str]] = field(default_factory=tuple)


# ----------------------------------------------------------------------------- paths

def entry_uri(entry_id: str) -> str:
    return f"{ENTRY_DIR}/{entry_id}.md"


def tag_uri(slug: str) -> str:
    return f"{TAG_DIR}/{slug}.md"


def version_uri(version: str) -> str:
    return f"{VERSION_DIR}/{version}.md"


def category_uri(slug: str) -> str:
    return f"{CATEGORY_DIR}/{slug}.md"


def hub_uri(slug: str) -> str:
    return f"{HUB_DIR}/{slug}.md"


def relative(from_uri: str, to_uri: str) -> str:
    """A markdown link from one generated page to another (MkDocs resolves .md links)."""
    return _relpath(to_uri, posixpath.dirname(from_uri) or ".")


@lru_cache(maxsize=65536)
def _relpath(to_uri: str, from_dir: str) -> str:
    # Pages sit in a handful of folders, so the same pairs recur thousands of times.
    return posixpath.relpath(to_uri, from_dir)


# Pure checks asked for every entry, tag and page of every (re)build.
_safe_segment = lru_cache(maxsize=65536)(is_safe_segment)


@lru_cache(maxsize=4096)
def category_slug(category: str) -> str:
    slug = "".join(ch if ch.isalnum() or ch in "-_" else "-" for ch in category.strip()).strip("-")
    return slug.lower() if slug and _safe_segment(slug) else "uncategorised"


@lru_cache(maxsize=65536)
def _check_uri(uri: str) -> str:
    parts = uri.split("/")
    if not all(_safe_segment(p) for p in parts):
        raise ValueError(f"unsafe page path {uri!r}")
    return uri


# ----------------------------------------------------------------------------- pieces

_DUMPER = getattr(yaml, "CSafeDumper", yaml.SafeDumper)  # libyaml's emitter: same YAML, ~10x faster


def _front_matter(meta: Mapping) -> str:
    return "---\n" + yaml.dump(dict(meta), Dumper=_DUMPER, allow_unicode=True, sort_keys=False) + "---\n\n"


_MD_NOISE = re.compile(r"(^|\s)#\s|#{2,6}\s*|[*`]+|!?\[([^\]]{0,300})\]\([^)\s]{0,2000}\)")


def _plain(text: str) -> str:
    """Descriptions are often cut from the answer's markdown: show them as plain text."""
    return _MD_NOISE.sub(lambda m: (m.group(1) or "") + (m.group(2) or ""), text)


def _shorten(text: str | None, limit: int = DESCRIPTION_CHARS) -> str:
    text = " ".join(_plain(text or "").split())
    return text if len(text) <= limit else text[: limit - 1].rstrip() + "…"


def _link(from_uri: str, to_uri: str, text: str) -> str:
    return f"[{escape_inline(text)}](<{relative(from_uri, to_uri)}>)"


class _Site:
    """Lookups shared by every page renderer."""

    def __init__(self, ctx: RenderContext):
        self.ctx = ctx
        self.t = labels_for(ctx.lang)
        self.by_id: dict[str, NormalizedEntry] = {n.entry.id: n for n in ctx.entries}
        self.links: Mapping[str, EntryLinks] = getattr(ctx.graph, "links", {}) or {}
        self.tag_members: dict[str, list[NormalizedEntry]] = defaultdict(list)
        self.tag_label: dict[str, str] = {}
        self.version_members: dict[str, list[NormalizedEntry]] = defaultdict(list)
        self.category_members: dict[str, list[NormalizedEntry]] = defaultdict(list)
        self.category_name: dict[str, str] = {}
        self.corpus_reads = 0  # body links resolved against the whole corpus (see _Reuse.entry)
        for n in ctx.entries:
            for tag in n.tags:
                if not _safe_segment(tag.slug):
                    continue  # normalize.py never makes these; refuse rather than write outside tags/
                self.tag_members[tag.slug].append(n)
                self.tag_label.setdefault(tag.slug, tag.label)
            for version in n.versions:
                if _safe_segment(version):
                    self.version_members[version].append(n)
            if n.entry.category:
                slug = category_slug(n.entry.category)
                self.category_members[slug].append(n)
                if slug not in self.category_name:  # the first entry's category names it
                    self.category_name[slug] = category_label(n.entry.category, ctx.lang)

    def entry_line(self, from_uri: str, n: NormalizedEntry, with_date: bool = True) -> str:
        """One `<li>` of an entry list (see `entry_block`)."""
        e = n.entry
        return _entry_item(posixpath.dirname(from_uri), e.id, e.title, e.date if with_date else None,
                           e.description)

    def entry_list(self, from_uri: str, members: Iterable[NormalizedEntry], with_date: bool = True) -> str:
        return entry_block(self.entry_line(from_uri, n, with_date) for n in newest_first(members))


ENTRY_LIST_START = '<ul class="kb-entries">'
ENTRY_LIST_END = "</ul>"


def entry_block(items: Iterable[str]) -> str:
    """A list of entries as one raw HTML block, one `<li>` per line.

    Entry lists are most of the text of listing pages and the bulk of an entry
    page's links; written as HTML they need no markdown parsing (the plugin
    passes such a block through as it is, turning its `.md` links into page URLs).
    Every text in it is HTML-escaped."""
    return f"\n{ENTRY_LIST_START}\n" + "\n".join(items) + f"\n{ENTRY_LIST_END}\n"


@lru_cache(maxsize=131072)
def _entry_item(from_dir: str, entry_id: str, title: str, date: str | None, description: str | None) -> str:
    # Listings repeat the same entry on many pages (tags, hubs, related questions).
    href = html.escape(_relpath(entry_uri(entry_id), from_dir or "."), quote=True)
    item = f'<li><a href="{href}">{html.escape(title, quote=False)}</a>'
    if date:
        item += f' <small class="kb-date">{html.escape(date)}</small>'
    desc = _shorten(description)
    if desc and desc != _shorten(title):
        item += f'<br><span class="kb-desc">{html.escape(desc, quote=False)}</span>'
    return item + "</li>"


def newest_first(members: Iterable[NormalizedEntry]) -> list[NormalizedEntry]:
    return sorted(members, key=lambda n: (n.entry.date or "", n.entry.id), reverse=True)


# ----------------------------------------------------------------------------- entry pages

def _reference_line(site: _Site, uri: str, ref: Reference, resolved: str | None) -> str:
    if resolved and resolved in site.by_id:
        return "- " + _link(uri, entry_uri(resolved), ref.text)
    url = safe_url(ref.target) if ref.target else None
    if url and (url.startswith(("http://", "https://", "mailto:", "ftp://"))):
        return f"- [{escape_inline(ref.text)}](<{url}>)"
    note = f" <small class=\"kb-unresolved\">({escape_inline(site.t['unresolved_ref'])})</small>" \
        if ref.target is None or not url else ""
    return f"- {escape_inline(ref.text)}{note}"


def render_entry(site: _Site, n: NormalizedEntry) -> str:
    e, t = n.entry, site.t
    uri = entry_uri(e.id)
    links = site.links.get(e.id, EntryLinks())
    meta: dict = {"template": "kb_entry.html", "kb_entry": {"id": e.id, "date": e.date}}
    if e.description:
        # Material prints meta.description into an attribute without escaping it.
        meta["description"] = escape_attr(_shorten(e.description, 300))
    rewrite = None
    if site.ctx.rewrite_link is not None:
        def rewrite(target: str) -> str | None:
            if target.startswith("#"):
                return None  # anchors written for another site's page layout
            if not target or _has_scheme(target):
                return target
            # A relative link works only if it points at another entry; others
            # (docs of some other site) would be broken links, so they become text.
            site.corpus_reads += 1
            resolved = site.ctx.rewrite_link(e, target)
            if not resolved or resolved not in site.by_id:
                return None
            fragment = target.split("#", 1)[1] if "#" in target else ""
            return relative(uri, entry_uri(resolved)) + (f"#{fragment}" if fragment else "")

    parts = [_front_matter(meta), f"# {escape_inline(e.title)}\n", _entry_meta_line(site, n, uri)]
    # A question is prose: a leading '#' (as in "#what is X") is a hashtag, not a heading.
    question = re.sub(r"^(\s{0,3})#", r"\1\\#", e.question, flags=re.M)
    parts.append(f"## {t['question']}\n\n{sanitize_markdown(question, rewrite)}\n")
    if e.answer:
        parts.append(f"## {t['answer']}\n\n{sanitize_markdown(e.answer, rewrite)}\n")
    refs = links.references or tuple((r, None) for r in e.references)
    if refs:
        lines = "\n".join(_reference_line(site, uri, ref, resolved) for ref, resolved in refs)
        parts.append(f"## {t['references']}\n\n{lines}\n")
    if links.errors:
        chips = " ".join(
            f"[`{sig.replace('`', chr(39))}`](<{relative(uri, ERROR_PAGE)}#{error_anchor(sig)}>)"
            for sig in links.errors)
        parts.append(f"## {t['error_signatures']}\n\n{chips}\n")
    also = [site.by_id[i] for i in links.also_asked if i in site.by_id]
    if also:
        parts.append(f"## {t['also_asked']}\n" + entry_block(site.entry_line(uri, m) for m in also))
    related = [site.by_id[r.entry_id] for r in links.related if r.entry_id in site.by_id]
    if related:
        parts.append(f"## {t['related']}\n" + entry_block(site.entry_line(uri, m, False) for m in related))
    backlinks = [site.by_id[i] for i in links.referenced_by if i in site.by_id]
    if backlinks:
        parts.append(f"## {t['referenced_by']}\n" + entry_block(site.entry_line(uri, m, False) for m in backlinks))
    return "\n".join(parts)


def _entry_meta_line(site: _Site, n: NormalizedEntry, uri: str) -> str:
    e, t = n.entry, site.t
    items = []
    if e.date:
        items.append(f'<span class="kb-meta__date" title="{t["date"]}">{e.date}</span>')
    if e.category:
        slug = category_slug(e.category)
        items.append(_link(uri, category_uri(slug), site.category_name.get(slug, e.category)))
    tags = [f"{_link(uri, tag_uri(tag.slug), tag.label)}{{ .kb-tag }}"
            for tag in n.tags if tag.slug in site.tag_members and _safe_segment(tag.slug)]
    tags += [f"{_link(uri, version_uri(v), v)}{{ .kb-tag .kb-tag--version }}"
             for v in n.versions if v in site.version_members]
    if tags:
        items.append(" ".join(tags))
    edit = safe_url(site.ctx.edit_url(e))
    if edit:
        items.append(f"[{escape_inline(t['edit'])}](<{edit}>){{ .kb-meta__edit }}")
    else:
        items.append(f'<span class="kb-meta__source" title="{escape_attr(t["source"])}">'
                     f'{escape_attr(site.ctx.source_label(e))}</span>')
    return '<div class="kb-meta" markdown>\n' + " · ".join(items) + "\n</div>\n"


def _has_scheme(target: str) -> bool:
    head = target.split("/", 1)[0]
    return ":" in head


def error_anchor(signature: str) -> str:
    import hashlib

    return "e-" + hashlib.sha1(signature.encode("utf-8")).hexdigest()[:10]


# ----------------------------------------------------------------------------- listings

def _listing_meta(extra: dict | None = None) -> dict:
    meta = {"search": {"exclude": True}, "template": "kb_listing.html"}
    meta.update(extra or {})
    return meta


def render_tag_index(site: _Site) -> str:
    t, uri = site.t, f"{TAG_DIR}/index.md"
    ordered = sorted(site.tag_members.items(), key=lambda kv: (-len(kv[1]), site.tag_label[kv[0]].lower()))
    chips = "\n".join(
        f"- {_link(uri, tag_uri(slug), site.tag_label[slug])} <small>{len(members)}</small>"
        for slug, members in ordered)
    body = [_front_matter(_listing_meta()), f"# {t['tag_index']}\n",
            t["tag_index_intro"].format(count=len(ordered)) + "\n",
            f'<div class="kb-tag-cloud" markdown>\n\n{chips}\n\n</div>\n']
    if site.version_members:
        versions = sorted(site.version_members.items(), key=lambda kv: _version_key(kv[0]), reverse=True)
        body.append(f"## {t['versions']}\n")
        body.append(f'<div class="kb-tag-cloud" markdown>\n\n' + "\n".join(
            f"- {_link(uri, version_uri(v), v)} <small>{len(m)}</small>" for v, m in versions) + "\n\n</div>\n")
    return "\n".join(body)


def _version_key(version: str) -> tuple:
    return tuple(int(p) if p.isdigit() else 0 for p in version.lstrip("vV").split("."))


def _grouped_by_year(site: _Site, uri: str, members: Sequence[NormalizedEntry]) -> str:
    """Long listings are split by year so a tag with hundreds of entries stays scannable."""
    members = newest_first(members)
    if len(members) <= 30:
        return site.entry_list(uri, members)
    out: list[str] = []
    for year, group in groupby(members, key=lambda n: (n.entry.date or "")[:4] or "—"):
        out.append(f"\n### {escape_inline(year)}\n" + entry_block(site.entry_line(uri, n) for n in group))
    return "\n".join(out)


def render_tag_page(site: _Site, slug: str) -> str:
    uri, members = tag_uri(slug), site.tag_members[slug]
    label = site.tag_label[slug]
    return "\n".join([
        _front_matter(_listing_meta()),
        f"# {escape_inline(label)}\n",
        escape_inline(site.t["tag_page_intro"].format(count=len(members), label=label)) +
        f" [{escape_inline(site.t['more_tags'])}](<{relative(uri, TAG_DIR + '/index.md')}>)\n",
        _grouped_by_year(site, uri, members) + "\n",
    ])


def render_version_page(site: _Site, version: str) -> str:
    uri, members = version_uri(version), site.version_members[version]
    return "\n".join([
        _front_matter(_listing_meta()),
        f"# {escape_inline(site.t['versions'])} {escape_inline(version)}\n",
        escape_inline(site.t["version_page_intro"].format(count=len(members), label=version)) + "\n",
        _grouped_by_year(site, uri, members) + "\n",
    ])


def render_category_index(site: _Site) -> str:
    uri = f"{CATEGORY_DIR}/index.md"
    lines = [f"- {_link(uri, category_uri(slug), site.category_name[slug])} <small>{len(m)}</small>"
             for slug, m in sorted(site.category_members.items(), key=lambda kv: -len(kv[1]))]
    return _front_matter(_listing_meta()) + f"# {site.t['categories']}\n\n" + "\n".join(lines) + "\n"


def render_category_page(site: _Site, slug: str) -> str:
    uri, members = category_uri(slug), site.category_members[slug]
    return "\n".join([
        _front_matter(_listing_meta()),
        f"# {escape_inline(site.category_name[slug])}\n",
        site.t["category_page_intro"].format(count=len(members)) + "\n",
        _grouped_by_year(site, uri, members) + "\n",
    ])


def _hub_title(hub, lang: str) -> str:
    titles = hub.title if isinstance(hub.title, Mapping) else {"en": str(hub.title)}
    key = "zh" if lang.startswith("zh") else "en"
    return titles.get(key) or next(iter(titles.values()), hub.slug)


def render_hub_index(site: _Site, hubs: Sequence) -> str:
    uri, t = f"{HUB_DIR}/index.md", site.t
    lines = []
    for hub in hubs:
        count = len({i for g in hub.groups for i in g.entry_ids})
        desc = _hub_title_text(hub.description, site.ctx.lang) if getattr(hub, "description", None) else ""
        lines.append(f"- **{_link(uri, hub_uri(hub.slug), _hub_title(hub, site.ctx.lang))}** "
                     f"<small>{t['hub_count'].format(count=count)}</small>"
                     + (f"  \n  {escape_inline(desc)}" if desc else ""))
    return _front_matter(_listing_meta()) + f"# {t['troubleshooting']}\n\n{t['troubleshooting_intro']}\n\n" \
        + "\n".join(lines) + "\n"


def _hub_title_text(value, lang: str) -> str:
    if isinstance(value, Mapping):
        return value.get("zh" if lang.startswith("zh") else "en") or next(iter(value.values()), "")
    return str(value or "")


def render_hub_page(site: _Site, hub) -> str:
    uri = hub_uri(hub.slug)
    lang = site.ctx.lang
    parts = [_front_matter(_listing_meta()), f"# {escape_inline(_hub_title(hub, lang))}\n"]
    desc = _hub_title_text(getattr(hub, "description", ""), lang)
    if desc:
        parts.append(escape_inline(desc) + "\n")
    toc = []
    for group in hub.groups:
        members = [site.by_id[i] for i in group.entry_ids if i in site.by_id]
        if not members:
            continue
        title = _hub_title_text(group.title, lang) or site.t["other"]
        toc.append(title)
        parts.append(f"## {escape_inline(title)} <small>({len(members)})</small>\n")
        parts.append(site.entry_list(uri, members, with_date=False) + "\n")
    parts.append(f"\n[← {escape_inline(site.t['troubleshooting'])}](<{relative(uri, HUB_DIR + '/index.md')}>)\n")
    return "\n".join(parts)


def render_error_index(site: _Site, error_index: Mapping[str, Sequence[str]]) -> str:
    uri, t = ERROR_PAGE, site.t
    by_letter: dict[str, list[str]] = defaultdict(list)
    for sig in sorted(error_index, key=lambda s: s.lower()):
        first = sig.lstrip("[(\"'`")[:1].upper()
        by_letter[first if first.isalpha() and first.isascii() else "#"].append(sig)
    letters = sorted(by_letter, key=lambda c: (c == "#", c))
    parts = [_front_matter(_listing_meta({"search": {"exclude": False}})), f"# {t['error_index']}\n",
             t["error_index_intro"].format(count=len(error_index)) + "\n",
             " · ".join(f"[{c}](#letter-{'num' if c == '#' else c.lower()})" for c in letters) + "\n"]
    for c in letters:
        parts.append(f"## {c} {{#letter-{'num' if c == '#' else c.lower()}}}\n")
        for sig in by_letter[c]:
            ids = [i for i in error_index[sig] if i in site.by_id]
            entries = ", ".join(_link(uri, entry_uri(i), site.by_id[i].entry.title) for i in ids)
            code = sig.replace("`", "'")
            parts.append(f'<a id="{error_anchor(sig)}"></a>\n`` {code} ``\n:   {entries}\n')
    return "\n".join(parts)


def render_home(site: _Site, hubs: Sequence, error_index: Mapping) -> str:
    t, uri = site.t, HOME
    lines = [_front_matter({"template": "kb_home.html", "search": {"exclude": True}}),
             f"# {t['home_title']}\n",
             t["home_intro"].format(entries=len(site.by_id), categories=len(site.category_members),
                                    tags=len(site.tag_members), hubs=len(hubs), errors=len(error_index)) + "\n",
             f"*{t['search_hint']}*\n"]
    if hubs:
        lines.append(f"## {t['troubleshooting']}\n")
        lines.append('<div class="grid cards kb-hubs" markdown>\n')
        for hub in hubs:
            count = len({i for g in hub.groups for i in g.entry_ids})
            lines.append(f"- {_link(uri, hub_uri(hub.slug), _hub_title(hub, site.ctx.lang))} "
                         f"<small>{t['hub_count'].format(count=count)}</small>")
        lines.append("\n</div>\n")
    browse = [f"- {_link(uri, ERROR_PAGE, t['error_index'])} <small>{len(error_index)}</small>",
              f"- {_link(uri, TAG_DIR + '/index.md', t['tag_index'])} <small>{len(site.tag_members)}</small>",
              f"- {_link(uri, CATEGORY_DIR + '/index.md', t['categories'])} <small>{len(site.category_members)}</small>"]
    browse += [f"- {_link(uri, target, text)}" for text, target in site.ctx.extra_home_links]
    lines.append(f"## {t['browse']}\n\n" + "\n".join(browse) + "\n")
    latest = newest_first(site.by_id.values())[:LATEST_ON_HOME]
    lines.append(f"## {t['latest']}\n\n" + site.entry_list(uri, latest) + "\n")
    top_tags = sorted(site.tag_members, key=lambda s: -len(site.tag_members[s]))[:30]
    if top_tags:
        lines.append(f"## {t['tags']}\n\n<div class=\"kb-tag-cloud\" markdown>\n\n" + "\n".join(
            f"- {_link(uri, tag_uri(s), site.tag_label[s])} <small>{len(site.tag_members[s])}</small>"
            for s in top_tags) + "\n\n</div>\n")
    return "\n".join(lines)


# ----------------------------------------------------------------------------- all pages

def render_pages(ctx: RenderContext, only: set[str] | None = None) -> dict[str, str]:
    """Every generated page, keyed by its docs-relative path.

    `only` restricts rendering to those URIs (live preview re-renders what changed).
    """
    site = _Site(ctx)
    # A hub with no entries would be an empty page: leave it out of this site.
    hubs = tuple(h for h in (getattr(ctx.graph, "hubs", ()) or ()) if any(g.entry_ids for g in h.groups))
    error_index = getattr(ctx.graph, "error_index", {}) or {}
    reuse = _Reuse(site) if _KEEP_RENDERS else None
    listing = reuse.listing if reuse is not None else _render_listing
    jobs: dict[str, Callable[[], str]] = {HOME: lambda: render_home(site, hubs, error_index)}
    for n in ctx.entries:
        if reuse is None:
            jobs[entry_uri(n.entry.id)] = (lambda n=n: render_entry(site, n))
        else:
            jobs[entry_uri(n.entry.id)] = (lambda n=n: reuse.entry(n))
    jobs[f"{TAG_DIR}/index.md"] = lambda: render_tag_index(site)
    lang = ctx.lang
    for slug, members in site.tag_members.items():
        if _safe_segment(slug):
            jobs[tag_uri(slug)] = (lambda slug=slug, members=members: listing(
                tag_uri(slug), (lang, site.tag_label[slug]), members, lambda: render_tag_page(site, slug)))
    for version, members in site.version_members.items():
        jobs[version_uri(version)] = (lambda v=version, members=members: listing(
            version_uri(v), (lang,), members, lambda: render_version_page(site, v)))
    jobs[f"{CATEGORY_DIR}/index.md"] = lambda: render_category_index(site)
    for slug, members in site.category_members.items():
        jobs[category_uri(slug)] = (lambda slug=slug, members=members: listing(
            category_uri(slug), (lang, site.category_name[slug]), members, lambda: render_category_page(site, slug)))
    if hubs:
        jobs[f"{HUB_DIR}/index.md"] = lambda: render_hub_index(site, hubs)
        for hub in hubs:
            jobs[hub_uri(hub.slug)] = (lambda hub=hub: listing(
                hub_uri(hub.slug), (lang, hub), _hub_members(site, hub), lambda: render_hub_page(site, hub)))
    jobs[ERROR_PAGE] = lambda: listing(ERROR_PAGE, (lang, error_index), _error_members(site, error_index),
                                       lambda: render_error_index(site, error_index))
    pages = {_check_uri(uri): make() for uri, make in jobs.items() if only is None or uri in only}
    if reuse is not None and only is None:
        reuse.commit()
    return pages


def _render_listing(uri: str, key: tuple, members: Sequence[NormalizedEntry], make: Callable[[], str]) -> str:
    return make()


def _error_members(site: _Site, error_index: Mapping[str, Sequence[str]]) -> list[NormalizedEntry]:
    """The entries the error index lists, in the order of the index."""
    return [site.by_id[i] for ids in error_index.values() for i in ids if i in site.by_id]


def _hub_members(site: _Site, hub) -> list[NormalizedEntry]:
    """The entries a hub page lists (an entry in two groups is listed twice)."""
    return [site.by_id[i] for g in hub.groups for i in g.entry_ids if i in site.by_id]


# ----------------------------------------------------------------------------- live preview

# `kb serve`: a page is rendered again only when something it shows changed.  An entry
# list shows of each entry its id, title, date and description: `_Reuse.changed` holds
# the ids whose line differs from the last complete build's (added and removed ids
# included), so an unchanged page of the last build is recognised without comparing
# the lines it lists.  What is kept is replaced by each complete build's.
_KEEP_RENDERS = False
_KEPT: dict = {}


def keep_renders(enabled: bool = True) -> None:
    global _KEEP_RENDERS
    _KEEP_RENDERS = enabled
    _KEPT.clear()


class _EntryRender(NamedTuple):
    n: NormalizedEntry
    links: EntryLinks
    shown: tuple[str, ...]  # the ids the page lists or links to
    corpus: int | None  # `_Reuse.corpus` when its body links were resolved against the corpus
    context: tuple  # language, edit link, source label, category name
    page: str


class _Reuse:
    """One build's renders under `kb serve`, reusing the last complete build's."""

    def __init__(self, site: _Site):
        self.site = site
        self.entries: dict[str, _EntryRender] = {}
        self.listings: dict[str, tuple] = {}
        last = _KEPT.get("shown", {})
        self.shown, self.changed, same_corpus = _listing_changes(site.ctx.entries, last)
        # Duplicate ids would share one line in `changed`: then nothing is reused or kept.
        self.unique = len(self.shown) == len(site.ctx.entries)
        self.trusted = self.unique and bool(_KEPT)
        self.corpus = _KEPT.get("corpus", 0) + (0 if same_corpus else 1)

    def entry(self, n: NormalizedEntry) -> str:
        site, e = self.site, n.entry
        links = site.links.get(e.id) or _NO_LINKS
        context = (site.ctx.lang, site.ctx.edit_url(e), site.ctx.source_label(e),
                   site.category_name.get(category_slug(e.category)) if e.category else None)
        old = _KEPT["entries"].get(e.id) if self.trusted else None
        if (old is not None and (old.n is n or old.n == n) and _same_links(old.links, links)
                and old.corpus in (None, self.corpus) and old.context == context
                and self.changed.isdisjoint(old.shown)):
            record = old
        else:
            reads = site.corpus_reads
            page = render_entry(site, n)
            # Only a page with relative body links depends on which ids and paths exist.
            corpus = self.corpus if site.corpus_reads != reads else None
            record = _EntryRender(n, links, _shown_ids(links), corpus, context, page)
        self.entries[e.id] = record
        return record.page

    def listing(self, uri: str, key: tuple, members: Sequence[NormalizedEntry], make: Callable[[], str]) -> str:
        """A listing page: reused while its key is equal and it lists the same entries, none changed."""
        members = tuple(members)
        old = _KEPT["listings"].get(uri) if self.trusted else None
        if old is not None and old[0] == key and _same_members(old[1], members, self.changed):
            page = old[2]
        else:
            page = make()
        self.listings[uri] = (key, members, page)
        return page

    def commit(self) -> None:
        _KEPT.clear()
        if self.unique:
            _KEPT.update(shown=self.shown, corpus=self.corpus, entries=self.entries, listings=self.listings)


_NO_LINKS = EntryLinks()


def _listing_changes(entries: Sequence[NormalizedEntry], last: Mapping[str, Entry],
                     ) -> tuple[dict[str, Entry], frozenset[str], bool]:
    """(id -> entry, ids whose entry-list line changed since `last` or that were added or
    removed, whether the ids and source paths are those of `last`)."""
    now: dict[str, Entry] = {}
    changed: set[str] = set()
    same_corpus = True
    for n in entries:
        e = n.entry
        now[e.id] = e
        old = last.get(e.id)
        if old is e:
            continue
        if old is None:
            changed.add(e.id)
            same_corpus = False
            continue
        if old.source_path != e.source_path:
            same_corpus = False
        if old.title != e.title or old.date != e.date or old.description != e.description:
            changed.add(e.id)
    gone = last.keys() - now.keys()
    return now, frozenset(changed | gone), same_corpus and not gone


def _same_links(a: EntryLinks, b: EntryLinks) -> bool:
    """Equal as an entry page shows them: related questions without their scores, no hubs."""
    return a is b or a == b or (
        a.also_asked == b.also_asked and a.references == b.references and a.referenced_by == b.referenced_by
        and a.errors == b.errors and [r.entry_id for r in a.related] == [r.entry_id for r in b.related])


def _shown_ids(links: EntryLinks) -> tuple[str, ...]:
    return (*(r.entry_id for r in links.related), *links.also_asked, *links.referenced_by,
            *(target for _, target in links.references if target))


def _same_members(old: tuple[NormalizedEntry, ...], new: tuple[NormalizedEntry, ...], changed: frozenset[str]) -> bool:
    """The same entries in the same order, each the same object or with an unchanged line."""
    if len(old) != len(new):
        return False
    return all(a is b or (a.entry.id == b.entry.id and a.entry.id not in changed) for a, b in zip(old, new))
