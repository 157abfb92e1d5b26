"""What each generated page shows: one frozen record per page, built by one function.

A record holds every input of its page, resolved: the entries it shows (whole
`Entry` values, so a template may show any field), the links it makes, its
language.  Rendering a record (pages.py) reads nothing else, so a record is
also its page's cache key: a new field of an entry reaches every page showing
that entry with no cache code.  The builders here read the corpus-wide lookups
(`Site`) and are cheap; the rendering they feed is what is remembered.
"""
from __future__ import annotations

import hashlib
import re
from collections import defaultdict
from dataclasses import dataclass
from functools import cached_property
from itertools import groupby
from typing import Any, Callable, Iterable, Mapping, Sequence
from urllib.parse import quote

from .i18n import category_label
from .model import Entry, EntryLinks, NormalizedEntry, Reference, Texts, hash_once
from .safe import is_safe_segment, safe_url
from .site_paths import md_link, page_url, url_link
from .tagplan import MIN_ENTRIES, TagPlan, initial, plan_queries, tag_compounds, tag_plan, written_forms
from .titles import repeats

ENTRY_DIR = "q"
TAG_DIR = "tags"
VERSION_DIR = "versions"
CATEGORY_DIR = "categories"
HUB_DIR = "troubleshooting"
ERROR_PAGE = "errors/index.md"
HOME = "index.md"
TAG_INDEX = f"{TAG_DIR}/index.md"
CATEGORY_INDEX = f"{CATEGORY_DIR}/index.md"
HUB_INDEX = f"{HUB_DIR}/index.md"
TOP_TAGS_ON_INDEX = 30  # the tag index leads with these; the rest are filed by initial
YEAR_GROUPS_FROM = 31  # listings this long list titles only, split by year (when several)
# A hub page is a guide, not a listing: each sub-symptom shows its best-standing entries
# (hubs.assign_hubs orders them) and folds the rest under "more".  About HUB_SHOWN
# entries over the whole page, each group between HUB_GROUP_MIN and HUB_GROUP_MAX, keep
# a page short on a phone.
HUB_SHOWN = 30
HUB_GROUP_MIN = 3
HUB_GROUP_MAX = 10
HUB_FOLD_MIN = 3  # a fold holds at least this many entries: fewer are listed instead (within the max)


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


def category_slug(category: str) -> str:
    slug = "".join(ch if ch.isalnum() or ch in "-_" else "-" for ch in category.strip()).strip("-")
    return slug.lower() if slug and is_safe_segment(slug) else "uncategorised"


def error_anchor(signature: str) -> str:
    return "e-" + hashlib.sha1(signature.encode("utf-8")).hexdigest()[:10]


def search_link(from_uri: str, query: str, directory_urls: bool | None = None) -> str:
    """A link to the site's search for `query` (Material opens its search with `?q=`):
    a markdown link target when `directory_urls` is None, else a URL."""
    home = md_link(from_uri, HOME) if directory_urls is None else url_link(from_uri, HOME, directory_urls)
    if directory_urls and not home.endswith("/"):
        home += "/"  # "../.." names the folder; its index page is "../../"
    return f"{home}?q={quote(query, safe='')}"


# ----------------------------------------------------------------------------- records

@dataclass(frozen=True)
class Link:
    text: str
    target: str  # a markdown link target (.md path or a vetted URL)


@dataclass(frozen=True)
class Item:
    """One entry in a list of entries on the page at `from_uri`.  Its links are made when
    a template asks for them: a listing of thousands of entries rendered again after an
    edit takes its other lines from the lines it rendered before (pages.Templates)."""

    entry: Entry
    from_uri: str
    directory_urls: bool = True
    count: int = 0  # what the list's `note` counts for this entry

    @cached_property
    def href(self) -> str:
        """A URL relative to the list's page."""
        return url_link(self.from_uri, entry_uri(self.entry.id), self.directory_urls)

    @cached_property
    def target(self) -> str:
        """A markdown link target: the entry's .md page relative to the list's."""
        return md_link(self.from_uri, entry_uri(self.entry.id))


@hash_once
@dataclass(frozen=True)
class EntryList:
    items: tuple[Item, ...]
    dates: bool = True  # whether the list shows each entry's date
    note: str = ""  # the label (i18n key, with {count}) shown after each entry's title, with its `count`
    descriptions: bool = True  # whether the list shows each entry's description

    def __bool__(self) -> bool:
        return bool(self.items)

    def __len__(self) -> int:
        return len(self.items)


