"""The browser index's contents: postings, words and document rows, kept whole so that
`kb serve` applies an edited, added or removed entry (`Postings.update`) instead of
scoring every posting again.

Each document has a slot that stays its own while the preview runs; its position in
the shipped index (documents in build order) is looked up through `pos` / `order`.
A clean build has slot = position, and an updated index ships exactly what a clean
build of the same documents ships (tests/test_browser_search.py).
"""
from __future__ import annotations

import hashlib
import json
import math
import re
from collections import Counter, defaultdict
from bisect import bisect_left
from functools import lru_cache
from itertools import accumulate
from operator import sub
from sys import intern
from typing import TYPE_CHECKING, Any, Iterable, NamedTuple, Sequence

from . import analyze, ranking, snippets
from .analyze import stem
from .ranking import FIELD_ORDER, GRAM_FIELDS

if TYPE_CHECKING:
    from .documents import Analysis

INDEX_DIR = "search/kb"  # relative to the site directory
DOC_CHUNK = 128
SHARD_TARGET_BYTES = 96_000  # aim for term shards about this big (raw JSON)
MAX_SHARDS = 512
TEASER_CHARS = 160
# No bigrams of the answers (the whoosh index dropped its `agrams` too): they would
# double the index for no measured gain on the judged queries; the answers' words are indexed.


@lru_cache(maxsize=None)
def is_stop(tok: str) -> bool:
    return analyze.is_stopword(tok)


@lru_cache(maxsize=1 << 18)  # every document repeats most of its tokens
def token_kind(tok: str) -> tuple[bool, bool]:
    """(whether the token is Chinese, whether it is a stop-word)."""
    return analyze.has_cjk(tok), is_stop(tok)


def dumps(obj: Any) -> bytes:
    return json.dumps(obj, ensure_ascii=False, separators=(",", ":")).encode("utf-8")


def shard_of(term: str, shards: int) -> int:
    key = term[1] if term.startswith("#") else term[0]
    return ord(key) % shards


def _teaser(doc: Any, body: str) -> str:
    """`body`: the answer as plain text (`analyze.plain_text`)."""
    question = (doc.question or "").strip()
    shown = (doc.title or "").strip(), doc.shown_title
    text = body if not question or question in shown or " ".join(question.split()) in shown else question + " " + body
    text = re.sub(r"\s+", " ", text).strip()
    return text[:TEASER_CHARS] + ("…" if len(text) > TEASER_CHARS else "")


class DocStats(NamedTuple):
    """What one analysed document adds to the index.  Its postings are three parallel
    tuples, not a tuple each, and their keys are interned (every document repeats most
    words): a posting costs three references, where a tuple per posting and a string per
    gram made this the largest part of the index's state (about 290 MB at 20k entries)."""

    lengths: tuple[tuple[str, int], ...]  # (field, length)
    keys: tuple[str, ...]  # a posting's term ("#" + gram for the gram fields)
    fields: tuple[str, ...]
    tfs: tuple[int, ...]
    cjk: tuple[str, ...]  # the document's Chinese words and Latin words
    latin: tuple[str, ...]

    def postings(self) -> Iterable[tuple[str, str, int]]:
        return zip(self.keys, self.fields, self.tfs)


def _doc_stats(terms) -> DocStats:
    lengths, keys, fields, tfs, cjk, lat = [], [], [], [], {}, {}
    for field, toks in terms.fields.items():
        lengths.append((field, len(toks)))
        gram = field in GRAM_FIELDS
        for tok, tf in Counter(toks).items():
            tok = intern(tok)
            if not gram:
                chinese, stop = token_kind(tok)
                if chinese:
                    cjk[tok] = None
                else:
                    lat[tok] = None
                if stop:
                    continue  # stopwords cut queries but are not searched
            keys.append(intern("#" + tok) if gram else tok)
            fields.append(field)
            tfs.append(tf)
    return DocStats(tuple(lengths), tuple(keys), tuple(fields), tuple(tfs), tuple(cjk), tuple(lat))


