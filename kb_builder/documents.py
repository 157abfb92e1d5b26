"""What the search indexes hold: documents, and their text analysed once for both indexes.

A `SearchDoc` is an entry as search sees it (canonical tags, keywords, error
signatures).  `analyse_docs` cuts every document's fields with the build's
`Analyzer` into `DocTerms` (whoosh and the browser index both index these), and
segments the synonym glossary the same way.  Nothing here knows an index.
"""
from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path
from sys import intern
from typing import Iterable, Mapping, Sequence

from . import analyze, snippets
from .analyze import Analyzer, char_mask
from .store import Store

GLOSSARY_FILE = Path(__file__).parent / "data" / "glossary.yml"
SITE_GLOSSARY_NAME = "_glossary.yml"
# The fields both indexes search (whoosh's schema, the browser index's postings).
TERM_FIELDS = ("title", "question", "answer", "tags", "keywords", "errors", "category", "parts", "tgrams")
GRAM_TERM_FIELDS = ("tgrams",)  # Chinese bigrams: a term space of their own


# --------------------------------------------------------------------------- documents

@dataclass(frozen=True)
class SearchDoc:
    id: str
    title: str  # as written: what the title field indexes
    url: str
    question: str = ""
    answer: str = ""
    tags: tuple[str, ...] = ()  # canonical labels (and/or slugs)
    keywords: tuple[str, ...] = ()
    errors: tuple[str, ...] = ()  # error signatures
    category: str = ""
    description: str = ""
    date: str = ""
    display_title: str = ""  # what results show (model.Entry.display_title); "" for `title`

    @property
    def shown_title(self) -> str:
        return self.display_title or self.title


# --------------------------------------------------------------------------- glossary

def glossary_texts(extra: Iterable[Path | str] = ()) -> tuple[str, ...]:
    """The texts of the shipped glossary and of the site glossaries that exist."""
    paths = [GLOSSARY_FILE] + [Path(p) for p in extra if p and Path(p).is_file()]
    return tuple(path.read_text(encoding="utf-8") for path in paths)


def glossary_from_texts(texts: tuple[str, ...]) -> tuple[tuple[str, ...], ...]:
    """Synonym groups (raw strings) from glossary files' texts (YAML: `groups:` lists)."""
    import yaml

    groups: list[tuple[str, ...]] = []
    for text in texts:
        data = yaml.load(text, Loader=getattr(yaml, "CSafeLoader", yaml.SafeLoader)) or {}
        raw = data.get("groups", []) if isinstance(data, dict) else data
        for group in raw or ():
            if isinstance(group, (list, tuple)):
                words = tuple(str(w).strip() for w in group if str(w).strip())
                if len(words) > 1:
                    groups.append(words)
    return tuple(groups)


def load_glossary(extra: Iterable[Path | str] = ()) -> tuple[tuple[str, ...], ...]:
    """Synonym groups from the shipped glossary plus site files."""
    return glossary_from_texts(glossary_texts(extra))


def glossary_words(groups: Iterable[Iterable[str]]) -> frozenset[str]:
    """Every word of the glossary, for the analyzer to be taught."""
    return frozenset(w for group in groups for w in group)


def analyse_glossary(groups: Iterable[Iterable[str]], analyzer: Analyzer) -> list[list[list[str]]]:
    out = []
    for group in groups:
        members: list[list[str]] = []
        for word in group:
            toks = analyzer.segment(word)
            if toks and toks not in members:
                members.append(toks)
        if len(members) > 1:
            out.append(members)
    return out


# --------------------------------------------------------------------------- analysis

@dataclass(frozen=True)
class DocTerms:
    """One document's text segmented once: the terms of every searchable field.

    whoosh (`_write`, `_meta`) and the browser index (`browser_index.build`) both
    index these, so a build segments each text once for both indexes."""

    body: str  # the answer as plain text
    passages: tuple[str, ...]  # the answer's lines and sentences (snippets.passages)
    fields: Mapping[str, tuple[str, ...]]  # TERM_FIELDS -> terms in order (question: () when it repeats the title)


def doc_terms(doc: SearchDoc, analyzer: Analyzer) -> DocTerms:
    """The terms of a document's fields, cut by `analyzer`."""
    body = analyze.plain_text(doc.answer)

    def tokens(text: str) -> tuple[str, ...]:
        # Interned: a corpus repeats a few thousand words hundreds of thousands of
        # times, and an Analysis lives through both index builds.
        return tuple(map(intern, analyzer.index_tokens(text)))

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
    return DocTerms(
        body=body,
        passages=snippets.passages(doc.answer),
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
    )