@dataclass(frozen=True)
class ReferenceLine:
    text: str
    target: str | None  # a link target, or None
    unresolved: bool = False  # a bare title or unsafe link that no entry answers


@dataclass(frozen=True)
class EntryPage:
    uri: str
    lang: str
    entry: Entry
    description: str | None  # shortened, for the page's meta description
    category: Link | None
    tags: tuple[Link, ...]
    versions: tuple[Link, ...]
    edit_url: str | None
    question: str  # sanitised markdown; "" when it repeats the title shown above it
    answer: str
    references: tuple[ReferenceLine, ...]
    errors: tuple[Link, ...]  # error signatures and their anchors in the error index
    also_asked: EntryList
    related: EntryList
    referenced_by: EntryList


@dataclass(frozen=True)
class Section:
    title: str | None  # None: the list is not split
    entries: EntryList


@dataclass(frozen=True)
class ListingPage:
    """A tag, version or category page: a title, an intro and its entries by year."""

    uri: str
    lang: str
    kind: str  # "tag" | "version" | "category"
    label: str
    count: int
    sections: tuple[Section, ...]
    index: str | None  # link to the index of this kind of page
    related: tuple[Link, ...] = ()  # tags often carried with this one
    see_also: tuple[Link, ...] = ()  # tags that are a compound of this one, or it of them
    merged: tuple[str, ...] = ()  # labels of the tags whose entries this page lists too


@dataclass(frozen=True)
class Chip:
    text: str
    target: str  # a markdown link target (the .md page relative to this one)
    count: int
    href: str = ""  # the same page's URL relative to this one, for HTML (kb/chips.html)


@dataclass(frozen=True)
class TagIndexPage:
    uri: str
    lang: str
    tags: tuple[Chip, ...]  # the most used tags, first
    versions: tuple[Chip, ...]
    groups: tuple[tuple[str, str, tuple[Chip, ...]], ...] = ()  # the rest: (initial, anchor, chips)
    count: int = 0  # tags with a page
    unpaged: int = 0  # tags with too few entries for a page (their entries link to a search)


@dataclass(frozen=True)
class CategoryIndexPage:
    uri: str
    lang: str
    categories: tuple[Chip, ...]


@dataclass(frozen=True)
class HubSummary:
    title: str
    target: str
    count: int
    description: str


@dataclass(frozen=True)
class HubIndexPage:
    uri: str
    lang: str
    hubs: tuple[HubSummary, ...]


@dataclass(frozen=True)
class HubSection:
    """A sub-symptom: its best-standing entries, then the rest (folded on the page)."""

    title: str
    count: int
    top: EntryList
    rest: EntryList
    slug: str = ""  # the group's slug (hubs.yml): its heading's anchor, which counts do not change


@dataclass(frozen=True)
class HubPage:
    uri: str
    lang: str
    title: str
    description: str
    groups: tuple[HubSection, ...]
    index: str


@dataclass(frozen=True)
class ErrorRow:
    signature: str
    anchor: str
    entries: tuple[Link, ...]
    aliases: tuple[str, ...] = ()  # the other forms of this error, merged under it


@dataclass(frozen=True)
class ErrorIndexPage:
    uri: str
    lang: str
    count: int
    letters: tuple[tuple[str, str, tuple[ErrorRow, ...]], ...]  # (letter, anchor, rows)


# ----------------------------------------------------------------------------- the site

def newest_first(members: Iterable[NormalizedEntry]) -> list[NormalizedEntry]:
    """Most recently updated first (an entry's `updated` date, else its `date`)."""
    return sorted(members, key=lambda n: _recency(n.entry), reverse=True)


def _recency(entry: Entry) -> tuple[str, str]:
    return changed(entry), entry.id


def changed(entry: Entry) -> str:
    """When an entry last changed: its `updated` date, else its `date` ("" without either)."""
    return entry.updated or entry.date or ""


def texts_in(value: Mapping | str | None, lang: str) -> str:
    if isinstance(value, Texts):
        return value.text(lang)
    if isinstance(value, Mapping):
        return Texts(value).text(lang)
    return str(value or "")


