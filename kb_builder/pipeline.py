"""Gather everything, then render: content dir → entries → tags → graph → pages, search documents.

Nothing is rendered until every entry has been read and the link graph exists,
because related questions, backlinks and hubs depend on the whole corpus.  Each
step is asked through the session's store (store.py), keyed by its inputs: a
clean build computes everything once, a `kb serve` rebuild only what changed.
"""
from __future__ import annotations

import hashlib
from dataclasses import dataclass, field, replace
from pathlib import Path
from typing import Any, Callable, Mapping

from . import link, normalize
from .analyze import Analyzer
from .documents import (Analysis, SearchDoc, analyse_docs, glossary_from_texts, glossary_texts, glossary_words)
from .ingest import parse_bytes, read_corpus
from .schema import MAX_KEYWORDS, MAX_TAGS
from .model import Corpus, Entry, NormalizedEntry
from .tags import TagSettings, load_tag_settings
from .pages import Page, RenderContext, Templates, entry_uri, render_site
from .session import Session
from .tagplan import MIN_ENTRIES
from .store import Store, freeze


@dataclass(frozen=True)
class Settings:
    content_dir: Path
    lang: str = "en"
    site_tags: tuple[str, ...] = ()
    tag_aliases: Mapping[str, Any] = field(default_factory=dict)
    tag_labels: Mapping[str, Any] = field(default_factory=dict)
    hubs_file: Path | None = None
    glossary_file: Path | None = None  # a site glossary added to the shipped one
    related_limit: int = 5
    edit_url: str | None = None  # template with {path}, the source path relative to the repository
    source_prefix: str = ""  # the content dir's path in the repository, for edit links
    template_dirs: tuple[str, ...] = ()  # theme folders whose kb/ templates override the package's
    directory_urls: bool = True  # the site's page URLs are folders (MkDocs' use_directory_urls)
    max_tags: int = MAX_TAGS  # per entry; the rest are dropped with a warning
    max_keywords: int = MAX_KEYWORDS
    markdown_lists: bool = False  # lists of entries as markdown, not HTML fragments (`kb export`)
    tag_min_entries: int = MIN_ENTRIES  # a tag with fewer entries gets no page of its own
    site_name: str = ""  # the home page's heading

    @property
    def glossary_files(self) -> tuple[Path, ...]:
        return (self.glossary_file,) if self.glossary_file else ()


@dataclass(frozen=True)
class Gathered:
    corpus: Corpus
    analyzer: Analyzer
    entries: tuple[NormalizedEntry, ...]
    graph: link.Graph
    glossary: tuple[tuple[str, ...], ...]


@dataclass
class Generated:
    corpus: Corpus
    entries: tuple[NormalizedEntry, ...]
    graph: link.Graph
    pages: dict[str, Page]
    analyzer: Analyzer | None = None
    glossary: tuple[tuple[str, ...], ...] = ()
    redirects: dict[str, str] = field(default_factory=dict)  # tag pages that are no more: uri -> HTML

    @property
    def entry_pages(self) -> int:
        return sum(1 for n in self.entries if entry_uri(n.entry.id) in self.pages)


ProgressFn = Callable[[str, int, int], None]


def _no_progress(stage: str, done: int, total: int) -> None:
    pass


def tag_settings(aliases: Any, site_tags: tuple[str, ...], labels: Any) -> TagSettings:
    """The site's tag settings from its (frozen) plugin options."""
    return load_tag_settings(extra_aliases=_thaw(aliases) or None, site_tags=list(site_tags) or None,
                                       extra_labels=_thaw(labels) or None)


def _thaw(value: Any) -> Any:
    if isinstance(value, tuple) and all(isinstance(p, tuple) and len(p) == 2 and isinstance(p[0], str)
                                        for p in value):
        return {k: _thaw(v) for k, v in value}
    if isinstance(value, tuple):
        return [_thaw(v) for v in value]
    return value


def site_tag_settings(settings: Settings, session: Session | None = None) -> TagSettings:
    session = session or Session()
    return session.store.memo(tag_settings, freeze(dict(settings.tag_aliases)), tuple(settings.site_tags),
                              freeze(dict(settings.tag_labels)))


def taught_words(sources: tuple[normalize.TagSource, ...], settings: TagSettings,
                 glossary: tuple[tuple[str, ...], ...]) -> frozenset[str]:
    """Every word the site teaches the analyzer: tags, labels, keywords, glossary words."""
    return normalize.taught_words(sources, settings) | glossary_words(glossary)


def normalized_entries(entries: tuple[Entry, ...], base: TagSettings, glossary: tuple[tuple[str, ...], ...] = (),
                       session: Session | None = None) -> tuple[Analyzer, tuple[NormalizedEntry, ...]]:
    """The build's analyzer (taught the site's words) and every entry normalised with the
    tag settings completed from the corpus."""
    session = session or Session()
    store = session.store
    sources = normalize.tag_sources(entries)
    # An edit that changes the sources gives new but usually equal settings: the same object.
    effective = store.intern(store.memo(normalize.corpus_settings, sources, base))
    analyzer = session.analyzer(store.memo(taught_words, sources, effective, glossary))
    return analyzer, store.each(normalize.normalize_entry, entries, [effective] * len(entries),
                                [analyzer if normalize.reads_text(e, effective) else None for e in entries])


