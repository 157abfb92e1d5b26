"""Server-side search: a whoosh index of the knowledge base and the query side.

Everything that touches whoosh lives in this module.

Index time (`build_index`): every text field is analysed in Python by
`analyze.segment` (folding, Traditional -> Simplified, jieba with a user
dictionary made of the canonical tags, keywords and glossary words) plus the
parts of compound identifiers, once per build for both indexes (`analyse_docs`
-> `Analysis`, which `browser_index.build` takes too), and handed to whoosh as
term lists (no whoosh analyzer runs).  Chinese character bigrams of the short
fields go in an extra field, which makes recall independent of where the
segmenter cut.  Beside the whoosh files the
index keeps `kb_meta.json`: the vocabulary with segmentation frequencies, the
Latin terms with document frequencies, and the analysed synonym glossary.

Query time (`search`): the query is cut with `analyze.VocabSegmenter` over the
saved vocabulary (no jieba load, so `kb search` starts fast), each word becomes a
group of alternatives (the word, glossary synonyms, spelling neighbours of
unknown Latin words), and the groups are searched over the fields with boosts
(BM25F).  Error signatures are a field of their own with a high boost, so a
pasted error line finds the entry that quotes it.
"""
from __future__ import annotations

import hashlib
import html
import heapq
import json
import math
import os
import re
import shutil
import tempfile
import unicodedata
from dataclasses import dataclass, field
from functools import lru_cache
from pathlib import Path
from sys import intern
from typing import Any, Callable, Iterable, Mapping, Sequence

from whoosh import index as _wix
from whoosh import query as _wq
from whoosh import scoring as _wscoring
from whoosh.analysis import SpaceSeparatedTokenizer
from whoosh.fields import ID, STORED, TEXT, Schema
from whoosh.filedb.filestore import RamStorage

from . import analyze
from .terminal import clean_json, clean_lines

INDEX_FORMAT = 1
META_FILE = "kb_meta.json"
GLOSSARY_FILE = Path(__file__).parent / "data" / "glossary.yml"
SITE_GLOSSARY_NAME = "_glossary.yml"
MAX_QUERY_CHARS = 2000
MAX_QUERY_GROUPS = 64
SNIPPET_CHARS = 180
STORED_TEXT_CHARS = 6000

# Field boosts for the query (searchable fields and how much a match counts).
FIELD_BOOSTS: dict[str, float] = {
    "title": 3.0,
    "question": 1.6,
    "tags": 1.5,
    "keywords": 1.2,
    "errors": 2.5,
    "category": 0.3,
    "answer": 0.7,
    "parts": 0.4,
}
GRAM_FIELD_BOOSTS: dict[str, float] = {"tgrams": 1.0}
STOPWORD_FIELDS: dict[str, float] = {"title": 1.0, "question": 0.6}
SYNONYM_WEIGHT = 0.8  # a glossary synonym of a query word
STEM_WEIGHT = 0.8  # another form of a Latin query word (fails -> failed)
FUZZY_WEIGHT = 0.6  # a spelling neighbour of an unknown Latin query word
SUBWORD_ALT_WEIGHT = 0.7  # the parts of a long Chinese query word, all present
SUBWORD_WEIGHT = 0.4  # parts of a compound identifier in the query
STOPWORD_WEIGHT = 0.15
GRAM_WEIGHT = 0.5
ALT_TIEBREAK = 0.5  # share of a group's other matching alternatives added to its best one
COORD_WEIGHT = 0.6  # share of the score that depends on how many query concepts match
COORD_POOL = 50
HMM_WORD_FREQ = 500  # segmentation frequency of words jieba's dictionary does not hold


# --------------------------------------------------------------------------- documents

@dataclass(frozen=True)
class SearchDoc:
    id: str
    title: str
    url: str
    question: str = ""
    answer: str = ""
    tags: tuple[str, ...] = ()  # canonical labels (and/or slugs)
    keywords: tuple[str, ...] = ()
    errors: tuple[str, ...] = ()  # error signatures
    category: str = ""
    description: str = ""
    date: str = ""


def _tag_texts(tags: Iterable[Any]) -> tuple[str, ...]:
    out: list[str] = []
    for tag in tags or ():
        label = getattr(tag, "label", None)
        slug = getattr(tag, "slug", None)
        if label is None and slug is None:
            out.append(str(tag))
        else:
            out.extend(str(x) for x in (label, slug) if x)
    return tuple(dict.fromkeys(t for t in out if t.strip()))


