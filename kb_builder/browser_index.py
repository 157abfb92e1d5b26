"""The browser search index: what the site's search box searches, with no server.

Material for MkDocs' own browser search cuts Chinese on the query side with a
greedy splitter unrelated to the index, ORs every word with a trailing
wildcard and ships the whole text of the site (9 MB for 883 entries).  The site
replaces Material's search worker with ``assets/javascripts/kb-search-worker.js``
(wired into each page by `site_theme.wire_search`), which speaks the same messages to
Material's search box and result list and searches the index written here.

The index is made from the same `SearchDoc`s and the same analyzer as the
whoosh index (`analyze.segment`, long Chinese words also indexed by their
parts, camelCase parts, Chinese bigrams) so a query is cut in the browser the
way the text was cut at build time:

``search/kb/t/<k>.json`` (term shards)
    Every term lives in the shard of its first character (code point mod the
    shard count), so the worker fetches only the shards of the characters a
    query contains, and segments Chinese by the vocabulary in those shards
    (jieba's maximum-probability route over the word frequencies, as
    `analyze.VocabSegmenter`).  A shard holds ``w`` (Chinese word -> segmentation
    frequency), ``p`` (term -> postings ``[doc gap, weight, ...]``; a weight is
    the term's BM25F weight in the document as ranking.py quantises it, the
    number `kb search` computes too; Chinese bigrams are keyed ``#xy``) and ``v`` (Latin word -> its other forms).
``search/kb/d/<c>.json`` (document chunks)
    ``[url, title, teaser, passages]`` for `DOC_CHUNK` documents each, fetched for the
    documents a result list shows.
``search/search_index.json``
    What Material's bundle fetches on every page and hands to the worker:
    Material's search configuration (for highlighting on the target page) and,
    under ``config.kb``, the small metadata the worker needs first (counts,
    glossary, Traditional -> Simplified table, stopwords; also written as
    ``search/kb/meta.json``).  Its ``docs`` list is empty: the page text is no
    longer shipped.  `mute_material_search` also stops Material's plugin from
    segmenting every page at build time.

Everything is plain JSON, written compactly; a web server's gzip shrinks it
further (`write` reports both sizes).
"""
from __future__ import annotations

import gzip
import hashlib
from dataclasses import dataclass
from typing import TYPE_CHECKING, Iterable

from . import analyze, ranking
from .browser_postings import DOC_CHUNK, INDEX_DIR, Known, Postings, dumps, is_stop
from .segment import base_total

if TYPE_CHECKING:
    from .documents import Analysis

FORMAT = 2  # 2: document rows carry answer passages
MATERIAL_INDEX = "search/search_index.json"

def _t2s_table(chars: Iterable[str]) -> dict[str, str]:
    """Traditional (and variant) characters whose Simplified form is one of `chars`, as
    `analyze.fold` converts each of them alone."""
    wanted = set(chars)
    return {trad: simp for trad, simp in analyze.simplified_characters().items() if simp in wanted}


# --------------------------------------------------------------------------- build

@dataclass(eq=False)
class BrowserIndex:
    files: dict[str, bytes]  # path under the site directory -> content
    meta: dict
    # kb serve: the files that differ from the last build's (None: all), and that build's meta.json
    changed: set[str] | None = None
    previous_meta: bytes | None = None
    state: Postings | None = None  # what `build` updates next time

    def sizes(self) -> dict[str, int]:
        raw = sum(len(b) for b in self.files.values())
        gz = sum(len(gzip.compress(b, 6)) for b in self.files.values())
        return {"files": len(self.files), "raw": raw, "gzip": gz}


def _meta(index: Postings) -> dict:
    digest = hashlib.sha256()
    for name in sorted(index.files):
        digest.update(name.encode() + b"\0" + index.digests[name])
    freq = index.freq
    glossary = index.glossary
    chars = {ch for w in freq for ch in w}
    stop = sorted({analyze.fold(t) for t in analyze.STOPWORDS}
                  | {t for t in (*index.cjk, *index.latin) if is_stop(t)}
                  | {t for g in glossary for m in g for t in m if is_stop(t)})
    return {
        "format": FORMAT,
        "id": digest.hexdigest()[:12],
        "docs": index.n,
        "shards": index.shards,
        "chunk": DOC_CHUNK,
        "chunks": index.chunks(),
        "scale": ranking.SCALE,
        "ranking": ranking.SPEC,
        "total": base_total(),
        "maxlen": max((len(w) for w in freq), default=1),
        "glossary": glossary,
        "stop": stop,
        "t2s": _t2s_table(chars),
    }


def build(previous: BrowserIndex | None, analysis: Analysis, material_config: dict | None = None) -> BrowserIndex:
    """The browser index of the analysed documents, as files relative to the site directory.

    Given the index it made before (`previous`), only the documents that changed are
    applied to it (that index is used up: it is updated in place)."""
    docs = list(analysis.docs)
    last = previous.state if previous is not None else None
    index, changed = None, None
    if last is not None:
        changed = last.update(docs, analysis)
        if changed is not None:
            index = last
    if index is None:
        index = Postings(docs, analysis, Known(last))
    meta = _meta(index)
    material = {
        "config": material_config or {"lang": ["en"], "separator": r"[\s\-]+", "pipeline": [],
                                      "fields": {"title": {"boost": 1000.0}, "text": {"boost": 1.0}}},
        "docs": [],
    }
    material["config"] = {**material["config"], "kb": meta}
    files = dict(index.files)
    files[f"{INDEX_DIR}/meta.json"] = dumps(meta)  # when Material writes its index after ours
    files[MATERIAL_INDEX] = dumps(material)
    previous_meta = previous.files.get(f"{INDEX_DIR}/meta.json") if changed is not None else None
    return BrowserIndex(files, meta, None if changed is None else {*changed, f"{INDEX_DIR}/meta.json"},
                        previous_meta, index)


def same_files(a: BrowserIndex, b: BrowserIndex) -> bool:
    return a.files == b.files