def _row(doc: Any, terms: Any) -> list:
    """A document as the worker shows it: url, title, the opening lines, and the passages
    of the answer a result may show instead when they hold more of the query."""
    teaser = _teaser(doc, terms.body)
    shipped = snippets.salient_passages(terms.passages, " ".join((doc.title, doc.question or "", teaser)))
    return [doc.url, doc.shown_title, teaser, list(shipped)]


def _raw_size(fragment: bytes) -> int:
    """What a term adds to its shard's JSON (to choose the shard count)."""
    return len(fragment) + 1


def _shard_count(raw: int) -> int:
    return max(1, min(MAX_SHARDS, math.ceil(raw / SHARD_TARGET_BYTES)))


def _fragment(term: str, postings: list[int]) -> bytes:
    """``"term":[gap,impact,...]`` as `dumps` writes it inside a shard's ``p``."""
    # json's C encoder writes a list of ints as "[1,2]" about 1.5x faster than joining str()s
    return dumps(term) + b":" + json.dumps(postings, separators=(",", ":")).encode()


def _regap(postings: list[int], new_of_old: Sequence[int], first: int) -> bool:
    """Renumber a posting list's documents (`new_of_old`: old position -> new), which keep
    their order; False when none of its documents moved (all before `first`)."""
    gaps = postings[0::2]
    if sum(gaps) < first:
        return False
    prev, out = 0, []
    for old in accumulate(gaps):
        new = new_of_old[old]
        out.append(new - prev)
        prev = new
    postings[0::2] = out
    return True


class Known:
    """What an earlier index derived per document, to take over for the same documents."""

    def __init__(self, index: "Postings | None"):
        self.by_terms = {} if index is None else {
            id(t): (t, d, s, r) for t, d, s, r in zip(index.keys, index.docs, index.stats, index.rows) if t is not None}

    def get(self, doc: Any, terms: Any) -> tuple[tuple | None, list | None]:
        """The document's stats (same terms) and row (same terms and document), or None."""
        hit = self.by_terms.get(id(terms))
        if hit is None or hit[0] is not terms:
            return None, None
        return hit[2], hit[3] if hit[1] == doc else None