def _lookup(extra: Any, entry_id: str) -> Any:
    if extra is None:
        return None
    if callable(extra) and not isinstance(extra, Mapping):
        return extra(entry_id)
    return extra.get(entry_id)


def docs_from_entries(
    entries: Iterable[Any],
    url_for: Callable[[Any], str] = lambda e: f"q/{e.id}/",
    tags: Mapping[str, Iterable[Any]] | Callable[[str], Any] | None = None,
    errors: Mapping[str, Any] | Callable[[str], Any] | None = None,
) -> list[SearchDoc]:
    """SearchDocs from `Entry` (or `NormalizedEntry`) objects.

    `tags`: entry id -> canonical tags (`Tag` objects or strings); without it a
    `NormalizedEntry`'s tags, else the tags as written, are used.  `errors`:
    entry id -> error signatures (strings, or an `EntryLinks`); without it the
    signatures are extracted from the entry text by `extract_errors`.
    """
    docs = []
    for item in entries:
        entry = getattr(item, "entry", item)
        norm_tags = getattr(item, "tags", None) if item is not entry else None
        norm_keywords = getattr(item, "keywords", None) if item is not entry else None
        given = _lookup(tags, entry.id)
        if given is not None:
            tag_texts = _tag_texts(given)
        elif norm_tags:
            tag_texts = _tag_texts(norm_tags)
        else:
            tag_texts = _tag_texts(entry.tags)
        keywords = tuple(norm_keywords or ()) or tuple(entry.keywords or ())
        err = _lookup(errors, entry.id)
        if err is not None and hasattr(err, "errors"):
            err = err.errors
        if err is None:
            err = extract_errors(f"{entry.title}\n{entry.question}\n{entry.answer}")
        docs.append(SearchDoc(
            id=entry.id,
            title=entry.title,
            url=url_for(entry),
            question=entry.question or "",
            answer=entry.answer or "",
            tags=tag_texts,
            keywords=tuple(keywords),
            errors=tuple(str(e) for e in err),
            category=entry.category or "",
            description=entry.description or "",
            date=entry.date or "",
        ))
    return docs


_EXCEPTION = re.compile(
    r"(?<![\w.])((?:[A-Za-z_][\w$]*\.)*[A-Z][\w$]*(?:Exception|Error|Exceeded|Failure|Fault))\b"
    r"(?:\s*:\s*([^\n`\"“”]{0,100}))?"
)
_CODE = re.compile(r"\b(?:code|status|errcode|errorcode|error code|http)\s*[=:]?\s*([1-5]\d\d)\b", re.IGNORECASE)


def extract_errors(text: str) -> tuple[str, ...]:
    """Error signatures quoted in a text: exception names with their message, status codes."""
    out: list[str] = []
    for match in _EXCEPTION.finditer(text or ""):
        name, message = match.group(1), (match.group(2) or "").strip()
        message = re.split(r"[。；;，]|\s{2,}", message)[0].strip() if message else ""
        out.append(f"{name}: {message}" if message else name)
    for match in _CODE.finditer(text or ""):
        out.append(f"code={match.group(1)}")
    return tuple(dict.fromkeys(out))[:50]


# --------------------------------------------------------------------------- glossary

def _glossary_files(extra: Iterable[Path | str] = ()) -> list[Path]:
    return [GLOSSARY_FILE] + [Path(p) for p in extra if p and Path(p).is_file()]


def load_glossary(extra: Iterable[Path | str] = ()) -> list[list[str]]:
    """Synonym groups (raw strings) from the shipped glossary plus site files."""
    import yaml

    groups: list[list[str]] = []
    for path in _glossary_files(extra):
        data = yaml.load(path.read_text(encoding="utf-8"), Loader=getattr(yaml, "CSafeLoader", yaml.SafeLoader)) or {}
        raw = data.get("groups", []) if isinstance(data, dict) else data
        for group in raw or ():
            if isinstance(group, (list, tuple)):
                words = [str(w).strip() for w in group if str(w).strip()]
                if len(words) > 1:
                    groups.append(words)
    return groups


def _analyse_glossary(groups: list[list[str]]) -> list[list[list[str]]]:
    out = []
    for group in groups:
        members = []
        for word in group:
            toks = analyze.segment(word)
            if toks and toks not in members:
                members.append(toks)
        if len(members) > 1:
            out.append(members)
    return out


# --------------------------------------------------------------------------- analysis

_index_tokens = analyze.index_tokens