class Site:
    """Corpus-wide lookups every record builder reads."""

    def __init__(self, entries: Sequence[NormalizedEntry], graph: object, lang: str, directory_urls: bool = True,
                 edit_url: Callable[[Entry], str | None] = lambda e: None,
                 body: Callable[[Entry, str, str], str] | None = None,
                 extra_home_links: Sequence[tuple[str, str]] = (), tag_min_entries: int = MIN_ENTRIES,
                 memo: Callable[..., Any] = lambda fn, *args: fn(*args), site_name: str = ""):
        self.entries, self.graph, self.lang = entries, graph, lang
        self.memo = memo  # the build's store (`Store.memo`): lists of entries are remembered
        self.site_name = site_name
        self.directory_urls = directory_urls
        self.edit_url, self.body = edit_url, body
        self.extra_home_links = tuple(extra_home_links)
        self.tag_min_entries = tag_min_entries
        self.by_id: dict[str, NormalizedEntry] = {n.entry.id: n for n in entries}
        self.links: Mapping[str, EntryLinks] = getattr(graph, "links", {}) or {}
        self.tag_members: dict[str, list[NormalizedEntry]] = defaultdict(list)
        self.tag_label: dict[str, str] = {}
        self.version_members: dict[str, list[NormalizedEntry]] = defaultdict(list)
        self.category_members: dict[str, list[NormalizedEntry]] = defaultdict(list)
        self.category_name: dict[str, str] = {}
        self._category_slugs: dict[str, str] = {}
        for n in entries:
            for tag in n.tags:
                if not is_safe_segment(tag.slug):
                    continue  # normalize.py never makes these; refuse rather than write outside tags/
                self.tag_members[tag.slug].append(n)
                self.tag_label.setdefault(tag.slug, tag.label)
            for version in n.versions:
                if is_safe_segment(version):
                    self.version_members[version].append(n)
            if n.entry.category:
                slug = self.category_slug(n.entry.category)
                self.category_members[slug].append(n)
                if slug not in self.category_name:  # the first entry's category names it
                    self.category_name[slug] = category_label(n.entry.category, lang)

    def category_slug(self, category: str) -> str:
        found = self._category_slugs.get(category)
        if found is None:
            found = self._category_slugs[category] = category_slug(category)
        return found

    @cached_property
    def tags(self) -> TagPlan:
        """Which tags have a page, which are merged into another, what tag pages link to."""
        tagged = tuple((n.entry.id, tuple(t.slug for t in n.tags if t.slug in self.tag_members)) for n in self.entries)
        labels = tuple(self.tag_label.items())
        # The plan asks a few things of the texts of few entries (those with compound tags):
        # only the answers are its input, so an edit of a text that changes none keeps the plan.
        # Which tags are compounds of which reads only the tags and their labels: an entry
        # added or retagged with the same tags keeps it.
        compounds = self.memo(tag_compounds, tuple(sorted(self.tag_label.items())))
        queries = self.memo(plan_queries, tagged, labels, compounds)
        found = tuple((n.entry.id, self.memo(_entry_writes, n.entry, asked)) for n in self.entries
                      for asked in (queries.get(n.entry.id),) if asked)
        return self.memo(tag_plan, tagged, labels, found, self.tag_min_entries, compounds)

    def chip(self, from_uri: str, text: str, to_uri: str, count: int) -> Chip:  # a link to a listing
        return Chip(text, md_link(from_uri, to_uri), count, url_link(from_uri, to_uri, self.directory_urls))

    def tag_chips(self, from_uri: str, slugs: Iterable[str]) -> tuple[Chip, ...]:
        return tuple(self.chip(from_uri, self.tag_label[s], tag_uri(s), len(self.tags.members[s])) for s in slugs)

    @cached_property
    def hubs(self) -> tuple:
        # A hub with no entries would be an empty page: leave it out of this site.
        return tuple(h for h in (getattr(self.graph, "hubs", ()) or ()) if any(g.entry_ids for g in h.groups))

    @cached_property
    def former_hubs(self) -> tuple[tuple[str, str | None], ...]:
        return tuple(getattr(self.graph, "former_hubs", ()) or ())

    @cached_property
    def error_index(self) -> Mapping[str, Sequence[str]]:
        return getattr(self.graph, "error_index", {}) or {}

    @cached_property
    def error_aliases(self) -> Mapping[str, Sequence[str]]:
        return getattr(self.graph, "error_aliases", {}) or {}

    def entry_list(self, from_uri: str, members: Iterable[NormalizedEntry], dates: bool = True,
                   descriptions: bool = True) -> EntryList:
        return self.memo(entry_list, from_uri, tuple(n.entry for n in members), dates, self.directory_urls,
                         descriptions)

    @cached_property
    def tag_shown(self) -> dict[str, tuple[str, str | None]]:
        """Each tag as entry pages show it: (label, the tag whose page lists it; None: a search)."""
        pages = {slug: self.tags.page_of(slug) for slug in self.tag_members}
        return {slug: (self.tag_label[page if page is not None else slug], page) for slug, page in pages.items()}

    def entry_view(self, n: NormalizedEntry) -> EntryView:
        e = n.entry
        links = self.links.get(e.id) or EntryLinks()
        category = None
        if e.category:
            slug = self.category_slug(e.category)
            category = (slug, self.category_name.get(slug, e.category))
        # each tag links to the page listing its entries (its own, or the one it is merged
        # into), else to a search for it; a tag merged into another one it carries is shown once
        shown = self.tag_shown
        tags = tuple(dict.fromkeys(shown[tag.slug] for tag in n.tags if tag.slug in shown))
        body = self.body or (lambda entry, text, kind: text)
        by_id = self.by_id
        refs = links.references or tuple((r, None) for r in e.references)
        return EntryView(
            n, self.lang, self.directory_urls, links, category, tags,
            tuple(v for v in n.versions if v in self.version_members), self.edit_url(e),
            # A question is prose: a leading '#' (as in "#what is X") is a hashtag, not a heading.
            body(e, _HASHTAG.sub(r"\1\\#", e.question) if "#" in e.question else e.question, "question"),
            body(e, e.answer, "answer") if e.answer else "",
            tuple((ref, resolved if resolved in by_id else None) for ref, resolved in refs),
            tuple(by_id[i].entry for i in links.also_asked if i in by_id),
            tuple(by_id[r.entry_id].entry for r in links.related if r.entry_id in by_id),
            tuple(by_id[i].entry for i in links.referenced_by if i in by_id))

    def counted_list(self, from_uri: str, members: Iterable[tuple[NormalizedEntry, int]], dates: bool = True,
                     note: str = "") -> EntryList:
        """Entries each shown with a count, which the label `note` says what it is."""
        return EntryList(tuple(Item(n.entry, from_uri, self.directory_urls, count) for n, count in members), dates,
                         note)

    @property
    def several_categories(self) -> bool:
        """Whether categories sort the entries at all: with one (or none), the site shows no
        categories section, tab or count."""
        return len(self.category_members) > 1

    def by_year(self, from_uri: str, members: Sequence[NormalizedEntry]) -> tuple[Section, ...]:
        return self.memo(by_year, from_uri, tuple(n.entry for n in members), self.directory_urls)