class FileBytes:
    """A file's bytes as a memo key: equal by their digest, and kept as the digest alone once
    parsed, so the store (and `kb build`'s cache) does not hold every file's bytes."""

    __slots__ = ("data", "digest")

    def __init__(self, data: bytes):
        self.data: bytes | None = data
        self.digest = hashlib.blake2b(data, digest_size=20).digest()

    def __eq__(self, other: object) -> bool:
        return isinstance(other, FileBytes) and other.digest == self.digest

    def __hash__(self) -> int:
        return hash(self.digest)

    def __getstate__(self) -> bytes:
        return self.digest

    def __setstate__(self, digest: bytes) -> None:
        self.data, self.digest = None, digest


def _parse_file(file: FileBytes, rel_path: str, max_tags: int, max_keywords: int) -> Any:
    if file.data is None:
        raise ValueError(f"{rel_path}: parsed after its bytes were let go")
    return parse_bytes(file.data, rel_path, max_tags, max_keywords)


def _parse_remembered(store: Store, data: bytes, rel_path: str, max_tags: int, max_keywords: int) -> Any:
    key = FileBytes(data)
    try:
        return store.memo(_parse_file, key, rel_path, max_tags, max_keywords)
    finally:
        key.data = None  # the store may keep this key: only its digest


def gather(settings: Settings, progress: ProgressFn = _no_progress,
           normalized: Callable[[Gathered], None] | None = None, session: Session | None = None) -> Gathered:
    """Read, normalise, link.  `normalized(gathered)` runs before linking (work that
    needs only the entries can start there; its `graph` is None)."""
    session = session or Session()
    store = session.store
    corpus = read_corpus(settings.content_dir, max_tags=settings.max_tags, max_keywords=settings.max_keywords,
                         parse=lambda data, *args: _parse_remembered(store, data, *args), reads=session.reads)
    progress("read", len(corpus.entries), corpus.files_seen)
    glossary = store.memo(glossary_from_texts, glossary_texts(settings.glossary_files))
    analyzer, entries = normalized_entries(corpus.entries, site_tag_settings(settings, session), glossary, session)
    progress("tags", len(entries), len(entries))
    if normalized is not None:
        normalized(Gathered(corpus, analyzer, entries, None, glossary))  # type: ignore[arg-type]
    graph = link.build_graph(entries, analyzer, hub_rules=settings.hubs_file, related_limit=settings.related_limit,
                             store=store)
    progress("links", len(entries), len(entries))
    return Gathered(corpus, analyzer, entries, graph, glossary)


def source_label(settings: Settings, entry: Entry) -> str:
    """An entry's source file as pages and `kb search` show it (relative to the repository)."""
    import posixpath

    return posixpath.join(settings.source_prefix, entry.source_path) if settings.source_prefix \
        else entry.source_path


def sources(settings: Settings, entries: tuple[NormalizedEntry, ...]) -> dict[str, str]:
    """Entry id -> `source_label`."""
    return {n.entry.id: source_label(settings, n.entry) for n in entries}


def render_context(settings: Settings, entries: tuple[NormalizedEntry, ...], graph: link.Graph,
                   store: Store | None = None) -> RenderContext:
    from .references import LinkMaps, resolve_link

    # the same maps the graph resolved links with (its lookups are built once)
    maps = (store or Store()).memo(LinkMaps, tuple((n.entry.source_path, n.entry.id) for n in entries))

    def source(entry) -> str:
        return source_label(settings, entry)

    def edit(entry) -> str | None:
        return settings.edit_url.replace("{path}", source(entry)) if settings.edit_url else None

    def rewrite(entry, target: str) -> str | None:
        # The same resolution the graph used for backlinks, so a link and its backlink agree.
        return resolve_link(target, maps, entry.source_path)

    return RenderContext(entries=entries, graph=graph, lang=settings.lang, edit_url=edit, rewrite_link=rewrite,
                         templates=Templates(settings.template_dirs, settings.markdown_lists),
                         directory_urls=settings.directory_urls, tag_min_entries=settings.tag_min_entries,
                         site_name=settings.site_name)


def generate(settings: Settings, progress: ProgressFn = _no_progress,
             normalized: Callable[[Gathered], None] | None = None,
             gathered: Callable[[Gathered], None] | None = None, session: Session | None = None) -> Generated:
    """`normalized(g)` runs before linking, `gathered(g)` before the pages are rendered
    (the plugin starts and completes the search indexes there)."""
    session = session or Session()
    found = gather(settings, progress, normalized, session)
    if gathered is not None:
        gathered(found)
    pages, redirects = render_site(render_context(settings, found.entries, found.graph, session.store), session.store)
    progress("pages", len(pages), len(pages))
    return Generated(found.corpus, found.entries, found.graph, pages, found.analyzer, found.glossary, redirects)


