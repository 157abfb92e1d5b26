"""Related entries: TF-IDF vectors of weighted terms and each entry's nearest neighbours.

`similar` computes every entry's neighbour list by cosine similarity, candidates
taken from an inverted index of rarer terms; given its previous result, it
recomputes only the vectors and lists an edit can change (see its docstring).
`unit_vectors` computes vectors alone, kept compact (`Bag`, `Unit`), for texts
compared pair by pair (the answers of two linked entries), updated the same way.
"""
from __future__ import annotations

import heapq
import math
from array import array
from collections import Counter, defaultdict
from dataclasses import dataclass, field
from functools import lru_cache
from itertools import repeat
from operator import itemgetter, mul
from typing import Mapping, Sequence


def _same(a: Mapping[str, float], b: Mapping[str, float]) -> bool:
    return a is b or a == b


@lru_cache(maxsize=65536)
def _df_step(d: int) -> float:
    """A document frequency as idf sees it: exact up to 8, above that rounded to steps of
    2**(1/8) (about 9 %), so that one edited entry rarely changes the idf of a common
    term and with it the vector of every entry holding that term (`_similar`)."""
    return d if d <= 8 else 2 ** (round(math.log2(d) * 8) / 8)


@lru_cache(maxsize=65536)
def _answer_df_step(d: int) -> float:
    """A document frequency as the answers' idf sees it: in steps of a factor of 2**(1/2).
    An added entry changes the frequency of each of its answer's hundreds of terms; in
    finer steps (`_df_step`) it moved the idf of terms held by 2,334 of 5,000 answers,
    each of whose vectors and cosines were computed again, in these 304."""
    return d if d <= 1 else 2 ** (round(math.log2(d) * 2) / 2)


def _vector(weights: Mapping[str, float], df: Mapping[str, int], n: int) -> dict[str, float]:
    """One document's unit TF-IDF vector (log-scaled weights)."""
    vec = {}
    for t, w in weights.items():
        idf = math.log(1 + _df_step(n) / _df_step(df[t]))
        vec[t] = (1 + math.log(w)) * idf if w >= 1 else w * idf
    norm = math.sqrt(sum(v * v for v in vec.values())) or 1.0
    return {t: v / norm for t, v in vec.items()}


def _document_frequencies(weights: Sequence[Mapping[str, float]]) -> Counter:
    df: Counter = Counter()
    for w in weights:
        df.update(w.keys())
    return df


def _cosine(a: dict[str, float], b: dict[str, float]) -> float:
    if len(a) > len(b):
        a, b = b, a
    return sum(map(mul, a.values(), map(b.get, a.keys(), repeat(0.0))))


def _postings(vectors: Sequence[Mapping[str, float]]) -> dict[str, list[tuple[int, float]]]:
    postings: dict[str, list[tuple[int, float]]] = defaultdict(list)
    for i, vec in enumerate(vectors):
        for t, v in vec.items():
            postings[t].append((i, v))
    return postings


def _near(i: int, vectors: Sequence[dict[str, float]], postings: Mapping[str, list[tuple[int, float]]],
          limit: int, max_postings: int) -> tuple[list[tuple[float, int]], float | None]:
    """The best `limit` other docs for doc i by cosine (exact), candidates from rare terms;
    and the candidate floor: the partial score of the last candidate kept, or None when
    every candidate was kept.  A doc whose partial score with i stays below the floor
    cannot enter i's list (`_similar` uses it to skip lists an edit cannot change)."""
    vec = vectors[i]
    acc: dict[int, float] = defaultdict(float)
    for t, v in vec.items():
        plist = postings[t]
        if len(plist) > max_postings:
            continue
        for j, w in plist:
            acc[j] += v * w
    acc.pop(i, None)  # removing it afterwards leaves the others' order (the tie-break) as it was
    # nlargest equals a stable sort by score, descending, cut to the first limit * 3.
    top = heapq.nlargest(limit * 3, acc.items(), key=itemgetter(1))
    floor = top[-1][1] if len(acc) > len(top) else None
    scored = sorted(((_cosine(vec, vectors[j]), j) for j, _ in top), key=lambda sj: (-sj[0], sj[1]))
    return scored[:limit], floor


@dataclass
class Similar:
    """Vectors and neighbour lists of one corpus, and what they were computed from."""

    ids: tuple[str, ...]
    limit: int
    cap: int
    weights: list[dict[str, float]]
    df: Counter
    vectors: list[dict[str, float]]
    neighbours: list[list[tuple[float, int]]]
    floors: list[float | None]  # per doc, the candidate floor of its list (`_near`)
    recomputed: int = field(default=0, compare=False)  # neighbour lists computed (the rest were reused)


# Partial scores are sums of the same products in another order: allow for rounding.
_FLOOR_MARGIN = 1e-9