plain_text = analyze.plain_text  # public: markdown as indexed text


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
    _segmenter: Any = field(default=None, repr=False)
    _glossary: Any = field(default=None, repr=False)
    _cache: dict = field(default_factory=dict, repr=False)

    @property
    def doc_count(self) -> int:
        return self.ix.doc_count()

    def searcher(self):
        if self._searcher is None:
            self._searcher = self.ix.searcher(weighting=_weighting())
        return self._searcher

    def segmenter(self) -> analyze.VocabSegmenter:
        if self._segmenter is None:
            self._segmenter = analyze.VocabSegmenter(self.meta["vocab"], total=self.meta.get("total"))
        return self._segmenter

    def glossary(self) -> dict[tuple[str, ...], list[tuple[str, ...]]]:
        """Member token tuple -> the other members of its groups."""
        if self._glossary is None:
            table: dict[tuple[str, ...], list[tuple[str, ...]]] = {}
            for group in self.meta.get("glossary", []):
                members = [tuple(m) for m in group]
                for m in members:
                    others = table.setdefault(m, [])
                    others.extend(o for o in members if o != m and o not in others)
            self._glossary = table
        return self._glossary

    def close(self) -> None:
        if self._searcher is not None:
            self._searcher.close()
            self._searcher = None
        self.ix.close()

    def search(self, query: str, limit: int = 10) -> list["Hit"]:
        return search(self, query, limit)


def _weighting():
    return _wscoring.BM25F(B=0.75, K1=1.2, title_B=0.5, tags_B=0.3, keywords_B=0.3, errors_B=0.3,
                           category_B=0.0, tgrams_B=0.5)


def index_dir_for_site(site_dir: Path | str) -> Path:
    """Where `kb build` saves the search index of the site it writes to `site_dir`."""
    return Path(site_dir) / "_kb_index"


# The fields both indexes search (whoosh's schema, the browser index's postings).
TERM_FIELDS = ("title", "question", "answer", "tags", "keywords", "errors", "category", "parts", "tgrams")


@dataclass(frozen=True)
class DocTerms:
    """One document's text segmented once: the terms of every searchable field.

    whoosh (`_write`, `_meta`) and the browser index (`browser_index.build`) both
    index these, so a build segments each text once for both indexes."""

    body: str  # the answer as plain text
    fields: Mapping[str, tuple[str, ...]]  # TERM_FIELDS -> terms in order (question: () when it repeats the title)
    vocab_parts: tuple[str, ...]  # identifier parts of every text, tags and keywords too (vocabulary only)


def doc_terms(doc: SearchDoc) -> DocTerms:
    """The terms of a document's fields (uses the segmenter's current user words)."""
    body = plain_text(doc.answer)

    def tokens(text: str) -> tuple[str, ...]:
        # Interned: a corpus repeats a few thousand words hundreds of thousands of
        # times, and an Analysis lives through both index builds.
        return tuple(map(intern, _index_tokens(text)))

    def each(texts: Sequence[str]) -> tuple[str, ...]:
        # Texts segment as the concatenation of their parts (a token never spans two
        # texts), so each is cut alone and kept-segmentation hits survive small edits.
        return tuple(tok for text in texts for tok in tokens(text))

    title = tokens(doc.title)
    same = (doc.question or "").strip() == (doc.title or "").strip()
    # Identifier parts never span two texts either: cut each text once, combine twice.
    def subwords(text: str) -> list[str]:
        return list(map(intern, analyze.subwords(text)))

    sub_title, sub_question, sub_body = subwords(doc.title), subwords(doc.question), subwords(body)
    sub_errors = subwords("\n".join(doc.errors))
    sub_tags = subwords("\n".join([*doc.tags, *doc.keywords]))
    return DocTerms(
        body=body,
        fields={
            "title": title,
            "question": () if same else tokens(doc.question),
            "answer": tokens(body),
            "tags": each(doc.tags),
            "keywords": each(doc.keywords),
            "errors": each(doc.errors),
            "category": tokens(doc.category or ""),
            "parts": (*sub_title, *sub_question, *sub_body, *sub_errors),
            # Chinese bigrams of the short fields: recall whatever the segmenter cut.  The
            # answer's bigrams (the old `agrams` field) were more than half of all postings
            # and changed no judged query's rank (benchmarks/search_quality.py).
            "tgrams": tuple(map(intern, analyze.cjk_bigrams(" ".join([doc.title, doc.question, *doc.tags,
                                                                        *doc.keywords])))),
        },
        vocab_parts=(*sub_title, *sub_question, *sub_body, *sub_tags, *sub_errors),
    )