class Postings:
    def __init__(self, docs: Sequence[Any], analysis: Analysis, known: Known | None = None):
        terms = analysis.terms
        self.n = n = len(terms)
        self.glossary = analysis.glossary
        self.analyzer = analysis.analyzer  # the Chinese words' segmentation frequencies
        known = known or Known(None)
        # Per slot (a clean build: slot = position in `docs`).
        self.keys: list = list(terms)  # what each slot was made from
        self.docs: list = list(docs)
        self.stats: list = []
        self.rows: list = []
        for doc, t in zip(docs, terms):
            stats, row = known.get(doc, t)
            self.stats.append(stats if stats is not None else _doc_stats(t))
            self.rows.append(row if row is not None else _row(doc, t))
        self.order = list(range(n))  # position -> slot
        self.pos: list[int | None] = list(range(n))  # slot -> position (None: a removed document)
        self.lengths = {f: [0] * n for f in FIELD_ORDER}
        self.tfs: dict[str, dict[str, dict[int, int]]] = {}  # term -> field -> {slot: tf}
        self.cjk: Counter = Counter()  # word -> documents holding it
        self.latin: Counter = Counter()
        for i, stats in enumerate(self.stats):
            self._add(i, stats)
        self.avg = self._averages()
        # A length's normalisation depends on the field and the document only: once per document.
        self.inv_norm = {f: [ranking.inverse_norm(f, length, self.avg[f]) for length in self.lengths[f]]
                         for f in FIELD_ORDER}
        self.postings = {t: self._score(per_field) for t, per_field in self.tfs.items()}
        self.fragments = {t: _fragment(t, p) for t, p in self.postings.items()}
        self.raw = sum(map(_raw_size, self.fragments.values()))
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
        for c in range(self.chunks()):
            self._put_chunk(c)

    # -- the parts

    def _averages(self) -> dict[str, float]:
        return {f: ranking.average_length(sum(v), self.n) for f, v in self.lengths.items()}

    def _add(self, i: int, stats: DocStats) -> None:
        for field, length in stats.lengths:
            self.lengths[field][i] = length
        tfs = self.tfs
        for key, field, tf in stats.postings():
            per_field = tfs.get(key)
            if per_field is None:
                tfs[key] = {field: {i: tf}}
            elif field in per_field:
                per_field[field][i] = tf
            else:
                per_field[field] = {i: tf}
        self.cjk.update(stats.cjk)
        self.latin.update(stats.latin)

    def _remove(self, i: int, stats: DocStats) -> None:
        for field, _ in stats.lengths:
            self.lengths[field][i] = 0
        tfs = self.tfs
        for key, field in zip(stats.keys, stats.fields):
            per_field = tfs[key]
            del per_field[field][i]
            if not per_field[field]:
                del per_field[field]
                if not per_field:
                    del tfs[key]
        for counter, words in ((self.cjk, stats.cjk), (self.latin, stats.latin)):
            for w in words:
                counter[w] -= 1
                if not counter[w]:
                    del counter[w]

    def _weight(self, per_field: dict[str, dict[int, int]], s: int, term_idf: float) -> int:
        """A term's weight in the document of slot `s` (ranking.weight: BM25F over its fields)."""
        inv = self.inv_norm
        return ranking.weight(((f, docs_tf[s], inv[f][s]) for f in FIELD_ORDER
                               if (docs_tf := per_field.get(f)) is not None and s in docs_tf), term_idf)

    def _idf(self, per_field: dict[str, dict[int, int]]) -> float:
        return ranking.idf(self.n, len(self._slots(per_field)))

    @staticmethod
    def _slots(per_field: dict[str, dict[int, int]]) -> set[int]:
        slots: set[int] = set()
        for docs_tf in per_field.values():
            slots.update(docs_tf)
        return slots

    def _score(self, per_field: dict[str, dict[int, int]]) -> list[int]:
        """A term's postings: [document gap, weight, ...] in position order."""
        slots = self._slots(per_field)
        weights = ranking.weights(per_field, self.inv_norm, ranking.idf(self.n, len(slots)), FIELD_ORDER)
        pos = self.pos
        out: list[int] = []
        prev = 0
        for d, s in sorted((pos[s], s) for s in slots):
            out.extend((d - prev, weights[s]))
            prev = d
        return out

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
            data[shard_of(word, shards)][0][word] = f
        for term in self.postings:
            data[shard_of(term, shards)][1].add(term)
        for word, forms in self.variants.items():
            data[shard_of(word, shards)][2][word] = forms

    def _shard_json(self, k: int) -> bytes:
        w, p, v = self.shard_data[k]
        fragments = self.fragments
        return b"".join((b'{"w":', dumps({x: w[x] for x in sorted(w)}),
                         b',"p":{', b",".join([fragments[t] for t in sorted(p)]),
                         b'},"v":', dumps({x: v[x] for x in sorted(v)}), b"}"))

    def _put(self, name: str, data: bytes) -> None:
        self.files[name] = data
        self.digests[name] = hashlib.sha256(data).digest()

    def chunks(self) -> int:
        return math.ceil(self.n / DOC_CHUNK)

    def _put_chunk(self, c: int) -> str:
        """Document chunk `c` ([url, title, teaser, passages] rows); returns its file name."""
        name = f"{INDEX_DIR}/d/{c}.json"
        self._put(name, dumps([self.rows[s] for s in self.order[c * DOC_CHUNK:(c + 1) * DOC_CHUNK]]))
        return name

    # -- kb serve

    def update(self, docs: Sequence[Any], analysis: Analysis) -> set[str] | None:
        """Apply the documents edited, added or removed since this index was made; the names
        of the files that changed, or None when the index must be made again (documents
        reordered, another glossary, many changes, or a step moved: the corpus size idf
        reads, an average field length, the shard or chunk count)."""
        terms = analysis.terms
        if analysis.glossary != self.glossary or ranking.idf_count(len(terms)) != ranking.idf_count(self.n):
            return None
        order = self._match(docs)
        if order is None:
            return None
        kept = set(order)
        removed = [s for s in self.order if s not in kept]
        changed = [(s, p) for p, s in enumerate(order) if s is not None and (
            (terms[p] is not self.keys[s] and terms[p] != self.keys[s])
            or (docs[p] is not self.docs[s] and docs[p] != self.docs[s]))]
        added = []
        for p, s in enumerate(order):
            if s is None:
                order[p] = s = self._new_slot()
                added.append((s, p))
        if len(changed) + len(added) + len(removed) > max(8, self.n // 50):
            return None
        # Words taught or forgotten since: their segmentation frequency moved.
        before, after = self.analyzer, analysis.analyzer
        retaught = () if before.words is after.words else before.words ^ after.words
        self.analyzer = after
        fresh = changed + added
        new_stats = {s: _doc_stats(terms[p]) for s, p in fresh}
        holders: dict[str, list[set[int]]] = defaultdict(lambda: [set(), set()])  # term -> slots before, after
        latin: set[str] = set()
        for k, gone in ((0, [s for s, _ in changed] + removed), (1, [s for s, _ in fresh])):
            for s in gone:
                stats = self.stats[s] if k == 0 else new_stats[s]
                for key in stats.keys:
                    holders[key][k].add(s)
                latin.update(stats.latin)
        idf_before = {t: self._idf(self.tfs[t]) if t in self.tfs else None for t in holders}
        for s in [s for s, _ in changed] + removed:
            self._remove(s, self.stats[s])
        for s in removed:
            self.keys[s] = self.docs[s] = self.stats[s] = self.rows[s] = self.pos[s] = None
        for s, p in fresh:
            self._add(s, new_stats[s])
            self.stats[s], self.keys[s], self.docs[s], self.rows[s] = new_stats[s], terms[p], docs[p], None
        old_order = self.order
        moved = order != old_order
        new_of_old, first = self._renumber(order) if moved else ((), 0)
        if self._averages() != self.avg:
            return None
        for s, _ in fresh:
            for f in FIELD_ORDER:
                self.inv_norm[f][s] = ranking.inverse_norm(f, self.lengths[f][s], self.avg[f])
        touched: set[str] = set()
        if moved:  # terms no changed document holds: the same weights, renumbered
            for term, postings in self.postings.items():
                if term not in holders and _regap(postings, new_of_old, first):
                    touched.add(term)
        for term, (then, now) in holders.items():
            per_field = self.tfs.get(term)
            if per_field is None:
                self.postings.pop(term, None)
            elif self._idf(per_field) == idf_before[term]:
                self._splice(term, per_field, then, now, old_order)  # the other documents keep their weights
            else:
                self.postings[term] = self._score(per_field)
            touched.add(term)
        for term in touched:
            old_fragment = self.fragments.pop(term, None)
            if old_fragment is not None:  # a new term had no size to take back
                self.raw -= _raw_size(old_fragment)
            if term in self.postings:
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
        if _shard_count(self.raw) != self.shards or math.ceil(len(order) / DOC_CHUNK) != self.chunks():
            return None  # every term moves shard, or a document chunk comes or goes (rare)
        shards, data = self.shards, self.shard_data
        for term in holders:
            if term in self.postings:
                data[shard_of(term, shards)][1].add(term)
            else:
                data[shard_of(term, shards)][1].discard(term)
        for word in words:
            w, _, v = data[shard_of(word, shards)]
            if word in self.freq:
                w[word] = self.freq[word]
            else:
                w.pop(word, None)
            if word in self.variants:
                v[word] = self.variants[word]
            else:
                v.pop(word, None)
        names: set[str] = set()
        for k in {shard_of(t, shards) for t in (*touched, *words)}:
            names.add(name := f"{INDEX_DIR}/t/{k}.json")
            self._put(name, self._shard_json(k))
        for s, p in fresh:
            self.rows[s] = _row(docs[p], terms[p])
        rewritten = {p // DOC_CHUNK for _, p in fresh}
        if moved:  # every chunk from the first position that holds another document
            start = next((p for p, (a, b) in enumerate(zip(order, old_order)) if a != b), min(len(order), len(old_order)))
            rewritten.update(range(start // DOC_CHUNK, self.chunks()))
        for c in rewritten:
            names.add(self._put_chunk(c))
        return names

    def _splice_in_place(self, postings: list[int], per_field: dict[str, dict[int, int]], then: set[int],
                         now: set[int], term_idf: float) -> list[int]:
        """`_splice` when every document kept its position: a term held by thousands of
        documents is rewritten by list operations, not a Python step per document."""
        at = list(accumulate(postings[0::2]))
        weights = postings[1::2]
        for s in then | now:  # each found by bisection: any order
            p = self.pos[s]
            k = bisect_left(at, p)
            present = k < len(at) and at[k] == p
            if s in now:
                w = self._weight(per_field, s, term_idf)
                if present:
                    weights[k] = w
                else:
                    at.insert(k, p)
                    weights.insert(k, w)
            elif present:
                del at[k], weights[k]
        out = [0] * (2 * len(at))
        out[0::2] = [at[0], *map(sub, at[1:], at)] if at else []
        out[1::2] = weights
        return out

    def _match(self, docs: Sequence[Any]) -> list[int | None] | None:
        """Each new position's slot (None: a document added), or None when the documents
        kept are not in the order they had (or an address is not unique)."""
        by_url = {self.docs[s].url: s for s in self.order}
        if len(by_url) != self.n:
            return None
        order = [by_url.get(d.url) for d in docs]
        kept = [self.pos[s] for s in order if s is not None]
        if len(set(kept)) != len(kept) or any(a > b for a, b in zip(kept, kept[1:])):
            return None
        return order

    def _new_slot(self) -> int:
        for seq in (self.keys, self.docs, self.stats, self.rows, self.pos):
            seq.append(None)
        for f in FIELD_ORDER:
            self.lengths[f].append(0)
            self.inv_norm[f].append(1.0)
        return len(self.keys) - 1

    def _renumber(self, order: list[int]) -> tuple[list[int], int]:
        """Documents at their new positions; old position -> new (-1: removed), and the
        first old position that moved."""
        new_of_old = [-1] * self.n
        for p, s in enumerate(order):
            old = self.pos[s]
            if old is not None:
                new_of_old[old] = p
            self.pos[s] = p
        first = next((o for o, p in enumerate(new_of_old) if o != p), self.n)
        self.order, self.n = order, len(order)
        return new_of_old, first

    def _splice(self, term: str, per_field: dict[str, dict[int, int]], then: set[int], now: set[int],
                old_order: list[int]) -> None:
        """A term's postings with the weights of the documents that held it (`then`) taken
        out and those of the documents that hold it now put in, the others renumbered."""
        postings = self.postings[term]
        pos, term_idf = self.pos, self._idf(per_field)
        if old_order is self.order:  # no document moved: change the few in place
            self.postings[term] = self._splice_in_place(postings, per_field, then, now, term_idf)
            return
        slots = map(old_order.__getitem__, accumulate(postings[0::2]))
        pairs = [(pos[s], w) for s, w in zip(slots, postings[1::2]) if s not in then]
        pairs.extend((pos[s], self._weight(per_field, s, term_idf)) for s in now)
        pairs.sort()
        out, prev = [], 0
        for d, w in pairs:
            out.extend((d - prev, w))
            prev = d
        self.postings[term] = out
