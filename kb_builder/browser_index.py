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
import json
import math
import re
from bisect import bisect_left
from collections import Counter, defaultdict
from dataclasses import dataclass
from functools import lru_cache
from itertools import accumulate
from typing import TYPE_CHECKING, Any, Iterable, Sequence

from . import analyze
from .analyze import stem
from . import ranking, snippets
from .ranking import FIELD_ORDER, GRAM_FIELDS
from .segment import base_total

if TYPE_CHECKING:
    from .documents import Analysis

FORMAT = 2  # 2: document rows carry answer passages
INDEX_DIR = "search/kb"  # relative to the site directory
MATERIAL_INDEX = "search/search_index.json"
DOC_CHUNK = 128
SHARD_TARGET_BYTES = 96_000  # aim for term shards about this big (raw JSON)
MAX_SHARDS = 512
TEASER_CHARS = 160
# No bigrams of the answers (the whoosh index dropped its `agrams` too): they would
# double the index for no measured gain on the judged queries; the answers' words are indexed.

# --------------------------------------------------------------------------- analysis

@lru_cache(maxsize=None)
def _is_stop(tok: str) -> bool:
    return analyze.is_stopword(tok)


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
    state: "_Index | None" = None  # what `build` updates next time

    def sizes(self) -> dict[str, int]:
        raw = sum(len(b) for b in self.files.values())
        gz = sum(len(gzip.compress(b, 6)) for b in self.files.values())
        return {"files": len(self.files), "raw": raw, "gzip": gz}


def _dumps(obj: Any) -> bytes:
    return json.dumps(obj, ensure_ascii=False, separators=(",", ":")).encode("utf-8")


def _shard(term: str, shards: int) -> int:
    key = term[1] if term.startswith("#") else term[0]
    return ord(key) % shards


def _teaser(doc: Any, body: str) -> str:
    """`body`: the answer as plain text (`analyze.plain_text`)."""
    question = (doc.question or "").strip()
    shown = (doc.title or "").strip(), doc.shown_title
    text = body if not question or question in shown or " ".join(question.split()) in shown else question + " " + body
    text = re.sub(r"\s+", " ", text).strip()
    return text[:TEASER_CHARS] + ("…" if len(text) > TEASER_CHARS else "")




def _doc_stats(terms) -> tuple:
    """What one analysed document adds to the index: field lengths, (term key, field, tf), words."""
    field_lengths, postings_of, cjk, lat = [], [], {}, {}
    for field, toks in terms.fields.items():
        field_lengths.append((field, len(toks)))
        gram = field in GRAM_FIELDS
        for tok, tf in Counter(toks).items():
            if not gram:
                if analyze.has_cjk(tok):
                    cjk[tok] = None
                else:
                    lat[tok] = None
                if _is_stop(tok):
                    continue  # stopwords cut queries but are not searched
            postings_of.append(("#" + tok if gram else tok, field, tf))
    return tuple(field_lengths), tuple(postings_of), tuple(cjk), tuple(lat)


def _average(lengths: list[int]) -> float:
    return ranking.average_length(sum(lengths), len(lengths))


def _raw_size(fragment: bytes) -> int:
    """What a term adds to its shard's JSON (to choose the shard count)."""
    return len(fragment) + 1


def _shard_count(raw: int) -> int:
    return max(1, min(MAX_SHARDS, math.ceil(raw / SHARD_TARGET_BYTES)))


def _fragment(term: str, postings: list[int]) -> bytes:
    """``"term":[gap,impact,...]`` as `_dumps` writes it inside a shard's ``p``."""
    return _dumps(term) + b":[" + ",".join(map(str, postings)).encode() + b"]"


def _row(doc: Any, terms: Any) -> list:
    """A document as the worker shows it: url, title, the opening lines, and the passages
    of the answer a result may show instead when they hold more of the query."""
    teaser = _teaser(doc, terms.body)
    shipped = snippets.salient_passages(terms.passages, " ".join((doc.title, doc.question or "", teaser)))
    return [doc.url, doc.shown_title, teaser, list(shipped)]