@dataclass(frozen=True)
class Analysis:
    """Every document of a build analysed once, with what it was analysed with.

    Made by `analyse_docs`; `build_index` and `browser_index.build`/`write` take it
    and use it when it matches their documents, glossary files, words and the
    segmenter's dictionary, else they analyse again themselves."""

    docs: tuple[SearchDoc, ...]
    terms: tuple[DocTerms, ...]
    groups: list[list[str]]  # glossary synonym groups as written
    glossary: list[list[list[str]]]  # the same, segmented
    glossary_files: tuple[str, ...]
    words: frozenset[str]
    state: int  # analyze.words_state() after the user words were taught

    def fits(self, docs: Sequence[SearchDoc], glossary_files: Iterable[Path | str] = (),
             words: Iterable[str] = ()) -> bool:
        """Whether this analysis is what `analyse_docs(docs, glossary_files, words)` would give now."""
        return (self.state == analyze.words_state()
                and _file_key(glossary_files) == self.glossary_files
                and frozenset(words) <= self.words
                and len(docs) == len(self.docs) and tuple(docs) == self.docs)


def _file_key(files: Iterable[Path | str]) -> tuple[str, ...]:
    return tuple(str(Path(f).resolve()) for f in files if f)


# `kb serve`: each document's terms from the last analysis and the dictionary state they
# were cut with; replaced by the latest analysis's set every time, so it never outgrows
# one corpus.
_TERMS_KEPT: dict = {}


def _segmented_texts(doc: SearchDoc, terms: "DocTerms") -> tuple[str, ...]:
    """Every text `doc_terms(doc)` segmented to make `terms`."""
    return (doc.title, doc.question, terms.body, *doc.tags, *doc.keywords, *doc.errors, doc.category or "")


def analyse_docs(docs: Iterable[SearchDoc], glossary_files: Iterable[Path | str] = (),
                 words: Iterable[str] = ()) -> Analysis:
    """Teach the segmenter the user words once (tags, keywords, glossary, `words`), then
    segment every document once, for both search indexes."""
    global _TERMS_KEPT
    docs = tuple(docs)
    glossary_files = [f for f in glossary_files if f]
    groups = load_glossary(glossary_files)
    user_words = set(words)
    for doc in docs:
        user_words.update(doc.tags)
        user_words.update(doc.keywords)
    for group in groups:
        user_words.update(group)
    analyze.add_words(w for w in user_words if len(w) <= 16)
    kept_state = analyze.dictionary_state()  # None unless kb serve keeps segmentations
    if kept_state is None:
        terms = tuple(doc_terms(doc) for doc in docs)
    else:
        kept: dict = {}
        for doc in docs:
            hit = _TERMS_KEPT.get(doc)
            if hit is not None and hit[0] == kept_state:
                analyze.still_used(_segmented_texts(doc, hit[1]))
            elif hit is not None and analyze.cut_alike(_segmented_texts(doc, hit[1]), hit[0]):  # marks them used
                hit = (kept_state, hit[1])  # the same terms object: the browser index sees no change
            else:
                hit = (kept_state, doc_terms(doc))
            kept[doc] = hit
        _TERMS_KEPT = kept
        terms = tuple(kept[doc][1] for doc in docs)
    analysis = Analysis(docs=docs, terms=terms, groups=groups, glossary=_analyse_glossary(groups),
                        glossary_files=_file_key(glossary_files), words=frozenset(words),
                        state=analyze.words_state())
    _LAST_ANALYSIS[:] = [analysis]
    return analysis


# The latest analysis: a build that writes both indexes of the same documents in one
# process (browser index, then whoosh) analyses them once even when not handed it.
_LAST_ANALYSIS: list[Analysis] = []


