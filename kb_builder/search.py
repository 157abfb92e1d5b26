"""`kb search`: a whoosh index of the knowledge base, and ranked hits for a query.

Everything that touches whoosh lives in this module.

Index time (`build_index`): the documents' fields, analysed once for both indexes
(documents.py: `analyse_docs` -> `Analysis`), are handed to whoosh as term lists
(no whoosh analyzer runs).  Beside the whoosh files the index keeps
`kb_meta.json`: the vocabulary with segmentation frequencies, the Latin terms
with document frequencies, and the analysed synonym glossary, so that a query
is cut as the text was (query.py) without loading jieba.

Query time (`search`): the query's groups of alternatives are scored over the
fields with BM25 and the boosts of the ranking specification (ranking.py),
whoosh serving as the postings store.
"""
from __future__ import annotations

import hashlib
import heapq
import json
import math
import os
import random
import shutil
import tempfile
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Iterable, Sequence

from whoosh import index as _wix
from whoosh.analysis import SpaceSeparatedTokenizer
from whoosh.fields import ID, STORED, TEXT, Schema
from whoosh.filedb.filestore import RamStorage

from . import analyze
from .analyze import Analyzer
from .documents import (TERM_FIELDS, Analysis, DocTerms, SearchDoc, analyse_docs, load_glossary,
                        search_words)
from .analyze import stem
from .query import Group, Vocabulary, parse
from .ranking import ALT_TIEBREAK, BM25_B, COORD_WEIGHT, FIELD_BOOSTS, K1
from .segment import base_total
from .snippets import fold_aligned, make_snippet

INDEX_FORMAT = 1
META_FILE = "kb_meta.json"
STORED_TEXT_CHARS = 6000


def _schema() -> Schema:
    spaced = SpaceSeparatedTokenizer()
    text = lambda: TEXT(analyzer=spaced, phrase=False)  # noqa: E731
    return Schema(
        id=ID(stored=True, unique=True),
        url=STORED, title_raw=STORED, description=STORED, date=STORED, category_raw=STORED,
        body_raw=STORED, body_fold=STORED,
        title=text(), question=text(), answer=text(), tags=text(), keywords=text(),
        errors=text(), category=text(), parts=text(), tgrams=text(),
    )


# --------------------------------------------------------------------------- the index

@dataclass
class Index:
    """A whoosh index plus what the query side needs to analyse queries like the index."""

    ix: Any
    meta: dict
    path: Path | None = None
    _searcher: Any = field(default=None, repr=False)
    _vocabulary: Vocabulary | None = field(default=None, repr=False)
    _cache: dict = field(default_factory=dict, repr=False)

    @property
    def doc_count(self) -> int:
        return self.ix.doc_count()

    def searcher(self):
        if self._searcher is None:
            self._searcher = self.ix.searcher()  # only its postings are read: `_Scorer` ranks
        return self._searcher

    def vocabulary(self) -> Vocabulary:
        if self._vocabulary is None:
            self._vocabulary = Vocabulary.of_index(self.meta)
        return self._vocabulary

    def close(self) -> None:
        if self._searcher is not None:
            self._searcher.close()
            self._searcher = None
        self.ix.close()

    def search(self, query: str, limit: int = 10) -> list["Hit"]:
        return search(self, query, limit)


WRITER_LIMIT_MB = 256


class _LengthCache:
    """A per-document reader that remembers field lengths.

    whoosh's commit asks the segment's length column for the field length of every
    posting (a file seek and read each, about a fifth of the commit); a document
    field has hundreds of postings, so the answer is asked again and again."""

    def __init__(self, reader: Any):
        self._reader = reader
        self._lengths: dict[tuple[int, str], int] = {}

    def doc_field_length(self, docnum: int, fieldname: str, default: int = 0) -> int:
        key = (docnum, fieldname)
        value = self._lengths.get(key)
        if value is None:
            value = self._lengths[key] = self._reader.doc_field_length(docnum, fieldname, default)
        return value

    def __getattr__(self, name: str) -> Any:  # everything else (close, ...) as the reader
        return getattr(self._reader, name)


