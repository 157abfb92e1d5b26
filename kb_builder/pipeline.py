"""Gather everything, then render: content dir → entries → tags → graph → pages.

Nothing is rendered until every entry has been read and the link graph exists,
because related questions, backlinks and hubs depend on the whole corpus.
"""
from __future__ import annotations

import posixpath
from dataclasses import dataclass, field
from functools import lru_cache
from pathlib import Path
from typing import Callable, Iterable, Mapping

from . import analyze, link, normalize
from .ingest import read_corpus
from .schema import MAX_KEYWORDS, MAX_TAGS
from .model import Corpus, Entry, NormalizedEntry
from .pages import RenderContext, entry_uri, render_pages


@dataclass(frozen=True)
class Settings:
    content_dir: Path
    lang: str = "en"
    site_tags: tuple[str, ...] = ()
    tag_aliases: Mapping[str, str] = field(default_factory=dict)
    tag_labels: Mapping[str, object] = field(default_factory=dict)
    hubs_file: Path | None = None
    glossary_file: Path | None = None  # a site glossary added to the shipped one
    related_limit: int = 5
    edit_url: str | None = None  # template with {path}, the source path relative to the repository
    source_prefix: str = ""  # how the content dir is shown in "source" labels and edit links
    max_tags: int = MAX_TAGS  # per entry; the rest are dropped with a warning
    max_keywords: int = MAX_KEYWORDS


@dataclass
class Generated:
    corpus: Corpus
    entries: tuple[NormalizedEntry, ...]
    graph: link.Graph
    pages: dict[str, str]

    @property
    def entry_pages(self) -> int:
        return sum(1 for n in self.entries if entry_uri(n.entry.id) in self.pages)


ProgressFn = Callable[[str, int, int], None]


def _no_progress(stage: str, done: int, total: int) -> None:
    pass


def gather(settings: Settings, progress: ProgressFn = _no_progress,
           normalized: Callable[[tuple[NormalizedEntry, ...]], None] | None = None,
           ) -> tuple[Corpus, tuple[NormalizedEntry, ...], link.Graph]:
    """Read, normalise, link.  `normalized(entries)` runs before linking (work that
    needs only the entries can start there)."""
    # The segmenter's user words are taught anew from this content (a live-preview
    # rebuild in the same process must cut text as a fresh build does).
    analyze.reset_words()
    corpus = read_corpus(settings.content_dir, max_tags=settings.max_tags, max_keywords=settings.max_keywords)
    progress("read", len(corpus.entries), corpus.files_seen)
    tag_settings = normalize.load_tag_settings(
        extra_aliases=dict(settings.tag_aliases) or None,
        site_tags=list(settings.site_tags) or None,
        extra_labels=dict(settings.tag_labels) or None,
    )
    entries = normalize.normalize_corpus(corpus.entries, tag_settings)
    progress("tags", len(entries), len(entries))
    if normalized is not None:
        normalized(entries)
    graph = link.build_graph(entries, hub_rules=link.load_hub_rules(settings.hubs_file),
                             related_limit=settings.related_limit)
    progress("links", len(entries), len(entries))
    return corpus, entries, graph


def render_context(settings: Settings, entries: tuple[NormalizedEntry, ...], graph: link.Graph) -> RenderContext:
    by_path, by_id = link.build_link_maps(entries)

    def source(entry: Entry) -> str:
        return _joined(settings.source_prefix, entry.source_path) if settings.source_prefix else entry.source_path

    def edit(entry: Entry) -> str | None:
        return settings.edit_url.replace("{path}", source(entry)) if settings.edit_url else None

    def rewrite(entry: Entry, target: str) -> str | None:
        # The same resolution link.py used for backlinks, so a link and its backlink agree.
        return link.resolve_link(target, by_path, by_id, entry.source_path)

    return RenderContext(entries=entries, graph=graph, lang=settings.lang, edit_url=edit,
                         source_label=source, rewrite_link=rewrite)


@lru_cache(maxsize=65536)
def _joined(prefix: str, path: str) -> str:
    # Asked for every entry page on every live-preview rebuild.
    return posixpath.join(prefix, path)


def generate(settings: Settings, progress: ProgressFn = _no_progress,
             normalized: Callable[[tuple[NormalizedEntry, ...]], None] | None = None,
             gathered: Callable[[tuple[NormalizedEntry, ...], link.Graph], None] | None = None) -> Generated:
    """`normalized(entries)` runs before linking, `gathered(entries, graph)` before the
    pages are rendered (the plugin starts and completes the search indexes there)."""
    corpus, entries, graph = gather(settings, progress, normalized)
    if gathered is not None:
        gathered(entries, graph)
    pages = render_pages(render_context(settings, entries, graph))
    progress("pages", len(pages), len(pages))
    return Generated(corpus, entries, graph, pages)


def search_docs(entries: tuple[NormalizedEntry, ...], graph: link.Graph | None) -> list:
    """What the search indexes hold: entries plus canonical tags and error signatures
    (the graph's; without a graph, none yet: see `plugin._IndexJob`)."""
    from . import search

    links = graph.links if graph is not None else {}
    errors = (lambda i: links[i].errors if i in links else None) if graph is not None else (lambda i: ())
    if _KEPT_DOCS is None:
        return search.docs_from_entries([n.entry for n in entries], tags=_doc_tags(entries), errors=errors)
    # kb serve: a document is made again only for an entry that is not the same object
    # as last time (normalize.keep_normalized) or whose error signatures changed.
    previous = _KEPT_DOCS.get(graph is None, {})
    kept: dict[int, tuple] = {}
    docs = []
    for n in entries:
        signatures = errors(n.entry.id)
        hit = previous.get(id(n))
        if hit is not None and hit[0] is n and hit[1] == signatures:
            doc = hit[2]
        else:
            doc = search.docs_from_entries([n.entry], tags=_doc_tags((n,)), errors=lambda i: signatures)[0]
        kept[id(n)] = (n, signatures, doc)  # n is held: its id stays its own
        docs.append(doc)
    _KEPT_DOCS[graph is None] = kept  # one set per kind of call, each the latest build's
    return docs


def _doc_tags(entries: Iterable[NormalizedEntry]) -> dict[str, tuple[str, ...]]:
    return {n.entry.id: tuple(t.label for t in n.tags) + n.keywords for n in entries}


# `kb serve`: the last build's search documents, per NormalizedEntry (None: not serving).
_KEPT_DOCS: dict[bool, dict] | None = None


def keep_search_docs(enabled: bool = True) -> None:
    global _KEPT_DOCS
    _KEPT_DOCS = {} if enabled else None