def analysis_for(docs: Sequence[SearchDoc], glossary_files: Iterable[Path | str] = (),
                 words: Iterable[str] = (), analysis: Analysis | None = None) -> Analysis:
    """`analysis` (else the latest analysis) when it fits these arguments, else a new `analyse_docs`."""
    glossary_files, words = list(glossary_files), set(words)
    for candidate in (analysis, *_LAST_ANALYSIS):
        if candidate is not None and candidate.fits(docs, glossary_files, words):
            return candidate
    return analyse_docs(docs, glossary_files, words)


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
    writer = ix.writer(limitmb=WRITER_LIMIT_MB)
    per_document_reader = getattr(writer, "per_document_reader", None)
    if per_document_reader is not None:  # the reader whoosh's commit takes posting lengths from
        writer.per_document_reader = lambda: _LengthCache(per_document_reader())
    try:
        for doc, t in zip(docs, terms):
            stored = t.body[:STORED_TEXT_CHARS]
            writer.add_document(
                id=doc.id, url=doc.url, title_raw=doc.title, description=doc.description or "",
                date=doc.date or "", category_raw=doc.category or "",
                body_raw=stored, body_fold=_fold_aligned(stored),
                **{name: list(t.fields[name]) for name in TERM_FIELDS},
            )
    except BaseException:
        writer.cancel()
        raise
    writer.commit()


def _meta(docs: Sequence[SearchDoc], glossary: list[list[list[str]]], terms: Sequence[DocTerms]) -> dict:
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
    vocab = {}
    for word in cjk:
        f = analyze.jieba_freq(word)
        vocab[word] = f if f else HMM_WORD_FREQ
    stems: dict[str, list[str]] = {}
    for word in latin_df:
        stems.setdefault(_stem(word), []).append(word)
    stems = {k: sorted(v, key=lambda w: -latin_df[w]) for k, v in stems.items() if len(v) > 1}
    return {
        "format": INDEX_FORMAT,
        "stems": stems,
        "vocab": vocab,
        "total": analyze.jieba_total(),
        "latin": latin_df,
        "glossary": glossary,
        "docs": len(docs),
    }


def build_index(docs: Iterable[SearchDoc], index_dir: Path | str | None = None,
                glossary_files: Iterable[Path | str] = (), words: Iterable[str] = (),
                analysis: Analysis | None = None) -> Index:
    """Index `docs`; in memory when `index_dir` is None, else written atomically to it.

    `glossary_files`: site glossaries added to the shipped one.  `words`: extra
    words for the segmenter's user dictionary (tags and keywords are always added).
    `analysis`: `analyse_docs` of the same arguments (shared with the browser index);
    analysed here when None or made from anything else.
    """
    docs = list(docs)
    analysis = analysis_for(docs, glossary_files, words, analysis)
    analysed = analysis.terms
    meta = _meta(docs, analysis.glossary, analysed)
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


def _content_key(content_dir: Path, glossary_files: Sequence[Path]) -> str:
    h = hashlib.sha256(f"{INDEX_FORMAT}\n{content_dir.resolve()}\n".encode())
    for path in [*sorted(content_dir.rglob("*")), *glossary_files, GLOSSARY_FILE, Path(__file__)]:
        try:
            st = path.stat()
        except OSError:
            continue
        if path.is_file():
            h.update(f"{path}\0{st.st_size}\0{st.st_mtime_ns}\n".encode())
    return h.hexdigest()[:24]


def index_for_content(content_dir: Path | str, cache: bool = True, url_for=None,
                      tags=None, errors=None) -> Index:
    """An index of the entries under `content_dir` (for `kb search --content DIR`).

    Cached in the temp directory, keyed by the content files' names, sizes and
    times, so repeated searches of unchanged content do not re-read it.
    """
    from .ingest import read_corpus

    content_dir = Path(content_dir)
    site_glossary = [p for p in [content_dir / SITE_GLOSSARY_NAME] if p.is_file()]
    cache_dir = None
    if cache:
        cache_dir = Path(tempfile.gettempdir()) / "kb-search-cache" / _content_key(content_dir, site_glossary)
        try:
            return open_index(cache_dir)
        except (IndexNotFound, OSError, ValueError):
            pass
    corpus = read_corpus(content_dir)
    kwargs = {"url_for": url_for} if url_for else {}
    docs = docs_from_entries(corpus.entries, tags=tags, errors=errors, **kwargs)
    try:
        return build_index(docs, cache_dir, glossary_files=site_glossary)
    except OSError:
        return build_index(docs, None, glossary_files=site_glossary)


# --------------------------------------------------------------------------- queries

@dataclass(frozen=True)
class Alt:
    tokens: tuple[str, ...]  # all must occur in one field
    weight: float


@dataclass
class Group:
    """One concept of the query: alternatives of which the best match counts."""

    alts: list[Alt]
    weight: float = 1.0
    fields: Mapping[str, float] | None = None  # None: FIELD_BOOSTS
    covers: tuple[int, ...] = ()  # the query concepts a match of this group satisfies


