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

import copy
import hashlib
import json
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
from whoosh.filedb.filestore import FileStorage, RamStorage
from whoosh.index import TOC
from whoosh.writing import NO_MERGE

from . import index_update, ranking
from .analyze import Analyzer, is_stopword
from .documents import (TERM_FIELDS, Analysis, DocTerms, SearchDoc, analyse_docs, load_glossary, search_words,
                        vocabularies)
from .query import Vocabulary, parse
from .ranking import FIELD_ORDER, GRAM_FIELD_BOOSTS
from .segment import base_total
from .snippets import best_passage, fold_aligned, make_snippet

INDEX_FORMAT = 3
META_FILE = "kb_meta.json"
STORED_TEXT_CHARS = 6000


def _schema() -> Schema:
    spaced = SpaceSeparatedTokenizer()
    text = lambda: TEXT(analyzer=spaced, phrase=False)  # noqa: E731
    return Schema(
        id=ID(stored=True, unique=True),
        url=STORED, title_raw=STORED, description=STORED, date=STORED, category_raw=STORED,
        body_raw=STORED, body_fold=STORED, passages=STORED,
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
    _positions: list[int] | None = field(default=None, repr=False)
    _docnums: dict[int, int] | None = field(default=None, repr=False)

    @property
    def doc_count(self) -> int:
        return self.ix.doc_count()

    def searcher(self):
        if self._searcher is None:
            self._searcher = self.ix.searcher()  # only its postings are read: `_Scorer` ranks
        return self._searcher

    def positions(self) -> list[int]:
        """whoosh's document number -> the document's position in the corpus (ties rank by it; -1: deleted)."""
        if self._positions is None:
            self._positions = list(self.meta.get("order") or range(self.ix.doc_count_all()))
        return self._positions

    def docnum(self, position: int) -> int:
        if self._docnums is None:
            self._docnums = {p: d for d, p in enumerate(self.positions()) if p >= 0}
        return self._docnums[position]

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


def _record(doc: SearchDoc, terms: DocTerms) -> dict[str, Any]:
    """What whoosh is given for one document (besides `body_fold`, made from `body_raw`)."""
    stored = terms.body[:STORED_TEXT_CHARS]
    return dict(id=doc.id, url=doc.url, title_raw=doc.shown_title, description=doc.description or "",
                date=doc.date or "", category_raw=doc.category or "", body_raw=stored,
                passages="\n".join(terms.passages), **{name: list(terms.fields[name]) for name in TERM_FIELDS})


class _PrivateRamStorage(RamStorage):
    """An index in memory whose writer spills to a folder of its own: whoosh's RamStorage
    spills to `<temporary folder>/MAIN.tmp`, one path for every process (two writing at
    once remove each other's files) that another user can create first."""

    def __init__(self) -> None:
        super().__init__()
        self.spills: list[str] = []

    def temp_storage(self, name: str | None = None) -> FileStorage:
        self.spills.append(tempfile.mkdtemp(prefix="kb-whoosh-"))
        return FileStorage(self.spills[-1]).create()

    def remove_spills(self) -> None:
        """The folders this storage made (whoosh removes the files, not every folder)."""
        for folder in self.spills:
            shutil.rmtree(folder, ignore_errors=True)
        self.spills.clear()


def _write_segment(ix, records: Sequence[dict[str, Any]]) -> None:
    """The documents (`_record`s) into one new whoosh segment of `ix`."""
    # Terms go in as lists: whoosh counts them as they are (no tokenizer pass).
    # whoosh spills sorted runs of postings to temporary files (pickled, then merged) past
    # `limitmb` of its own estimate; 128 (its default) spilled from about 3,500 entries,
    # and the pickling and merging were a third of the index's build time.
    # Not a compound file (whoosh records each part's modification time in those), and
    # named from its documents: two builds of the same documents write the same bytes.
    rng = random.getstate()  # whoosh names segments with the random module's generator
    random.seed(hashlib.blake2b(json.dumps([r["id"] for r in records]).encode(), digest_size=8).hexdigest())
    try:
        writer = ix.writer(limitmb=WRITER_LIMIT_MB, compound=False)
    finally:
        random.setstate(rng)
    per_document_reader = getattr(writer, "per_document_reader", None)
    if per_document_reader is not None:  # the reader whoosh's commit takes posting lengths from
        writer.per_document_reader = lambda: _LengthCache(per_document_reader())
    try:
        for record in records:
            writer.add_document(body_fold=fold_aligned(record["body_raw"]), **record)
    except BaseException:
        writer.cancel()
        raise
    try:
        writer.commit(mergetype=NO_MERGE)  # whoosh would merge a small delta into its base
    finally:
        # The reader above refers back to the writer: without this, the writer and its
        # pool of postings (hundreds of MB at 20k entries) wait for a full collection.
        writer.__dict__.pop("per_document_reader", None)


def _meta(docs: Sequence[SearchDoc], glossary: list[list[list[str]]], terms: Sequence[DocTerms],
          analyzer: Analyzer) -> dict:
    """What `kb search` reads besides whoosh's postings: the vocabulary (as the browser index
    ships it), and every document's field lengths (whoosh keeps them only approximately)."""
    cjk, latin, variants = vocabularies(terms, glossary)
    return {
        "format": INDEX_FORMAT,
        "vocab": {word: analyzer.shipped_freq(word) for word in sorted(cjk)},
        "total": base_total(),
        "latin": dict(sorted(latin.items())),
        "variants": dict(sorted(variants.items())),
        "glossary": glossary,
        "docs": len(docs),
        "lengths": {name: [len(t.fields[name]) for t in terms] for name in FIELD_ORDER},
    }


def default_analysis(docs: Sequence[SearchDoc], glossary_files: Iterable[Path | str] = ()) -> Analysis:
    """The documents analysed with jieba taught their tags, keywords and the glossary's words."""
    groups = load_glossary(glossary_files)
    return analyse_docs(docs, Analyzer.of(search_words(docs, groups)), groups)


def build_index(docs: Iterable[SearchDoc], index_dir: Path | str | None = None,
                analysis: Analysis | None = None, previous: Path | str | None = None) -> Index:
    """Index `docs`; in memory when `index_dir` is None, else written atomically to it.

    `analysis`: `analyse_docs` of the same documents (shared with the browser index);
    without it they are analysed with `default_analysis`.  `previous`: an index this
    function wrote before (it may be `index_dir`), updated rather than written again
    when few documents changed (index_update.py); the results are the same."""
    docs = list(docs)
    if analysis is None or list(analysis.docs) != docs:
        analysis = default_analysis(docs)
    records = [_record(doc, t) for doc, t in zip(docs, analysis.terms)]
    meta = _meta(docs, analysis.glossary, analysis.terms, analysis.analyzer)
    if index_dir is None:
        storage = _PrivateRamStorage()
        ix = storage.create_index(_schema())
        try:
            _write_segment(ix, records)
        finally:
            storage.remove_spills()
        return Index(ix, meta, None)
    index_dir = Path(index_dir)
    index_dir.parent.mkdir(parents=True, exist_ok=True)
    tmp = Path(tempfile.mkdtemp(prefix=f".{index_dir.name}.tmp-", dir=index_dir.parent))
    try:
        _write_files(tmp, records, meta, Path(previous) if previous is not None else None)
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


def _write_files(folder: Path, records: list[dict[str, Any]], meta: dict, previous: Path | None) -> None:
    """The index into the empty `folder`: a base segment, and a delta when `previous` is updated."""
    ids = [r["id"] for r in records]
    digests = [index_update.digest(r) for r in records]
    update = None
    if previous is not None:
        old = _segments(previous)
        base = index_update.read_base(previous, [s.segid for s in old])
        update = index_update.plan(base, ids, digests) if base is not None else None
    scratch = folder / ".segments"
    scratch.mkdir()
    fresh = _wix.create_in(str(scratch), _schema())
    if update is None:  # a clean build: everything in the base (no segment at all for no documents)
        _write_segment(fresh, records)
        segments, order = _segments(scratch), list(range(len(records)))
        if segments:
            (segment,) = segments  # one writer, one commit, no merging: one segment
            files = index_update.move_segment(scratch, folder, segment.segid)
            meta["base"] = {"segment": segment.segid, "ids": ids, "digests": digests, "files": files}
    else:
        base = copy.copy(old[0])
        base._deleted = set(update.deleted) or None  # whoosh keeps a segment's deletions in the TOC
        files = index_update.take_over(update.base, folder)
        segments, order = [base], update.order
        if update.delta:
            _write_segment(fresh, [records[p] for p in update.delta])
            (delta,) = _segments(scratch)
            index_update.move_segment(scratch, folder, delta.segid)
            segments.append(delta)
        meta["base"] = {"segment": base.segid, "ids": list(update.base.ids), "digests": list(update.base.digests),
                        "files": files}
    fresh.close()
    shutil.rmtree(scratch)
    meta["order"] = order
    TOC(_schema(), segments, 1).write(FileStorage(str(folder)), index_update.INDEX_NAME)
    (folder / META_FILE).write_text(json.dumps(meta, ensure_ascii=False), encoding="utf-8")


def _segments(folder: Path) -> list[Any]:
    """The segments of the index in `folder`, as its table of contents lists them (none: unreadable)."""
    try:
        return list(TOC.read(FileStorage(str(folder)), index_update.INDEX_NAME).segments)
    except Exception:  # noqa: BLE001 - whoosh raises many kinds; the index is written whole
        return []


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
    """Terms' weights in documents (ranking.weight: BM25F over the fields), from whoosh's
    postings and the index's exact field lengths; remembered on the Index."""

    def __init__(self, index: Index, reader):
        self.reader = reader
        self.n = reader.doc_count()  # deleted documents of an updated index do not count
        self.cache = index._cache
        inv = self.cache.get("inv")
        if inv is None:
            lengths = index.meta["lengths"]
            inv = self.cache["inv"] = {name: _inverse_norms(name, values) for name, values in lengths.items()}
        self.inv = inv
        self.order = index.positions()

    def term(self, token: str, fields: Sequence[str]) -> dict[int, int]:
        """document -> the token's weight there, over `fields` (in FIELD_ORDER)."""
        key = ("t", token, tuple(fields))
        hit = self.cache.get(key)
        if hit is not None:
            return hit
        per_field: dict[str, dict[int, int]] = {}
        order = self.order
        # Stop-words are not searched (Chinese bigrams are, whatever they read).
        for name in fields if fields == _GRAM_FIELDS or not is_stopword(token) else ():
            if self.reader.doc_frequency(name, token):
                per_field[name] = {order[d]: tf for d, tf in self.reader.postings(name, token).items_as("frequency")}
        docs = sorted({d for tfs in per_field.values() for d in tfs})
        term_idf = ranking.idf(self.n, len(docs))
        inv = self.inv
        out = {d: ranking.weight([(name, tfs[d], inv[name][d]) for name, tfs in per_field.items() if d in tfs],
                                 term_idf) for d in docs}
        if len(self.cache) > 20000:
            self.cache.clear()
            self.cache["inv"] = inv
        self.cache[key] = out
        return out


def _inverse_norms(name: str, lengths: Sequence[int]) -> list[float]:
    average = ranking.average_length(sum(lengths), len(lengths))  # once: per document made the first query O(n²)
    return [ranking.inverse_norm(name, length, average) for length in lengths]


_TEXT_FIELDS = tuple(ranking.FIELDS)
_GRAM_FIELDS = tuple(ranking.GRAM_FIELDS)


def search(index: Index, query: str, limit: int = 10) -> list[Hit]:
    """Ranked hits for a free-text query; never raises on odd input (returns [])."""
    if not isinstance(query, str) or not query.strip() or limit <= 0:
        return []
    groups, marks = parse(index.vocabulary(), query)
    if not groups:
        return []
    searcher = index.searcher()
    scorer = _Scorer(index, searcher.reader())
    spec = [(g.weight, [(alt.weight, [scorer.term(tok, _GRAM_FIELDS if g.fields is GRAM_FIELD_BOOSTS else _TEXT_FIELDS)
                                      for tok in alt.tokens]) for alt in g.alts], g.covers) for g in groups]
    concepts = len({c for g in groups for c in g.covers})
    ranked = ranking.ranked(ranking.combine(spec, concepts), limit)
    hits = []
    for position, score in ranked:
        stored = searcher.stored_fields(index.docnum(position))
        body = stored.get("body_raw") or ""
        passages = (stored.get("passages") or "").split("\n")
        best = best_passage(passages, marks)
        if best >= 0:  # the step, command or config line the query is about
            snippet, plain = make_snippet(passages[best], marks)
        elif body:
            snippet, plain = make_snippet(body, marks, folded=stored.get("body_fold") or None)
        else:
            snippet, plain = make_snippet(stored.get("description") or "", marks)
        hits.append(Hit(
            id=stored["id"], title=stored.get("title_raw", ""), url=stored.get("url", ""),
            score=float(score), snippet=snippet, highlight=plain,
            date=stored.get("date", ""), category=stored.get("category_raw", ""),
        ))
    return hits