def _write(ix, docs: Sequence[SearchDoc], terms: Sequence[DocTerms]) -> None:
    # Terms go in as lists: whoosh counts them as they are (no tokenizer pass).
    # whoosh spills sorted runs of postings to temporary files (pickled, then merged) past
    # `limitmb` of its own estimate; 128 (its default) spilled from about 3,500 entries,
    # and the pickling and merging were a third of the index's build time.
    # One segment, not a compound file (whoosh records each part's modification time in
    # those), named from its contents: two builds of the same documents write the same bytes.
    rng = random.getstate()  # whoosh names segments with the random module's generator
    random.seed(hashlib.blake2b(json.dumps([d.id for d in docs]).encode(), digest_size=8).hexdigest())
    try:
        writer = ix.writer(limitmb=WRITER_LIMIT_MB, compound=False)
    finally:
        random.setstate(rng)
    per_document_reader = getattr(writer, "per_document_reader", None)
    if per_document_reader is not None:  # the reader whoosh's commit takes posting lengths from
        writer.per_document_reader = lambda: _LengthCache(per_document_reader())
    try:
        for doc, t in zip(docs, terms):
            stored = t.body[:STORED_TEXT_CHARS]
            writer.add_document(
                id=doc.id, url=doc.url, title_raw=doc.title, description=doc.description or "",
                date=doc.date or "", category_raw=doc.category or "",
                body_raw=stored, body_fold=fold_aligned(stored),
                **{name: list(t.fields[name]) for name in TERM_FIELDS},
            )
    except BaseException:
        writer.cancel()
        raise
    writer.commit()


def _meta(docs: Sequence[SearchDoc], glossary: list[list[list[str]]], terms: Sequence[DocTerms],
          analyzer: Analyzer) -> dict:
    # First-seen order is kept (dicts, not sets): ties among a stem's forms keep it.
    cjk: dict[str, None] = {}
    latin_df: dict[str, int] = {}
    has_cjk = analyze.has_cjk
    for t in terms:
        seen: set[str] = set()
        f = t.fields
        for toks in (f["title"], f["question"], f["answer"], f["tags"], f["keywords"], f["errors"], t.vocab_parts):
            for tok in toks:
                if tok in seen:
                    continue
                seen.add(tok)
                if has_cjk(tok):
                    cjk[tok] = None
                else:
                    latin_df[tok] = latin_df.get(tok, 0) + 1
    for group in glossary:
        for member in group:
            for tok in member:
                if analyze.has_cjk(tok):
                    cjk.setdefault(tok, None)
    vocab = {word: analyzer.shipped_freq(word) for word in cjk}
    stems: dict[str, list[str]] = {}
    for word in latin_df:
        stems.setdefault(stem(word), []).append(word)
    stems = {k: sorted(v, key=lambda w: -latin_df[w]) for k, v in stems.items() if len(v) > 1}
    return {
        "format": INDEX_FORMAT,
        "stems": stems,
        "vocab": vocab,
        "total": base_total(),
        "latin": latin_df,
        "glossary": glossary,
        "docs": len(docs),
    }


def default_analysis(docs: Sequence[SearchDoc], glossary_files: Iterable[Path | str] = ()) -> Analysis:
    """The documents analysed with jieba taught their tags, keywords and the glossary's words."""
    groups = load_glossary(glossary_files)
    return analyse_docs(docs, Analyzer.of(search_words(docs, groups)), groups)