def _osa(a: str, b: str, limit: int) -> int:
    """Optimal-string-alignment distance (edits and adjacent swaps), capped at limit + 1."""
    if abs(len(a) - len(b)) > limit:
        return limit + 1
    prev2: list[int] = []
    prev = list(range(len(b) + 1))
    for i in range(1, len(a) + 1):
        cur = [i] + [0] * len(b)
        for j in range(1, len(b) + 1):
            cost = 0 if a[i - 1] == b[j - 1] else 1
            cur[j] = min(prev[j] + 1, cur[j - 1] + 1, prev[j - 1] + cost)
            if i > 1 and j > 1 and a[i - 1] == b[j - 2] and a[i - 2] == b[j - 1]:
                cur[j] = min(cur[j], prev2[j - 2] + 1)
        if min(cur) > limit:
            return limit + 1
        prev2, prev = prev, cur
    return prev[-1]


def _spelling_neighbours(word: str, latin: Mapping[str, int], max_out: int = 3) -> list[str]:
    if len(word) < 5 or not word.isascii() or not any(c.isalpha() for c in word):
        return []
    limit = 1 if len(word) < 8 else 2
    found = []
    for cand, df in latin.items():
        if abs(len(cand) - len(word)) > limit or cand[:1] != word[:1] and cand[-1:] != word[-1:]:
            continue
        d = _osa(word, cand, limit)
        if d <= limit:
            found.append((d, -df, cand))
    found.sort()
    return [c for _, _, c in found[:max_out]]


def _parse(index: Index, query: str) -> tuple[list[Group], list[str]]:
    """Query text -> weighted groups of alternatives, and the words to highlight."""
    query = unicodedata.normalize("NFKC", query or "")[:MAX_QUERY_CHARS]
    query = "".join(ch if ch.isprintable() else " " for ch in query)
    seg = index.segmenter()
    tokens = analyze.segment(query, seg)
    latin = index.meta.get("latin", {})
    stems = index.meta.get("stems", {})
    glossary = index.glossary()
    groups: list[Group] = []
    extra: list[Group] = []
    marks: list[str] = []
    concept_of: dict[str, int] = {}

    def synonyms(key: tuple[str, ...]) -> list[tuple[str, ...]]:
        out = []
        for other in glossary.get(key, ()):
            content = tuple(t for t in other if not analyze.is_stopword(t))
            if content and content != key and all(analyze.has_cjk(t) or t in latin for t in content):
                out.append(content)
        return out

    for tok in tokens:
        if tok in concept_of or len(groups) >= MAX_QUERY_GROUPS:
            continue
        if analyze.is_stopword(tok):
            concept_of[tok] = -1
            extra.append(Group([Alt((tok,), 1.0)], STOPWORD_WEIGHT, STOPWORD_FIELDS))
            continue
        n = len(groups)
        concept_of[tok] = n
        alts = [Alt((tok,), 1.0)]
        marks.append(tok)
        if analyze.has_cjk(tok):
            if len(tok) >= 3:
                parts = _cjk_subwords(tok, seg)
                if len(parts) > 1:
                    alts.append(Alt(tuple(parts), SUBWORD_ALT_WEIGHT))
                    marks.extend(p for p in parts if len(p) > 1)
        else:
            variants = [v for v in stems.get(_stem(tok), ()) if v != tok]
            for v in variants[:4]:
                alts.append(Alt((v,), STEM_WEIGHT))
                marks.append(v)
            if tok not in latin and not variants:
                for near in _spelling_neighbours(tok, latin):
                    alts.append(Alt((near,), FUZZY_WEIGHT))
                    marks.append(near)
        keys = [(tok,)] + [a.tokens for a in alts[1:] if len(a.tokens) == 1]
        for key in keys:
            for syn in synonyms(key):
                if all(Alt(syn, w) not in alts for w in (1.0, SYNONYM_WEIGHT)):
                    alts.append(Alt(syn, SYNONYM_WEIGHT))
                    marks.extend(syn)
        groups.append(Group(alts, 1.0, None, (n,)))
    # Glossary phrases of several query words ("connection refused") add their synonyms.
    max_n = max((len(k) for k in glossary), default=1)
    for n in range(min(max_n, len(tokens)), 1, -1):
        for i in range(len(tokens) - n + 1):
            key = tuple(tokens[i:i + n])
            syns = synonyms(key)
            if syns:
                covers = tuple(sorted({concept_of[t] for t in key if concept_of.get(t, -1) >= 0}))
                extra.append(Group([Alt(s, 1.0) for s in syns], SYNONYM_WEIGHT, None, covers))
                for syn in syns:
                    marks.extend(syn)
    # Parts of compound identifiers (NacosException -> nacos, exception).
    for p in dict.fromkeys(analyze.subwords(query)):
        if p not in concept_of and not analyze.is_stopword(p):
            extra.append(Group([Alt((p,), 1.0)], SUBWORD_WEIGHT))
    # Chinese bigrams: recall whatever the segmenter did with the text.
    grams = list(dict.fromkeys(g for g in analyze.cjk_bigrams(query) if len(g) == 2))
    for g in grams[:MAX_QUERY_GROUPS]:
        extra.append(Group([Alt((g,), 1.0)], GRAM_WEIGHT / math.sqrt(len(grams)), GRAM_FIELD_BOOSTS))
    return groups + extra, list(dict.fromkeys(marks))


