"""Whether a new question was already asked: whole questions compared in both directions.

`kb new` stops a contributor only when an existing entry asks the same question.
Both questions are reduced to their words (the site's analyzer, stop-words out,
English words stemmed), each word weighted by how rare it is among the corpus's
questions, and compared both ways:

* `covered`: how much of the new question the entry's whole question (title and
  question text) holds;
* `covers`: how much of the entry's whole question the new question holds.

The same question reworded holds both ways.  A short generic title ('nacos配置')
inside a longer new question ('nacos 怎么配置集群') covers the entry but not the
new question ('集群' is missing); a log line or error dump shares a few tokens
but most of its words are not in the new question.  A word counts as present
when the other question has it, when it is written inside the other's text
(Chinese: '改' in '修改', '修改密码' as '修改' + '密码'), or, for part of its
weight, when the other has a glossary synonym of it (cluster / 集群).
"""
from __future__ import annotations

import math
import re
from collections import Counter
from dataclasses import dataclass
from typing import Iterable, Mapping, Sequence

from .analyze import Analyzer, fold, has_cjk, stem

SAME = 0.75  # both directions at least this (without synonyms): the same question
SYNONYM_CREDIT = 0.3  # a word matched only through a glossary synonym counts this much
RECALL_WEIGHT = 1.5  # in the score, the new question's words count this much more (F-beta's beta)
MAX_CHARS = 1000  # of a question: enough to say what it asks; log dumps go on for pages
# Question phrases say what kind of question it is, whatever their wording: '是干什么用的'
# and '是做什么用的' ask the same.  Each kind is one word of the question ('?what'), so
# 'nacos是什么' and 'nacos怎么用' differ although nothing else is left of them.
_KINDS = (
    ("?why", r"为什么|为啥|为何|怎么回事|咋回事|\bwhy\b"),
    ("?what", r"是什么|什么是|干什么|做什么|干嘛|干啥|\bwhat\b"),
    ("?how-many", r"多少|多久|\bhow (?:many|much|long)\b"),
    ("?how", r"怎么办|怎么样|怎么|怎样|如何|咋办|咋|\bhow\b"),
)
_ASKING = re.compile("|".join(f"(?P<k{n}>{pattern})" for n, (_, pattern) in enumerate(_KINDS)))
_LATIN_PARTS = re.compile(r"[a-z]+|[0-9]+(?:\.[0-9]+)*")
_NOT_WORD = re.compile(r"[\W_]+")


@dataclass(frozen=True)
class Words:
    """One question as words: each word with its parts (a compound's pieces), and its folded text."""

    words: tuple[tuple[str, tuple[str, ...]], ...]
    text: str  # folded, without spaces and punctuation: Chinese words are looked for inside it

    @property
    def vocabulary(self) -> frozenset[str]:
        return frozenset(w for w, _ in self.words) | frozenset(p for _, parts in self.words for p in parts)


def whole_question(title: str, question: str | None) -> str:
    """The question an entry asks: its question text, with the title in front unless it already
    starts it (titles are often the question's first line, cut short)."""
    title, question = (title or "").strip(), (question or "").strip()
    if not question:
        return title
    key = _NOT_WORD.sub("", fold(title))
    return question if key and _NOT_WORD.sub("", fold(question)).find(key) >= 0 else f"{title}\n{question}"


def kinds_of(text: str) -> frozenset[str]:
    """The kinds of question a text asks ('?why', '?how', ...): none when no phrase says."""
    return frozenset(_KINDS[int(m.lastgroup[1:])][0] for m in _ASKING.finditer(fold(text[:MAX_CHARS])))


def _word(token: str) -> str:
    return token if has_cjk(token) else stem(token)


def question_words(text: str, analyzer: Analyzer) -> Words:
    """The words of a question (stop-words left out), with the parts each is matched by."""
    text = fold(text[:MAX_CHARS])
    seen: dict[str, tuple[str, ...]] = {}
    for match in _ASKING.finditer(text):
        seen.setdefault(_KINDS[int(match.lastgroup[1:])][0], ())
    plain = _ASKING.sub(" ", text)
    for token in analyzer.terms(plain):
        word = _word(token)
        if word in seen:
            continue
        if has_cjk(word):
            parts = tuple(analyzer.search_subwords(word)) if len(word) >= 3 else ()
        else:
            pieces = _LATIN_PARTS.findall(token)
            parts = tuple(_word(p) for p in pieces) if len(pieces) > 1 else ()
        seen[word] = parts
    return Words(tuple(seen.items()), _NOT_WORD.sub("", plain))