def build_index(docs: Iterable[SearchDoc], index_dir: Path | str | None = None,
                analysis: Analysis | None = None) -> Index:
    """Index `docs`; in memory when `index_dir` is None, else written atomically to it.

    `analysis`: `analyse_docs` of the same documents (shared with the browser index);
    without it they are analysed with `default_analysis`."""
    docs = list(docs)
    if analysis is None or list(analysis.docs) != docs:
        analysis = default_analysis(docs)
    analysed = analysis.terms
    meta = _meta(docs, analysis.glossary, analysed, analysis.analyzer)
    if index_dir is None:
        ix = RamStorage().create_index(_schema())
        _write(ix, docs, analysed)
        return Index(ix, meta, None)
    index_dir = Path(index_dir)
    index_dir.parent.mkdir(parents=True, exist_ok=True)
    tmp = Path(tempfile.mkdtemp(prefix=f".{index_dir.name}.tmp-", dir=index_dir.parent))
    try:
        ix = _wix.create_in(str(tmp), _schema())
        _write(ix, docs, analysed)
        ix.close()
        (tmp / META_FILE).write_text(json.dumps(meta, ensure_ascii=False), encoding="utf-8")
        old = None
        if index_dir.exists():
            old = index_dir.parent / f".{index_dir.name}.old-{os.getpid()}"
            if old.exists():
                shutil.rmtree(old)
            index_dir.rename(old)
        tmp.rename(index_dir)
        if old is not None:
            shutil.rmtree(old, ignore_errors=True)
    except BaseException:
        shutil.rmtree(tmp, ignore_errors=True)
        raise
    return open_index(index_dir)


class IndexNotFound(FileNotFoundError):
    pass


def index_exists(index_dir: Path | str) -> bool:
    """Whether `index_dir` holds an index `open_index` can read."""
    index_dir = Path(index_dir)
    try:
        return (index_dir / META_FILE).is_file() and _wix.exists_in(str(index_dir))
    except Exception:
        return False


def open_index(index_dir: Path | str) -> Index:
    index_dir = Path(index_dir)
    meta_path = index_dir / META_FILE
    if not meta_path.is_file() or not _wix.exists_in(str(index_dir)):
        raise IndexNotFound(f"no search index in {index_dir}: run 'kb build' or 'kb index' first")
    meta = json.loads(meta_path.read_text(encoding="utf-8"))
    if meta.get("format") != INDEX_FORMAT:
        raise IndexNotFound(f"the search index in {index_dir} is from another version: rebuild it")
    return Index(_wix.open_dir(str(index_dir)), meta, index_dir)


# --------------------------------------------------------------------------- results

@dataclass(frozen=True)
class Hit:
    id: str
    title: str
    url: str
    score: float
    snippet: str  # HTML: escaped text, matches wrapped in <mark>
    highlight: str  # plain text, matches wrapped in ** for a terminal
    date: str = ""
    category: str = ""

    def as_dict(self) -> dict:
        return {"id": self.id, "title": self.title, "url": self.url, "score": round(self.score, 4),
                "snippet": self.snippet, "highlight": self.highlight, "date": self.date,
                "category": self.category}