def _cjk_subwords(word: str, seg) -> list[str]:
    """A long Chinese word cut into the shorter words it is made of (持久化实例 -> 持久化, 实例)."""
    freq = getattr(seg, "freq", None)
    if freq is not None and word in freq:
        saved = freq.pop(word)
        try:
            parts = seg.cut(word)
        finally:
            freq[word] = saved
    else:
        parts = analyze.search_subwords(word)
    return [p for p in parts if p != word]


@lru_cache(maxsize=4096)
def _stem(word: str) -> str:
    from whoosh.lang.porter import stem

    return stem(word) if word.isalpha() else word


def _group_query(group: Group, reader=None):
    """The whoosh query of one group; with a reader, terms absent from the index are left out."""
    fields = group.fields or FIELD_BOOSTS
    present = (lambda f, t: True) if reader is None else (lambda f, t: reader.doc_frequency(f, t) > 0)
    alts = []
    for alt in group.alts:
        per_field = []
        for name, boost in fields.items():
            if not all(present(name, t) for t in alt.tokens):
                continue
            if len(alt.tokens) == 1:
                per_field.append(_wq.Term(name, alt.tokens[0], boost=boost))
            else:
                per_field.append(_wq.And([_wq.Term(name, t) for t in alt.tokens], boost=boost))
        if per_field:
            alts.append(per_field[0] if len(per_field) == 1 and alt.weight == 1.0
                        else _wq.Or(per_field, boost=alt.weight))
    if not alts:
        return None
    # Not DisjunctionMax: whoosh's DisjunctionMaxMatcher mis-scores documents
    # matched by only some of its subqueries.
    if len(alts) == 1 and group.weight == 1.0:
        return alts[0]
    return _wq.Or(alts, boost=group.weight)


def _to_query(groups: list[Group], reader=None):
    subs = [q for q in (_group_query(g, reader) for g in groups) if q is not None]
    return _wq.Or(subs) if subs else _wq.NullQuery


def query_terms(query: str, index: Index | None = None) -> list[str]:
    """The words a query searches for (analyzer output with glossary synonyms).

    Without an index the full jieba segmenter and the shipped glossary are used.
    """
    if index is None:
        index = _bare_index()
    groups, _ = _parse(index, query)
    out: list[str] = []
    for g in groups:
        if g.fields is GRAM_FIELD_BOOSTS or g.fields is STOPWORD_FIELDS:
            continue
        for alt in g.alts:
            out.extend(alt.tokens)
    return list(dict.fromkeys(out))


@lru_cache(maxsize=1)
def _bare_index() -> Index:
    glossary = _analyse_glossary(load_glossary())
    meta = {"vocab": {}, "latin": {}, "glossary": glossary}
    idx = Index(ix=None, meta=meta)
    idx._segmenter = analyze.JIEBA
    latin: dict[str, int] = {}
    for group in glossary:
        for member in group:
            for t in member:
                latin[t] = 1
    meta["latin"] = _AllLatin(latin)
    return idx


class _AllLatin(dict):
    def __contains__(self, key):  # without an index every Latin word counts as known
        return True


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


BM25_K1 = 1.2
BM25_B: dict[str, float] = {"title": 0.5, "tags": 0.3, "keywords": 0.3, "errors": 0.3, "category": 0.0,
                            "tgrams": 0.5}
BM25_B_DEFAULT = 0.75


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
            b = BM25_B.get(field_name, BM25_B_DEFAULT)
            avg = self._avg(field_name)
            for docnum, tf in self.reader.postings(field_name, token).items_as("weight"):
                norm = 1 - b + b * self._length(field_name, docnum) / avg
                out[docnum] = idf * tf * (BM25_K1 + 1) / (tf + BM25_K1 * norm)
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
    groups, marks = _parse(index, query)
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


