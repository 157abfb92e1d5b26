"""The query side: a query's text as weighted groups of alternative words.

`parse` cuts the query as the index was cut (with the index's vocabulary, or
with jieba and the shipped glossary when there is no index), and makes a group
per concept: the word, its glossary synonyms, its other forms and, for an
unknown Latin word, its spelling neighbours.  Identifier parts, Chinese bigrams
and stop-words add groups of their own with lower weights (ranking.py).
"""
from __future__ import annotations

import math
import unicodedata
from dataclasses import dataclass, field
from functools import cache
from typing import Mapping, Sequence

from . import analyze
from .analyze import Analyzer
from .documents import analyse_glossary, glossary_words, load_glossary
from .ranking import (FUZZY_WEIGHT, GRAM_FIELD_BOOSTS, GRAM_WEIGHT, MAX_QUERY_CHARS, MAX_QUERY_GROUPS, STEM_WEIGHT,
                      SUBWORD_ALT_WEIGHT, SUBWORD_WEIGHT, SYNONYM_WEIGHT)
from .segment import Segmenter, VocabSegmenter



@dataclass
class Vocabulary:
    """What the query side knows of an index: how to cut Chinese, the Latin words it
    holds (with the number of documents holding each), other forms of words, and the
    glossary.  The browser's search worker learns the same from the files it loads."""

    segmenter: Segmenter
    latin: Mapping[str, int]  # Latin word -> documents holding it (only words that are searched)
    variants: Mapping[str, Sequence[str]]  # Latin word -> its other forms, most common first
    glossary: list[list[list[str]]]
    synonyms: dict[tuple[str, ...], list[tuple[str, ...]]] = field(init=False)

    def __post_init__(self) -> None:
        table: dict[tuple[str, ...], list[tuple[str, ...]]] = {}
        for group in self.glossary:
            members = [tuple(m) for m in group]
            for m in members:
                others = table.setdefault(m, [])
                others.extend(o for o in members if o != m and o not in others)
        self.synonyms = table

    @classmethod
    def of_index(cls, meta: Mapping) -> "Vocabulary":
        """From a saved index's metadata (`kb_meta.json`)."""
        return cls(VocabSegmenter(meta["vocab"], total=meta.get("total")), meta.get("latin", {}),
                   meta.get("variants", {}), meta.get("glossary", []))

    def subwords(self, word: str) -> list[str]:
        """A long Chinese word cut into the shorter words it is made of (持久化实例 -> 持久化, 实例)."""
        seg = self.segmenter
        if isinstance(seg, VocabSegmenter) and word in seg.freq:
            saved = seg.freq.pop(word)
            try:
                parts = seg.cut(word)
            finally:
                seg.freq[word] = saved
        else:
            subwords = getattr(seg, "subwords", None)
            parts = subwords(word) if subwords is not None else []
        return [p for p in parts if p != word]


@cache
def bare_vocabulary() -> Vocabulary:
    """Without an index: jieba's dictionary with the shipped glossary's words, every Latin word known."""
    groups = load_glossary()
    analyzer = Analyzer.of(glossary_words(groups))
    glossary = analyse_glossary(groups, analyzer)
    return Vocabulary(analyzer.dictionary, _AllLatin({t: 1 for g in glossary for m in g for t in m}), {}, glossary)


class _AllLatin(dict):
    def __contains__(self, key):  # without an index every Latin word counts as known
        return True


def query_terms(query: str, vocab: Vocabulary | None = None) -> list[str]:
    """The words a query searches for (analyzer output with glossary synonyms)."""
    groups, _ = parse(vocab or bare_vocabulary(), query)
    out: list[str] = []
    for g in groups:
        if g.fields is GRAM_FIELD_BOOSTS:
            continue
        for alt in g.alts:
            out.extend(alt.tokens)
    return list(dict.fromkeys(out))


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
    """Known words one or two edits away, sharing the first letter (the worker looks for
    them in the shard of that letter)."""
    if len(word) < 5 or not word.isascii() or not any(c.isalpha() for c in word):
        return []
    limit = 1 if len(word) < 8 else 2
    found = []
    for cand, df in latin.items():
        if abs(len(cand) - len(word)) > limit or cand[:1] != word[:1]:
            continue
        d = _osa(word, cand, limit)
        if d <= limit:
            found.append((d, -df, cand))
    found.sort()
    return [c for _, _, c in found[:max_out]]