def _all_near(ids, weights, df, vectors, limit, cap) -> Similar:
    postings = _postings(vectors)
    found = [_near(i, vectors, postings, limit, cap) for i in range(len(ids))]
    return Similar(ids, limit, cap, weights, df, vectors, [f[0] for f in found], [f[1] for f in found],
                    len(ids))


def similar(previous: Similar | None, ids: tuple[str, ...], weights: tuple[dict[str, float], ...], limit: int,
            cap: int) -> Similar:
    """Vectors and neighbours of all docs; given the previous result, only what changed is recomputed.

    A doc's vector changes when its weights do or when the document frequency of one of
    its terms does (or the corpus size, in steps: `_df_step`); those docs get new neighbour
    lists.  Another doc's list depends on a changed, added or removed doc only through
    their partial score (the rare terms they share): when that score was and stays below
    the list's candidate floor, the doc was not and is not a candidate, and the list
    stands (its positions renumbered when docs came or went: the order of the others, the
    tie-break, is kept).  Everything else is the previous build's result, computed by the
    same code from the same numbers."""
    n = len(ids)
    if previous is None or previous.limit != limit or previous.cap != cap \
            or _df_step(n) != _df_step(len(previous.ids)) or len(set(ids)) != n:
        return _fresh(ids, weights, limit, cap)
    old_at = {eid: k for k, eid in enumerate(previous.ids)}
    was = [old_at.get(eid) for eid in ids]  # each doc's previous position (None: added)
    removed = sorted(set(range(len(previous.ids))) - {k for k in was if k is not None})
    moved = [i for i in range(n) if was[i] is None or not _same(weights[i], previous.weights[was[i]])]
    if not moved and not removed:
        return previous
    if len(moved) + len(removed) > n // 4:
        return _fresh(ids, weights, limit, cap)
    df = previous.df.copy()
    touched: set[str] = set()
    for old, new in [(previous.weights[was[i]].keys() if was[i] is not None else (), weights[i].keys()) for i in moved] \
            + [(previous.weights[k].keys(), ()) for k in removed]:
        df.subtract(old)
        df.update(new)
        touched.update(old, new)
    for t in touched:
        if df[t] <= 0:
            del df[t]
    # A term changes other documents when its idf moves, or when it starts or stops
    # selecting candidates (`_near` skips terms in more than `cap` documents).
    idf_changed = {t for t in touched
                   if _df_step(a := df.get(t, 0)) != _df_step(b := previous.df.get(t, 0)) or (a <= cap) != (b <= cap)}
    vectors: list = [previous.vectors[k] if k is not None else None for k in was]
    changed = []
    for i, w in enumerate(weights):
        if was[i] is not None and _same(w, previous.weights[was[i]]) and (not idf_changed or idf_changed.isdisjoint(w)):
            continue
        vectors[i] = _vector(w, df, n)
        changed.append(i)
    if len(changed) > n // 4:
        return _all_near(ids, weights, df, vectors, limit, cap)
    postings = _postings(vectors)
    # The highest partial score, before or after, of any changed, added or removed doc with
    # each doc it shares a candidate-selecting term with.  An unchanged doc holds the same
    # terms, values and term gating (a term crossing the cap changed every doc holding it).
    reach: dict[int, float] = {}
    before = [previous.vectors[was[i]] for i in changed if was[i] is not None] + [previous.vectors[k] for k in removed]
    for vec in before + [vectors[i] for i in changed]:
        partial: dict[int, float] = defaultdict(float)
        for t, v in vec.items():
            plist = postings.get(t)
            if plist is not None and len(plist) <= cap:
                for j, w in plist:
                    partial[j] += v * w
        for j, score in partial.items():
            if score > reach.get(j, -1.0):
                reach[j] = score
    redo = set(changed)
    for j, score in reach.items():
        if j in redo:
            continue
        floor = previous.floors[was[j]]  # type: ignore[index]  # j unchanged: it was there before
        if floor is None or score >= floor - _FLOOR_MARGIN:
            redo.add(j)
    if len(redo) > n // 2:
        return _all_near(ids, weights, df, vectors, limit, cap)
    now_at = {k: i for i, k in enumerate(was) if k is not None}
    same_positions = ids == previous.ids
    neighbours: list = [None] * n
    floors: list = [None] * n
    for j in range(n):
        if j in redo:
            neighbours[j], floors[j] = _near(j, vectors, postings, limit, cap)
        else:
            k = was[j]
            # the previous list itself when no position moved: later steps see it is unchanged
            neighbours[j] = previous.neighbours[k] if same_positions else [
                (score, now_at[i]) for score, i in previous.neighbours[k]]
            floors[j] = previous.floors[k]
    return Similar(ids, limit, cap, weights, df, vectors, neighbours, floors, len(redo))