def _folded_with_map(text: str) -> tuple[str, list[int]]:
    """`analyze.fold(text)` and, for each folded character, its index in `text`."""
    nfkc = unicodedata.normalize("NFKC", text)
    if len(nfkc) == len(text) and len(nfkc.lower()) == len(text):
        # Simplified before lower-casing, as `analyze.fold` (the same result: no t2s
        # entry holds a cased letter), so the runs segmentation converted are reused.
        simple = analyze.to_simplified(nfkc).lower()
        if len(simple) == len(text):
            return simple, list(range(len(text)))
    chars: list[str] = []
    where: list[int] = []
    for i, ch in enumerate(text):
        f = unicodedata.normalize("NFKC", ch).lower()
        chars.extend(f)
        where.extend([i] * len(f))
    folded = "".join(chars)
    simple = analyze.to_simplified(folded)
    if len(simple) == len(folded):
        folded = simple
    return folded, where


def _fold_aligned(text: str) -> str:
    """The folded text when it aligns character for character with `text`, else ''."""
    nfkc = unicodedata.normalize("NFKC", text)
    if len(nfkc) == len(text) and len(nfkc.lower()) == len(text):  # as `_folded_with_map`'s quick path
        simple = analyze.to_simplified(nfkc).lower()
        if len(simple) == len(text):
            return simple
    folded, where = _folded_with_map(text)
    return folded if len(folded) == len(text) and where == list(range(len(text))) else ""


def make_snippet(text: str, words: Sequence[str], width: int = SNIPPET_CHARS,
                 folded: str | None = None) -> tuple[str, str]:
    """(HTML snippet with <mark>, plain snippet with **) around the densest matches.

    `folded`: `analyze.fold(text)` when known to align with `text` character for character.
    """
    text = text or ""
    if folded is not None and len(folded) == len(text):
        where = range(len(text))
    else:
        folded, where = _folded_with_map(text)
    spans: list[tuple[int, int, str]] = []
    for word in sorted({w for w in words if w}, key=len, reverse=True):
        latin = not analyze.has_cjk(word)
        if latin and len(word) < 2:
            continue
        pattern = (r"(?<![a-z0-9])" + re.escape(word) + r"(?![a-z0-9])") if latin else re.escape(word)
        for m in re.finditer(pattern, folded):
            s, e = where[m.start()], where[m.end() - 1] + 1
            if not any(s < e2 and s2 < e for s2, e2, _ in spans):
                spans.append((s, e, word))
    spans.sort()
    start = 0
    if spans:
        best = (-1, 0)
        for s, _, _ in spans:
            window = {w for s2, e2, w in spans if s <= s2 and e2 <= s + width}
            if len(window) > best[0]:
                best = (len(window), s)
        start = max(0, best[1] - width // 5)
    end = min(len(text), start + width)
    if start > 0:
        # do not cut a Latin word in two
        while start < end and text[start - 1].isascii() and text[start - 1].isalnum() and text[start].isalnum():
            start += 1
    html_parts, plain_parts, pos = [], [], start
    for s, e, _ in spans:
        if s < start or e > end:
            continue
        html_parts.append(html.escape(text[pos:s]))
        plain_parts.append(text[pos:s])
        html_parts.append("<mark>" + html.escape(text[s:e]) + "</mark>")
        plain_parts.append("**" + text[s:e] + "**")
        pos = e
    html_parts.append(html.escape(text[pos:end]))
    plain_parts.append(text[pos:end])
    pre = "…" if start > 0 else ""
    post = "…" if end < len(text) else ""
    return pre + "".join(html_parts) + post, pre + "".join(plain_parts) + post


def format_hits(hits: Sequence[Hit], query: str | None = None) -> str:
    """Ranked hits as text for a terminal."""
    if not hits:
        return f"no results for {query!r}" if query is not None else "no results"
    lines = []
    for n, hit in enumerate(hits, 1):
        lines.append(f"{n:>2}. {hit.title}  ({hit.score:.2f})")
        lines.append(f"    {hit.url}")
        if hit.highlight:
            lines.append(f"    {hit.highlight}")
    return clean_lines(lines)


def hits_json(hits: Sequence[Hit]) -> str:
    return clean_json(json.dumps([h.as_dict() for h in hits], ensure_ascii=False, indent=2))