class _Index:
    """The index's contents: postings, words and files, kept whole so that `kb serve` can
    apply one edited entry (`update`) instead of scoring every posting again."""

    def __init__(self, docs: Sequence[Any], analysis: Analysis, known: dict | None = None):
        terms = analysis.terms
        self.n = n = len(terms)
        self.keys = list(terms)  # what each position was made from
        self.glossary = analysis.glossary
        self.analyzer = analysis.analyzer  # the Chinese words' segmentation frequencies
        known = known or {}
        self.stats = [hit[1] if (hit := known.get(id(t))) is not None and hit[0] is t else _doc_stats(t)
                      for t in terms]
        self.lengths = {f: [0] * n for f in FIELD_ORDER}
        self.tfs: dict[str, dict[str, dict[int, int]]] = {}  # term -> field -> {doc: tf}
        self.cjk: Counter = Counter()  # word -> documents holding it
        self.latin: Counter = Counter()
        for i, stats in enumerate(self.stats):
            self._add(i, stats)
        self.avg = {f: _average(v) for f, v in self.lengths.items()}
        # A length's normalisation depends on the field and the document only: once per document.
        self.inv_norm = {f: [ranking.inverse_norm(f, length, self.avg[f]) for length in self.lengths[f]]
                         for f in FIELD_ORDER}
        self.postings = {t: self._score(per_field) for t, per_field in self.tfs.items()}
        self.fragments = {t: _fragment(t, p) for t, p in self.postings.items()}
        self.raw = sum(map(_raw_size, self.fragments.values()))
        self.rows = [_row(d, t) for d, t in zip(docs, terms)]
        self.freq: dict[str, int] = {}
        self._set_freq()
        self.forms: dict[str, set[str]] = defaultdict(set)  # stem -> the Latin words with it
        for word in self.latin:
            self.forms[stem(word)].add(word)
        self.variants: dict[str, list[str]] = {}
        self._set_variants(self.forms)
        self._lay_out()
        self.files: dict[str, bytes] = {}
        self.digests: dict[str, bytes] = {}
        for k in range(self.shards):
            self._put(f"{INDEX_DIR}/t/{k}.json", self._shard_json(k))
        for c in range(self._chunks()):
            self._put_chunk(c)

    # -- the parts

    def _add(self, i: int, stats: tuple) -> None:
        field_lengths, postings_of, cjk, lat = stats
        for field, length in field_lengths:
            self.lengths[field][i] = length
        tfs = self.tfs
        for key, field, tf in postings_of:
            per_field = tfs.get(key)
            if per_field is None:
                tfs[key] = {field: {i: tf}}
            elif field in per_field:
                per_field[field][i] = tf
            else:
                per_field[field] = {i: tf}
        self.cjk.update(cjk)
        self.latin.update(lat)

    def _remove(self, i: int, stats: tuple) -> None:
        field_lengths, postings_of, cjk, lat = stats
        for field, _ in field_lengths:
            self.lengths[field][i] = 0
        tfs = self.tfs
        for key, field, _ in postings_of:
            per_field = tfs[key]
            del per_field[field][i]
            if not per_field[field]:
                del per_field[field]
                if not per_field:
                    del tfs[key]
        for counter, words in ((self.cjk, cjk), (self.latin, lat)):
            for w in words:
                counter[w] -= 1
                if not counter[w]:
                    del counter[w]

    def _weight(self, per_field: dict[str, dict[int, int]], d: int, term_idf: float) -> int:
        """A term's weight in document `d` (ranking.weight: BM25F over its fields)."""
        inv = self.inv_norm
        return ranking.weight(((f, docs_tf[d], inv[f][d]) for f in FIELD_ORDER
                               if (docs_tf := per_field.get(f)) is not None and d in docs_tf), term_idf)

    def _idf(self, per_field: dict[str, dict[int, int]]) -> float:
        return ranking.idf(self.n, len(self._docs(per_field)))

    @staticmethod
    def _docs(per_field: dict[str, dict[int, int]]) -> set[int]:
        docs: set[int] = set()
        for docs_tf in per_field.values():
            docs.update(docs_tf)
        return docs

    def _score(self, per_field: dict[str, dict[int, int]]) -> list[int]:
        """A term's postings: [doc gap, weight, ...]."""
        term_idf = self._idf(per_field)
        out: list[int] = []
        prev = 0
        for d in sorted(self._docs(per_field)):
            out.extend((d - prev, self._weight(per_field, d, term_idf)))
            prev = d
        return out

    def _impact(self, per_field: dict[str, dict[int, int]], d: int) -> int:
        """One document's weight, exactly as `_score` computes it."""
        return self._weight(per_field, d, self._idf(per_field))

    def _words(self) -> set[str]:
        words = set(self.cjk)
        for members in self.glossary:
            for m in members:
                words.update(t for t in m if analyze.has_cjk(t))
        return words

    def _set_freq(self) -> set[str]:
        """Segmentation frequencies of the Chinese words; returns the words added or dropped."""
        words = self._words()
        gone = [w for w in self.freq if w not in words]
        for w in gone:
            del self.freq[w]
        new = [w for w in words if w not in self.freq]
        for w in new:
            self.freq[w] = self.analyzer.shipped_freq(w)
        return {*gone, *new}

    def _set_variants(self, stems: Iterable[str]) -> set[str]:
        """Other forms of the words with these stems, most frequent first; returns the words
        whose list changed."""
        changed = set()
        for key in stems:
            forms = self.forms.get(key, ())
            for w in forms:
                new = (sorted((f for f in forms if f != w), key=lambda f: (-len(self.postings.get(f, ())), f))[:4]
                       if len(forms) > 1 else None)
                if new != self.variants.get(w):
                    changed.add(w)
                    if new is None:
                        del self.variants[w]
                    else:
                        self.variants[w] = new
        return changed

    def _lay_out(self) -> None:
        """Terms and words into shards, by their first character."""
        self.shards = shards = _shard_count(self.raw)
        self.shard_data = data = [({}, set(), {}) for _ in range(shards)]
        for word, f in self.freq.items():
            data[_shard(word, shards)][0][word] = f
        for term in self.postings:
            data[_shard(term, shards)][1].add(term)
        for word, forms in self.variants.items():
            data[_shard(word, shards)][2][word] = forms

    def _shard_json(self, k: int) -> bytes:
        w, p, v = self.shard_data[k]
        fragments = self.fragments
        return b"".join((b'{"w":', _dumps({x: w[x] for x in sorted(w)}),
                         b',"p":{', b",".join([fragments[t] for t in sorted(p)]),
                         b'},"v":', _dumps({x: v[x] for x in sorted(v)}), b"}"))

    def _put(self, name: str, data: bytes) -> None:
        self.files[name] = data
        self.digests[name] = hashlib.sha256(data).digest()

    def _chunks(self) -> int:
        return math.ceil(self.n / DOC_CHUNK)

    def _put_chunk(self, c: int) -> str:
        """Document chunk `c` ([url, title, teaser, passages] rows); returns its file name."""
        name = f"{INDEX_DIR}/d/{c}.json"
        self._put(name, _dumps(self.rows[c * DOC_CHUNK:(c + 1) * DOC_CHUNK]))
        return name

    # -- kb serve

    def update(self, docs: Sequence[Any], analysis: Analysis) -> set[str] | None:
        """Apply the documents that changed since this index was made; the names of the files
        that changed, or None when the index must be made again (documents added, removed or
        reordered, another glossary, many changes, or an average field length that moved)."""
        terms = analysis.terms
        if len(terms) != self.n or analysis.glossary != self.glossary:
            return None
        changed = [i for i, (t, k) in enumerate(zip(terms, self.keys)) if t is not k and t != k]
        if len(changed) > max(8, self.n // 50):
            return None
        # Words taught or forgotten since: their segmentation frequency moved.
        before, after = self.analyzer, analysis.analyzer
        retaught = () if before.words is after.words else before.words ^ after.words
        self.analyzer = after
        new_stats = {i: _doc_stats(terms[i]) for i in changed}
        holders: dict[str, list[set[int]]] = defaultdict(lambda: [set(), set()])  # term -> docs before, after
        latin: set[str] = set()
        for i in changed:
            for k, stats in enumerate((self.stats[i], new_stats[i])):
                for key, _, _ in stats[1]:
                    holders[key][k].add(i)
                latin.update(stats[3])
        shape = {t: self._shape(t) for t in holders}
        for i in changed:
            self._remove(i, self.stats[i])
            self._add(i, new_stats[i])
            self.stats[i], self.keys[i] = new_stats[i], terms[i]
        if any(_average(v) != self.avg[f] for f, v in self.lengths.items()):
            return None
        for i in changed:
            for f in FIELD_ORDER:
                self.inv_norm[f][i] = ranking.inverse_norm(f, self.lengths[f][i], self.avg[f])
        for term, (before, after) in holders.items():
            per_field = self.tfs.get(term)
            if per_field is None:
                self.postings.pop(term)
            elif before == after and shape[term] == self._shape(term):
                # Same documents per field, so the same idf: only the changed documents' impacts move.
                self._patch(term, per_field, after)
            else:
                self.postings[term] = self._score(per_field)
            old_fragment = self.fragments.pop(term, None)
            if old_fragment is not None:  # a new term had no size to take back
                self.raw -= _raw_size(old_fragment)
            if per_field is not None:
                self.fragments[term] = fragment = _fragment(term, self.postings[term])
                self.raw += _raw_size(fragment)
        for word in latin:
            forms = self.forms[stem(word)]
            if word in self.latin:
                forms.add(word)
            else:
                forms.discard(word)
        stems = {stem(w) for w in latin} | {stem(t) for t in holders if t in self.latin}
        words = self._set_freq() | self._set_variants(stems)
        for word in retaught:
            if word in self.freq and self.freq[word] != (f := self.analyzer.shipped_freq(word)):
                self.freq[word] = f
                words.add(word)
        if _shard_count(self.raw) != self.shards:
            return None  # every term moves shard (rare: the index grew or shrank by a shard's size)
        shards, data = self.shards, self.shard_data
        for term in holders:
            if term in self.postings:
                data[_shard(term, shards)][1].add(term)
            else:
                data[_shard(term, shards)][1].discard(term)
        for word in words:
            w, _, v = data[_shard(word, shards)]
            if word in self.freq:
                w[word] = self.freq[word]
            else:
                w.pop(word, None)
            if word in self.variants:
                v[word] = self.variants[word]
            else:
                v.pop(word, None)
        names: set[str] = set()
        for k in {_shard(t, shards) for t in (*holders, *words)}:
            names.add(name := f"{INDEX_DIR}/t/{k}.json")
            self._put(name, self._shard_json(k))
        for i in changed:
            self.rows[i] = _row(docs[i], terms[i])
        for c in {i // DOC_CHUNK for i in changed}:
            names.add(self._put_chunk(c))
        return names

    def _shape(self, term: str) -> int:
        """What a term's idf depends on besides the document count: how many documents hold it."""
        return len(self._docs(self.tfs.get(term) or {}))

    def _patch(self, term: str, per_field: dict[str, dict[int, int]], docs: set[int]) -> None:
        postings = self.postings[term]
        at = list(accumulate(postings[0::2]))
        for d in docs:
            postings[2 * bisect_left(at, d) + 1] = self._impact(per_field, d)

    # -- the index

    def meta(self) -> dict:
        digest = hashlib.sha256()
        for name in sorted(self.files):
            digest.update(name.encode() + b"\0" + self.digests[name])
        freq = self.freq
        glossary = self.glossary
        chars = {ch for w in freq for ch in w}
        stop = sorted({analyze.fold(t) for t in analyze.STOPWORDS}
                      | {t for t in (*self.cjk, *self.latin) if _is_stop(t)}
                      | {t for g in glossary for m in g for t in m if _is_stop(t)})
        return {
            "format": FORMAT,
            "id": digest.hexdigest()[:12],
            "docs": self.n,
            "shards": self.shards,
            "chunk": DOC_CHUNK,
            "chunks": self._chunks(),
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
        known = {id(k): (k, s) for k, s in zip(last.keys, last.stats)} if last is not None else None
        index = _Index(docs, analysis, known)
    meta = index.meta()
    material = {
        "config": material_config or {"lang": ["en"], "separator": r"[\s\-]+", "pipeline": [],
                                      "fields": {"title": {"boost": 1000.0}, "text": {"boost": 1.0}}},
        "docs": [],
    }
    material["config"] = {**material["config"], "kb": meta}
    files = dict(index.files)
    files[f"{INDEX_DIR}/meta.json"] = _dumps(meta)  # when Material writes its index after ours
    files[MATERIAL_INDEX] = _dumps(material)
    previous_meta = previous.files.get(f"{INDEX_DIR}/meta.json") if changed is not None else None
    return BrowserIndex(files, meta, None if changed is None else {*changed, f"{INDEX_DIR}/meta.json"},
                        previous_meta, index)


def same_files(a: BrowserIndex, b: BrowserIndex) -> bool:
    return a.files == b.files
