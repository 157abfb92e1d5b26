"""The ranking specification: one source for how a match counts, in `kb search` and in the browser.

A term's weight in a document is BM25F: each field's term frequency, weighted by
the field's boost and normalised by the field's length, is summed over the fields,
then saturated once, and multiplied by the term's idf (a term in nearly every
document weighs nearly nothing).  That weight is quantised (`SCALE`) so that the
browser index can ship it as a small integer and `kb search` computes the very same
number from whoosh's postings.

A query is groups of alternatives (query.py): an alternative scores the sum of its
terms' weights in a document holding all of them; a group scores its best
alternative plus a share of the others; groups add up, and a coordination factor
rewards documents that match more of the query's words.  Ties go to the document
that comes first in the corpus.

`SPEC` is written into the site (browser_index.py) and read by the search worker, so
both engines rank with these numbers; the worker repeats `combine` in JavaScript and
a test compares the two engines' top results.
"""
from __future__ import annotations

import math
from typing import Iterable, Mapping, Sequence

# Searchable fields: (boost of a match, BM25 length normalisation b).
FIELDS: Mapping[str, tuple[float, float]] = {
    "title": (3.0, 0.5),
    "question": (1.6, 0.75),
    "tags": (1.2, 0.3),
    "keywords": (1.2, 0.3),
    "errors": (2.5, 0.3),
    "category": (0.3, 0.0),
    "answer": (0.4, 0.75),
    "parts": (0.2, 0.75),
}
# Chinese bigrams of the short fields, a term space of their own (keys "#xy" in the browser).
GRAM_FIELDS: Mapping[str, tuple[float, float]] = {"tgrams": (1.0, 0.5)}
FIELD_ORDER: tuple[str, ...] = (*FIELDS, *GRAM_FIELDS)  # the order weights are summed in
K1 = 2.0
SCALE = 8  # a quantised weight is round(weight * SCALE), at least 1

SYNONYM_WEIGHT = 0.7  # a glossary synonym of a query word
STEM_WEIGHT = 0.8  # another form of a Latin query word (fails -> failed)
FUZZY_WEIGHT = 0.6  # a spelling neighbour of an unknown Latin query word
PREFIX_WEIGHT = 0.7  # a completion of the word being typed (the browser while typing)
SUBWORD_ALT_WEIGHT = 0.7  # the parts of a long Chinese query word, all present
SUBWORD_WEIGHT = 0.4  # parts of a compound identifier in the query
GRAM_WEIGHT = 0.5
ALT_SHARE = 0.3  # share of a group's other matching alternatives added to its best one
COORD_WEIGHT = 0.6  # share of the score that depends on how many query words match
MIN_RELATIVE_SCORE = 0.05  # results scoring less than this share of the best are left out
MAX_QUERY_CHARS = 500
MAX_QUERY_GROUPS = 32

FIELD_BOOSTS: Mapping[str, float] = {name: boost for name, (boost, _) in FIELDS.items()}
GRAM_FIELD_BOOSTS: Mapping[str, float] = {name: boost for name, (boost, _) in GRAM_FIELDS.items()}
BM25_B: Mapping[str, float] = {name: b for name, (_, b) in {**FIELDS, **GRAM_FIELDS}.items()}

SPEC = {
    "version": 2,
    "fields": {name: list(value) for name, value in {**FIELDS, **GRAM_FIELDS}.items()},
    "k1": K1,
    "scale": SCALE,
    "weights": {"synonym": SYNONYM_WEIGHT, "stem": STEM_WEIGHT, "fuzzy": FUZZY_WEIGHT, "prefix": PREFIX_WEIGHT,
                "subword_alt": SUBWORD_ALT_WEIGHT, "subword": SUBWORD_WEIGHT, "gram": GRAM_WEIGHT,
                "alt_share": ALT_SHARE, "coord": COORD_WEIGHT},
    "min_relative_score": MIN_RELATIVE_SCORE,
    "max_query_chars": MAX_QUERY_CHARS,
    "max_query_groups": MAX_QUERY_GROUPS,
}


# ----------------------------------------------------------------------------- a term's weight

def average_length(total: int, n: int) -> float:
    """A field's mean length, rounded to a step of 2**(1/8) (about 9 %): one edited entry
    rarely moves it, so the browser index of a live preview rescores only that entry."""
    mean = total / n if n else 0.0
    return 2 ** (round(math.log2(mean) * 8) / 8) if mean > 0 else 1.0