# ----------------------------------------------------------------------------- builders

def _entry_writes(entry: Entry, queries: tuple[tuple[str, str], ...]) -> frozenset[tuple[str, str]]:
    return written_forms(f"{entry.title}\n{entry.question}\n{entry.answer}", queries)


_HASHTAG = re.compile(r"^(\s{0,3})#", re.M)


def by_year(from_uri: str, entries: tuple[Entry, ...], directory_urls: bool) -> tuple[Section, ...]:
    """Newest first.  Long listings list titles only (with a description each, a tag of a
    hundred questions was a page of 16,000 pixels on a phone), split by year when they span
    several.  A date every entry shares (an imported mirror's) is not shown: it tells none apart."""
    ordered = sorted(entries, key=_recency, reverse=True)
    dates, short = len({changed(e) for e in ordered}) > 1, len(ordered) < YEAR_GROUPS_FROM
    years = [(year, tuple(group)) for year, group in groupby(ordered, key=lambda e: changed(e)[:4] or "—")]
    if short or len(years) < 2:
        return (Section(None, entry_list(from_uri, tuple(ordered), dates, directory_urls, short)),)
    return tuple(Section(year, entry_list(from_uri, group, dates, directory_urls, False)) for year, group in years)


def entry_list(from_uri: str, entries: tuple[Entry, ...], dates: bool, directory_urls: bool,
               descriptions: bool = True) -> EntryList:
    """The entries as a list on the page at `from_uri` (links relative to it)."""
    return EntryList(tuple(Item(e, from_uri, directory_urls) for e in entries), dates, descriptions=descriptions)