def _fresh(ids: tuple[str, ...], weights: tuple[dict[str, float], ...], limit: int, cap: int) -> Similar:
    df = _document_frequencies(weights)
    n = len(ids)
    return _all_near(ids, weights, df, [_vector(w, df, n) for w in weights], limit, cap)


# --------------------------------------------------------------------------- unit vectors alone

@dataclass(frozen=True)
class Bag:
    """A document's terms and how often each occurs (the answers of a corpus hold hundreds
    of terms each: a tuple and an array cost a fraction of a dict)."""

    terms: tuple[str, ...]
    counts: array  # of "H": how often each term occurs

    def keys(self) -> tuple[str, ...]:
        return self.terms

    def starts(self, prefix: str) -> bool:
        """Whether a term starts with `prefix` (a stemmed word finds its inflected forms)."""
        return any(t.startswith(prefix) for t in self.terms)

    def __contains__(self, term: str) -> bool:
        return term in self.terms


@dataclass(frozen=True)
class Unit:
    """A unit TF-IDF vector, compact: its bag's terms and their values, in the same order."""

    terms: tuple[str, ...]
    values: array  # of "d"


def cosine(a: Unit, b: Unit, b_values: Mapping[str, float] | None = None) -> float:
    """The cosine of two unit vectors (summed in the order of `a`'s terms).  `b_values`:
    `b` as a mapping, when the caller keeps one (`values_of`) for many cosines with `b`."""
    if not a.terms or not b.terms:
        return 0.0
    other = b_values if b_values is not None else values_of(b)
    return sum(map(mul, a.values, map(other.get, a.terms, repeat(0.0))))


def values_of(unit: Unit) -> dict[str, float]:
    return dict(zip(unit.terms, unit.values))


def _unit(bag: Bag, idf: Mapping[str, float]) -> Unit:
    """A bag's unit TF-IDF vector (log-scaled counts), in the bag's order: it shares the
    bag's tuple of terms.  Computed a whole bag at a time: bags hold hundreds of terms."""
    values = list(map(mul, map(_tf, bag.counts), map(idf.__getitem__, bag.terms)))
    norm = math.sqrt(sum(map(mul, values, values))) or 1.0
    return Unit(bag.terms, array("d", map(norm.__rtruediv__, values)))


@lru_cache(maxsize=4096)
def _tf(count: int) -> float:
    return 1 + math.log(count)


class _Idf(dict):
    """Each term's idf, computed when first asked for (an edit recomputes a few bags)."""

    def __init__(self, df: Mapping[str, int], n: int):
        super().__init__()
        self.df, self.n = df, _answer_df_step(n)

    def __missing__(self, term: str) -> float:
        value = self[term] = math.log(1 + self.n / _answer_df_step(self.df[term]))
        return value


@dataclass
class Units:
    """Unit TF-IDF vectors of a corpus's bags, and what they were computed from."""

    ids: tuple[str, ...]
    bags: tuple[Bag, ...]
    df: Counter
    units: tuple[Unit, ...]


def unit_vectors(previous: Units | None, ids: tuple[str, ...], bags: tuple[Bag, ...]) -> Units:
    """Each bag's unit TF-IDF vector; given the previous result, only the vectors of bags
    that changed, or that hold a term whose idf moved (`_answer_df_step`), are computed again."""
    n = len(ids)
    if previous is None or _answer_df_step(n) != _answer_df_step(len(previous.ids)) or len(set(ids)) != n:
        df = _document_frequencies(bags)
        idf = _Idf(df, n)
        return Units(ids, bags, df, tuple(_unit(b, idf) for b in bags))
    old_at = {eid: k for k, eid in enumerate(previous.ids)}
    was = [old_at.get(eid) for eid in ids]
    gone = set(range(len(previous.ids))) - {k for k in was if k is not None}
    df = previous.df.copy()
    touched: set[str] = set()
    for i, bag in enumerate(bags):
        k = was[i]
        if k is None or not _same(bag, previous.bags[k]):
            old = previous.bags[k].terms if k is not None else ()
            df.subtract(old)
            df.update(bag.terms)
            touched.update(old, bag.terms)
    for k in gone:
        df.subtract(previous.bags[k].terms)
        touched.update(previous.bags[k].terms)
    for t in touched:
        if df[t] <= 0:
            del df[t]
    moved = {t for t in touched if _answer_df_step(df.get(t, 0)) != _answer_df_step(previous.df.get(t, 0))}
    idf = _Idf(df, n)
    # (`isdisjoint` reads every term of the bag even when nothing moved)
    units = tuple(previous.units[k] if k is not None and _same(bag, previous.bags[k])
                  and (not moved or moved.isdisjoint(bag.terms))
                  else _unit(bag, idf) for bag, k in zip(bags, was))
    return Units(ids, bags, df, units)