# --------------------------------------------------------------------------- search

def search_doc(n: NormalizedEntry, errors: tuple[str, ...]) -> SearchDoc:
    """What the search indexes hold of an entry: its text, canonical tag labels (with the
    keywords), keywords and the error signatures the graph found in it."""
    e = n.entry
    tags = tuple(dict.fromkeys(t for t in (*(tag.label for tag in n.tags), *n.keywords) if t.strip()))
    return SearchDoc(id=e.id, title=e.title, url=f"q/{e.id}/", question=e.question or "", answer=e.answer or "",
                     tags=tags, keywords=tuple(n.keywords or e.keywords or ()), errors=errors,
                     category=e.category or "", description=e.description or "", date=e.date or "",
                     display_title=e.display_title)


def search_docs(entries: tuple[NormalizedEntry, ...], graph: link.Graph | None,
                session: Session | None = None) -> tuple[SearchDoc, ...]:
    """The search documents of the entries, with the graph's error signatures (none
    without a graph: see `plugin`'s index child, which gets them later)."""
    store = (session or Session()).store
    links = graph.links if graph is not None else {}
    aliases = getattr(graph, "error_aliases", {}) or {}
    written = getattr(graph, "error_forms", {}) or {}
    return tuple(store.memo(search_doc, n, searched_errors(written.get(n.entry.id, links[n.entry.id].errors),
                                                           links[n.entry.id].errors, aliases)
                            if n.entry.id in links else ()) for n in entries)


def searched_errors(written: tuple[str, ...], shown: tuple[str, ...],
                    aliases: Mapping[str, tuple[str, ...]]) -> tuple[str, ...]:
    """An entry's error signatures as searched: the forms it wrote, then the aliases of its
    errors (the forms other entries wrote of them), so that a search for any alias finds
    every entry of the error.  The form an error is shown as is not added to an entry that
    wrote it otherwise: measured on the judged queries, "Read timed out" given to an entry
    that says "read timeout" ranked it above the answer to another timeout."""
    return tuple(dict.fromkeys(written + tuple(alias for sig in shown for alias in aliases.get(sig, ()))))


def analysis(gathered: Gathered | Generated, docs: tuple[SearchDoc, ...], session: Session | None = None) -> Analysis:
    """The documents analysed once, for both search indexes."""
    session = session or Session()
    return analyse_docs(docs, gathered.analyzer, gathered.glossary, session.store)


def index_for_content(content_dir: Path | str, cache: bool = True):
    """A whoosh index of the entries under `content_dir` (`kb search --content DIR`), made
    as `kb build` makes it (the same documents, error signatures and analysis).

    Kept in kb's cache folder (usercache.py: the user's own, never a shared temporary
    folder, whose index files another user could have put there), one per content folder,
    keyed by its files' names, sizes and times: repeated searches of unchanged content do
    not read it again, and an index of content that changed since is removed."""
    import re
    import shutil

    from . import search, siteindex
    from .documents import SITE_GLOSSARY_NAME
    from .usercache import cache_root

    content_dir = Path(content_dir)
    site_glossary = content_dir / SITE_GLOSSARY_NAME
    settings = Settings(content_dir=content_dir.resolve(), glossary_file=site_glossary if site_glossary.is_file()
                        else None)
    cache_dir = None
    if cache:
        h = hashlib.sha256(f"{search.INDEX_FORMAT}\n{content_dir.resolve()}\n".encode())
        folder = cache_root() / "search" / h.hexdigest()[:24]
        for path in [*sorted(content_dir.rglob("*")), *settings.glossary_files, *Path(__file__).parent.glob("*.py")]:
            try:
                st = path.stat()
            except OSError:
                continue
            h.update(f"{path}\0{st.st_size}\0{st.st_mtime_ns}\n".encode())
        cache_dir = folder / h.hexdigest()[:24]
        try:
            return search.open_index(cache_dir)
        except (search.IndexNotFound, OSError, ValueError):
            pass
        try:  # indexes of this folder's earlier content: only kb's own names, in kb's own folder
            for old in folder.iterdir():
                if old.name != cache_dir.name and re.fullmatch(r"[0-9a-f]{24}", old.name) and not old.is_symlink():
                    shutil.rmtree(old, ignore_errors=True)
        except OSError:
            pass
    session = Session()
    gathered = gather(settings, session=session)
    docs = search_docs(gathered.entries, gathered.graph, session)
    found = analysis(gathered, docs, session)
    try:
        index = search.build_index(docs, cache_dir, found)
        if cache_dir is not None:  # shown as the command was given the folder
            shown = replace(settings, source_prefix=content_dir.as_posix())
            siteindex.write_sources(cache_dir, sources(shown, gathered.entries))
        return index
    except OSError:
        return search.build_index(docs, None, found)