@dataclass(frozen=True)
class Weights:
    """How much each word says: idf over the corpus's questions; and the glossary's synonyms."""

    df: Mapping[str, int]
    n: int
    synonyms: Mapping[str, tuple[tuple[str, ...], ...]]  # word -> other members of its groups, as words

    def weight(self, word: str) -> float:
        return math.log(1 + (self.n + 1) / (self.df.get(word, 0) + 1))


def weights_of(questions: Iterable[Words], glossary: Iterable[Sequence[Sequence[str]]] = ()) -> Weights:
    """Weights from the questions of a corpus; `glossary` as `documents.analyse_glossary` gives it."""
    df: Counter = Counter()
    n = 0
    for q in questions:
        n += 1
        df.update({w for w, _ in q.words})
    synonyms: dict[str, list[tuple[str, ...]]] = {}
    for group in glossary:
        members = [tuple(_word(t) for t in member) for member in group]
        for member in members:
            if len(member) == 1:
                others = synonyms.setdefault(member[0], [])
                others.extend(m for m in members if m != member and m not in others)
    return Weights(df, n, {w: tuple(m) for w, m in synonyms.items()})


def written_in(word: str, text: str) -> bool:
    """Whether a Chinese word (of four characters or more) is written in `text` in pieces of
    two characters or more ('修改密码' in '修改用户的密码')."""
    if len(word) < 4:
        return False
    ends = {0}
    for end in range(2, len(word) + 1):
        if any(end - start >= 2 and word[start:end] in text for start in ends if start < end):
            ends.add(end)
    return len(word) in ends


def _present(word: str, parts: tuple[str, ...], other: Words, vocabulary: frozenset[str]) -> bool:
    if word in vocabulary:
        return True
    if has_cjk(word):
        return word in other.text or written_in(word, other.text)
    return bool(parts) and all(p in vocabulary for p in parts)


def coverage(a: Words, b: Words, weights: Weights) -> tuple[float, float]:
    """The weighted share of `a`'s words that `b` holds (0 when `a` has no words): as written,
    and with glossary synonyms for part of their weight.

    Synonyms only help a question be listed: the glossary groups words a reader may search
    for together (linux, windows), which are not always the same question."""
    vocabulary = b.vocabulary
    total = found = loose = 0.0
    for word, parts in a.words:
        w = weights.weight(word)
        total += w
        if _present(word, parts, b, vocabulary):
            found += w
        elif any(all(_present(s, (), b, vocabulary) for s in member) for member in weights.synonyms.get(word, ())):
            loose += w * SYNONYM_CREDIT
    return (found / total, (found + loose) / total) if total else (0.0, 0.0)


@dataclass(frozen=True)
class Match:
    covered: float  # of the new question, by the entry
    covers: float  # of the entry's question, by the new question
    same_title: bool  # the new question has the words of the entry's title, no more, no fewer
    score: float  # how alike, for the order of the list (see `compare`)

    @property
    def same(self) -> bool:
        return self.same_title or min(self.covered, self.covers) >= SAME


def _f_score(recall: float, precision: float) -> float:
    beta2 = RECALL_WEIGHT ** 2
    return (1 + beta2) * recall * precision / (beta2 * precision + recall) if recall and precision else 0.0


def compare(new: Words, entry: Words, weights: Weights, entry_title: Words | None = None) -> Match:
    """The new question against an entry's whole question (and its title, when it has more words).

    The score weighs both directions, the new question's words more: an entry holding all of
    them and a little more comes before a short title holding only some, and a log line
    sharing a few tokens among many comes last."""
    mine = {w for w, _ in new.words}
    same_title = entry_title is not None and bool(mine) and mine == {w for w, _ in entry_title.words}
    covered, covered_loose = coverage(new, entry, weights)
    covers, covers_loose = coverage(entry, new, weights)
    score = 1.0 if same_title else _f_score(covered_loose, covers_loose)
    return Match(covered, covers, same_title, score)