@hash_once
@dataclass(frozen=True)
class EntryView:
    """What an entry's page shows of the rest of the site, looked up (`Site.entry_view`): the
    key its page is remembered by.  It holds whole entries (its own and those it lists), so
    a new field of an entry reaches its page with no cache code."""

    n: NormalizedEntry
    lang: str
    directory_urls: bool
    links: EntryLinks
    category: tuple[str, str] | None  # (slug, label)
    tags: tuple[tuple[str, str | None], ...]  # (label shown, the tag whose page lists it; None: a search)
    versions: tuple[str, ...]  # those with a page
    edit_url: str | None
    question: str  # sanitised markdown
    answer: str
    references: tuple[tuple[Reference, str | None], ...]  # (reference, the entry it resolves to)
    also_asked: tuple[Entry, ...]
    related: tuple[Entry, ...]
    referenced_by: tuple[Entry, ...]


def entry_page(view: EntryView, shorten: Callable[[str | None, int], str]) -> EntryPage:
    e = view.n.entry
    uri = entry_uri(e.id)
    category = Link(view.category[1], md_link(uri, category_uri(view.category[0]))) if view.category else None
    tags = tuple(Link(label, md_link(uri, tag_uri(page)) if page is not None else search_link(uri, label))
                 for label, page in view.tags)
    return EntryPage(
        uri=uri, lang=view.lang, entry=e,
        description=shorten(e.description, 300) if e.description else None,
        category=category, tags=tags, versions=tuple(Link(v, md_link(uri, version_uri(v))) for v in view.versions),
        edit_url=safe_url(view.edit_url),
        question="" if repeats(e.question, e.display_title, e.title) else view.question,
        answer=view.answer,
        references=tuple(_reference_line(uri, ref, resolved) for ref, resolved in view.references),
        errors=tuple(Link(sig, f"{md_link(uri, ERROR_PAGE)}#{error_anchor(sig)}") for sig in view.links.errors),
        also_asked=entry_list(uri, view.also_asked, True, view.directory_urls),
        related=entry_list(uri, view.related, False, view.directory_urls),
        referenced_by=entry_list(uri, view.referenced_by, False, view.directory_urls),
    )


def _reference_line(uri: str, ref: Reference, resolved: str | None) -> ReferenceLine:
    if resolved:
        return ReferenceLine(ref.text, md_link(uri, entry_uri(resolved)))
    url = safe_url(ref.target) if ref.target else None
    if url and url.startswith(("http://", "https://", "mailto:", "ftp://")):
        return ReferenceLine(ref.text, url)
    return ReferenceLine(ref.text, None, unresolved=ref.target is None or not url)


def tag_page(site: Site, slug: str) -> ListingPage:
    uri, plan = tag_uri(slug), site.tags
    members = [site.by_id[i] for i in plan.members[slug]]
    return ListingPage(uri, site.lang, "tag", site.tag_label[slug], len(members), site.by_year(uri, members),
                       md_link(uri, TAG_INDEX),
                       related=tuple(Link(site.tag_label[s], md_link(uri, tag_uri(s))) for s in plan.related.get(slug, ())),
                       see_also=tuple(Link(site.tag_label[s], md_link(uri, tag_uri(s))) for s in plan.see_also.get(slug, ())),
                       merged=tuple(sorted(site.tag_label[v] for v in plan.variants.get(slug, ()))))


def version_page(site: Site, version: str) -> ListingPage:
    uri, members = version_uri(version), site.version_members[version]
    return ListingPage(uri, site.lang, "version", version, len(members), site.by_year(uri, members), None)


def category_page(site: Site, slug: str) -> ListingPage:
    uri, members = category_uri(slug), site.category_members[slug]
    return ListingPage(uri, site.lang, "category", site.category_name[slug], len(members),
                       site.by_year(uri, members), None)


def _version_key(version: str) -> tuple:
    return tuple(int(p) if p.isdigit() else 0 for p in version.lstrip("vV").split("."))