def _same_stem(word: str, latin: Mapping[str, int], max_out: int = 4) -> list[str]:
    """Known words of the same stem as an unknown one, most common first: "refreshing"
    finds "refresh" and "refreshed" when the site never writes "refreshing" (the worker
    looks for them in the shard of the word's first letter, which a stem keeps)."""
    key = analyze.stem(word)
    if key == word or not word.isascii():
        return []
    found = sorted((-df, cand) for cand, df in latin.items() if cand[:1] == word[:1] and cand != word
                   and analyze.stem(cand) == key)
    return [c for _, c in found[:max_out]]


def parse(vocab: "Vocabulary", query: str) -> tuple[list[Group], list[str]]:
    """Query text -> weighted groups of alternatives, and the words to highlight.
    The search worker's `parse` is this function in JavaScript."""
    query = unicodedata.normalize("NFKC", query or "")[:MAX_QUERY_CHARS]
    query = "".join(ch if ch.isprintable() else " " for ch in query)
    tokens = analyze.segment_with(query, vocab.segmenter)
    latin, glossary = vocab.latin, vocab.synonyms
    groups: list[Group] = []
    extra: list[Group] = []
    marks: list[str] = []
    concept_of: dict[str, int] = {}

    def synonyms(key: tuple[str, ...]) -> list[tuple[str, ...]]:
        out = []
        for other in glossary.get(key, ()):
            content = tuple(t for t in other if not analyze.is_stopword(t))
            # A phrase that stop-words reduce to one word ("log in", "so 文件") means
            # something else than that word.
            if len(content) == 1 and len(other) > 1:
                continue
            if content and content != key and all(analyze.has_cjk(t) or t in latin for t in content):
                out.append(content)
        return out

    for tok in tokens:
        if tok in concept_of or len(groups) >= MAX_QUERY_GROUPS:
            continue
        if analyze.is_stopword(tok):  # stop-words cut the query; they are not searched
            concept_of[tok] = -1
            continue
        n = len(groups)
        concept_of[tok] = n
        alts = [Alt((tok,), 1.0)]
        marks.append(tok)
        if analyze.has_cjk(tok):
            if len(tok) >= 3:
                parts = vocab.subwords(tok)
                if len(parts) > 1:
                    alts.append(Alt(tuple(parts), SUBWORD_ALT_WEIGHT))
                    marks.extend(parts)
        else:
            parts = analyze.alnum_runs(tok)
            if len(parts) > 1:  # mysql8.0 also finds "mysql 8.0" written apart
                alts.append(Alt(parts, SUBWORD_ALT_WEIGHT))
                marks.extend(parts)
            variants = list(vocab.variants.get(tok, ()))
            for v in variants[:4]:
                alts.append(Alt((v,), STEM_WEIGHT))
                marks.append(v)
            if tok not in latin and not variants:
                # Another form of a known word (its stem's), else a misspelling of one.
                forms = _same_stem(tok, latin)
                for near in forms:
                    alts.append(Alt((near,), STEM_WEIGHT))
                    marks.append(near)
                for near in [] if forms else _spelling_neighbours(tok, latin):
                    alts.append(Alt((near,), FUZZY_WEIGHT))
                    marks.append(near)
        keys = [(tok,)] + [a.tokens for a in alts[1:] if len(a.tokens) == 1]
        for key in keys:
            for syn in synonyms(key):
                if all(a.tokens != syn for a in alts):
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
                covers = tuple(dict.fromkeys(concept_of[t] for t in key if concept_of.get(t, -1) >= 0))
                extra.append(Group([Alt(s, 1.0) for s in syns], SYNONYM_WEIGHT, None, covers))
                for syn in syns:
                    marks.extend(syn)
    # Parts of compound identifiers (NacosException -> nacos, exception).
    for p in dict.fromkeys(analyze.subwords(query)):
        if p not in concept_of and not analyze.is_stopword(p):
            extra.append(Group([Alt((p,), 1.0)], SUBWORD_WEIGHT))
    # Chinese bigrams: recall whatever the segmenter did with the text.
    grams = list(dict.fromkeys(g for g in analyze.cjk_bigrams(query) if len(g) == 2))[:MAX_QUERY_GROUPS]
    for g in grams:
        extra.append(Group([Alt((g,), 1.0)], GRAM_WEIGHT / math.sqrt(len(grams)), GRAM_FIELD_BOOSTS))
    return groups + extra, list(dict.fromkeys(marks))