class _Scorer:
    """BM25 over the index's postings, per field, with lengths cached on the Index.

    whoosh's own matchers are correct but slow for queries of many weighted
    alternatives (and its DisjunctionMax mis-scores), so ranking is done here
    and whoosh serves as the postings store.
    """

    def __init__(self, index: Index, reader):
        self.reader = reader
        self.n = max(reader.doc_count_all(), 1)
        self.cache = index._cache
        self.avg: dict[str, float] = {}

    def _avg(self, field_name: str) -> float:
        if field_name not in self.avg:
            self.avg[field_name] = max(self.reader.field_length(field_name) / self.n, 1e-9)
        return self.avg[field_name]

    def _length(self, field_name: str, docnum: int) -> int:
        lengths = self.cache.setdefault(("len", field_name), {})
        value = lengths.get(docnum)
        if value is None:
            value = lengths[docnum] = self.reader.doc_field_length(docnum, field_name, 0) or 1
        return value

    def term(self, field_name: str, token: str) -> dict[int, float]:
        """docnum -> BM25 score of one term in one field (cached per index)."""
        key = ("t", field_name, token)
        hit = self.cache.get(key)
        if hit is not None:
            return hit
        out: dict[int, float] = {}
        df = self.reader.doc_frequency(field_name, token)
        if df:
            idf = math.log(1 + (self.n - df + 0.5) / (df + 0.5))
            b = BM25_B[field_name]
            avg = self._avg(field_name)
            for docnum, tf in self.reader.postings(field_name, token).items_as("weight"):
                norm = 1 - b + b * self._length(field_name, docnum) / avg
                out[docnum] = idf * tf * (K1 + 1) / (tf + K1 * norm)
        if len(self.cache) > 20000:
            self.cache.clear()
        self.cache[key] = out
        return out

    def group(self, group: Group) -> dict[int, float]:
        """docnum -> score of the best alternative of a group (without the group weight)."""
        fields = group.fields or FIELD_BOOSTS
        best: dict[int, float] = {}
        rest: dict[int, float] = {}
        for alt in group.alts:
            alt_scores: dict[int, float] = {}
            for name, boost in fields.items():
                per_tok = [self.term(name, t) for t in alt.tokens]
                if not all(per_tok):
                    continue
                get = alt_scores.get
                if len(per_tok) == 1:  # the common case, without the per-document generator
                    for d, sc in per_tok[0].items():
                        alt_scores[d] = get(d, 0.0) + boost * sc
                    continue
                for d in set(per_tok[0]).intersection(*per_tok[1:]):
                    alt_scores[d] = get(d, 0.0) + boost * sum(p[d] for p in per_tok)
            weight = alt.weight
            if not best:  # the first alternative: nothing to compare with
                best = {d: v for d, sc in alt_scores.items() if (v := sc * weight) > 0}
                continue
            for d, sc in alt_scores.items():
                sc *= weight
                old = best.get(d, 0.0)
                if old:
                    rest[d] = rest.get(d, 0.0) + min(sc, old)
                if sc > old:
                    best[d] = sc
        if not rest:
            return best
        return {d: sc + ALT_TIEBREAK * rest.get(d, 0.0) for d, sc in best.items()}


def search(index: Index, query: str, limit: int = 10) -> list[Hit]:
    """Ranked hits for a free-text query; never raises on odd input (returns [])."""
    if not isinstance(query, str) or not query.strip() or limit <= 0:
        return []
    groups, marks = parse(index.vocabulary(), query)
    if not groups:
        return []
    searcher = index.searcher()
    scorer = _Scorer(index, searcher.reader())
    totals: dict[int, float] = {}
    matched: dict[int, int] = {}  # document -> bit set of the concepts it matched
    concepts = sorted({c for g in groups for c in g.covers})
    bit = {c: 1 << k for k, c in enumerate(concepts)}
    for g in groups:
        weight, get = g.weight, totals.get
        scores = scorer.group(g)
        for d, sc in scores.items():
            totals[d] = get(d, 0.0) + weight * sc
        if g.covers:
            mask, seen = sum(bit[c] for c in g.covers), matched.get
            for d in scores:
                matched[d] = seen(d, 0) | mask
    if len(concepts) > 1:
        # Coordination: a document that matches more of the query's concepts ranks higher.
        for d in totals:
            totals[d] *= 1 - COORD_WEIGHT + COORD_WEIGHT * matched.get(d, 0).bit_count() / len(concepts)
    ranked = heapq.nsmallest(limit, totals.items(), key=lambda x: (-x[1], x[0]))
    hits = []
    for docnum, score in ranked:
        stored = searcher.stored_fields(docnum)
        body = stored.get("body_raw") or ""
        if body:
            snippet, plain = make_snippet(body, marks, folded=stored.get("body_fold") or None)
        else:
            snippet, plain = make_snippet(stored.get("description") or "", marks)
        hits.append(Hit(
            id=stored["id"], title=stored.get("title_raw", ""), url=stored.get("url", ""),
            score=float(score), snippet=snippet, highlight=plain,
            date=stored.get("date", ""), category=stored.get("category_raw", ""),
        ))
    return hits