def inverse_norm(field: str, length: int, average: float) -> float:
    """1 / BM25's length normalisation of a field of this length."""
    b = BM25_B[field]
    return 1.0 / (1 - b + b * length / average)


def idf_count(count: int) -> float:
    """A count as idf reads it (the corpus size, a term's document frequency): exact up to
    64, then rounded to a step of 2**(1/32) (about 2 %).  Adding or removing one entry
    then rarely moves the idf of a term many entries hold, so a live preview applies an
    added entry to those terms' postings instead of scoring them again."""
    return float(count) if count <= 64 else 2 ** (round(math.log2(count) * 32) / 32)


def idf(n: int, df: int) -> float:
    size, count = idf_count(n), idf_count(df)
    return math.log(1 + (size - count + 0.5) / (count + 0.5))


def weight(field_tfs: Iterable[tuple[str, int, float]], term_idf: float) -> int:
    """A term's quantised weight in one document, from (field, tf, inverse norm) in FIELD_ORDER."""
    boosts = _BOOSTS
    tf = 0.0
    for field, count, inv in field_tfs:
        tf += boosts[field] * count * inv
    return saturated(tf, term_idf)


def saturated(tf: float, term_idf: float) -> int:
    """BM25's saturation of a term's boosted, length-normalised frequency, quantised."""
    return max(1, round(term_idf * tf * (K1 + 1) / (K1 + tf) * SCALE))


def weights(per_field: Mapping[str, Mapping[int, int]], inverse_norms: Mapping[str, Sequence[float]],
            term_idf: float, fields: Sequence[str]) -> dict[int, int]:
    """`weight` in every document holding a term at once (field -> {document: tf}): each
    document's frequencies summed field by field in the order of `fields`, as `weight` is
    given them, so every weight is the same number; one pass per field, not per document."""
    tfs: dict[int, float] = {}
    for field in fields:
        docs_tf = per_field.get(field)
        if docs_tf is None:
            continue
        boost, inv = _BOOSTS[field], inverse_norms[field]
        for d, count in docs_tf.items():
            tfs[d] = tfs.get(d, 0.0) + boost * count * inv[d]
    return {d: saturated(tf, term_idf) for d, tf in tfs.items()}


_BOOSTS = {**FIELD_BOOSTS, **GRAM_FIELD_BOOSTS}


# ----------------------------------------------------------------------------- a query

def combine(groups: Sequence[tuple[float, Sequence[tuple[float, Sequence[Mapping[int, int]]]], Sequence[int]]],
            concepts: int) -> dict[int, float]:
    """Document -> score for `groups`: (group weight, [(alternative weight, [each token's
    weights by document])], the query words it covers); `concepts`: how many words the
    query has.  The search worker repeats this function in JavaScript."""
    total: dict[int, float] = {}
    matched: dict[int, set[int]] = {}
    for group_weight, alts, covers in groups:
        best: dict[int, float] = {}
        rest: dict[int, float] = {}
        for alt_weight, lists in alts:
            if not lists or any(not weights for weights in lists):
                continue
            ordered = sorted(lists, key=len)
            for doc, first in ordered[0].items():
                value = first
                for other in ordered[1:]:
                    found = other.get(doc)
                    if found is None:
                        break
                    value += found
                else:
                    score = alt_weight * value
                    old = best.get(doc)
                    if old is None:
                        best[doc] = score
                    elif score > old:
                        best[doc] = score
                        rest[doc] = rest.get(doc, 0.0) + old
                    else:
                        rest[doc] = rest.get(doc, 0.0) + score
        for doc, score in best.items():
            total[doc] = total.get(doc, 0.0) + group_weight * (score + ALT_SHARE * rest.get(doc, 0.0))
            if covers:
                matched.setdefault(doc, set()).update(covers)
    if concepts > 1:
        for doc in total:
            total[doc] *= 1 - COORD_WEIGHT + COORD_WEIGHT * len(matched.get(doc, ())) / concepts
    return total


def ranked(scores: Mapping[int, float], limit: int) -> list[tuple[int, float]]:
    """The best `limit` documents, ties to the one first in the corpus; documents scoring
    under MIN_RELATIVE_SCORE of the best are left out."""
    import heapq

    if not scores:
        return []
    floor = max(scores.values()) * MIN_RELATIVE_SCORE
    return heapq.nsmallest(limit, ((d, s) for d, s in scores.items() if s >= floor), key=lambda ds: (-ds[1], ds[0]))