def tag_index(site: Site) -> TagIndexPage:
    """The most used tags first; the rest filed by initial, so no wall of links."""
    uri, members = TAG_INDEX, site.tags.members
    ordered = sorted(members, key=lambda s: (-len(members[s]), site.tag_label[s].lower()))
    top, rest = ordered[:TOP_TAGS_ON_INDEX], ordered[TOP_TAGS_ON_INDEX:]
    by_initial: dict[str, list[str]] = defaultdict(list)
    for slug in sorted(rest, key=lambda s: site.tag_label[s].lower()):
        # Remembered per label: a rebuild files only new labels (and imports pypinyin only for them).
        by_initial[site.memo(initial, site.tag_label[slug])].append(slug)
    groups = tuple((c, f"tags-{'num' if c == '#' else c.lower()}", site.tag_chips(uri, by_initial[c]))
                   for c in sorted(by_initial, key=lambda c: (c == "#", c)))
    versions = tuple(site.chip(uri, v, version_uri(v), len(m)) for v, m in
                     sorted(site.version_members.items(), key=lambda kv: _version_key(kv[0]), reverse=True))
    unpaged = sum(1 for s in site.tag_members if site.tags.page_of(s) is None)
    return TagIndexPage(uri, site.lang, site.tag_chips(uri, top), versions, groups, len(members), unpaged)


def category_index(site: Site) -> CategoryIndexPage:
    uri = CATEGORY_INDEX
    ordered = sorted(site.category_members.items(), key=lambda kv: -len(kv[1]))
    return CategoryIndexPage(uri, site.lang, tuple(Chip(site.category_name[s], md_link(uri, category_uri(s)), len(m))
                                                   for s, m in ordered))


def hub_summary(site: Site, uri: str, hub) -> HubSummary:
    return HubSummary(texts_in(hub.title, site.lang) or hub.slug, md_link(uri, hub_uri(hub.slug)),
                      len({i for g in hub.groups for i in g.entry_ids}),
                      texts_in(getattr(hub, "description", None), site.lang))


def hub_index(site: Site) -> HubIndexPage:
    return HubIndexPage(HUB_INDEX, site.lang, tuple(hub_summary(site, HUB_INDEX, h) for h in site.hubs))


def hub_shown(groups: int, members: int) -> int:
    """How many of a group's `members` a hub page of `groups` groups lists before folding
    the rest; a rest too short to be worth a click is listed too (up to HUB_GROUP_MAX)."""
    shown = max(HUB_GROUP_MIN, min(HUB_GROUP_MAX, HUB_SHOWN // max(groups, 1)))
    return members if members - shown < HUB_FOLD_MIN and members <= HUB_GROUP_MAX else shown


_GROUP_ANCHOR = re.compile(r"[a-z0-9]+(?:-[a-z0-9]+)*")


def hub_page(site: Site, hub, other: str) -> HubPage:
    """A guide: per sub-symptom, its entries in the hub's order (most cited or asked
    first, then the newest), the first `hub_shown` of them listed, the rest folded."""
    uri = hub_uri(hub.slug)
    present = [(group, [site.by_id[i] for i in group.entry_ids if i in site.by_id]) for group in hub.groups]
    present = [(group, members) for group, members in present if members]
    groups = []
    for group, members in present:
        shown = hub_shown(len(present), len(members))
        # Titles only: a guide is read by its questions, and a phone shows more of them.
        top, rest = (site.entry_list(uri, part, dates=False, descriptions=False)
                     for part in (members[:shown], members[shown:]))
        anchor = group.slug if _GROUP_ANCHOR.fullmatch(group.slug) else ""  # hubs.py's slugs; no other text
        groups.append(HubSection(texts_in(group.title, site.lang) or other, len(members), top, rest, anchor))
    return HubPage(uri, site.lang, texts_in(hub.title, site.lang) or hub.slug,
                   texts_in(getattr(hub, "description", None), site.lang), tuple(groups), md_link(uri, HUB_INDEX))


def error_index(site: Site) -> ErrorIndexPage:
    uri, index = ERROR_PAGE, site.error_index
    by_letter: dict[str, list[str]] = defaultdict(list)
    for sig in sorted(index, key=lambda s: s.lower()):
        first = sig.lstrip("[(\"'`")[:1].upper()
        by_letter[first if first.isalpha() and first.isascii() else "#"].append(sig)
    letters = []
    for c in sorted(by_letter, key=lambda c: (c == "#", c)):
        rows = tuple(ErrorRow(sig, error_anchor(sig),
                              tuple(Link(site.by_id[i].entry.display_title, md_link(uri, entry_uri(i)))
                                    for i in index[sig] if i in site.by_id),
                              tuple(site.error_aliases.get(sig, ())))
                     for sig in by_letter[c])
        letters.append((c, f"letter-{'num' if c == '#' else c.lower()}", rows))
    return ErrorIndexPage(uri, site.lang, len(index), tuple(letters))