def vocabularies(terms: Sequence[DocTerms], glossary: Iterable[Iterable[Iterable[str]]] = ()) -> tuple[
        set[str], dict[str, int], dict[str, list[str]]]:
    """What the query side must know of the indexed words, for both indexes alike:
    (the Chinese words, Latin word -> documents holding it where it is searched (stop-words
    are not), Latin word -> its other forms by `analyze.stem`, most common first, at most 4)."""
    cjk: set[str] = set()
    seen: set[str] = set()
    df: dict[str, int] = {}
    for t in terms:
        posted: set[str] = set()
        for name, toks in t.fields.items():
            if name in GRAM_TERM_FIELDS:
                continue
            for tok in set(toks):
                if analyze.has_cjk(tok):
                    cjk.add(tok)
                else:
                    seen.add(tok)
                    if not analyze.is_stopword(tok):
                        posted.add(tok)
        for tok in posted:
            df[tok] = df.get(tok, 0) + 1
    for group in glossary:
        for member in group:
            cjk.update(tok for tok in member if analyze.has_cjk(tok))
    forms: dict[str, set[str]] = {}
    for word in seen:
        forms.setdefault(analyze.stem(word), set()).add(word)
    variants = {w: sorted((f for f in same if f != w), key=lambda f: (-df.get(f, 0), f))[:4]
                for same in forms.values() if len(same) > 1 for w in same}
    return cjk, df, variants


@dataclass(frozen=True)
class Analysis:
    """Every document of a build analysed once, with what it was analysed with."""

    docs: tuple[SearchDoc, ...]
    terms: tuple[DocTerms, ...]
    groups: tuple[tuple[str, ...], ...]  # glossary synonym groups as written
    glossary: list[list[list[str]]]  # the same, segmented
    analyzer: Analyzer

    def __hash__(self) -> int:
        return id(self)


# The fields that hold every token of the texts `segmented_texts` names (the others hold
# parts and bigrams of them).
TEXT_FIELDS = ("title", "question", "answer", "tags", "keywords", "errors", "category")


def segmented_texts(doc: SearchDoc, terms: DocTerms) -> tuple[str, ...]:
    """Every text `doc_terms(doc)` segmented to make `terms`."""
    return (doc.title, doc.question, terms.body, *doc.tags, *doc.keywords, *doc.errors, doc.category or "")


@dataclass(frozen=True)
class Analysed:
    """One document's terms and the analyzer they were cut with."""

    doc: SearchDoc
    analyzer: Analyzer
    terms: DocTerms
    chars: int  # segment.char_mask of the terms: which words the texts cannot hold


def analysed_doc(previous: Analysed | None, doc: SearchDoc, analyzer: Analyzer) -> Analysed:
    """A document's terms; the previous ones stand for the same document while the
    analyzer cuts its texts alike."""
    if previous is not None and previous.doc == doc and analyzer.cuts_alike(
            segmented_texts(doc, previous.terms), previous.analyzer, previous.chars):
        return previous if previous.analyzer is analyzer else Analysed(doc, analyzer, previous.terms, previous.chars)
    terms = doc_terms(doc, analyzer)
    return Analysed(doc, analyzer, terms, char_mask(tok for field in TEXT_FIELDS for tok in terms.fields[field]))


def _same_terms(a: Analysed, b: Analysed) -> bool:
    return a.terms == b.terms and a.chars == b.chars


def search_words(docs: Iterable[SearchDoc], groups: Iterable[Iterable[str]]) -> frozenset[str]:
    """The words search teaches the analyzer: tag labels, keywords and glossary words."""
    words = set(glossary_words(groups))
    for doc in docs:
        words.update(doc.tags)
        words.update(doc.keywords)
    return frozenset(w for w in words if len(w) <= 16)


def analyse_docs(docs: Iterable[SearchDoc], analyzer: Analyzer, groups: Iterable[Iterable[str]] = (),
                 store: Store | None = None) -> Analysis:
    """Segment every document once, for both search indexes (`store` remembers each
    document's terms: a rebuild cuts only changed documents)."""
    docs = tuple(docs)
    groups = tuple(tuple(g) for g in groups)
    store = store if store is not None else Store()
    found = [store.derive(analysed_doc, doc, analyzer, slot=doc.id, same=_same_terms) for doc in docs]
    return Analysis(docs=docs, terms=tuple(a.terms for a in found), groups=groups,
                    glossary=analyse_glossary(groups, analyzer), analyzer=analyzer)
